// The visited set of exhaustive search: 64-bit fingerprints only.
//
// FingerprintSet stores each fingerprint once, in 64 shards (the top six
// bits pick the shard). A shard is an array of 64-byte buckets of eight
// slots; a fingerprint's home bucket is fastrange(fingerprint, buckets), so
// the bucket count need not be a power of two and a shard grows by 1.5x at
// 90 % load. Over a run the load stays between 60 % and 90 %: 8.9 to 13.3
// bytes per fingerprint, table capacity included. Probing is linear over
// buckets and stops at the first bucket with a free slot (nothing is ever
// erased), which at 90 % load is one or two cache lines.
//
// Growth asks first: a shard grows only if the bytes it would hold, old and
// new table together, fit the allowance the explorer sets from its memory
// budget; otherwise Insert reports kNoRoom and the explorer stops or turns
// lossy (Bitstate). Nothing is allocated behind the budget's back.
//
// Shards are independent: threads may Insert at the same time as long as no
// two of them touch the same shard (ShardOf), which is how parallel BFS
// admits successors (harness/explore.h). Only the byte count is shared, and
// it is atomic.
//
// With KeepValues() (liveness: before the first Insert), every slot also
// holds a 32-bit value, the state's index in the liveness graph, in a
// parallel array: one probe finds a fingerprint and its index, and no
// separate fingerprint -> index map is kept. 12 bytes per slot then, and a
// shard grows by 1.2x instead (load 75 % to 90 %: 13.3 to 16 bytes per
// fingerprint, at the price of rebuilding more often); without it, the set
// stays at 8 bytes per slot.
//
// Bitstate is the lossy mode (Holzmann's bitstate hashing, as in SPIN): a bit
// array and three bit positions per fingerprint. A state whose three bits are
// all set already is taken as seen, so states can be missed; the explorer
// says so and never reports a pass from it.
//
//   FingerprintSet set;
//   set.set_allowance_bytes(1 << 30);
//   if (set.Insert(fp) == InsertResult::kNew) { ... }
#ifndef FAULTLINE_HARNESS_FINGERPRINT_SET_H_
#define FAULTLINE_HARNESS_FINGERPRINT_SET_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "harness/assert.h"

