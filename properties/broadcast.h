// Properties of broadcast protocols, checked over the history of
// observations (lecture notes 002, "Multicast"; Cachin, Guerraoui & Rodrigues,
// "Introduction to Reliable and Secure Distributed Programming", ch. 3).
//
// Every broadcast protocol observes two kinds of events, both as a `Cast`:
// kBroadcast when its client asks it to broadcast a message (the client
// request) and kDeliver when it hands a message to its application. The
// history keeps them in execution order, so the order of broadcasts at a
// sender and of deliveries at a receiver is the ground truth of the run, not
// what the protocol's own sequence numbers or clocks claim.
//
//   integrity     a node delivers a message at most once, and only if its
//                 origin broadcast it before (no duplication, no creation)
//   fifo-order    if a node broadcast m1 before m2, no node delivers m2 unless
//                 it delivered m1 before
//   causal-order  if broadcast(m1) happens-before broadcast(m2), no node
//                 delivers m2 unless it delivered m1 before
//   total-order   any two nodes that both deliver m1 and m2 deliver them in
//                 the same order
//   validity      if a correct node broadcasts m, every correct node
//                 eventually delivers m
//   agreement     if a correct node delivers m, every correct node eventually
//                 delivers m
//
// Happens-before for causal order is Lamport's relation over the events of
// the broadcast abstraction, as the notes define causal broadcast: a node's
// broadcasts and deliveries in the order it made them, plus broadcast(m) ->
// deliver(m). It is computed from the history. The world's network-level
// stamps (WorldOptions::causality) are not the right relation by themselves:
// protocol messages carry more causality than the abstraction has. A relay of
// m0 from n1 carries n1's clock, which includes n1's broadcast of m1, so the
// receiver's next broadcast m2 is "after" m1 at the network level although
// it never delivered m1 (likewise a message received and held back). Judged
// by stamps, a correct vector-clock protocol would be flagged
// (multicast_test.cc, NetworkStampsOverApproximateBroadcastCausality). When
// the stamps are on, CausalOrder checks that every pair it orders is also
// ordered by them (the abstraction's relation is contained in the
// execution's), so the relation it uses is still the execution's.
//
// Validity and agreement are liveness. They are given twice: as Eventually
// properties with the goal "quiescent and the condition holds", and as Always
// properties "quiescent implies the condition" that safety search checks on
// every state today. A world is quiescent when no message is in flight to an
// up node, no up node has a timer armed and every request of an up node was
// issued: from there only crashes can happen, which deliver nothing, so a
// missing delivery in a quiescent state is missing forever. Both forms assume
// the protocol terminates, which every protocol here does within its bounds.
#ifndef FAULTLINE_PROPERTIES_BROADCAST_H_
#define FAULTLINE_PROPERTIES_BROADCAST_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/assert.h"
#include "harness/model.h"
#include "harness/world.h"

