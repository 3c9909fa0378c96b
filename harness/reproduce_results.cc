#include "harness/reproduce_results.h"

#include <sys/stat.h>

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "harness/registry.h"
#include "harness/trace.h"
#include "harness/verdict.h"

namespace faultline {
namespace {

using Overrides = std::vector<std::pair<std::string, std::string>>;

// One registry entry checked with some options overridden.
struct EntryRun {
  std::string entry;
  Outcome outcome;
  Verdict verdict;
  Trace trace;            // the counterexample, when one was found
  std::string narration;  // its replay, step by step
};

// Records, replays and narrates the counterexample of a finished run.
absl::Status RecordCounterexample(const Checker& checker, const Entry& entry,
                                  const Config& config, const std::string& by,
                                  EntryRun& run) {
  const Outcome& o = run.outcome;
  run.trace = checker.Record(o.tape);
  run.trace.protocol = entry.name;
  run.trace.config = FormatConfig(entry, config);
  run.trace.property = run.verdict.property;
  run.trace.found_by = by;
  run.trace.loop_start = o.loop_start;
  run.trace.heal_step = o.heal_step;
  run.trace.liveness_steps = o.heal_step >= 0 ? o.liveness_steps : 0;
  const ReplayResult replay = checker.Replay(run.trace, &run.narration);
  if (replay.kind != ReplayResult::Kind::kReproduced) {
    return absl::InternalError(absl::StrCat(entry.name, ": the counterexample "
                                            "does not replay: ", replay.message));
  }
  return absl::OkStatus();
}

// Checks `name` (BFS with the entry's bounds unless `explore` says otherwise).
absl::StatusOr<EntryRun> CheckEntry(const std::string& name,
                                    const Overrides& overrides,
                                    const ExploreOptions* explore = nullptr) {
  const Entry* entry = FindEntry(name);
  if (entry == nullptr) return absl::InternalError(absl::StrCat("no entry ", name));
  Config config = DefaultConfig(*entry);
  for (const auto& [key, value] : overrides) {
    FL_RETURN_IF_ERROR(SetConfigValue(*entry, config, key, value));
  }
  ExploreOptions options;
  if (explore != nullptr) options = *explore;
  if (explore == nullptr) options.limits = entry->limits;
  const auto checker = entry->make(config);
  EntryRun run{name, checker->Explore(options), {}, {}, {}};
  run.verdict = Judge(*checker, run.outcome);
  if (run.outcome.stop == Stop::kViolation) {
    const std::string by = explore == nullptr ? "bfs seed=0" : run.outcome.found_by;
    FL_RETURN_IF_ERROR(RecordCounterexample(
        *checker, *entry, config, absl::StrCat(by, " (faultline reproduce)"), run));
  }
  return run;
}

absl::Status Expect(const EntryRun& run, const std::string& verdict,
                    const std::string& property) {
  if (run.verdict.name == verdict && run.verdict.property == property) {
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(
      run.entry, ": expected ", verdict, property.empty() ? "" : " of ", property,
      ", got ", run.verdict.name, " ", run.verdict.property, " (", run.verdict.detail,
      "): the model or the checker changed"));
}

absl::Status WriteTrace(const EntryRun& run, const std::string& path) {
  FL_RETURN_IF_ERROR(WriteFileAtomically(path, FormatTrace(run.trace)));
  return absl::OkStatus();
}

// The steps of a narration with what was sent to or held by the adversary
// and what was observed: the lines a reader needs to follow the run.
std::string KeyLines(const std::string& narration) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(narration, '\n')) {
    if (absl::StartsWith(line, "step ") || absl::StrContains(line, "observes ") ||
        absl::StrContains(line, "held by the adversary") ||
        absl::StartsWith(line, ">>> ")) {
      absl::StrAppend(&out, "    ", line, "\n");
    }
  }
  return out;
}

