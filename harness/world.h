// The world: a protocol's nodes under a network, timers and faults, as a model.
//
// ActorModel<P> turns a protocol P (see protocols/README.md for the contract)
// into the transition system of model.h. Its state, World<P>, holds every
// node's state, the messages in flight, the pending timers, the fault state
// and the observations made so far. Every source of nondeterminism is an
// event, and fault events are ordinary events bounded by budgets, so every
// explorer handles faults for free and exhaustive search stays finite.
//
// Events, in the order Actions() lists them (choice 0 is the harmless one):
//   Deliver(m)   m is in flight, its receiver is up and reachable
//   Fire(n, t)   timer t of up node n (synchronous timers: only when no
//                deliverable message is in flight, i.e. timeouts are longer
//                than any message exchange)
//   Request(n,o) client request o at up node n, each issued once
//   Drop(m)      within drops_max (loss)
//   Duplicate(m) within duplicates_max
//   Crash(n)     within crashes_max; the node's timers are cancelled
//   Recover(n)   crash-recovery only: the node restarts from what it last
//                persisted (Out::Persist) and OnRecover runs; unpersisted
//                writes are lost
//   Partition(s) within partitions_max, any split of the nodes into >= 2
//                groups; messages between groups wait (they can still be
//                dropped) until Heal
//   Heal         the partition ends
//   Byzantine(n,a) adversary action a of traitor n: send, mutate or replay a
//                message, feed a twin (harness/byzantine.h, which also says
//                what the adversary leaves out)
// Not modelled here on purpose: one-way links and real time; those belong to
// later layers.
//
// Rounds (TimerModel::kRounds): synchronous timers in lock step. A timer's
// id is its round; it fires only when no deliverable message is in flight and
// no up node has a timer of an earlier round pending, so no node starts round
// r+1 before every node finished round r.
//
// Causality (WorldOptions::causality): the world keeps a ground-truth vector
// clock per node, hidden from the protocol. Every handler run is one event of
// its node; a message carries its sender's clock and its delivery merges it.
// Messages and observations are stamped, so properties can check
// happens-before against the execution itself rather than against what a
// protocol's own clocks claim. Off by default: stamps make otherwise equal
// states differ.
//
// A message to a crashed node stays in flight and is deliverable again if the
// node recovers (a delayed packet). With per-link FIFO order only the oldest
// message of each link is deliverable; with unordered links any is.
#ifndef FAULTLINE_HARNESS_WORLD_H_
#define FAULTLINE_HARNESS_WORLD_H_

#include <algorithm>
#include <bit>
#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/assert.h"
#include "harness/model.h"
#include "harness/show.h"
#include "harness/stable_hash.h"
#include "harness/symmetry.h"

namespace faultline {

using NodeId = int32_t;
using TimerId = int32_t;
inline constexpr int kNodesMax = 64;  // crash and request sets are bitmasks
static_assert(kNodesMax == kSymmetryNodesMax);

enum class LinkOrder : uint8_t { kUnordered, kFifo };
enum class TimerModel : uint8_t { kAsynchronous, kSynchronous, kRounds };
enum class CrashModel : uint8_t { kStop, kRecover };

struct WorldOptions {
  LinkOrder links = LinkOrder::kUnordered;
  TimerModel timers = TimerModel::kAsynchronous;
  CrashModel crash = CrashModel::kStop;
  int crashes_max = 0;
  int drops_max = 0;
  int duplicates_max = 0;
  int partitions_max = 0;
  // Byzantine adversary (harness/byzantine.h).
  int byzantine_max = 0;   // f: traitors, chosen as the initial state
  uint64_t traitors = 0;   // fixed traitor set (bit per node); 0: any f
  int replays_max = 0;     // replays of seen messages, all traitors together
  bool signatures = true;  // traitors cannot forge loyal nodes' signatures
  bool twins = false;      // each traitor has an honest twin (Twins)
  bool eager = false;      // the adversary acts at once (asynchronous models)
  bool causality = false;  // stamp events with ground-truth vector clocks
  // With causality: clocks count only the handler runs that observe, so they
  // stay finite in protocols that run forever (a circulating token), and
  // happens-before between observations is still exact (vector clocks over
  // relevant events).
  bool causality_observations_only = false;
  // Which events weak fairness forces (liveness only; faults never are):
  // a continuously enabled fair event eventually happens.
  uint8_t fairness = kFairAll;
  // Symmetry reduction (harness/symmetry.h): fingerprints are canonical under
  // permutations of the node ids the protocol declares interchangeable. An
  // exploration option, not part of the world: traces do not record it.
  bool symmetry = false;
  // Properties the check skips (bit per property, --properties): an
  // unchecked Eventually property does not stop symmetry or pruning.
  uint64_t properties_off = 0;
  // Stale-message pruning (docs/stale.md): fingerprints leave out messages
  // the protocol declares stale (P::Stale), so states that differ only in
  // them are one state. An exploration option like symmetry: traces do not
  // record it, and the messages stay in the world.
  bool prune_stale = false;

  static constexpr uint8_t kFairDelivery = 1;  // deliverable messages arrive
  static constexpr uint8_t kFairTimers = 2;    // armed timers fire
  static constexpr uint8_t kFairRequests = 4;  // clients issue their requests
  static constexpr uint8_t kFairHeal = 8;      // partitions heal
  static constexpr uint8_t kFairRecover = 16;  // crashed nodes recover
  static constexpr uint8_t kFairAll = 31;
};

// A vector clock: entry n counts the events of node n that happened before.
using VectorClock = std::vector<uint32_t>;

// a happened before b (a < b componentwise-or-equal, and a != b).
inline bool HappenedBefore(const VectorClock& a, const VectorClock& b) {
  if (a.size() != b.size() || a == b) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
  }
  return true;
}

// A message's or observation's vector clock. Empty unless causality is
// on, so copying one is usually copying nothing: say so without a call, as
// restoring a world copies every envelope and observation (a tenth of
// two-phase commit's search went to std::vector's copy of empty clocks).
class Stamp : public VectorClock {
 public:
  Stamp() = default;
  Stamp(const Stamp&) = default;
  Stamp(Stamp&&) = default;
  // NOLINTNEXTLINE(google-explicit-constructor): a clock is a stamp
  Stamp(const VectorClock& clock) : VectorClock(clock) {}
  Stamp& operator=(Stamp&&) = default;
  Stamp& operator=(const Stamp& other) {
    if (!empty() || !other.empty()) VectorClock::operator=(other);
    return *this;
  }
  Stamp& operator=(const VectorClock& clock) {
    VectorClock::operator=(clock);
    return *this;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Stamp& s) {
    return H::combine(std::move(h), static_cast<const VectorClock&>(s));
  }
};

template <typename Msg>
struct Envelope {
  NodeId from;
  NodeId to;
  Msg msg;
  Stamp stamp;  // the sender's clock at sending (causality only)
  auto operator<=>(const Envelope&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Envelope& e) {
    return H::combine(std::move(h), e.from, e.to, e.msg, e.stamp);
  }
};

struct TimerKey {
  NodeId node;
  TimerId id;
  auto operator<=>(const TimerKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const TimerKey& t) {
    return H::combine(std::move(h), t.node, t.id);
  }
};

