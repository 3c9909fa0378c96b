// PBFT, normal case and view change, for one request slot (Castro & Liskov,
// "Practical Byzantine Fault Tolerance", OSDI 1999; lecture notes 004: "PBFT,
// Byzantine fault tolerant consensus with at least 3f+1 nodes with f
// traitors").
//
// n = 3f+1 replicas; the primary of view v is replica v mod n. Normal case:
// the primary assigns its client's request to the slot and sends
// PrePrepare(v, d); a backup that accepts it sends Prepare(v, d) to all. A
// replica is prepared once it has the pre-prepare and 2f matching prepares
// from distinct backups (a certificate); it then sends Commit(v, d) and
// commits d once it has 2f+1 matching commits. View change: a replica moves
// to view v+1 and sends the new primary ViewChange(v+1, its highest
// certificate). With 2f+1 view changes the new primary sends NewView(v+1, d,
// the view changes), where d is the value of the highest certificate among
// them, or its own client's request if there is none; replicas check that d
// follows from the view changes and prepare it. Any two quorums of 2f+1 out
// of 3f+1 share a loyal replica, which gives:
//   agreement  no two loyal replicas commit different requests.
// (Validity, that a committed request was issued, holds by construction
// here: both requests are issued and a replica accepts no other value.)
//
// System model: PBFT is safe under asynchrony; to keep exhaustive search
// small this model runs it in lock-step phases (TimerModel::kRounds): round
// 4v is the pre-prepare (or new-view) of view v, 4v+1 its prepares, 4v+2 its
// commits, 4v+3 the view changes to view v+1. Within a phase messages arrive
// in any order; a replica acts on what it collected when the phase ends
// (except the new primary, which sends NewView as soon as it holds a quorum
// of view changes, as PBFT does); a traitor (harness/byzantine.h) sends what
// it likes (eager adversary: WorldOptions::eager). At the
// end of every view but the last, every replica moves to the next view (as if
// its request timer expired), so each run exercises a view change after a
// possibly partial commit. Links are reliable and authenticated; every
// replica message is signed (WorldOptions::signatures): a
// certificate or view change a traitor passes on must carry signatures it
// saw. Mutations: the other request; a view change hiding or flipping its
// certificate. Simplifications: one slot (no sequence numbers, watermarks or
// checkpoints), view changes go to the new primary only, both clients'
// requests (1 and 2) are known to every replica from the start (a primary
// free to choose proposes 1 if its id is even, else 2), and timing is
// lock-step as said.
//
// Buggy variant:
//   kQuorum2f  prepared, committed and new-view quorums of 2f instead of 2f+1:
//              two quorums may share only the traitor.
#ifndef FAULTLINE_PROTOCOLS_PBFT_H_
#define FAULTLINE_PROTOCOLS_PBFT_H_

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/byzantine.h"
#include "harness/world.h"
#include "properties/history.h"

namespace faultline {

struct Pbft {
  enum class Bug { kNone, kQuorum2f };
  enum Kind : int8_t { kPrePrepare, kPrepare, kCommit, kViewChange, kNewView };
  static constexpr int kReplicas = 4;  // 3f+1 with f = 1
  static constexpr int kF = 1;