// The node names of a narration's initial state, in node order, and which
// of them is a traitor.
std::vector<std::string> NodeNames(const std::string& narration,
                                   std::string* traitor) {
  std::vector<std::string> names;
  for (absl::string_view line : absl::StrSplit(narration, '\n')) {
    if (absl::StartsWith(line, "  in flight")) break;
    if (!absl::StartsWith(line, "  ")) continue;
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name(line.substr(2, colon - 2));
    if (absl::EndsWith(name, " (traitor)")) {
      name.resize(name.size() - 10);
      *traitor = name;
    }
    names.push_back(std::move(name));
  }
  return names;
}

std::string States(const EntryRun& run) {
  return absl::StrFormat("%d states", run.outcome.states);
}

// OM(1) with n = 3: the adversary may pick any traitor and any strategy.
absl::Status OralMessagesThree(const std::string& dir, std::ostream& out,
                               std::vector<std::string>* names,
                               std::string* traitor) {
  FL_ASSIGN_OR_RETURN(EntryRun run, CheckEntry("oral-messages:n3", {}));
  FL_RETURN_IF_ERROR(Expect(run, "violation", "IC2"));
  const std::string path = absl::StrCat(dir, "/byzantine-om1-n3.trace");
  FL_RETURN_IF_ERROR(WriteTrace(run, path));
  *names = NodeNames(run.narration, traitor);
  if (names->size() != 3 || traitor->empty() || *traitor == (*names)[0]) {
    return absl::InternalError(
        "oral-messages:n3: expected 3 generals and a traitorous lieutenant");
  }
  out << absl::StrFormat(
      "n = 3, m = 1, any one traitor, every adversary strategy (BFS, %s):\n"
      "  violation of IC2 in %d steps, traitor %s; trace %s\n%s\n",
      States(run), run.trace.steps.size(), *traitor, path, KeyLines(run.narration));
  return absl::OkStatus();
}

// The same model with the traitor fixed at each position in turn.
absl::Status OralMessagesByTraitor(const std::vector<std::string>& names,
                                   std::ostream& out) {
  out << "The same n = 3 with the traitor fixed, one position at a time:\n\n"
         "| traitor | verdict | property | explored |\n|---|---|---|---|\n";
  for (size_t n = 0; n < names.size(); ++n) {
    FL_ASSIGN_OR_RETURN(EntryRun run, CheckEntry("oral-messages:n3",
                                                 {{"traitors", absl::StrCat(n)}}));
    FL_RETURN_IF_ERROR(n == 0 ? Expect(run, "pass", "") : Expect(run, "violation", "IC2"));
    out << absl::StrFormat("| %s%s | %s | %s | %s |\n", names[n],
                           n == 0 ? " (commander)" : "", run.verdict.name,
                           run.verdict.property.empty() ? "-" : run.verdict.property,
                           n == 0 ? States(run)
                                  : absl::StrCat(run.trace.steps.size(), " steps"));
  }
  return absl::OkStatus();
}

constexpr char kByzantineProof[] =
    "\nThe step of the proof (Lamport, Shostak, Pease 1982; notes: \"for f faulty\n"
    "processes, N >= 3f+1\"): a loyal lieutenant cannot tell a traitorous\n"
    "commander from a traitorous lieutenant. %2$s hears \"attack\" from %3$s and\n"
    "not \"attack\" about %3$s from %1$s. That is its whole view in two runs:\n"
    "  (a) %3$s is loyal and ordered attack, %1$s lies or stays silent (the trace):\n"
    "      IC2 needs %2$s to attack;\n"
    "  (b) %3$s is the traitor and sent %1$s another order or none; %1$s relays\n"
    "      truly what it got:\n"
    "      IC1 needs %2$s to do what %1$s does, and %1$s is in %2$s's position.\n"
    "Same view, same decision. OM(1) breaks the tie to retreat, which keeps IC1\n"
    "when the commander is the traitor (the table's first row passes) and so\n"
    "breaks IC2 when a lieutenant is (the other rows). No rule does both: with\n"
    "n = 3 and f = 1, n < 3f+1.\n\n";