template <typename Obs>
struct Observation {
  NodeId node;
  Obs value;
  Stamp stamp;  // the node's clock at the observation (causality only)
  auto operator<=>(const Observation&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Observation& o) {
    return H::combine(std::move(h), o.node, o.value, o.stamp);
  }
};

template <typename Op>
struct ClientRequest {
  NodeId node;
  Op op;
};

struct FaultsUsed {
  uint8_t crashes = 0;
  uint8_t drops = 0;
  uint8_t duplicates = 0;
  uint8_t partitions = 0;
  template <typename H>
  friend H AbslHashValue(H h, const FaultsUsed& f) {
    return H::combine(std::move(h), f.crashes, f.drops, f.duplicates,
                      f.partitions);
  }
};

enum class EventKind : uint8_t {
  kDeliver,
  kFire,
  kRequest,
  kDrop,
  kDuplicate,
  kCrash,
  kRecover,
  kPartition,
  kHeal,
  kByzantine,
};

struct Event {
  EventKind kind;
  NodeId node = 0;   // Fire, Crash, Recover
  int32_t arg = 0;   // network index, timer id, request index or split index
};

// Partial-order reduction (harness/por.h): what one event reads and writes.
// Two events whose footprints do not overlap commute: both orders reach the
// same world and neither disables the other (ActorModel::Independent).
// FootprintOf fills it before the step; FinishFootprint adds what only the
// step itself shows (whether the handler observed something).
struct Footprint {
  uint64_t nodes = 0;    // nodes whose state, timers, clock or up bit change
  uint64_t message = 0;  // key of the message consumed or copied; 0: none
  int32_t link = -1;     // FIFO: the link whose queue it reads (from*64+to)
  uint8_t budget = 0;    // fault budgets drawn on (bit per FaultsUsed field)
  bool global = false;   // dependent with every event
  bool observes = false; // appended to the history (order matters)
  uint32_t history_before = 0;  // scratch between FootprintOf and Finish
  bool operator==(const Footprint&) const = default;
};

template <typename P>
struct ByzantineState;
template <typename P>
class Adversary;

// The effect buffer a handler writes into. Handlers never perform effects
// themselves: the world applies them after the handler returns, so a handler
// is atomic with respect to crashes.
template <typename P>
class Out {
 public:
  using Msg = typename P::Msg;
  using Obs = typename P::Obs;

  NodeId self() const { return self_; }
  int node_count() const { return node_count_; }

  void Send(NodeId to, Msg msg) {
    FL_CHECK(to >= 0 && to < node_count_);
    sends_.push_back({self_, to, std::move(msg), {}});
  }
  // Sends to every node but this one.
  void Broadcast(const Msg& msg) {
    for (NodeId to = 0; to < node_count_; ++to) {
      if (to != self_) Send(to, msg);
    }
  }
  // (Re)arms timer `id`; arming an armed timer changes nothing.
  void SetTimer(TimerId id) { timer_ops_.push_back({id, true}); }
  void CancelTimer(TimerId id) { timer_ops_.push_back({id, false}); }
  // Writes the node's state (as it is when the handler returns) to its disk.
  void Persist() { persist_ = true; }
  // Records an output of the protocol (a decision, a delivery) in the history.
  void Observe(Obs value) { observations_.push_back(std::move(value)); }

 private:
  template <typename>
  friend class ActorModel;
  template <typename>
  friend class Adversary;

  void Reset(NodeId self, int node_count) {
    self_ = self;
    node_count_ = node_count;
    sends_.clear();
    timer_ops_.clear();
    observations_.clear();
    persist_ = false;
  }

  NodeId self_ = 0;
  int node_count_ = 0;
  std::vector<Envelope<Msg>> sends_;
  std::vector<std::pair<TimerId, bool>> timer_ops_;
  std::vector<Obs> observations_;
  bool persist_ = false;
};

template <typename P>
struct World {
  using Node = typename P::Node;
  using Msg = typename P::Msg;
  using Obs = typename P::Obs;
  // Value nodes are stored inline; opaque (non-copyable) nodes behind a
  // pointer, which makes the world move-only and forces stateless search.
  static constexpr bool kValueNodes = std::copyable<Node>;
  using Slot = std::conditional_t<kValueNodes, Node, std::unique_ptr<Node>>;

  World() = default;
  World(World&&) = default;
  World& operator=(World&&) = default;
  // Copyable exactly when the nodes are, so std::copyable tells explorers the
  // truth (a vector of unique_ptr declares a copy it cannot perform).
  World(const World&) requires kValueNodes = default;
  World& operator=(const World&) requires kValueNodes = default;

  std::vector<Slot> nodes;
  std::vector<Envelope<Msg>> network;  // canonical order, see Insert()
  std::vector<TimerKey> timers;        // sorted set
  std::vector<Observation<Obs>> history;
  std::vector<Slot> disk;  // crash-recovery with value nodes only
  uint64_t crashed = 0;    // bit n: node n is down
  uint64_t requested = 0;  // bit r: client request r was issued
  std::vector<uint8_t> group;  // partition block of each node; empty: healed
  std::vector<VectorClock> clocks;  // ground truth per node (causality only)
  FaultsUsed used;
  ByzantineState<P> byz;  // traitors, their outbox and knowledge

  int node_count() const { return static_cast<int>(nodes.size()); }
  const Node& node(NodeId n) const {
    if constexpr (kValueNodes) {
      return nodes[n];
    } else {
      return *nodes[n];
    }
  }
  Node& node_mutable(NodeId n) {
    if constexpr (kValueNodes) {
      return nodes[n];
    } else {
      return *nodes[n];
    }
  }
  bool up(NodeId n) const { return ((crashed >> n) & 1) == 0; }
  bool traitor(NodeId n) const { return byz.traitor(n); }
  bool connected(NodeId a, NodeId b) const {
    return group.empty() || group[a] == group[b];
  }
  bool deliverable(const Envelope<Msg>& e) const {
    return up(e.to) && connected(e.from, e.to);
  }

  // Hashes everything but opaque node state (ActorModel::Digest adds that).
  template <typename H>
  friend H AbslHashValue(H h, const World& w) {
    if constexpr (kValueNodes) h = H::combine(std::move(h), w.nodes, w.disk);
    if (w.byz.traitors != 0) h = H::combine(std::move(h), w.byz);
    return H::combine(std::move(h), w.network, w.timers, w.history, w.crashed,
                      w.requested, w.group, w.clocks, w.used);
  }
};

// Properties that read no more than the history, one node's state, or the
// two: the function is given only those, so the declaration DPOR relies on
// (PropertyReads in model.h) cannot be wrong. Any kind; liveness is never
// reduced, so the declaration matters for Always and Sometimes.
template <typename P>
using Observations = std::vector<Observation<typename P::Obs>>;

template <typename P>
Property<World<P>> HistoryProperty(
    PropertyKind kind, std::string name,
    std::function<bool(const Observations<P>&)> holds) {
  FL_CHECK(holds != nullptr);
  return {kind, std::move(name),
          [holds = std::move(holds)](const World<P>& w) {
            return holds(w.history);
          },
          nullptr, PropertyReads::kHistory};
}

template <typename P>
Property<World<P>> NodeProperty(
    PropertyKind kind, std::string name, NodeId node,
    std::function<bool(const typename P::Node&)> holds) {
  FL_CHECK(holds != nullptr && node >= 0 && node < kNodesMax);
  return {kind, std::move(name),
          [node, holds = std::move(holds)](const World<P>& w) {
            FL_CHECK(node < w.node_count());
            return holds(w.node(node));
          },
          nullptr, PropertyReads::kOneNode};
}

