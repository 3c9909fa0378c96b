// Trace files: round trip, and one clear error for every kind of bad file.
#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/trace.h"

namespace faultline {
namespace {

using ::testing::HasSubstr;

Trace Sample() {
  Trace t;
  t.protocol = "paxos:forget-accepted";
  t.config = "links=unordered crashes=1 rounds=1";
  t.property = "agreement";
  t.found_by = "bfs seed=0";
  t.init = 0;
  t.init_digest = 0x0123456789abcdefULL;
  t.steps = {{3, 0xfedcba9876543210ULL, "deliver Prepare(b=0) p0->a1"},
             {0, 0x1ULL, "crash a2"}};
  return t;
}

TEST(Trace, RoundTrips) {
  const std::string text = FormatTrace(Sample());
  absl::StatusOr<Trace> back = ParseTrace(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Sample());
  EXPECT_EQ(FormatTrace(*back), text);
}

TEST(Trace, NewlinesInEventsCannotBreakTheFormat) {
  Trace t = Sample();
  t.steps[0].event = "deliver Evil(\nstep 9 choice 0)";
  absl::StatusOr<Trace> back = ParseTrace(FormatTrace(t));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->steps.size(), 2u);
}

TEST(Trace, RefusesGarbage) {
  EXPECT_THAT(ParseTrace("hello\nworld\n").status().message(),
              HasSubstr("not a faultline trace"));
  EXPECT_THAT(ParseTrace("").status().message(), HasSubstr("not a faultline trace"));
  EXPECT_THAT(ParseTrace(std::string("\0\x01\xff", 3)).status().message(),
              HasSubstr("not a faultline trace"));
}

TEST(Trace, RefusesOtherVersionsByName) {
  std::string text = FormatTrace(Sample());
  text.replace(0, 17, "faultline-trace 7");
  EXPECT_THAT(ParseTrace(text).status().message(),
              HasSubstr("version 7 is not readable"));
}

TEST(Trace, RefusesTruncatedFiles) {
  const std::string text = FormatTrace(Sample());
  for (size_t cut : {text.size() - 5, text.size() / 2, size_t{40}}) {
    absl::StatusOr<Trace> t = ParseTrace(text.substr(0, cut));
    ASSERT_FALSE(t.ok()) << cut;
    EXPECT_THAT(t.status().message(), HasSubstr("truncated")) << cut;
  }
}

TEST(Trace, RefusesTamperedFiles) {
  std::string text = FormatTrace(Sample());
  text.replace(text.find("choice 3"), 8, "choice 4");
  EXPECT_THAT(ParseTrace(text).status().message(), HasSubstr("modified"));
}

TEST(Trace, WritesAtomicallyAndNeverReusesAName) {
  const std::string dir = testing::TempDir();
  const std::string path = dir + "/atomic.trace";
  std::remove(path.c_str());
  std::remove((dir + "/atomic-2.trace").c_str());
  ASSERT_TRUE(WriteFileAtomically(path, "one").ok());
  EXPECT_EQ(UnusedPath(path), dir + "/atomic-2.trace");
  ASSERT_TRUE(WriteFileAtomically(dir + "/atomic-2.trace", "two").ok());
  EXPECT_EQ(UnusedPath(path), dir + "/atomic-3.trace");
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "one");
  EXPECT_FALSE(WriteFileAtomically("/nonexistent-dir/x.trace", "x").ok());
}

TEST(Trace, ReadReportsMissingFiles) {
  absl::StatusOr<Trace> t = ReadTraceFile("/nonexistent/x.trace");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("/nonexistent/x.trace"));
  EXPECT_THAT(ReadTraceFile("/").status().message(), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace faultline
