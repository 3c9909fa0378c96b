// Packed worlds (harness/packed_world.h): every state the frontier may hold
// reads back exactly, under crash-recovery (disks), traitors (the
// adversary's outbox, knowledge and twins) and causality stamps; a buffer
// that is short or long is refused.
#include "harness/packed_world.h"

#include <string>

#include "gtest/gtest.h"
#include "harness/executor.h"
#include "harness/random.h"
#include "harness/world.h"
#include "protocols/paxos.h"
#include "protocols/pbft.h"
#include "protocols/raft.h"

namespace faultline {
namespace {

// What the walks met, so that a test cannot pass on empty worlds.
struct Seen {
  int states = 0;
  int with_disk = 0;
  int with_traitors = 0;
  int with_outbox = 0;
  int with_stamps = 0;
};

// Random walks from every initial state; at each state packs, unpacks into
// a world left dirty by the previous state, and compares digests and bytes.
template <typename P>
Seen RoundTripOnWalks(P protocol, WorldOptions options, int walks, int steps) {
  static_assert(kPackableWorld<P>);
  ActorModel<P> model(std::move(protocol), options);
  Executor<ActorModel<P>> ex(model);
  Rng rng(7);
  std::vector<Event> actions;
  std::string bytes, again;
  World<P> back;
  Seen seen;
  for (int walk = 0; walk < walks; ++walk) {
    ex.Reset(static_cast<int>(rng.Below(model.InitCount())));
    for (int step = 0; step < steps; ++step) {
      const World<P>& w = ex.state();
      PackWorld(w, bytes);
      UnpackWorld(bytes, back);
      EXPECT_EQ(model.Digest(back), model.Digest(w));
      EXPECT_EQ(model.FastDigest(back), model.FastDigest(w));
      PackWorld(back, again);
      EXPECT_EQ(again, bytes);
      ++seen.states;
      seen.with_disk += !w.disk.empty();
      seen.with_traitors += w.byz.traitors != 0;
      seen.with_outbox += !w.byz.outbox.empty();
      seen.with_stamps += !w.network.empty() && !w.network[0].stamp.empty();
      ex.Actions(actions);
      if (actions.empty()) break;
      const uint32_t c = static_cast<uint32_t>(rng.Below(actions.size()));
      ex.Apply(c, actions[c]);
    }
  }
  return seen;
}

TEST(PackedWorld, PaxosUnderCrashRecoveryReadsBack) {
  WorldOptions o;
  o.crash = CrashModel::kRecover;
  o.crashes_max = 2;
  o.drops_max = 1;
  o.duplicates_max = 1;
  o.partitions_max = 1;
  const Seen seen = RoundTripOnWalks(Paxos{}, o, 20, 60);
  EXPECT_GT(seen.with_disk, 100);
}

TEST(PackedWorld, RaftReadsBack) {
  WorldOptions o;
  o.crash = CrashModel::kRecover;
  o.crashes_max = 1;
  Raft raft;
  raft.requests = 2;
  const Seen seen = RoundTripOnWalks(raft, o, 20, 80);
  EXPECT_GT(seen.states, 500);
}

TEST(PackedWorld, PbftWithTraitorsAndTwinsReadsBack) {
  WorldOptions o;
  o.timers = TimerModel::kRounds;
  o.byzantine_max = 1;
  o.twins = true;
  const Seen seen = RoundTripOnWalks(Pbft{}, o, 20, 60);
  EXPECT_GT(seen.with_traitors, 100);
  EXPECT_GT(seen.with_outbox, 10);
}

TEST(PackedWorld, CausalityStampsReadBack) {
  WorldOptions o;
  o.causality = true;
  o.crash = CrashModel::kRecover;
  o.crashes_max = 1;
  const Seen seen = RoundTripOnWalks(Paxos{}, o, 20, 40);
  EXPECT_GT(seen.with_stamps, 50);
}

TEST(PackedWorldDeathTest, AShortOrLongBufferIsRefused) {
  Paxos paxos;
  ActorModel<Paxos> model(paxos, WorldOptions{});
  const World<Paxos> w = model.Init(0);
  std::string bytes;
  PackWorld(w, bytes);
  World<Paxos> back;
  EXPECT_DEATH(
      UnpackWorld(std::string_view(bytes).substr(0, bytes.size() - 1), back),
      "");
  EXPECT_DEATH(UnpackWorld(bytes + "x", back), "");
}

}  // namespace
}  // namespace faultline
