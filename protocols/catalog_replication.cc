// Registry entries of the replication group (see protocols/catalog.h):
// atomic commit (2PC, 3PC) and replication (primary-backup, active).
#include <string>
#include <utility>

#include "protocols/active_replication.h"
#include "protocols/catalog.h"
#include "protocols/primary_backup.h"
#include "protocols/three_phase_commit.h"
#include "protocols/two_phase_commit.h"

namespace faultline {
namespace {

struct Variant {
  std::string suffix;  // "" for the correct protocol, else BUG or SCENARIO
  std::string description;
  std::string violates;  // "" when the entry must pass
};

Entry Base(const std::string& protocol, Variant v) {
  Entry e;
  e.name = v.suffix.empty() ? protocol : absl::StrCat(protocol, ":", v.suffix);
  e.description = std::move(v.description);
  e.expect_pass = v.violates.empty();
  e.violates = std::move(v.violates);
  e.world.timers = TimerModel::kSynchronous;
  e.limits.depth_max = 80;
  return e;
}

Entry TwoPhaseCommitEntry(Variant v, TwoPhaseCommit::Bug bug, int crashes,
                          TimerModel timers = TimerModel::kSynchronous) {
  Entry e = Base("two-phase-commit", std::move(v));
  e.world.crashes_max = crashes;
  e.world.timers = timers;
  e.nodes_param = "participants";  // --nodes
  e.params = {{"participants", 3, 1, TwoPhaseCommit::kParticipantsMax,
               "participants besides the coordinator"}};
  e.make = [bug](const Config& c) {
    TwoPhaseCommit p;
    p.participants = static_cast<int>(c.params.at("participants"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry ThreePhaseCommitEntry(Variant v, ThreePhaseCommit::Bug bug, int crashes,
                            int partitions = 0, int participants = 3) {
  Entry e = Base("three-phase-commit", std::move(v));
  e.world.crashes_max = crashes;
  e.world.partitions_max = partitions;
  e.nodes_param = "participants";  // --nodes
  e.params = {{"participants", participants, 1, ThreePhaseCommit::kParticipantsMax,
               "participants besides the coordinator"}};
  e.make = [bug](const Config& c) {
    ThreePhaseCommit p;
    p.participants = static_cast<int>(c.params.at("participants"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry PrimaryBackupEntry(Variant v, PrimaryBackup::Bug bug,
                         LinkOrder links = LinkOrder::kFifo) {
  Entry e = Base("primary-backup", std::move(v));
  e.world.links = links;
  e.world.crashes_max = 1;
  e.nodes_param = "replicas";  // --nodes
  e.params = {{"replicas", 3, 2, PrimaryBackup::kReplicasMax,
               "replicas; n0 starts as the primary"}};
  e.make = [bug](const Config& c) {
    PrimaryBackup p;
    p.replicas = static_cast<int>(c.params.at("replicas"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry ActiveReplicationEntry(Variant v, ActiveReplication::Bug bug) {
  Entry e = Base("active-replication", std::move(v));
  e.world.timers = TimerModel::kAsynchronous;  // it sets none
  e.world.crashes_max = 1;
  e.world.duplicates_max = 1;
  e.nodes_param = "replicas";  // --nodes
  e.params = {{"replicas", 3, 2, 7, "replicas; n0 is also the sequencer"},
              {"ops", 2, 1, ActiveReplication::kOpsMax,
               "client operations; op k arrives at replica k mod replicas"}};
  e.make = [bug](const Config& c) {
    ActiveReplication p;
    p.replicas = static_cast<int>(c.params.at("replicas"));
    p.ops = static_cast<int>(c.params.at("ops"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

}  // namespace

std::vector<Entry> ReplicationEntries() {
  using TPC = TwoPhaseCommit::Bug;
  return {
      TwoPhaseCommitEntry({"", "two-phase commit, coordinator + 3 participants, "
                               "reliable links, no crashes", ""},
                          TPC::kNone, 0),
      TwoPhaseCommitEntry({"coordinator-crash",
                           "2PC blocks: the coordinator crashes after the "
                           "votes and uncertain participants wait forever",
                           "termination"},
                          TPC::kNone, 1),
      TwoPhaseCommitEntry({"majority-commit",
                           "the coordinator commits on a majority of Yes votes",
                           "validity"},
                          TPC::kMajorityCommit, 0),
      TwoPhaseCommitEntry({"abort-after-yes",
                           "a participant aborts unilaterally after voting Yes",
                           "atomicity"},
                          TPC::kAbortAfterYes, 0),
      TwoPhaseCommitEntry({"early-timeout",
                           "asynchronous timers: the coordinator's vote timeout "
                           "fires before the Yes votes arrive and it aborts",
                           "commit-when-all-yes"},
                          TPC::kNone, 0, TimerModel::kAsynchronous),
      ThreePhaseCommitEntry({"", "three-phase commit with Skeen's termination "
                                 "rule: 3 participants, 1 crash, never blocks", ""},
                            ThreePhaseCommit::Bug::kNone, 1),
      ThreePhaseCommitEntry({"partition",
                             "3PC under a network partition (2 participants): "
                             "the two sides terminate differently",
                             "atomicity"},
                            ThreePhaseCommit::Bug::kNone, 0, 1, 2),
      ThreePhaseCommitEntry({"skip-precommit",
                             "the coordinator commits without the pre-commit "
                             "phase, then crashes",
                             "atomicity"},
                            ThreePhaseCommit::Bug::kSkipPreCommit, 1),
      ThreePhaseCommitEntry({"commit-on-timeout",
                             "a coordinator that times out waiting for votes "
                             "commits",
                             "validity"},
                            ThreePhaseCommit::Bug::kCommitOnTimeout, 1),
      ThreePhaseCommitEntry({"no-termination",
                             "participants wait for the coordinator forever "
                             "(no termination protocol): it blocks like 2PC",
                             "termination"},
                            ThreePhaseCommit::Bug::kNoTermination, 1),
      PrimaryBackupEntry({"", "primary-backup replication with failover: "
                              "3 replicas, 1 crash", ""},
                         PrimaryBackup::Bug::kNone),
      PrimaryBackupEntry({"ack-before-replicate",
                          "the primary acknowledges a write before a backup "
                          "has it, then crashes",
                          "acked-writes-survive"},
                         PrimaryBackup::Bug::kAckBeforeReplicate),
      PrimaryBackupEntry({"unordered-links",
                          "the correct protocol over unordered links: backups "
                          "apply updates out of order",
                          "replica-order"},
                         PrimaryBackup::Bug::kNone, LinkOrder::kUnordered),
      ActiveReplicationEntry({"", "state machine replication over a sequencer: "
                                  "3 replicas, 2 operations, 1 crash, 1 duplicate",
                              ""},
                             ActiveReplication::Bug::kNone),
      ActiveReplicationEntry({"arrival-order",
                              "replicas apply operations in arrival order, "
                              "without the sequencer",
                              "total-order"},
                             ActiveReplication::Bug::kArrivalOrder),
      ActiveReplicationEntry({"no-dedup",
                              "the sequencer orders a duplicated operation twice",
                              "integrity"},
                             ActiveReplication::Bug::kNoDedup),
  };
}

}  // namespace faultline
