// Heartbeat failure detectors: the perfect detector P ("Exclude on Timeout")
// and the eventually perfect detector <>P ("Increasing Timeout"), Cachin,
// Guerraoui & Rodrigues, "Introduction to Reliable and Secure Distributed
// Programming" (2011), algorithms 2.5 and 2.7; lecture notes 002 ("Perfect
// Failure Detector", heartbeats) and 001/003 (failure and timing models).
//
// Every process, at each timeout, looks at which peers answered its last
// HeartbeatRequest. P detects (permanently) every peer that did not answer.
// <>P suspects a silent peer and restores a suspected one that answered; when
// it finds it suspected a live peer, it lengthens its timeout by one. Then it
// sends a new HeartbeatRequest to every peer, forgets who is alive, and
// restarts its timer. A process answers a request with a HeartbeatReply.
// Unlike the book, a process sends its first requests at start (the book
// starts with everyone alive and sends at the first timeout: the same, one
// round later), and keeps at most one request outstanding per peer (a second
// would be answered by the same reply); otherwise requests would pile up at a
// crashed peer without end.
//
// System model: crash-stop (crashes budget); reliable unordered links;
// synchronous timers (a timeout expires only once no deliverable message is in
// flight) and replies delayed by at most `delay_bound`. The delay model is the
// environment, not the algorithm: a request carries its sender's current
// timeout; if that timeout is at least the delay bound, or the replier is not
// one of the `slow_nodes` first processes, the reply is sent at once and so
// arrives before the timeout; otherwise the reply is held by a timer of the
// replier and the harness chooses whether it arrives before or after the
// requester's timeout. P assumes it knows the bound (timeout >=
// delay_bound); <>P starts with timeout 1 and must find it.
//
// Properties (Cachin et al. 2.6.2 and 2.6.5):
//   strong-accuracy (P, Always): no process is detected before it crashes.
//   strong-completeness (Eventually): every crashed process is eventually
//     suspected permanently by every correct process (it never answers
//     again, so a suspicion of it is never withdrawn).
//   eventual-strong-accuracy (<>P, Eventually): eventually no correct process
//     is suspected by any correct process.
// Goals are reached states, so the observers make them mean something:
// completeness holds once every correct process has timed out at least once
// and suspects every crashed one; "eventually permanently" accurate is
// checked through `quiet`, the timeouts since a process last changed its
// output (saturating at `stable_rounds`): every correct process must have
// been quiet that long while suspecting no correct process. A crash after a
// goal first held is not required to be detected within the model.
//
// Timing for liveness: TimeoutsElapse (below) makes a pending timeout
// continuously enabled under weak fairness, as time passes in a synchronous
// system; without it one process's heartbeats could postpone another's
// timeout forever.
//
// Buggy variants:
//   kShortTimeout     P with a timeout below the delay bound: a late reply
//                     makes it detect a live process (strong-accuracy)
//   kNoReset          P or <>P never forgets who is alive: a process that
//                     answered once is never suspected (strong-completeness)
//   kConstantTimeout  <>P never lengthens its timeout: it suspects and
//                     restores a live process forever (eventual accuracy)
#ifndef FAULTLINE_PROTOCOLS_FAILURE_DETECTOR_H_
#define FAULTLINE_PROTOCOLS_FAILURE_DETECTOR_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/world.h"

namespace faultline {

struct HeartbeatDetector {
  enum class Kind { kPerfect, kEventuallyPerfect };
  enum class Bug { kNone, kShortTimeout, kNoReset, kConstantTimeout };
  static constexpr TimerId kTimeout = 0;  // 1 + q: reply to q held by delay
  static constexpr int kTimeoutMax = 16;

