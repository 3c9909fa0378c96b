// The commands that make a trace readable: `shrink`, `show` and `render`
// (see docs/traces-readable.md), and the shrinking of counterexamples found
// by sampling (`simulate`, `check --strategy random`).
#ifndef FAULTLINE_HARNESS_TRACE_COMMANDS_H_
#define FAULTLINE_HARNESS_TRACE_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "harness/checker.h"
#include "harness/trace.h"

namespace faultline {

// `faultline shrink FILE [-o OUT] [--runs N] [--seconds S]`.
int RunShrink(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

// `faultline show FILE [--color auto|always|never] [--narrate]`: the
// space-time diagram; --narrate adds the step-by-step narration.
int RunShow(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

// `faultline render FILE [-o OUT] [--shiviz]`: HTML, or a ShiViz log.
int RunRender(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

// Shrinks a counterexample a sampling explorer found, reports the step
// counts on `human` and returns the shrunk trace (the original one, with a
// note on `human`, if shrinking fails).
Trace ShrinkFoundTrace(const Checker& checker, const Trace& trace,
                       std::ostream& human);

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_TRACE_COMMANDS_H_
