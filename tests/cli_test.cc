// The command-line contract, run against the real binary: exit codes, one
// clear line for bad input, JSON shapes, trace files that replay.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/trace.h"
#include "nlohmann/json.hpp"
#include "tests/binary_fixture.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using Result = CommandResult;

using Cli = BinaryTest;

TEST_F(Cli, ListJsonHasTheContractFields) {
  const Result r = Faultline("list --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json list = nlohmann::json::parse(r.out);
  ASSERT_TRUE(list.is_array());
  ASSERT_GE(list.size(), 7u);
  for (const auto& e : list) {
    EXPECT_TRUE(e["name"].is_string());
    EXPECT_TRUE(e["description"].is_string());
    ASSERT_TRUE(e["expect"] == "pass" || e["expect"] == "fail") << e;
    EXPECT_EQ(e.contains("property"), e["expect"] == "fail") << e;
    EXPECT_TRUE(e["config"].is_string()) << e;
    ASSERT_FALSE(e["properties"].empty()) << e;
    if (e["expect"] == "fail") {
      bool named = false;
      for (const auto& p : e["properties"]) named |= p["name"] == e["property"];
      EXPECT_TRUE(named) << e;
    }
  }
}

TEST_F(Cli, CheckFindsAViolationWritesATraceAndReplaysIt) {
  const Result r = Faultline("check two-generals --json -o tg.trace");
  ASSERT_EQ(r.code, 1) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "violation");
  EXPECT_EQ(j["property"], "agreement");
  EXPECT_EQ(j["trace"], "tg.trace");
  for (const char* key : {"states", "transitions", "depth", "seconds"}) {
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  EXPECT_THAT(r.err, HasSubstr("options: strategy=bfs"));
  const Result replay = Faultline("replay tg.trace");
  EXPECT_EQ(replay.code, 1) << replay.err;
  EXPECT_THAT(replay.out, HasSubstr("reproduced: agreement violated after step 5"));
  const Result show = Faultline("show tg.trace");
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("drop Messenger(3) A->B"));
  EXPECT_THAT(show.out, HasSubstr("observes retreat"));
}

TEST_F(Cli, HumanSummaryHasAFixedShape) {
  const Result r = Faultline("check two-phase-spec:commit-early");
  ASSERT_EQ(r.code, 1) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 8u) << r.out;
  EXPECT_THAT(lines[0], StartsWith("faultline check two-phase-spec:commit-early"));
  EXPECT_THAT(lines[1], StartsWith("options: "));
  EXPECT_THAT(lines[2], StartsWith("config: rms=3"));
  EXPECT_THAT(lines[3], StartsWith("verdict: violation (TCConsistent)"));
  EXPECT_THAT(lines[4], StartsWith("explored: "));
  EXPECT_THAT(lines[5], StartsWith("visited set: "));
  EXPECT_EQ(lines[6], "trace: faultline-traces/two-phase-spec.commit-early.TCConsistent.trace");
  EXPECT_EQ(lines[7], "replay: faultline replay faultline-traces/two-phase-spec.commit-early.TCConsistent.trace");
  // A second run never replaces the first trace.
  const Result again = Faultline("check two-phase-spec:commit-early");
  EXPECT_THAT(again.out, HasSubstr("TCConsistent-2.trace"));
}

TEST_F(Cli, PassAndBoundsExhaustedAreDistinct) {
  Result r = Faultline("check two-phase-spec --json");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "pass");
  r = Faultline("check two-phase-spec --depth 3 --json");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "bounds-exhausted");
  r = Faultline("check two-phase-spec --states 10");
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("verdict: bounds-exhausted: stopped by states_max"));
  r = Faultline("simulate two-phase-spec --runs 5 --seed 3");
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("verdict: bounds-exhausted: stopped by runs_max"));
  EXPECT_THAT(r.out, HasSubstr("seed=3"));
}

TEST_F(Cli, SimulateFindsBugsReproduciblyFromTheSeed) {
  const Result a = Faultline("simulate paxos:forget-accepted --seed 5 --runs 100000 -o a.trace");
  const Result b = Faultline("simulate paxos:forget-accepted --seed 5 --runs 100000 -o b.trace");
  ASSERT_EQ(a.code, 1) << a.out << a.err;
  ASSERT_EQ(b.code, 1);
  EXPECT_EQ(Slurp(dir_ + "/a.trace"), Slurp(dir_ + "/b.trace"));
  EXPECT_EQ(Faultline("replay a.trace").code, 1);
}

