#include "harness/cli.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "harness/assert.h"
#include "harness/fuzz_command.h"
#include "harness/parallel.h"
#include "harness/registry.h"
#include "harness/reproduce.h"
#include "harness/trace.h"
#include "harness/trace_commands.h"
#include "harness/verdict.h"
#include "nlohmann/json.hpp"

namespace faultline {
namespace {

constexpr char kUsage[] =
    "usage: faultline <command> [arguments]\n"
    "  list [--json]                       registered protocols and models\n"
    "  check NAME [options]                exhaustive search (bfs or dfs)\n"
    "  simulate NAME [options]             sampled runs: --strategy random|swarm|pct\n"
    "  reproduce two-generals|quorums|flp|byzantine|cap\n"
    "                                      textbook results as runs and proofs\n"
    "  fuzz NAME [--seconds S] [--seed N]  coverage-guided fuzzing (libFuzzer)\n"
    "  replay FILE                         re-run a trace, checking every step\n"
    "  show FILE [--color auto|always|never] [--narrate]\n"
    "                                      a trace as a space-time diagram\n"
    "  shrink FILE [-o OUT]                shorten a trace, same violation\n"
    "  render FILE [-o OUT] [--shiviz]     HTML page (or ShiViz log) of a trace\n"
    "options of check and simulate:\n"
    "  --strategy bfs|dfs|random|swarm|pct  --depth N  --states N  --seconds S\n"
    "  --pct-depth D (pct: bug depth, D-1 priority change points; default 3)\n"
    "  --memory-mb N  --runs N  --seed N  --json  --trace-dir DIR  -o FILE\n"
    "  --threads N (bfs: worker threads, same counts and trace as one; default 1)\n"
    "  --lossy none|bitstate (check: past the memory bound, go on with a bitstate\n"
    "             visited set that may miss states, instead of stopping)\n"
    "  --no-shrink (simulate and fuzz: keep the trace as found, unshrunk)\n"
    "  --por (check: partial-order reduction, sleep-set dfs; DPOR for opaque\n"
    "             nodes whose properties declare what they read; off for liveness)\n"
    "  --por-safety (as --por, also on models with liveness, left unchecked)\n"
    "  --fault-steps N --liveness-steps B (simulate: bounded liveness; faults for\n"
    "      N steps, then heal, and every owed eventually goal within B steps)\n"
    "  world: --links unordered|fifo  --timers async|sync  --crash stop|recover\n"
    "         --crashes N  --drops N  --duplicates N  --partitions N\n"
    "         --fair none|delivery,timers,requests,heal,recover (liveness)\n"
    "  --properties NAME[,NAME...] (check only these Always/Eventually\n"
    "             properties; Sometimes are kept; pass means these hold)\n"
    "  --symmetry (check: visit one state per permutation of the nodes the\n"
    "             protocol declares interchangeable; see docs/symmetry.md)\n"
    "  --prune-stale (check: states that differ only in messages the protocol\n"
    "             declares stale are one state; see docs/stale.md)\n"
    "  and the protocol's own parameters (see 'faultline list')\n"
    "  --nodes N  the entry's node count: its own parameter under a common name\n"
    "             (e.g. --servers for raft; 'list --json' names it nodes_param)\n";

struct Flags {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;
  std::set<std::string> switches;
};

absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args,
                                 const std::set<std::string>& switch_names) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!absl::StartsWith(a, "-") || a == "-") {
      flags.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(absl::StartsWith(a, "--") ? 2 : 1);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switch_names.count(name)) {
      if (value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      flags.switches.insert(name);
      continue;
    }
    if (!value) {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("option --", name, " needs a value"));
      }
      value = args[++i];
    }
    flags.options.emplace_back(name, *value);
  }
  return flags;
}

