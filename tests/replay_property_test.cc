// RapidCheck: for random runs of real protocols with every fault kind on,
// replay(parse(format(record(run)))) reproduces the run step for step.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/executor.h"
#include "harness/random.h"
#include "harness/trace.h"
#include "protocols/paxos.h"
#include "protocols/two_generals.h"
#include "rapidcheck/gtest.h"

namespace faultline {
namespace {

WorldOptions AllFaults() {
  WorldOptions w;
  w.crash = CrashModel::kRecover;
  w.crashes_max = 2;
  w.drops_max = 2;
  w.duplicates_max = 2;
  w.partitions_max = 1;
  return w;
}

struct Run {
  Tape tape;
  std::vector<uint64_t> digests;
  std::vector<std::string> events;
};

// A random walk of at most `depth` steps, recorded independently of Record().
template <Model M>
Run RandomRun(const M& model, uint64_t seed, int depth) {
  Run run;
  Rng rng(seed);
  Executor<M> ex(model);
  ex.Reset(0);
  std::vector<typename M::Action> actions;
  for (int i = 0; i < depth; ++i) {
    ex.Actions(actions);
    if (actions.empty()) break;
    const auto c = static_cast<uint32_t>(rng.Below(actions.size()));
    run.events.push_back(model.Describe(ex.state(), actions[c]));
    ex.Apply(c, actions[c]);
    run.digests.push_back(ex.Digest());
  }
  run.tape = ex.tape();
  return run;
}

template <typename P>
void CheckRoundTrip(P protocol, uint64_t seed, int depth) {
  const WorldOptions world = AllFaults();
  const ActorModel<P> model(protocol, world);
  const Run run = RandomRun(model, seed, depth);
  const auto checker = MakeActorChecker(protocol, world);
  Trace trace = checker->Record(run.tape);
  trace.protocol = "test";
  trace.property = "agreement";
  const absl::StatusOr<Trace> parsed = ParseTrace(FormatTrace(trace));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == trace);
  RC_ASSERT(parsed->steps.size() == run.digests.size());
  for (size_t i = 0; i < run.digests.size(); ++i) {
    RC_ASSERT(parsed->steps[i].digest == run.digests[i]);
    RC_ASSERT(parsed->steps[i].event == run.events[i]);
    RC_ASSERT(parsed->steps[i].choice == run.tape.choices[i]);
  }
  const ReplayResult replay = checker->Replay(*parsed, nullptr);
  RC_ASSERT(replay.kind != ReplayResult::Kind::kDiverged);
}

RC_GTEST_PROP(ReplayRecord, PaxosRunsReplayStepForStep, (uint64_t seed)) {
  const int depth = *rc::gen::inRange(0, 60);
  Paxos p;
  p.rounds = *rc::gen::inRange(1, 3);
  p.bug = *rc::gen::element(Paxos::Bug::kNone, Paxos::Bug::kForgetAccepted);
  CheckRoundTrip(p, seed, depth);
}

RC_GTEST_PROP(ReplayRecord, TwoGeneralsRunsReplayStepForStep, (uint64_t seed)) {
  TwoGenerals p;
  p.messengers = *rc::gen::inRange(1, 10);
  CheckRoundTrip(p, seed, *rc::gen::inRange(0, 30));
}

// A digest mismatch anywhere is caught at exactly that step.
RC_GTEST_PROP(ReplayRecord, AnyCorruptedDigestIsCaughtAtItsStep, (uint64_t seed)) {
  Paxos p;
  const WorldOptions world = AllFaults();
  const ActorModel<Paxos> model(p, world);
  const Run run = RandomRun(model, seed, 30);
  RC_PRE(!run.tape.choices.empty());
  const auto checker = MakeActorChecker(p, world);
  Trace trace = checker->Record(run.tape);
  trace.property = "agreement";
  const size_t k = *rc::gen::inRange<size_t>(0, trace.steps.size());
  trace.steps[k].digest ^= uint64_t{1} << *rc::gen::inRange(0, 64);
  const ReplayResult replay = checker->Replay(trace, nullptr);
  RC_ASSERT(replay.kind == ReplayResult::Kind::kDiverged);
  RC_ASSERT(replay.message.rfind("step " + std::to_string(k + 1) + " ", 0) == 0);
}

}  // namespace
}  // namespace faultline
