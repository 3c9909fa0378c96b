// Primary-backup (passive) replication with failover (Alsberg & Day 1976;
// Budhiraja, Marzullo, Schneider & Toueg, "The Primary-Backup Approach",
// 1993; lecture notes 001, "Passive Replication: Primary-Backup").
//
// Replicas n0..nR-1 keep a log of writes; n0 starts as the primary. The
// primary takes client writes, appends them, sends Replicate(index, value) to
// every backup in its view, and acknowledges a write to its client only when
// every backup in the view has acked it (eager replication: the update is
// replicated before the reply). A backup applies the primary's Replicates in
// order and acks them. Failure detection: the primary's successor in id
// order pings it; a Ping that is not answered before the timeout means the
// primary crashed, and the successor takes over (the election is the fixed
// succession order): it sends its log to the others (state transfer), and
// they follow it from then on. A primary whose backup does not ack before the
// timeout drops that backup from its view and goes on without it.
//
// System model: synchronous timers (a timeout passes only when no message is
// deliverable, so failure detection is perfect); reliable FIFO links, which
// the backups rely on to apply updates in order (over unordered links they
// diverge: entry primary-backup:unordered-links); crash-stop. Clients: Write(1) and Write(2) at n0, Write(3) at n1; a write
// at a node that is not the primary is refused (its client would retry).
// With crashes_max > 1 a failover can stall (only the successor watches the
// primary); safety does not depend on it.
//
// Properties: acked-writes-survive (every write acknowledged to a client is in
// the log of every up replica that acts as primary, across failovers) and
// replica-order (the logs of any two replicas are prefixes of one another:
// they applied the same writes in the same order).
//
// Buggy variant kAckBeforeReplicate (lazy replication): the primary
// acknowledges a write at once and replicates it later (on a flush timer); if
// it crashes in between, the new primary never had the write.
#ifndef FAULTLINE_PROTOCOLS_PRIMARY_BACKUP_H_
#define FAULTLINE_PROTOCOLS_PRIMARY_BACKUP_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct PrimaryBackup {
  enum class Bug { kNone, kAckBeforeReplicate };
  static constexpr int kReplicasMax = 7;
  enum Kind : int8_t { kReplicate, kAck, kPing, kPong, kNewPrimary };
  enum TimerKind : TimerId { kAckWait = 0, kPingWait = 1, kFlush = 2 };

  struct Msg {
    Kind kind;
    int8_t index = 0;          // Replicate, Ack
    int8_t value = 0;          // Replicate
    std::vector<int8_t> log = {};  // NewPrimary: the new primary's log
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.index, m.value, m.log);
    }
    std::string ToString() const;
  };
  struct Write {
    int8_t value;
    std::string ToString() const { return absl::StrCat("Write(", value, ")"); }
  };
  struct Reply {  // the write was acknowledged to its client
    int8_t value;
    auto operator<=>(const Reply&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Reply& r) { return H::combine(std::move(h), r.value); }
    std::string ToString() const { return absl::StrCat("ack(", value, ")"); }
  };
  struct Node {
    NodeId primary = 0;          // whom this replica follows
    std::vector<int8_t> log;
    // Primary only.
    uint8_t view = 0;            // backups it replicates to
    std::vector<uint8_t> acked;  // per log entry: backups that acked it
    int8_t replied = 0;          // entries acknowledged to clients, in order
    int8_t unsent = 0;           // lazy bug: first entry not yet replicated
    // The primary's successor only.
    bool pinging = false;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.primary, n.log, n.view, n.acked,
                        n.replied, n.unsent, n.pinging);
    }
    std::string ToString() const {
      return absl::StrCat("primary=n", primary, " log=[", absl::StrJoin(log, ","),
                          "]", pinging ? " pinging" : "");
    }
  };
  using Op = Write;
  using Obs = Reply;
  using O = Out<PrimaryBackup>;
  using W = World<PrimaryBackup>;

  int replicas = 3;
  Bug bug = Bug::kNone;

  int NodeCount() const { return replicas; }
  Node Init(NodeId self) const {
    FL_CHECK(replicas >= 2 && replicas <= kReplicasMax);
    Node n;
    if (self == 0) n.view = uint8_t(((1u << replicas) - 1) & ~1u);
    return n;
  }
  std::vector<ClientRequest<Op>> Requests() const {
    return {{0, {1}}, {0, {2}}, {1, {3}}};
  }

  void OnStart(Node& n, O& out) const {
    if (Successor(n.primary) == out.self()) out.SetTimer(kPingWait);
  }
  void OnRequest(Node& n, const Op& w, O& out) const;
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnTimer(Node& n, TimerId t, O& out) const;
  void OnRecover(Node&, O&) const {}

  std::vector<Property<W>> Properties() const;

 private:
  NodeId Successor(NodeId n) const { return (n + 1) % replicas; }
  void TryReply(Node& n, O& out) const;
  void TakeOver(Node& n, O& out) const;
  void OnReplicate(Node& n, NodeId from, const Msg& m, O& out) const;
};

inline std::string PrimaryBackup::Msg::ToString() const {
  switch (kind) {
    case kReplicate: return absl::StrCat("Replicate(", index, ": ", value, ")");
    case kAck: return absl::StrCat("Ack(", index, ")");
    case kPing: return "Ping";
    case kPong: return "Pong";
    case kNewPrimary: return absl::StrCat("NewPrimary([", absl::StrJoin(log, ","), "])");
  }
  return "?";
}