absl::Status ParseInt(absl::string_view name, absl::string_view text, int64_t min,
                      int64_t max, int64_t* out) {
  if (!absl::SimpleAtoi(text, out) || *out < min || *out > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad value '", text, "' for --", name, ": expected an integer from ",
        min, " to ", max));
  }
  return absl::OkStatus();
}

struct CheckRequest {
  const Entry* entry = nullptr;
  Config config;
  ExploreOptions explore;
  bool json = false;
  bool shrink = true;  // sampling: shrink what is found (--no-shrink)
  bool strategy_given = false;
  std::string trace_dir = "faultline-traces";
  std::string trace_path;  // -o: exact path
  bool fault_steps_set = false;     // bounded liveness needs both
  bool liveness_steps_set = false;
  std::vector<std::string> properties;  // --properties: only these (and Sometimes)
};

// --nodes N: the entry's node-count parameter under one name for every entry,
// so that a script can scale any of them; the trace records the parameter.
absl::Status SetNodes(CheckRequest& r, const std::string& value) {
  const std::string param = NodesParam(*r.entry);
  if (param.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        r.entry->name, " has no node count: --nodes does not apply (see "
        "'faultline list' for its parameters)"));
  }
  const absl::Status st = SetConfigValue(*r.entry, r.config, param, value);
  if (st.ok() || param == "nodes") return st;
  return absl::InvalidArgumentError(absl::StrCat(
      st.message(), " (--nodes sets ", param, " for ", r.entry->name, ")"));
}

// Refuses --nodes beside the parameter it stands for: one of them would be
// silently overwritten.
absl::Status CheckNodesOnce(const Entry& entry, const Flags& flags) {
  const std::string param = NodesParam(entry);
  if (param.empty() || param == "nodes") return absl::OkStatus();
  bool alias = false, own = false;
  for (const auto& option : flags.options) {
    alias |= option.first == "nodes";
    own |= option.first == param;
  }
  if (!(alias && own)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--nodes sets --", param, " for ", entry.name, ": give one of them"));
}

absl::Status SetExploreOption(CheckRequest& r, const std::string& name,
                              const std::string& value) {
  Limits& l = r.explore.limits;
  if (name == "strategy") {
    r.strategy_given = true;
    if (value == "bfs") r.explore.strategy = Strategy::kBfs;
    else if (value == "dfs") r.explore.strategy = Strategy::kDfs;
    else if (value == "random") r.explore.strategy = Strategy::kRandom;
    else if (value == "swarm") r.explore.strategy = Strategy::kSwarm;
    else if (value == "pct") r.explore.strategy = Strategy::kPct;
    else return absl::InvalidArgumentError(absl::StrCat(
        "bad value '", value, "' for --strategy: expected bfs, dfs, random, swarm or pct"));
    return absl::OkStatus();
  }
  if (name == "depth") return ParseInt(name, value, 0, 1'000'000, &l.depth_max);
  if (name == "states") return ParseInt(name, value, 1, int64_t{1} << 40, &l.states_max);
  if (name == "memory-mb") return ParseInt(name, value, 16, 1 << 24, &l.memory_mb_max);
  if (name == "runs") return ParseInt(name, value, 1, int64_t{1} << 40, &l.runs_max);
  if (name == "fault-steps") {
    r.fault_steps_set = true;
    return ParseInt(name, value, 0, 1'000'000, &r.explore.fault_steps);
  }
  if (name == "liveness-steps") {
    r.liveness_steps_set = true;
    return ParseInt(name, value, 1, 1'000'000, &r.explore.liveness_steps);
  }
  if (name == "threads") {
    int64_t t = 0;
    FL_RETURN_IF_ERROR(ParseInt(name, value, 1, WorkerPool::kThreadsMax, &t));
    r.explore.threads = static_cast<int>(t);
    return absl::OkStatus();
  }
  if (name == "lossy") {
    if (value == "none") r.explore.lossy = Lossy::kNone;
    else if (value == "bitstate") r.explore.lossy = Lossy::kBitstate;
    else return absl::InvalidArgumentError(absl::StrCat(
        "bad value '", value, "' for --lossy: expected none or bitstate"));
    return absl::OkStatus();
  }
  if (name == "pct-depth") {
    int64_t d = 0;
    FL_RETURN_IF_ERROR(ParseInt(name, value, 1, 64, &d));
    r.explore.pct_depth = static_cast<int>(d);
    return absl::OkStatus();
  }
  if (name == "seconds") {
    if (!absl::SimpleAtod(value, &l.seconds_max) || !(l.seconds_max > 0) ||
        l.seconds_max > 1e7) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value '", value, "' for --seconds: expected a number above 0"));
    }
    return absl::OkStatus();
  }
  if (name == "seed") {
    if (!absl::SimpleAtoi(value, &r.explore.seed)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value '", value, "' for --seed: expected an unsigned integer"));
    }
    return absl::OkStatus();
  }
  if (name == "nodes") return SetNodes(r, value);
  if (name == "properties") {
    r.properties = absl::StrSplit(value, ',', absl::SkipEmpty());
    if (r.properties.empty()) {
      return absl::InvalidArgumentError("--properties needs at least one property name");
    }
    return absl::OkStatus();
  }
  if (name == "trace-dir") { r.trace_dir = value; return absl::OkStatus(); }
  if (name == "o") { r.trace_path = value; return absl::OkStatus(); }
  return SetConfigValue(*r.entry, r.config, name, value);
}

