// A process-independent hash for every type that defines AbslHashValue.
//
// absl::Hash is seeded per process (by design), so its values must never be
// written to disk or decide an order. StableHasher plugs into Abseil's
// documented extension point (HashStateBase) so a protocol writes one
// AbslHashValue and gets both: absl::Hash for in-memory tables and
// StableHash() for digests and fingerprints that appear in traces.
//
// The value is a function of the bytes Abseil feeds it (integers in native
// byte order, sizes of containers), mixed 8 bytes at a time with a
// multiply-xorshift step and finished with splitmix64's finaliser. It is
// stable across runs and processes on the same architecture (x86-64 and other
// little-endian 64-bit targets); it is not a cryptographic hash.
//
//   uint64_t d = StableHash(world);
#ifndef FAULTLINE_HARNESS_STABLE_HASH_H_
#define FAULTLINE_HARNESS_STABLE_HASH_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"

namespace faultline {

class StableHasher : public absl::hash_internal::HashStateBase<StableHasher> {
 public:
  explicit StableHasher(uint64_t seed = 0x6a09e667f3bcc909ULL) : h_(seed) {}

  static StableHasher combine_contiguous(StableHasher state,
                                         const unsigned char* data,
                                         size_t size) {
    while (size >= 8) {
      uint64_t word;
      std::memcpy(&word, data, 8);
      state.Mix(word);
      data += 8;
      size -= 8;
    }
    if (size > 0) {
      uint64_t word = 0;
      std::memcpy(&word, data, size);
      state.Mix(word ^ (uint64_t{size} << 56));
    }
    return state;
  }