  // A prepared certificate: the pre-prepare of `view` and the prepares of the
  // backups in `cert`, all for `value`. view -1: none.
  struct Claim {
    int8_t view = -1;
    int8_t value = 0;
    uint8_t cert = 0;
    auto operator<=>(const Claim&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Claim& c) {
      return H::combine(std::move(h), c.view, c.value, c.cert);
    }
    std::string ToString() const {
      return view < 0 ? "none" : absl::StrCat(value, "@v", view);
    }
  };
  struct Msg {
    Kind kind;
    int8_t view;
    int8_t value = 0;   // the request (PrePrepare, Prepare, Commit, NewView)
    int8_t signer = 0;  // who signed it
    Claim claim;        // ViewChange: the sender's highest certificate
    uint8_t vcs = 0;    // NewView: the view changes it carries
    std::array<Claim, kReplicas> proof{};  // NewView: their certificates
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) {
      return H::combine(std::move(h), m.kind, m.view, m.value, m.signer,
                        m.claim, m.vcs, m.proof);
    }
    std::string ToString() const;
  };
  struct Committed {
    int8_t value;
    auto operator<=>(const Committed&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Committed& c) {
      return H::combine(std::move(h), c.value);
    }
    std::string ToString() const { return absl::StrCat("commit(", value, ")"); }
  };
  struct Node {
    int8_t view = 0;
    bool changing = false;  // sent a view change, no new view yet
    int8_t request = 0;     // the client request this replica received
    int8_t pre_prepared = 0;
    std::array<uint8_t, 4> prepares{};  // per value: replicas that prepared
    std::array<uint8_t, 4> commits{};
    bool sent_commit = false;
    Claim prepared;  // highest certificate
    int8_t committed = 0;
    int8_t next = 0;  // a valid new view that came before this replica moved
    uint8_t vcs = 0;  // new primary: view changes received for `view`
    std::array<Claim, kReplicas> vc_claims{};
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.view, n.changing, n.request,
                        n.pre_prepared, n.prepares, n.commits, n.sent_commit,
                        n.prepared, n.committed, n.next, n.vcs, n.vc_claims);
    }
    std::string ToString() const {
      return absl::StrCat("view=", view, changing ? " changing" : "",
                          " pp=", pre_prepared, " prepared=",
                          prepared.ToString(), " committed=", committed);
    }
  };
  using Op = int;
  using Obs = Committed;
  using O = Out<Pbft>;

  int views = 2;
  Bug bug = Bug::kNone;

  int NodeCount() const { return kReplicas; }
  std::string NodeName(NodeId n) const { return absl::StrCat("r", n); }
  Node Init(NodeId) const { return {}; }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }
  int Quorum() const { return bug == Bug::kQuorum2f ? 2 * kF : 2 * kF + 1; }
  static NodeId Primary(int view) { return view % kReplicas; }
  // Two clients ask for requests 1 and 2 and send them to every replica (as
  // PBFT clients do when they retransmit); a primary free to choose proposes
  // request 1 if its id is even and 2 if odd, so views 0 and 1 differ.
  static int8_t ClientRequestOf(NodeId n) { return static_cast<int8_t>(n % 2 + 1); }
  int RoundsTotal() const { return 4 * views - 1; }

  void OnStart(Node& n, O& out) const {
    n.request = ClientRequestOf(out.self());
    if (out.self() == Primary(0)) {
      n.pre_prepared = n.request;
      out.Broadcast(Make(kPrePrepare, 0, n.request, out.self()));
    }
    out.SetTimer(0);
  }
  void OnRequest(Node&, const Op&, O&) const {}
  void OnTimer(Node& n, TimerId round, O& out) const;
  void OnMessage(Node& n, NodeId from, const Msg& m, O& out) const;
  void OnRecover(Node&, O&) const {}

  std::vector<Msg> Mutations(const Msg& m) const;
  std::vector<Signature> Signatures(const Msg& m) const;
  std::vector<Property<World<Pbft>>> Properties() const;

 private:
  static Msg Make(Kind kind, int view, int8_t value, NodeId signer) {
    Msg m{};
    m.kind = kind;
    m.view = static_cast<int8_t>(view);
    m.value = value;
    m.signer = static_cast<int8_t>(signer);
    return m;
  }
  static uint64_t Content(Kind kind, int view, int value, const Claim& c) {
    return (uint64_t(kind) << 40) | (uint64_t(uint8_t(view)) << 32) |
           (uint64_t(uint8_t(value)) << 24) | (uint64_t(uint8_t(c.view)) << 16) |
           (uint64_t(uint8_t(c.value)) << 8) | c.cert;
  }
  // The two clients' requests; both are known to every replica.
  static bool ValidValue(int v) { return v == 1 || v == 2; }
  static void CertSignatures(const Claim& c, std::vector<Signature>& out);
  bool ValidClaim(const Claim& c, int view) const;
  int8_t Choose(uint8_t vcs, const std::array<Claim, kReplicas>& claims) const;
  bool ValidNewView(const Msg& m) const;
  void EndPrepare(Node& n, O& out) const;
  void EndCommit(Node& n, O& out) const;
  void SendNewView(Node& n, O& out) const;
  void OnViewChange(Node& n, NodeId from, const Msg& m, O& out) const;
};

