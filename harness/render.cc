#include "harness/render.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "harness/assert.h"
#include "nlohmann/json.hpp"

namespace faultline {

std::vector<CausalEvent> VectorClocks(const TraceView& view) {
  const size_t n = view.columns.size();
  std::vector<std::vector<uint32_t>> node(n, std::vector<uint32_t>(n, 0));
  std::vector<std::vector<uint32_t>> message(view.messages.size());
  std::vector<CausalEvent> events;
  auto event = [&](int step, int at, const std::vector<uint32_t>* received) {
    FL_CHECK(at >= 0 && static_cast<size_t>(at) < n);
    std::vector<uint32_t>& clock = node[at];
    if (received != nullptr) {
      FL_CHECK(received->size() == n);  // the send was stamped before
      for (size_t i = 0; i < n; ++i) clock[i] = std::max(clock[i], (*received)[i]);
    }
    ++clock[at];
    events.push_back({step, at, clock});
  };
  for (size_t k = 0; k < view.steps.size(); ++k) {
    const StepView& s = view.steps[k];
    const int step = static_cast<int>(k);
    if (s.kind == StepKind::kStart) {
      for (size_t at = 0; at < n; ++at) event(step, static_cast<int>(at), nullptr);
    } else if (s.node >= 0) {
      const bool deliver = s.kind == StepKind::kDeliver;
      event(step, s.node, deliver ? &message[s.message] : nullptr);
    }
    for (int id : s.sent) {
      const MessageView& m = view.messages[id];
      message[id] = m.duplicate_of >= 0 ? message[m.duplicate_of] : node[m.from];
    }
  }
  return events;
}

std::vector<int> CausalPast(const std::vector<CausalEvent>& events,
                            int target) {
  FL_CHECK(target >= 0 && static_cast<size_t>(target) < events.size());
  const std::vector<uint32_t>& t = events[target].clock;
  std::vector<int> past;
  for (size_t i = 0; i < events.size(); ++i) {
    if (static_cast<int>(i) == target) continue;
    const std::vector<uint32_t>& c = events[i].clock;
    bool before = true;
    for (size_t j = 0; j < c.size() && before; ++j) before = c[j] <= t[j];
    if (before) past.push_back(static_cast<int>(i));
  }
  return past;
}

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"},
                                    {"<", "&lt;"},
                                    {">", "&gt;"},
                                    {"\"", "&quot;"},
                                    {"'", "&#39;"}});
}

// ---------------------------------------------------------------------------
// The terminal diagram.

namespace {

constexpr int kGutter = 6;  // "=> 12 "

constexpr char kRed[] = "\x1b[1;31m";
constexpr char kYellow[] = "\x1b[33m";
constexpr char kMagenta[] = "\x1b[35m";
constexpr char kDim[] = "\x1b[2m";
constexpr char kReset[] = "\x1b[0m";

class Diagram {
 public:
  Diagram(const TraceView& view, const DiagramOptions& options)
      : view_(view), options_(options) {
    size_t longest = 0;
    for (const std::string& c : view.columns) longest = std::max(longest, c.size());
    width_ = static_cast<int>(std::clamp<size_t>(longest + 4, 12, 24));
  }

  std::string Draw() {
    std::string out = Header();
    for (size_t k = 0; k < view_.steps.size(); ++k) Step(static_cast<int>(k), out);
    if (!view_.verdict.empty()) {
      absl::StrAppend(&out, view_.verdict, "\n");
    } else if (view_.violated_step >= 0) {
      absl::StrAppend(&out, Paint(kRed, absl::StrCat(
                                            "!!! ", view_.property,
                                            " violated after step ",
                                            view_.violated_step)),
                      "\n");
    } else {
      absl::StrAppend(&out, view_.property, " holds after every step\n");
    }
    return out;
  }

