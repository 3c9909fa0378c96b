// Executor: the one stepping path. It holds a model's current state and the
// decision tape that led to it, and applies one choice at a time.
//
// Snapshots hide how a state is kept. For copyable states a snapshot is a
// copy. For opaque states (nodes that cannot be copied, e.g. a C library
// behind an adapter) a snapshot is the tape, and Restore() re-executes it
// from the initial state: stateless search, at O(depth) cost per restore.
//
//   Executor<M> ex(model);
//   ex.Reset(0);
//   m.Actions(ex.state(), actions);
//   ex.Apply(2, actions[2]);     // choice 2 of the enabled actions
#ifndef FAULTLINE_HARNESS_EXECUTOR_H_
#define FAULTLINE_HARNESS_EXECUTOR_H_

#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/assert.h"
#include "harness/model.h"
#include "harness/stable_hash.h"

namespace faultline {

// The decision tape: which initial state, then which enabled action (by its
// index in Actions() order) at every step.
struct Tape {
  int init = 0;
  std::vector<uint32_t> choices;
  bool operator==(const Tape&) const = default;
};

// Optional model hook: a fingerprint that is equal for states the model
// declares equivalent (symmetry reduction, harness/symmetry.h). The visited
// set keys on it; traces keep recording the plain Digest.
template <typename M>
concept HasCanonicalDigest = requires(const M& m, const typename M::State& s) {
  { m.CanonicalDigest(s) } -> std::convertible_to<uint64_t>;
};

template <Model M>
class Executor {
 public:
  using State = typename M::State;
  using Action = typename M::Action;
  static constexpr bool kCopyable = std::copyable<State>;
  using Snapshot = std::conditional_t<kCopyable, State, Tape>;

  explicit Executor(const M& model) : model_(model), state_(model.Init(0)) {}

  const M& model() const { return model_; }
  const State& state() const { return state_; }
  // Valid after Reset and Apply; not kept across Restore of a copied or
  // packed snapshot (searches that restore copies keep paths themselves).
  const Tape& tape() const {
    FL_CHECK(tape_valid_);
    return tape_;
  }

  void Reset(int init) {
    FL_CHECK(init >= 0 && init < model_.InitCount());
    state_ = model_.Init(init);
    tape_ = Tape{init, {}};
    tape_valid_ = true;
  }

  void Actions(std::vector<Action>& out) const { model_.Actions(state_, out); }

  // Applies `action`, which must be entry `choice` of Actions() here.
  void Apply(uint32_t choice, const Action& action,
             std::string* narration = nullptr) {
    model_.Step(state_, action, narration);
    tape_.choices.push_back(choice);
  }

  uint64_t Digest() const { return model_.Digest(state_); }

  // Whether `action` leads to a state of this one's fingerprint, known
  // without applying it (ActorModel::Stutters: a pruned stale message).
  bool Stutters(const Action& action) const {
    if constexpr (requires { model_.Stutters(state_, action); }) {
      return model_.Stutters(state_, action);
    } else {
      return false;
    }
  }

  // Identifies the state for the visited set: the model's canonical digest
  // if it has one (equal for symmetric states), else the digest. Without a
  // trustworthy digest (opaque nodes without Fingerprint()) the path is
  // hashed in, so search becomes a tree search bounded by depth: sound,
  // never over-pruned.
  uint64_t Fingerprint() const {
    if constexpr (HasCanonicalDigest<M>) {
      if (model_.Dedupable()) return model_.CanonicalDigest(state_);
    }
    if (model_.Dedupable()) return Digest();
    FL_CHECK(tape_valid_);
    return HashPair(Digest(), StableHash(tape_.choices));
  }

  // Moves the current state out; the executor must be Reset or Restored next.
  Snapshot Take() {
    if constexpr (kCopyable) {
      return std::move(state_);
    } else {
      return tape_;
    }
  }

  // Overwrites the state in place with fill(state) (a packed snapshot,
  // harness/packed_world.h); like Restore of a copy, the tape is not kept.
  template <typename Fill>
  void RestoreWith(const Fill& fill) {
    fill(state_);
    ForgetTape();
  }

  void Restore(const Snapshot& snapshot) {
    if constexpr (kCopyable) {
      state_ = snapshot;
      ForgetTape();
    } else {
      Reset(snapshot.init);
      for (uint32_t choice : snapshot.choices) {
        model_.Actions(state_, scratch_);
        FL_CHECK(choice < scratch_.size());
        Apply(choice, scratch_[choice]);
      }
    }
  }

 private:
  // After a restored copy the tape no longer leads to the state. Cleared,
  // not kept growing: a search restores before every transition, and the
  // choices of a whole search took 4 bytes per transition (Raft under DFS:
  // 46 resident bytes per state, 16 without them).
  void ForgetTape() {
    tape_.choices.clear();
    tape_valid_ = false;
  }

  const M& model_;
  State state_;
  Tape tape_;
  bool tape_valid_ = true;
  std::vector<Action> scratch_;
};

// Checks a model's properties on states, remembering which `Sometimes` were
// reached.
template <typename State>
class PropertyTracker {
 public:
  // `off`: bit i set means Always property i is not checked (--properties).
  explicit PropertyTracker(const std::vector<Property<State>>& properties,
                           uint64_t off = 0)
      : properties_(properties), reached_(properties.size(), false), off_(off) {}

  // Index of the first `Always` property violated in `s`, or -1.
  int Check(const State& s) {
    uint64_t holding = 0;
    const int violated = Evaluate(s, &holding);
    Mark(holding);
    return violated;
  }

  // Check() without marking, for worker threads: the first Always violated
  // in s (or -1), and in `holding` (bit i for property i) the Sometimes not
  // yet reached that hold in s, as far as Check() would look.
  int Evaluate(const State& s, uint64_t* holding) const {
    FL_CHECK(properties_.size() <= 64);
    *holding = 0;
    for (size_t i = 0; i < properties_.size(); ++i) {
      const Property<State>& p = properties_[i];
      if (p.kind == PropertyKind::kAlways) {
        if ((off_ >> i & 1) == 0 && !p.holds(s)) return static_cast<int>(i);
      } else if (p.kind == PropertyKind::kSometimes && !reached_[i] &&
                 p.holds(s)) {
        *holding |= uint64_t{1} << i;
      }
    }
    return -1;
  }
  // Marks the Sometimes in `holding` reached.
  void Mark(uint64_t holding) {
    for (size_t i = 0; i < properties_.size() && holding != 0; ++i, holding >>= 1) {
      if ((holding & 1) != 0) reached_[i] = true;
    }
  }

  const std::vector<bool>& reached() const { return reached_; }

 private:
  const std::vector<Property<State>>& properties_;
  std::vector<bool> reached_;
  uint64_t off_;
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_EXECUTOR_H_