// --por: partial-order reduction, a depth-first search (harness/por.h).
absl::Status SetPor(CheckRequest& r, bool por, bool simulate) {
  if (!por) return absl::OkStatus();
  if (simulate) {
    return absl::InvalidArgumentError("--por reduces exhaustive search: use it with check");
  }
  if (r.strategy_given && r.explore.strategy != Strategy::kDfs) {
    return absl::InvalidArgumentError(
        "--por searches depth-first: drop --strategy or use --strategy dfs");
  }
  r.explore.strategy = Strategy::kDfs;
  r.explore.por = true;
  return absl::OkStatus();
}

// Bounded liveness is a sampling mode and needs both its phases stated.
absl::Status ValidateBounded(const CheckRequest& r, bool simulate) {
  if (!r.fault_steps_set && !r.liveness_steps_set) return absl::OkStatus();
  if (!simulate) {
    return absl::InvalidArgumentError(
        "--fault-steps and --liveness-steps are for simulate (check decides "
        "liveness exhaustively)");
  }
  if (!r.fault_steps_set) {
    return absl::InvalidArgumentError(
        "--liveness-steps needs --fault-steps N: the budget counts from the end "
        "of the fault phase");
  }
  if (!r.liveness_steps_set) {
    return absl::InvalidArgumentError(
        "--fault-steps needs --liveness-steps B: the steps the goal is given "
        "after the heal");
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckRequest> ParseCheck(const std::vector<std::string>& args,
                                        bool simulate) {
  FL_ASSIGN_OR_RETURN(
      Flags flags, ParseFlags(args, {"json", "no-shrink", "por", "por-safety",
                                     "prune-stale", "symmetry"}));
  if (flags.positional.size() != 1) {
    return absl::InvalidArgumentError("expected exactly one protocol name");
  }
  CheckRequest r;
  r.entry = FindEntry(flags.positional[0]);
  if (r.entry == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown protocol '", flags.positional[0], "' (see 'faultline list')"));
  }
  r.config = DefaultConfig(*r.entry);
  r.explore.limits = r.entry->limits;
  r.json = flags.switches.count("json") > 0;
  r.shrink = flags.switches.count("no-shrink") == 0;
  r.config.world.symmetry = flags.switches.count("symmetry") > 0;
  r.config.world.prune_stale = flags.switches.count("prune-stale") > 0;
  if (simulate) {
    r.explore.strategy = Strategy::kRandom;
    r.explore.seed = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
  }
  FL_RETURN_IF_ERROR(CheckNodesOnce(*r.entry, flags));
  for (const auto& [name, value] : flags.options) {
    FL_RETURN_IF_ERROR(SetExploreOption(r, name, value));
  }
  FL_RETURN_IF_ERROR(ValidateConfig(*r.entry, r.config));
  const bool exhaustive = r.explore.strategy == Strategy::kBfs ||
                          r.explore.strategy == Strategy::kDfs;
  // Reductions of the visited set: exhaustive search only, and not with the
  // sleep sets --por stores per state (a state met again in another naming,
  // or merged with one that enables one more delivery, would compare them
  // wrongly; docs/symmetry.md, docs/stale.md).
  const std::pair<bool, const char*> reductions[] = {
      {r.config.world.symmetry, "--symmetry"},
      {r.config.world.prune_stale, "--prune-stale"}};
  for (const auto& [on, flag] : reductions) {
    if (on && !exhaustive) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " reduces exhaustive search only (check with bfs or dfs)"));
    }
  }
  if (simulate && exhaustive) {
    return absl::InvalidArgumentError(
        "simulate samples executions: --strategy must be random, swarm or pct "
        "(use check for bfs or dfs)");
  }
  r.explore.por_safety_only = flags.switches.count("por-safety") > 0;
  FL_RETURN_IF_ERROR(SetPor(r, flags.switches.count("por") > 0 || r.explore.por_safety_only,
                            simulate));
  FL_RETURN_IF_ERROR(ValidateBounded(r, simulate));
  if (!r.properties.empty() && r.liveness_steps_set) {
    return absl::InvalidArgumentError(
        "--properties cannot be combined with --liveness-steps yet");
  }
  if (r.explore.threads > 1 && (r.explore.strategy != Strategy::kBfs || r.explore.por)) {
    return absl::InvalidArgumentError("--threads above 1 needs --strategy bfs (without --por)");
  }
  if (r.explore.lossy != Lossy::kNone && (!exhaustive || r.explore.por)) {
    return absl::InvalidArgumentError("--lossy applies to check without --por (bfs or dfs)");
  }
  for (const auto& [on, flag] : reductions) {
    if (on && r.explore.por) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " cannot be combined with --por yet"));
    }
  }
  return r;
}