  struct Msg {
    bool reply;
    int8_t timeout = 0;  // request: the sender's timeout (for the delay model)
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.reply, m.timeout); }
    std::string ToString() const {
      return reply ? "HeartbeatReply" : absl::StrCat("HeartbeatRequest(timeout=", timeout, ")");
    }
  };
  // P's output event. <>P's output is its `suspected` set (node state):
  // observing its suspicions and restorations would grow the history, and so
  // the state space, without end in a detector that never settles.
  struct Crash {
    int8_t peer;
    auto operator<=>(const Crash&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Crash& c) { return H::combine(std::move(h), c.peer); }
    std::string ToString() const { return absl::StrCat("Crash(n", peer, ")"); }
  };
  struct Node {
    uint32_t alive = 0;      // peers that answered since the last timeout
    uint32_t waiting = 0;    // peers with a request not answered yet
    uint32_t suspected = 0;  // P: detected; <>P: suspected
    int8_t timeout = 1;
    int8_t quiet = 0;  // observer: timeouts since the output last changed
    bool timed_out = false;  // observer: at least one timeout has passed
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.alive, n.waiting, n.suspected, n.timeout, n.quiet,
                        n.timed_out);
    }
    std::string ToString() const {
      return absl::StrCat("alive=", Members(alive), " suspected=", Members(suspected),
                          " timeout=", timeout, " quiet=", quiet);
    }
    static std::string Members(uint32_t set) {
      std::vector<std::string> names;
      for (int p = 0; p < 32; ++p) {
        if ((set >> p) & 1) names.push_back(absl::StrCat("n", p));
      }
      return absl::StrCat("{", absl::StrJoin(names, ","), "}");
    }
  };
  using Op = int;
  using Obs = Crash;
  using O = Out<HeartbeatDetector>;

  Kind kind = Kind::kPerfect;
  Bug bug = Bug::kNone;
  int nodes = 3;
  int delay_bound = 2;    // environment: the longest a reply can take
  int slow_nodes = 1;     // environment: processes 0..slow_nodes-1 can be slow
  int timeout = 2;        // P: its timeout; <>P: its initial timeout
  int stable_rounds = 1;  // observer: timeouts of quiet that count as "eventually"

  int NodeCount() const { return nodes; }
  Node Init(NodeId) const { return {.timeout = static_cast<int8_t>(timeout)}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }

  void OnStart(Node& n, O& out) const { StartRound(n, out); }
  void OnRequest(Node&, const Op&, O&) const {}
  void OnRecover(Node&, O&) const {}

  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (m.reply) {
      n.alive |= Bit(from);
      n.waiting &= ~Bit(from);
      return;
    }
    // The delay model: a slow process's reply can outlast a timeout shorter
    // than the bound.
    if (m.timeout >= delay_bound || out.self() >= slow_nodes) {
      out.Send(from, {true});
    } else {
      out.SetTimer(1 + from);
    }
  }

  void OnTimer(Node& n, TimerId id, O& out) const {
    if (id != kTimeout) {
      out.Send(id - 1, {true});  // the held reply goes out
      return;
    }
    const bool changed = kind == Kind::kPerfect ? Detect(n, out) : SuspectOrRestore(n, out);
    n.quiet = changed ? 0 : static_cast<int8_t>(std::min(n.quiet + 1, stable_rounds));
    n.timed_out = true;
    StartRound(n, out);
  }

  std::vector<Property<World<HeartbeatDetector>>> Properties() const;

 private:
  static uint32_t Bit(NodeId p) { return uint32_t{1} << p; }

  // One request per peer at a time: a second would be answered by the same
  // reply, and requests piling up at a crashed peer would make the state
  // space infinite.
  void StartRound(Node& n, O& out) const {
    for (NodeId p = 0; p < nodes; ++p) {
      if (p == out.self() || (n.waiting & Bit(p))) continue;
      out.Send(p, {false, n.timeout});
      n.waiting |= Bit(p);
    }
    if (bug != Bug::kNoReset) n.alive = 0;
    out.SetTimer(kTimeout);
  }

  // Algorithm 2.5: detect every peer that did not answer. True if any.
  bool Detect(Node& n, O& out) const {
    bool changed = false;
    for (NodeId p = 0; p < nodes; ++p) {
      if (p == out.self() || (n.alive & Bit(p)) || (n.suspected & Bit(p))) continue;
      n.suspected |= Bit(p);
      out.Observe({static_cast<int8_t>(p)});
      changed = true;
    }
    return changed;
  }

  // Algorithm 2.7: lengthen the timeout after a false suspicion, suspect the
  // silent, restore the suspected that answered. True if the output changed.
  bool SuspectOrRestore(Node& n, O& out) const {
    if ((n.alive & n.suspected) != 0 && bug != Bug::kConstantTimeout) {
      FL_CHECK(n.timeout < kTimeoutMax);
      ++n.timeout;
    }
    bool changed = false;
    for (NodeId p = 0; p < nodes; ++p) {
      if (p == out.self()) continue;
      const bool alive = n.alive & Bit(p), suspected = n.suspected & Bit(p);
      if (alive == suspected) {
        n.suspected ^= Bit(p);
        changed = true;
      }
    }
    return changed;
  }
};

