// A send loop for broadcast protocols: one unicast per step.
//
// The world applies a handler's sends atomically, so a node that called
// Out::Broadcast can never crash "in the middle" of it. A broadcast over
// reliable 1-to-1 links (the notes' TCP) is a loop of unicasts, though, and a
// sender that crashes inside the loop reaches only some peers: the failure
// that reliable broadcast exists to survive (lecture notes 002, "the sending
// process might crash"). So protocols that must tolerate it queue their
// copies in an Outbox and send one per firing of timer kSendTimer; a crash
// can then fall between any two copies. Peers are served in id order.
#ifndef FAULTLINE_PROTOCOLS_BROADCAST_OUTBOX_H_
#define FAULTLINE_PROTOCOLS_BROADCAST_OUTBOX_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/assert.h"
#include "harness/world.h"

namespace faultline {

inline constexpr TimerId kSendTimer = 0;

template <typename Msg>
struct Outbox {
  struct Copy {
    NodeId to;
    Msg msg;
    auto operator<=>(const Copy&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Copy& c) {
      return H::combine(std::move(h), c.to, c.msg);
    }
  };
  std::vector<Copy> queue;  // oldest first

  auto operator<=>(const Outbox&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Outbox& o) {
    return H::combine(std::move(h), o.queue);
  }
  std::string ToString() const {
    return queue.empty() ? "" : absl::StrCat(" outbox=", queue.size());
  }

  // Sends one copy of `msg` to every node but self and those in `skip` (bit
  // per node: peers known to have it already): queued, one per step, if
  // `loop`, else all in this step.
  template <typename O>
  void QueueToAll(const Msg& msg, uint64_t skip, bool loop, O& out) {
    for (NodeId to = 0; to < out.node_count(); ++to) {
      if (to == out.self() || ((skip >> to) & 1) != 0) continue;
      if (loop) {
        queue.push_back({to, msg});
      } else {
        out.Send(to, msg);
      }
    }
    if (!queue.empty()) out.SetTimer(kSendTimer);
  }

  // The loop's next iteration: timer kSendTimer fired.
  template <typename O>
  void SendNext(O& out) {
    FL_CHECK(!queue.empty());
    out.Send(queue.front().to, queue.front().msg);
    queue.erase(queue.begin());
    if (!queue.empty()) out.SetTimer(kSendTimer);
  }
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_BROADCAST_OUTBOX_H_