inline std::string Pbft::Msg::ToString() const {
  switch (kind) {
    case kPrePrepare: return absl::StrCat("PrePrepare(v", view, ", ", value, ")");
    case kPrepare: return absl::StrCat("Prepare(v", view, ", ", value, ")");
    case kCommit: return absl::StrCat("Commit(v", view, ", ", value, ")");
    case kViewChange:
      return absl::StrCat("ViewChange(v", view, ", ", claim.ToString(), ")");
    case kNewView:
      return absl::StrCat("NewView(v", view, ", ", value, ", from ",
                          std::popcount(vcs), " view changes)");
  }
  return "?";
}

// The signatures a certificate stands on: the primary's pre-prepare and the
// backups' prepares.
inline void Pbft::CertSignatures(const Claim& c, std::vector<Signature>& out) {
  if (c.view < 0) return;
  out.push_back({Primary(c.view), Content(kPrePrepare, c.view, c.value, Claim())});
  for (NodeId s = 0; s < kReplicas; ++s) {
    if ((c.cert >> s) & 1) out.push_back({s, Content(kPrepare, c.view, c.value, Claim())});
  }
}

inline std::vector<Signature> Pbft::Signatures(const Msg& m) const {
  std::vector<Signature> out{{m.signer, Content(m.kind, m.view, m.value, m.claim)}};
  CertSignatures(m.claim, out);
  for (NodeId s = 0; s < kReplicas; ++s) {
    if (((m.vcs >> s) & 1) == 0) continue;
    out.push_back({s, Content(kViewChange, m.view, 0, m.proof[s])});
    CertSignatures(m.proof[s], out);
  }
  return out;
}

inline std::vector<Pbft::Msg> Pbft::Mutations(const Msg& m) const {
  Msg other = m;
  if (m.kind != kViewChange) {
    other.value = static_cast<int8_t>(3 - m.value);
    return {other};
  }
  if (m.claim.view < 0) return {};
  Msg hidden = m;
  hidden.claim = Claim{};
  other.claim.value = static_cast<int8_t>(3 - m.claim.value);
  return {hidden, other};
}

inline bool Pbft::ValidClaim(const Claim& c, int view) const {
  if (c.view < 0) return c == Claim{};
  const uint8_t backups = c.cert & ~(uint8_t{1} << Primary(c.view));
  return c.view < view && ValidValue(c.value) &&
         backups == c.cert && std::popcount(c.cert) >= Quorum() - 1;
}

// The value a new primary must propose: the highest certificate's, or 0 (its
// own choice) when no view change carries one.
inline int8_t Pbft::Choose(uint8_t vcs,
                           const std::array<Claim, kReplicas>& claims) const {
  Claim best;
  for (NodeId s = 0; s < kReplicas; ++s) {
    if (((vcs >> s) & 1) && claims[s].view > best.view) best = claims[s];
  }
  return best.view < 0 ? 0 : best.value;
}

inline bool Pbft::ValidNewView(const Msg& m) const {
  if (std::popcount(m.vcs) < Quorum()) return false;
  for (NodeId s = 0; s < kReplicas; ++s) {
    if (((m.vcs >> s) & 1) == 0) continue;
    if (!ValidClaim(m.proof[s], m.view)) return false;
  }
  const int8_t forced = Choose(m.vcs, m.proof);
  return forced == 0 ? ValidValue(m.value) : m.value == forced;
}

inline void Pbft::OnTimer(Node& n, TimerId round, O& out) const {
  FL_CHECK(round < RoundsTotal());
  if (round + 1 < RoundsTotal()) out.SetTimer(round + 1);
  switch (round % 4) {
    case 0:  // pre-prepare phase over: a backup prepares what it accepted
      if (n.pre_prepared == 0 || Primary(n.view) == out.self()) return;
      n.prepares[n.pre_prepared] |= uint8_t{1} << out.self();
      return out.Broadcast(Make(kPrepare, n.view, n.pre_prepared, out.self()));
    case 1: return EndPrepare(n, out);
    case 2: return EndCommit(n, out);
    default: return;  // the view-change phase: the new view is sent on receipt
  }
}