const char* StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kBfs: return "bfs";
    case Strategy::kDfs: return "dfs";
    case Strategy::kRandom: return "random";
    case Strategy::kSwarm: return "swarm";
    case Strategy::kPct: return "pct";
    case Strategy::kBytes: return "fuzz";
  }
  return "?";
}

bool Sampling(Strategy s) { return s != Strategy::kBfs && s != Strategy::kDfs; }

bool HasEventuallyProperty(const Checker& checker) {
  for (const PropertyInfo& p : checker.Properties()) {
    if (p.kind == PropertyKind::kEventually) return true;
  }
  return false;
}

std::string DescribeOptions(const CheckRequest& r) {
  const Limits& l = r.explore.limits;
  std::string s = absl::StrFormat(
      "strategy=%s depth=%d states=%d seconds=%g memory-mb=%d",
      StrategyName(r.explore.strategy), l.depth_max, l.states_max,
      l.seconds_max, l.memory_mb_max);
  if (Sampling(r.explore.strategy)) {
    absl::StrAppend(&s, " runs=", l.runs_max, " seed=", r.explore.seed);
  }
  if (r.explore.strategy == Strategy::kPct) {
    absl::StrAppend(&s, " pct-depth=", r.explore.pct_depth);
  }
  if (r.explore.por) {
    // Which reduction runs (sleep sets or DPOR) is known once the model is:
    // the summary's por line says it.
    absl::StrAppend(
        &s, r.explore.por_safety_only ? " por=on,safety-only" : " por=on");
  }
  if (r.explore.liveness_steps > 0) {
    absl::StrAppend(&s, " fault-steps=", r.explore.fault_steps, " liveness-steps=",
                    r.explore.liveness_steps,
                    " (then heal, recover, uniform among non-fault events)");
  }
  if (!Sampling(r.explore.strategy)) {
    absl::StrAppend(&s, " threads=", r.explore.threads, " lossy=",
                    r.explore.lossy == Lossy::kBitstate ? "bitstate" : "none");
  }
  if (r.config.world.symmetry) absl::StrAppend(&s, " symmetry=on");
  if (r.config.world.prune_stale) absl::StrAppend(&s, " prune-stale=on");
  if (!r.properties.empty()) {
    absl::StrAppend(&s, " properties=", absl::StrJoin(r.properties, ","));
  }
  return s;
}

