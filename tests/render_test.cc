// Pictures of traces: the structured view, vector clocks, the terminal
// diagram, ShiViz, and the HTML viewer in a real headless browser.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/checker.h"
#include "harness/render.h"
#include "harness/view.h"
#include "nlohmann/json.hpp"
#include "protocols/two_generals.h"
#include "protocols/two_phase_spec.h"

namespace faultline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

WorldOptions GeneralsWorld() {
  WorldOptions w;
  w.timers = TimerModel::kSynchronous;
  w.drops_max = 1;
  return w;
}

// BFS's counterexample for three messengers: deliver 1, deliver 2, drop 3,
// A's deadline (attack), B's deadline (retreat).
TraceView GeneralsView() {
  const auto checker =
      MakeActorChecker(TwoGenerals{.messengers = 3}, GeneralsWorld());
  const Outcome o = checker->Explore(ExploreOptions{});
  Trace t = checker->Record(o.tape);
  t.protocol = "two-generals";
  t.property = "agreement";
  absl::StatusOr<TraceView> view = checker->View(t);
  FL_CHECK(view.ok());
  return *view;
}

// A tape that takes the events with these texts, in order.
template <typename M>
Tape TapeOf(const M& model, const std::vector<std::string>& events) {
  Executor<M> ex(model);
  ex.Reset(0);
  std::vector<typename M::Action> actions;
  for (const std::string& e : events) {
    ex.Actions(actions);
    uint32_t i = 0;
    while (i < actions.size() && model.Describe(ex.state(), actions[i]) != e) ++i;
    FL_CHECK(i < actions.size());
    ex.Apply(i, actions[i]);
  }
  return ex.tape();
}

TEST(View, FollowsMessagesFromSendToDelivery) {
  const TraceView v = GeneralsView();
  EXPECT_TRUE(v.actors);
  EXPECT_THAT(v.columns, ElementsAre("A", "B"));
  ASSERT_EQ(v.steps.size(), 6u);
  ASSERT_EQ(v.messages.size(), 3u);
  EXPECT_EQ(v.violated_step, 5);
  EXPECT_EQ(v.steps[0].sent, std::vector<int>{0});
  EXPECT_EQ(v.steps[1].kind, StepKind::kDeliver);
  EXPECT_EQ(v.steps[1].node, 1);
  EXPECT_EQ(v.steps[1].message, 0);
  EXPECT_EQ(v.steps[1].sent, std::vector<int>{1});
  EXPECT_EQ(v.messages[1].from, 1);
  EXPECT_EQ(v.messages[1].text, "Messenger(2)");
  EXPECT_EQ(v.messages[2].sent_at, 2);
  EXPECT_EQ(v.steps[3].kind, StepKind::kDrop);
  EXPECT_EQ(v.steps[3].message, 2);
  EXPECT_TRUE(v.steps[3].in_flight.empty());
  EXPECT_THAT(v.steps[5].state[1], HasSubstr("decided"));
  EXPECT_THAT(v.steps[4].state[1], Not(HasSubstr("decided")));
  EXPECT_FALSE(v.steps[4].violated);
  EXPECT_TRUE(v.steps[5].violated);
}

TEST(View, CrashesPartitionsAndDuplicates) {
  WorldOptions w = GeneralsWorld();
  w.crashes_max = 1;
  w.partitions_max = 1;
  w.duplicates_max = 1;
  const ActorModel<TwoGenerals> model(TwoGenerals{.messengers = 2}, w);
  const TraceView v = BuildView(
      model,
      TapeOf(model, {"duplicate Messenger(1) A->B", "partition {A} {B}",
                     "heal", "deliver Messenger(1) A->B", "crash A",
                     "deliver Messenger(1) A->B"}),
      -1);
  ASSERT_EQ(v.steps.size(), 7u);
  EXPECT_EQ(v.steps[1].kind, StepKind::kDuplicate);
  ASSERT_EQ(v.steps[1].sent.size(), 1u);
  EXPECT_EQ(v.messages[v.steps[1].sent[0]].duplicate_of, 0);
  EXPECT_THAT(v.steps[2].group, ElementsAre(0, 1));
  EXPECT_TRUE(v.steps[3].group.empty());
  // The two copies are delivered as two different messages.
  EXPECT_NE(v.steps[4].message, v.steps[6].message);
  EXPECT_FALSE(v.steps[5].up[0]);
  EXPECT_EQ(v.violated_step, -1);
  const std::string d = SpaceTimeDiagram(v, {});
  EXPECT_THAT(d, HasSubstr("partition {A} {B}"));
  EXPECT_THAT(d, HasSubstr("X"));  // the crash
  EXPECT_THAT(d, HasSubstr("="));  // the partition row
  EXPECT_THAT(d, HasSubstr("~"));  // the heal row
  EXPECT_THAT(d, HasSubstr(":"));  // A's lifeline while it is down
}

