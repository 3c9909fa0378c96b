// FLP as executions (harness/flp.h): consensus protocols whose initial
// configurations are their input vectors, with valence in `show` and the
// adversary's runs in `faultline reproduce flp`.
#include "harness/flp.h"
#include "protocols/catalog.h"
#include "protocols/flp_paxos.h"
#include "protocols/flp_votes.h"

namespace faultline {
namespace {

Entry VotesEntry(VoteConsensus::Rule rule) {
  const bool all = rule == VoteConsensus::Rule::kWaitAll;
  Entry e;
  e.name = all ? "flp-wait-all" : "flp-first-votes";
  e.description =
      all ? "FLP: decide the majority of all n votes: safe, one crash blocks it"
          : "FLP: decide the majority of the first n-1 votes: terminates, disagrees";
  e.expect_pass = false;
  e.violates = all ? "termination" : "agreement";
  e.world.crashes_max = 1;
  e.params = {{"nodes", 3, 2, 5, "processes, each with a binary input"}};
  e.make = [rule](const Config& c) -> std::unique_ptr<Checker> {
    VoteConsensus p;
    p.nodes = static_cast<int>(c.params.at("nodes"));
    p.rule = rule;
    return std::make_unique<FlpChecker<VoteConsensus>>(p, c.world, FlpOptions{});
  };
  return e;
}

Entry PaxosEntry() {
  Entry e;
  e.name = "flp-paxos";
  e.description =
      "FLP: message-driven Paxos, 2 proposers with binary inputs, 3 acceptors; "
      "safe, and the FLP adversary keeps it undecided";
  e.world.crashes_max = 1;
  e.params = {{"ballots", 2, 2, FlpPaxos::kBallotsMax,
               "ballot numbers 0..N-1 (a proposer gives up past them)"},
              {"valence-states", 1'000'000, 0, 50'000'000,
               "exact valence up to this many states, else sampled"}};
  e.make = [](const Config& c) -> std::unique_ptr<Checker> {
    FlpPaxos p;
    p.ballots = static_cast<int>(c.params.at("ballots"));
    FlpOptions o;
    o.graph_states_max = c.params.at("valence-states");
    return std::make_unique<FlpChecker<FlpPaxos>>(p, c.world, o);
  };
  return e;
}

}  // namespace

std::vector<Entry> FlpEntries() {
  return {PaxosEntry(), VotesEntry(VoteConsensus::Rule::kFirstNMinus1),
          VotesEntry(VoteConsensus::Rule::kWaitAll)};
}

}  // namespace faultline
