// Sampling strategies: every chooser steps through the executor, so what it
// finds replays; swarm profiles and PCT change points come from the seed;
// the random chooser keeps RandomWalks' sequence; known-bad variants are
// caught by every strategy.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/registry.h"
#include "harness/strategies.h"
#include "harness/trace.h"
#include "protocols/two_generals.h"
#include "protocols/two_phase_spec.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Outcome Sampled(const std::string& name, Strategy s, uint64_t seed, int64_t runs) {
  const Entry* e = FindEntry(name);
  FL_CHECK(e != nullptr);
  ExploreOptions o;
  o.strategy = s;
  o.seed = seed;
  o.limits = e->limits;
  o.limits.runs_max = runs;
  o.limits.seconds_max = 30;
  return e->make(DefaultConfig(*e))->Explore(o);
}

// Every sampling strategy catches the canary, and its tape replays.
TEST(Sampling, EveryStrategyCatchesPaxosNoPersistAndTheTraceReplays) {
  const Entry* e = FindEntry("paxos:no-persist");
  ASSERT_NE(e, nullptr);
  const auto checker = e->make(DefaultConfig(*e));
  for (Strategy s : {Strategy::kRandom, Strategy::kSwarm, Strategy::kPct}) {
    const Outcome o = Sampled("paxos:no-persist", s, 11, 200000);
    ASSERT_EQ(o.stop, Stop::kViolation) << static_cast<int>(s);
    Trace t = checker->Record(o.tape);
    t.property = checker->Properties()[o.violated].name;
    EXPECT_EQ(t.property, "agreement");
    EXPECT_EQ(checker->Replay(t, nullptr).kind, ReplayResult::Kind::kReproduced);
    EXPECT_FALSE(o.found_by.empty());
  }
}

TEST(Sampling, CorrectPaxosIsNeverViolatedBySampling) {
  for (Strategy s : {Strategy::kRandom, Strategy::kSwarm, Strategy::kPct}) {
    const Outcome o = Sampled("paxos", s, 5, 2000);
    EXPECT_EQ(o.stop, Stop::kRuns) << static_cast<int>(s);
  }
}

TEST(Sampling, RandomChooserKeepsRandomWalksSequence) {
  const TwoPhaseSpec spec(3, true);
  ExploreOptions o;
  o.strategy = Strategy::kRandom;
  o.seed = 42;
  o.limits.runs_max = 50;
  const Outcome a = RandomWalks(spec, o);
  const Outcome b = Explore(spec, o);
  EXPECT_EQ(a.stop, b.stop);
  EXPECT_EQ(a.tape, b.tape);
  EXPECT_EQ(a.states, b.states);
  EXPECT_EQ(a.transitions, b.transitions);
  // Pinned from the original walk loop: the seed's draws must not change.
  EXPECT_EQ(a.stop, Stop::kViolation);
  EXPECT_EQ(a.tape, (Tape{0, {5, 3, 0, 2, 0}}));
  EXPECT_EQ(a.states, 47);
  EXPECT_EQ(a.transitions, 805);
}

TEST(Sampling, SwarmProfilesComeFromTheSeedAndDiffer) {
  const Outcome a = Sampled("paxos:no-persist", Strategy::kSwarm, 3, 200000);
  const Outcome b = Sampled("paxos:no-persist", Strategy::kSwarm, 3, 200000);
  ASSERT_EQ(a.stop, Stop::kViolation);
  EXPECT_EQ(a.found_by, b.found_by);
  EXPECT_EQ(a.tape, b.tape);
  EXPECT_THAT(a.found_by, StartsWith("swarm seed="));
  EXPECT_THAT(a.found_by, HasSubstr("crash=1/"));  // the bug needs a crash
  EXPECT_THAT(a.found_by, HasSubstr("reorder="));
  // Different seeds draw different profiles; the same seed the same one.
  const ActorModel<TwoGenerals> model(TwoGenerals{}, WorldOptions{});
  std::set<std::string> profiles;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed), again(seed);
    const SwarmChooser<ActorModel<TwoGenerals>> c(model, ExploreOptions{}, rng);
    const SwarmChooser<ActorModel<TwoGenerals>> d(model, ExploreOptions{}, again);
    EXPECT_EQ(c.Profile(), d.Profile());
    EXPECT_THAT(c.Profile(), StartsWith("drop="));
    profiles.insert(c.Profile());
  }
  EXPECT_GE(profiles.size(), 15u);
}

