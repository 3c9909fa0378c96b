// `faultline reproduce flp [--steps N] [--trace-dir DIR]`: Lemma 2 (valence of
// the initial configurations) and Lemma 3 (the adversary's run) of the FLP
// proof on three protocols, with their traces (docs/flp.md).
#ifndef FAULTLINE_HARNESS_REPRODUCE_FLP_H_
#define FAULTLINE_HARNESS_REPRODUCE_FLP_H_

#include <cstdint>
#include <ostream>
#include <string>

namespace faultline {

struct FlpReproduceOptions {
  int64_t steps = 200;              // length of Paxos' bivalent prefix
  int64_t paxos_exact_ballots = 2;  // Lemma 2 for Paxos with exact valence
  std::string trace_dir = "faultline-traces";
};

int ReproduceFlp(const FlpReproduceOptions& options, std::ostream& out,
                 std::ostream& err);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_REPRODUCE_FLP_H_