 private:
  int X(int column) const { return kGutter + column * width_ + width_ / 2; }
  int Width() const {
    return kGutter + static_cast<int>(view_.columns.size()) * width_;
  }

  std::string Paint(const char* code, const std::string& text) const {
    return options_.color ? absl::StrCat(code, text, kReset) : text;
  }

  std::string Header() const {
    std::string names(Width(), ' ');
    names.replace(0, 4, "step");
    for (size_t c = 0; c < view_.columns.size(); ++c) {
      std::string name = view_.columns[c].substr(0, width_ - 2);
      const int at = std::max(kGutter, X(static_cast<int>(c)) -
                                           static_cast<int>(name.size()) / 2);
      names.replace(at, name.size(), name);
    }
    return absl::StrCat(
        Paint(kDim, "legend: * event  -m3-> delivery of message m3  "
                    "X crash  R recover  x drop  + duplicate  "
                    "= partition  ~ heal"),
        "\n", names, "\n");
  }

  // Lifelines: '|' for an up node, ':' for a crashed one.
  std::string Lifelines(const std::vector<bool>& up) const {
    std::string row(Width(), ' ');
    for (size_t c = 0; c < up.size(); ++c) {
      row[X(static_cast<int>(c))] = up[c] ? '|' : ':';
    }
    return row;
  }

  // An arrow from column `from` to column `to` ending in `mark`.
  void Arrow(std::string& row, int from, int to, char fill, char mark,
             const std::string& label) const {
    const int a = X(from), b = X(to);
    row[b] = mark;
    if (a == b) return;
    const int lo = std::min(a, b) + 1, hi = std::max(a, b) - 1;
    for (int i = lo; i <= hi; ++i) row[i] = fill;
    if (a < b) row[hi] = '>';
    if (a > b) row[lo] = '<';
    const int room = hi - lo - 1;
    if (static_cast<int>(label.size()) + 2 <= room) {
      row.replace(lo + 1 + (room - static_cast<int>(label.size())) / 2,
                  label.size(), label);
    }
  }

  std::string Row(int k) const {
    const StepView& s = view_.steps[k];
    const std::vector<bool>& before = k > 0 ? view_.steps[k - 1].up : s.up;
    std::string row = Lifelines(before);
    const auto mark = [&](int column, char c) { row[X(column)] = c; };
    switch (s.kind) {
      case StepKind::kStart:
        for (size_t c = 0; c < view_.columns.size(); ++c) mark(c, '*');
        break;
      case StepKind::kDeliver:
      case StepKind::kDrop: {
        const MessageView& m = view_.messages[s.message];
        const bool drop = s.kind == StepKind::kDrop;
        Arrow(row, m.from, m.to, drop ? '.' : '-', drop ? 'x' : '*',
              absl::StrCat("m", s.message));
        break;
      }
      case StepKind::kDuplicate:
        mark(view_.messages[s.message].to, '+');
        break;
      case StepKind::kCrash: mark(s.node, 'X'); break;
      case StepKind::kRecover: mark(s.node, 'R'); break;
      case StepKind::kPartition:
        for (int i = kGutter; i < Width(); ++i) row[i] = '=';
        for (size_t c = 0; c < s.group.size(); ++c) {
          mark(c, static_cast<char>('1' + std::min(s.group[c], 8)));
        }
        break;
      case StepKind::kHeal:
        for (int i = kGutter; i < Width(); ++i) row[i] = '~';
        for (size_t c = 0; c < before.size(); ++c) mark(c, '|');
        break;
      default:
        mark(s.node, '*');
    }
    return row;
  }

