// Symmetry reduction: node ids that a protocol declares interchangeable.
//
// A protocol whose behaviour does not depend on which of some nodes is which
// (Paxos's acceptors, 2PC's participants, Raft's servers) declares them as a
// class. Permuting the ids within a class maps every reachable state to a
// reachable state with the same verdict, so exhaustive search needs to visit
// one state per orbit: the visited set keys on a canonical fingerprint, the
// same for every state of an orbit. Traces still record each step's plain
// digest, so counterexamples replay unchanged.
//
// Canonical form (exact): every node gets a key that no permutation changes
// (its own state's id-free part, whether it is up, its timers, the messages
// it sends and receives, its observations). Within each class the nodes are
// ordered by key; the canonical fingerprint is the minimum plain digest over
// every permutation that produces that order, trying all orders of equal
// keys. The set of such permuted states is the same for every state of an
// orbit, so f(s) = f(t) exactly when s and t are symmetric (up to 64-bit
// hash collisions, as for plain fingerprints). Cost: one world copy and hash
// per candidate permutation, at most k! for a class of k equal-keyed nodes.
//
//   NodePermutation p(5);
//   p.Set(2, 3); p.Set(3, 2);  // swap nodes 2 and 3
//   uint64_t mask = p.Mask(0b0100);  // == 0b1000
#ifndef FAULTLINE_HARNESS_SYMMETRY_H_
#define FAULTLINE_HARNESS_SYMMETRY_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/assert.h"
#include "harness/model.h"

namespace faultline {

using NodeId = int32_t;

// Node ids that are interchangeable, one class per vector. A node is in at
// most one class; nodes in none are fixed by every permutation.
using SymmetryClasses = std::vector<std::vector<NodeId>>;

inline constexpr int kSymmetryNodesMax = 64;
inline constexpr int kSymmetryClassMax = 8;  // 8! = 40320 permutations

// A permutation of node ids: node n becomes (*this)(n).
class NodePermutation {
 public:
  explicit NodePermutation(int node_count) : size_(node_count) {
    FL_CHECK(node_count >= 1 && node_count <= kSymmetryNodesMax);
    for (int n = 0; n < kSymmetryNodesMax; ++n) to_[n] = static_cast<uint8_t>(n);
  }

  int size() const { return size_; }
  NodeId operator()(NodeId n) const {
    FL_CHECK(n >= 0 && n < size_);
    return to_[n];
  }
  void Set(NodeId from, NodeId to) {
    FL_CHECK(from >= 0 && from < size_);
    FL_CHECK(to >= 0 && to < size_);
    to_[from] = static_cast<uint8_t>(to);
  }
  // The node that becomes m.
  NodeId Inverse(NodeId m) const {
    for (int n = 0; n < size_; ++n) {
      if (to_[n] == m) return n;
    }
    FL_CHECK(false);
    return -1;
  }
  bool IsIdentity() const {
    for (int n = 0; n < size_; ++n) {
      if (to_[n] != n) return false;
    }
    return true;
  }
  // A node id stored in protocol state, where a negative value means none.
  template <typename Int>
  Int Id(Int id) const {
    return id < 0 ? id : static_cast<Int>((*this)(static_cast<NodeId>(id)));
  }
  // A set of nodes as bits: bit i stands for node i + offset.
  uint64_t Mask(uint64_t mask, int offset = 0) const {
    uint64_t out = 0;
    for (; mask != 0; mask &= mask - 1) {
      const int bit = __builtin_ctzll(mask);
      const int to = (*this)(bit + offset) - offset;
      FL_CHECK(to >= 0 && to < 64);
      out |= uint64_t{1} << to;
    }
    return out;
  }
  // An array indexed by node id (minus offset): entry i moves to the
  // entry of node (*this)(i + offset).
  template <typename T, size_t N>
  void Slots(std::array<T, N>& slots, int offset = 0) const {
    const std::array<T, N> old = slots;
    for (int i = 0; i < static_cast<int>(N) && i + offset < size_; ++i) {
      const int to = (*this)(i + offset) - offset;
      FL_CHECK(to >= 0 && to < static_cast<int>(N));
      slots[to] = old[i];
    }
  }

