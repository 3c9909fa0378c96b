// libFuzzer target: the input bytes are the decision tape of one run.
//
// The protocol comes from the environment (set by `faultline fuzz`):
//   FAULTLINE_FUZZ_PROTOCOL  a name from `faultline list`, e.g. paxos:no-persist
//   FAULTLINE_FUZZ_CONFIG    optional "key=value ..." as in a trace's config
// Each input is run through Explore with Strategy::kBytes (harness/
// strategies.h): a choice among n > 1 events reads one byte modulo n, and
// once the bytes run out every choice is 0 (deliver the oldest message, no
// fault), so short inputs run the protocol to quiescence or depth_max.
//
// Feedback beyond code coverage: protocol-state coverage in libFuzzer's
// extra counters. Every step's event is abstracted to its words (digits
// removed: "deliver Prepare(b=1) p0->a2" becomes "deliver Prepare(b=) p->a"),
// and the target counts pairs of consecutive abstract events, each abstract
// event with the number of faults before it (0, 1, 2, 3+), and the set of
// abstract events a run saw. A new message kind, a new interleaving of two
// kinds or a new combination reached is new coverage even when no new line
// of code runs.
//
// A violated Always property aborts: libFuzzer writes the input as a crash
// artifact, which `faultline fuzz` turns into an ordinary trace.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "harness/checker.h"
#include "harness/registry.h"
#include "harness/stable_hash.h"

namespace {

using faultline::Checker;

constexpr size_t kCounters = 1 << 16;
// libFuzzer finds this section and treats each byte as a coverage counter.
__attribute__((section("__libfuzzer_extra_counters")))
uint8_t extra_counters[kCounters];

struct Target {
  const faultline::Entry* entry = nullptr;
  std::unique_ptr<Checker> checker;
};
Target* target = nullptr;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "fuzz_tape: %s\n", message.c_str());
  std::exit(2);
}

void Bump(uint64_t feature) {
  uint8_t& c = extra_counters[feature % kCounters];
  if (c != 255) ++c;
}

std::string Abstract(const std::string& event) {
  std::string out;
  for (char c : event) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

bool IsFault(const std::string& event) {
  for (const char* p : {"drop ", "duplicate ", "crash ", "partition "}) {
    if (event.rfind(p, 0) == 0) return true;
  }
  return false;
}

void FeedCoverage(const faultline::Trace& trace) {
  uint64_t previous = 0;
  uint64_t seen = 0;  // a 64-bit summary of the set of abstract events
  uint64_t faults = 0;
  for (const faultline::TraceStep& step : trace.steps) {
    const uint64_t kind = faultline::StableHash(Abstract(step.event));
    Bump(faultline::HashPair(previous, kind));
    Bump(faultline::HashPair(kind, 1000 + std::min<uint64_t>(faults, 3)));
    seen |= uint64_t{1} << (kind % 64);
    faults += IsFault(step.event) ? 1 : 0;
    previous = kind;
  }
  Bump(faultline::HashPair(seen, 7));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* name = std::getenv("FAULTLINE_FUZZ_PROTOCOL");
  if (name == nullptr) Fail("set FAULTLINE_FUZZ_PROTOCOL to a name from 'faultline list'");
  target = new Target;
  target->entry = faultline::FindEntry(name);
  if (target->entry == nullptr) Fail(std::string("unknown protocol '") + name + "'");
  faultline::Config config = faultline::DefaultConfig(*target->entry);
  if (const char* text = std::getenv("FAULTLINE_FUZZ_CONFIG"); text && *text) {
    auto parsed = faultline::ParseConfig(*target->entry, text);
    if (!parsed.ok()) Fail(std::string(parsed.status().message()));
    config = *parsed;
  }
  target->checker = target->entry->make(config);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faultline::ExploreOptions options;
  options.strategy = faultline::Strategy::kBytes;
  options.limits = target->entry->limits;
  options.limits.runs_max = 1;
  options.bytes = std::span<const uint8_t>(data, size);
  const faultline::Outcome out = target->checker->Explore(options);
  FeedCoverage(target->checker->Record(out.tape));
  if (out.stop == faultline::Stop::kViolation) {
    std::fprintf(stderr, "fuzz_tape: violation of %s after %zu steps\n",
                 target->checker->Properties()[out.violated].name.c_str(),
                 out.tape.choices.size());
    std::abort();
  }
  return 0;
}