inline void PrimaryBackup::OnRequest(Node& n, const Op& w, O& out) const {
  if (n.primary != out.self()) return;  // refused: not the primary
  n.log.push_back(w.value);
  n.acked.push_back(0);
  if (bug == Bug::kAckBeforeReplicate) {
    out.Observe({w.value});  // the bug: the reply leaves before the update
    ++n.replied;
    out.SetTimer(kFlush);
    return;
  }
  const int8_t index = static_cast<int8_t>(n.log.size() - 1);
  for (NodeId b = 0; b < replicas; ++b) {
    if ((n.view >> b) & 1) out.Send(b, {kReplicate, index, w.value});
  }
  TryReply(n, out);
}

// Acknowledges, in log order, every write that all backups in the view have.
inline void PrimaryBackup::TryReply(Node& n, O& out) const {
  while (n.replied < static_cast<int>(n.log.size()) &&
         (n.acked[n.replied] & n.view) == n.view) {
    out.Observe({n.log[n.replied]});
    ++n.replied;
  }
  if (n.replied < static_cast<int>(n.log.size())) {
    out.SetTimer(kAckWait);
  } else {
    out.CancelTimer(kAckWait);
  }
}

inline void PrimaryBackup::OnMessage(Node& n, NodeId from, const Msg& m,
                                     O& out) const {
  switch (m.kind) {
    case kReplicate: return OnReplicate(n, from, m, out);
    case kAck:
      if (n.primary != out.self()) return;
      n.acked[m.index] |= uint8_t(1u << from);
      return TryReply(n, out);
    case kPing: return out.Send(from, {kPong});
    case kPong: n.pinging = false; return;
    case kNewPrimary:
      n.primary = from;
      n.log = m.log;
      if (Successor(from) == out.self()) out.SetTimer(kPingWait);
      return;
  }
}

inline void PrimaryBackup::OnReplicate(Node& n, NodeId from, const Msg& m,
                                       O& out) const {
  if (from != n.primary) return;  // a stale message of a crashed primary
  // Appended in arrival order: FIFO links deliver them in log order (the
  // index is only for the ack). Entry primary-backup:unordered-links shows
  // what happens without that assumption.
  n.log.push_back(m.value);
  out.Send(from, {kAck, m.index});
}

inline void PrimaryBackup::OnTimer(Node& n, TimerId t, O& out) const {
  if (t == kAckWait) {
    // Synchronous timers: a missing ack means that backup crashed.
    FL_CHECK(n.primary == out.self());
    n.view &= n.acked[n.replied];
    return TryReply(n, out);
  }
  if (t == kFlush) {
    for (; n.unsent < static_cast<int8_t>(n.log.size()); ++n.unsent) {
      for (NodeId b = 0; b < replicas; ++b) {
        if ((n.view >> b) & 1) out.Send(b, {kReplicate, n.unsent, n.log[n.unsent]});
      }
    }
    return;
  }
  FL_CHECK(t == kPingWait && Successor(n.primary) == out.self());
  if (n.pinging) return TakeOver(n, out);  // no Pong: the primary crashed
  n.pinging = true;
  out.Send(n.primary, {kPing});
  out.SetTimer(kPingWait);
}

inline void PrimaryBackup::TakeOver(Node& n, O& out) const {
  const NodeId old = n.primary;
  n.primary = out.self();
  n.pinging = false;
  n.view = 0;
  for (NodeId b = 0; b < replicas; ++b) {
    if (b == old || b == out.self()) continue;
    n.view |= uint8_t(1u << b);
    out.Send(b, {kNewPrimary, 0, 0, n.log});
  }
  // The writes it inherits were never acknowledged by it: their clients
  // retry, so it neither replies to them nor waits for their acks.
  n.acked.assign(n.log.size(), n.view);
  n.replied = static_cast<int8_t>(n.log.size());
  n.unsent = n.replied;
  // Its successor starts watching it when the NewPrimary arrives.
}

inline std::vector<Property<World<PrimaryBackup>>> PrimaryBackup::Properties()
    const {
  const int count = replicas;
  auto prefix = [](const std::vector<int8_t>& a, const std::vector<int8_t>& b) {
    const size_t k = std::min(a.size(), b.size());
    return std::equal(a.begin(), a.begin() + k, b.begin());
  };
  return {
      Always<W>("acked-writes-survive",
                [count](const W& w) {
                  for (NodeId n = 0; n < count; ++n) {
                    const Node& node = w.node(n);
                    if (!w.up(n) || node.primary != n) continue;
                    for (const auto& o : w.history) {
                      if (std::find(node.log.begin(), node.log.end(),
                                    o.value.value) == node.log.end()) {
                        return false;
                      }
                    }
                  }
                  return true;
                }),
      Always<W>("replica-order",
                [count, prefix](const W& w) {
                  for (NodeId a = 0; a < count; ++a) {
                    for (NodeId b = a + 1; b < count; ++b) {
                      if (!prefix(w.node(a).log, w.node(b).log)) return false;
                    }
                  }
                  return true;
                }),
      Sometimes<W>("write-acked-after-failover",
                   [](const W& w) {
                     return std::any_of(w.history.begin(), w.history.end(),
                                        [](const auto& o) { return o.node != 0; });
                   }),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_PRIMARY_BACKUP_H_