template <typename P>
Property<World<P>> NodeAndHistoryProperty(
    PropertyKind kind, std::string name, NodeId node,
    std::function<bool(const typename P::Node&, const Observations<P>&)>
        holds) {
  FL_CHECK(holds != nullptr && node >= 0 && node < kNodesMax);
  return {kind, std::move(name),
          [node, holds = std::move(holds)](const World<P>& w) {
            FL_CHECK(node < w.node_count());
            return holds(w.node(node), w.history);
          },
          nullptr, PropertyReads::kOneNodeAndHistory};
}

template <typename P>
concept HasNodeFingerprint = requires(const typename P::Node& n) {
  { n.Fingerprint() } -> std::convertible_to<uint64_t>;
};

// Stale messages (docs/stale.md): Stale(to, from, m) declares that m, in
// flight from `from` to a node now in state `to`, changes nothing if it is
// delivered now or at any later time, after crashes and recoveries too: its
// handler would leave the node as it is and send, arm, persist and observe
// nothing. Monotone by contract (stale once, stale for good), unchanged by
// a renaming of interchangeable nodes (--symmetry), and no property of the
// protocol may read messages in flight. tests/stale_test.cc checks, on
// every reachable state it visits, that stale deliveries change nothing and
// that stale messages stay stale.
template <typename P>
concept DeclaresStale = requires(const P& p, const typename P::Node& n,
                                 NodeId from, const typename P::Msg& m) {
  { p.Stale(n, from, m) } -> std::convertible_to<bool>;
};

// Symmetry hooks a protocol may define (harness/symmetry.h). Declaring
// SymmetricNodes() opts in; the others say how node ids inside the
// protocol's own values move under a permutation. A value type without its
// hook must hold no node ids.
template <typename P>
concept DeclaresSymmetry = requires(const P& p) {
  { p.SymmetricNodes() } -> std::convertible_to<SymmetryClasses>;
};
template <typename P>
concept PermutesNodes = requires(const P& p, typename P::Node& n,
                                 const NodePermutation& perm) {
  p.PermuteNode(n, perm);
};
template <typename P>
concept PermutesMsgs = requires(const P& p, typename P::Msg& m,
                                const NodePermutation& perm) {
  p.PermuteMsg(m, perm);
};
template <typename P>
concept PermutesObs = requires(const P& p, typename P::Obs& o,
                               const NodePermutation& perm) {
  p.PermuteObs(o, perm);
};
// A hash of a node's state that no permutation changes (needed only when
// PermuteNode exists; otherwise the node's own hash is such a key).
template <typename P>
concept HasSymmetryKey = requires(const P& p, const typename P::Node& n) {
  { p.SymmetryKey(n) } -> std::convertible_to<uint64_t>;
};

template <typename P>
class ActorModel {
 public:
  using State = World<P>;
  using Action = Event;
  using Footprint = faultline::Footprint;
  using Node = typename P::Node;
  using Msg = typename P::Msg;

  ActorModel(P protocol, WorldOptions options)
      : protocol_(std::move(protocol)),
        options_(options),
        node_count_(protocol_.NodeCount()),
        requests_(protocol_.Requests()),
        properties_(protocol_.Properties()) {
    FL_CHECK(node_count_ >= 1 && node_count_ <= kNodesMax);
    FL_CHECK(requests_.size() <= 64);
    if (options_.partitions_max > 0) splits_ = AllSplits(node_count_);
    traitor_sets_ = Adversary<P>::TraitorSets(options_, node_count_);
    SetUpSymmetry();
    SetUpStale();
  }
  friend class Adversary<P>;
  ActorModel(const ActorModel&) = delete;  // properties may point into it
  ActorModel& operator=(const ActorModel&) = delete;

  const P& protocol() const { return protocol_; }
  const WorldOptions& options() const { return options_; }
  const std::vector<ClientRequest<typename P::Op>>& requests() const {
    return requests_;
  }
  const std::vector<Property<State>>& properties() const { return properties_; }
  bool Dedupable() const {
    return State::kValueNodes || HasNodeFingerprint<P>;
  }

  // One initial state per traitor set (one without an adversary).
  int InitCount() const { return static_cast<int>(traitor_sets_.size()); }
  State Init(int index) const {
    FL_CHECK(index >= 0 && index < InitCount());
    State w;
    w.byz.traitors = traitor_sets_[index];
    for (NodeId n = 0; n < node_count_; ++n) {
      if constexpr (State::kValueNodes) {
        w.nodes.push_back(protocol_.Init(n));
      } else {
        w.nodes.push_back(protocol_.Init(n));
        FL_CHECK(w.nodes.back() != nullptr);
      }
    }
    if constexpr (State::kValueNodes) {
      if (options_.crash == CrashModel::kRecover) w.disk = w.nodes;
    }
    if (options_.causality) {
      w.clocks.assign(node_count_, VectorClock(node_count_, 0));
    }
    for (NodeId n = 0; n < node_count_; ++n) {
      RunHandler(w, n, nullptr, nullptr, [&](Node& node, Out<P>& out) {
        protocol_.OnStart(node, out);
      });
    }
    Adversary<P>::AfterStart(*this, w);
    return w;
  }

  void Actions(const State& w, std::vector<Event>& out) const {
    out.clear();
    const int count = static_cast<int>(w.network.size());
    bool any_deliverable = false;
    for (int i = 0; i < count; ++i) {
      if (!Deliverable(w, i)) continue;
      any_deliverable = true;
      out.push_back({EventKind::kDeliver, 0, i});
    }
    if (options_.timers == TimerModel::kAsynchronous || !any_deliverable) {
      const TimerId round = EarliestRound(w);
      for (const TimerKey& t : w.timers) {
        if (w.up(t.node) && t.id <= round) {
          out.push_back({EventKind::kFire, t.node, t.id});
        }
      }
    }
    for (int r = 0; r < static_cast<int>(requests_.size()); ++r) {
      if (((w.requested >> r) & 1) == 0 && w.up(requests_[r].node)) {
        out.push_back({EventKind::kRequest, requests_[r].node, r});
      }
    }
    FaultActions(w, out);
    Adversary<P>::Actions(*this, w, out);
  }

  void Step(State& w, const Event& e, std::string* narration) const {
    switch (e.kind) {
      case EventKind::kDeliver: {
        FL_CHECK(Deliverable(w, e.arg));
        Envelope<Msg> env = std::move(w.network[e.arg]);
        w.network.erase(w.network.begin() + e.arg);
        if (w.traitor(env.to)) Adversary<P>::Learn(w, env.msg);
        RunHandler(w, env.to, &env.stamp, narration, [&](Node& node, Out<P>& out) {
          protocol_.OnMessage(node, env.from, env.msg, out);
        });
        return;
      }
      case EventKind::kFire: {
        auto it = std::lower_bound(w.timers.begin(), w.timers.end(),
                                   TimerKey{e.node, e.arg});
        FL_CHECK(it != w.timers.end() && *it == (TimerKey{e.node, e.arg}));
        w.timers.erase(it);
        RunHandler(w, e.node, nullptr, narration, [&](Node& node, Out<P>& out) {
          protocol_.OnTimer(node, e.arg, out);
        });
        Adversary<P>::AfterFire(*this, w, e, narration);
        return;
      }
      case EventKind::kRequest:
        FL_CHECK(((w.requested >> e.arg) & 1) == 0);
        w.requested |= uint64_t{1} << e.arg;
        RunHandler(w, e.node, nullptr, narration, [&](Node& node, Out<P>& out) {
          protocol_.OnRequest(node, requests_[e.arg].op, out);
        });
        return;
      case EventKind::kByzantine:
        Adversary<P>::Step(*this, w, e, narration);
        return;
      default:
        StepFault(w, e);
    }
  }

