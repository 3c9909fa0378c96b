// `faultline reproduce`: the Two Generals table and the z3 quorum proofs.
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

}  // namespace
}  // namespace faultline
