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

#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

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

// Mixes two hashes; used to chain digests.
inline uint64_t HashPair(uint64_t a, uint64_t b) {
  return StableHash(std::pair<uint64_t, uint64_t>(a, b));
}

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_STABLE_HASH_H_
