// Registry entries of the raft group (see protocols/catalog.h).
#include "protocols/catalog.h"
#include "protocols/raft.h"
#include "protocols/raft_kv.h"

namespace faultline {
namespace {

struct RaftBounds {
  int max_term = 2;
  LinkOrder links = LinkOrder::kUnordered;
  int crashes_max = 1;
};

Entry RaftProtocolEntry(std::string suffix, RaftBug bug, std::string description,
                        std::string violates, RaftBounds bounds = {}) {
  Entry e;
  e.name = suffix.empty() ? "raft" : "raft:" + suffix;
  e.description = std::move(description);
  e.expect_pass = violates.empty();
  e.violates = std::move(violates);
  e.world.crash = CrashModel::kRecover;
  e.world.crashes_max = bounds.crashes_max;
  e.world.links = bounds.links;
  e.limits.depth_max = 80;
  e.nodes_param = "servers";  // --nodes
  e.params = {{"servers", 3, 1, kRaftServersMax, "number of servers"},
              {"candidates", 2, 1, kRaftServersMax,
               "servers s0.. that may time out and stand for election"},
              {"max-term", bounds.max_term, 1, 8,
               "no election starts beyond this term"},
              {"requests", 0, 0, 2,
               "client commands (at s0, s1, ...) beside the leaders' no-ops"}};
  e.make = [bug](const Config& c) {
    Raft p;
    p.servers = static_cast<int>(c.params.at("servers"));
    p.candidates = static_cast<int>(c.params.at("candidates"));
    p.max_term = static_cast<int>(c.params.at("max-term"));
    p.requests = static_cast<int>(c.params.at("requests"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry RaftKvEntry(RaftKv::KvBug bug) {
  Entry e;
  const bool stale = bug == RaftKv::KvBug::kStaleRead;
  e.name = stale ? "raft-kv:stale-read" : "raft-kv";
  e.description =
      stale ? "leaders answer reads locally, without confirming they still lead"
            : "key-value store on Raft: put at s1, get at s0; history checked "
              "for linearizability (FIFO links, terms <= 2)";
  e.expect_pass = !stale;
  e.violates = stale ? "linearizable" : "";
  e.world.crash = CrashModel::kRecover;
  e.world.links = LinkOrder::kFifo;
  e.limits.depth_max = 80;
  e.nodes_param = "servers";  // --nodes
  e.params = {{"servers", 3, 1, kRaftServersMax, "number of servers"},
              {"candidates", 2, 1, kRaftServersMax,
               "servers s0.. that may time out and stand for election"},
              {"max-term", 2, 1, 8, "no election starts beyond this term"},
              {"requests", 2, 0, 3,
               "client operations: put(k0=1)@s1, get(k0)@s0, put(k0=2)@s0"}};
  e.make = [bug](const Config& c) {
    RaftKv p;
    p.servers = static_cast<int>(c.params.at("servers"));
    p.candidates = static_cast<int>(c.params.at("candidates"));
    p.max_term = static_cast<int>(c.params.at("max-term"));
    p.requests = static_cast<int>(c.params.at("requests"));
    p.kv_bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

}  // namespace

std::vector<Entry> RaftEntries() {
  return {
      RaftProtocolEntry("", RaftBug::kNone,
                "Raft: election, replication, commitment; 3 servers, 2 "
                "candidates, terms <= 2, 1 crash-recovery", ""),
      RaftProtocolEntry("no-log-check", RaftBug::kNoLogCheck,
                "votes are granted without the up-to-date-log check",
                "leader-completeness"),
      RaftProtocolEntry("commit-old-term", RaftBug::kCommitOldTerm,
                "leaders commit earlier-term entries by counting replicas "
                "(Figure 8; FIFO links, terms <= 4, no crash)",
                "leader-completeness",
                {.max_term = 4, .links = LinkOrder::kFifo, .crashes_max = 0}),
      RaftProtocolEntry("forget-vote", RaftBug::kForgetVote,
                "votedFor is not persisted: a restarted server votes again",
                "election-safety"),
      RaftProtocolEntry("no-prev-check", RaftBug::kNoPrevCheck,
                "followers append without the prevLogIndex/prevLogTerm check "
                "(terms <= 3)",
                "log-matching", {.max_term = 3, .crashes_max = 0}),
      RaftKvEntry(RaftKv::KvBug::kNone),
      RaftKvEntry(RaftKv::KvBug::kStaleRead),
  };
}

}  // namespace faultline
