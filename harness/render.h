// Pictures of a trace: a terminal space-time diagram, a self-contained HTML
// page and a ShiViz log, all drawn from a TraceView (harness/view.h).
//
//   absl::StatusOr<TraceView> view = checker->View(trace);
//   std::cout << SpaceTimeDiagram(*view, {.color = true});
//   WriteFileAtomically("t.html", RenderHtml(*view));
//
// Causality: every step whose handler ran at a node (and the start of every
// node) is an event of that node; a delivery also happened after the send of
// its message. VectorClocks() computes happens-before from those edges alone,
// without the world's own clocks, so it works for every trace. Drops,
// duplicates, partitions and heals are not events of a node and have no clock.
#ifndef FAULTLINE_HARNESS_RENDER_H_
#define FAULTLINE_HARNESS_RENDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/view.h"

namespace faultline {

// An event of one node: steps[step] (for the start step, one per node).
struct CausalEvent {
  int step = 0;
  int node = 0;
  std::vector<uint32_t> clock;  // one entry per column
};

// Every node event in trace order (the start events first, by node).
std::vector<CausalEvent> VectorClocks(const TraceView& view);

// Indexes into `events` of the events that happened before events[target].
std::vector<int> CausalPast(const std::vector<CausalEvent>& events, int target);

struct DiagramOptions {
  bool color = false;  // ANSI colours (for a terminal)
};

// One row per step, one column per node: events, messages as arrows from
// sender to receiver, crashes (X), recoveries (R), partitions and heals, the
// violating step marked, and under each step the state of the nodes it
// changed.
std::string SpaceTimeDiagram(const TraceView& view,
                             const DiagramOptions& options);

// One HTML file without network access or external scripts: an SVG
// space-time diagram, a step slider, every node's state at the selected step,
// the violated property and the causal past of a clicked event. The URL
// fragment #step=K selects step K and #click=K clicks the event of step K
// (for tests and for links). Every string of the trace is escaped.
std::string RenderHtml(const TraceView& view);

// The ShiViz log format (a regular expression line, an empty delimiter line,
// then per event a text line and a "host {vector clock}" line).
std::string RenderShiViz(const TraceView& view);

// &, <, >, " and ' as HTML entities.
std::string HtmlEscape(absl::string_view text);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_RENDER_H_