// --properties: the bit mask of the Always and Eventually properties left
// unchecked (Sometimes are vacuity guards, always kept), or an error naming
// the unknown property.
absl::StatusOr<uint64_t> PropertiesOff(const CheckRequest& r, const Checker& checker) {
  const std::vector<PropertyInfo> props = checker.Properties();
  std::vector<std::string> names;
  for (const PropertyInfo& p : props) names.push_back(p.name);
  for (const std::string& wanted : r.properties) {
    if (std::find(names.begin(), names.end(), wanted) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown property '", wanted, "' for --properties; ", r.entry->name,
          " has: ", absl::StrJoin(names, ", ")));
    }
  }
  uint64_t off = 0;
  for (size_t i = 0; i < props.size() && !r.properties.empty(); ++i) {
    const bool named = std::find(r.properties.begin(), r.properties.end(),
                                 props[i].name) != r.properties.end();
    if (props[i].kind != PropertyKind::kSometimes && !named) off |= uint64_t{1} << i;
  }
  return off;
}

// Names of the Always and Eventually properties that were (not) checked.
std::vector<std::string> CheckedNames(const Checker& checker, uint64_t off,
                                      bool checked) {
  std::vector<std::string> out;
  const std::vector<PropertyInfo> props = checker.Properties();
  for (size_t i = 0; i < props.size(); ++i) {
    if (props[i].kind == PropertyKind::kSometimes) continue;
    if (((off >> i & 1) == 0) == checked) out.push_back(props[i].name);
  }
  return out;
}

std::string TraceFileName(const CheckRequest& r, const std::string& property) {
  if (!r.trace_path.empty()) return r.trace_path;
  mkdir(r.trace_dir.c_str(), 0755);
  const std::string base = absl::StrReplaceAll(r.entry->name, {{":", "."}});
  return UnusedPath(absl::StrCat(r.trace_dir, "/", base, ".", property, ".trace"));
}

// What --por did not do: reduce (liveness is checked, or the model has no
// independence relation), or, with --por-safety, check liveness.
std::string PorNote(const Checker& checker, const Outcome& o) {
  bool liveness = false;
  const std::vector<PropertyInfo> props = checker.Properties();
  for (size_t i = 0; i < props.size(); ++i) {
    liveness = liveness || (props[i].kind == PropertyKind::kEventually &&
                            (o.properties_off >> i & 1) == 0);
  }
  if (o.reduced) {
    std::vector<std::string> notes;
    if (liveness) {
      notes.push_back(
          "note: --por-safety: Eventually properties are not checked");
    }
    if (!o.reduction_note.empty()) {
      notes.push_back("note: --por: " + o.reduction_note);
    }
    return absl::StrJoin(notes, "\n");
  }
  if (liveness) {
    return "note: --por is off: Eventually properties are checked and sleep "
           "sets do not preserve fair cycles; searched unreduced (bfs)";
  }
  return "note: --por is off: this model declares no independent actions; "
         "searched unreduced (bfs)";
}

double BytesPerState(const Outcome& o) {
  return o.states > 0 ? static_cast<double>(o.visited_bytes) / o.states : 0;
}

