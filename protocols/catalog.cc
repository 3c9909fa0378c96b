// The registry table: every name `faultline list` shows.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/registry.h"
#include "protocols/catalog.h"
#include "protocols/cap_register.h"
#include "protocols/paxos.h"
#include "protocols/two_generals.h"
#include "protocols/two_phase_spec.h"

namespace faultline {
namespace {

Entry PaxosEntry(std::string suffix, Paxos::Bug bug, std::string description,
                 std::string violates) {
  Entry e;
  e.name = suffix.empty() ? "paxos" : "paxos:" + suffix;
  e.description = std::move(description);
  e.expect_pass = violates.empty();
  e.violates = std::move(violates);
  e.world.crashes_max = 1;
  if (bug == Paxos::Bug::kNoPersist) e.world.crash = CrashModel::kRecover;
  e.limits.depth_max = 60;
  e.nodes_param = "acceptors";  // --nodes
  e.params = {{"acceptors", 3, 1, 5, "number of acceptors"},
              {"rounds", 1, 1, 3, "ballots per proposer (retries + 1)"}};
  e.make = [bug](const Config& c) {
    Paxos p;
    p.acceptors = static_cast<int>(c.params.at("acceptors"));
    p.rounds = static_cast<int>(c.params.at("rounds"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry TwoGeneralsEntry() {
  Entry e;
  e.name = "two-generals";
  e.description =
      "k messengers over a lossy link: no k reaches agreement (Gray 1978)";
  e.expect_pass = false;
  e.violates = "agreement";
  e.world.timers = TimerModel::kSynchronous;
  e.world.drops_max = 1;
  e.params = {{"messengers", 3, 1, 30, "messengers exchanged (k)"}};
  e.make = [](const Config& c) {
    TwoGenerals p;
    p.messengers = static_cast<int>(c.params.at("messengers"));
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry TwoPhaseSpecEntry(bool commit_early) {
  Entry e;
  e.name = commit_early ? "two-phase-spec:commit-early" : "two-phase-spec";
  e.description = commit_early
                      ? "TwoPhase.tla with a TM that commits before all RMs prepared"
                      : "Gray & Lamport's TwoPhase.tla as a transition system "
                        "(288 states with 3 RMs, as TLC)";
  e.expect_pass = !commit_early;
  e.violates = commit_early ? "TCConsistent" : "";
  e.has_world = false;
  e.nodes_param = "rms";  // --nodes
  e.params = {{"rms", 3, 1, TwoPhaseSpec::kRmsMax, "resource managers"}};
  e.make = [commit_early](const Config& c) {
    return MakeChecker<TwoPhaseSpec>(std::make_unique<const TwoPhaseSpec>(
        static_cast<int>(c.params.at("rms")), commit_early,
        c.world.symmetry ? TwoPhaseSpec::Reduction::kSymmetry
                         : TwoPhaseSpec::Reduction::kNone));
  };
  return e;
}

Entry CapEntry(std::string suffix, CapRegister::Variant variant, uint8_t fairness,
               std::string description, std::string violates) {
  Entry e;
  e.name = suffix.empty() ? "cap-register" : "cap-register:" + suffix;
  e.description = std::move(description);
  e.expect_pass = violates.empty();
  e.violates = std::move(violates);
  e.world.timers = TimerModel::kSynchronous;
  e.world.partitions_max = 1;
  e.world.fairness = fairness;
  e.make = [variant](const Config& c) {
    return MakeActorChecker(CapRegister{.variant = variant}, c.world);
  };
  return e;
}

}  // namespace

std::vector<Entry> CoreEntries() {
  return {
      TwoGeneralsEntry(),
      PaxosEntry("", Paxos::Bug::kNone,
                 "single-decree Paxos: 2 proposers, 3 acceptors, 1 crash", ""),
      PaxosEntry("forget-accepted", Paxos::Bug::kForgetAccepted,
                 "acceptors' promises omit the value they accepted",
                 "agreement"),
      PaxosEntry("ignore-accepted", Paxos::Bug::kIgnoreAccepted,
                 "proposers ignore accepted values reported in promises",
                 "agreement"),
      PaxosEntry("no-persist", Paxos::Bug::kNoPersist,
                 "acceptors do not persist; a restart forgets its promises",
                 "agreement"),
      TwoPhaseSpecEntry(false),
      TwoPhaseSpecEntry(true),
      CapEntry("", CapRegister::Variant::kConsistent, WorldOptions::kFairAll,
               "CAP: a register on 2 replicas that waits out a partition (it heals)",
               ""),
      CapEntry("available", CapRegister::Variant::kAvailable, WorldOptions::kFairAll,
               "CAP: answers a write on timeout to stay available under a partition",
               "linearizable"),
      CapEntry("consistent", CapRegister::Variant::kConsistent,
               WorldOptions::kFairAll & ~WorldOptions::kFairHeal,
               "CAP: stays linearizable, so a write never completes while the "
               "partition lasts (healing not assumed)",
               "answered"),
  };
}

namespace {

std::vector<Entry> MakeRegistry() {
  std::vector<Entry> all;
  for (auto group : {CoreEntries, CoordinationEntries, MutexElectionEntries,
                     MulticastEntries, RaftEntries, ReplicationEntries,
                     ByzantineEntries, FlpEntries}) {
    for (Entry& e : group()) all.push_back(std::move(e));
  }
  // Protocols whose system model (see their headers) excludes restarts: a
  // restarted node forgets what its peers still hold it to.
  const std::vector<std::pair<std::string, std::string>> no_recovery = {
      {"central-mutex", "a restarted client forgets the request the server grants"},
      {"ricart-agrawala", "a restarted node forgets the request its peers reply to"},
      {"isis-broadcast", "a restarted sender forgets the proposals it collects"},
      {"active-replication", "a restarted replica forgets the order it agreed"},
  };
  for (Entry& e : all) {
    for (const auto& [protocol, reason] : no_recovery) {
      if (e.name == protocol || e.name.rfind(protocol + ":", 0) == 0) {
        e.no_crash_recovery = reason;
      }
    }
  }
  return all;
}

}  // namespace

const std::vector<Entry>& Registry() {
  static const std::vector<Entry>* registry = new std::vector<Entry>(MakeRegistry());
  return *registry;
}

}  // namespace faultline
