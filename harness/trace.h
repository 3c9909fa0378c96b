// Trace files: a counterexample that replays bit for bit.
//
// The format is documented in traces/README.md. A trace records the decision
// tape (the index of the chosen action at every step), the event in words and
// a digest of the world after every step, so replay can say at which step an
// implementation or a build stopped behaving as recorded. A checksum line at
// the end tells a truncated or edited file from a valid one.
#ifndef FAULTLINE_HARNESS_TRACE_H_
#define FAULTLINE_HARNESS_TRACE_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace faultline {

inline constexpr int kTraceVersion = 1;

// The property name of an FLP adversary run (harness/flp.h): a witness that
// the protocol stays undecided, not a counterexample (traces/README.md).
inline constexpr char kFlpProperty[] = "termination (FLP adversary)";

struct TraceStep {
  uint32_t choice = 0;
  uint64_t digest = 0;
  std::string event;
  bool operator==(const TraceStep&) const = default;
};

struct Trace {
  std::string protocol;  // registered name, e.g. "paxos:forget-accepted"
  std::string config;    // "key=value ..." in canonical order
  std::string property;  // the property violated at the last step
  std::string found_by;  // e.g. "bfs seed=0"
  int init = 0;
  uint64_t init_digest = 0;
  // Liveness counterexamples only (kSafety otherwise): the steps after step
  // loop_start return to the state after it, forever (a lasso); kStops: the
  // run ends where no fair event is enabled.
  static constexpr int64_t kSafety = -2;
  static constexpr int64_t kStops = -1;
  int64_t loop_start = kSafety;
  // Bounded-liveness counterexamples only (sampling, strategies.h): faults
  // stopped and the damage was repaired by step heal_step, and the goal was
  // owed for liveness_steps steps after that without being reached (or the
  // run stopped). Written on the property line:
  //   property termination (bounded: 200 steps after heal at step 37)
  int64_t heal_step = -1;  // -1: not a bounded-liveness trace
  int64_t liveness_steps = 0;
  bool bounded() const { return heal_step >= 0; }
  std::vector<TraceStep> steps;
  bool operator==(const Trace&) const = default;
};

std::string FormatTrace(const Trace& trace);
absl::StatusOr<Trace> ParseTrace(absl::string_view text);

absl::StatusOr<Trace> ReadTraceFile(const std::string& path);

// Writes `contents` to a temporary file beside `path`, syncs it and renames it
// over `path`: a crash mid-write never leaves a partial file under the name.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// `path`, or `path` with -2, -3 … before the extension if `path` exists, so
// a new trace never replaces a file the user already had.
std::string UnusedPath(const std::string& path);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_TRACE_H_
