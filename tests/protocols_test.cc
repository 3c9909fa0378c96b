// Every entry of `faultline list` is checked against its `expect`, with its
// default bounds: correct ones pass (complete, nothing vacuous), buggy ones
// violate exactly the property they name, and their trace reproduces.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "harness/registry.h"
#include "harness/verdict.h"
#include "tests/registry_params.h"

namespace faultline {
namespace {

class EveryEntry : public testing::TestWithParam<std::string> {};

// Explores `config` of `entry` with the entry's bounds and expects its
// verdict; a counterexample must replay on `replayer` (a checker of the
// entry's defaults, so that traces found with --symmetry replay without it).
// Returns the outcome for further checks.
Outcome ExpectVerdict(const Entry& entry, const Checker& checker,
                      const Checker& replayer) {
  ExploreOptions options;
  options.limits = entry.limits;
  const Outcome outcome = checker.Explore(options);
  const Verdict verdict = Judge(checker, outcome);
  if (entry.expect_pass) {
    EXPECT_EQ(verdict.name, "pass") << verdict.detail;
    EXPECT_GT(outcome.states, 1);
    return outcome;
  }
  EXPECT_EQ(verdict.name, "violation") << verdict.detail;
  EXPECT_EQ(verdict.property, entry.violates);
  if (verdict.name != "violation") return outcome;
  Trace trace = checker.Record(outcome.tape);
  trace.property = verdict.property;
  trace.loop_start = outcome.loop_start;  // a lasso for liveness violations
  EXPECT_EQ(replayer.Replay(trace, nullptr).kind,
            ReplayResult::Kind::kReproduced);
  return outcome;
}

TEST_P(EveryEntry, MeetsItsExpectation) {
  const Entry* entry = FindEntry(GetParam());
  ASSERT_NE(entry, nullptr);
  const auto checker = entry->make(DefaultConfig(*entry));
  ExpectVerdict(*entry, *checker, *checker);
}

// Whether a reduction is on; an entry that declares what it needs must have
// it on, and one without it must say why not.
bool ReductionOn(const ReductionStatus& status, bool declares) {
  if (declares) EXPECT_TRUE(status.active) << status.note;
  if (!status.active) {
    EXPECT_TRUE(absl::StartsWith(status.note, "off: ")) << status.note;
  }
  return status.active;
}

// With --symmetry (docs/symmetry.md) an entry either reduces, and then keeps
// its verdict, or says why not and searches exactly as without (its
// CanonicalDigest is then the plain digest: the run checked above).
TEST_P(EveryEntry, KeepsItsVerdictWithSymmetry) {
  const Entry* entry = FindEntry(GetParam());
  ASSERT_NE(entry, nullptr);
  Config config = DefaultConfig(*entry);
  config.world.symmetry = true;
  const auto checker = entry->make(config);
  const SymmetryStatus status = checker->Symmetry();
  const bool declares = absl::StartsWith(entry->name, "paxos") ||
                        absl::StartsWith(entry->name, "two-phase-spec") ||
                        entry->name == "raft" || absl::StartsWith(entry->name, "raft:");
  if (!ReductionOn(status, declares)) return;
  EXPECT_TRUE(absl::StartsWith(status.note, "on: ")) << status.note;
  const Outcome outcome =
      ExpectVerdict(*entry, *checker, *entry->make(DefaultConfig(*entry)));
  // Exact reduced counts at the defaults (a complete search visits the same
  // states in any order); without symmetry 984606, 719851 and 288.
  const std::map<std::string, int64_t> reduced = {
      {"paxos", 168177}, {"raft", 359936}, {"two-phase-spec", 80}};
  if (reduced.contains(entry->name)) {
    EXPECT_EQ(outcome.states, reduced.at(entry->name));
  }
}

// With --prune-stale (docs/stale.md) likewise: an entry either merges states
// that differ only in stale messages, and keeps its verdict, or says why not.
TEST_P(EveryEntry, KeepsItsVerdictWithStaleMessagesPruned) {
  const Entry* entry = FindEntry(GetParam());
  ASSERT_NE(entry, nullptr);
  Config config = DefaultConfig(*entry);
  config.world.prune_stale = true;
  const auto checker = entry->make(config);
  const ReductionStatus status = checker->StaleMessages();
  const bool declares = entry->name == "raft" ||
                        absl::StartsWith(entry->name, "raft:") ||
                        absl::StartsWith(entry->name, "raft-kv") ||
                        absl::StartsWith(entry->name, "paxos");
  const bool fifo = config.world.links == LinkOrder::kFifo;
  if (!ReductionOn(status, declares && !fifo)) return;
  EXPECT_EQ(status.note, "on");
  const Outcome outcome =
      ExpectVerdict(*entry, *checker, *entry->make(DefaultConfig(*entry)));
  // Exact merged counts at the defaults; unpruned 719851 and 984606.
  if (entry->name == "raft") EXPECT_EQ(outcome.states, 13769);
  if (entry->name == "paxos") EXPECT_EQ(outcome.states, 202100);
}

INSTANTIATE_TEST_SUITE_P(
    Registry, EveryEntry, testing::ValuesIn(EntryNames()), EntryTestName);

TEST(Registry, NamesAreKebabCaseAndUnique) {
  std::vector<std::string> names = EntryNames();
  for (const std::string& name : names) {
    for (char c : name) {
      EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
                  c == ':')
          << name;
    }
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

TEST(Registry, BuggyVariantsNameAPropertyTheirModelHas) {
  for (const Entry& e : Registry()) {
    if (e.expect_pass) continue;
    const auto checker = e.make(DefaultConfig(e));
    bool found = false;
    for (const PropertyInfo& p : checker->Properties()) found |= p.name == e.violates;
    EXPECT_TRUE(found) << e.name << " names " << e.violates;
  }
}

// Golden state counts at fixed bounds: a silent change of semantics in the
// world or a protocol changes these numbers.
struct Golden {
  const char* name;
  const char* config;
  int64_t states;
  int64_t transitions;
};

TEST(Registry, GoldenStateCounts) {
  const Golden kGolden[] = {
      {"two-phase-spec", "rms=3", 288, 1145},
      {"two-generals", "drops=0 messengers=3", 8, 7},
      {"paxos", "", 984606, 4682795},
      {"paxos", "crashes=0", 164101, 772458},
  };
  for (const Golden& g : kGolden) {
    const Entry* entry = FindEntry(g.name);
    ASSERT_NE(entry, nullptr) << g.name;
    absl::StatusOr<Config> config = ParseConfig(*entry, g.config);
    ASSERT_TRUE(config.ok()) << config.status();
    const Outcome o = entry->make(*config)->Explore(ExploreOptions{});
    EXPECT_EQ(o.stop, Stop::kComplete) << g.name << " " << g.config;
    EXPECT_EQ(o.states, g.states) << g.name << " " << g.config;
    EXPECT_EQ(o.transitions, g.transitions) << g.name << " " << g.config;
  }
}

TEST(TwoGenerals, EveryKLosesAgreementByLosingTheLastMessenger) {
  const Entry* entry = FindEntry("two-generals");
  for (int k = 1; k <= 8; ++k) {
    Config config = DefaultConfig(*entry);
    config.params["messengers"] = k;
    const auto checker = entry->make(config);
    const Outcome o = checker->Explore(ExploreOptions{});
    ASSERT_EQ(o.stop, Stop::kViolation) << k;
    const Trace t = checker->Record(o.tape);
    // k-1 deliveries, the drop of messenger k, then both deadlines.
    ASSERT_EQ(t.steps.size(), static_cast<size_t>(k + 2)) << k;
    EXPECT_EQ(t.steps[k - 1].event.rfind("drop Messenger(" + std::to_string(k) + ")", 0), 0u)
        << t.steps[k - 1].event;
  }
}

TEST(TwoGenerals, AReliableLinkAgrees) {
  const Entry* entry = FindEntry("two-generals");
  for (int k = 1; k <= 8; ++k) {
    Config config = DefaultConfig(*entry);
    config.params["messengers"] = k;
    config.world.drops_max = 0;
    const auto checker = entry->make(config);
    const Verdict v = Judge(*checker, checker->Explore(ExploreOptions{}));
    EXPECT_EQ(v.name, "pass") << k << ": " << v.detail;
  }
}

}  // namespace
}  // namespace faultline