TEST(Sampling, PctRecordsItsChangePoints) {
  const Outcome o = Sampled("paxos:ignore-accepted", Strategy::kPct, 9, 200000);
  ASSERT_EQ(o.stop, Stop::kViolation);
  EXPECT_THAT(o.found_by, HasSubstr("d=3 change-points="));
}

TEST(Sampling, BytesExhaustionMeansChoiceZero) {
  const Entry* e = FindEntry("paxos");
  const auto checker = e->make(DefaultConfig(*e));
  ExploreOptions o;
  o.strategy = Strategy::kBytes;
  o.limits = e->limits;
  const Outcome empty = checker->Explore(o);
  EXPECT_EQ(empty.stop, Stop::kRuns);
  ASSERT_FALSE(empty.tape.choices.empty());
  for (uint32_t c : empty.tape.choices) EXPECT_EQ(c, 0u);
  const std::vector<uint8_t> bytes = {1, 2, 3, 200};
  o.bytes = bytes;
  const Outcome some = checker->Explore(o);
  EXPECT_NE(some.tape, empty.tape);
  EXPECT_EQ(checker->Explore(o).tape, some.tape);  // deterministic
}

TEST(Sampling, ByteReaderReadsTwoBytesForLargeChoices) {
  const uint8_t data[] = {7, 1, 2};
  ByteReader r(data);
  EXPECT_EQ(r.Below(1), 0u);  // forced: reads nothing
  EXPECT_EQ(r.Below(10), 7u);
  EXPECT_EQ(r.Below(1000), (1u | (2u << 8)) % 1000);
  EXPECT_EQ(r.Below(5), 0u);  // exhausted: the harmless choice
  EXPECT_EQ(r.consumed(), 3u);
}

struct Result {
  int code;
  std::string out;
};

Result Cli(const std::string& args) {
  const char* bin = std::getenv("FAULTLINE_BIN");
  FL_CHECK(bin != nullptr);
  // One directory per test: ctest runs tests in parallel processes.
  const std::string dir = absl::StrCat(
      testing::TempDir(), "/sampling_cli_",
      testing::UnitTest::GetInstance()->current_test_info()->name());
  const std::string cmd = absl::StrCat("mkdir -p ", dir, " && cd ", dir, " && ", bin,
                                       " ", args, " >out.txt 2>&1");
  const int status = std::system(cmd.c_str());
  std::ifstream in(dir + "/out.txt");
  std::stringstream s;
  s << in.rdbuf();
  return {WEXITSTATUS(status), s.str()};
}

TEST(SamplingCli, SimulateSwarmPrintsAndRecordsTheProfile) {
  const Result r = Cli("simulate paxos:no-persist --strategy swarm --runs 100000 "
                       "--seed 3 --no-shrink -o swarm.trace");
  ASSERT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("options: strategy=swarm"));
  EXPECT_THAT(r.out, HasSubstr("found by: swarm seed="));
  EXPECT_THAT(r.out, HasSubstr("verdict: violation (agreement)"));
  EXPECT_THAT(r.out, HasSubstr("replay: faultline replay swarm.trace"));
  const Result replay = Cli("replay swarm.trace");
  EXPECT_EQ(replay.code, 1) << replay.out;
  EXPECT_THAT(replay.out, HasSubstr("found by swarm seed="));
  EXPECT_THAT(replay.out, HasSubstr("crash=1/"));
}

TEST(SamplingCli, SimulatePctAndBadValues) {
  const Result r = Cli("simulate paxos:no-persist --strategy pct --pct-depth 2 "
                       "--runs 100000 --seed 1 -o pct.trace");
  ASSERT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("pct-depth=2"));
  EXPECT_THAT(r.out, HasSubstr("found by: pct"));
  EXPECT_EQ(Cli("replay pct.trace").code, 1);
  const Result bad = Cli("simulate paxos --strategy chaos");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.out, HasSubstr("random, swarm or pct"));
  EXPECT_EQ(Cli("simulate paxos --strategy pct --pct-depth 0").code, 2);
}

}  // namespace
}  // namespace faultline