  // What a step changed, one line each: sends, effects, node states.
  std::vector<std::string> Details(int k) const {
    const StepView& s = view_.steps[k];
    std::vector<std::string> lines;
    for (int id : s.sent) {
      const MessageView& m = view_.messages[id];
      lines.push_back(absl::StrCat(view_.columns[m.from], " sends m", id, " ",
                                   m.text, " to ", view_.columns[m.to]));
    }
    const std::string actor =
        view_.actors && s.node >= 0 ? absl::StrCat(view_.columns[s.node], " ") : "";
    for (absl::string_view line : absl::StrSplit(s.effects, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || absl::StartsWith(line, "sends ")) continue;
      lines.push_back(absl::StrCat(actor, line));
    }
    if (!view_.actors) return ChangedLines(k, lines);
    for (size_t c = 0; c < s.state.size(); ++c) {
      const bool changed = k == 0 || s.state[c] != view_.steps[k - 1].state[c] ||
                           s.up[c] != view_.steps[k - 1].up[c];
      if (!changed) continue;
      lines.push_back(absl::StrCat(view_.columns[c], s.up[c] ? "" : " (crashed)",
                                   ": ", s.state[c]));
    }
    return lines;
  }

  // A transition system's state lines that a step changed.
  std::vector<std::string> ChangedLines(int k,
                                        std::vector<std::string> lines) const {
    const std::string& now = view_.steps[k].state[0];
    const std::string empty;
    const std::string& was = k > 0 ? view_.steps[k - 1].state[0] : empty;
    std::vector<absl::string_view> old = absl::StrSplit(was, '\n');
    for (absl::string_view line : absl::StrSplit(now, '\n')) {
      if (std::find(old.begin(), old.end(), line) == old.end()) {
        lines.push_back(std::string(absl::StripAsciiWhitespace(line)));
      }
    }
    return lines;
  }

  void Step(int k, std::string& out) const {
    const StepView& s = view_.steps[k];
    const bool violating = k == view_.violated_step;
    std::string row = Row(k);
    row.replace(0, kGutter, absl::StrFormat("%s%3d ", violating ? "=>" : "  ", k));
    std::string line = absl::StrCat(row, "  ", s.event);
    if (violating) {
      line = Paint(kRed, absl::StrCat(line, "   <-- ", view_.property,
                                      " violated"));
    } else if (s.kind == StepKind::kCrash || s.kind == StepKind::kRecover) {
      line = Paint(kMagenta, line);
    } else if (s.kind == StepKind::kPartition || s.kind == StepKind::kHeal) {
      line = Paint(kYellow, line);
    }
    absl::StrAppend(&out, line, "\n");
    const std::string lifelines = Lifelines(s.up);
    for (const std::string& detail : Details(k)) {
      absl::StrAppend(&out, lifelines, "    ", Paint(kDim, detail), "\n");
    }
  }

  const TraceView& view_;
  const DiagramOptions& options_;
  int width_ = 12;
};

}  // namespace

std::string SpaceTimeDiagram(const TraceView& view,
                             const DiagramOptions& options) {
  FL_CHECK(!view.steps.empty());
  return Diagram(view, options).Draw();
}

// ---------------------------------------------------------------------------
// ShiViz.

std::string RenderShiViz(const TraceView& view) {
  std::vector<std::string> hosts;
  for (const std::string& c : view.columns) {
    std::string host = c;
    for (char& ch : host) {
      if (ch == ' ' || ch == '\t' || ch == '"' || ch == '\\') ch = '_';
    }
    hosts.push_back(host.empty() ? "_" : host);
  }
  std::string out = "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})\n\n";
  for (const CausalEvent& e : VectorClocks(view)) {
    nlohmann::ordered_json clock = nlohmann::ordered_json::object();
    for (size_t i = 0; i < e.clock.size(); ++i) {
      if (e.clock[i] > 0) clock[hosts[i]] = e.clock[i];
    }
    std::string text = view.steps[e.step].event;
    if (e.step == view.violated_step) {
      absl::StrAppend(&text, " [", view.property, " violated]");
    }
    absl::StrAppend(&out, "step ", e.step, ": ", text, "\n", hosts[e.node], " ",
                    clock.dump(), "\n");
  }
  return out;
}

}  // namespace faultline
