// The linearizability checker on hand-written histories, linearizable and not.
#include "properties/linearizability.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace faultline {
namespace {

using ::testing::ElementsAre;
using Op = Operation<KvSpec>;

Op Put(int key, int value, int64_t invoke, int64_t response = kPending) {
  return {{KvInput::kPut, static_cast<int8_t>(key), static_cast<int8_t>(value)},
          0, invoke, response};
}
Op Get(int key, int result, int64_t invoke, int64_t response = kPending) {
  return {{KvInput::kGet, static_cast<int8_t>(key)}, result, invoke, response};
}

// The same map without Key(): the checker cannot partition it.
struct UnkeyedKvSpec {
  using State = KvSpec::State;
  using Input = KvSpec::Input;
  using Output = KvSpec::Output;
  State Init() const { return {}; }
  Output Step(State& s, const Input& in) const { return KvSpec{}.Step(s, in); }
};

std::vector<Operation<UnkeyedKvSpec>> Unkeyed(const std::vector<Op>& ops) {
  std::vector<Operation<UnkeyedKvSpec>> out;
  for (const Op& op : ops) out.push_back({op.input, op.output, op.invoke, op.response});
  return out;
}

TEST(Linearizability, SequentialHistoryIsItsOwnWitness) {
  const std::vector<Op> h = {Put(0, 1, 0, 1), Get(0, 1, 2, 3), Put(0, 2, 4, 5),
                             Get(0, 2, 6, 7)};
  EXPECT_THAT(Linearize(KvSpec{}, h), testing::Optional(ElementsAre(0, 1, 2, 3)));
}

TEST(Linearizability, StaleReadAfterACompletedWriteIsCaught) {
  // put(1) completes, put(2) completes, then a get returns 1.
  const std::vector<Op> h = {Put(0, 1, 0, 1), Put(0, 2, 2, 3), Get(0, 1, 4, 5)};
  EXPECT_FALSE(Linearize(KvSpec{}, h).has_value());
  EXPECT_FALSE(IsLinearizable(KvSpec{}, h));
}

TEST(Linearizability, ConcurrentOperationsMayTakeEffectInEitherOrder) {
  // The get overlaps put(2): it may see 1 or 2, not 3.
  const std::vector<Op> before = {Put(0, 1, 0, 1), Put(0, 2, 2, 5), Get(0, 1, 3, 4)};
  EXPECT_THAT(Linearize(KvSpec{}, before), testing::Optional(ElementsAre(0, 2, 1)));
  const std::vector<Op> after = {Put(0, 1, 0, 1), Put(0, 2, 2, 5), Get(0, 2, 3, 4)};
  EXPECT_THAT(Linearize(KvSpec{}, after), testing::Optional(ElementsAre(0, 1, 2)));
  const std::vector<Op> never = {Put(0, 1, 0, 1), Put(0, 2, 2, 5), Get(0, 3, 3, 4)};
  EXPECT_FALSE(IsLinearizable(KvSpec{}, never));
}

TEST(Linearizability, ReadsMustNotGoBackInTime) {
  // Two reads overlap a write; the first to finish saw the new value, the
  // later one the old: not linearizable although each read alone is fine.
  const std::vector<Op> h = {Put(0, 1, 0, 1), Put(0, 2, 2, 9), Get(0, 2, 3, 4),
                             Get(0, 1, 5, 6)};
  EXPECT_FALSE(IsLinearizable(KvSpec{}, h));
}

TEST(Linearizability, PendingOperationsMayOrMayNotTakeEffect) {
  // put(2) never responds: a later get may see it or not.
  const std::vector<Op> seen = {Put(0, 1, 0, 1), Put(0, 2, 2), Get(0, 2, 3, 4)};
  EXPECT_THAT(Linearize(KvSpec{}, seen), testing::Optional(ElementsAre(0, 1, 2)));
  const std::vector<Op> unseen = {Put(0, 1, 0, 1), Put(0, 2, 2), Get(0, 1, 3, 4)};
  EXPECT_THAT(Linearize(KvSpec{}, unseen), testing::Optional(ElementsAre(0, 2)));
  // But not before it was invoked.
  const std::vector<Op> early = {Put(0, 1, 0, 1), Get(0, 2, 2, 3), Put(0, 2, 4)};
  EXPECT_FALSE(IsLinearizable(KvSpec{}, early));
}

TEST(Linearizability, PartitionsByKeyInKeyOrder) {
  const std::vector<Op> h = {Put(1, 5, 0, 1), Put(0, 7, 2, 3), Get(1, 5, 4, 5),
                             Get(0, 7, 6, 7)};
  const auto parts = PartitionByKey(KvSpec{}, h);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), 2u);
  EXPECT_EQ(parts[0][0].input.key, 0);
  EXPECT_EQ(parts[1][1].output, 5);
  EXPECT_EQ(PartitionByKey(UnkeyedKvSpec{}, Unkeyed(h)).size(), 1u);
  EXPECT_TRUE(IsLinearizable(KvSpec{}, h));
  EXPECT_TRUE(IsLinearizable(UnkeyedKvSpec{}, Unkeyed(h)));
}

TEST(Linearizability, ViolationOnOneKeyIsFoundWithAndWithoutPartitioning) {
  // Key 0 is fine; key 1 reads a value that was overwritten before it began.
  const std::vector<Op> h = {Put(0, 1, 0, 3), Put(1, 1, 1, 2), Put(1, 2, 4, 5),
                             Get(0, 1, 6, 7), Get(1, 1, 8, 9)};
  EXPECT_FALSE(IsLinearizable(KvSpec{}, h));
  EXPECT_FALSE(IsLinearizable(UnkeyedKvSpec{}, Unkeyed(h)));
  const auto parts = PartitionByKey(KvSpec{}, h);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(Linearize(KvSpec{}, parts[0]).has_value());
  EXPECT_FALSE(Linearize(KvSpec{}, parts[1]).has_value());
}

TEST(Linearizability, ManyConcurrentWritersStayCheap) {
  // 12 concurrent puts, then reads: the memo of (picked set, state) keeps
  // this from exploring 12! orders.
  std::vector<Op> h;
  for (int i = 1; i <= 12; ++i) h.push_back(Put(0, i, i, 100));
  h.push_back(Get(0, 9, 101, 102));
  EXPECT_TRUE(IsLinearizable(KvSpec{}, h));
  h.push_back(Get(0, 13, 103, 104));  // no put wrote 13
  EXPECT_FALSE(IsLinearizable(KvSpec{}, h));
}

}  // namespace
}  // namespace faultline
