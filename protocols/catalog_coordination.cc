// Registry entries of the coordination group (see protocols/catalog.h):
// logical clocks, NTP-style clock synchronisation, failure detectors.
#include <memory>
#include <string>

#include "protocols/catalog.h"
#include "protocols/failure_detector.h"
#include "protocols/lamport_clock.h"
#include "protocols/ntp_sync.h"
#include "protocols/vector_clock.h"

namespace faultline {
namespace {

// Name, description and the property a buggy variant violates ("" if none).
struct Variant {
  std::string suffix;
  std::string description;
  std::string violates;
};

Entry Named(const std::string& base, const Variant& v) {
  Entry e;
  e.name = v.suffix.empty() ? base : base + ":" + v.suffix;
  e.description = v.description;
  e.expect_pass = v.violates.empty();
  e.violates = v.violates;
  return e;
}

std::vector<ParamSpec> ClockParams() {
  // Every order of events is a distinct history, so states grow like the
  // factorial of nodes * (2 * sends + locals): 9 events are 128563 states.
  return {{"nodes", 3, 2, 4, "number of nodes"},
          {"sends", 1, 1, 2, "messages each node sends (< nodes)"},
          {"locals", 1, 0, 1, "local events per node"}};
}

template <typename P>
Entry ClockEntry(const std::string& base, typename P::Bug bug, const Variant& v) {
  Entry e = Named(base, v);
  e.world.causality = true;  // the laws are checked against ground truth
  e.limits.states_max = 3'000'000;  // larger workloads stop, not swap
  e.params = ClockParams();
  e.make = [bug](const Config& c) {
    P p;
    p.nodes = static_cast<int>(c.params.at("nodes"));
    p.sends = static_cast<int>(std::min(c.params.at("sends"), c.params.at("nodes") - 1));
    p.locals = static_cast<int>(c.params.at("locals"));
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

using FdKind = HeartbeatDetector::Kind;
using FdBug = HeartbeatDetector::Bug;

Entry DetectorEntry(FdKind kind, FdBug bug, const Variant& v) {
  const bool perfect = kind == FdKind::kPerfect;
  Entry e = Named(perfect ? "perfect-failure-detector"
                          : "eventually-perfect-failure-detector", v);
  e.world.timers = TimerModel::kSynchronous;
  e.world.crashes_max = 1;
  const int timeout = bug == FdBug::kShortTimeout ? 1 : perfect ? 2 : 1;
  e.params = {{"nodes", 3, 2, 4, "processes, each monitoring all others"},
              {"delay-bound", 2, 1, 4, "environment: longest reply delay"},
              {"slow-nodes", 1, 0, 4, "environment: processes whose replies can be late"},
              {"timeout", timeout, 1, 8,
               perfect ? "timeout (P assumes >= delay-bound)" : "initial timeout"},
              {"stable-rounds", 1, 1, 4, "quiet timeouts that count as settled"}};
  e.make = [kind, bug](const Config& c) {
    HeartbeatDetector p;
    p.kind = kind;
    p.bug = bug;
    p.nodes = static_cast<int>(c.params.at("nodes"));
    p.delay_bound = static_cast<int>(c.params.at("delay-bound"));
    p.slow_nodes = static_cast<int>(c.params.at("slow-nodes"));
    p.timeout = static_cast<int>(c.params.at("timeout"));
    p.stable_rounds = static_cast<int>(c.params.at("stable-rounds"));
    if (c.world.timers != TimerModel::kSynchronous) return MakeActorChecker(p, c.world);
    return MakeChecker<TimeoutsElapse<HeartbeatDetector>>(
        std::make_unique<const TimeoutsElapse<HeartbeatDetector>>(p, c.world));
  };
  return e;
}

using NtpBug = NtpOptions::Bug;

Entry NtpEntry(NtpBug bug, const Variant& v) {
  Entry e = Named("ntp-sync", v);
  e.has_world = false;  // real time, delays and drift are the model's own
  e.nodes_param = "clients";  // --nodes
  e.params = {{"clients", 2, 1, NtpSync::kClientsMax, "clients (plus one server)"},
              {"rounds", 2, 1, 4, "exchanges per client"},
              {"horizon", 4, 1, 12, "ticks of real time"},
              {"delay-max", 2, 0, 4, "ticks a message can take"},
              {"drift", 1, 0, 4, "clock drift, units per tick (16 units = 1 tick)"},
              {"delay-accept", 16, 0, 256, "units: longer round trips are discarded"}};
  e.make = [bug](const Config& c) {
    NtpOptions o;
    o.clients = static_cast<int>(c.params.at("clients"));
    o.rounds = static_cast<int>(c.params.at("rounds"));
    o.horizon = static_cast<int>(c.params.at("horizon"));
    o.delay_max = static_cast<int>(c.params.at("delay-max"));
    o.drift = static_cast<int>(c.params.at("drift"));
    o.delay_accept = static_cast<int>(c.params.at("delay-accept"));
    o.bug = bug;
    return MakeChecker<NtpSync>(std::make_unique<const NtpSync>(o));
  };
  return e;
}

}  // namespace

std::vector<Entry> CoordinationEntries() {
  using LB = LamportClocks::Bug;
  using VB = VectorClocks::Bug;
  return {
      ClockEntry<LamportClocks>(
          "lamport-clock", LB::kNone,
          {"", "Lamport clocks: a->b implies L(a)<L(b), against ground truth", ""}),
      ClockEntry<LamportClocks>(
          "lamport-clock", LB::kNoMax,
          {"no-max", "receive ignores the message's timestamp (no max)",
           "clock-condition"}),
      ClockEntry<VectorClocks>(
          "vector-clock", VB::kNone,
          {"", "vector clocks: a->b iff V(a)<V(b), against ground truth", ""}),
      ClockEntry<VectorClocks>(
          "vector-clock", VB::kNoMerge,
          {"no-merge", "receive does not merge the message's vector",
           "strong-clock-condition"}),
      ClockEntry<VectorClocks>(
          "vector-clock", VB::kLexicographic,
          {"lexicographic", "events compared lexicographically, not causally",
           "strong-clock-condition"}),
      NtpEntry(NtpBug::kNone, {"", "NTP offset/delay from t1..t4, slew/step/ignore, drift", ""}),
      NtpEntry(NtpBug::kNoHalving, {"no-halving", "offset computed without halving",
                                    "offset-error"}),
      NtpEntry(NtpBug::kIgnoreDelay, {"ignore-delay", "offset t3 - t4: network delay ignored",
                                      "offset-error"}),
      NtpEntry(NtpBug::kNoDelayFilter,
               {"no-delay-filter", "steps on samples with a long round trip",
                "step-accuracy"}),
      DetectorEntry(FdKind::kPerfect, FdBug::kNone,
                    {"", "heartbeats, exclude on timeout (P), synchronous", ""}),
      DetectorEntry(FdKind::kPerfect, FdBug::kShortTimeout,
                    {"short-timeout", "timeout below the delay bound: false detection",
                     "strong-accuracy"}),
      DetectorEntry(FdKind::kPerfect, FdBug::kNoReset,
                    {"no-reset", "never forgets who answered: crashes go undetected",
                     "strong-completeness"}),
      DetectorEntry(FdKind::kEventuallyPerfect, FdBug::kNone,
                    {"", "heartbeats, increasing timeout (<>P), unknown delay bound", ""}),
      DetectorEntry(FdKind::kEventuallyPerfect, FdBug::kNoReset,
                    {"no-reset", "never forgets who answered: crashes go unsuspected",
                     "strong-completeness"}),
      DetectorEntry(FdKind::kEventuallyPerfect, FdBug::kConstantTimeout,
                    {"constant-timeout", "never lengthens its timeout: suspects forever",
                     "eventual-strong-accuracy"}),
  };
}

}  // namespace faultline
