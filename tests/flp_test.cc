// FLP as executions (harness/flp.h): valence, Lemma 2, the Lemma 3
// adversary, how replay judges its runs, and the two horns of the theorem.
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/cli.h"
#include "harness/flp.h"
#include "harness/registry.h"
#include "harness/reproduce.h"
#include "harness/verdict.h"
#include "protocols/flp_paxos.h"
#include "protocols/flp_votes.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;

// A hand-made consensus with valences known by heart: p0 and p1 send their
// inputs to the arbiter p2, which decides the first one it receives.
struct Race {
  struct Msg {
    int8_t value;
    auto operator<=>(const Msg&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Msg& m) { return H::combine(std::move(h), m.value); }
    std::string ToString() const { return absl::StrCat("Value(", value, ")"); }
  };
  struct Node {
    int8_t input = 0;
    int8_t decided = -1;
    auto operator<=>(const Node&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Node& n) {
      return H::combine(std::move(h), n.input, n.decided);
    }
    std::string ToString() const { return absl::StrCat(input, "/", decided); }
  };
  using Op = int;
  using Obs = FlpDecision;
  uint32_t inputs = 0;
  int NodeCount() const { return 3; }
  int InputCount() const { return 2; }
  Node Init(NodeId n) const {
    return {.input = static_cast<int8_t>(n < 2 ? (inputs >> n) & 1 : 0)};
  }
  std::vector<ClientRequest<Op>> Requests() const { return {}; }
  void OnStart(Node& n, Out<Race>& out) const {
    if (out.self() < 2) out.Send(2, {n.input});
  }
  void OnMessage(Node& n, NodeId, const Msg& m, Out<Race>& out) const {
    if (n.decided >= 0) return;
    n.decided = m.value;
    out.Observe({m.value});
  }
  void OnTimer(Node&, TimerId, Out<Race>&) const {}
  void OnRequest(Node&, const Op&, Out<Race>&) const {}
  void OnRecover(Node&, Out<Race>&) const {}
  std::vector<Property<World<Race>>> Properties() const {
    return {ObservationsAgree<Race>("agreement")};
  }
};

TEST(Valence, HandMadeModelHasTheKnownValences) {
  WorldOptions world;
  world.crashes_max = 1;
  const ConsensusModel<Race> model(Race{}, world);
  const ValenceOracle<Race> oracle(model, FlpOptions{});
  ASSERT_TRUE(oracle.exact());
  // Inputs p0=0 p1=0, 1 0, 0 1, 1 1.
  const std::vector<Valence> expected = {1, kBivalent, kBivalent, 2};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(oracle.Of(model.Init(i)).valence, expected[i]) << model.Inputs(i);
  }
  // From p0=1 p1=0, delivering p1's value decides 0; crashing the arbiter
  // leaves nothing reachable.
  World<Race> w = model.Init(1);
  std::vector<Event> actions;
  model.Actions(w, actions);
  size_t k = 0;
  while (k < actions.size() && model.Describe(w, actions[k]) != "deliver Value(0) n1->n2") ++k;
  ASSERT_LT(k, actions.size());
  World<Race> zero = w;
  model.Step(zero, actions[k], nullptr);
  EXPECT_EQ(oracle.Of(zero).valence, 1);
  EXPECT_EQ(model.Decided(zero), 1);
  World<Race> dead = w;
  model.Step(dead, {EventKind::kCrash, 2, 0}, nullptr);
  EXPECT_EQ(oracle.Of(dead).valence, 0);
  // Sampling certifies what it finds and never invents a value.
  FlpOptions sampled;
  sampled.graph_states_max = 0;
  const ValenceOracle<Race> walks(model, sampled);
  EXPECT_FALSE(walks.exact());
  EXPECT_EQ(walks.Of(w).valence, kBivalent);
  EXPECT_EQ(walks.Of(zero).valence, 1);
  EXPECT_EQ(ValenceText(walks.Of(zero).valence, false), ">={0}");
}

TEST(Valence, GraphIsCutAtItsBound) {
  const ConsensusModel<FlpPaxos> model(FlpPaxos{}, WorldOptions{});
  FlpOptions small;
  small.graph_states_max = 100;
  const ValenceOracle<FlpPaxos> oracle(model, small);
  EXPECT_FALSE(oracle.exact());  // falls back to sampling: never "exact"
  EXPECT_EQ(oracle.states(), 100);
}

std::unique_ptr<Checker> Make(const std::string& name, const Params& params = {}) {
  const Entry* e = FindEntry(name);
  EXPECT_NE(e, nullptr);
  Config c = DefaultConfig(*e);
  for (const auto& [k, v] : params) c.params[k] = v;
  return e->make(c);
}

template <typename P>
const FlpChecker<P>& Flp(const std::unique_ptr<Checker>& c) {
  return dynamic_cast<const FlpChecker<P>&>(*c);
}

