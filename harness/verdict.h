// Verdicts: what an exploration's outcome means for the user.
//
//   pass              every reachable state explored (no depth cut), no Always
//                     violated, every Sometimes reached, every Eventually checked
//   violation         an Always or Eventually property fails (a trace exists)
//   vacuous           complete, but some Sometimes never held: the model does
//                     nothing worth checking (exit code 1, like a violation)
//   bounds-exhausted  a bound stopped the search before it was complete, the
//                     visited set turned lossy (bitstate: states may have been
//                     missed), or the run sampled; no violation found within
//                     those bounds
//   bounded-liveness-violation
//                     sampling with a liveness budget: after the faults stopped
//                     and the damage was repaired, an Eventually goal was not
//                     reached within the budget (exit code 1; not a proof that
//                     no fair run reaches it, unlike an exhaustive violation)
#ifndef FAULTLINE_HARNESS_VERDICT_H_
#define FAULTLINE_HARNESS_VERDICT_H_

#include <string>

#include "harness/checker.h"
#include "harness/explore.h"

namespace faultline {

struct Verdict {
  std::string name;      // pass | violation | vacuous | bounds-exhausted |
                         // bounded-liveness-violation
  std::string property;  // violated property, or the unreached Sometimes
  std::string detail;    // one line for people
  int exit_code = 0;     // 0, or 1 for violation and vacuous
};

inline constexpr char kBoundedLivenessVerdict[] = "bounded-liveness-violation";

Verdict Judge(const Checker& checker, const Outcome& outcome);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_VERDICT_H_
