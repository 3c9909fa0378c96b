// `faultline reproduce`: the Two Generals table, the z3 quorum proofs, the
// Byzantine generals bound and CAP.
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/cli.h"
#include "harness/quorums.h"
#include "harness/reproduce.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;

TEST(Quorums, TrueBoundsAreProvedForAllParameters) {
  const auto claims = StandardClaims();
  ASSERT_EQ(claims.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<QuorumResult> r = CheckClaim(claims[i]);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->proved) << claims[i].statement << ": " << r->counterexample;
  }
}

TEST(Quorums, AWrongBoundIsRefutedWithACounterexample) {
  // n >= 2f+1 is the crash bound; Byzantine quorums need n >= 3f+1.
  const QuorumClaim wrong = StandardClaims()[3];
  absl::StatusOr<QuorumResult> r = CheckClaim(wrong);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->proved);
  EXPECT_THAT(r->counterexample, HasSubstr("f="));
  // Off by one on the right bound is caught too.
  QuorumClaim off_by_one{QuorumSystem::kByzantine, "n >= 4f+1", 4};
  r = CheckClaim(off_by_one);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->proved);
}

TEST(Reproduce, TwoGeneralsLosesTheLastMessengerForEveryK) {
  std::ostringstream out, err;
  const std::string dir = testing::TempDir() + "/generals";
  ASSERT_EQ(RunReproduce({"two-generals", "--max-k", "5", "--trace-dir", dir}, out, err), 0)
      << err.str();
  for (int k = 1; k <= 5; ++k) {
    EXPECT_THAT(out.str(), HasSubstr("| " + std::to_string(k) + " | " +
                                     std::to_string(k + 2) + " | Messenger(" +
                                     std::to_string(k) + ")"));
  }
  // The sender of the lost messenger attacks; the receiver retreats.
  EXPECT_THAT(out.str(), HasSubstr("| 1 | 3 | Messenger(1) A->B | attack | retreat |"));
  EXPECT_THAT(out.str(), HasSubstr("| 2 | 4 | Messenger(2) B->A | retreat | attack |"));
}

TEST(Reproduce, QuorumsCommandPrintsProofsAndTheRefutation) {
  std::ostringstream out, err;
  ASSERT_EQ(RunReproduce({"quorums"}, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("proved:  quorums of size n-f pairwise share"));
  EXPECT_THAT(out.str(), HasSubstr("refuted: (wrong on purpose)"));
}

TEST(Reproduce, BadUsageIsOneLine) {
  std::ostringstream out, err;
  EXPECT_EQ(RunReproduce({"flp-but-spelled-wrong"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown result"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunReproduce({"two-generals", "--max-k", "99"}, out2, err2), 2);
}

// OM(1): n = 3 fails IC2 only when a lieutenant is the traitor (the proof's
// indistinguishable runs), n = 4 passes; PBFT with 2f quorums fails.
TEST(Reproduce, ByzantineWritesTracesAndTiesThemToTheProof) {
  std::ostringstream out, err;
  const std::string dir = testing::TempDir() + "/byzantine";
  ASSERT_EQ(RunReproduce({"byzantine", "--trace-dir", dir}, out, err), 0) << err.str();
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("violation of IC2 in 6 steps, traitor L1"));
  EXPECT_THAT(text, HasSubstr("| C (commander) | pass | - |"));
  EXPECT_THAT(text, HasSubstr("| L1 | violation | IC2 | 6 steps |"));
  EXPECT_THAT(text, HasSubstr("| L2 | violation | IC2 | 6 steps |"));
  EXPECT_THAT(text, HasSubstr("cannot tell a traitorous\ncommander from a traitorous lieutenant"));
  EXPECT_THAT(text, HasSubstr("n = 4 = 3f+1, m = 1, any one traitor, every adversary strategy:\n  pass"));
  EXPECT_THAT(text, HasSubstr("pbft:quorum-2f (quorums of 2f = 2, any traitor): violation of agreement"));
  for (const char* name : {"byzantine-om1-n3", "byzantine-pbft-quorum-2f"}) {
    std::ostringstream rout, rerr;
    EXPECT_EQ(RunCli({"replay", dir + "/" + name + ".trace"}, rout, rerr), 1) << name << rerr.str();
    EXPECT_THAT(rout.str(), HasSubstr("reproduced: "));
  }
}

TEST(Reproduce, CapShowsBothHalvesOfTheTheorem) {
  std::ostringstream out, err;
  const std::string dir = testing::TempDir() + "/cap";
  ASSERT_EQ(RunReproduce({"cap", "--trace-dir", dir}, out, err), 0) << err.str();
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("violation of\nlinearizable in 4 steps"));
  EXPECT_THAT(text, HasSubstr("step 2: partition {r0} {r1}"));
  EXPECT_THAT(text, HasSubstr("liveness violation of answered"));
  EXPECT_THAT(text, HasSubstr("Gilbert & Lynch 2002"));
  EXPECT_THAT(text, HasSubstr("no run misses an answer within\n20 steps after the heal"));
  for (const char* name : {"cap-available", "cap-consistent"}) {
    std::ostringstream rout, rerr;
    EXPECT_EQ(RunCli({"replay", dir + "/" + name + ".trace"}, rout, rerr), 1) << name << rerr.str();
  }
}

TEST(Reproduce, ByzantineAndCapRejectUnknownOptions) {
  std::ostringstream out, err;
  EXPECT_EQ(RunReproduce({"cap", "--max-k", "3"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown option --max-k for reproduce cap"));
}

}  // namespace
}  // namespace faultline
