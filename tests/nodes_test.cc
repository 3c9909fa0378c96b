// `--nodes N`: one name for every scalable entry's node count. Run against the
// real binary: each entry maps it to its own parameter (recorded as that
// parameter in the config line and in traces), entries without a node count
// refuse it with one line and exit 2, and `list --json` names the mapping.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/binary_fixture.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;


// The "config: ..." line of a run's human output (the summary line also
// carries the time, which differs between runs).
std::string ConfigLine(const std::string& human) {
  const size_t start = human.find("\nconfig: ");
  if (start == std::string::npos) return "";
  return human.substr(start + 1, human.find('\n', start + 1) - start - 1);
}

class Nodes : public BinaryTest {
 protected:
  // `check ... --json`: the summary object (stdout) and the human lines.
  nlohmann::json CheckJson(const std::string& args, std::string* human) {
    const CommandResult r = Faultline("check " + args + " --json");
    EXPECT_NE(r.code, 2) << args << ": " << r.err;
    if (human != nullptr) *human = r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(Nodes, ListJsonNamesEachEntrysNodeParameter) {
  const CommandResult r = Faultline("list --json");
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& e : nlohmann::json::parse(r.out)) {
    ASSERT_TRUE(e.contains("nodes_param")) << e;
    // Either no node count, or one of the entry's own parameters.
    if (!e["nodes_param"].is_null()) {
      EXPECT_TRUE(e["params"].contains(e["nodes_param"].get<std::string>())) << e;
    }
    by_name[e["name"]] = e["nodes_param"];
  }
  const std::map<std::string, nlohmann::json> expected = {
      {"chang-roberts", "nodes"},      {"two-phase-commit", "participants"},
      {"paxos", "acceptors"},          {"raft", "servers"},
      {"two-phase-spec", "rms"},       {"reliable-broadcast", "nodes"},
      {"ricart-agrawala", "nodes"},    {"primary-backup", "replicas"},
      {"oral-messages", "n"},          {"two-generals", nullptr},
      {"pbft", nullptr},               {"cap-register", nullptr},
  };
  for (const auto& [name, param] : expected) {
    ASSERT_TRUE(by_name.contains(name)) << name;
    EXPECT_EQ(by_name[name], param) << name;
  }
}

// Chang & Roberts state counts, pinned: bench/spin/chang_roberts.pml gives
// SPIN the same numbers (bench/spin_compare.py checks that).
TEST_F(Nodes, ChangRobertsScalesWithNodes) {
  const std::map<int, int64_t> states = {{3, 82}, {4, 292}, {5, 1123}, {6, 3749}};
  for (const auto& [n, count] : states) {
    std::string human;
    const nlohmann::json j = CheckJson(absl::StrCat("chang-roberts --nodes ", n), &human);
    EXPECT_EQ(j["verdict"], "pass") << n;
    EXPECT_EQ(j["states"], count) << n;
    EXPECT_THAT(human, HasSubstr(absl::StrCat(" nodes=", n, "\n")));
  }
}

TEST_F(Nodes, AliasEqualsTheEntrysOwnParameter) {
  for (const std::string& pair : {std::string("two-phase-commit|participants"),
                                  std::string("two-phase-spec|rms"),
                                  std::string("primary-backup|replicas")}) {
    const std::string name = pair.substr(0, pair.find('|'));
    const std::string param = pair.substr(pair.find('|') + 1);
    std::string alias_human, own_human;
    const nlohmann::json alias = CheckJson(name + " --nodes 2", &alias_human);
    const nlohmann::json own = CheckJson(name + " --" + param + " 2", &own_human);
    EXPECT_EQ(alias["states"], own["states"]) << name;
    EXPECT_EQ(alias["transitions"], own["transitions"]) << name;
    // The config line names the underlying parameter, never "nodes".
    EXPECT_THAT(ConfigLine(alias_human), HasSubstr(" " + param + "=2")) << name;
    EXPECT_EQ(ConfigLine(alias_human), ConfigLine(own_human)) << name;
  }
  std::string human;
  EXPECT_EQ(CheckJson("two-phase-spec --nodes 3", &human)["states"], 288);
}

TEST_F(Nodes, SimulateTakesNodesToo) {
  const CommandResult r =
      Faultline("simulate raft --nodes 4 --runs 2 --depth 10 --seed 7");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" servers=4"));
}

TEST_F(Nodes, TraceRecordsTheUnderlyingParameter) {
  const CommandResult r =
      Faultline("check two-phase-commit:majority-commit --nodes 4 -o bug.trace");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const std::string trace = Slurp(dir_ + "/bug.trace");
  EXPECT_THAT(trace, HasSubstr(" participants=4"));
  EXPECT_THAT(trace, ::testing::Not(HasSubstr("nodes=")));
  const CommandResult replay = Faultline("replay bug.trace");
  EXPECT_EQ(replay.code, 1) << replay.err;
  EXPECT_THAT(replay.out, HasSubstr("reproduced: "));
}

TEST_F(Nodes, BadNodesIsOneLineAndExitTwo) {
  ExpectUsageError("check two-generals --nodes 3", "two-generals has no node count");
  ExpectUsageError("check pbft --nodes 4", "pbft has no node count");
  ExpectUsageError("simulate cap-register --nodes 3", "has no node count");
  ExpectUsageError("check raft --nodes 3 --servers 3", "give one of them");
  ExpectUsageError("check raft --nodes 99", "(--nodes sets servers for raft)");
  ExpectUsageError("check chang-roberts --nodes 2", "bad value '2' for nodes");
  ExpectUsageError("check chang-roberts --nodes many", "bad value 'many'");
  ExpectUsageError("check chang-roberts --nodes", "needs a value");
}

}  // namespace
}  // namespace faultline
