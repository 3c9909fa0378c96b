// Quorum intersection, for all parameter values, with z3.
//
// Two quorums Q1, Q2 of sizes q1, q2 among n nodes are described by the sizes
// of the four Venn regions (only Q1, only Q2, both, neither): non-negative
// integers summing to n. This encoding is exact for two sets, so "every pair
// of quorums shares at least k nodes" is a Presburger formula z3 decides for
// all n and f at once, not for one instance.
//
//   QuorumClaim claim = ByzantineClaim(3);   // n >= 3f+1, quorums n-f
//   QuorumResult r = CheckClaim(claim);      // r.proved, or r.counterexample
#ifndef FAULTLINE_HARNESS_QUORUMS_H_
#define FAULTLINE_HARNESS_QUORUMS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace faultline {

enum class QuorumSystem {
  kMajority,   // quorums of size q among n: any two intersect iff 2q > n
  kFlexible,   // flexible Paxos: phase-1 q1, phase-2 q2 intersect iff q1+q2 > n
  kByzantine,  // quorums of size n-f share >= f+1 nodes iff n >= 3f+1
};

struct QuorumClaim {
  QuorumSystem system;
  std::string statement;  // for people
  int threshold_f_factor = 3;  // Byzantine: the claimed bound is n >= k*f + 1
};

struct QuorumResult {
  bool proved = false;
  std::string counterexample;  // z3's model of the negation, in words
};

// Decides the claim for all n >= 1 (and 0 <= f, quorum sizes within n).
absl::StatusOr<QuorumResult> CheckClaim(const QuorumClaim& claim);

// The claims `faultline reproduce quorums` prints: the three true bounds, and
// one wrong one (Byzantine quorums with n >= 3f), which must be refuted.
std::vector<QuorumClaim> StandardClaims();

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_QUORUMS_H_