TEST(Clocks, HappensBeforeFollowsMessagesOnly) {
  const TraceView v = GeneralsView();
  const std::vector<CausalEvent> events = VectorClocks(v);
  // Two starts, then one event per step (the drop is nobody's event).
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events.back().step, 5);
  EXPECT_THAT(events.back().clock, ElementsAre(1, 3));
  std::vector<int> past_steps;
  for (int i : CausalPast(events, 5)) past_steps.push_back(events[i].step);
  // B's deadline saw A's start (via messenger 1) but not A's later steps:
  // the two decisions are concurrent.
  EXPECT_THAT(past_steps, ElementsAre(0, 0, 1));
  std::vector<int> a_past;
  for (int i : CausalPast(events, 4)) a_past.push_back(events[i].step);
  EXPECT_THAT(a_past, ElementsAre(0, 0, 1, 2));
}

TEST(Diagram, MarksTheViolationWithAndWithoutColour) {
  const TraceView v = GeneralsView();
  const std::string plain = SpaceTimeDiagram(v, {});
  EXPECT_THAT(plain, Not(HasSubstr("\x1b[")));
  EXPECT_THAT(plain, HasSubstr("=>  5"));
  EXPECT_THAT(plain, HasSubstr("<-- agreement violated"));
  EXPECT_THAT(plain, HasSubstr("----m0---->*"));
  EXPECT_THAT(plain, HasSubstr("*<---m1-----"));
  EXPECT_THAT(plain, HasSubstr("x"));
  EXPECT_THAT(plain, HasSubstr("B: " + v.steps[5].state[1]));
  EXPECT_THAT(plain, HasSubstr("A observes attack"));
  const std::string color = SpaceTimeDiagram(v, {.color = true});
  EXPECT_THAT(color, HasSubstr("\x1b[1;31m"));
}

TEST(Diagram, ATransitionSystemIsOneColumn) {
  const auto checker =
      MakeChecker<TwoPhaseSpec>(std::make_unique<const TwoPhaseSpec>(3, true));
  const Outcome o = checker->Explore(ExploreOptions{});
  Trace t = checker->Record(o.tape);
  t.property = "TCConsistent";
  const absl::StatusOr<TraceView> v = checker->View(t);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->actors);
  EXPECT_THAT(v->columns, ElementsAre("model"));
  EXPECT_EQ(v->violated_step, 3);
  const std::string d = SpaceTimeDiagram(*v, {});
  EXPECT_THAT(d, HasSubstr("TMCommit"));
  EXPECT_THAT(d, HasSubstr(": committed"));
  EXPECT_THAT(d, HasSubstr(": aborted"));
  EXPECT_EQ(VectorClocks(*v).size(), 4u);  // a total order
}

TEST(ShiViz, EveryHostCountsItsEventsFromOne) {
  const TraceView v = GeneralsView();
  const std::string log = RenderShiViz(v);
  const std::vector<std::string> lines = absl::StrSplit(log, '\n');
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})");
  EXPECT_EQ(lines[1], "");
  std::map<std::string, int> seen;
  int events = 0;
  for (size_t i = 2; i + 1 < lines.size(); i += 2) {
    ++events;
    const size_t space = lines[i + 1].find(' ');
    ASSERT_NE(space, std::string::npos) << lines[i + 1];
    const std::string host = lines[i + 1].substr(0, space);
    const nlohmann::json clock = nlohmann::json::parse(lines[i + 1].substr(space + 1));
    EXPECT_EQ(clock.at(host).get<int>(), ++seen[host]) << lines[i + 1];
  }
  EXPECT_EQ(events, 6);
  EXPECT_THAT(log, HasSubstr("B {\"A\":1,\"B\":3}"));
  EXPECT_THAT(log, HasSubstr("[agreement violated]"));
}

// A view whose strings try to inject markup.
TraceView HostileView() {
  TraceView v = GeneralsView();
  v.protocol = "<i>proto</i>";
  v.columns[0] = "<b>A</b>";
  v.messages[0].text = "<script>alert(1)</script>";
  v.steps[1].state[1] = "</script><img src=x onerror=alert(2)>";
  v.steps[1].event = "deliver \"quoted\" & 'single'";
  return v;
}

TEST(Html, IsSelfContainedAndEscapesEveryString) {
  const std::string html = RenderHtml(HostileView());
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>A")));
  EXPECT_THAT(html, Not(HasSubstr("<i>proto")));
  EXPECT_THAT(html, HasSubstr("&lt;i&gt;proto"));  // the title
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 2u);  // the data block and the viewer, nothing else
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
}