inline std::vector<Property<World<HeartbeatDetector>>> HeartbeatDetector::Properties() const {
  using W = World<HeartbeatDetector>;
  const int n = nodes, stable = stable_rounds;
  // Every correct process has been quiet long enough and `ok` holds for it.
  auto settled = [n, stable](auto ok) {
    return [n, stable, ok](const W& w) {
      for (NodeId q = 0; q < n; ++q) {
        if (w.up(q) && (w.node(q).quiet < stable || !ok(w, w.node(q)))) return false;
      }
      return true;
    };
  };
  const uint32_t all = (uint32_t{1} << n) - 1;
  // A crashed process is never heard from again, so once suspected it stays
  // suspected: completeness needs no quiet period, only a timeout at each.
  std::vector<Property<W>> props = {Eventually<W>(
      "strong-completeness", [n, all](const W& w) {
        const uint32_t crashed = static_cast<uint32_t>(w.crashed) & all;
        for (NodeId q = 0; q < n; ++q) {
          if (!w.up(q)) continue;
          if (!w.node(q).timed_out || (crashed & ~w.node(q).suspected) != 0) return false;
        }
        return true;
      })};
  if (kind == Kind::kPerfect) {
    props.push_back(Always<W>("strong-accuracy", [n](const W& w) {
      for (NodeId q = 0; q < n; ++q) {
        for (NodeId p = 0; p < n; ++p) {
          if ((w.node(q).suspected & Bit(p)) && w.up(p)) return false;
        }
      }
      return true;
    }));
    props.push_back(Sometimes<W>("crash-detected",
                                 [](const W& w) { return !w.history.empty(); }));
    return props;
  }
  props.push_back(Eventually<W>(
      "eventual-strong-accuracy", settled([all](const W& w, const Node& q) {
        const uint32_t correct = ~static_cast<uint32_t>(w.crashed) & all;
        return (q.suspected & correct) == 0;
      })));
  // The initial timeout is too short: a live process gets suspected.
  props.push_back(Sometimes<W>("false-suspicion", [n, all](const W& w) {
    const uint32_t correct = ~static_cast<uint32_t>(w.crashed) & all;
    for (NodeId q = 0; q < n; ++q) {
      if (w.up(q) && (w.node(q).suspected & correct) != 0) return true;
    }
    return false;
  }));
  props.push_back(Sometimes<W>("crash-suspected", [n, all](const W& w) {
    const uint32_t crashed = static_cast<uint32_t>(w.crashed) & all;
    for (NodeId q = 0; q < n; ++q) {
      if (w.up(q) && (w.node(q).suspected & crashed) != 0) return true;
    }
    return false;
  }));
  return props;
}


// Synchronous timeouts for liveness. In the world's synchronous timer model a
// timeout cannot expire while a message is deliverable, so under weak
// fairness one process's heartbeats could postpone another's timeout forever
// (its timer is enabled only intermittently). Physically time passes: a
// pending timeout is postponed, never disabled. This model is the actor world
// with one more edge per pending timer while messages are deliverable: every
// deliverable message arrives (repeatedly the first deliverable one, the
// world's choice 0), then the timer fires. The edge has the timer's own text,
// so weak fairness sees the timeout as continuously enabled. It reaches no new
// state (the same deliveries and firing are a path of the world already).
template <typename P>
class TimeoutsElapse {
 public:
  using State = World<P>;
  using Action = Event;

  TimeoutsElapse(P protocol, WorldOptions options) : base_(std::move(protocol), options) {
    FL_CHECK(options.timers == TimerModel::kSynchronous);
  }
  TimeoutsElapse(const TimeoutsElapse&) = delete;

  int InitCount() const { return base_.InitCount(); }
  State Init(int index) const { return base_.Init(index); }
  void Actions(const State& w, std::vector<Event>& out) const {
    base_.Actions(w, out);
    if (out.empty() || out.front().kind != EventKind::kDeliver) return;
    for (const TimerKey& t : w.timers) {  // postponed timeouts
      if (w.up(t.node)) out.push_back({EventKind::kFire, t.node, t.id});
    }
  }
  void Step(State& w, const Event& e, std::string* narration) const {
    if (e.kind == EventKind::kFire) Drain(w, narration);
    base_.Step(w, e, narration);
  }
  std::string Describe(const State& w, const Event& e) const { return base_.Describe(w, e); }
  std::string DescribeState(const State& w) const { return base_.DescribeState(w); }
  uint64_t Digest(const State& w) const { return base_.Digest(w); }
  bool Dedupable() const { return base_.Dedupable(); }
  const std::vector<Property<State>>& properties() const { return base_.properties(); }
  bool Fair(const State& w, const Event& e) const { return base_.Fair(w, e); }
  std::vector<std::string> FaultClassNames() const { return base_.FaultClassNames(); }
  int FaultClass(const State& w, const Event& e) const { return base_.FaultClass(w, e); }
  int ActorOf(const State& w, const Event& e) const { return base_.ActorOf(w, e); }

 private:
  void Drain(State& w, std::string* narration) const {
    std::vector<Event> events;
    for (int step = 0;; ++step) {
      FL_CHECK(step < 10000);  // heartbeats answer once: draining ends
      base_.Actions(w, events);
      if (events.empty() || events.front().kind != EventKind::kDeliver) return;
      if (narration) absl::StrAppend(narration, "    first ", base_.Describe(w, events.front()), "\n");
      base_.Step(w, events.front(), narration);
    }
  }

  ActorModel<P> base_;
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_FAILURE_DETECTOR_H_