inline void Pbft::EndPrepare(Node& n, O& out) const {
  const int8_t d = n.pre_prepared;
  const uint8_t backups = n.prepares[d] & ~(uint8_t{1} << Primary(n.view));
  n.prepares = {};  // spent: forgetting keeps equal outcomes one state
  if (d == 0) return;
  if (std::popcount(backups) < Quorum() - 1) return;
  n.sent_commit = true;
  n.prepared = {n.view, d, backups};
  n.commits[d] |= uint8_t{1} << out.self();
  out.Broadcast(Make(kCommit, n.view, d, out.self()));
}

// Commits if it can, then moves to the next view (if any is left).
inline void Pbft::EndCommit(Node& n, O& out) const {
  const int8_t d = n.pre_prepared;
  if (n.sent_commit && n.committed == 0 &&
      std::popcount(n.commits[d]) >= Quorum()) {
    n.committed = d;
    out.Observe({d});
  }
  n.commits = {};
  if (n.view + 1 >= views) return;
  n.view = static_cast<int8_t>(n.view + 1);
  n.changing = true;
  n.pre_prepared = 0;
  n.prepares = {};
  n.commits = {};
  n.sent_commit = false;
  if (n.next != 0) {  // the new view arrived before this replica moved
    n.changing = false;
    n.pre_prepared = n.next;
    n.next = 0;
  }
  Msg vc = Make(kViewChange, n.view, 0, out.self());
  vc.claim = n.prepared;
  if (Primary(n.view) != out.self()) return out.Send(Primary(n.view), vc);
  OnViewChange(n, out.self(), vc, out);
}

// The new primary proposes what the view changes force, or else its request,
// as soon as it has a quorum of them (PBFT does not wait for more).
inline void Pbft::SendNewView(Node& n, O& out) const {
  if (Primary(n.view) != out.self() || !n.changing) return;
  if (std::popcount(n.vcs) < Quorum()) return;
  const int8_t forced = Choose(n.vcs, n.vc_claims);
  const int8_t value = forced != 0 ? forced : n.request;
  Msg nv = Make(kNewView, n.view, value, out.self());
  nv.vcs = n.vcs;
  for (NodeId s = 0; s < kReplicas; ++s) {
    if ((n.vcs >> s) & 1) nv.proof[s] = n.vc_claims[s];
  }
  n.changing = false;
  n.pre_prepared = value;
  n.vcs = 0;
  n.vc_claims = {};
  out.Broadcast(nv);
}

inline void Pbft::OnMessage(Node& n, NodeId from, const Msg& m, O& out) const {
  if (m.signer != from) return;  // authenticated links
  if (m.kind == kViewChange) return OnViewChange(n, from, m, out);
  if (!ValidValue(m.value)) return;
  if (m.kind == kNewView && m.view == n.view + 1 && !n.changing) {
    // Early: this replica still finishes the old view; keep it for then.
    if (from == Primary(m.view) && m.view < views && ValidNewView(m)) {
      n.next = m.value;
    }
    return;
  }
  if (m.view != n.view) return;
  switch (m.kind) {
    case kNewView:
      if (from != Primary(m.view) || !n.changing || !ValidNewView(m)) return;
      n.changing = false;
      n.pre_prepared = m.value;
      return;
    case kPrePrepare:
      if (from != Primary(m.view) || n.changing || n.pre_prepared != 0) return;
      n.pre_prepared = m.value;
      return;
    case kPrepare:
      if (from != Primary(m.view)) n.prepares[m.value] |= uint8_t{1} << from;
      return;
    case kCommit:
      n.commits[m.value] |= uint8_t{1} << from;
      return;
    default:
      return;
  }
}

// The new primary collects view changes for its view; they may arrive while
// it still finishes the old view.
inline void Pbft::OnViewChange(Node& n, NodeId from, const Msg& m,
                               O& out) const {
  if (Primary(m.view) != out.self() || m.view >= views) return;
  if (m.view != n.view + (n.changing ? 0 : 1)) return;
  if (!ValidClaim(m.claim, m.view)) return;
  n.vcs |= uint8_t{1} << from;
  n.vc_claims[from] = m.claim;
  if (n.changing) SendNewView(n, out);
}

inline std::vector<Property<World<Pbft>>> Pbft::Properties() const {
  return {
      ObservationsAgree<Pbft>("agreement"),
      SometimesObserved<Pbft>("committed", 1),
  };
}

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_PBFT_H_
