// Fuzz smoke: the canary is found, parsers run clean under ASan and UBSan.
//
// The canary is a buggy variant the fuzzer must find within seconds through
// `faultline fuzz`; the trace it writes must replay. A fuzzer that finds
// nothing in a known-bad target is itself broken. The parser fuzzers run for
// a few seconds each under AddressSanitizer and UndefinedBehaviorSanitizer
// and must exit 0 (libFuzzer exits non-zero on any crash or sanitizer report).
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

struct Result {
  int code;
  std::string out;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FuzzSmoke : public testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("FAULTLINE_BIN");
    ASSERT_NE(bin, nullptr);
    bin_ = bin;
    dir_ = absl::StrCat(testing::TempDir(), "/fuzz_",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()), 0);
  }
  Result Run(const std::string& command) {
    const std::string cmd = absl::StrCat("cd ", dir_, " && ", command, " >out.txt 2>&1");
    const int status = std::system(cmd.c_str());
    return {WEXITSTATUS(status), Slurp(dir_ + "/out.txt")};
  }
  std::string bin_;
  std::string dir_;
};

TEST_F(FuzzSmoke, CanaryIsFoundWithinSecondsAndItsTraceReplays) {
  const Result r = Run(bin_ + " fuzz paxos:no-persist --seconds 20 --seed 1 -o canary.trace");
  ASSERT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verdict: violation (agreement)"));
  EXPECT_THAT(r.out, HasSubstr("replay: faultline replay canary.trace"));
  EXPECT_THAT(r.out, HasSubstr("shrunk: "));  // fuzzing shrinks by default
  const Result replay = Run(bin_ + " replay canary.trace");
  EXPECT_EQ(replay.code, 1) << replay.out;
  EXPECT_THAT(replay.out, HasSubstr("reproduced: agreement violated"));
  EXPECT_THAT(replay.out, HasSubstr("found by fuzz seed=1"));
}

TEST_F(FuzzSmoke, CorrectProtocolIsBoundsExhaustedNotPassed) {
  const Result r = Run(bin_ + " fuzz two-phase-spec --seconds 2 --seed 3");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verdict: bounds-exhausted"));
  EXPECT_THAT(r.out, HasSubstr("fuzzer inputs"));
}

TEST_F(FuzzSmoke, BadInputIsOneLineAndExitTwo) {
  const Result r = Run(bin_ + " fuzz no-such-protocol --seconds 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("unknown protocol"));
  const Result s = Run(bin_ + " fuzz paxos --seconds 0");
  EXPECT_EQ(s.code, 2) << s.out;
  EXPECT_THAT(s.out, HasSubstr("--seconds"));
}

// Seeds the trace parser with the committed traces, then mutates for 4 s.
TEST_F(FuzzSmoke, TraceParserRunsCleanUnderSanitizers) {
  const std::string corpus = dir_ + "/corpus";
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p ", corpus, " && cp ", FAULTLINE_SOURCE_DIR,
                                     "/traces/*.trace ", corpus).c_str()), 0);
  const Result r = Run(absl::StrCat(FUZZ_TRACE_PARSER, " -max_total_time=4 -seed=1 ",
                                    corpus));
  EXPECT_EQ(r.code, 0) << r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0);
  EXPECT_THAT(r.out, HasSubstr("Done "));
}

// Only with -DFAULTLINE_FUZZ_SANITIZED=ON (a second, sanitized build of the
// core); the default suite does not carry a test it would always skip.
#ifdef FAULTLINE_HAS_CLI_VALUES_FUZZER
TEST_F(FuzzSmoke, CliValuesRunCleanUnderSanitizers) {
  const std::string fuzzer = FUZZ_CLI_VALUES;
  const Result r = Run(fuzzer + " -max_total_time=4 -seed=1 -max_len=128");
  EXPECT_EQ(r.code, 0) << r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0);
  EXPECT_THAT(r.out, HasSubstr("Done "));
}
#endif

}  // namespace