  std::string Describe(const State& w, const Event& e) const {
    switch (e.kind) {
      case EventKind::kDeliver:
        return absl::StrCat("deliver ", DescribeEnvelope(w.network[e.arg]));
      case EventKind::kFire:
        return absl::StrCat("timer ", e.arg, " fires at ", Name(e.node));
      case EventKind::kRequest:
        return absl::StrCat("client request ", Show(requests_[e.arg].op),
                            " at ", Name(e.node));
      case EventKind::kDrop:
        return absl::StrCat("drop ", DescribeEnvelope(w.network[e.arg]));
      case EventKind::kDuplicate:
        return absl::StrCat("duplicate ", DescribeEnvelope(w.network[e.arg]));
      case EventKind::kCrash:
        return absl::StrCat("crash ", Name(e.node));
      case EventKind::kRecover:
        return absl::StrCat("recover ", Name(e.node));
      case EventKind::kPartition:
        return absl::StrCat("partition ", DescribeSplit(splits_[e.arg]));
      case EventKind::kHeal:
        return "heal";
      case EventKind::kByzantine:
        return Adversary<P>::Describe(*this, w, e);
    }
    return "?";
  }

  std::string DescribeState(const State& w) const {
    std::string s;
    for (NodeId n = 0; n < node_count_; ++n) {
      absl::StrAppend(&s, "  ", Name(n), w.up(n) ? "" : " (crashed)",
                      w.traitor(n) ? " (traitor)" : "", ": ",
                      Show(w.node(n)), "\n");
    }
    absl::StrAppend(&s, "  in flight: ", w.network.size(), " message(s)");
    if (!w.group.empty()) {
      absl::StrAppend(&s, "; partitioned ", DescribeSplit(w.group));
    }
    return s;
  }

  // Liveness: whether weak fairness forces this event (WorldOptions::fairness).
  bool Fair(const State&, const Event& e) const {
    switch (e.kind) {
      case EventKind::kDeliver: return options_.fairness & WorldOptions::kFairDelivery;
      case EventKind::kFire: return options_.fairness & WorldOptions::kFairTimers;
      case EventKind::kRequest: return options_.fairness & WorldOptions::kFairRequests;
      case EventKind::kHeal: return options_.fairness & WorldOptions::kFairHeal;
      case EventKind::kRecover: return options_.fairness & WorldOptions::kFairRecover;
      default: return false;
    }
  }

  // Sampling (harness/strategies.h): the class of a fault event (an index
  // into FaultClassNames(); -1 for ordinary events and for the repairs
  // Recover and Heal), and the node an event is a step of, for PCT's
  // priorities (a delivery is its receiver's step; -1: the environment).
  std::vector<std::string> FaultClassNames() const {
    return {"drop", "duplicate", "crash", "partition", "byzantine"};
  }
  int FaultClass(const State&, const Event& e) const {
    switch (e.kind) {
      case EventKind::kDrop: return 0;
      case EventKind::kDuplicate: return 1;
      case EventKind::kCrash: return 2;
      case EventKind::kPartition: return 3;
      case EventKind::kByzantine: return 4;
      default: return -1;
    }
  }
  // Bounded liveness (strategies.h): the repairs that end a fault phase.
  bool Repair(const State&, const Event& e) const {
    return e.kind == EventKind::kHeal || e.kind == EventKind::kRecover;
  }
  int ActorOf(const State& w, const Event& e) const {
    switch (e.kind) {
      case EventKind::kDeliver: return w.network[e.arg].to;
      case EventKind::kFire:
      case EventKind::kRequest:
      case EventKind::kRecover:
      case EventKind::kByzantine: return e.node;
      default: return -1;
    }
  }

  // Partial-order reduction hooks (model.h, PartialOrderModel; soundness
  // argument in docs/por.md). ActionKey names an event so that it can be
  // found again after independent events ran (network indices shift; the
  // message's content, and under FIFO its place in its link, do not).
  uint64_t ActionKey(const State& w, const Event& e) const {
    uint64_t key = HashPair(static_cast<uint64_t>(e.kind),
                            HashPair(static_cast<uint64_t>(e.node), 0));
    if (IsMessageEvent(e.kind)) return HashPair(key, MessageKey(w, e.arg));
    return HashPair(key, static_cast<uint64_t>(e.arg));
  }

  Footprint FootprintOf(const State& w, const Event& e) const {
    Footprint f;
    f.history_before = static_cast<uint32_t>(w.history.size());
    // The adversary's outbox and knowledge, partitions and (non-asynchronous)
    // timers' global enabling rule are shared by everything: no reduction.
    f.global = w.byz.traitors != 0 || e.kind == EventKind::kPartition ||
               e.kind == EventKind::kHeal || e.kind == EventKind::kByzantine ||
               (e.kind == EventKind::kFire &&
                options_.timers != TimerModel::kAsynchronous);
    if (IsMessageEvent(e.kind)) {
      const Envelope<Msg>& env = w.network[e.arg];
      f.message = MessageKey(w, e.arg) | 1;  // never 0
      if (options_.links == LinkOrder::kFifo) {
        f.link = env.from * kNodesMax + env.to;
        // A FIFO copy is appended behind whatever the sender sends next.
        if (e.kind == EventKind::kDuplicate) f.nodes |= uint64_t{1} << env.from;
      }
      // Deliver and Duplicate need the receiver up (Deliverable): a crash or
      // recovery of the receiver disables or enables them.
      if (e.kind != EventKind::kDrop) f.nodes |= uint64_t{1} << env.to;
    } else if (e.kind != EventKind::kPartition && e.kind != EventKind::kHeal) {
      f.nodes |= uint64_t{1} << e.node;
    }
    if (e.kind == EventKind::kDrop) f.budget = 1;
    if (e.kind == EventKind::kDuplicate) f.budget = 2;
    if (e.kind == EventKind::kCrash) f.budget = 4;
    return f;
  }

  void FinishFootprint(const State& after, Footprint& f) const {
    f.observes = after.history.size() > f.history_before;
    f.history_before = 0;
  }

  static bool Independent(const Footprint& a, const Footprint& b) {
    if (a.global || b.global) return false;
    if ((a.nodes & b.nodes) != 0 || (a.budget & b.budget) != 0) return false;
    if (a.observes && b.observes) return false;  // the history's order
    if (a.message != 0 && a.message == b.message) return false;
    return a.link < 0 || a.link != b.link;
  }

  uint64_t Digest(const State& w) const {
    return WithNodeFingerprints(w, StableHash(w));
  }

