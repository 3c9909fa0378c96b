// libFuzzer target for the trace file parser, built with AddressSanitizer and
// UndefinedBehaviorSanitizer (fuzz/CMakeLists.txt compiles harness/trace.cc
// into it with the same flags). Any input must either be rejected with a
// Status or parse into a trace that formats back to text which parses to
// the same trace.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "harness/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<faultline::Trace> trace = faultline::ParseTrace(text);
  if (!trace.ok()) return 0;
  const std::string again = faultline::FormatTrace(*trace);
  absl::StatusOr<faultline::Trace> reparsed = faultline::ParseTrace(again);
  if (!reparsed.ok() || !(*reparsed == *trace)) std::abort();
  return 0;
}
