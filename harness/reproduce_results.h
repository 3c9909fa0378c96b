// `faultline reproduce byzantine` and `faultline reproduce cap`: the
// Byzantine generals bound (n >= 3f+1, for oral messages and for PBFT's
// quorums) and the CAP theorem, each as the registry's runs, with traces
// written under `dir` and an explanation tied to the step of the proof.
//   ReproduceByzantine  OM(1): n = 3 by traitor position, n = 4 exhaustive;
//                       pbft:quorum-2f against pbft
//   ReproduceCap        cap-register:available / :consistent / healed
// Both return an exit code: 0 when every run came out as the proof says,
// 3 when one did not (an internal error: the model or the checker changed).
#ifndef FAULTLINE_HARNESS_REPRODUCE_RESULTS_H_
#define FAULTLINE_HARNESS_REPRODUCE_RESULTS_H_

#include <ostream>
#include <string>

namespace faultline {

int ReproduceByzantine(const std::string& dir, std::ostream& out,
                       std::ostream& err);
int ReproduceCap(const std::string& dir, std::ostream& out, std::ostream& err);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_REPRODUCE_RESULTS_H_
