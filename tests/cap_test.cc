// CAP as executions: availability costs linearizability under a partition,
// and linearizability costs availability.
#include <string>

#include "gtest/gtest.h"
#include "harness/registry.h"
#include "harness/verdict.h"

namespace faultline {
namespace {

struct Found {
  Verdict verdict;
  Trace trace;
  ReplayResult replay;
};

Found CheckEntry(const std::string& name) {
  const Entry* entry = FindEntry(name);
  EXPECT_NE(entry, nullptr) << name;
  const auto checker = entry->make(DefaultConfig(*entry));
  const Outcome o = checker->Explore(ExploreOptions{});
  Found f{Judge(*checker, o), {}, {}};
  if (o.stop == Stop::kViolation) {
    f.trace = checker->Record(o.tape);
    f.trace.property = f.verdict.property;
    f.trace.loop_start = o.loop_start;
    f.replay = checker->Replay(f.trace, nullptr);
  }
  return f;
}

bool Has(const Trace& t, const std::string& prefix) {
  for (const TraceStep& s : t.steps) {
    if (s.event.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(Cap, StayingAvailableUnderAPartitionIsNotLinearizable) {
  const Found f = CheckEntry("cap-register:available");
  ASSERT_EQ(f.verdict.name, "violation");
  EXPECT_EQ(f.verdict.property, "linearizable");
  EXPECT_TRUE(Has(f.trace, "partition {r0} {r1}"));
  EXPECT_TRUE(Has(f.trace, "timer 0 fires at r0"));  // answers without the Ack
  EXPECT_EQ(f.replay.kind, ReplayResult::Kind::kReproduced) << f.replay.message;
}

TEST(Cap, StayingLinearizableLeavesAWriteUnansweredWhileThePartitionLasts) {
  const Found f = CheckEntry("cap-register:consistent");
  ASSERT_EQ(f.verdict.name, "violation");
  EXPECT_EQ(f.verdict.property, "answered");
  EXPECT_TRUE(Has(f.trace, "partition {r0} {r1}"));
  EXPECT_FALSE(Has(f.trace, "heal"));
  EXPECT_EQ(f.replay.kind, ReplayResult::Kind::kReproduced) << f.replay.message;
}

TEST(Cap, WithHealingAssumedTheConsistentRegisterIsBoth) {
  const Found f = CheckEntry("cap-register");
  EXPECT_EQ(f.verdict.name, "pass") << f.verdict.detail;
}

}  // namespace
}  // namespace faultline