TEST(Lemma2, FirstVotesHasBivalentAndWaitAllOnlyUnivalentInitials) {
  const auto first = Make("flp-first-votes");
  const auto& f = Flp<VoteConsensus>(first);
  std::vector<Valence> got;
  for (const auto& v : InitialValences(f.model(), f.oracle())) got.push_back(v.valence);
  EXPECT_EQ(got, (std::vector<Valence>{1, 1, 1, 3, 1, 3, 3, 2}));
  EXPECT_EQ(f.oracle().states(), 12820);  // pinned: semantics did not move
  const auto all = Make("flp-wait-all");
  const auto& a = Flp<VoteConsensus>(all);
  got.clear();
  for (const auto& v : InitialValences(a.model(), a.oracle())) got.push_back(v.valence);
  EXPECT_EQ(got, (std::vector<Valence>{1, 1, 1, 2, 1, 2, 2, 2}));
}

TEST(Lemma2, PaxosWithDifferentInputsIsBivalent) {
  const auto paxos = Make("flp-paxos");
  const auto& p = Flp<FlpPaxos>(paxos);
  ASSERT_TRUE(p.oracle().exact());
  EXPECT_EQ(p.oracle().states(), 127920);
  std::vector<Valence> got;
  for (const auto& v : InitialValences(p.model(), p.oracle())) got.push_back(v.valence);
  EXPECT_EQ(got, (std::vector<Valence>{1, 3, 3, 2}));
}

Trace AdversaryTrace(const Checker& checker, const Tape& tape, const std::string& name) {
  Trace t = checker.Record(tape);
  t.protocol = name;
  t.property = kFlpProperty;
  return t;
}

TEST(Adversary, KeepsPaxosUndecidedWithoutCrashAndReplays) {
  const auto checker = Make("flp-paxos", {{"ballots", 60}, {"valence-states", 0}});
  const auto& flp = Flp<FlpPaxos>(checker);
  FlpOptions o = flp.options();
  o.steps_max = 80;
  const AdversaryRun run = RunAdversary(flp.model(), flp.oracle(), 1, o);
  ASSERT_TRUE(run.completed) << run.stopped;
  EXPECT_EQ(run.tape.choices.size(), 80u);
  EXPECT_GT(run.delayed, 0);  // Lemma 3's schedule was needed, not just FIFO
  Executor<ConsensusModel<FlpPaxos>> ex(flp.model());
  ex.Reset(1);
  std::vector<Event> actions;
  for (uint32_t c : run.tape.choices) {
    ex.Actions(actions);
    EXPECT_FALSE(IsFault(actions[c]));
    ex.Apply(c, actions[c]);
    EXPECT_EQ(flp.model().Decided(ex.state()), 0);
  }
  for (Valence v : run.valences) EXPECT_EQ(v, kBivalent);
  const Trace trace = AdversaryTrace(*checker, run.tape, "flp-paxos");
  const ReplayResult r = checker->Replay(trace, nullptr);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kReproduced) << r.message;
  // `show` marks every state with its valence.
  absl::StatusOr<TraceView> view = checker->View(trace);
  ASSERT_TRUE(view.ok()) << view.status();
  for (const StepView& s : view->steps) EXPECT_THAT(s.event, HasSubstr("valence >={0,1}"));
}

// Known bad: an adversary that ignores valence. Oldest-first alone loses
// Paxos' bivalence at step 13 (a majority accepted 0; the proposers go on
// duelling, but 0 is chosen), and lets the n-1 protocol decide. Replay
// refuses both as FLP adversary runs.
TEST(Adversary, IgnoringValenceIsCaughtByReplay) {
  const auto paxos = Make("flp-paxos", {{"ballots", 60}, {"valence-states", 0}});
  const Tape fifo = OldestFirst(Flp<FlpPaxos>(paxos).model(), 1, 40);
  ReplayResult r = paxos->Replay(AdversaryTrace(*paxos, fifo, "flp-paxos"), nullptr);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kNotViolated);
  EXPECT_THAT(r.message, HasSubstr("after step 13 is not bivalent (valence >={0})"));
  const auto votes = Make("flp-first-votes");
  const Tape decides = OldestFirst(Flp<VoteConsensus>(votes).model(), 3, 40);
  r = votes->Replay(AdversaryTrace(*votes, decides, "flp-first-votes"), nullptr);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kNotViolated);
  EXPECT_THAT(r.message, HasSubstr("decides after step"));
}

TEST(Adversary, ReplayRejectsACrashAndAnUnfinishedPhase) {
  const auto checker = Make("flp-paxos", {{"ballots", 60}, {"valence-states", 0}});
  const auto& flp = Flp<FlpPaxos>(checker);
  FlpOptions o = flp.options();
  o.steps_max = 20;
  const AdversaryRun run = RunAdversary(flp.model(), flp.oracle(), 1, o);
  ASSERT_TRUE(run.completed);
  // A crash of p2 first (it is still bivalent: p0 and p1 are a majority).
  World<FlpPaxos> w = flp.model().Init(1);
  std::vector<Event> actions;
  flp.model().Actions(w, actions);
  uint32_t crash = 0;
  while (crash < actions.size() && !(actions[crash].kind == EventKind::kCrash &&
                                     actions[crash].node == 2)) {
    ++crash;
  }
  ASSERT_LT(crash, actions.size());
  Tape crashed{1, {crash}};
  ReplayResult r = checker->Replay(AdversaryTrace(*checker, crashed, "flp-paxos"), nullptr);
  EXPECT_EQ(r.kind, ReplayResult::Kind::kNotViolated);
  EXPECT_THAT(r.message, HasSubstr("is a fault"));
  // Cut inside a phase: the first step of a delaying schedule alone.
  Tape cut{1, {}};
  for (uint32_t c : run.tape.choices) {
    cut.choices.push_back(c);
    r = checker->Replay(AdversaryTrace(*checker, cut, "flp-paxos"), nullptr);
    if (r.kind != ReplayResult::Kind::kReproduced) break;
  }
  EXPECT_THAT(r.message, HasSubstr("inside a phase"));
}

