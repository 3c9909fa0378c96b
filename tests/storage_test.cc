// The visited set (fingerprints only), the memory bound with its lossy
// fallback, and parallel BFS: same counts and counterexamples as one thread.
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/cli.h"
#include "harness/explore.h"
#include "harness/fingerprint_set.h"
#include "harness/random.h"
#include "harness/registry.h"
#include "harness/verdict.h"
#include "protocols/paxos.h"

namespace faultline {
namespace {

using testing::HasSubstr;

TEST(FingerprintSet, KeepsEveryMemberOnceWithinSixteenBytesEach) {
  FingerprintSet set;
  Rng rng(5);
  std::vector<uint64_t> fps;
  for (int i = 0; i < 300'000; ++i) fps.push_back(rng.Next());
  fps.push_back(0);  // the free-slot marker is a fingerprint like any other
  for (size_t i = 0; i < fps.size(); ++i) {
    EXPECT_EQ(set.Insert(fps[i]), InsertResult::kNew);
    if (i >= 10'000) {
      ASSERT_LE(static_cast<double>(set.bytes()) / set.size(), 16.0) << i;
    }
  }
  for (uint64_t fp : fps) ASSERT_EQ(set.Insert(fp), InsertResult::kPresent);
  for (uint64_t fp : fps) ASSERT_TRUE(set.Contains(fp));
  EXPECT_FALSE(set.Contains(fps[7] ^ 1));
  EXPECT_EQ(set.size(), static_cast<int64_t>(fps.size()));
  EXPECT_LE(static_cast<double>(set.bytes()) / set.size(), 16.0);
  EXPECT_GE(static_cast<double>(set.bytes()) / set.size(), 8.0);
}

// Liveness keeps each state's graph index beside its fingerprint; growth
// carries the values along and stays within 16 bytes per member too (from
// a size where the 64 shards' first buckets no longer dominate).
TEST(FingerprintSet, KeepsAValuePerMemberAcrossGrowth) {
  FingerprintSet set;
  set.KeepValues();
  Rng rng(7);
  std::vector<uint64_t> fps{0};
  for (int i = 0; i < 100'000; ++i) fps.push_back(rng.Next());
  for (uint32_t i = 0; i < fps.size(); ++i) {
    uint32_t v = 0;
    ASSERT_EQ(set.Insert(fps[i], &v), InsertResult::kNew);
    EXPECT_EQ(v, 0u);  // untouched for a new member
    EXPECT_EQ(set.Value(fps[i]), kNoValue);
    set.SetValue(fps[i], i);
    if (i >= 10'000) {
      ASSERT_LE(static_cast<double>(set.bytes()) / set.size(), 16.0) << i;
    }
  }
  for (uint32_t i = 0; i < fps.size(); ++i) {
    uint32_t v = kNoValue, w = kNoValue;
    ASSERT_EQ(set.Insert(fps[i], &v), InsertResult::kPresent);
    ASSERT_TRUE(set.Contains(fps[i], &w));
    ASSERT_EQ(v, i);
    ASSERT_EQ(w, i);
  }
}

TEST(FingerprintSet, RefusesToGrowPastItsAllowance) {
  FingerprintSet set;
  set.set_allowance_bytes(set.bytes() + 4096);
  Rng rng(9);
  int64_t added = 0;
  InsertResult r = InsertResult::kNew;
  while (r != InsertResult::kNoRoom) {
    r = set.Insert(rng.Next());
    if (r == InsertResult::kNew) ++added;
    ASSERT_LT(added, 100'000);
  }
  EXPECT_EQ(set.size(), added);
  EXPECT_LE(set.bytes(), FingerprintSet::kShards * 64 + 4096);
}

TEST(Bitstate, RemembersWhatItSawAndMayConfuseTheRest) {
  Bitstate bits(1 << 16);
  Rng rng(3);
  std::vector<uint64_t> fps;
  for (int i = 0; i < 10'000; ++i) fps.push_back(rng.Next());
  int fresh = 0;
  for (uint64_t fp : fps) fresh += bits.Insert(fp) ? 1 : 0;
  for (uint64_t fp : fps) EXPECT_TRUE(bits.Contains(fp));
  EXPECT_GT(fresh, 9'900);  // 52 bits per state: few look seen
  EXPECT_GT(bits.Fill(), 0.0);
  EXPECT_LT(bits.Fill(), 0.1);
}

TEST(PackedPath, RoundTripsSmallAndLargeChoices) {
  internal::PackedPath path;
  const std::vector<uint32_t> choices{0, 1, 127, 128, 300, 70'000, 5};
  for (uint32_t c : choices) path.Append(c);
  const Tape tape = path.Unpack(2);
  EXPECT_EQ(tape.init, 2);
  EXPECT_EQ(tape.choices, choices);
}

// A moderate model: Paxos without crashes, 164,101 states.
Outcome PaxosSearch(int threads, Strategy strategy = Strategy::kBfs) {
  Paxos p;
  WorldOptions w;
  ActorModel<Paxos> model(p, w);
  ExploreOptions o;
  o.strategy = strategy;
  o.limits.depth_max = 1000;
  o.threads = threads;
  return Search(model, o);
}

TEST(Storage, PaxosFitsInSixteenBytesPerStateWithCollisionOdds) {
  const Outcome o = PaxosSearch(1);
  ASSERT_EQ(o.stop, Stop::kComplete);
  EXPECT_EQ(o.states, 164101);
  EXPECT_EQ(o.transitions, 772458);
  EXPECT_LE(static_cast<double>(o.visited_bytes) / o.states, 16.0);
  const double n = 164101, m = 772458 + 1;
  EXPECT_DOUBLE_EQ(o.collision_probability, n * (m - n) / 0x1p64);
  EXPECT_FALSE(o.lossy);
}

TEST(Parallel, TwoThreadsExploreWhatOneDoes) {
  const Outcome one = PaxosSearch(1);
  const Outcome two = PaxosSearch(2);
  EXPECT_EQ(two.threads, 2);
  EXPECT_EQ(two.stop, one.stop);
  EXPECT_EQ(two.states, one.states);
  EXPECT_EQ(two.transitions, one.transitions);
  EXPECT_EQ(two.depth, one.depth);
  EXPECT_EQ(two.sometimes_reached, one.sometimes_reached);
}

TEST(Parallel, DfsRunsOnOneThread) {
  const Outcome o = PaxosSearch(2, Strategy::kDfs);
  EXPECT_EQ(o.threads, 1);
  EXPECT_EQ(o.states, 164101);
}

Outcome CheckEntry(const std::string& name, int threads) {
  const Entry* e = FindEntry(name);
  EXPECT_NE(e, nullptr) << name;
  ExploreOptions o;
  o.limits = e->limits;
  o.threads = threads;
  return e->make(DefaultConfig(*e))->Explore(o);
}

// Safety (paxos) and liveness (central-mutex:lifo, a lasso) counterexamples,
// and a passing liveness check, are the same with one thread or three.
TEST(Parallel, SameCounterexamplesAndCountsOnAnyThreadCount) {
  const std::vector<std::pair<std::string, Stop>> cases{
      {"paxos:forget-accepted", Stop::kViolation},
      {"central-mutex:lifo", Stop::kViolation},  // a liveness lasso
      {"central-mutex", Stop::kComplete},
      {"two-phase-spec", Stop::kComplete}};
  for (const auto& [name, stop] : cases) {
    const Outcome one = CheckEntry(name, 1);
    const Outcome three = CheckEntry(name, 3);
    EXPECT_EQ(one.stop, stop) << name;
    EXPECT_EQ(three.stop, one.stop) << name;
    EXPECT_EQ(three.violated, one.violated) << name;
    EXPECT_EQ(three.tape, one.tape) << name;
    EXPECT_EQ(three.loop_start, one.loop_start) << name;
    EXPECT_EQ(three.states, one.states) << name;
    EXPECT_EQ(three.transitions, one.transitions) << name;
    EXPECT_EQ(three.liveness_checked, one.liveness_checked) << name;
  }
}

// Without liveness the merge only counts successors that were not kept
// (MergeKept); a states bound reached mid-batch must still stop at the same
// transition as the merge that admits every successor, which liveness
// (two-phase commit's Eventually properties) keeps on.
TEST(Parallel, AStatesBoundCountsTheSameTransitionsWithOrWithoutLiveness) {
  const Entry* e = FindEntry("two-phase-commit");
  ASSERT_NE(e, nullptr);
  const auto checker = e->make(DefaultConfig(*e));
  uint64_t eventually = 0;
  const std::vector<PropertyInfo> properties = checker->Properties();
  for (size_t i = 0; i < properties.size(); ++i) {
    if (properties[i].kind == PropertyKind::kEventually)
      eventually |= uint64_t{1} << i;
  }
  ASSERT_NE(eventually, 0u);
  for (const int threads : {1, 2}) {
    for (const int64_t bound : {1000, 4321}) {
      ExploreOptions o;
      o.limits = e->limits;
      o.limits.states_max = bound;
      o.threads = threads;
      const Outcome with = checker->Explore(o);
      o.properties_off = eventually;
      const Outcome without = checker->Explore(o);
      EXPECT_EQ(with.stop, Stop::kStates) << threads << " threads, " << bound;
      EXPECT_EQ(without.stop, Stop::kStates)
          << threads << " threads, " << bound;
      EXPECT_EQ(without.states, bound);
      EXPECT_EQ(without.states, with.states);
      EXPECT_EQ(without.transitions, with.transitions)
          << threads << " threads, " << bound;
    }
  }
}

// Resident memory decides these bounds, so each check runs in a process of
// its own (a death-test child, re-executed from the start), as ctest runs
// every test: in a process shared with other tests, heap those freed is
// reused unseen and a bound set just above what is resident now means
// something else.
void InFreshProcess(const std::function<void()>& check) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        check();
        std::exit(testing::Test::HasFailure() ? 1 : 0);
      },
      testing::ExitedWithCode(0), "");
}

// A memory bound just above what this process has resident now.
ExploreOptions TinyMemoryBound(const Entry& e) {
  ExploreOptions o;
  o.limits = e.limits;
  o.limits.memory_mb_max = internal::ResidentMegabytes() + 2;
  return o;
}

TEST(Memory, ATinyBoundStopsTheSearchAsBoundsExhausted) {
  InFreshProcess([] {
    const Entry* e = FindEntry("paxos");
    ASSERT_NE(e, nullptr);
    const auto checker = e->make(DefaultConfig(*e));
    const ExploreOptions o = TinyMemoryBound(*e);
    const Outcome out = checker->Explore(o);
    EXPECT_EQ(out.stop, Stop::kMemory);
    EXPECT_FALSE(out.lossy);
    EXPECT_LT(out.states, 984606);
    const Verdict v = Judge(*checker, out);
    EXPECT_EQ(v.name, "bounds-exhausted");
    EXPECT_THAT(v.detail, HasSubstr("memory_mb_max"));
    EXPECT_THAT(out.note, HasSubstr("the memory bound of "));
    EXPECT_THAT(out.note, HasSubstr("MiB of it outside the visited set"));
  });
}

// Liveness needs every state's graph index, which a bit array cannot keep:
// asked for --lossy bitstate, the search stops at the bound and says why.
TEST(Memory, LivenessStopsAtTheBoundAndSaysWhyBitstateDidNotTakeOver) {
  InFreshProcess([] {
    const Entry* e = FindEntry("two-phase-commit");
    ASSERT_NE(e, nullptr);
    Config config = DefaultConfig(*e);
    config.params["participants"] = 4;  // 538,553 states: past the bound
    const auto checker = e->make(config);
    ExploreOptions o = TinyMemoryBound(*e);
    o.lossy = Lossy::kBitstate;
    const Outcome out = checker->Explore(o);
    EXPECT_EQ(out.stop, Stop::kMemory);
    EXPECT_FALSE(out.lossy);
    EXPECT_THAT(out.note, HasSubstr("--lossy bitstate does not apply while "
                                    "liveness properties are checked"));
  });
}

// DFS keeps the frontier small, so the visited set is what meets the bound:
// it turns into a bitstate array and the search runs to its end, lossy.
TEST(Memory, BitstateFallbackFinishesLossyAndNeverPasses) {
  InFreshProcess([] {
    const Entry* e = FindEntry("paxos");
    ASSERT_NE(e, nullptr);
    Config config = DefaultConfig(*e);
    config.world.crashes_max = 0;
    const auto checker = e->make(config);
    ExploreOptions o = TinyMemoryBound(*e);
    o.strategy = Strategy::kDfs;
    o.lossy = Lossy::kBitstate;
    const Outcome out = checker->Explore(o);
    // It may still meet the bound later (resident memory is measured, and
    // freed blocks can stay resident); either way it says lossy, never pass.
    ASSERT_TRUE(out.lossy) << StopName(out.stop) << " " << out.note;
    EXPECT_TRUE(out.stop == Stop::kComplete || out.stop == Stop::kMemory);
    EXPECT_GT(out.lossy_since_states, 0);
    EXPECT_LE(out.states, 164101);
    EXPECT_GT(out.miss_probability, 0.0);
    const Verdict v = Judge(*checker, out);
    EXPECT_EQ(v.name, "bounds-exhausted");
    EXPECT_THAT(v.detail, HasSubstr("lossy"));
  });
}

int Cli(const std::vector<std::string>& args, std::string* out, std::string* err) {
  std::ostringstream o, e;
  const int code = RunCli(args, o, e);
  *out = o.str();
  *err = e.str();
  return code;
}

TEST(Cli, ReportsBytesPerStateCollisionOddsAndThreads) {
  std::string out, err;
  EXPECT_EQ(Cli({"check", "two-phase-spec", "--threads", "2"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("threads=2"));
  EXPECT_THAT(out, HasSubstr("bytes/state"));
  EXPECT_THAT(out, HasSubstr("fingerprint collision probability"));
  EXPECT_EQ(Cli({"check", "two-phase-spec", "--json"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("\"collision_probability\":"));
  EXPECT_THAT(out, HasSubstr("\"bytes_per_state\":"));
  EXPECT_THAT(out, HasSubstr("\"lossy\":false"));
}

TEST(Cli, BadThreadAndLossyValuesAreUsageErrors) {
  std::string out, err;
  EXPECT_EQ(Cli({"check", "paxos", "--threads", "0"}, &out, &err), kExitUsage);
  EXPECT_THAT(err, HasSubstr("--threads"));
  EXPECT_EQ(Cli({"check", "paxos", "--threads", "2", "--strategy", "dfs"}, &out, &err),
            kExitUsage);
  EXPECT_EQ(Cli({"check", "paxos", "--lossy", "maybe"}, &out, &err), kExitUsage);
  EXPECT_EQ(Cli({"simulate", "paxos", "--lossy", "bitstate"}, &out, &err), kExitUsage);
}

TEST(Cli, MemoryBoundEndsAsBoundsExhaustedNotAKill) {
  InFreshProcess([] {
    std::string out, err;
    const int64_t mb = internal::ResidentMegabytes() + 2;
    EXPECT_EQ(Cli({"check", "paxos", "--memory-mb", std::to_string(std::max<int64_t>(mb, 16))},
                  &out, &err),
              0)
        << err;
    EXPECT_THAT(out, HasSubstr("verdict: bounds-exhausted: stopped by memory_mb_max"));
  });
}

// The sharded insert phase and the per-worker filter of repeats decide
// first occurrences exactly as one thread does: the same tape (safety and a
// liveness lasso over FIFO links) and counts on one, two and three threads.
TEST(ThreadCount, SameTapeOnOneTwoAndThreeThreads) {
  const std::vector<std::pair<std::string, Stop>> cases{
      {"paxos:no-persist", Stop::kViolation},
      {"chang-roberts:drop-when-participant", Stop::kViolation},  // a lasso
      {"chang-roberts", Stop::kComplete}};
  for (const auto& [name, stop] : cases) {
    const Outcome one = CheckEntry(name, 1);
    EXPECT_EQ(one.stop, stop) << name;
    for (int threads : {2, 3}) {
      const Outcome many = CheckEntry(name, threads);
      EXPECT_EQ(many.threads, threads) << name;
      EXPECT_EQ(many.stop, one.stop) << name << " " << threads;
      EXPECT_EQ(many.violated, one.violated) << name << " " << threads;
      EXPECT_EQ(many.tape, one.tape) << name << " " << threads;
      EXPECT_EQ(many.loop_start, one.loop_start) << name << " " << threads;
      EXPECT_EQ(many.states, one.states) << name << " " << threads;
      EXPECT_EQ(many.transitions, one.transitions) << name << " " << threads;
      EXPECT_EQ(many.depth, one.depth) << name << " " << threads;
    }
  }
}

TEST(ItemQueue, TakesFromEitherEndAcrossChunks) {
  internal::ItemQueue<int> q;
  const int n = 3 * internal::ItemQueue<int>::kChunk + 7;
  for (int i = 0; i < n; ++i) q.PushBack(i);
  EXPECT_EQ(q.size(), static_cast<size_t>(n));
  EXPECT_EQ(q.PopFront(), 0);
  EXPECT_EQ(q.PopBack(), n - 1);
  for (int i = 1; i < n - 1; ++i) ASSERT_EQ(q.PopFront(), i);
  EXPECT_TRUE(q.empty());
  q.PushBack(5);  // a retired chunk is reused
  q.PushBack(6);
  EXPECT_EQ(q.PopBack(), 6);
  EXPECT_EQ(q.PopFront(), 5);
  EXPECT_TRUE(q.empty());
}

TEST(BatchFilter, SaysFirstOnceAndForgetsOnClear) {
  BatchFilter f;
  Rng rng(11);
  std::vector<uint64_t> fps{0};
  for (int i = 0; i < 5000; ++i) fps.push_back(rng.Next());
  for (uint64_t fp : fps) EXPECT_TRUE(f.Insert(fp));
  for (uint64_t fp : fps) ASSERT_FALSE(f.Insert(fp));
  f.Clear();
  for (uint64_t fp : fps) ASSERT_TRUE(f.Insert(fp));
}

}  // namespace
}  // namespace faultline
