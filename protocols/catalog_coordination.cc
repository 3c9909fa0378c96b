// Registry entries of the coordination group (see protocols/catalog.h):
// logical clocks, NTP-style clock synchronisation, failure detectors.
#include <memory>
#include <string>

#include "protocols/catalog.h"
#include "protocols/lamport_clock.h"
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
  return {{"nodes", 3, 2, 5, "number of nodes"},
          {"sends", 1, 1, 3, "messages each node sends (must be < nodes)"},
          {"locals", 1, 0, 2, "local events per node"}};
}

template <typename P>
Entry ClockEntry(const std::string& base, typename P::Bug bug, const Variant& v) {
  Entry e = Named(base, v);
  e.world.causality = true;  // the laws are checked against ground truth
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
  };
}

}  // namespace faultline