// ---------------------------------------------------------------------------
// The viewer in a real browser. Chromium is a test dependency (installed by
// ci/install-deps.sh); without it these tests fail rather than skip.

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Browser : public testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("FAULTLINE_CHROMIUM");
    chromium_ = env != nullptr ? env : "chromium";
    ASSERT_EQ(std::system(("command -v " + chromium_ + " >/dev/null").c_str()), 0)
        << "'" << chromium_ << "' not found: the HTML viewer test needs a "
        << "headless Chromium (apt-get install chromium, or run "
        << "ci/install-deps.sh; FAULTLINE_CHROMIUM names another binary)";
    dir_ = absl::StrCat(testing::TempDir(), "/render_",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()), 0);
  }

  // Runs headless Chromium on dir_/page.html#fragment with `mode` (e.g.
  // --dump-dom); returns stdout.
  std::string Chromium(const std::string& fragment, const std::string& mode) {
    const std::string profile = absl::StrCat(dir_, "/profile", runs_++);
    const std::string cmd = absl::StrCat(
        "cd ", dir_, " && timeout 120 ", chromium_,
        " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
        " --disable-background-networking --disable-component-update"
        " --disable-sync --disable-extensions --user-data-dir=", profile,
        " --window-size=1280,900 ", mode, " 'file://", dir_, "/page.html#",
        fragment, "' >dom.txt 2>chromium.err");
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 0) << Slurp(dir_ + "/chromium.err");
    return Slurp(dir_ + "/dom.txt");
  }

  void WritePage(const std::string& html) {
    std::ofstream(dir_ + "/page.html") << html;
  }

  static std::string Attribute(const std::string& dom, const std::string& name) {
    const std::string key = absl::StrCat(name, "=\"");
    const size_t at = dom.find(key);
    if (at == std::string::npos) return "(missing " + name + ")";
    const size_t begin = at + key.size();
    return dom.substr(begin, dom.find('"', begin) - begin);
  }

  static int Count(const std::string& dom, const std::string& what) {
    int n = 0;
    for (size_t at = dom.find(what); at != std::string::npos;
         at = dom.find(what, at + 1)) {
      ++n;
    }
    return n;
  }

  std::string chromium_;
  std::string dir_;
  int runs_ = 0;
};

TEST_F(Browser, LoadsAndShowsEveryNodeAndMessage) {
  WritePage(RenderHtml(GeneralsView()));
  const std::string dom = Chromium("", "--dump-dom");
  EXPECT_EQ(Attribute(dom, "data-ready"), "1") << dom.substr(0, 2000);
  EXPECT_EQ(Attribute(dom, "data-nodes"), "2");
  EXPECT_EQ(Attribute(dom, "data-messages"), "3");
  EXPECT_EQ(Count(dom, "class=\"node-name\""), 2);
  EXPECT_EQ(Count(dom, "class=\"msg "), 3);
  EXPECT_EQ(Count(dom, "class=\"node-row"), 2);  // state table rows
  // Opens at the violating step.
  EXPECT_EQ(Attribute(dom, "data-selected"), "5");
  EXPECT_THAT(dom, HasSubstr("property agreement violated after step 5"));
}

TEST_F(Browser, TheSliderMovesTheSelectedStep) {
  const TraceView v = GeneralsView();
  WritePage(RenderHtml(v));
  const std::string dom = Chromium("step=2", "--dump-dom");
  EXPECT_EQ(Attribute(dom, "data-selected"), "2");
  EXPECT_THAT(dom, HasSubstr("step 2: deliver Messenger(2) B-&gt;A"));
  // A's state after step 2 is in the panel.
  EXPECT_THAT(dom, HasSubstr("<td>" + HtmlEscape(v.steps[2].state[0]) + "</td>"));
  EXPECT_THAT(dom, Not(HasSubstr("decided</td>")));  // nobody decided yet
}

TEST_F(Browser, ClickingAnEventShowsItsCausalPast) {
  WritePage(RenderHtml(GeneralsView()));
  const std::string dom = Chromium("click=5", "--dump-dom");
  EXPECT_EQ(Attribute(dom, "data-clicked"), "5");
  EXPECT_EQ(Attribute(dom, "data-past"), "0,1");
  // Circles: both starts and B's receipt of messenger 1; lines: messenger 1.
  EXPECT_EQ(Count(dom, " past\" data-index"), 3);
  EXPECT_EQ(Count(dom, "class=\"msg delivered past\""), 1);
  EXPECT_EQ(Count(dom, "class=\"event timer clicked\""), 1);
}

TEST_F(Browser, HostileStringsStayText) {
  WritePage(RenderHtml(HostileView()));
  const std::string dom = Chromium("step=1", "--dump-dom");
  EXPECT_EQ(Attribute(dom, "data-ready"), "1");
  EXPECT_THAT(dom, HasSubstr("&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"));
  EXPECT_THAT(dom, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(dom, Not(HasSubstr("<img")));
}

TEST_F(Browser, TakesAScreenshot) {
  WritePage(RenderHtml(GeneralsView()));
  Chromium("step=3", "--screenshot=" + dir_ + "/shot.png");
  const std::string png = Slurp(dir_ + "/shot.png");
  ASSERT_GT(png.size(), 5000u) << "no screenshot written";
  EXPECT_EQ(png.substr(1, 3), "PNG");
  std::cout << "screenshot: " << dir_ << "/shot.png (" << png.size()
            << " bytes)\n";
}

}  // namespace
}  // namespace faultline