TEST_F(Cli, BadInputGetsOneLineAndExitTwo) {
  ExpectUsageError("", "usage");
  ExpectUsageError("frobnicate", "unknown command 'frobnicate'");
  ExpectUsageError("check", "expected exactly one protocol name");
  ExpectUsageError("check raft-of-doom", "unknown protocol 'raft-of-doom'");
  ExpectUsageError("check paxos --depth abc", "bad value 'abc' for --depth");
  ExpectUsageError("check paxos --depth -1", "bad value '-1' for --depth");
  ExpectUsageError("check paxos --crashes 99", "bad value '99' for crashes");
  ExpectUsageError("check paxos --rounds 0", "bad value '0' for rounds");
  ExpectUsageError("check lamport-mutex --askers 4", "--askers 4 exceeds --nodes 3");
  ExpectUsageError("check paxos --links sideways", "bad value 'sideways' for links");
  ExpectUsageError("check paxos --seconds 0", "bad value '0' for --seconds");
  ExpectUsageError("check paxos --strategy astar", "bad value 'astar' for --strategy");
  ExpectUsageError("check paxos --frobs 3", "unknown option --frobs");
  ExpectUsageError("check paxos --depth", "option --depth needs a value");
  ExpectUsageError("check two-phase-spec --crashes 1", "does not apply to two-phase-spec");
  ExpectUsageError("simulate paxos --strategy bfs", "--strategy must be random");
  ExpectUsageError("list extra", "usage: faultline list");
}

TEST_F(Cli, PropertiesUnknownOrEmptyIsBadUsage) {
  ExpectUsageError("check two-phase-commit --properties atomicity,nope",
                   "unknown property 'nope' for --properties; two-phase-commit has: "
                   "atomicity, validity");
  ExpectUsageError("check two-phase-commit --properties nope --json", "'nope'");
  ExpectUsageError("check two-phase-commit --properties ,", "at least one property");
}

// A violated property that is not selected is not looked for.
TEST_F(Cli, PropertiesFindsOnlyTheSelectedViolation) {
  Result r = Faultline("check two-phase-commit:abort-after-yes --properties validity --json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(nlohmann::json::parse(r.out)["verdict"], "violation");
  r = Faultline("check two-phase-commit:abort-after-yes --properties atomicity -o a.trace");
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("verdict: violation (atomicity)"));
  EXPECT_THAT(r.out, HasSubstr("options: strategy=bfs"));
  EXPECT_THAT(r.out, HasSubstr(" properties=atomicity\n"));
  EXPECT_EQ(Faultline("replay a.trace").code, 1);
}

// Safety alone visits the same states, without deciding liveness.
TEST_F(Cli, PropertiesSafetyOnlySkipsLiveness) {
  const Result full = Faultline("check two-phase-commit --json");
  const Result safety = Faultline("check two-phase-commit --properties atomicity,validity --json");
  ASSERT_EQ(full.code, 0) << full.err;
  ASSERT_EQ(safety.code, 0) << safety.err;
  const nlohmann::json f = nlohmann::json::parse(full.out);
  const nlohmann::json s = nlohmann::json::parse(safety.out);
  EXPECT_EQ(s["verdict"], "pass");
  EXPECT_EQ(s["states"], f["states"]);
  EXPECT_EQ(s["transitions"], f["transitions"]);
  EXPECT_EQ(s["properties_checked"], nlohmann::json({"atomicity", "validity"}));
  EXPECT_EQ(f["properties_checked"],
            nlohmann::json({"atomicity", "validity", "commit-when-all-yes", "termination"}));
  EXPECT_THAT(safety.err, HasSubstr("properties: checked atomicity, validity; not checked: "
                                    "commit-when-all-yes, termination"));
}

TEST_F(Cli, BadTraceFilesGetOneLineAndExitTwo) {
  ExpectUsageError("replay", "expected exactly one trace file");
  ExpectUsageError("replay missing.trace", "missing.trace: No such file");
  ExpectUsageError("replay /", "not a regular file");
  ASSERT_EQ(Faultline("check two-generals -o good.trace").code, 1);
  const std::string good = Slurp(dir_ + "/good.trace");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  };
  write("garbage.trace", "\x7f" "ELF\x02\x01 binary junk");
  ExpectUsageError("replay garbage.trace", "not a faultline trace");
  write("truncated.trace", good.substr(0, good.size() / 2));
  ExpectUsageError("show truncated.trace", "truncated");
  std::string tampered = good;
  tampered[tampered.find("choice 0")] = 'x';
  write("tampered.trace", tampered);
  ExpectUsageError("replay tampered.trace", "modified or corrupted");
  std::string future = good;
  future.replace(0, 17, "faultline-trace 9");
  write("future.trace", future);
  ExpectUsageError("replay future.trace", "version 9 is not readable");
}

