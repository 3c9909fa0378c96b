// CAP (Brewer 2000; Gilbert & Lynch 2002; lecture notes 001, "CAP"): a
// register replicated on two nodes cannot be both available and linearizable
// while a partition lasts.
//
// A write at r0 applies locally, sends Update to r1 and waits for r1's Ack
// before answering; a read at r1 answers its local value. The two variants
// differ only in what a writer does when its peer stays silent:
//   kAvailable   answers anyway after a timeout (stays available): under a
//                partition a later read at r1 returns the old value, which no
//                sequential order explains (not linearizable).
//   kConsistent  keeps waiting: linearizable, but while the partition lasts
//                the write never completes (not available). With healing
//                assumed fair it completes; without, liveness fails.
//
// System model: two replicas, unordered links, synchronous timers (a timeout
// fires only when no deliverable message is in flight, so it fires exactly
// when the peer is cut off), one partition, no crashes.
#ifndef FAULTLINE_PROTOCOLS_CAP_REGISTER_H_
#define FAULTLINE_PROTOCOLS_CAP_REGISTER_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/world.h"
#include "properties/linearizability.h"

namespace faultline {

struct CapRegister {
  enum class Variant { kAvailable, kConsistent };
  struct Op {
    bool write;
    int32_t value;  // written value
    int32_t id;     // operation number in the history
    std::string ToString() const {
      return write ? absl::StrCat("write(", value, ")") : "read";
    }
  };
  struct Msg {
    bool ack;
    int32_t value;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.ack, m.value); }
    std::string ToString() const { return ack ? "Ack" : absl::StrCat("Update(", value, ")"); }
  };
  struct Node {
    int32_t value = 0;
    int32_t waiting = -1;  // id of the write awaiting its Ack
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) { return H::combine(std::move(h), n.value, n.waiting); }
    std::string ToString() const {
      return absl::StrCat("value=", value, waiting >= 0 ? " waiting for Ack" : "");
    }
  };
  // Invocations and responses, in history order (positions are real time).
  struct Obs {
    bool response;
    int32_t id;
    int32_t value;  // a response's output: the value read (writes: 0)
    auto operator<=>(const Obs&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Obs& o) {
      return H::combine(std::move(h), o.response, o.id, o.value);
    }
    std::string ToString() const {
      return absl::StrCat(response ? "return #" : "invoke #", id,
                          response ? absl::StrCat(" -> ", value) : "");
    }
  };
  using O = Out<CapRegister>;

  // The sequential specification: a register holding one integer.
  struct Spec {
    using State = int32_t;
    using Input = Op;
    using Output = int32_t;
    State Init() const { return 0; }
    Output Step(State& s, const Input& in) const {
      if (in.write) s = in.value;
      return in.write ? 0 : s;
    }
  };

  Variant variant = Variant::kConsistent;

  int NodeCount() const { return 2; }
  std::string NodeName(NodeId n) const { return absl::StrCat("r", n); }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const {
    return {{0, {true, 1, 0}}, {1, {false, 0, 1}}};
  }
  void OnStart(Node&, O&) const {}
  void OnRequest(Node& n, const Op& op, O& out) const {
    out.Observe({false, op.id, 0});
    if (!op.write) {
      out.Observe({true, op.id, n.value});
      return;
    }
    n.value = op.value;
    n.waiting = op.id;
    out.Send(1 - out.self(), {false, op.value});
    if (variant == Variant::kAvailable) out.SetTimer(0);
  }
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
    if (!m.ack) {
      n.value = m.value;
      out.Send(from, {true, 0});
    } else if (n.waiting >= 0) {
      Answer(n, out);
    }
  }
  void OnTimer(Node& n, TimerId, O& out) const {
    if (n.waiting >= 0) Answer(n, out);
  }
  void OnRecover(Node&, O&) const {}

  std::vector<Property<World<CapRegister>>> Properties() const {
    const std::vector<ClientRequest<Op>> requests = Requests();
    return {
        Always<World<CapRegister>>(
            "linearizable",
            [requests](const World<CapRegister>& w) {
              return IsLinearizable(Spec{}, History(w, requests));
            }),
        Sometimes<World<CapRegister>>("write-done",
                                      [](const World<CapRegister>& w) {
                                        return w.node(0).waiting < 0 && w.node(0).value == 1;
                                      }),
        Eventually<World<CapRegister>>(
            "answered",
            [requests](const World<CapRegister>& w) {
              size_t responses = 0;
              for (const auto& o : w.history) responses += o.value.response;
              return responses == requests.size();
            }),
    };
  }

 private:
  void Answer(Node& n, O& out) const {
    out.Observe({true, n.waiting, 0});
    n.waiting = -1;
    out.CancelTimer(0);
  }

  static std::vector<Operation<Spec>> History(
      const World<CapRegister>& w, const std::vector<ClientRequest<Op>>& requests) {
    std::vector<Operation<Spec>> ops;
    std::vector<int> slot(requests.size(), -1);
    for (size_t t = 0; t < w.history.size(); ++t) {
      const Obs& o = w.history[t].value;
      if (!o.response) {
        slot[o.id] = static_cast<int>(ops.size());
        ops.push_back({requests[o.id].op, 0, static_cast<int64_t>(t), kPending});
      } else {
        FL_CHECK(slot[o.id] >= 0);
        ops[slot[o.id]].output = o.value;
        ops[slot[o.id]].response = static_cast<int64_t>(t);
      }
    }
    return ops;
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CAP_REGISTER_H_
