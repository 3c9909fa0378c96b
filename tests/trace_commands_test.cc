// The readable-trace commands end to end (shrink, show, render, simulate's
// shrinking) and format life: a trace of another format version is refused
// with a message naming its version, never misread.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/trace.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Result {
  int code;
  std::string out;
  std::string err;
};

class Commands : public testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("FAULTLINE_BIN");
    ASSERT_NE(bin, nullptr) << "FAULTLINE_BIN must name the faultline binary";
    bin_ = bin;
    dir_ = absl::StrCat(testing::TempDir(), "/tc_",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()), 0);
  }

  Result Faultline(const std::string& args) {
    const std::string cmd = absl::StrCat("cd ", dir_, " && ", bin_, " ", args,
                                         " >out.txt 2>err.txt");
    const int status = std::system(cmd.c_str());
    return {WEXITSTATUS(status), Slurp(dir_ + "/out.txt"),
            Slurp(dir_ + "/err.txt")};
  }

  void ExpectUsageError(const std::string& args, const std::string& what) {
    const Result r = Faultline(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(what)) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  // A valid two-generals trace in dir_/tg.trace.
  void WriteGenerals() {
    ASSERT_EQ(Faultline("check two-generals -o tg.trace").code, 1);
  }

  std::string bin_;
  std::string dir_;
};

TEST_F(Commands, SimulateShrinksUnlessAskedNotTo) {
  const std::string args =
      "simulate two-generals --drops 2 --duplicates 3 --seed 6 --depth 60 ";
  const Result raw = Faultline(args + "--no-shrink -o raw.trace");
  ASSERT_EQ(raw.code, 1) << raw.err;
  EXPECT_THAT(raw.out, Not(HasSubstr("shrunk")));
  const Result shrunk = Faultline(args + "-o small.trace");
  ASSERT_EQ(shrunk.code, 1) << shrunk.err;
  EXPECT_THAT(shrunk.out, HasSubstr("shrunk: "));
  EXPECT_THAT(shrunk.out, HasSubstr("-> 5 steps"));
  EXPECT_THAT(Faultline("replay small.trace").out, HasSubstr("reproduced: agreement"));
  // BFS traces are left as they are.
  EXPECT_THAT(Faultline("check two-generals -o bfs.trace").out,
              Not(HasSubstr("shrunk")));
  // `shrink` on the raw trace gives the same file simulate wrote.
  const Result r = Faultline("shrink raw.trace -o again.trace");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("-> 5"));
  EXPECT_THAT(r.out, HasSubstr("no single step can be removed"));
  EXPECT_EQ(Slurp(dir_ + "/again.trace"), Slurp(dir_ + "/small.trace"));
}

TEST_F(Commands, ShrinkNeverOverwritesWithoutDashO) {
  WriteGenerals();
  std::ofstream(dir_ + "/tg.shrunk.trace") << "mine";
  const Result r = Faultline("shrink tg.trace");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Slurp(dir_ + "/tg.shrunk.trace"), "mine");
  EXPECT_THAT(r.out, HasSubstr("tg.shrunk-2.trace"));
  EXPECT_EQ(Faultline("replay tg.shrunk-2.trace").code, 1);
}

TEST_F(Commands, ShowDrawsWithoutColourOffATerminal) {
  WriteGenerals();
  const Result r = Faultline("show tg.trace");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(r.out, HasSubstr("<-- agreement violated"));
  EXPECT_THAT(Faultline("show tg.trace --color always").out, HasSubstr("\x1b["));
  EXPECT_THAT(Faultline("show tg.trace --narrate").out, HasSubstr("final state"));
  ExpectUsageError("show tg.trace --color sometimes", "--color");
}

TEST_F(Commands, RenderWritesHtmlAndShiViz) {
  WriteGenerals();
  const Result html = Faultline("render tg.trace -o tg.html");
  ASSERT_EQ(html.code, 0) << html.err;
  EXPECT_THAT(html.out, HasSubstr("2 nodes, 3 messages, 5 steps"));
  EXPECT_THAT(Slurp(dir_ + "/tg.html"), HasSubstr("<svg id=\"diagram\""));
  const Result shiviz = Faultline("render tg.trace --shiviz");
  ASSERT_EQ(shiviz.code, 0) << shiviz.err;
  EXPECT_THAT(shiviz.out, HasSubstr("(?<event>.*)\\n(?<host>\\S*)"));
  EXPECT_THAT(shiviz.out, HasSubstr("B {\"A\":1,\"B\":3}"));
  ExpectUsageError("render", "expected a trace file");
  ExpectUsageError("render tg.trace --bogus", "unknown option --bogus");
  ExpectUsageError("shrink tg.trace --runs 0", "--runs");
  ExpectUsageError("render missing.trace -o x.html", "missing.trace");
}

// Another version on the first line. The version is judged before anything
// else (the checksum included): another version's layout is never parsed.
std::string WithVersion(const std::string& trace, const std::string& version) {
  std::string out = trace;
  out.replace(0, out.find('\n'), "faultline-trace " + version);
  return out;
}

TEST(FormatLife, OtherVersionsAreRefusedByName) {
  const std::string valid = FormatTrace(Trace{});
  ASSERT_TRUE(ParseTrace(valid).ok());
  const auto refused = [&](const std::string& version) {
    const absl::StatusOr<Trace> t = ParseTrace(WithVersion(valid, version));
    EXPECT_FALSE(t.ok()) << version;
    return std::string(t.status().message());
  };
  EXPECT_THAT(refused("0"), HasSubstr("version 0 is not readable"));
  EXPECT_THAT(refused("0"), HasSubstr("older; re-record"));
  EXPECT_THAT(refused("2"), HasSubstr("version 2 is not readable"));
  EXPECT_THAT(refused("2"), HasSubstr("newer"));
  EXPECT_THAT(refused("x1"), HasSubstr("unreadable format version 'x1'"));
  EXPECT_THAT(refused(""), HasSubstr("unreadable format version"));
}

TEST_F(Commands, EveryTraceCommandRefusesAnOldVersion) {
  WriteGenerals();
  const std::string old =
      absl::StrReplaceAll(Slurp(dir_ + "/tg.trace"),
                          {{"faultline-trace 1\n", "faultline-trace 0\n"}});
  std::ofstream(dir_ + "/old.trace") << old;
  for (const char* command : {"replay", "show", "shrink", "render"}) {
    ExpectUsageError(absl::StrCat(command, " old.trace"),
                     "trace format version 0 is not readable");
  }
}

}  // namespace
}  // namespace faultline
