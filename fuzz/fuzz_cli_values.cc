// libFuzzer target for command-line values, built with AddressSanitizer and
// UndefinedBehaviorSanitizer over a sanitized copy of the whole core.
//
// The first byte picks a registry entry; the rest, split at newlines, are
// arguments to `faultline check ENTRY ...`, followed by bounds that keep the
// run tiny (later options win). Every world option, protocol parameter and
// explorer option goes through the same parsers as on the command line; the
// result must be exit 0, 1 or 2 (never 3: bad input must not reach an
// internal check). The raw bytes are also parsed as a config line.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "harness/cli.h"
#include "harness/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& registry = faultline::Registry();
  const faultline::Entry& entry = registry[data[0] % registry.size()];
  const absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)faultline::ParseConfig(entry, text);
  std::vector<std::string> args = {"check", entry.name};
  for (absl::string_view token : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    args.emplace_back(token);
  }
  for (const char* bound : {"--states", "1", "--seconds", "1", "--runs", "1",
                            "--depth", "3", "--trace-dir", "/tmp/fuzz_cli_values"}) {
    args.emplace_back(bound);
  }
  std::ostringstream out, err;
  const int code = faultline::RunCli(args, out, err);
  if (code != 0 && code != 1 && code != 2) std::abort();
  return 0;
}
