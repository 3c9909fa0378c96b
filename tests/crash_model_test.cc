// Protocols whose system model has no crash-recovery refuse it with one line
// (exit 2) instead of tripping an assertion in a handler (exit 3); crash-stop
// and a zero crash budget stay allowed.
#include <algorithm>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/cli.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;

int Simulate(const std::string& name, const std::string& crash, const std::string& crashes,
             std::string* err_text) {
  std::ostringstream out, err;
  const int rc = RunCli({"simulate", name, "--crash", crash, "--crashes", crashes, "--runs",
                         "100", "--seed", "1", "--no-shrink", "--trace-dir",
                         testing::TempDir() + "/crash-model"},
                        out, err);
  *err_text = err.str();
  return rc;
}

TEST(CrashModel, ProtocolsWithoutRecoveryRefuseItWithOneLine) {
  for (const char* name : {"central-mutex", "ricart-agrawala", "ricart-agrawala:drop-deferred",
                           "isis-broadcast", "active-replication"}) {
    std::string err;
    EXPECT_EQ(Simulate(name, "recover", "1", &err), 2) << name;
    EXPECT_THAT(err, HasSubstr("does not model crash-recovery")) << name;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(Simulate(name, "stop", "1", &err), 2) << name << ": " << err;
    EXPECT_NE(Simulate(name, "recover", "0", &err), 2) << name << ": " << err;
  }
}

TEST(CrashModel, ProtocolsWithRecoveryStillTakeIt) {
  std::string err;
  EXPECT_EQ(Simulate("paxos", "recover", "1", &err), 0) << err;
}

}  // namespace
}  // namespace faultline
