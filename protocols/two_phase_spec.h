// TwoPhase: Gray & Lamport's TLA+ spec of two-phase commit ("Consensus on
// Transaction Commit", 2006; TwoPhase.tla in the TLA+ examples), written as a
// plain transition system rather than as message handlers.
//
// Variables: rmState (working | prepared | committed | aborted per resource
// manager), tmState (init | done), tmPrepared (the RMs the TM heard Prepared
// from) and msgs (the set of messages ever sent: Prepared(rm), Commit, Abort;
// messages are never removed, so loss and duplication need no modelling).
// Actions, as in the spec: TMRcvPrepared(rm), TMCommit, TMAbort, RMPrepare(rm),
// RMChooseToAbort(rm), RMRcvCommitMsg(rm), RMRcvAbortMsg(rm).
//
// With 3 RMs TLC finds 288 distinct states; the test suite pins that number
// as a cross-check of our explorer against TLC.
//
// Symmetry (harness/symmetry.h, `check --symmetry`): the RMs are
// interchangeable, as in the spec's TLC configuration (SYMMETRY over RM).
// The canonical state sorts the RMs by (rmState, in tmPrepared, Prepared
// sent), which describes an RM completely, so it is exact: one state per
// orbit (the test suite pins the reduced count against a brute-force count of
// orbits).
//
// Buggy variant kCommitEarly: the TM commits without waiting for every
// Prepared, which breaks TCConsistent (one RM commits while another aborts).
#ifndef FAULTLINE_PROTOCOLS_TWO_PHASE_SPEC_H_
#define FAULTLINE_PROTOCOLS_TWO_PHASE_SPEC_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/assert.h"
#include "harness/model.h"
#include "harness/stable_hash.h"
#include "harness/symmetry.h"

namespace faultline {

class TwoPhaseSpec {
 public:
  static constexpr int kRmsMax = 8;
  enum Rm : uint8_t { kWorking, kPrepared, kCommitted, kAborted };
  enum Kind : uint8_t {
    kTmRcvPrepared, kTmCommit, kTmAbort, kRmPrepare, kRmChooseToAbort,
    kRmRcvCommitMsg, kRmRcvAbortMsg,
  };
  struct State {
    std::array<Rm, kRmsMax> rm{};
    bool tm_done = false;
    uint8_t tm_prepared = 0;   // bit per RM
    uint8_t msg_prepared = 0;  // bit per RM: Prepared(rm) in msgs
    bool msg_commit = false;
    bool msg_abort = false;
    template <typename H>
    friend H AbslHashValue(H h, const State& s) {
      return H::combine(std::move(h), s.rm, s.tm_done, s.tm_prepared,
                        s.msg_prepared, s.msg_commit, s.msg_abort);
    }
  };
  struct Action {
    Kind kind;
    int rm = 0;
  };

  enum class Reduction { kNone, kSymmetry };

  TwoPhaseSpec(int rms, bool commit_early, Reduction reduction = Reduction::kNone)
      : rms_(rms), commit_early_(commit_early) {
    FL_CHECK(rms >= 1 && rms <= kRmsMax);
    SetUpSymmetry(reduction == Reduction::kSymmetry);
    properties_ = {
        Always<State>("TCConsistent", [this](const State& s) {
          bool committed = false, aborted = false;
          for (int r = 0; r < rms_; ++r) {
            committed |= s.rm[r] == kCommitted;
            aborted |= s.rm[r] == kAborted;
          }
          return !(committed && aborted);
        }),
        Sometimes<State>("all-committed", [this](const State& s) {
          for (int r = 0; r < rms_; ++r) {
            if (s.rm[r] != kCommitted) return false;
          }
          return true;
        }),
    };
  }
  TwoPhaseSpec(const TwoPhaseSpec&) = delete;  // properties point into it

  int InitCount() const { return 1; }
  State Init(int) const { return State{}; }

  void Actions(const State& s, std::vector<Action>& out) const {
    out.clear();
    const uint8_t all = static_cast<uint8_t>((1u << rms_) - 1);
    if (!s.tm_done && (commit_early_ || s.tm_prepared == all)) {
      out.push_back({kTmCommit});
    }
    if (!s.tm_done) out.push_back({kTmAbort});
    for (int r = 0; r < rms_; ++r) {
      if (!s.tm_done && ((s.msg_prepared >> r) & 1)) out.push_back({kTmRcvPrepared, r});
      if (s.rm[r] == kWorking) {
        out.push_back({kRmPrepare, r});
        out.push_back({kRmChooseToAbort, r});
      }
      if (s.msg_commit) out.push_back({kRmRcvCommitMsg, r});
      if (s.msg_abort) out.push_back({kRmRcvAbortMsg, r});
    }
  }

