// Registry entries of the multicast group (see protocols/catalog.h): the
// broadcast hierarchy of lecture notes 002 and gossip (notes 001). docs/
// multicast.md lists each entry's model, bounds and state counts.
#include <string>
#include <utility>

#include "protocols/best_effort_broadcast.h"
#include "protocols/catalog.h"
#include "protocols/causal_broadcast.h"
#include "protocols/fifo_broadcast.h"
#include "protocols/gossip.h"
#include "protocols/isis_broadcast.h"
#include "protocols/lamport_broadcast.h"
#include "protocols/sequencer_broadcast.h"
#include "protocols/reliable_broadcast.h"

namespace faultline {
namespace {

// What differs between the broadcast entries; the rest is shared.
struct BroadcastSpec {
  std::string name;
  std::string description;
  std::string violates;  // empty: the entry must pass
  WorldOptions world;
  int nodes = 3;
  int messages = 2;
  int senders = 2;
  int fanout = 1;  // gossip only
};

// P has fields nodes, messages, senders and bug.
template <typename P>
Entry BroadcastEntry(BroadcastSpec spec, typename P::Bug bug) {
  Entry e;
  e.name = std::move(spec.name);
  e.description = std::move(spec.description);
  e.expect_pass = spec.violates.empty();
  e.violates = std::move(spec.violates);
  e.world = spec.world;
  e.limits.depth_max = 200;
  e.params = {
      {"nodes", spec.nodes, 2, 6, "group size"},
      {"messages", spec.messages, 1, 6, "broadcasts (message k by node k % senders)"},
      {"senders", spec.senders, 1, 6, "nodes that broadcast"},
  };
  if constexpr (requires(P p) { p.relay_loop; }) {
    e.params.push_back({"relay-loop", 0, 0, 1,
                        "1: relays, too, send one copy per step"});
  }
  if constexpr (requires(P p) { p.fanout; }) {
    e.params.push_back({"fanout", spec.fanout, 1, 5, "peers each node pushes to"});
  }
  e.make = [bug](const Config& c) {
    P p;
    p.nodes = static_cast<int>(c.params.at("nodes"));
    p.messages = static_cast<int>(c.params.at("messages"));
    p.senders = std::min(p.nodes, static_cast<int>(c.params.at("senders")));
    p.bug = bug;
    if constexpr (requires { p.relay_loop; }) {
      p.relay_loop = c.params.at("relay-loop") != 0;
    }
    if constexpr (requires { p.fanout; }) {
      p.fanout = static_cast<int>(c.params.at("fanout"));
    }
    return MakeActorChecker(p, c.world);
  };
  return e;
}

WorldOptions Crashes(int crashes, int duplicates = 0) {
  WorldOptions w;
  w.crashes_max = crashes;
  w.duplicates_max = duplicates;
  return w;
}

std::vector<Entry> BestEffortEntries() {
  using P = BestEffortBroadcast;
  return {
      BroadcastEntry<P>({"best-effort-broadcast",
                         "send once to every node; no relay, no agreement",
                         "", Crashes(1, 1)},
                        P::Bug::kNone),
      BroadcastEntry<P>({"best-effort-broadcast:no-dedup",
                         "delivers every copy, so a duplicated packet twice",
                         "integrity", Crashes(1, 1)},
                        P::Bug::kNoDedup),
  };
}

std::vector<Entry> ReliableEntries() {
  using P = ReliableBroadcast;
  return {
      BroadcastEntry<P>({"reliable-broadcast",
                         "eager reliable broadcast: relay on first receipt",
                         "", Crashes(1)},
                        P::Bug::kNone),
      BroadcastEntry<P>({"reliable-broadcast:no-relay",
                         "no re-broadcast: a sender crash mid-broadcast "
                         "splits the group",
                         "quiescent-agreement", Crashes(1)},
                        P::Bug::kNoRelay),
  };
}

std::vector<Entry> FifoEntries() {
  using P = FifoBroadcast;
  return {
      BroadcastEntry<P>({"fifo-broadcast",
                         "sequence numbers and a hold-back queue over "
                         "reliable broadcast",
                         "", Crashes(1), 3, 2, 1},
                        P::Bug::kNone),
      BroadcastEntry<P>({"fifo-broadcast:no-hold-back",
                         "delivers on receipt, whatever the sequence number",
                         "fifo-order", Crashes(1), 3, 2, 1},
                        P::Bug::kNoHoldBack),
  };
}

WorldOptions Causal(int crashes) {
  WorldOptions w = Crashes(crashes);
  w.causality = true;  // cross-checks the causal relation against stamps
  return w;
}

std::vector<Entry> CausalEntries() {
  using P = CausalBroadcast;
  return {
      BroadcastEntry<P>({"causal-broadcast",
                         "vector clocks: hold back until both conditions hold",
                         "", Causal(1)},
                        P::Bug::kNone),
      BroadcastEntry<P>({"causal-broadcast:no-wait",
                         "delivers on receipt, ignoring the vector condition",
                         "causal-order", Causal(1)},
                        P::Bug::kNoWait),
      BroadcastEntry<P>({"causal-broadcast:fifo-only",
                         "checks only Vm[i] = V[i] + 1: FIFO, not causal",
                         "causal-order", Causal(1)},
                        P::Bug::kFifoOnly),
  };
}

std::vector<Entry> SequencerEntries() {
  using P = SequencerBroadcast;
  return {
      BroadcastEntry<P>({"sequencer-broadcast",
                         "total order: node 0 numbers every message",
                         "", Crashes(0), 3, 3, 3},
                        P::Bug::kNone),
      BroadcastEntry<P>({"sequencer-broadcast:no-hold-back",
                         "delivers Orders as they arrive, not by number",
                         "total-order", Crashes(0), 3, 3, 3},
                        P::Bug::kNoHoldBack),
      BroadcastEntry<P>({"sequencer-broadcast:sequencer-crash",
                         "the correct protocol with one crash: the sequencer "
                         "is a single point of failure",
                         "quiescent-validity", Crashes(1), 3, 3, 3},
                        P::Bug::kNone),
  };
}

std::vector<Entry> IsisEntries() {
  using P = IsisBroadcast;
  return {
      BroadcastEntry<P>({"isis-broadcast",
                         "total order: the sender takes the largest proposed id",
                         "", Crashes(0), 4},
                        P::Bug::kNone),
      BroadcastEntry<P>({"isis-broadcast:smallest",
                         "the sender takes the smallest proposed id",
                         "total-order", Crashes(0), 4},
                        P::Bug::kSmallest),
  };
}

WorldOptions Fifo() {
  WorldOptions w;
  w.links = LinkOrder::kFifo;
  return w;
}

std::vector<Entry> LamportEntries() {
  using P = LamportBroadcast;
  return {
      BroadcastEntry<P>({"lamport-broadcast",
                         "total order by Lamport timestamps over FIFO links",
                         "", Fifo()},
                        P::Bug::kNone),
      BroadcastEntry<P>({"lamport-broadcast:no-wait",
                         "delivers the earliest queued message without "
                         "hearing from every node",
                         "total-order", Fifo()},
                        P::Bug::kNoWait),
      BroadcastEntry<P>({"lamport-broadcast:unordered-links",
                         "the correct protocol over non-FIFO links",
                         "total-order", Crashes(0)},
                        P::Bug::kNone),
  };
}

std::vector<Entry> GossipEntries() {
  using P = Gossip;
  return {
      BroadcastEntry<P>({"gossip",
                         "push to `fanout` harness-chosen peers not known to "
                         "have the rumor",
                         "", Crashes(1), 4, 1, 1, 2},
                        P::Bug::kNone),
      BroadcastEntry<P>({"gossip:no-list",
                         "push to any peers: the rumor can die out early",
                         "quiescent-validity", Crashes(0), 4, 1, 1, 2},
                        P::Bug::kNoList),
  };
}

}  // namespace

std::vector<Entry> MulticastEntries() {
  std::vector<Entry> all;
  for (auto group : {BestEffortEntries, ReliableEntries, FifoEntries,
                      CausalEntries, SequencerEntries, IsisEntries,
                      LamportEntries, GossipEntries}) {
    for (Entry& e : group()) all.push_back(std::move(e));
  }
  return all;
}

}  // namespace faultline
