// `faultline reproduce flp`: the FLP proof as executions (harness/flp.h).
#include "harness/reproduce_flp.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/executor.h"
#include "harness/flp.h"
#include "harness/registry.h"
#include "harness/trace.h"
#include "harness/verdict.h"
#include "protocols/flp_paxos.h"
#include "protocols/flp_votes.h"

namespace faultline {
namespace {

template <typename P>
const FlpChecker<P>& AsFlp(const Checker& c) {
  const auto* flp = dynamic_cast<const FlpChecker<P>*>(&c);
  FL_CHECK(flp != nullptr);
  return *flp;
}

struct Made {
  const Entry* entry;
  Config config;
  std::unique_ptr<Checker> checker;
};

Made Make(const std::string& name, const Params& params) {
  const Entry* entry = FindEntry(name);
  FL_CHECK(entry != nullptr);
  Config config = DefaultConfig(*entry);
  for (const auto& [k, v] : params) config.params[k] = v;
  auto checker = entry->make(config);
  return {entry, std::move(config), std::move(checker)};
}

absl::Status WriteTrace(const Made& m, Trace trace, const std::string& path) {
  trace.protocol = m.entry->name;
  trace.config = FormatConfig(*m.entry, m.config);
  if (m.checker->Replay(trace, nullptr).kind != ReplayResult::Kind::kReproduced) {
    return absl::InternalError(absl::StrCat(path, ": the trace does not replay"));
  }
  return WriteFileAtomically(path, FormatTrace(trace));
}

// Lemma 2: every initial configuration with its valence; returns a bivalent
// one, or -1.
template <typename P>
int PrintInitial(const FlpChecker<P>& flp, std::ostream& out) {
  const ValenceOracle<P>& oracle = flp.oracle();
  out << "  valence of each initial configuration ("
      << (oracle.exact() ? absl::StrCat("exact: ", oracle.states(), " states, ",
                                        oracle.edges(), " edges")
                         : "sampled")
      << "):\n";
  int bivalent = -1;
  const auto all = InitialValences(flp.model(), oracle);
  for (const InitialValence& v : all) {
    out << absl::StrFormat("    %-16s %s\n", v.inputs, ValenceText(v.valence, v.exact));
    if (v.valence == kBivalent && bivalent < 0) bivalent = v.init;
  }
  if (bivalent >= 0) {
    out << "  bivalent: " << all[bivalent].inputs << "\n";
    return bivalent;
  }
  // Adjacent configurations (one input differs) of different valence.
  for (const InitialValence& a : all) {
    for (const InitialValence& b : all) {
      const int diff = a.init ^ b.init;
      if (a.valence == 1 && b.valence == 2 && (diff & (diff - 1)) == 0) {
        out << "  no bivalent one: " << a.inputs << " is 0-valent and " << b.inputs
            << " is 1-valent, and they differ only in "
            << flp.model().Name(std::countr_zero(static_cast<unsigned>(diff)))
            << "'s input. A run in which that process takes no step would decide\n"
               "  the same from both; Lemma 2 says a 1-crash-tolerant protocol has one.\n"
               "  This protocol has none: it waits for that process.\n";
        return -1;
      }
    }
  }
  return -1;
}

template <typename P>
AdversaryRun Adversary(const Made& m, int init, int64_t steps, std::ostream& out) {
  const FlpChecker<P>& flp = AsFlp<P>(*m.checker);
  FlpOptions o = flp.options();
  o.steps_max = steps;
  const AdversaryRun run = RunAdversary(flp.model(), flp.oracle(), init, o);
  out << absl::StrFormat(
      "  adversary from %s: %d steps, %d phases (%d delayed the oldest message, by "
      "at most %d steps), no crash, nobody decides\n",
      flp.model().Inputs(init), run.tape.choices.size(), run.phases, run.delayed,
      run.delay_max);
  if (!run.completed) out << "  it stops: " << run.stopped << "\n";
  return run;
}

// Checks the entry as `faultline check` does and writes its counterexample.
absl::Status CheckAndWrite(const Made& m, const std::string& path, std::ostream& out) {
  ExploreOptions options;
  options.limits = m.entry->limits;
  const Outcome o = m.checker->Explore(options);
  const Verdict v = Judge(*m.checker, o);
  out << absl::StrFormat("  faultline check %s: %s (%s), %d states\n", m.entry->name,
                         v.name, v.property, o.states);
  if (v.name != "violation") return absl::InternalError("expected a violation");
  Trace trace = m.checker->Record(o.tape);
  trace.property = v.property;
  trace.loop_start = o.loop_start;
  trace.found_by = "bfs seed=0 (faultline reproduce flp)";
  FL_RETURN_IF_ERROR(WriteTrace(m, trace, path));
  out << "  trace: " << path << " (" << trace.steps.size() << " steps)\n";
  return absl::OkStatus();
}

// The contrast: oldest-first without looking at valence.
template <typename P>
void PrintOldestFirst(const FlpChecker<P>& flp, int init, int64_t steps,
                      std::ostream& out) {
  const Tape tape = OldestFirst(flp.model(), init, static_cast<size_t>(steps));
  Executor<ConsensusModel<P>> ex(flp.model());
  ex.Reset(init);
  std::vector<Event> actions;
  for (size_t k = 0; k < tape.choices.size(); ++k) {
    ex.Actions(actions);
    ex.Apply(tape.choices[k], actions[tape.choices[k]]);
    const auto a = flp.oracle().Of(ex.state());
    if (a.valence == kBivalent) continue;
    out << "  Without the search (oldest message first, always) the run is univalent\n"
           "  after step " << k + 1 << " (valence " << ValenceText(a.valence, a.exact)
        << "): the value is fixed, even if the duel goes on.\n";
    return;
  }
}

absl::Status PaxosPart(const FlpReproduceOptions& r, std::ostream& out) {
  out << "\n## Paxos (flp-paxos): safe, so the adversary keeps it undecided\n\n"
         "Lemma 2, exact valence with " << r.paxos_exact_ballots << " ballots:\n";
  const Made exact = Make("flp-paxos", {{"ballots", r.paxos_exact_ballots}});
  const int bivalent = PrintInitial(AsFlp<FlpPaxos>(*exact.checker), out);
  if (bivalent < 0) return absl::InternalError("no bivalent initial configuration");
  out << "\nLemma 3 on the same model: the ballot bound runs out eventually (bounded\n"
         "runs are runs of unbounded Paxos, so the bivalence seen is real; the bound\n"
         "only ends it)\n";
  Adversary<FlpPaxos>(exact, bivalent, r.steps, out);
  const Made big = Make("flp-paxos", {{"ballots", FlpPaxos::kBallotsMax},
                                      {"valence-states", 0}});
  out << "\nLemma 3 with " << FlpPaxos::kBallotsMax
      << " ballots (valence sampled: both values reached by seeded walks):\n";
  const AdversaryRun run = Adversary<FlpPaxos>(big, bivalent, r.steps, out);
  if (!run.completed) return absl::InternalError("the adversary did not complete");
  out << "  Lemma 3: from a bivalent configuration C and the oldest pending message e,\n"
         "  some schedule s without e makes e(s(C)) bivalent. Here s was empty in "
      << run.phases - run.delayed << " phases\n  and " << run.delayed
      << " phases needed one (the shortest, found by search). Repeated, this is an\n"
         "  admissible run (no crash; every message is delivered in the phase where it\n"
         "  is the oldest) in which no process ever decides.\n";
  PrintOldestFirst(AsFlp<FlpPaxos>(*big.checker), bivalent, r.steps, out);
  Trace trace = big.checker->Record(run.tape);
  trace.property = kFlpProperty;
  trace.found_by = "flp-adversary (faultline reproduce flp)";
  const std::string path = r.trace_dir + "/flp-paxos.trace";
  FL_RETURN_IF_ERROR(WriteTrace(big, trace, path));
  out << "  trace: " << path << "\n";
  return absl::OkStatus();
}

absl::Status FirstVotesPart(const FlpReproduceOptions& r, std::ostream& out) {
  out << "\n## Decide on n-1 votes (flp-first-votes): terminates, so it is unsafe\n\n"
         "Lemma 2:\n";
  const Made m = Make("flp-first-votes", {});
  const int bivalent = PrintInitial(AsFlp<VoteConsensus>(*m.checker), out);
  if (bivalent < 0) return absl::InternalError("no bivalent initial configuration");
  out << "\nLemma 3 fails: its proof needs the protocol to tolerate a crash and never\n"
         "decide wrongly; this one decides on n-1 votes, so every fair run decides\n";
  const AdversaryRun run = Adversary<VoteConsensus>(m, bivalent, r.steps, out);
  if (run.completed) return absl::InternalError("the adversary kept it undecided");
  out << "\nA protocol that always terminates despite a crash must give up safety:\n";
  return CheckAndWrite(m, r.trace_dir + "/flp-first-votes.agreement.trace", out);
}

absl::Status WaitAllPart(const FlpReproduceOptions& r, std::ostream& out) {
  out << "\n## Decide on all n votes (flp-wait-all): safe, so one crash blocks it\n\n"
         "Lemma 2:\n";
  const Made m = Make("flp-wait-all", {});
  if (PrintInitial(AsFlp<VoteConsensus>(*m.checker), out) >= 0) {
    return absl::InternalError("a bivalent initial configuration");
  }
  out << "\nA crash before that process's first step leaves every other one waiting:\n";
  return CheckAndWrite(m, r.trace_dir + "/flp-wait-all.termination.trace", out);
}

}  // namespace

int ReproduceFlp(const FlpReproduceOptions& r, std::ostream& out, std::ostream& err) {
  mkdir(r.trace_dir.c_str(), 0755);
  out << "FLP (Fischer, Lynch, Paterson 1985): in the asynchronous model no\n"
         "deterministic protocol solves consensus if one process may crash.\n"
         "Model: binary inputs in the initial configuration, reliable unordered\n"
         "links, crash-stop (1 crash); a step is the delivery of one message.\n"
         "Valence = the set of decision values reachable from a configuration\n"
         "(crash events included).\n";
  for (auto part : {PaxosPart, FirstVotesPart, WaitAllPart}) {
    if (absl::Status s = part(r, out); !s.ok()) {
      err << "faultline: " << s.message() << "\n";
      return 3;
    }
  }
  out << "\nThe adversary's run is admissible (every message is delivered in the\n"
         "phase where it is the oldest, no crash) and never decides; replay checks\n"
         "each of its states is bivalent: faultline replay "
      << r.trace_dir << "/flp-paxos.trace\n";
  return 0;
}

}  // namespace faultline