namespace faultline {

enum class InsertResult { kNew, kPresent, kNoRoom };

// The value of a fingerprint that has none yet (FingerprintSet::KeepValues).
inline constexpr uint32_t kNoValue = std::numeric_limits<uint32_t>::max();

namespace internal {

// Maps a uniform 64-bit value onto [0, n) without division (Lemire).
inline uint64_t FastRange(uint64_t x, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

inline uint64_t Remix(uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace internal

class FingerprintSet {
 public:
  static constexpr int kShardBits = 6;
  static constexpr int kShards = 1 << kShardBits;
  static constexpr int kSlotsPerBucket = 8;
  static constexpr double kLoadMax = 0.9;
  static constexpr double kGrowth = 1.5;
  static constexpr double kGrowthWithValues = 1.2;

  FingerprintSet() {
    for (Shard& s : shards_) s.Allocate(1, false);
  }

  // The shard `fp` lives in (the zero fingerprint counts as shard 0's).
  static int ShardOf(uint64_t fp) { return static_cast<int>(fp >> (64 - kShardBits)); }
  FingerprintSet(const FingerprintSet&) = delete;
  FingerprintSet& operator=(const FingerprintSet&) = delete;

  // Gives every fingerprint a value (kNoValue until SetValue); only before
  // the first Insert.
  void KeepValues() {
    FL_CHECK(size() == 0 && !values_);
    values_ = true;
    for (Shard& s : shards_) s.Allocate(1, true);
    bytes_.store(kShards * kSlotsPerBucket * SlotBytes(), std::memory_order_relaxed);
  }

  // Adds `fp`; kNoRoom (and nothing added) if its shard is full and growing
  // it would pass the allowance. With values kept and `value` given, a
  // present fingerprint's value is written there.
  InsertResult Insert(uint64_t fp, uint32_t* value = nullptr) {
    if (fp == 0) {  // 0 marks a free slot, so it is kept aside
      if (value != nullptr && has_zero_) *value = zero_value_;
      if (has_zero_) return InsertResult::kPresent;
      has_zero_ = true;
      return InsertResult::kNew;
    }
    Shard& s = shards_[ShardOf(fp)];
    if (s.count + 1 > s.LoadLimit() && !Grow(s)) {
      return s.Find(fp, value) ? InsertResult::kPresent : InsertResult::kNoRoom;
    }
    return s.Insert(fp, value) ? InsertResult::kNew : InsertResult::kPresent;
  }

  // Read-only; safe from several threads while nobody inserts. With values
  // kept and `value` given, a present fingerprint's value is written there.
  bool Contains(uint64_t fp, uint32_t* value = nullptr) const {
    if (fp == 0) {
      if (value != nullptr && has_zero_) *value = zero_value_;
      return has_zero_;
    }
    return shards_[ShardOf(fp)].Find(fp, value);
  }

  // The value of present fingerprint `fp` (kNoValue if not set yet).
  uint32_t Value(uint64_t fp) const {
    uint32_t v = kNoValue;
    FL_CHECK(values_ && Contains(fp, &v));
    return v;
  }
  bool values() const { return values_; }
  void SetValue(uint64_t fp, uint32_t v) {
    FL_CHECK(values_);
    if (fp == 0) {
      FL_CHECK(has_zero_);
      zero_value_ = v;
      return;
    }
    uint32_t* slot = shards_[ShardOf(fp)].ValueOf(fp);
    FL_CHECK(slot != nullptr);
    *slot = v;
  }

  // Brings fp's home bucket towards the cache ahead of Insert or Contains.
  void Prefetch(uint64_t fp) const {
    const Shard& s = shards_[ShardOf(fp)];
    __builtin_prefetch(s.slots.get() + s.Home(fp) * kSlotsPerBucket);
  }

  // Members; not while another thread inserts.
  int64_t size() const {
    int64_t n = has_zero_ ? 1 : 0;
    for (const Shard& s : shards_) n += static_cast<int64_t>(s.count);
    return n;
  }
  // Bytes held: every shard's table at its capacity.
  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  // How many bytes the tables may hold, old and new together while a shard
  // grows.
  void set_allowance_bytes(int64_t b) { allowance_ = b; }

  // Calls f(fp) for every member, then frees the shard it came from.
  template <typename F>
  void Drain(F&& f) {
    if (has_zero_) f(uint64_t{0});
    for (Shard& s : shards_) {
      for (uint64_t i = 0; i < s.buckets * kSlotsPerBucket; ++i) {
        if (s.slots[i] != 0) f(s.slots[i]);
      }
      bytes_.fetch_sub(s.Bytes(), std::memory_order_relaxed);
      s.slots.reset();
      s.values.reset();
      s.buckets = 0;
      s.count = 0;
    }
    has_zero_ = false;
  }

 private:
  struct Shard {
    std::unique_ptr<uint64_t[]> slots;
    std::unique_ptr<uint32_t[]> values;  // beside slots, if kept
    uint64_t buckets = 0;
    uint64_t count = 0;

    void Allocate(uint64_t n, bool with_values) {
      slots.reset(new uint64_t[n * kSlotsPerBucket]());  // zeroed: resident
      if (with_values) {
        values.reset(new uint32_t[n * kSlotsPerBucket]);
        std::fill_n(values.get(), n * kSlotsPerBucket, kNoValue);
      }
      buckets = n;
    }
    int64_t Bytes() const {
      const size_t slot = sizeof(uint64_t) + (values ? sizeof(uint32_t) : 0);
      return static_cast<int64_t>(buckets * kSlotsPerBucket * slot);
    }
    uint64_t LoadLimit() const {
      return static_cast<uint64_t>(
          static_cast<double>(buckets * kSlotsPerBucket) * kLoadMax);
    }
    uint64_t Home(uint64_t fp) const {
      return internal::FastRange(fp << kShardBits, buckets);
    }
    // fp's slot, or fp's free slot when absent (the probe always ends:
    // the shard is never full).
    uint64_t SlotOf(uint64_t fp) const {
      for (uint64_t b = Home(fp);; b = b + 1 == buckets ? 0 : b + 1) {
        const uint64_t* bucket = slots.get() + b * kSlotsPerBucket;
        for (int i = 0; i < kSlotsPerBucket; ++i) {
          if (bucket[i] == fp || bucket[i] == 0) return b * kSlotsPerBucket + i;
        }
      }
    }
    bool Find(uint64_t fp, uint32_t* value = nullptr) const {
      const uint64_t i = SlotOf(fp);
      if (slots[i] != fp) return false;
      if (value != nullptr && values) *value = values[i];
      return true;
    }
    uint32_t* ValueOf(uint64_t fp) {
      const uint64_t i = SlotOf(fp);
      return slots[i] == fp ? &values[i] : nullptr;
    }
    // Adds fp unless present (then its value goes to `value`, if given and
    // kept); the shard must have a free slot.
    bool Insert(uint64_t fp, uint32_t* value = nullptr) {
      FL_CHECK(count < buckets * kSlotsPerBucket);
      const uint64_t i = SlotOf(fp);
      if (slots[i] == fp) {
        if (value != nullptr && values) *value = values[i];
        return false;
      }
      slots[i] = fp;
      ++count;
      return true;
    }
  };

  size_t SlotBytes() const { return sizeof(uint64_t) + (values_ ? sizeof(uint32_t) : 0); }

  // Rebuilds `s` 1.5 (1.2) times larger if old and new tables fit the
  // allowance. Rounded down, so the load after growth is not below
  // kLoadMax / growth. The new table's bytes are claimed before it is
  // allocated, so that shards growing at once on several threads cannot pass
  // the allowance together.
  bool Grow(Shard& s) {
    const double growth = values_ ? kGrowthWithValues : kGrowth;
    const uint64_t n = std::max<uint64_t>(
        s.buckets + 1,
        static_cast<uint64_t>(static_cast<double>(s.buckets) * growth));
    const int64_t new_bytes = static_cast<int64_t>(n * kSlotsPerBucket * SlotBytes());
    if (bytes_.fetch_add(new_bytes, std::memory_order_relaxed) + new_bytes >
        allowance_) {
      bytes_.fetch_sub(new_bytes, std::memory_order_relaxed);
      return false;
    }
    Shard bigger;
    bigger.Allocate(n, values_);
    for (uint64_t i = 0; i < s.buckets * kSlotsPerBucket; ++i) {
      if (s.slots[i] == 0) continue;
      const uint64_t j = bigger.SlotOf(s.slots[i]);
      FL_CHECK(bigger.Insert(s.slots[i]));
      if (values_) bigger.values[j] = s.values[i];
    }
    FL_CHECK(bigger.count == s.count);
    bytes_.fetch_sub(s.Bytes(), std::memory_order_relaxed);
    s = std::move(bigger);
    return true;
  }

  std::array<Shard, kShards> shards_;
  std::atomic<int64_t> bytes_{kShards * kSlotsPerBucket * sizeof(uint64_t)};
  int64_t allowance_ = std::numeric_limits<int64_t>::max();
  bool has_zero_ = false;
  bool values_ = false;
  uint32_t zero_value_ = kNoValue;
};

// The lossy visited set: `bits` bits, three positions per fingerprint.
class Bitstate {
 public:
  static constexpr int kHashes = 3;

  explicit Bitstate(int64_t bytes)
      : words_(static_cast<uint64_t>(bytes) / 8), bits_(new uint64_t[words_]()) {
    FL_CHECK(words_ > 0);
  }

  // True if at least one of fp's bits was clear (a new state).
  bool Insert(uint64_t fp) {
    bool fresh = false;
    for (int k = 0; k < kHashes; ++k) {
      const uint64_t bit = Position(fp, k);
      uint64_t& word = bits_[bit >> 6];
      const uint64_t mask = uint64_t{1} << (bit & 63);
      fresh |= (word & mask) == 0;
      word |= mask;
    }
    return fresh;
  }
  bool Contains(uint64_t fp) const {
    for (int k = 0; k < kHashes; ++k) {
      const uint64_t bit = Position(fp, k);
      if ((bits_[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0) return false;
    }
    return true;
  }
  int64_t bytes() const { return static_cast<int64_t>(words_ * 8); }
  // Fraction of bits set, counted now (O(size)).
  double Fill() const {
    uint64_t ones = 0;
    for (uint64_t i = 0; i < words_; ++i) ones += __builtin_popcountll(bits_[i]);
    return static_cast<double>(ones) / static_cast<double>(words_ * 64);
  }

 private:
  uint64_t Position(uint64_t fp, int k) const {
    return internal::FastRange(internal::Remix(fp + 0x9e3779b97f4a7c15ULL * k),
                               words_ * 64);
  }
  uint64_t words_;
  std::unique_ptr<uint64_t[]> bits_;
};

// A small exact set of fingerprints that one thread fills and clears often
// (parallel BFS: what one worker met within one batch). Open addressing,
// at most half full, cleared by zeroing its slots.
class BatchFilter {
 public:
  // True if fp was not in the set; it is now.
  bool Insert(uint64_t fp) {
    if (fp == 0) return !std::exchange(has_zero_, true);
    if ((count_ + 1) * 2 > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = fp & mask;; i = (i + 1) & mask) {
      if (slots_[i] == fp) return false;
      if (slots_[i] == 0) {
        slots_[i] = fp;
        ++count_;
        return true;
      }
    }
  }
  void Clear() {
    std::fill(slots_.begin(), slots_.end(), 0);
    count_ = 0;
    has_zero_ = false;
  }

 private:
  void Grow() {
    std::vector<uint64_t> old(std::max<size_t>(1024, slots_.size() * 2), 0);
    old.swap(slots_);
    count_ = 0;
    for (uint64_t fp : old) {
      if (fp != 0) Insert(fp);
    }
  }
  std::vector<uint64_t> slots_;
  size_t count_ = 0;
  bool has_zero_ = false;
};

// The explorer's visited set: exact (FingerprintSet) until told to turn
// lossy, then a Bitstate seeded with every fingerprint seen so far.
class VisitedSet {
 public:
  // Values (FingerprintSet::KeepValues) are for exact sets only.
  void KeepValues() { exact_.KeepValues(); }
  InsertResult Insert(uint64_t fp, uint32_t* value = nullptr) {
    if (bitstate_) {
      return bitstate_->Insert(fp) ? InsertResult::kNew : InsertResult::kPresent;
    }
    return exact_.Insert(fp, value);
  }
  bool Contains(uint64_t fp, uint32_t* value = nullptr) const {
    return bitstate_ ? bitstate_->Contains(fp) : exact_.Contains(fp, value);
  }
  uint32_t Value(uint64_t fp) const { return exact_.Value(fp); }
  void SetValue(uint64_t fp, uint32_t v) { exact_.SetValue(fp, v); }
  void Prefetch(uint64_t fp) const {
    if (!bitstate_) exact_.Prefetch(fp);
  }
  bool lossy() const { return bitstate_ != nullptr; }
  int64_t bytes() const { return bitstate_ ? bitstate_->bytes() : exact_.bytes(); }
  void set_allowance_bytes(int64_t b) { exact_.set_allowance_bytes(b); }
  const Bitstate* bitstate() const { return bitstate_.get(); }

  // Moves every fingerprint into a bit array of `bytes`, freeing the exact
  // table shard by shard as it goes.
  void SwitchToBitstate(int64_t bytes) {
    FL_CHECK(!bitstate_ && !exact_.values());
    bitstate_ = std::make_unique<Bitstate>(bytes);
    exact_.Drain([this](uint64_t fp) { bitstate_->Insert(fp); });
  }

 private:
  FingerprintSet exact_;
  std::unique_ptr<Bitstate> bitstate_;
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_FINGERPRINT_SET_H_