  // The visited set's key without symmetry: the same state content as
  // Digest, through the fast FingerprintHasher (never written to a trace).
  // Plain-data parts (nodes, messages, timers) go in as raw bytes.
  uint64_t FastDigest(const State& w) const {
    thread_local FingerprintHasher::Buffer buffer;
    FingerprintHasher::Buffer::Cursor b(buffer);
    if constexpr (State::kValueNodes) {
      b.PutRange(w.nodes);
      b.PutRange(w.disk);
    }
    if (w.byz.traitors != 0) b.Put(w.byz);
    size_t kept = 0;  // messages not pruned
    for (const Envelope<Msg>& e : w.network) {
      if (Pruned(w, e)) continue;
      ++kept;
      b.Put(e.from);
      b.Put(e.to);
      b.Put(e.msg);
      if (options_.causality) b.PutRange(e.stamp);  // else always empty
    }
    b.Put(kept);
    b.PutRange(w.timers);
    for (const auto& o : w.history) {
      b.Put(o.node);
      b.Put(o.value);
      if (options_.causality) b.PutRange(o.stamp);
    }
    b.Put(w.history.size());
    for (const VectorClock& c : w.clocks) b.PutRange(c);
    b.Put(w.clocks.size());
    b.PutRange(w.group);
    b.Put(std::array<uint64_t, 2>{w.crashed, w.requested});
    b.Put(std::array<uint8_t, 4>{w.used.crashes, w.used.drops,
                                 w.used.duplicates, w.used.partitions});
    return WithNodeFingerprints(w, b.Hash());
  }

  // Opaque nodes hash themselves (Fingerprint()); world hashing skips them.
  uint64_t WithNodeFingerprints(const State& w, uint64_t d) const {
    if constexpr (!State::kValueNodes && HasNodeFingerprint<P>) {
      for (NodeId n = 0; n < node_count_; ++n) {
        d = HashPair(d, w.node(n).Fingerprint());
      }
    }
    return d;
  }

  // ---- Stale-message pruning (docs/stale.md) ----

  // Whether --prune-stale is on here, and if it was asked for but is off,
  // why.
  const ReductionStatus& stale() const { return stale_; }

  // Whether e, in flight in w, is left out of w's fingerprint: pruning is
  // on, and e's receiver is down for good (crash-stop: e is never
  // delivered) or the protocol declares e stale there, as that node will
  // next act: from its disk if it is down and may recover.
  bool Pruned(const State& w, const Envelope<Msg>& e) const {
    if constexpr (DeclaresStale<P>) {
      if (!stale_.active) return false;
      if (!w.up(e.to) && options_.crash == CrashModel::kStop) return true;
      if constexpr (State::kValueNodes) {
        if (!w.up(e.to) && !w.disk.empty()) {
          return protocol_.Stale(w.disk[e.to], e.from, e.msg);
        }
      }
      return protocol_.Stale(w.node(e.to), e.from, e.msg);
    } else {
      return false;
    }
  }

  // Whether action a leads from w to a state of w's own fingerprint, known
  // without stepping: the delivery of a pruned message, which changes only
  // what the fingerprint leaves out. Explorers skip it.
  bool Stutters(const State& w, const Event& a) const {
    return a.kind == EventKind::kDeliver && Pruned(w, w.network[a.arg]);
  }

  // ---- Symmetry (harness/symmetry.h) ----

  // Whether fingerprints are canonical, and if --symmetry asked for it but
  // the reduction is off, why.
  const SymmetryStatus& symmetry() const { return symmetry_; }

  // The visited set's key (Executor::Fingerprint): the fast digest, or with
  // symmetry on the minimum digest over the permutations that sort each
  // class by NodeKeys(). Equal exactly for symmetric states.
  uint64_t CanonicalDigest(const State& w) const {
    return symmetry_.active ? SymmetricDigest(w) : FastDigest(w);
  }

  // The canonical digest under the declared classes, whether or not the
  // reduction is on (tests check declarations the checker cannot use).
  uint64_t SymmetricDigest(const State& w) const {
    FL_CHECK(!symmetry_.classes.empty());
    if constexpr (!State::kValueNodes) {
      return FastDigest(w);  // never reached: opaque nodes have no classes
    } else {
      std::array<uint64_t, kSymmetryNodesMax> keys;
      NodeKeys(w, keys);
      uint64_t best = ~uint64_t{0};
      ForEachSortingPermutation(
          symmetry_.classes, std::span<const uint64_t>(keys.data(), node_count_),
          node_count_, [&](const NodePermutation& p) {
            best = std::min(best, PermutedDigest(w, p));
          });
      return best;
    }
  }

  // A digest of Permute(w, p), a function of that world's content alone,
  // computed without building it: nodes in their new slots, in-flight
  // messages and timers as multisets (a sum of their hashes, so no sort),
  // the history in order. Under FIFO links the order within a link matters,
  // so there the permuted world is built (in a scratch world that keeps its
  // capacity) and digested.
  uint64_t PermutedDigest(const State& w, const NodePermutation& p) const {
    if (options_.links == LinkOrder::kFifo) {
      thread_local State scratch;
      PermuteInto(w, p, scratch);
      return FastDigest(scratch);
    }
    FL_CHECK(w.byz.traitors == 0);
    thread_local FingerprintHasher::Buffer buffer;
    thread_local std::vector<Node> slots;
    thread_local VectorClock clock;
    FingerprintHasher::Buffer::Cursor b(buffer);
    PermuteNodes(w.nodes, p, slots);
    b.PutRange(slots);
    PermuteNodes(w.disk, p, slots);
    b.PutRange(slots);
    uint64_t network = 0;
    size_t kept = 0;
    for (const Envelope<Msg>& e : w.network) {
      if (Pruned(w, e)) continue;
      ++kept;
      uint64_t h = MixPair(FastHash(PermuteMsg(e.msg, p)),
                           (uint64_t{static_cast<uint32_t>(p(e.from))} << 32) |
                               static_cast<uint32_t>(p(e.to)));
      if (options_.causality) {
        PermuteClock(e.stamp, p, clock);
        h = MixPair(h, FastHash(clock));
      }
      network += h;
    }
    uint64_t timers = 0;
    for (const TimerKey& t : w.timers) timers += MixPair(p(t.node), t.id);
    b.Put(std::array<uint64_t, 4>{network, kept, timers, w.timers.size()});
    for (const auto& o : w.history) {
      b.Put(p(o.node));
      b.Put(PermuteObs(o.value, p));
      if (options_.causality) {
        PermuteClock(o.stamp, p, clock);
        b.PutRange(clock);
      }
    }
    b.Put(w.history.size());
    for (NodeId n = 0; n < static_cast<NodeId>(w.clocks.size()); ++n) {
      // Node p(n)'s clock is n's, permuted: feed them in their new order.
      PermuteClock(w.clocks[p.Inverse(n)], p, clock);
      b.PutRange(clock);
    }
    b.Put(w.clocks.size());
    thread_local std::vector<uint8_t> group;
    PermuteGroup(w.group, p, group);
    b.PutRange(group);
    b.Put(std::array<uint64_t, 2>{p.Mask(w.crashed),
                                  PermuteRequests(w.requested, p)});
    b.Put(std::array<uint8_t, 4>{w.used.crashes, w.used.drops, w.used.duplicates,
                                  w.used.partitions});
    return b.Hash();
  }