absl::Status OralMessagesFour(std::ostream& out) {
  FL_ASSIGN_OR_RETURN(EntryRun run, CheckEntry("oral-messages", {}));
  FL_RETURN_IF_ERROR(Expect(run, "pass", ""));
  out << absl::StrFormat(
      "n = 4 = 3f+1, m = 1, any one traitor, every adversary strategy:\n"
      "  pass, every reachable state explored (%s). With three lieutenants a\n"
      "  loyal one holds two loyal reports of the commander's order against at\n"
      "  most one forged one: the majority is right, and a traitorous commander's\n"
      "  orders are relayed identically to every loyal lieutenant.\n\n",
      States(run));
  return absl::OkStatus();
}

absl::Status PbftQuorums(const std::string& dir, std::ostream& out) {
  FL_ASSIGN_OR_RETURN(EntryRun bad, CheckEntry("pbft:quorum-2f", {}));
  FL_RETURN_IF_ERROR(Expect(bad, "violation", "agreement"));
  const std::string path = absl::StrCat(dir, "/byzantine-pbft-quorum-2f.trace");
  FL_RETURN_IF_ERROR(WriteTrace(bad, path));
  FL_ASSIGN_OR_RETURN(EntryRun good, CheckEntry("pbft", {}));
  FL_RETURN_IF_ERROR(Expect(good, "pass", ""));
  out << absl::StrFormat(
      "PBFT (Castro & Liskov 1999), n = 4, f = 1, one slot, two views:\n"
      "  pbft:quorum-2f (quorums of 2f = 2, any traitor): violation of agreement\n"
      "    in %d steps (BFS, %s); trace %s\n"
      "  pbft (quorums of 2f+1 = 3, the view-1 primary a traitor): pass (%s)\n"
      "The same bound, seen through quorums: two quorums of q out of n nodes share\n"
      "at least 2q - n nodes. With q = 2f that is 2*2 - 4 = 0: two quorums may\n"
      "meet in no node, or only in the traitor, who votes for both values, so two\n"
      "values each gather a quorum (the trace). With q = 2f+1 it is 2*3 - 4 = 2 =\n"
      "f+1: every two quorums share a loyal node, which votes for one value only.\n"
      "(`faultline reproduce quorums` proves the bound for all n and f.)\n",
      bad.trace.steps.size(), States(bad), path, States(good));
  return absl::OkStatus();
}

int Report(const absl::Status& status, std::ostream& err) {
  if (status.ok()) return 0;
  err << "faultline: " << status.message() << "\n";
  return 3;
}

}  // namespace

int ReproduceByzantine(const std::string& dir, std::ostream& out,
                       std::ostream& err) {
  mkdir(dir.c_str(), 0755);
  out << "Byzantine generals, oral messages OM(m) (commander variant): the\n"
         "adversary controls the traitor's messages (send, withhold, alter).\n\n";
  std::vector<std::string> names;
  std::string traitor;
  absl::Status status = OralMessagesThree(dir, out, &names, &traitor);
  if (status.ok()) status = OralMessagesByTraitor(names, out);
  if (status.ok()) {
    const std::string& loyal = traitor == names[1] ? names[2] : names[1];
    out << absl::StrFormat(kByzantineProof, traitor, loyal, names[0]);
  }
  if (status.ok()) status = OralMessagesFour(out);
  if (status.ok()) status = PbftQuorums(dir, out);
  return Report(status, err);
}