  void Step(State& s, const Action& a, std::string*) const {
    switch (a.kind) {
      case kTmRcvPrepared: s.tm_prepared |= uint8_t(1u << a.rm); return;
      case kTmCommit: s.tm_done = true; s.msg_commit = true; return;
      case kTmAbort: s.tm_done = true; s.msg_abort = true; return;
      case kRmPrepare:
        s.rm[a.rm] = kPrepared;
        s.msg_prepared |= uint8_t(1u << a.rm);
        return;
      case kRmChooseToAbort: s.rm[a.rm] = kAborted; return;
      case kRmRcvCommitMsg: s.rm[a.rm] = kCommitted; return;
      case kRmRcvAbortMsg: s.rm[a.rm] = kAborted; return;
    }
  }

  std::string Describe(const State&, const Action& a) const {
    static constexpr const char* kNames[] = {
        "TMRcvPrepared", "TMCommit", "TMAbort", "RMPrepare", "RMChooseToAbort",
        "RMRcvCommitMsg", "RMRcvAbortMsg"};
    const bool tm_only = a.kind == kTmCommit || a.kind == kTmAbort;
    return tm_only ? kNames[a.kind] : absl::StrCat(kNames[a.kind], "(rm", a.rm, ")");
  }

  std::string DescribeState(const State& s) const {
    static constexpr const char* kRmNames[] = {"working", "prepared", "committed",
                                               "aborted"};
    std::string out;
    for (int r = 0; r < rms_; ++r) {
      absl::StrAppend(&out, "  rm", r, ": ", kRmNames[s.rm[r]], "\n");
    }
    absl::StrAppend(&out, "  tm: ", s.tm_done ? "done" : "init",
                    " prepared=", s.tm_prepared, " msgs: prepared=",
                    s.msg_prepared, s.msg_commit ? " Commit" : "",
                    s.msg_abort ? " Abort" : "");
    return out;
  }

  uint64_t Digest(const State& s) const { return StableHash(s); }
  bool Dedupable() const { return true; }
  const std::vector<Property<State>>& properties() const { return properties_; }

  // Symmetry: see the top of this file.
  const SymmetryStatus& symmetry() const { return symmetry_; }
  uint64_t CanonicalDigest(const State& s) const {
    return symmetry_.active ? SymmetricDigest(s) : Digest(s);
  }
  uint64_t SymmetricDigest(const State& s) const {
    FL_CHECK(symmetry_.active);
    std::array<uint8_t, kRmsMax> rms{};
    for (int r = 0; r < rms_; ++r) {
      rms[r] = static_cast<uint8_t>(s.rm[r] * 4 + ((s.tm_prepared >> r) & 1) * 2 +
                                    ((s.msg_prepared >> r) & 1));
    }
    std::sort(rms.begin(), rms.begin() + rms_);
    State c = s;
    c.tm_prepared = c.msg_prepared = 0;
    for (int r = 0; r < rms_; ++r) {
      c.rm[r] = static_cast<Rm>(rms[r] / 4);
      c.tm_prepared |= static_cast<uint8_t>(((rms[r] >> 1) & 1) << r);
      c.msg_prepared |= static_cast<uint8_t>((rms[r] & 1) << r);
    }
    return Digest(c);
  }
  // RM r becomes RM p(r).
  State Permute(const State& s, const NodePermutation& p) const {
    FL_CHECK(p.size() == rms_);
    State out = s;
    for (int r = 0; r < rms_; ++r) out.rm[p(r)] = s.rm[r];
    out.tm_prepared = static_cast<uint8_t>(p.Mask(s.tm_prepared));
    out.msg_prepared = static_cast<uint8_t>(p.Mask(s.msg_prepared));
    return out;
  }

 private:
  void SetUpSymmetry(bool requested) {
    symmetry_.requested = requested;
    if (!requested) return;
    if (rms_ < 2) {
      symmetry_.note = "off: no two nodes are interchangeable here";
      return;
    }
    symmetry_.active = true;
    symmetry_.classes.emplace_back();
    std::vector<std::string> names;
    for (int r = 0; r < rms_; ++r) {
      symmetry_.classes[0].push_back(r);
      names.push_back(absl::StrCat("rm", r));
    }
    symmetry_.note = absl::StrCat("on: ", DescribeClasses(symmetry_.classes, names),
                                  " (", GroupOrder(symmetry_.classes),
                                  " permutations)");
  }

  int rms_;
  bool commit_early_;
  std::vector<Property<State>> properties_;
  SymmetryStatus symmetry_;
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_TWO_PHASE_SPEC_H_