 private:
  int size_;
  std::array<uint8_t, kSymmetryNodesMax> to_;
};

// Checks a declaration: ids in range, each in one class, classes sorted and
// no larger than kSymmetryClassMax. Classes of one node are dropped.
inline SymmetryClasses NormalizeClasses(SymmetryClasses classes, int node_count) {
  std::vector<bool> seen(node_count, false);
  SymmetryClasses out;
  for (std::vector<NodeId>& c : classes) {
    std::sort(c.begin(), c.end());
    for (NodeId n : c) {
      FL_CHECK(n >= 0 && n < node_count);
      FL_CHECK(!seen[n]);
      seen[n] = true;
    }
    FL_CHECK(c.size() <= kSymmetryClassMax);
    if (c.size() >= 2) out.push_back(std::move(c));
  }
  return out;
}

// Splits every class so that nodes with different labels (e.g. the client
// requests addressed to them) are no longer interchangeable.
inline SymmetryClasses RefineClasses(const SymmetryClasses& classes,
                                     const std::vector<std::string>& label) {
  SymmetryClasses out;
  for (const std::vector<NodeId>& c : classes) {
    std::vector<NodeId> rest = c;
    while (!rest.empty()) {
      std::vector<NodeId> same, other;
      for (NodeId n : rest) {
        (label[n] == label[rest[0]] ? same : other).push_back(n);
      }
      out.push_back(std::move(same));
      rest = std::move(other);
    }
  }
  return NormalizeClasses(std::move(out), static_cast<int>(label.size()));
}

// The number of permutations the classes generate (the group's order).
inline int64_t GroupOrder(const SymmetryClasses& classes) {
  int64_t order = 1;
  for (const auto& c : classes) {
    for (size_t k = 2; k <= c.size(); ++k) order *= static_cast<int64_t>(k);
  }
  return order;
}

inline std::string DescribeClasses(const SymmetryClasses& classes,
                                   const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const auto& c : classes) {
    std::vector<std::string> members;
    for (NodeId n : c) members.push_back(names[n]);
    parts.push_back(absl::StrCat("{", absl::StrJoin(members, ","), "}"));
  }
  return absl::StrJoin(parts, " ");
}

// What --symmetry did for one check: on (with the classes), or off and why.
struct SymmetryStatus : ReductionStatus {
  SymmetryClasses classes;
};

namespace internal {

// Enumerates, class by class and tie block by tie block, every order of the
// members whose keys are equal; calls visit() with each complete permutation.
// Fixed arrays, no allocation: this runs once per successor under symmetry.
class SortingPermutations {
 public:
  SortingPermutations(const SymmetryClasses& classes,
                      std::span<const uint64_t> keys, int node_count)
      : perm_(node_count) {
    for (const auto& c : classes) {
      const int first = used_;
      for (NodeId n : c) members_[used_++] = static_cast<uint8_t>(n);
      std::sort(members_.begin() + first, members_.begin() + used_,
                [&](uint8_t a, uint8_t b) {
                  return std::pair(keys[a], a) < std::pair(keys[b], b);
                });
      for (int i = first; i < used_;) {
        int j = i + 1;
        while (j < used_ && keys[members_[j]] == keys[members_[i]]) ++j;
        // Block [i, j) of this class's order goes to ids c[i - first ..).
        for (int k = i; k < j; ++k) targets_[k] = static_cast<uint8_t>(c[k - first]);
        FL_CHECK(block_count_ < kSymmetryNodesMax);
        blocks_[block_count_++] = {static_cast<uint8_t>(i), static_cast<uint8_t>(j)};
        i = j;
      }
    }
  }

  template <typename Visit>
  void Run(Visit& visit) { Recurse(0, visit); }

 private:
  struct Block {
    uint8_t begin, end;  // in members_ (permuted in place) and targets_
  };

  template <typename Visit>
  void Recurse(int b, Visit& visit) {
    if (b == block_count_) {
      visit(static_cast<const NodePermutation&>(perm_));
      return;
    }
    const Block block = blocks_[b];
    uint8_t* first = members_.data() + block.begin;
    uint8_t* last = members_.data() + block.end;
    std::sort(first, last);
    do {
      for (int i = block.begin; i < block.end; ++i) perm_.Set(members_[i], targets_[i]);
      Recurse(b + 1, visit);
    } while (std::next_permutation(first, last));
  }

  NodePermutation perm_;
  std::array<uint8_t, kSymmetryNodesMax> members_{};  // class by class
  std::array<uint8_t, kSymmetryNodesMax> targets_{};  // the ids they take
  std::array<Block, kSymmetryNodesMax> blocks_{};
  int used_ = 0;
  int block_count_ = 0;
};

}  // namespace internal

// Calls visit(const NodePermutation&) for every permutation that maps each
// class's members, ordered by `keys` (one per node), onto the class's ids in
// increasing order; equal keys are tried in every order. With all keys equal
// this is every permutation of the group.
template <typename Visit>
void ForEachSortingPermutation(const SymmetryClasses& classes,
                               std::span<const uint64_t> keys, int node_count,
                               Visit visit) {
  FL_CHECK(static_cast<int>(keys.size()) == node_count);
  internal::SortingPermutations(classes, keys, node_count).Run(visit);
}

// Every permutation of the group the classes generate.
template <typename Visit>
void ForEachPermutation(const SymmetryClasses& classes, int node_count,
                        Visit visit) {
  const std::vector<uint64_t> keys(node_count, 0);
  ForEachSortingPermutation(classes, keys, node_count, std::move(visit));
}

// Restricted-growth form of a partition's block labels (first block seen is
// 0, the next new one 1, ...), so relabelled partitions compare equal.
inline void NormalizeBlocks(std::vector<uint8_t>& group) {
  std::array<int, 256> relabel;
  relabel.fill(-1);
  int next = 0;
  for (uint8_t& g : group) {
    if (relabel[g] < 0) relabel[g] = next++;
    g = static_cast<uint8_t>(relabel[g]);
  }
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_SYMMETRY_H_
