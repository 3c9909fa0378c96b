#include "harness/trace_commands.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/assert.h"
#include "harness/cli.h"
#include "harness/registry.h"
#include "harness/render.h"
#include "harness/shrink.h"

namespace faultline {
namespace {

struct Args {
  std::string file;
  std::string output;  // -o
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> switches;
};

// FILE plus "-o X", "--name X", "--name=X" for `valued` names and bare
// `--switch` for the others.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& args,
                               const std::vector<std::string>& valued,
                               const std::vector<std::string>& switches) {
  Args out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!absl::StartsWith(a, "-") || a == "-") {
      if (!out.file.empty()) {
        return absl::InvalidArgumentError("expected exactly one trace file");
      }
      out.file = a;
      continue;
    }
    std::string name = a.substr(absl::StartsWith(a, "--") ? 2 : 1);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (std::find(switches.begin(), switches.end(), name) != switches.end() &&
        !value) {
      out.switches.push_back(name);
      continue;
    }
    if (std::find(valued.begin(), valued.end(), name) == valued.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", a));
    }
    if (!value) {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("option ", a, " needs a value"));
      }
      value = args[++i];
    }
    if (name == "o") {
      out.output = *value;
    } else {
      out.options.emplace_back(name, *value);
    }
  }
  if (out.file.empty()) {
    return absl::InvalidArgumentError("expected a trace file");
  }
  return out;
}

bool Has(const Args& a, const std::string& name) {
  return std::find(a.switches.begin(), a.switches.end(), name) !=
         a.switches.end();
}

struct Loaded {
  Trace trace;
  std::unique_ptr<Checker> checker;
};

absl::StatusOr<Loaded> Load(const std::string& path) {
  FL_ASSIGN_OR_RETURN(Trace trace, ReadTraceFile(path));
  const Entry* entry = FindEntry(trace.protocol);
  if (entry == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unknown protocol '", trace.protocol, "'"));
  }
  absl::StatusOr<Config> config = ParseConfig(*entry, trace.config);
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": config: ", config.status().message()));
  }
  return Loaded{std::move(trace), entry->make(*config)};
}

int Fail(std::ostream& err, const absl::Status& status, int code) {
  err << "faultline: " << status.message() << "\n";
  return code;
}

// Diverged traces are the user's input gone stale: exit 3 as `replay` does.
int ViewError(std::ostream& err, const absl::Status& status) {
  return Fail(err, status, kExitInternal);
}

std::string DefaultShrinkPath(const std::string& file) {
  std::string stem = file;
  if (absl::EndsWith(stem, ".trace")) stem.resize(stem.size() - 6);
  return UnusedPath(absl::StrCat(stem, ".shrunk.trace"));
}

absl::Status ParseShrinkOptions(const Args& a, ShrinkOptions& o) {
  for (const auto& [name, value] : a.options) {
    bool ok = false;
    if (name == "runs") {
      ok = absl::SimpleAtoi(value, &o.runs_max) && o.runs_max >= 1;
    } else if (name == "seconds") {
      ok = absl::SimpleAtod(value, &o.seconds_max) && o.seconds_max > 0 &&
           o.seconds_max <= 1e7;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value '", value, "' for --", name, ": expected a number above 0"));
    }
  }
  return absl::OkStatus();
}

bool ColorWanted(const Args& a, const std::ostream& out, absl::Status* status) {
  std::string mode = "auto";
  for (const auto& [name, value] : a.options) {
    if (name == "color") mode = value;
  }
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (mode != "auto") {
    *status = absl::InvalidArgumentError(absl::StrCat(
        "bad value '", mode, "' for --color: expected auto, always or never"));
    return false;
  }
  const char* term = std::getenv("TERM");
  return &out == &std::cout && isatty(STDOUT_FILENO) &&
         std::getenv("NO_COLOR") == nullptr &&
         !(term != nullptr && std::string(term) == "dumb");
}

}  // namespace

Trace ShrinkFoundTrace(const Checker& checker, const Trace& trace,
                       std::ostream& human) {
  absl::StatusOr<ShrinkResult> r = ShrinkTrace(checker, trace, ShrinkOptions{});
  if (!r.ok()) {
    human << "shrink: failed, keeping the trace as found: "
          << r.status().message() << "\n";
    return trace;
  }
  human << absl::StrFormat("shrunk: %d -> %d steps (%d runs, %.2f s%s)\n",
                           r->steps_before, r->trace.steps.size(), r->runs,
                           r->seconds, r->minimal ? "" : ", stopped by a bound");
  return r->trace;
}

