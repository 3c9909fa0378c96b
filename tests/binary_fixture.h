// A test fixture that runs the real `faultline` binary (named by the
// FAULTLINE_BIN environment variable, set by tests/CMakeLists.txt) in a fresh
// directory per test, for tests of the command-line contract.
#ifndef FAULTLINE_TESTS_BINARY_FIXTURE_H_
#define FAULTLINE_TESTS_BINARY_FIXTURE_H_

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace faultline {

struct CommandResult {
  int code;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class BinaryTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("FAULTLINE_BIN");
    ASSERT_NE(bin, nullptr) << "FAULTLINE_BIN must name the faultline binary";
    bin_ = bin;
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(testing::TempDir(), "/", info->test_suite_name(), "_", info->name());
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()), 0);
  }

  // Runs `faultline ARGS` in the test's directory.
  CommandResult Faultline(const std::string& args) {
    const std::string cmd = absl::StrCat("cd ", dir_, " && ", bin_, " ", args,
                                         " >out.txt 2>err.txt");
    const int status = std::system(cmd.c_str());
    return {WEXITSTATUS(status), Slurp(dir_ + "/out.txt"), Slurp(dir_ + "/err.txt")};
  }

  // Bad input: exit 2 and exactly one line on stderr containing `what`.
  void ExpectUsageError(const std::string& args, const std::string& what) {
    const CommandResult r = Faultline(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, testing::HasSubstr(what)) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }

  std::string bin_;
  std::string dir_;
};

}  // namespace faultline

#endif  // FAULTLINE_TESTS_BINARY_FIXTURE_H_