  // The world with node n renamed p(n) everywhere: node slots and disks,
  // messages (ends, contents, stamps), timers, crashed nodes, issued
  // requests, partition blocks, history and vector clocks. `p` must permute
  // within the declared classes (symmetry().classes).
  State Permute(const State& w, const NodePermutation& p) const {
    State out;
    PermuteInto(w, p, out);
    return out;
  }
  // Permute into `out`, reusing its vectors' capacity.
  void PermuteInto(const State& w, const NodePermutation& p, State& out) const {
    FL_CHECK(!symmetry_.classes.empty());
    FL_CHECK(p.size() == node_count_);
    if constexpr (State::kValueNodes) {
      PermuteNodes(w.nodes, p, out.nodes);
      PermuteNodes(w.disk, p, out.disk);
      out.network.resize(w.network.size());
      for (size_t i = 0; i < w.network.size(); ++i) {
        const Envelope<Msg>& e = w.network[i];
        Envelope<Msg>& to = out.network[i];
        to.from = p(e.from);
        to.to = p(e.to);
        to.msg = PermuteMsg(e.msg, p);
        PermuteClock(e.stamp, p, to.stamp);
      }
      SortNetwork(out.network);
      out.timers.clear();
      for (const TimerKey& t : w.timers) out.timers.push_back({p(t.node), t.id});
      std::sort(out.timers.begin(), out.timers.end());
      out.history.resize(w.history.size());
      for (size_t i = 0; i < w.history.size(); ++i) {
        const auto& o = w.history[i];
        auto& to = out.history[i];
        to.node = p(o.node);
        to.value = PermuteObs(o.value, p);
        PermuteClock(o.stamp, p, to.stamp);
      }
      out.crashed = p.Mask(w.crashed);
      out.requested = PermuteRequests(w.requested, p);
      PermuteGroup(w.group, p, out.group);
      out.clocks.resize(w.clocks.size());
      for (size_t n = 0; n < w.clocks.size(); ++n) {
        PermuteClock(w.clocks[n], p, out.clocks[p(static_cast<NodeId>(n))]);
      }
      out.used = w.used;
      FL_CHECK(w.byz.traitors == 0);
      FL_CHECK(out.byz.traitors == 0);
    }
  }

  std::string Name(NodeId n) const {
    if constexpr (requires { protocol_.NodeName(n); }) {
      return protocol_.NodeName(n);
    } else {
      return absl::StrCat("n", n);
    }
  }

 private:
  // Under kRounds the earliest round any up node still has to finish;
  // otherwise no limit.
  TimerId EarliestRound(const State& w) const {
    TimerId round = std::numeric_limits<TimerId>::max();
    if (options_.timers != TimerModel::kRounds) return round;
    for (const TimerKey& t : w.timers) {
      if (w.up(t.node)) round = std::min(round, t.id);
    }
    return round;
  }

  static bool IsMessageEvent(EventKind k) {
    return k == EventKind::kDeliver || k == EventKind::kDrop ||
           k == EventKind::kDuplicate;
  }

  // A message's identity across steps: its envelope, and under FIFO also its
  // place in its link (equal messages queued apart are different choices).
  uint64_t MessageKey(const State& w, int i) const {
    const Envelope<Msg>& env = w.network[i];
    uint64_t key = StableHash(env);
    if (options_.links != LinkOrder::kFifo) return key;
    int place = 0;
    while (i - place > 0 && w.network[i - place - 1].from == env.from &&
           w.network[i - place - 1].to == env.to) {
      ++place;
    }
    return HashPair(key, static_cast<uint64_t>(place));
  }

  bool Deliverable(const State& w, int i) const {
    const Envelope<Msg>& e = w.network[i];
    if (!w.deliverable(e)) return false;
    if (i == 0) return true;
    const Envelope<Msg>& prev = w.network[i - 1];
    if (options_.links == LinkOrder::kFifo) {
      // Only the oldest message of each link.
      return prev.from != e.from || prev.to != e.to;
    }
    return !(prev == e);  // identical copies are one choice
  }

  void FaultActions(const State& w, std::vector<Event>& out) const {
    const int count = static_cast<int>(w.network.size());
    for (int i = 0; i < count && w.used.drops < options_.drops_max; ++i) {
      if (i == 0 || !(w.network[i - 1] == w.network[i])) {
        out.push_back({EventKind::kDrop, 0, i});
      }
    }
    for (int i = 0; i < count && w.used.duplicates < options_.duplicates_max;
         ++i) {
      if (Deliverable(w, i)) out.push_back({EventKind::kDuplicate, 0, i});
    }
    for (NodeId n = 0; n < node_count_; ++n) {
      if (w.up(n) && w.used.crashes < options_.crashes_max) {
        out.push_back({EventKind::kCrash, n, 0});
      }
      if (!w.up(n) && options_.crash == CrashModel::kRecover) {
        out.push_back({EventKind::kRecover, n, 0});
      }
    }
    if (w.group.empty() && w.used.partitions < options_.partitions_max) {
      for (int s = 0; s < static_cast<int>(splits_.size()); ++s) {
        out.push_back({EventKind::kPartition, 0, s});
      }
    }
    if (!w.group.empty()) out.push_back({EventKind::kHeal, 0, 0});
  }

  void StepFault(State& w, const Event& e) const {
    switch (e.kind) {
      case EventKind::kDrop:
        FL_CHECK(w.used.drops < options_.drops_max);
        ++w.used.drops;
        w.network.erase(w.network.begin() + e.arg);
        return;
      case EventKind::kDuplicate: {
        FL_CHECK(w.used.duplicates < options_.duplicates_max);
        ++w.used.duplicates;
        Envelope<Msg> copy = w.network[e.arg];
        Insert(w, std::move(copy));
        return;
      }
      case EventKind::kCrash:
        FL_CHECK(w.up(e.node));
        FL_CHECK(w.used.crashes < options_.crashes_max);
        ++w.used.crashes;
        w.crashed |= uint64_t{1} << e.node;
        std::erase_if(w.timers,
                      [&](const TimerKey& t) { return t.node == e.node; });
        return;
      case EventKind::kRecover:
        FL_CHECK(!w.up(e.node));
        FL_CHECK(options_.crash == CrashModel::kRecover);
        w.crashed &= ~(uint64_t{1} << e.node);
        if constexpr (State::kValueNodes) w.nodes[e.node] = w.disk[e.node];
        RunHandler(w, e.node, nullptr, nullptr, [&](Node& node, Out<P>& out) {
          protocol_.OnRecover(node, out);
        });
        return;
      case EventKind::kPartition:
        FL_CHECK(w.group.empty());
        ++w.used.partitions;
        w.group = splits_[e.arg];
        return;
      case EventKind::kHeal:
        FL_CHECK(!w.group.empty());
        w.group.clear();
        return;
      default:
        FL_CHECK(false);
    }
  }

  // Runs one handler of node n as one event; `received` is the stamp of the
  // message being delivered, if any.
  template <typename Handler>
  void RunHandler(State& w, NodeId n, const VectorClock* received,
                  std::string* narration, Handler&& handler) const {
    FL_CHECK(w.up(n));
    if (options_.causality) {
      VectorClock& clock = w.clocks[n];
      if (received != nullptr) {
        FL_CHECK(received->size() == clock.size());
        for (size_t i = 0; i < clock.size(); ++i) {
          clock[i] = std::max(clock[i], (*received)[i]);
        }
      }
      if (!options_.causality_observations_only) ++clock[n];
    }
    Out<P>& out = Scratch();
    out.Reset(n, node_count_);
    handler(w.node_mutable(n), out);
    if (options_.causality && options_.causality_observations_only &&
        !out.observations_.empty()) {
      ++w.clocks[n][n];
    }
    ApplyEffects(w, n, out, narration);
  }

