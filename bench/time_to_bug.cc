// Time to bug: for every buggy variant in the registry, the time and steps to
// the first counterexample for BFS, DFS, random, swarm, PCT and fuzzing.
//
//   time_to_bug [--cap S] [--seeds K] [--only PREFIX] [--no-fuzz]
//               [--fault-steps N] [--liveness-steps B]
//
// Exhaustive search runs once per variant (it is deterministic); sampling
// runs K seeds and reports the median time and steps over the seeds (a seed
// that finds nothing within the cap counts as slower than any that did) and
// how many seeds found the bug. Fuzzing runs `faultline fuzz` (the
// libFuzzer binary beside this program) per seed. Prints a markdown table.
// Variants whose violated property is a liveness (Eventually) property are
// sampled in the bounded-liveness mode (a fault phase of N steps, then heal,
// and the goal within B steps; defaults 10 and 200) and marked "(bounded)";
// fuzzing has no such mode, so their fuzz cell is "n/a".
// Not a test: it takes minutes.
#include <algorithm>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/cli.h"
#include "harness/registry.h"
#include "harness/trace.h"

namespace faultline {
namespace {

struct BenchOptions {
  double cap_seconds = 10;
  int seeds = 5;
  std::string only;
  bool fuzz = true;
  int64_t fault_steps = 10;
  int64_t liveness_steps = 200;
};

bool ViolatesLiveness(const Entry& e) {
  for (const PropertyInfo& p : e.make(DefaultConfig(e))->Properties()) {
    if (p.name == e.violates) return p.kind == PropertyKind::kEventually;
  }
  return false;
}

struct Sample {
  bool found = false;
  double seconds = 0;
  int64_t steps = 0;
};

Sample RunExplorer(const Entry& e, Strategy s, uint64_t seed, const BenchOptions& b) {
  const std::unique_ptr<Checker> checker = e.make(DefaultConfig(e));
  ExploreOptions o;
  o.strategy = s;
  o.seed = seed;
  o.limits = e.limits;
  o.limits.seconds_max = b.cap_seconds;
  o.limits.runs_max = int64_t{1} << 40;
  if (s != Strategy::kBfs && s != Strategy::kDfs && ViolatesLiveness(e)) {
    o.fault_steps = b.fault_steps;
    o.liveness_steps = b.liveness_steps;
  }
  const Outcome out = checker->Explore(o);
  return {out.stop == Stop::kViolation, out.seconds,
          static_cast<int64_t>(out.tape.choices.size())};
}

Sample RunFuzz(const Entry& e, uint64_t seed, const BenchOptions& b) {
  const std::string dir = absl::StrCat("/tmp/time_to_bug_fuzz_", getpid());
  const std::string path = absl::StrCat(dir, "/t.trace");
  std::remove(path.c_str());
  std::ostringstream out, err;
  const auto start = std::chrono::steady_clock::now();
  const int code = RunCli({"fuzz", e.name, "--seconds",
                           absl::StrCat(static_cast<int>(b.cap_seconds)), "--seed",
                           absl::StrCat(seed), "--trace-dir", dir, "-o", path},
                          out, err);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (code != kExitViolation) return {false, seconds, 0};
  absl::StatusOr<Trace> t = ReadTraceFile(path);
  return {t.ok(), seconds, t.ok() ? static_cast<int64_t>(t->steps.size()) : 0};
}

// "0.12 s / 14" median over seeds, with found/total when not all found.
std::string Cell(std::vector<Sample> samples) {
  std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
    if (a.found != b.found) return a.found;
    return a.seconds < b.seconds;
  });
  int found = 0;
  for (const Sample& s : samples) found += s.found ? 1 : 0;
  const Sample& median = samples[samples.size() / 2];
  std::string cell = median.found
                         ? absl::StrFormat("%.2f s / %d", median.seconds, median.steps)
                         : "—";
  if (found != static_cast<int>(samples.size())) {
    absl::StrAppend(&cell, absl::StrFormat(" (%d/%d)", found, samples.size()));
  }
  return cell;
}

void Row(const Entry& e, const BenchOptions& b) {
  const bool bounded = ViolatesLiveness(e);
  std::vector<std::string> cells = {bounded ? absl::StrCat(e.name, " (bounded)") : e.name};
  for (Strategy s : {Strategy::kBfs, Strategy::kDfs}) {
    cells.push_back(Cell({RunExplorer(e, s, 0, b)}));
  }
  for (Strategy s : {Strategy::kRandom, Strategy::kSwarm, Strategy::kPct}) {
    std::vector<Sample> samples;
    for (int k = 1; k <= b.seeds; ++k) samples.push_back(RunExplorer(e, s, k * 1000003ULL, b));
    cells.push_back(Cell(samples));
  }
  if (b.fuzz && bounded) {
    cells.push_back("n/a");
  } else if (b.fuzz) {
    std::vector<Sample> samples;
    for (int k = 1; k <= b.seeds; ++k) samples.push_back(RunFuzz(e, k, b));
    cells.push_back(Cell(samples));
  }
  std::string line = "|";
  for (const std::string& c : cells) absl::StrAppend(&line, " ", c, " |");
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  BenchOptions b;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--cap" && has_value && absl::SimpleAtod(argv[i + 1], &b.cap_seconds) &&
        b.cap_seconds >= 1) {
      ++i;
    } else if (a == "--seeds" && has_value && absl::SimpleAtoi(argv[i + 1], &b.seeds) &&
               b.seeds >= 1 && b.seeds <= 99) {
      ++i;
    } else if (a == "--only" && has_value) {
      b.only = argv[++i];
    } else if (a == "--fault-steps" && has_value &&
               absl::SimpleAtoi(argv[i + 1], &b.fault_steps) && b.fault_steps >= 0 &&
               b.fault_steps <= 1'000'000) {
      ++i;
    } else if (a == "--liveness-steps" && has_value &&
               absl::SimpleAtoi(argv[i + 1], &b.liveness_steps) &&
               b.liveness_steps >= 1 && b.liveness_steps <= 1'000'000) {
      ++i;
    } else if (a == "--no-fuzz") {
      b.fuzz = false;
    } else {
      std::fprintf(stderr, "time_to_bug: bad argument '%s' (see the header of "
                           "bench/time_to_bug.cc)\n", a.c_str());
      return 2;
    }
  }
  std::printf("Time to first counterexample: median over %d seeds, cap %g s per "
              "run; cells are \"time / steps\", (k/n) = seeds that found it.\n"
              "(bounded): sampled with --fault-steps %lld --liveness-steps %lld.\n\n",
              b.seeds, b.cap_seconds, static_cast<long long>(b.fault_steps),
              static_cast<long long>(b.liveness_steps));
  std::printf("| variant | bfs | dfs | random | swarm | pct |%s\n|---|---|---|---|---|---|%s\n",
              b.fuzz ? " fuzz |" : "", b.fuzz ? "---|" : "");
  for (const Entry& e : Registry()) {
    if (e.expect_pass || e.name.rfind(b.only, 0) != 0) continue;
    Row(e, b);
  }
  return 0;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) { return faultline::Main(argc, argv); }