namespace {

absl::Status CapAvailable(const std::string& dir, std::ostream& out) {
  FL_ASSIGN_OR_RETURN(EntryRun run, CheckEntry("cap-register:available", {}));
  FL_RETURN_IF_ERROR(Expect(run, "violation", "linearizable"));
  const std::string path = absl::StrCat(dir, "/cap-available.trace");
  FL_RETURN_IF_ERROR(WriteTrace(run, path));
  out << absl::StrFormat(
      "cap-register:available (a writer answers on timeout): violation of\n"
      "linearizable in %d steps (BFS, %s); trace %s\n%s"
      "  The write returns (#0) while r0 is cut off; a read at r1 invoked after\n"
      "  that return answers the old value 0: no sequential order explains it.\n\n",
      run.trace.steps.size(), States(run), path, KeyLines(run.narration));
  return absl::OkStatus();
}

absl::Status CapConsistent(const std::string& dir, std::ostream& out) {
  FL_ASSIGN_OR_RETURN(EntryRun run, CheckEntry("cap-register:consistent", {}));
  FL_RETURN_IF_ERROR(Expect(run, "violation", "answered"));
  const std::string path = absl::StrCat(dir, "/cap-consistent.trace");
  FL_RETURN_IF_ERROR(WriteTrace(run, path));
  out << absl::StrFormat(
      "cap-register:consistent (a writer waits for the other replica's ack;\n"
      "healing not assumed): liveness violation of answered, %d steps (%s);\n"
      "trace %s\n%s"
      "  The write (#0) is never answered: r0 waits for r1's ack, which the\n"
      "  partition holds back, and the partition is not assumed to heal.\n\n",
      run.trace.steps.size(), States(run), path, KeyLines(run.narration));
  return absl::OkStatus();
}

// With healing: exhaustively (heal fair), and sampled in the bounded-liveness
// mode (faults for a while, then heal and a budget for every answer).
absl::Status CapHealed(std::ostream& out) {
  FL_ASSIGN_OR_RETURN(EntryRun fair, CheckEntry("cap-register", {}));
  FL_RETURN_IF_ERROR(Expect(fair, "pass", ""));
  ExploreOptions sampled;
  sampled.strategy = Strategy::kRandom;
  sampled.seed = 1;
  sampled.limits.runs_max = 200;
  sampled.fault_steps = 6;
  sampled.liveness_steps = 20;
  FL_ASSIGN_OR_RETURN(EntryRun vopr, CheckEntry("cap-register:consistent", {}, &sampled));
  FL_RETURN_IF_ERROR(Expect(vopr, "bounds-exhausted", ""));
  out << absl::StrFormat(
      "cap-register (the waiting writer, healing fair): pass (%s): linearizable,\n"
      "and every request is answered once the partition heals. Sampled the\n"
      "VOPR way (faultline simulate cap-register:consistent --fault-steps 6\n"
      "--liveness-steps 20 --runs 200 --seed 1): no run misses an answer within\n"
      "20 steps after the heal.\n",
      States(fair));
  return absl::OkStatus();
}

constexpr char kCapProof[] =
    "\nThe step of the proof (Gilbert & Lynch 2002; notes: consistency is\n"
    "linearizability, availability is every request answered, a partition is\n"
    "100%% loss): while r0 and r1 are cut apart, nothing r0 does reaches r1, so\n"
    "r1's state at the read is the same whether or not the write happened. A\n"
    "replica that answers during the partition answers from that state: the old\n"
    "value after a completed write, not linearizable (the first trace). A replica\n"
    "that refuses to answer until it hears from the other side never answers\n"
    "while the partition lasts, not available (the second). Either way one of C\n"
    "and A is lost; only when the partition heals can the system have both.\n";

}  // namespace

int ReproduceCap(const std::string& dir, std::ostream& out, std::ostream& err) {
  mkdir(dir.c_str(), 0755);
  out << "CAP: a register on two replicas r0 and r1; a write at r0 is sent to r1\n"
         "and answered after r1's ack (or, available variant, after a timeout).\n\n";
  absl::Status status = CapAvailable(dir, out);
  if (status.ok()) status = CapConsistent(dir, out);
  if (status.ok()) status = CapHealed(out);
  if (status.ok()) out << absl::StrFormat(kCapProof);
  return Report(status, err);
}

}  // namespace faultline