// The visited set at the end: its size per state and how far to trust it.
std::string VisitedLine(const Outcome& o) {
  std::string s = absl::StrFormat("visited set: %.1f bytes/state (%.1f MiB), ",
                                  BytesPerState(o), o.visited_bytes / 1048576.0);
  if (o.lossy) {
    absl::StrAppendFormat(&s,
                          "lossy: bitstate since %d states, states may have been "
                          "missed (a new state looked seen with probability %.2g "
                          "at the end)",
                          o.lossy_since_states, o.miss_probability);
  } else {
    absl::StrAppendFormat(&s,
                          "fingerprint collision probability %.2g (TLC's "
                          "estimate); %d thread%s",
                          o.collision_probability, o.threads, o.threads == 1 ? "" : "s");
  }
  return s;
}

int RunCheck(const std::vector<std::string>& args, bool simulate,
             std::ostream& out, std::ostream& err) {
  absl::StatusOr<CheckRequest> parsed = ParseCheck(args, simulate);
  if (!parsed.ok()) {
    err << "faultline: " << parsed.status().message() << "\n";
    return kExitUsage;
  }
  CheckRequest& r = *parsed;
  std::unique_ptr<Checker> checker = r.entry->make(r.config);
  const absl::StatusOr<uint64_t> off = PropertiesOff(r, *checker);
  if (!off.ok()) {
    err << "faultline: " << off.status().message() << "\n";
    return kExitUsage;
  }
  r.explore.properties_off = *off;
  if (*off != 0 && (r.config.world.symmetry || r.config.world.prune_stale)) {
    // Rebuilt knowing which properties are off: a reduction may now apply.
    r.config.world.properties_off = *off;
    checker = r.entry->make(r.config);
  }
  std::ostream& human = r.json ? err : out;
  const std::string config = FormatConfig(*r.entry, r.config);
  human << "faultline " << (simulate ? "simulate " : "check ") << r.entry->name
        << "\noptions: " << DescribeOptions(r) << "\nconfig: " << config << "\n";
  human.flush();
  r.explore.on_progress = [&err](const Progress& p) {
    err << absl::StrFormat(
        "progress: %d states, %d transitions, depth %d, frontier %d, %.1f s "
        "(%.0f states/s)\n",
        p.states, p.transitions, p.depth, p.frontier, p.seconds,
        p.states / p.seconds);
  };
  if (r.explore.liveness_steps > 0 && !HasEventuallyProperty(*checker)) {
    err << "faultline: " << r.entry->name
        << " has no eventually property: --liveness-steps has nothing to check\n";
    return kExitUsage;
  }
  if (r.config.world.symmetry) {
    human << "symmetry: " << checker->Symmetry().note << "\n";
  }
  if (r.config.world.prune_stale) {
    human << "stale messages: " << checker->StaleMessages().note << "\n";
  }
  const Outcome o = checker->Explore(r.explore);
  if (const std::string note = r.explore.por ? PorNote(*checker, o) : "";
      !note.empty()) {
    human << note << "\n";
  }
  Verdict s = Judge(*checker, o);
  std::string trace_path;
  if (s.name == "violation" || s.name == kBoundedLivenessVerdict) {
    Trace trace = checker->Record(o.tape);
    trace.protocol = r.entry->name;
    trace.config = config;
    trace.property = s.property;
    trace.loop_start = o.loop_start;
    trace.heal_step = o.heal_step;
    trace.liveness_steps = o.heal_step >= 0 ? o.liveness_steps : 0;
    trace.found_by = o.found_by.empty()
                         ? absl::StrCat(StrategyName(r.explore.strategy),
                                        " seed=", r.explore.seed)
                         : o.found_by;
    const ReplayResult check = checker->Replay(trace, nullptr);
    if (check.kind != ReplayResult::Kind::kReproduced) {
      err << "faultline: nondeterminism detected: the counterexample does not "
             "replay: " << check.message << "\n";
      return kExitInternal;
    }
    // Sampled runs are long and noisy; BFS traces are already shortest.
    if (Sampling(r.explore.strategy) && r.shrink && trace.bounded()) {
      human << "shrink: bounded-liveness traces are not shrunk (removing a fault "
               "changes the run after the heal)\n";
    } else if (Sampling(r.explore.strategy) && r.shrink) {
      trace = ShrinkFoundTrace(*checker, trace, human);
    }
    trace_path = TraceFileName(r, s.property);
    if (absl::Status st = WriteFileAtomically(trace_path, FormatTrace(trace)); !st.ok()) {
      err << "faultline: " << st.message() << "\n";
      return kExitUsage;
    }
    absl::StrAppend(&s.detail, trace.steps.size(), " steps");
  }
  if (!o.found_by.empty()) human << "found by: " << o.found_by << "\n";
  human << "verdict: " << s.name;
  if (!s.property.empty()) human << " (" << s.property << ")";
  human << (s.detail.empty() ? "" : ": ") << s.detail << "\n";
  human << absl::StrFormat("explored: %d states, %d transitions, depth %d, %.2f s\n",
                           o.states, o.transitions, o.depth, o.seconds);
  if (o.reduced) {
    human << (o.reduction == "dpor"
                  ? absl::StrFormat(
                        "por: dpor, %d transitions not taken, %d executions\n",
                        o.pruned, o.executions)
                  : absl::StrFormat("por: sleep sets, %d transitions skipped "
                                    "as asleep, %d executions\n",
                                    o.pruned, o.executions));
  }
  if (!Sampling(r.explore.strategy) && !o.reduced) human << VisitedLine(o) << "\n";
  if (!r.properties.empty()) {
    human << "properties: checked "
          << absl::StrJoin(CheckedNames(*checker, *off, true), ", ") << "; not checked: "
          << absl::StrJoin(CheckedNames(*checker, *off, false), ", ")
          << (*off == 0 ? "none" : "") << "\n";
  }
  if (!trace_path.empty()) {
    human << "trace: " << trace_path << "\nreplay: faultline replay " << trace_path << "\n";
  }
  if (r.json) {
    nlohmann::json j = {
        {"verdict", s.name},
        {"property",
         s.property.empty() ? nlohmann::json() : nlohmann::json(s.property)},
        {"states", o.states},
        {"transitions", o.transitions},
        {"depth", o.depth},
        {"seconds", o.seconds},
        {"stop", StopName(o.stop)},
        {"por", o.reduced},
        {"reduction", o.reduction},
        {"pruned", o.pruned},
        {"executions", o.executions},
        {"threads", o.threads},
        {"visited_bytes", o.visited_bytes},
        {"bytes_per_state", BytesPerState(o)},
        {"collision_probability", o.collision_probability},
        {"lossy", o.lossy},
        {"properties_checked", CheckedNames(*checker, *off, true)},
        {"trace",
         trace_path.empty() ? nlohmann::json() : nlohmann::json(trace_path)}};
    out << j.dump() << "\n";
  }
  return s.exit_code;
}

