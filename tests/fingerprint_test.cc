// The visited set keys on fingerprints (ActorModel::FastDigest, raw bytes of
// plain-data parts through FingerprintHasher) while traces record digests
// (StableHash). On the states every registered entry reaches, the two must
// tell exactly the same states apart: a fingerprint that ignored a field
// would merge states (unsound), one that saw a field the digest skips would
// split them (inflated counts).
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "harness/checker.h"
#include "harness/model.h"
#include "harness/registry.h"
#include "harness/stable_hash.h"
#include "tests/registry_params.h"

namespace faultline {
namespace {

class EveryEntryKeys : public testing::TestWithParam<std::string> {};

TEST_P(EveryEntryKeys, FingerprintsTellTheSameStatesApartAsDigests) {
  const Entry* entry = FindEntry(GetParam());
  ASSERT_NE(entry, nullptr);
  const Checker::KeyAudit audit =
      entry->make(DefaultConfig(*entry))->AuditKeys(/*states_max=*/3000);
  if (audit.pairs == 0) GTEST_SKIP() << "opaque nodes: keyed by the path";
  EXPECT_GT(audit.pairs, 1);
  EXPECT_EQ(audit.digests, audit.pairs);
  EXPECT_EQ(audit.fingerprints, audit.pairs);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryEntryKeys,
                         testing::ValuesIn(EntryNames()), EntryTestName);

// The audit's known-bad case: a counter pair whose canonical digest forgets
// the second counter merges states, and the audit says so.
struct TwoCounters {
  struct State {
    int a = 0, b = 0;
  };
  using Action = int;  // 0: a+1, 1: b+1
  bool forget_b = false;
  std::vector<Property<State>> props;
  int InitCount() const { return 1; }
  State Init(int) const { return {}; }
  void Actions(const State& s, std::vector<Action>& out) const {
    out.clear();
    if (s.a < 3) out.push_back(0);
    if (s.b < 3) out.push_back(1);
  }
  void Step(State& s, Action a, std::string*) const { ++(a == 0 ? s.a : s.b); }
  std::string Describe(const State&, Action a) const { return a == 0 ? "a" : "b"; }
  std::string DescribeState(const State& s) const { return absl::StrCat(s.a, s.b); }
  uint64_t Digest(const State& s) const { return StableHash(std::pair(s.a, s.b)); }
  uint64_t CanonicalDigest(const State& s) const {
    return FastHash(std::pair(s.a, forget_b ? 0 : s.b));
  }
  bool Dedupable() const { return true; }
  const std::vector<Property<State>>& properties() const { return props; }
};

TEST(KeyAudit, CatchesAFingerprintThatForgetsAField) {
  TwoCounters good;
  const Checker::KeyAudit ok = AuditFingerprints(good, 100);
  EXPECT_EQ(ok.pairs, 16);
  EXPECT_EQ(ok.digests, 16);
  EXPECT_EQ(ok.fingerprints, 16);
  TwoCounters bad;
  bad.forget_b = true;
  const Checker::KeyAudit caught = AuditFingerprints(bad, 100);
  EXPECT_EQ(caught.digests, 16);
  EXPECT_EQ(caught.fingerprints, 4);  // only a's value is seen
  EXPECT_NE(caught.fingerprints, caught.pairs);
}

// The byte-stream hasher: a value's bytes in one piece or field by field
// give one fingerprint; any changed byte gives another.
TEST(FingerprintHasher, HashesTheByteStream) {
  FingerprintHasher::Buffer whole, parts;
  whole.Feed(std::array<uint8_t, 3>{1, 2, 3});
  parts.Feed(uint8_t{1});
  parts.Feed(uint8_t{2});
  parts.Feed(uint8_t{3});
  EXPECT_EQ(whole.Hash(), parts.Hash());
  auto hash = [](const std::string& bytes) {
    return FingerprintHasher::HashBytes(
        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  };
  for (size_t length = 0; length < 80; ++length) {
    const std::string bytes(length, 'x');
    // A zero byte more is another stream (the length is hashed in).
    EXPECT_NE(hash(bytes), hash(bytes + '\0')) << length;
    for (size_t i = 0; i < length; ++i) {
      std::string changed = bytes;
      changed[i] ^= 1;
      EXPECT_NE(hash(bytes), hash(changed)) << length << " " << i;
    }
  }
}

// The cursor writes Feed's bytes, so hashes do not depend on which one a
// digest uses, also when the stream outgrows the buffer (512 bytes at first)
// and for parts that are not plain bytes (a string goes in field by field).
TEST(FingerprintHasher, CursorWritesFeedsBytes) {
  for (size_t count : {0, 1, 63, 64, 65, 200, 1000}) {
    const std::vector<uint32_t> words(count, 0xabcd1234u);
    const std::vector<std::string> names(count % 7, "node");
    FingerprintHasher::Buffer fed, put;
    fed.Feed(uint8_t{7});
    fed.FeedRange(words);
    fed.FeedRange(names);
    fed.Feed(std::array<uint64_t, 2>{count, 3});
    put.Feed(uint8_t{99});  // an earlier digest's: the cursor clears it
    FingerprintHasher::Buffer::Cursor cursor(put);
    cursor.Put(uint8_t{7});
    cursor.PutRange(words);
    cursor.PutRange(names);
    cursor.Put(std::array<uint64_t, 2>{count, 3});
    EXPECT_EQ(cursor.Hash(), fed.Hash()) << count;
  }
}

}  // namespace
}  // namespace faultline
