#include "harness/quorums.h"

#include <z3++.h>

#include "absl/strings/str_cat.h"

namespace faultline {
namespace {

// The four Venn regions of two quorums among n nodes.
struct Regions {
  z3::expr only1, only2, both, neither;
};

Regions MakeRegions(z3::context& c, const std::string& tag) {
  return {c.int_const(("only1" + tag).c_str()), c.int_const(("only2" + tag).c_str()),
          c.int_const(("both" + tag).c_str()), c.int_const(("neither" + tag).c_str())};
}

// Q1 and Q2 of sizes q1, q2 among n nodes, as region sizes.
z3::expr Layout(const Regions& r, const z3::expr& n, const z3::expr& q1,
                const z3::expr& q2) {
  return r.only1 >= 0 && r.only2 >= 0 && r.both >= 0 && r.neither >= 0 &&
         r.only1 + r.only2 + r.both + r.neither == n && r.only1 + r.both == q1 &&
         r.only2 + r.both == q2;
}

// "Every layout shares >= need nodes" <=> condition, for all parameters that
// satisfy `domain`. Returns the negation's model if there is one.
QuorumResult Decide(z3::context& c, const z3::expr& params_domain,
                    const z3::expr& condition, const z3::expr& n,
                    const z3::expr& q1, const z3::expr& q2, const z3::expr& need,
                    const z3::expr_vector& params) {
  const Regions r = MakeRegions(c, "");
  z3::expr_vector regions(c);
  for (const z3::expr& e : {r.only1, r.only2, r.both, r.neither}) regions.push_back(e);
  // Every layout of two quorums overlaps in at least `need` nodes.
  const z3::expr always_overlap =
      z3::forall(regions, z3::implies(Layout(r, n, q1, q2), r.both >= need));
  z3::solver s(c);
  s.add(params_domain);
  s.add(always_overlap != condition);
  QuorumResult result;
  if (s.check() == z3::unsat) {
    result.proved = true;
    return result;
  }
  const z3::model m = s.get_model();
  for (unsigned i = 0; i < params.size(); ++i) {
    absl::StrAppend(&result.counterexample, i ? ", " : "", params[i].to_string(), "=",
                    m.eval(params[i], true).to_string());
  }
  absl::StrAppend(&result.counterexample, ": quorums of ", m.eval(q1, true).to_string(),
                  " and ", m.eval(q2, true).to_string(), " among ",
                  m.eval(n, true).to_string(), " nodes; the claim says ",
                  m.eval(condition, true).is_true() ? "they overlap" : "they may not",
                  " in ", m.eval(need, true).to_string(), ", which is false");
  return result;
}

}  // namespace

std::vector<QuorumClaim> StandardClaims() {
  return {
      {QuorumSystem::kMajority, "two quorums of size q among n intersect iff 2q > n"},
      {QuorumSystem::kFlexible,
       "flexible Paxos: phase-1 quorums q1 and phase-2 quorums q2 intersect iff q1 + q2 > n"},
      {QuorumSystem::kByzantine,
       "quorums of size n-f pairwise share at least f+1 nodes iff n >= 3f+1", 3},
      {QuorumSystem::kByzantine,
       "(wrong on purpose) quorums of size n-f pairwise share at least f+1 nodes iff n >= 2f+1",
       2},
  };
}

absl::StatusOr<QuorumResult> CheckClaim(const QuorumClaim& claim) {
  try {
    z3::context c;
    const z3::expr n = c.int_const("n");
    z3::expr_vector params(c);
    params.push_back(n);
    switch (claim.system) {
      case QuorumSystem::kMajority: {
        const z3::expr q = c.int_const("q");
        params.push_back(q);
        return Decide(c, n >= 1 && q >= 1 && q <= n, 2 * q > n, n, q, q, c.int_val(1),
                      params);
      }
      case QuorumSystem::kFlexible: {
        const z3::expr q1 = c.int_const("q1"), q2 = c.int_const("q2");
        params.push_back(q1);
        params.push_back(q2);
        return Decide(c, n >= 1 && q1 >= 1 && q1 <= n && q2 >= 1 && q2 <= n,
                      q1 + q2 > n, n, q1, q2, c.int_val(1), params);
      }
      case QuorumSystem::kByzantine: {
        const z3::expr f = c.int_const("f");
        params.push_back(f);
        return Decide(c, n >= 1 && f >= 0 && f < n, n >= claim.threshold_f_factor * f + 1,
                      n, n - f, n - f, f + 1, params);
      }
    }
    return absl::InternalError("unknown quorum system");
  } catch (const z3::exception& e) {
    return absl::InternalError(absl::StrCat("z3: ", e.msg()));
  }
}

}  // namespace faultline
