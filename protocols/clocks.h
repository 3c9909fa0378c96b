// Logical clocks as reusable pieces: Lamport clocks (Lamport, "Time, Clocks,
// and the Ordering of Events in a Distributed System", CACM 1978) and vector
// clocks (Fidge 1988; Mattern 1989); lecture notes 002 ("Lamport clocks
// Algorithm", "Vector Clocks") and 004 ("Logical time").
//
// A protocol keeps one clock per node and calls Tick() before a local or send
// event, attaches the clock to a message, and calls Receive() / Merge() when
// one arrives. The laws, which protocols/lamport_clock.h and vector_clock.h
// check against the world's ground-truth happens-before:
//   a -> b  implies  L(a) < L(b)          (the converse fails: concurrency)
//   a -> b  iff      Before(V(a), V(b))   (V < W: componentwise <=, V != W)
//
//   LamportClock c;
//   const uint32_t stamp = c.Tick();   // send stamp with the message
//   c.Receive(remote_stamp);           // t = max(t, remote) + 1
//
//   VectorTimestamp v(node_count);
//   v.Tick(self);                      // before a local or send event
//   v.Merge(remote); v.Tick(self);     // a receive event
//   if (Before(a, b)) ...              // a happened before b
//
// Cost: a Lamport clock is one integer per node and message; a vector clock
// is node_count integers per node and per message (and no smaller exact
// encoding of causality exists, Charron-Bost 1991).
#ifndef FAULTLINE_PROTOCOLS_CLOCKS_H_
#define FAULTLINE_PROTOCOLS_CLOCKS_H_

#include <algorithm>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/assert.h"

namespace faultline {

class LamportClock {
 public:
  uint32_t time() const { return time_; }

  // A local or send event: t = t + 1. Returns the event's timestamp.
  uint32_t Tick() {
    FL_CHECK(time_ < UINT32_MAX);
    return ++time_;
  }
  // A receive event of a message stamped `sent`: t = max(t, sent) + 1.
  uint32_t Receive(uint32_t sent) {
    time_ = std::max(time_, sent);
    return Tick();
  }

  auto operator<=>(const LamportClock&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const LamportClock& c) {
    return H::combine(std::move(h), c.time_);
  }
  std::string ToString() const { return absl::StrCat("L=", time_); }

 private:
  uint32_t time_ = 0;
};

class VectorTimestamp {
 public:
  VectorTimestamp() = default;
  explicit VectorTimestamp(int node_count) : entries_(node_count, 0) {
    FL_CHECK(node_count >= 1);
  }

  int size() const { return static_cast<int>(entries_.size()); }
  uint32_t operator[](int node) const { return entries_.at(node); }

  // An event at `self`: V[self] = V[self] + 1.
  void Tick(int self) {
    FL_CHECK(self >= 0 && self < size());
    ++entries_[self];
  }
  // Element-wise maximum with a received timestamp.
  void Merge(const VectorTimestamp& other) {
    FL_CHECK(other.size() == size());
    for (int i = 0; i < size(); ++i) {
      entries_[i] = std::max(entries_[i], other.entries_[i]);
    }
  }

  // Causal order: a < b iff a[i] <= b[i] for every i and a != b. This, not
  // operator<, is the vector clock order: the defaulted <=> below is
  // lexicographic (it makes timestamps usable as state), and mistaking it for
  // the causal order orders concurrent events.
  friend bool Before(const VectorTimestamp& a, const VectorTimestamp& b) {
    FL_CHECK(a.size() == b.size());
    for (int i = 0; i < a.size(); ++i) {
      if (a.entries_[i] > b.entries_[i]) return false;
    }
    return a.entries_ != b.entries_;
  }
  friend bool Concurrent(const VectorTimestamp& a, const VectorTimestamp& b) {
    return a != b && !Before(a, b) && !Before(b, a);
  }

  auto operator<=>(const VectorTimestamp&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const VectorTimestamp& v) {
    return H::combine(std::move(h), v.entries_);
  }
  std::string ToString() const {
    return absl::StrCat("(", absl::StrJoin(entries_, ","), ")");
  }

 private:
  std::vector<uint32_t> entries_;
};

}  // namespace faultline

#endif  // FAULTLINE_PROTOCOLS_CLOCKS_H_
