#include "harness/reproduce.h"

#include <sys/stat.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "harness/quorums.h"
#include "harness/registry.h"
#include "harness/reproduce_flp.h"
#include "harness/reproduce_results.h"
#include "harness/trace.h"

namespace faultline {
namespace {

constexpr int kExitUsage = 2;

struct GeneralsRow {
  int k = 0;
  size_t steps = 0;
  std::string lost;  // the dropped messenger
  std::string a, b;  // decisions
  std::string trace;
};

// The decision observed right after "timer 0 fires at NAME" in a narration.
std::string DecisionOf(const std::string& narration, const std::string& name) {
  const std::string marker = "timer 0 fires at " + name + "\n    observes ";
  const size_t at = narration.find(marker);
  if (at == std::string::npos) return "none";
  const size_t from = at + marker.size();
  return narration.substr(from, narration.find('\n', from) - from);
}

absl::StatusOr<GeneralsRow> GeneralsRun(int k, const std::string& dir) {
  const Entry* entry = FindEntry("two-generals");
  FL_CHECK(entry != nullptr);
  Config config = DefaultConfig(*entry);
  config.params["messengers"] = k;
  const auto checker = entry->make(config);
  const Outcome o = checker->Explore(ExploreOptions{});
  if (o.stop != Stop::kViolation) {
    return absl::InternalError(absl::StrCat("k=", k, ": no disagreement found"));
  }
  Trace trace = checker->Record(o.tape);
  trace.protocol = entry->name;
  trace.config = FormatConfig(*entry, config);
  trace.property = "agreement";
  trace.found_by = "bfs seed=0 (faultline reproduce two-generals)";
  std::string narration;
  if (checker->Replay(trace, &narration).kind != ReplayResult::Kind::kReproduced) {
    return absl::InternalError(absl::StrCat("k=", k, ": trace does not replay"));
  }
  GeneralsRow row{k, trace.steps.size(), "none", DecisionOf(narration, "A"),
                  DecisionOf(narration, "B"), absl::StrCat(dir, "/two-generals-k", k, ".trace")};
  for (const TraceStep& s : trace.steps) {
    if (s.event.rfind("drop ", 0) == 0) row.lost = s.event.substr(5);
  }
  FL_RETURN_IF_ERROR(WriteFileAtomically(row.trace, FormatTrace(trace)));
  return row;
}

int ReproduceTwoGenerals(int max_k, const std::string& dir, std::ostream& out,
                         std::ostream& err) {
  mkdir(dir.c_str(), 0755);
  out << "Two Generals: k messengers over a link that may lose one message.\n"
         "The notes' proof: take a protocol that agrees when nothing is lost and\n"
         "remove its last message; the receiver's view changes, the sender's does\n"
         "not, so they disagree. BFS finds exactly that run for every k:\n\n"
         "| k | steps | lost message | A decides | B decides | trace |\n"
         "|---|---|---|---|---|---|\n";
  for (int k = 1; k <= max_k; ++k) {
    absl::StatusOr<GeneralsRow> row = GeneralsRun(k, dir);
    if (!row.ok()) {
      err << "faultline: " << row.status().message() << "\n";
      return 3;
    }
    out << absl::StrFormat("| %d | %d | %s | %s | %s | %s |\n", row->k, row->steps,
                           row->lost, row->a, row->b, row->trace);
  }
  out << "\nEvery counterexample loses the last messenger (k); with --drops 0 the\n"
         "same protocols always agree (faultline check two-generals --drops 0).\n";
  return 0;
}

int ReproduceQuorums(std::ostream& out, std::ostream& err) {
  out << "Quorum intersection, decided by z3 for all n and f (two quorums encoded\n"
         "by the sizes of their four Venn regions, exact for two sets):\n\n";
  int wrong_refuted = 0, right_proved = 0;
  for (const QuorumClaim& claim : StandardClaims()) {
    absl::StatusOr<QuorumResult> r = CheckClaim(claim);
    if (!r.ok()) {
      err << "faultline: " << r.status().message() << "\n";
      return 3;
    }
    out << (r->proved ? "proved:  " : "refuted: ") << claim.statement << "\n";
    if (!r->proved) out << "         counterexample: " << r->counterexample << "\n";
    const bool meant_wrong = claim.statement.rfind("(wrong", 0) == 0;
    wrong_refuted += meant_wrong && !r->proved;
    right_proved += !meant_wrong && r->proved;
  }
  const bool ok = wrong_refuted == 1 && right_proved == 3;
  out << (ok ? "\nall three bounds hold for every n and f; the wrong one is refuted\n"
             : "\nunexpected result: a true bound failed or the wrong one passed\n");
  return ok ? 0 : 3;
}

}  // namespace

int RunReproduce(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  if (args.empty()) {
    err << "faultline: usage: faultline reproduce two-generals|quorums|flp|byzantine|cap "
           "[options]\n";
    return kExitUsage;
  }
  int64_t max_k = 8;
  std::string dir = "faultline-traces";
  FlpReproduceOptions flp;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 == args.size()) {
      err << "faultline: option " << a << " needs a value\n";
      return kExitUsage;
    }
    const std::string& v = args[++i];
    if (a == "--max-k" && args[0] == "two-generals") {
      if (!absl::SimpleAtoi(v, &max_k) || max_k < 1 || max_k > 30) {
        err << "faultline: bad value '" << v << "' for --max-k: expected 1 to 30\n";
        return kExitUsage;
      }
    } else if (a == "--trace-dir" && args[0] != "quorums") {
      dir = v;
    } else if (a == "--steps" && args[0] == "flp") {
      if (!absl::SimpleAtoi(v, &flp.steps) || flp.steps < 1 || flp.steps > 800) {
        err << "faultline: bad value '" << v << "' for --steps: expected 1 to 800\n";
        return kExitUsage;
      }
    } else {
      err << "faultline: unknown option " << a << " for reproduce " << args[0] << "\n";
      return kExitUsage;
    }
  }
  if (args[0] == "two-generals") {
    return ReproduceTwoGenerals(static_cast<int>(max_k), dir, out, err);
  }
  if (args[0] == "quorums") return ReproduceQuorums(out, err);
  if (args[0] == "flp") {
    flp.trace_dir = dir;
    return ReproduceFlp(flp, out, err);
  }
  if (args[0] == "byzantine") return ReproduceByzantine(dir, out, err);
  if (args[0] == "cap") return ReproduceCap(dir, out, err);
  err << "faultline: unknown result '" << args[0]
      << "' (two-generals, quorums, flp, byzantine, cap)\n";
  return kExitUsage;
}

}  // namespace faultline