// Loads a trace and builds the checker its header names.
absl::StatusOr<std::pair<Trace, std::unique_ptr<Checker>>> LoadTrace(
    const std::vector<std::string>& args) {
  FL_ASSIGN_OR_RETURN(Flags flags, ParseFlags(args, {}));
  if (flags.positional.size() != 1 || !flags.options.empty()) {
    return absl::InvalidArgumentError("expected exactly one trace file");
  }
  FL_ASSIGN_OR_RETURN(Trace trace, ReadTraceFile(flags.positional[0]));
  const Entry* entry = FindEntry(trace.protocol);
  if (entry == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        flags.positional[0], ": unknown protocol '", trace.protocol, "'"));
  }
  absl::StatusOr<Config> config = ParseConfig(*entry, trace.config);
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flags.positional[0], ": config: ", config.status().message()));
  }
  return std::make_pair(std::move(trace), entry->make(*config));
}

int RunReplay(const std::vector<std::string>& args, bool show, std::ostream& out,
              std::ostream& err) {
  auto loaded = LoadTrace(args);
  if (!loaded.ok()) {
    err << "faultline: " << loaded.status().message() << "\n";
    return kExitUsage;
  }
  const auto& [trace, checker] = *loaded;
  out << "trace: " << trace.protocol << ", " << trace.steps.size()
      << " steps, property " << trace.property << ", found by " << trace.found_by
      << "\nconfig: " << trace.config << "\n";
  std::string narration;
  const ReplayResult r = checker->Replay(trace, show ? &narration : nullptr);
  out << narration;
  switch (r.kind) {
    case ReplayResult::Kind::kReproduced:
      out << "reproduced: " << r.message << "\n";
      return show ? kExitOk : kExitViolation;
    case ReplayResult::Kind::kDiverged:
      err << "faultline: replay diverged at " << r.message << "\n";
      return kExitInternal;
    case ReplayResult::Kind::kNotViolated:
      err << "faultline: not reproduced: " << r.message << "\n";
      return kExitInternal;
  }
  return kExitInternal;
}

