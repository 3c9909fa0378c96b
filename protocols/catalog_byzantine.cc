// Registry entries of the byzantine group (see protocols/catalog.h): the
// Byzantine generals with oral messages, Dolev-Strong authenticated
// broadcast and PBFT, each against the adversary of harness/byzantine.h.
#include <string>

#include "protocols/catalog.h"
#include "protocols/dolev_strong.h"
#include "protocols/oral_messages.h"
#include "protocols/pbft.h"

namespace faultline {
namespace {

// Lock-step rounds and one traitor, any node (one initial state per choice).
WorldOptions SynchronousWithOneTraitor() {
  WorldOptions w;
  w.timers = TimerModel::kRounds;
  w.byzantine_max = 1;
  return w;
}

Entry OralMessagesEntry(bool three_generals) {
  Entry e;
  e.name = three_generals ? "oral-messages:n3" : "oral-messages";
  e.description =
      three_generals
          ? "OM(1) with 3 generals and 1 traitor: below the 3m+1 bound"
          : "Byzantine generals OM(m), commander variant (Lamport, Shostak, "
            "Pease 1982): n=4, m=1, 1 traitor";
  e.expect_pass = !three_generals;
  e.violates = three_generals ? "IC2" : "";
  e.world = SynchronousWithOneTraitor();
  e.limits.depth_max = 60;
  e.nodes_param = "n";  // --nodes
  e.params = {{"n", three_generals ? 3 : 4, 2, 7, "generals, commander included"},
              {"m", 1, 0, 2, "rounds of relaying (traitors tolerated)"}};
  e.make = [](const Config& c) {
    OralMessages p;
    p.generals = static_cast<int>(c.params.at("n"));
    p.m = static_cast<int>(c.params.at("m"));
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry DolevStrongEntry(bool f_rounds) {
  Entry e;
  e.name = f_rounds ? "dolev-strong:f-rounds" : "dolev-strong";
  e.description =
      f_rounds ? "Dolev-Strong stopping after f rounds instead of f+1"
               : "Dolev-Strong authenticated broadcast: f+1 synchronous "
                 "rounds, signatures; n=4, f=1";
  e.expect_pass = !f_rounds;
  e.violates = f_rounds ? "agreement" : "";
  e.world = SynchronousWithOneTraitor();
  e.limits.depth_max = 60;
  e.nodes_param = "n";  // --nodes
  e.params = {{"n", 4, 2, 6, "nodes, the sender included"},
              {"f", 1, 1, 2, "rounds - 1 (set --byzantine to match)"}};
  e.make = [f_rounds](const Config& c) {
    DolevStrong p;
    p.nodes = static_cast<int>(c.params.at("n"));
    p.f = static_cast<int>(c.params.at("f"));
    p.bug = f_rounds ? DolevStrong::Bug::kFRounds : DolevStrong::Bug::kNone;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

Entry PbftEntry(bool quorum_2f) {
  Entry e;
  e.name = quorum_2f ? "pbft:quorum-2f" : "pbft";
  e.description =
      quorum_2f ? "PBFT with quorums of 2f instead of 2f+1 (any traitor)"
                : "PBFT normal case and view change (Castro & Liskov 1999): "
                  "n=4, one slot, 2 views, the view-1 primary a traitor";
  e.expect_pass = !quorum_2f;
  e.violates = quorum_2f ? "agreement" : "";
  e.world.timers = TimerModel::kRounds;
  e.world.byzantine_max = 1;
  e.world.eager = true;
  // The correct protocol's exhaustive default fixes the traitor at r1, the
  // new primary of view 1; any traitor with 2 views exceeds the default
  // bounds (docs/byzantine.md). The buggy one lets the adversary choose.
  if (!quorum_2f) e.world.traitors = uint64_t{1} << 1;
  e.limits.depth_max = 120;
  e.params = {{"views", 2, 1, 3, "views the replicas go through"}};
  e.make = [quorum_2f](const Config& c) {
    Pbft p;
    p.views = static_cast<int>(c.params.at("views"));
    p.bug = quorum_2f ? Pbft::Bug::kQuorum2f : Pbft::Bug::kNone;
    return MakeActorChecker(p, c.world);
  };
  return e;
}

}  // namespace

std::vector<Entry> ByzantineEntries() {
  return {
      OralMessagesEntry(false), OralMessagesEntry(true),
      DolevStrongEntry(false),  DolevStrongEntry(true),
      PbftEntry(false),         PbftEntry(true),
  };
}

}  // namespace faultline