TEST(Horns, FirstVotesTerminatesSoTheAdversaryFailsAndAgreementBreaks) {
  const auto checker = Make("flp-first-votes");
  const auto& flp = Flp<VoteConsensus>(checker);
  const AdversaryRun run = RunAdversary(flp.model(), flp.oracle(), 3, flp.options());
  EXPECT_FALSE(run.completed);
  EXPECT_THAT(run.stopped, HasSubstr("no schedule"));
  ExploreOptions options;
  const Verdict v = Judge(*checker, checker->Explore(options));
  EXPECT_EQ(v.name, "violation");
  EXPECT_EQ(v.property, "agreement");
}

TEST(Horns, WaitAllIsSafeButOneCrashBlocksIt) {
  const auto checker = Make("flp-wait-all");
  const auto& flp = Flp<VoteConsensus>(checker);
  // No bivalent initial configuration: the adversary has nowhere to start.
  for (int i = 0; i < flp.model().InitCount(); ++i) {
    EXPECT_NE(flp.oracle().Of(flp.model().Init(i)).valence, kBivalent);
  }
  const Outcome o = checker->Explore(ExploreOptions{});
  const Verdict v = Judge(*checker, o);
  // Agreement was checked on every reachable state before liveness failed.
  EXPECT_TRUE(o.liveness_checked);
  EXPECT_EQ(v.property, "termination");
  Trace t = checker->Record(o.tape);
  t.property = v.property;
  t.loop_start = o.loop_start;
  EXPECT_EQ(checker->Replay(t, nullptr).kind, ReplayResult::Kind::kReproduced);
  // Without the crash it terminates.
  const Entry* e = FindEntry("flp-wait-all");
  Config c = DefaultConfig(*e);
  c.world.crashes_max = 0;
  const auto no_crash = e->make(c);
  EXPECT_EQ(Judge(*no_crash, no_crash->Explore(ExploreOptions{})).name, "pass");
}

TEST(Reproduce, FlpPrintsBothLemmasAndWritesTraces) {
  std::ostringstream out, err;
  const std::string dir = testing::TempDir() + "/flp";
  ASSERT_EQ(RunReproduce({"flp", "--steps", "40", "--trace-dir", dir}, out, err), 0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("bivalent: p0=1 p1=0"));
  EXPECT_THAT(out.str(), HasSubstr("40 steps"));
  EXPECT_THAT(out.str(), HasSubstr("violation (agreement)"));
  EXPECT_THAT(out.str(), HasSubstr("violation (termination)"));
  EXPECT_THAT(out.str(), HasSubstr("no bivalent one"));
  for (const char* f : {"/flp-paxos.trace", "/flp-first-votes.agreement.trace",
                        "/flp-wait-all.termination.trace"}) {
    EXPECT_TRUE(ReadTraceFile(dir + f).ok()) << f;
  }
  std::ostringstream out2, err2;
  EXPECT_EQ(RunReproduce({"flp", "--steps", "0"}, out2, err2), 2);
  EXPECT_THAT(err2.str(), HasSubstr("--steps"));
}

// An adversary run is a witness, not a counterexample: `show` says what it
// shows (no "violated" line) and `shrink` refuses it with one line.
TEST(Reproduce, ShowAndShrinkTreatTheAdversaryRunAsAWitness) {
  std::ostringstream out, err;
  const std::string dir = testing::TempDir() + "/flp-show";
  ASSERT_EQ(RunReproduce({"flp", "--steps", "20", "--trace-dir", dir}, out, err), 0)
      << err.str();
  const std::string trace = dir + "/flp-paxos.trace";
  std::ostringstream shown, shown_err;
  ASSERT_EQ(RunCli({"show", trace, "--color", "never"}, shown, shown_err), 0)
      << shown_err.str();
  EXPECT_THAT(shown.str(), HasSubstr("FLP adversary: bivalent and undecided"));
  EXPECT_THAT(shown.str(), HasSubstr("{0,1}"));
  EXPECT_THAT(shown.str(), ::testing::Not(HasSubstr("violated")));
  std::ostringstream shrunk, shrunk_err;
  EXPECT_EQ(RunCli({"shrink", trace}, shrunk, shrunk_err), 2);
  EXPECT_THAT(shrunk_err.str(), HasSubstr("not a counterexample"));
}

}  // namespace
}  // namespace faultline
