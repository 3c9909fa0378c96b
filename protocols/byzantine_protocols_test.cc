// The byzantine group: each correct protocol is checked exhaustively at its
// default bounds (state counts pinned, so a change of semantics fails here),
// each buggy variant is caught with the property it must violate and its
// trace replays, and each property rejects a known-bad run.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/registry.h"
#include "protocols/dolev_strong.h"
#include "protocols/oral_messages.h"
#include "protocols/pbft.h"

namespace faultline {
namespace {

struct Pinned {
  const char* name;
  int64_t states;
};

// `faultline check NAME` at the defaults explores exactly these counts.
constexpr Pinned kCorrect[] = {
    {"oral-messages", 11495},
    {"dolev-strong", 8578},
    {"pbft", 514888},
};

Outcome ExploreDefault(const Entry& entry, const Config& config) {
  ExploreOptions options;
  options.limits = entry.limits;
  return entry.make(config)->Explore(options);
}

TEST(Byzantine, CorrectProtocolsPassExhaustively) {
  for (const Pinned& p : kCorrect) {
    SCOPED_TRACE(p.name);
    const Entry* entry = FindEntry(p.name);
    ASSERT_NE(entry, nullptr);
    EXPECT_TRUE(entry->expect_pass);
    const Outcome o = ExploreDefault(*entry, DefaultConfig(*entry));
    EXPECT_EQ(o.stop, Stop::kComplete);
    EXPECT_FALSE(o.depth_cut);
    EXPECT_EQ(o.states, p.states);
    const auto properties = entry->make(DefaultConfig(*entry))->Properties();
    for (size_t i = 0; i < properties.size(); ++i) {
      if (properties[i].kind != PropertyKind::kSometimes) continue;
      EXPECT_TRUE(o.sometimes_reached[i]) << properties[i].name;
    }
  }
}

TEST(Byzantine, EveryBuggyVariantIsCaughtAndItsTraceReplays) {
  int variants = 0;
  for (const Entry& entry : Registry()) {
    const std::string base = entry.name.substr(0, entry.name.find(':'));
    bool ours = false;
    for (const Pinned& p : kCorrect) ours = ours || base == p.name;
    if (!ours || entry.expect_pass) continue;
    SCOPED_TRACE(entry.name);
    ++variants;
    const std::unique_ptr<Checker> checker = entry.make(DefaultConfig(entry));
    ExploreOptions options;
    options.limits = entry.limits;
    const Outcome o = checker->Explore(options);
    ASSERT_EQ(o.stop, Stop::kViolation);
    EXPECT_EQ(checker->Properties()[o.violated].name, entry.violates);
    Trace trace = checker->Record(o.tape);
    trace.property = entry.violates;
    const ReplayResult r = checker->Replay(trace, nullptr);
    EXPECT_EQ(r.kind, ReplayResult::Kind::kReproduced) << r.message;
  }
  EXPECT_EQ(variants, 3);
}

// Runs `name` with config changes `changes` ("key=value" pairs) and returns
// the property it violates, or "" if it passes.
std::string Violated(const std::string& name,
                     std::vector<std::pair<std::string, std::string>> changes) {
  const Entry* entry = FindEntry(name);
  EXPECT_NE(entry, nullptr);
  Config config = DefaultConfig(*entry);
  for (const auto& [key, value] : changes) {
    EXPECT_TRUE(SetConfigValue(*entry, config, key, value).ok()) << key;
  }
  const std::unique_ptr<Checker> checker = entry->make(config);
  ExploreOptions options;
  options.limits = entry->limits;
  const Outcome o = checker->Explore(options);
  if (o.stop != Stop::kViolation) {
    EXPECT_EQ(o.stop, Stop::kComplete);
    return "";
  }
  return checker->Properties()[o.violated].name;
}

TEST(Byzantine, OralMessagesWithoutRelayingBreaksIC1) {
  // OM(0): lieutenants obey what the commander told them; a traitor
  // commander splits them.
  EXPECT_EQ(Violated("oral-messages", {{"m", "0"}}), "IC1");
  // With m = 1 but two traitors among 4 (n <= 3m for m = 2 needed): fails.
  EXPECT_NE(Violated("oral-messages", {{"byzantine", "2"}}), "");
}

TEST(Byzantine, OralMessagesN3StillFailsWithTwinsOn) {
  // Twins add events (and states); BFS still finds the shortest violation,
  // which is a silent traitor lieutenant. Twins themselves are tested in
  // harness/byzantine_test.cc.
  EXPECT_EQ(Violated("oral-messages:n3", {{"twins", "on"}}), "IC2");
}

TEST(Byzantine, DolevStrongNeedsSignatures) {
  // A traitor that may forge the sender's signature breaks agreement.
  EXPECT_EQ(Violated("dolev-strong", {{"signatures", "off"}}), "agreement");
  // With them, fewer nodes and replays change nothing.
  EXPECT_EQ(Violated("dolev-strong", {{"n", "3"}}), "");
  EXPECT_EQ(Violated("dolev-strong", {{"n", "3"}, {"replays", "1"}}), "");
}

TEST(Byzantine, PbftNormalCaseWithAnyTraitorPasses) {
  // One view, the adversary picks the traitor (an equivocating primary too).
  EXPECT_EQ(Violated("pbft", {{"views", "1"}, {"byzantine", "1"}}), "");
}

TEST(Byzantine, ConfigKeysRoundTrip) {
  const Entry* entry = FindEntry("pbft");
  ASSERT_NE(entry, nullptr);
  const Config config = DefaultConfig(*entry);
  const std::string text = FormatConfig(*entry, config);
  EXPECT_NE(text.find("timers=rounds"), std::string::npos) << text;
  EXPECT_NE(text.find("byzantine=1 traitors=1 replays=0 signatures=on "
                      "twins=off eager=on"),
            std::string::npos)
      << text;
  const absl::StatusOr<Config> parsed = ParseConfig(*entry, text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(FormatConfig(*entry, *parsed), text);
  Config bad = config;
  EXPECT_FALSE(SetConfigValue(*entry, bad, "traitors", "x").ok());
  EXPECT_FALSE(SetConfigValue(*entry, bad, "twins", "on").ok());  // eager on
}

// Properties over hand-made histories: each rejects a known-bad one.
template <typename P>
bool Holds(const P& protocol, const std::string& property, const World<P>& w) {
  for (const auto& p : protocol.Properties()) {
    if (p.name == property) return p.holds(w);
  }
  ADD_FAILURE() << "no property " << property;
  return true;
}

TEST(Byzantine, PropertiesRejectKnownBadRuns) {
  OralMessages om;
  World<OralMessages> w;
  w.nodes.resize(4);
  w.history = {{1, {1}, {}}, {2, {0}, {}}};
  EXPECT_FALSE(Holds(om, "IC1", w));
  EXPECT_FALSE(Holds(om, "IC2", w));  // commander loyal, L2 retreats
  w.byz.traitors = 1;  // a traitor commander: IC2 says nothing
  EXPECT_TRUE(Holds(om, "IC2", w));

  DolevStrong ds;
  World<DolevStrong> d;
  d.nodes.resize(3);
  d.history = {{1, {0}, {}}, {2, {0}, {}}};
  EXPECT_TRUE(Holds(ds, "agreement", d));
  EXPECT_FALSE(Holds(ds, "validity", d));  // the loyal sender said 1

  Pbft pbft;
  World<Pbft> p;
  p.nodes.resize(4);
  p.history = {{1, {1}, {}}, {2, {2}, {}}};
  EXPECT_FALSE(Holds(pbft, "agreement", p));
}

}  // namespace
}  // namespace faultline