  // The effect buffer handlers write into, one per thread (explorers step
  // worlds on several threads; handlers never nest).
  static Out<P>& Scratch() {
    thread_local Out<P> out;
    return out;
  }

  void ApplyEffects(State& w, NodeId n, Out<P>& out, std::string* narration) const {
    for (Envelope<Msg>& e : out.sends_) {
      if (narration) {
        absl::StrAppend(narration, "    sends ", Show(e.msg), " to ",
                        Name(e.to),
                        w.traitor(n) ? " (held by the adversary)" : "", "\n");
      }
      if (options_.causality) e.stamp = w.clocks[n];
      if (w.traitor(n)) {
        Adversary<P>::Capture(w, std::move(e));
        continue;
      }
      Insert(w, std::move(e));
    }
    for (const auto& [id, arm] : out.timer_ops_) {
      const TimerKey key{n, id};
      auto it = std::lower_bound(w.timers.begin(), w.timers.end(), key);
      const bool armed = it != w.timers.end() && *it == key;
      if (arm && !armed) w.timers.insert(it, key);
      if (!arm && armed) w.timers.erase(it);
      if (narration) {
        absl::StrAppend(narration, arm ? "    sets" : "    cancels",
                        " timer ", id, "\n");
      }
    }
    if (out.persist_) {
      if constexpr (State::kValueNodes) {
        if (options_.crash == CrashModel::kRecover) w.disk[n] = w.nodes[n];
      }
      if (narration) absl::StrAppend(narration, "    persists its state\n");
    }
    for (auto& obs : out.observations_) {
      if (w.traitor(n)) break;  // a traitor's outputs mean nothing
      if (narration) {
        absl::StrAppend(narration, "    observes ", Show(obs), "\n");
      }
      w.history.push_back({n, std::move(obs),
                           options_.causality ? w.clocks[n] : VectorClock{}});
    }
  }

  // Keeps the network sorted by link (from, to); within a link, FIFO keeps
  // arrival order and unordered links sort by message, so equal multisets
  // of messages are equal states.
  void Insert(State& w, Envelope<Msg> e) const {
    auto pos =
        options_.links == LinkOrder::kFifo
            ? std::upper_bound(w.network.begin(), w.network.end(), e,
                               [](const auto& a, const auto& b) {
                                 return std::pair(a.from, a.to) <
                                        std::pair(b.from, b.to);
                               })
            : std::upper_bound(w.network.begin(), w.network.end(), e);
    w.network.insert(pos, std::move(e));
  }

  std::string DescribeEnvelope(const Envelope<Msg>& e) const {
    return absl::StrCat(Show(e.msg), " ", Name(e.from), "->", Name(e.to));
  }

  std::string DescribeSplit(const std::vector<uint8_t>& split) const {
    std::vector<std::string> blocks;
    const int block_count = *std::max_element(split.begin(), split.end()) + 1;
    for (int b = 0; b < block_count; ++b) {
      std::vector<std::string> members;
      for (NodeId n = 0; n < node_count_; ++n) {
        if (split[n] == b) members.push_back(Name(n));
      }
      blocks.push_back(absl::StrCat("{", absl::StrJoin(members, ","), "}"));
    }
    return absl::StrJoin(blocks, " ");
  }

  // Every split of n nodes into two or more groups, as restricted growth
  // strings in lexicographic order (deterministic).
  static std::vector<std::vector<uint8_t>> AllSplits(int n) {
    FL_CHECK(n <= 10);  // Bell(10) = 115975 splits
    std::vector<std::vector<uint8_t>> out;
    std::vector<uint8_t> s(n, 0);
    auto recurse = [&](auto&& self, int i, int max_block) -> void {
      if (i == n) {
        if (max_block >= 1) out.push_back(s);
        return;
      }
      for (int b = 0; b <= max_block + 1; ++b) {
        s[i] = static_cast<uint8_t>(b);
        self(self, i + 1, std::max(max_block, b));
      }
    };
    s[0] = 0;
    recurse(recurse, 1, 0);
    return out;
  }

  // Pruning stays off where a stale message still matters to the world
  // (it holds back its FIFO link or the synchronous timers, its delivery
  // merges vector clocks, a traitor learns from it) or where merging states
  // is not shown sound (fair-cycle detection).
  void SetUpStale() {
    stale_.requested = options_.prune_stale;
    if (!stale_.requested) return;
    const char* why = StaleUnsupported();
    stale_.active = why == nullptr;
    stale_.note = why == nullptr ? "on" : absl::StrCat("off: ", why);
  }
  const char* StaleUnsupported() const {
    if constexpr (!DeclaresStale<P>) {
      return "this protocol declares no stale messages";
    }
    if (options_.links == LinkOrder::kFifo) {
      return "links are FIFO, and a stale message still holds back the later "
             "ones of its link";
    }
    if (options_.timers != TimerModel::kAsynchronous) {
      return "synchronous timers wait for every deliverable message, stale "
             "ones too";
    }
    if (options_.causality) {
      return "a delivery merges vector clocks, stale or not";
    }
    if (options_.byzantine_max > 0 || options_.traitors != 0) {
      return "the Byzantine adversary learns from the messages it receives";
    }
    if (ChecksLiveness()) {
      return "liveness properties are checked, and fair-cycle detection is "
             "not shown sound for merged states (docs/stale.md)";
    }
    return nullptr;
  }

  // Whether an Eventually property is checked (not left off by
  // --properties): the reductions stay off then.
  bool ChecksLiveness() const {
    for (size_t i = 0; i < properties_.size(); ++i) {
      if (properties_[i].kind == PropertyKind::kEventually &&
          (options_.properties_off >> i & 1) == 0) {
        return true;
      }
    }
    return false;
  }

  // ---- Symmetry, private part ----

  // With --symmetry and a declaration, the classes are set up even where
  // the reduction stays off, so tests can check every declaration.
  void SetUpSymmetry() {
    symmetry_.requested = options_.symmetry;
    if (!symmetry_.requested) return;
    if constexpr (!DeclaresSymmetry<P> || !State::kValueNodes) {
      symmetry_.note = State::kValueNodes
                           ? "off: this protocol declares no interchangeable nodes"
                           : "off: opaque nodes cannot be permuted";
    } else {
      IndexRequests();
      symmetry_.classes = RefineClasses(
          NormalizeClasses(protocol_.SymmetricNodes(), node_count_),
          RequestLabels());
      class_of_.assign(node_count_, -1);
      for (size_t c = 0; c < symmetry_.classes.size(); ++c) {
        for (NodeId n : symmetry_.classes[c]) class_of_[n] = static_cast<int>(c);
      }
      std::vector<std::string> names;
      for (NodeId n = 0; n < node_count_; ++n) names.push_back(Name(n));
      const char* why = SymmetryUnsupported();
      symmetry_.active = why == nullptr;
      symmetry_.note =
          why != nullptr ? absl::StrCat("off: ", why)
                         : absl::StrCat("on: ", DescribeClasses(symmetry_.classes, names),
                                        " (", GroupOrder(symmetry_.classes),
                                        " permutations)");
    }
  }