int RunShrink(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<Args> a = ParseArgs(args, {"o", "runs", "seconds"}, {});
  if (!a.ok()) return Fail(err, a.status(), kExitUsage);
  ShrinkOptions options;
  if (absl::Status s = ParseShrinkOptions(*a, options); !s.ok()) {
    return Fail(err, s, kExitUsage);
  }
  absl::StatusOr<Loaded> loaded = Load(a->file);
  if (!loaded.ok()) return Fail(err, loaded.status(), kExitUsage);
  const Trace& trace = loaded->trace;
  if (trace.property == kFlpProperty) {
    return Fail(err, absl::InvalidArgumentError(
                         "an FLP adversary run is not a counterexample: every "
                         "step keeps it bivalent, so there is nothing to shrink"),
                kExitUsage);
  }
  if (trace.bounded()) {
    return Fail(err, absl::InvalidArgumentError(
                         "bounded-liveness traces are not shrunk: removing a "
                         "fault changes the run after the heal, so the miss "
                         "would not be the same one"),
                kExitUsage);
  }
  out << "shrink: " << trace.protocol << ", property " << trace.property
      << ", " << trace.steps.size() << " steps\n";
  absl::StatusOr<ShrinkResult> r =
      ShrinkTrace(*loaded->checker, trace, options);
  if (!r.ok()) return Fail(err, r.status(), kExitInternal);
  const std::string path =
      a->output.empty() ? DefaultShrinkPath(a->file) : a->output;
  if (absl::Status s = WriteFileAtomically(path, FormatTrace(r->trace));
      !s.ok()) {
    return Fail(err, s, kExitUsage);
  }
  out << absl::StrFormat("steps: %d -> %d (%d runs, %.2f s)%s\n",
                         r->steps_before, r->trace.steps.size(), r->runs,
                         r->seconds,
                         r->minimal ? "; no single step can be removed"
                                    : "; stopped by --runs/--seconds");
  out << "trace: " << path << "\nreplay: faultline replay " << path << "\n";
  return kExitOk;
}

int RunShow(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<Args> a = ParseArgs(args, {"color"}, {"narrate"});
  if (!a.ok()) return Fail(err, a.status(), kExitUsage);
  absl::Status color_status;
  DiagramOptions options;
  options.color = ColorWanted(*a, out, &color_status);
  if (!color_status.ok()) return Fail(err, color_status, kExitUsage);
  absl::StatusOr<Loaded> loaded = Load(a->file);
  if (!loaded.ok()) return Fail(err, loaded.status(), kExitUsage);
  const Trace& trace = loaded->trace;
  absl::StatusOr<TraceView> view = loaded->checker->View(trace);
  if (!view.ok()) return ViewError(err, view.status());
  out << "trace: " << trace.protocol << ", " << trace.steps.size()
      << " steps, property " << trace.property << ", found by "
      << trace.found_by << "\nconfig: " << trace.config << "\n";
  out << SpaceTimeDiagram(*view, options);
  if (Has(*a, "narrate")) {
    std::string narration;
    loaded->checker->Replay(trace, &narration);
    out << "\n" << narration;
  }
  if (view->violated_step < 0 && view->verdict.empty()) {
    err << "faultline: not reproduced: every step replayed, but "
        << trace.property << " holds\n";
    return kExitInternal;
  }
  return kExitOk;
}

int RunRender(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<Args> a = ParseArgs(args, {"o"}, {"shiviz"});
  if (!a.ok()) return Fail(err, a.status(), kExitUsage);
  absl::StatusOr<Loaded> loaded = Load(a->file);
  if (!loaded.ok()) return Fail(err, loaded.status(), kExitUsage);
  absl::StatusOr<TraceView> view = loaded->checker->View(loaded->trace);
  if (!view.ok()) return ViewError(err, view.status());
  const bool shiviz = Has(*a, "shiviz");
  const std::string text = shiviz ? RenderShiViz(*view) : RenderHtml(*view);
  if (a->output.empty()) {
    out << text;
    return kExitOk;
  }
  if (absl::Status s = WriteFileAtomically(a->output, text); !s.ok()) {
    return Fail(err, s, kExitUsage);
  }
  out << (shiviz ? "shiviz log: " : "html: ") << a->output << " ("
      << view->columns.size() << " nodes, " << view->messages.size()
      << " messages, " << view->steps.size() - 1 << " steps)\n";
  return kExitOk;
}

}  // namespace faultline