int RunList(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<Flags> flags = ParseFlags(args, {"json"});
  if (!flags.ok() || !flags->positional.empty() || !flags->options.empty()) {
    err << "faultline: usage: faultline list [--json]\n";
    return kExitUsage;
  }
  if (flags->switches.count("json")) {
    nlohmann::json list = nlohmann::json::array();
    for (const Entry& e : Registry()) {
      nlohmann::json j = {{"name", e.name},
                          {"expect", e.expect_pass ? "pass" : "fail"},
                          {"description", e.description}};
      if (!e.expect_pass) j["property"] = e.violates;
      nlohmann::json params = nlohmann::json::object();
      for (const ParamSpec& p : e.params) params[p.name] = p.default_value;
      j["params"] = params;
      const std::string nodes = NodesParam(e);
      j["nodes_param"] = nodes.empty() ? nlohmann::json() : nlohmann::json(nodes);
      j["config"] = FormatConfig(e, DefaultConfig(e));
      nlohmann::json properties = nlohmann::json::array();
      for (const PropertyInfo& p : e.make(DefaultConfig(e))->Properties()) {
        properties.push_back({{"name", p.name}, {"kind", KindName(p.kind)}});
      }
      j["properties"] = properties;
      list.push_back(j);
    }
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  for (const Entry& e : Registry()) {
    out << absl::StrFormat("%-34s expect=%-4s %s\n", e.name,
                           e.expect_pass ? "pass" : "fail",
                           e.expect_pass ? "" : absl::StrCat("(", e.violates, ")"));
    out << "    " << e.description << "\n";
    for (const ParamSpec& p : e.params) {
      out << absl::StrFormat("    --%s N  %s (default %d, %d..%d)\n", p.name,
                             p.help, p.default_value, p.min, p.max);
    }
  }
  return kExitOk;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  if (args.empty()) {
    err << "faultline: usage: faultline list|check|simulate|replay|show ... "
           "(see 'faultline --help')\n";
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& command = args[0];
  if (command == "list") return RunList(rest, out, err);
  if (command == "check") return RunCheck(rest, false, out, err);
  if (command == "simulate") return RunCheck(rest, true, out, err);
  if (command == "reproduce") return RunReproduce(rest, out, err);
  if (command == "replay") return RunReplay(rest, false, out, err);
  if (command == "fuzz") return RunFuzz(rest, out, err);
  if (command == "show") return RunShow(rest, out, err);
  if (command == "shrink") return RunShrink(rest, out, err);
  if (command == "render") return RunRender(rest, out, err);
  err << "faultline: unknown command '" << command << "' (see 'faultline --help')\n";
  return kExitUsage;
}

}  // namespace faultline
