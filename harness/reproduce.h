// `faultline reproduce RESULT`: textbook impossibility and bound results as
// executions and proofs.
//   two-generals [--max-k K] [--trace-dir DIR]  the shortest counterexample
//                for k = 1..K messengers, and which message was lost
//   quorums      quorum-intersection bounds proved with z3 for all n and f
#ifndef FAULTLINE_HARNESS_REPRODUCE_H_
#define FAULTLINE_HARNESS_REPRODUCE_H_

#include <ostream>
#include <string>
#include <vector>

namespace faultline {

int RunReproduce(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_REPRODUCE_H_