// A well-formed trace whose steps no longer match the build: exit 3, naming
// the step and what differs.
TEST_F(Cli, DivergenceNamesTheStepAndExitsThree) {
  ASSERT_EQ(Faultline("check two-generals -o good.trace").code, 1);
  absl::StatusOr<Trace> trace = ReadTraceFile(dir_ + "/good.trace");
  ASSERT_TRUE(trace.ok());
  Trace digest = *trace;
  digest.steps[2].digest ^= 1;
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/digest.trace", FormatTrace(digest)).ok());
  Result r = Faultline("replay digest.trace");
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("step 3 (drop Messenger(3) A->B): world digest differs"));
  Trace event = *trace;
  event.steps[1].event = "deliver Messenger(9) B->A";
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/event.trace", FormatTrace(event)).ok());
  r = Faultline("replay event.trace");
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("step 2: event differs"));
  Trace config = *trace;
  config.config = "messengers=31";
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/config.trace", FormatTrace(config)).ok());
  ExpectUsageError("replay config.trace", "bad value '31' for messengers");
  Trace short_trace = *trace;
  short_trace.steps.pop_back();
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/short.trace", FormatTrace(short_trace)).ok());
  r = Faultline("replay short.trace");
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("agreement holds at the end"));
}

// --symmetry (docs/symmetry.md): a line says whether it reduces, and why not.
TEST_F(Cli, SymmetrySaysWhatItDid) {
  const Result on = Faultline("check two-phase-spec --symmetry");
  EXPECT_EQ(on.code, 0) << on.err;
  EXPECT_THAT(on.out, HasSubstr("symmetry=on"));
  EXPECT_THAT(on.out, HasSubstr("\nsymmetry: on: {rm0,rm1,rm2} (6 permutations)\n"));
  EXPECT_THAT(on.out, HasSubstr("explored: 80 states"));
  const Result off = Faultline("check two-generals --symmetry");
  EXPECT_EQ(off.code, 1) << off.err;  // its violation, found as without
  EXPECT_THAT(off.out, HasSubstr(
      "\nsymmetry: off: this protocol declares no interchangeable nodes\n"));
}

// --prune-stale (docs/stale.md): a line says whether it merges, and why not.
TEST_F(Cli, PruneStaleSaysWhetherItMerges) {
  const Result on = Faultline("check raft --prune-stale");
  EXPECT_EQ(on.code, 0) << on.err;
  EXPECT_THAT(on.out, HasSubstr("prune-stale=on"));
  EXPECT_THAT(on.out, HasSubstr("\nstale messages: on\n"));
  EXPECT_THAT(on.out, HasSubstr("explored: 13769 states"));
  const Result fifo = Faultline("check raft-kv --prune-stale");
  EXPECT_THAT(fifo.out, HasSubstr("\nstale messages: off: links are FIFO"));
  const Result none = Faultline("check two-phase-commit --prune-stale");
  EXPECT_THAT(
      none.out,
      HasSubstr(
          "\nstale messages: off: this protocol declares no stale messages\n"));
  ExpectUsageError("simulate raft --prune-stale --runs 1",
                   "--prune-stale reduces exhaustive search only");
  ExpectUsageError("check raft --prune-stale --por",
                   "--prune-stale cannot be combined with --por yet");
}

// Liveness turns symmetry off, unless --properties leaves it unchecked; the
// known-bad variant's safety violation is still found under symmetry.
TEST_F(Cli, SymmetryAppliesWhenLivenessIsNotSelected) {
  const Result full = Faultline("check two-phase-commit --symmetry");
  EXPECT_THAT(full.out, HasSubstr("symmetry: off: liveness properties"));
  const Result safety =
      Faultline("check two-phase-commit --symmetry --properties atomicity,validity");
  EXPECT_EQ(safety.code, 0) << safety.err;
  EXPECT_THAT(safety.out, HasSubstr("symmetry: on: {p1,p2,p3} (6 permutations)"));
  const Result bad = Faultline(
      "check two-phase-commit:majority-commit --symmetry --properties atomicity,validity");
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("violation (validity)"));
}

TEST_F(Cli, SymmetryRejectsSamplingAndPor) {
  ExpectUsageError("simulate paxos --symmetry --runs 1",
                   "--symmetry reduces exhaustive search only");
  ExpectUsageError("check paxos --symmetry --por",
                   "--symmetry cannot be combined with --por yet");
}

}  // namespace
}  // namespace faultline