  // Why a declared symmetry cannot be used in this check, or nullptr.
  const char* SymmetryUnsupported() const {
    if (symmetry_.classes.empty()) return "no two nodes are interchangeable here";
    if (ChecksLiveness()) {
      return "liveness properties are checked, and fair-cycle detection "
             "labels events by node names (see docs/symmetry.md)";
    }
    if (options_.byzantine_max > 0 || options_.traitors != 0) {
      return "the Byzantine adversary's state is not permuted";
    }
    return nullptr;
  }

  // Requests of each node in a fixed order (by text, then index), so that
  // request r of node n maps to the same-ranked request of p(n).
  void IndexRequests() {
    requests_by_node_.assign(node_count_, {});
    request_rank_.assign(requests_.size(), 0);
    for (int r = 0; r < static_cast<int>(requests_.size()); ++r) {
      requests_by_node_[requests_[r].node].push_back(r);
    }
    for (std::vector<int>& list : requests_by_node_) {
      std::sort(list.begin(), list.end(), [&](int a, int b) {
        return std::pair(Show(requests_[a].op), a) <
               std::pair(Show(requests_[b].op), b);
      });
      for (size_t k = 0; k < list.size(); ++k) request_rank_[list[k]] = k;
    }
  }

  // Nodes that get different client requests are not interchangeable.
  std::vector<std::string> RequestLabels() const {
    std::vector<std::string> labels(node_count_);
    for (NodeId n = 0; n < node_count_; ++n) {
      for (int r : requests_by_node_[n]) {
        absl::StrAppend(&labels[n], Show(requests_[r].op), "\x1f");
      }
    }
    return labels;
  }

  // Per node, a hash no permutation changes: its id-free state, whether it
  // is up, its partition block's size, and (summed, so order-free) its
  // timers, the messages it sends and receives and its observations.
  void NodeKeys(const State& w, std::array<uint64_t, kSymmetryNodesMax>& keys) const {
    std::array<uint64_t, kSymmetryNodesMax> sums{};
    for (NodeId n = 0; n < node_count_; ++n) {
      keys[n] = MixPair(NodeKey(w.node(n)), w.up(n) ? 1 : 2);
      if (!w.disk.empty()) keys[n] = MixPair(keys[n], NodeKey(w.disk[n]));
      if (!w.group.empty()) {
        keys[n] = MixPair(keys[n], std::count(w.group.begin(), w.group.end(),
                                               w.group[n]));
      }
    }
    for (const Envelope<Msg>& e : w.network) {
      const uint64_t m = MsgKey(e.msg);
      sums[e.to] += MixPair(MixPair(1, m), PartnerTag(e.from));
      sums[e.from] += MixPair(MixPair(2, m), PartnerTag(e.to));
    }
    for (const TimerKey& t : w.timers) sums[t.node] += MixPair(3, t.id);
    for (const auto& o : w.history) sums[o.node] += MixPair(4, ObsKey(o.value));
    for (NodeId n = 0; n < node_count_; ++n) keys[n] = MixPair(keys[n], sums[n]);
  }

  // A fixed node by its id, an interchangeable one by its class only.
  uint64_t PartnerTag(NodeId n) const {
    return class_of_[n] < 0 ? n : kSymmetryNodesMax + class_of_[n];
  }
  uint64_t NodeKey(const Node& n) const {
    if constexpr (HasSymmetryKey<P>) {
      return protocol_.SymmetryKey(n);
    } else if constexpr (PermutesNodes<P>) {
      return 0;  // ids inside: no key without the protocol's help
    } else {
      return FastHash(n);
    }
  }
  uint64_t MsgKey(const Msg& m) const {
    if constexpr (PermutesMsgs<P>) return 0;
    return FastHash(m);
  }
  uint64_t ObsKey(const typename P::Obs& o) const {
    if constexpr (PermutesObs<P>) return 0;
    return FastHash(o);
  }

  template <typename Slots>
  void PermuteNodes(const Slots& slots, const NodePermutation& p, Slots& out) const {
    out.resize(slots.size());
    for (size_t n = 0; n < slots.size(); ++n) {
      Node& node = out[p(static_cast<NodeId>(n))];
      node = slots[n];
      if constexpr (PermutesNodes<P>) protocol_.PermuteNode(node, p);
    }
  }
  Msg PermuteMsg(Msg m, const NodePermutation& p) const {
    if constexpr (PermutesMsgs<P>) protocol_.PermuteMsg(m, p);
    return m;
  }
  typename P::Obs PermuteObs(typename P::Obs o, const NodePermutation& p) const {
    if constexpr (PermutesObs<P>) protocol_.PermuteObs(o, p);
    return o;
  }
  static void PermuteClock(const VectorClock& c, const NodePermutation& p,
                           VectorClock& out) {
    out.resize(c.size());
    for (size_t i = 0; i < c.size(); ++i) out[p(static_cast<NodeId>(i))] = c[i];
  }
  uint64_t PermuteRequests(uint64_t requested, const NodePermutation& p) const {
    uint64_t out = 0;
    for (; requested != 0; requested &= requested - 1) {
      const int r = __builtin_ctzll(requested);
      const std::vector<int>& to = requests_by_node_[p(requests_[r].node)];
      FL_CHECK(request_rank_[r] < to.size());
      out |= uint64_t{1} << to[request_rank_[r]];
    }
    return out;
  }
  static void PermuteGroup(const std::vector<uint8_t>& group,
                           const NodePermutation& p, std::vector<uint8_t>& out) {
    out.resize(group.size());
    for (size_t n = 0; n < group.size(); ++n) {
      out[p(static_cast<NodeId>(n))] = group[n];
    }
    NormalizeBlocks(out);  // splits are kept in restricted-growth form
  }

  // The order Insert() keeps.
  void SortNetwork(std::vector<Envelope<Msg>>& network) const {
    if (options_.links != LinkOrder::kFifo) {
      std::sort(network.begin(), network.end());
      return;
    }
    // By link, keeping each link's arrival order (a stable sort by hand:
    // libstdc++'s stable_sort trips clang-19's deprecation warning).
    std::vector<std::pair<std::pair<NodeId, NodeId>, size_t>> order;
    for (size_t i = 0; i < network.size(); ++i) {
      order.push_back({{network[i].from, network[i].to}, i});
    }
    std::sort(order.begin(), order.end());
    std::vector<Envelope<Msg>> sorted;
    sorted.reserve(network.size());
    for (const auto& [link, i] : order) sorted.push_back(std::move(network[i]));
    network = std::move(sorted);
  }

  P protocol_;
  WorldOptions options_;
  int node_count_;
  std::vector<ClientRequest<typename P::Op>> requests_;
  std::vector<Property<State>> properties_;
  std::vector<std::vector<uint8_t>> splits_;
  std::vector<uint64_t> traitor_sets_;
  SymmetryStatus symmetry_;
  ReductionStatus stale_;
  std::vector<int> class_of_;  // per node: its class, -1 if fixed
  std::vector<std::vector<int>> requests_by_node_;
  std::vector<size_t> request_rank_;  // per request: rank at its node
};

}  // namespace faultline

#include "harness/byzantine.h"  // completes ByzantineState and Adversary

#endif  // FAULTLINE_HARNESS_WORLD_H_