  uint64_t Finish() const {
    uint64_t z = h_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  using StableHasher::HashStateBase::combine;
  using StableHasher::HashStateBase::combine_contiguous;

 private:
  friend class absl::hash_internal::HashStateBase<StableHasher>;

  void Mix(uint64_t word) {
    h_ = (h_ ^ word) * 0x9fb21c651e98df25ULL;
    h_ ^= h_ >> 29;
  }

  // Unordered containers are hashed as the sum of their elements' hashes, so
  // their iteration order cannot leak into the value.
  template <typename CombinerT>
  static StableHasher RunCombineUnordered(StableHasher state,
                                          CombinerT combiner) {
    uint64_t sum = 0;
    size_t count = 0;
    combiner(StableHasher{}, [&](StableHasher& inner) {
      sum += inner.Finish();
      ++count;
      inner = StableHasher{};
    });
    return combine(std::move(state), sum, count);
  }

  uint64_t h_;
};

// The stable 64-bit hash of `value` (any type with AbslHashValue).
template <typename T>
uint64_t StableHash(const T& value) {
  return StableHasher::combine(StableHasher{}, value).Finish();
}

// The visited set's hash: the same bytes as StableHasher sees, hashed as one
// byte stream at the end instead of one multiply per field.
//
// StableHasher mixes every field as it comes, so a node of twenty one-byte
// fields costs twenty dependent multiplies; that was a fifth of exhaustive
// search's time. This hasher only appends the bytes to a buffer (a store per
// field) and hashes the buffer in 32-byte blocks on two independent lanes
// with 64x64->128-bit multiplies (wyhash's construction). Its values never
// reach a trace (traces keep StableHash digests) and do not depend on the
// process, so fingerprints stay deterministic.
class FingerprintHasher
    : public absl::hash_internal::HashStateBase<FingerprintHasher> {
 public:
  // Bytes appended so far; reused between fingerprints by its owner.
  class Buffer {
   public:
    void Clear() { size_ = 0; }
    void Append(const unsigned char* data, size_t n) {
      if (size_ + n > bytes_.size()) bytes_.resize(2 * (size_ + n));
      std::memcpy(bytes_.data() + size_, data, n);
      size_ += n;
    }
    uint64_t Hash() const { return HashBytes(bytes_.data(), size_); }

    // A value: its bytes when they are its identity (no padding, trivially
    // copyable), else whatever its AbslHashValue feeds.
    template <typename T>
    void Feed(const T& value);
    // A container's elements, then its size (so fields cannot run together).
    template <typename Range>
    void FeedRange(const Range& range);

    class Cursor;

   private:
    // Room for n more bytes (kept out of line: the cursor's slow path).
    [[gnu::noinline]] void Reserve(size_t n) {
      if (size_ + n > bytes_.size()) bytes_.resize(2 * (size_ + n));
    }

    std::vector<unsigned char> bytes_ = std::vector<unsigned char>(512);
    size_t size_ = 0;
  };

  explicit FingerprintHasher(Buffer* buffer) : buffer_(buffer) {}

  static FingerprintHasher combine_contiguous(FingerprintHasher state,
                                              const unsigned char* data,
                                              size_t size) {
    state.buffer_->Append(data, size);
    return state;
  }

  static uint64_t HashBytes(const unsigned char* p, size_t n) {
    uint64_t a = 0x243f6a8885a308d3ULL, b = 0x13198a2e03707344ULL;
    const size_t length = n;
    for (; n >= 32; p += 32, n -= 32) {
      a = Mum(Word(p) ^ kSecret[0], Word(p + 8) ^ a);
      b = Mum(Word(p + 16) ^ kSecret[1], Word(p + 24) ^ b);
    }
    // The tail, under 32 bytes; short keys (symmetry's) take one multiply.
    a = Mum(Part(p, n, 0) ^ kSecret[2], Part(p, n, 8) ^ a);
    if (n > 16) b = Mum(Part(p, n, 16) ^ kSecret[3], Part(p, n, 24) ^ b);
    return Mum(a ^ length, b ^ kSecret[0]);
  }

  using FingerprintHasher::HashStateBase::combine;
  using FingerprintHasher::HashStateBase::combine_contiguous;

 private:
  friend class absl::hash_internal::HashStateBase<FingerprintHasher>;
  static constexpr uint64_t kSecret[4] = {
      0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL, 0x8ebc6af09c88c6e3ULL,
      0x589965cc75374cc3ULL};

  static uint64_t Word(const unsigned char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  // Bytes [at, at + 8) of the n at p, zero past the end.
  static uint64_t Part(const unsigned char* p, size_t n, size_t at) {
    if (n >= at + 8) return Word(p + at);
    uint64_t w = 0;
    for (size_t i = at; i < n; ++i) w |= uint64_t{p[i]} << (8 * (i - at));
    return w;
  }
  static uint64_t Mum(uint64_t x, uint64_t y) {
    const unsigned __int128 r = static_cast<unsigned __int128>(x) * y;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  }

  // Unordered containers: the sum of the elements' own hashes, as in
  // StableHasher, so their iteration order cannot leak in.
  template <typename CombinerT>
  static FingerprintHasher RunCombineUnordered(FingerprintHasher state,
                                               CombinerT combiner) {
    uint64_t sum = 0;
    size_t count = 0;
    Buffer inner_buffer;
    combiner(FingerprintHasher(&inner_buffer), [&](FingerprintHasher& inner) {
      sum += inner.buffer_->Hash();
      ++count;
      inner.buffer_->Clear();
    });
    return combine(std::move(state), sum, count);
  }

  Buffer* buffer_;
};

template <typename T>
constexpr bool kBytesAreIdentity =
    std::is_trivially_copyable_v<T> && std::has_unique_object_representations_v<T>;

// Appends to a Buffer (cleared first) through a write position held in
// registers. Buffer::Append reloads the buffer's size after every store, as
// a byte store may alias it; a digest of many small fields paid for that in
// store-to-load stalls (a sixth of two-phase commit's search). The bytes are
// Feed's and FeedRange's, so the hashes are the same.
class FingerprintHasher::Buffer::Cursor {
 public:
  explicit Cursor(Buffer& buffer) : buffer_(&buffer) {
    buffer.size_ = 0;
    Reload();
  }

  template <typename T>
  void Put(const T& value) {
    if constexpr (kBytesAreIdentity<T>) {
      Bytes(&value, sizeof value);
    } else {
      Sync();
      buffer_->Feed(value);
      Reload();
    }
  }
  template <typename Range>
  void PutRange(const Range& range) {
    using T = std::decay_t<decltype(*range.data())>;
    if constexpr (kBytesAreIdentity<T>) {
      Bytes(range.data(), sizeof(T) * range.size());
    } else {
      for (const T& v : range) Put(v);
    }
    Put(static_cast<uint64_t>(range.size()));
  }
  uint64_t Hash() {
    Sync();
    return buffer_->Hash();
  }

 private:
  void Bytes(const void* data, size_t n) {
    if (n > static_cast<size_t>(end_ - at_)) [[unlikely]] {
      Sync();
      buffer_->Reserve(n);
      Reload();
    }
    std::memcpy(at_, data, n);
    at_ += n;
  }
  void Sync() {
    buffer_->size_ = static_cast<size_t>(at_ - buffer_->bytes_.data());
  }
  void Reload() {
    at_ = buffer_->bytes_.data() + buffer_->size_;
    end_ = buffer_->bytes_.data() + buffer_->bytes_.size();
  }

  Buffer* buffer_;
  unsigned char* at_;
  unsigned char* end_;
};

template <typename T>
void FingerprintHasher::Buffer::Feed(const T& value) {
  if constexpr (kBytesAreIdentity<T>) {
    Append(reinterpret_cast<const unsigned char*>(&value), sizeof value);
  } else {
    FingerprintHasher::combine(FingerprintHasher(this), value);
  }
}

template <typename Range>
void FingerprintHasher::Buffer::FeedRange(const Range& range) {
  using T = std::decay_t<decltype(*range.data())>;
  if constexpr (kBytesAreIdentity<T>) {
    Append(reinterpret_cast<const unsigned char*>(range.data()),
           sizeof(T) * range.size());
  } else {
    for (const T& v : range) Feed(v);
  }
  const uint64_t size = range.size();
  Feed(size);
}

// The fingerprint of `value` (any type with AbslHashValue), hashed in
// `buffer` (cleared first; pass one per thread to avoid reallocation).
template <typename T>
uint64_t FastFingerprint(const T& value, FingerprintHasher::Buffer& buffer) {
  buffer.Clear();
  FingerprintHasher::combine(FingerprintHasher(&buffer), value);
  return buffer.Hash();
}

// In-memory keys that never reach a trace (symmetry's node keys): the fast
// hasher, and a pair mix of one 128-bit multiply.
// A tuple of plain-data fields is packed into one array and hashed in one
// pass; other tuples are fed field by field, so plain-data fields (arrays of
// small structs, say) still go in as bytes.
template <typename T>
uint64_t FastHash(const T& value) {
  if constexpr (requires { std::tuple_size<T>::value; } && !kBytesAreIdentity<T>) {
    return std::apply(
        [](const auto&... field) {
          if constexpr ((kBytesAreIdentity<std::decay_t<decltype(field)>> && ...)) {
            std::array<unsigned char, (sizeof field + ...)> bytes;
            size_t at = 0;
            ((std::memcpy(bytes.data() + at, &field, sizeof field), at += sizeof field), ...);
            return FingerprintHasher::HashBytes(bytes.data(), bytes.size());
          } else {
            thread_local FingerprintHasher::Buffer buffer;
            buffer.Clear();
            (buffer.Feed(field), ...);
            return buffer.Hash();
          }
        },
        value);
  } else if constexpr (kBytesAreIdentity<T>) {
    return FingerprintHasher::HashBytes(reinterpret_cast<const unsigned char*>(&value),
                                        sizeof value);
  } else {
    thread_local FingerprintHasher::Buffer buffer;
    buffer.Clear();
    buffer.Feed(value);
    return buffer.Hash();
  }
}
inline uint64_t MixPair(uint64_t a, uint64_t b) {
  const unsigned __int128 r =
      static_cast<unsigned __int128>(a ^ 0xa0761d6478bd642fULL) *
      (b ^ 0xe7037ed1a0b428dbULL);
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Mixes two hashes; used to chain digests.
inline uint64_t HashPair(uint64_t a, uint64_t b) {
  return StableHash(std::pair<uint64_t, uint64_t>(a, b));
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_STABLE_HASH_H_
