// Worlds as byte strings, for the search frontier (harness/explore.h).
//
// A world in memory is a header of vectors (288 bytes) plus a heap block
// per vector, and every envelope and observation carries an empty vector
// clock: about 1 KB for a 7-node Paxos state, most of it bookkeeping. When a
// protocol's nodes, messages and observations are plain data (trivially
// copyable, no padding: their bytes are their value), the whole world can be
// written as a few hundred bytes and read back exactly, so the frontier of a
// breadth-first search holds 2-3 times more states in the same memory.
//
//   std::string bytes;
//   PackWorld(w, bytes);
//   World<P> back;
//   UnpackWorld(bytes, back);  // back is w, field for field
//
// Layout: each vector as a count then its elements; node ids as one byte
// (at most 64 nodes); plain values as their bytes. The reader checks every
// length against what is left, so a short or long buffer is an assertion
// failure, never a read out of bounds. The bytes never leave the process.
#ifndef FAULTLINE_HARNESS_PACKED_WORLD_H_
#define FAULTLINE_HARNESS_PACKED_WORLD_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "harness/assert.h"
#include "harness/stable_hash.h"
#include "harness/world.h"

namespace faultline {

// Whether World<P> packs: value nodes and plain-data nodes, messages and
// observations.
template <typename P>
constexpr bool kPackableWorld =
    World<P>::kValueNodes&& kBytesAreIdentity<typename P::Node>&&
        kBytesAreIdentity<typename P::Msg>&& kBytesAreIdentity<typename P::Obs>;

namespace internal {

// Writes into `out` through a cursor: the string is used at its full
// capacity while writing (a recycled frontier string is already large
// enough) and cut to the bytes written when the writer goes, so a field
// costs a bounds check and a fixed-size copy, not a call to append.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {
    out_.resize(out_.capacity());
  }
  ~ByteWriter() { out_.resize(size_); }
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  template <typename T>
  void Put(const T& value) {
    static_assert(kBytesAreIdentity<T>);
    Write(&value, sizeof value);
  }
  void Id(NodeId n) {
    FL_CHECK(n >= 0 && n < kNodesMax);
    Put(static_cast<uint8_t>(n));
  }
  void Count(size_t n) {
    FL_CHECK(n <= UINT32_MAX);
    Put(static_cast<uint32_t>(n));
  }
  // A vector of plain values: count, then the elements' bytes in one go.
  template <typename T>
  void Plain(const std::vector<T>& v) {
    static_assert(kBytesAreIdentity<T>);
    Count(v.size());
    if (!v.empty()) Write(v.data(), v.size() * sizeof(T));
  }

 private:
  void Write(const void* bytes, size_t n) {
    if (n > out_.size() - size_) {
      out_.resize(std::max(2 * out_.size(), size_ + n));
    }
    std::memcpy(out_.data() + size_, bytes, n);
    size_ += n;
  }

  std::string& out_;
  size_t size_ = 0;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  template <typename T>
  void Get(T& value) {
    static_assert(kBytesAreIdentity<T>);
    FL_CHECK(in_.size() >= sizeof value);
    std::memcpy(&value, in_.data(), sizeof value);
    in_.remove_prefix(sizeof value);
  }
  template <typename T>
  T Get() {
    T value;
    Get(value);
    return value;
  }
  NodeId Id() { return Get<uint8_t>(); }
  size_t Count() { return Get<uint32_t>(); }
  template <typename T>
  void Plain(std::vector<T>& v) {
    static_assert(kBytesAreIdentity<T>);
    const size_t n = Count();
    FL_CHECK(in_.size() >= n * sizeof(T));
    v.resize(n);
    std::memcpy(v.data(), in_.data(), n * sizeof(T));
    in_.remove_prefix(n * sizeof(T));
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

template <typename Msg>
void PutEnvelopes(ByteWriter& out, const std::vector<Envelope<Msg>>& network) {
  out.Count(network.size());
  for (const Envelope<Msg>& e : network) {
    out.Id(e.from);
    out.Id(e.to);
    out.Put(e.msg);
    out.Plain(e.stamp);
  }
}

template <typename Msg>
void GetEnvelopes(ByteReader& in, std::vector<Envelope<Msg>>& network) {
  network.resize(in.Count());
  for (Envelope<Msg>& e : network) {
    e.from = in.Id();
    e.to = in.Id();
    in.Get(e.msg);
    in.Plain(e.stamp);
  }
}

}  // namespace internal

template <typename P>
requires kPackableWorld<P>
void PackWorld(const World<P>& w, std::string& bytes) {
  internal::ByteWriter out(bytes);
  out.Plain(w.nodes);
  out.Plain(w.disk);
  internal::PutEnvelopes(out, w.network);
  out.Count(w.timers.size());
  for (const TimerKey& t : w.timers) {
    out.Id(t.node);
    out.Put(t.id);
  }
  out.Count(w.history.size());
  for (const auto& o : w.history) {
    out.Id(o.node);
    out.Put(o.value);
    out.Plain(o.stamp);
  }
  out.Put(w.crashed);
  out.Put(w.requested);
  out.Plain(w.group);
  out.Count(w.clocks.size());
  for (const VectorClock& c : w.clocks) out.Plain(c);
  out.Put(w.used);
  out.Put(w.byz.traitors);
  internal::PutEnvelopes(out, w.byz.outbox);
  out.Plain(w.byz.seen);
  out.Plain(w.byz.twins);
  out.Put(w.byz.twin_requested);
  out.Put(w.byz.replays);
}

// Overwrites every field of `w`, reusing its vectors' capacity.
template <typename P>
requires kPackableWorld<P>
void UnpackWorld(std::string_view bytes, World<P>& w) {
  internal::ByteReader in(bytes);
  in.Plain(w.nodes);
  in.Plain(w.disk);
  internal::GetEnvelopes(in, w.network);
  w.timers.resize(in.Count());
  for (TimerKey& t : w.timers) {
    t.node = in.Id();
    in.Get(t.id);
  }
  w.history.resize(in.Count());
  for (auto& o : w.history) {
    o.node = in.Id();
    in.Get(o.value);
    in.Plain(o.stamp);
  }
  in.Get(w.crashed);
  in.Get(w.requested);
  in.Plain(w.group);
  w.clocks.resize(in.Count());
  for (VectorClock& c : w.clocks) in.Plain(c);
  in.Get(w.used);
  in.Get(w.byz.traitors);
  internal::GetEnvelopes(in, w.byz.outbox);
  in.Plain(w.byz.seen);
  in.Plain(w.byz.twins);
  in.Get(w.byz.twin_requested);
  in.Get(w.byz.replays);
  FL_CHECK(in.done());
}

// The explorer's switch: a model's states pack when they are such worlds.
template <typename State>
struct PackedStates {
  static constexpr bool kOn = false;
};
template <typename P>
struct PackedStates<World<P>> {
  static constexpr bool kOn = kPackableWorld<P>;
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_PACKED_WORLD_H_