namespace faultline {

// Message ids are bits of a mask.
inline constexpr int kBroadcastMessagesMax = 16;

// One observation of a broadcast protocol.
struct Cast {
  enum Kind : uint8_t { kBroadcast, kDeliver };
  Kind kind;
  int8_t origin;  // the node whose client asked to broadcast the message
  int8_t id;      // the message: the payload of its client request, unique
  auto operator<=>(const Cast&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Cast& c) {
    return H::combine(std::move(h), c.kind, c.origin, c.id);
  }
  std::string ToString() const {
    return absl::StrCat(kind == kBroadcast ? "broadcast(m" : "deliver(m", id,
                        " of n", origin, ")");
  }
};

// `messages` broadcasts, message k by node k % senders, as client requests
// whose payload is the message id. Requests may be issued in any order.
inline std::vector<ClientRequest<int>> BroadcastRequests(int messages,
                                                         int senders) {
  FL_CHECK(messages >= 0 && messages <= kBroadcastMessagesMax);
  FL_CHECK(senders >= 1);
  std::vector<ClientRequest<int>> out;
  for (int k = 0; k < messages; ++k) out.push_back({k % senders, k});
  return out;
}

namespace internal {

inline uint32_t Bit(int id) {
  FL_CHECK(id >= 0 && id < kBroadcastMessagesMax);
  return uint32_t{1} << id;
}

// Per node, the messages it delivered (bit per id).
template <typename P>
std::vector<uint32_t> DeliveredSets(const World<P>& w) {
  std::vector<uint32_t> delivered(w.node_count(), 0);
  for (const auto& o : w.history) {
    if (o.value.kind == Cast::kDeliver) delivered[o.node] |= Bit(o.value.id);
  }
  return delivered;
}

// Per node, the ids it delivered, in delivery order.
template <typename P>
std::vector<std::vector<int8_t>> DeliverySequences(const World<P>& w) {
  std::vector<std::vector<int8_t>> seq(w.node_count());
  for (const auto& o : w.history) {
    if (o.value.kind == Cast::kDeliver) seq[o.node].push_back(o.value.id);
  }
  return seq;
}

// Nothing but a crash can happen any more (see the file comment).
template <typename P>
bool Quiescent(const World<P>& w, const std::vector<ClientRequest<int>>& reqs) {
  for (const auto& e : w.network) {
    if (w.up(e.to)) return false;
  }
  for (const TimerKey& t : w.timers) {
    if (w.up(t.node)) return false;
  }
  for (size_t r = 0; r < reqs.size(); ++r) {
    if (((w.requested >> r) & 1) == 0 && w.up(reqs[r].node)) return false;
  }
  return true;
}

// Every message broadcast by an up node is delivered by every up node.
template <typename P>
bool AllCorrectDeliverCorrectBroadcasts(const World<P>& w) {
  const std::vector<uint32_t> delivered = DeliveredSets(w);
  for (const auto& o : w.history) {
    if (o.value.kind != Cast::kBroadcast || !w.up(o.node)) continue;
    for (NodeId n = 0; n < w.node_count(); ++n) {
      if (w.up(n) && (delivered[n] & Bit(o.value.id)) == 0) return false;
    }
  }
  return true;
}

// Every up node delivered the same set of messages.
template <typename P>
bool CorrectNodesDeliveredTheSame(const World<P>& w) {
  const std::vector<uint32_t> delivered = DeliveredSets(w);
  uint32_t any = 0;
  for (NodeId n = 0; n < w.node_count(); ++n) {
    if (w.up(n)) any |= delivered[n];
  }
  for (NodeId n = 0; n < w.node_count(); ++n) {
    if (w.up(n) && delivered[n] != any) return false;
  }
  return true;
}

// The world's stamps must order every pair the abstraction orders: each
// message in `deps` was broadcast before the broadcast stamped `stamp`.
template <typename P>
void CheckAgainstStamps(const World<P>& w, uint32_t deps,
                        const std::vector<int>& broadcast_at,
                        const VectorClock& stamp) {
  if (stamp.empty()) return;  // WorldOptions::causality is off
  for (int m = 0; m < kBroadcastMessagesMax; ++m) {
    if ((deps & Bit(m)) == 0) continue;
    FL_CHECK(broadcast_at[m] >= 0);
    FL_CHECK(HappenedBefore(w.history[broadcast_at[m]].stamp, stamp));
  }
}

}  // namespace internal

// Always: no duplication, no creation.
template <typename P>
Property<World<P>> Integrity(std::string name) {
  return Always<World<P>>(std::move(name), [](const World<P>& w) {
    std::vector<int8_t> origin_of(kBroadcastMessagesMax, -1);
    std::vector<uint32_t> delivered(w.node_count(), 0);
    for (const auto& o : w.history) {
      const Cast& c = o.value;
      const uint32_t bit = internal::Bit(c.id);
      if (c.kind == Cast::kBroadcast) {
        if (origin_of[c.id] >= 0 || c.origin != o.node) return false;
        origin_of[c.id] = c.origin;
        continue;
      }
      if (origin_of[c.id] != c.origin) return false;   // never broadcast
      if ((delivered[o.node] & bit) != 0) return false;  // delivered twice
      delivered[o.node] |= bit;
    }
    return true;
  });
}

// Always: per origin, deliveries follow broadcast order without gaps.
template <typename P>
Property<World<P>> FifoOrder(std::string name) {
  return Always<World<P>>(std::move(name), [](const World<P>& w) {
    std::vector<uint32_t> sent(w.node_count(), 0);  // by origin, so far
    std::vector<uint32_t> before(kBroadcastMessagesMax, 0);
    std::vector<uint32_t> delivered(w.node_count(), 0);
    for (const auto& o : w.history) {
      const Cast& c = o.value;
      if (c.kind == Cast::kBroadcast) {
        before[c.id] = sent[o.node];
        sent[o.node] |= internal::Bit(c.id);
        continue;
      }
      if ((before[c.id] & ~delivered[o.node]) != 0) return false;
      delivered[o.node] |= internal::Bit(c.id);
    }
    return true;
  });
}

// Always: deliveries respect the happens-before relation of broadcasts (see
// the file comment for which relation, and the cross-check with stamps).
template <typename P>
Property<World<P>> CausalOrder(std::string name) {
  return Always<World<P>>(std::move(name), [](const World<P>& w) {
    std::vector<uint32_t> past(w.node_count(), 0);  // broadcast or delivered
    std::vector<uint32_t> deps(kBroadcastMessagesMax, 0);
    std::vector<int> broadcast_at(kBroadcastMessagesMax, -1);
    std::vector<uint32_t> delivered(w.node_count(), 0);
    for (size_t i = 0; i < w.history.size(); ++i) {
      const auto& o = w.history[i];
      const Cast& c = o.value;
      const uint32_t bit = internal::Bit(c.id);
      if (c.kind == Cast::kBroadcast) {
        deps[c.id] = past[o.node];
        broadcast_at[c.id] = static_cast<int>(i);
        past[o.node] |= bit;
        internal::CheckAgainstStamps(w, deps[c.id], broadcast_at, o.stamp);
        continue;
      }
      if ((deps[c.id] & ~delivered[o.node]) != 0) return false;
      delivered[o.node] |= bit;
      past[o.node] |= bit | deps[c.id];
    }
    return true;
  });
}

// Always: every two nodes deliver their common messages in the same order.
template <typename P>
Property<World<P>> TotalOrder(std::string name) {
  return Always<World<P>>(std::move(name), [](const World<P>& w) {
    const auto seq = internal::DeliverySequences(w);
    const auto sets = internal::DeliveredSets(w);
    for (NodeId a = 0; a < w.node_count(); ++a) {
      for (NodeId b = a + 1; b < w.node_count(); ++b) {
        const uint32_t common = sets[a] & sets[b];
        std::vector<int8_t> x, y;
        for (int8_t m : seq[a]) {
          if (common & internal::Bit(m)) x.push_back(m);
        }
        for (int8_t m : seq[b]) {
          if (common & internal::Bit(m)) y.push_back(m);
        }
        if (x != y) return false;
      }
    }
    return true;
  });
}

// Eventually (liveness) and its Always form at quiescence.
template <typename P>
Property<World<P>> Validity(std::string name,
                            std::vector<ClientRequest<int>> requests) {
  return Eventually<World<P>>(std::move(name), [requests](const World<P>& w) {
    return internal::Quiescent(w, requests) &&
           internal::AllCorrectDeliverCorrectBroadcasts(w);
  });
}
template <typename P>
Property<World<P>> QuiescentValidity(std::string name,
                                     std::vector<ClientRequest<int>> requests) {
  return Always<World<P>>(std::move(name), [requests](const World<P>& w) {
    return !internal::Quiescent(w, requests) ||
           internal::AllCorrectDeliverCorrectBroadcasts(w);
  });
}
template <typename P>
Property<World<P>> Agreement(std::string name,
                             std::vector<ClientRequest<int>> requests) {
  return Eventually<World<P>>(std::move(name), [requests](const World<P>& w) {
    return internal::Quiescent(w, requests) &&
           internal::CorrectNodesDeliveredTheSame(w);
  });
}
template <typename P>
Property<World<P>> QuiescentAgreement(std::string name,
                                      std::vector<ClientRequest<int>> requests) {
  return Always<World<P>>(std::move(name), [requests](const World<P>& w) {
    return !internal::Quiescent(w, requests) ||
           internal::CorrectNodesDeliveredTheSame(w);
  });
}

// Sometimes: every requested message was delivered everywhere (guards against
// a protocol that passes by delivering nothing).
template <typename P>
Property<World<P>> SometimesAllDelivered(std::string name, int messages) {
  return Sometimes<World<P>>(std::move(name), [messages](const World<P>& w) {
    const uint32_t all = messages == 0 ? 0 : (uint32_t{1} << messages) - 1;
    const std::vector<uint32_t> delivered = internal::DeliveredSets(w);
    return std::all_of(delivered.begin(), delivered.end(),
                       [&](uint32_t d) { return d == all; });
  });
}

}  // namespace faultline

#endif  // FAULTLINE_PROPERTIES_BROADCAST_H_
