// Registry entries of the mutex group (see protocols/catalog.h): the mutual
// exclusion and leader election algorithms of lecture notes 001, each with
// the buggy variants its header names. docs/mutex-election.md lists the
// bounds and state counts.
#include "absl/strings/str_cat.h"
#include <string>
#include <utility>

#include "protocols/bully.h"
#include "protocols/catalog.h"
#include "protocols/central_mutex.h"
#include "protocols/chang_roberts.h"
#include "protocols/lamport_mutex.h"
#include "protocols/ricart_agrawala.h"
#include "protocols/token_ring_mutex.h"

namespace faultline {
namespace {

// What every entry of this group shares; `violates` empty for a correct one.
Entry Base(std::string name, std::string description, std::string violates) {
  Entry e;
  e.name = std::move(name);
  e.description = std::move(description);
  e.expect_pass = violates.empty();
  e.violates = std::move(violates);
  e.limits.depth_max = 200;
  e.limits.seconds_max = 120;
  return e;
}

// A mutex entry: ground-truth causality for the fairness properties, its
// clocks counting only observing events (exact happens-before between
// observations, far fewer distinct states).
Entry MutexBase(std::string name, std::string description, std::string violates) {
  Entry e = Base(std::move(name), std::move(description), std::move(violates));
  e.world.causality = true;
  e.world.causality_observations_only = true;
  e.params = {{"nodes", 3, 2, 6, "nodes asking for the critical section"},
              {"again", 1, 0, 3, "extra requests of the last node"}};
  return e;
}

// Ricart & Agrawala and Lamport: every node answers, the last `askers` ask.
Entry PeerMutexBase(std::string name, std::string description,
                    std::string violates, int askers, int again) {
  Entry e = MutexBase(std::move(name), std::move(description), std::move(violates));
  e.params = {{"nodes", 3, 2, 6, "nodes"},
              {"askers", askers, 1, 6, "how many nodes (the last ones) ask"},
              {"again", again, 0, 3, "extra requests of the last node"}};
  e.validate = [](const Config& c) {
    if (c.params.at("askers") <= c.params.at("nodes")) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "--askers ", c.params.at("askers"), " exceeds --nodes ", c.params.at("nodes")));
  };
  return e;
}

// Builds protocol P with its `nodes` and `again` parameters and `bug`.
template <typename P>
std::function<std::unique_ptr<Checker>(const Config&)> MakeMutex(
    typename P::Bug bug) {
  return [bug](const Config& c) {
    P p;
    if constexpr (requires { p.clients; }) {
      p.clients = static_cast<int>(c.params.at("nodes"));
    } else {
      p.nodes = static_cast<int>(c.params.at("nodes"));
    }
    p.again = static_cast<int>(c.params.at("again"));
    if constexpr (requires { p.askers; }) {
      p.askers = static_cast<int>(c.params.at("askers"));
      FL_CHECK(p.askers >= 1 && p.askers <= p.nodes);
    }
    p.bug = bug;
    return MakeActorChecker(p, c.world);
  };
}

std::vector<Entry> CentralEntries() {
  using B = CentralMutex::Bug;
  Entry ok = MutexBase("central-mutex",
                       "central server with a FIFO queue (notes 001); "
                       "nodes = clients, plus the server",
                       "");
  ok.make = MakeMutex<CentralMutex>(B::kNone);
  Entry lifo = MutexBase("central-mutex:lifo",
                         "the server grants the newest waiting request first",
                         "no-starvation");
  lifo.make = MakeMutex<CentralMutex>(B::kLifo);
  return {ok, lifo};
}

std::vector<Entry> TokenRingEntries() {
  using B = TokenRingMutex::Bug;
  auto ring = [](std::string name, std::string description, std::string violates,
                 B bug) {
    Entry e = MutexBase(std::move(name), std::move(description), std::move(violates));
    e.make = MakeMutex<TokenRingMutex>(bug);
    return e;
  };
  Entry lost = ring("token-ring-mutex:lost-token",
                    "the link loses the token (one drop): nobody enters again",
                    "granted", B::kNone);
  lost.world.drops_max = 1;
  return {
      ring("token-ring-mutex", "a token circulating on a logical ring (notes 001)",
           "", B::kNone),
      ring("token-ring-mutex:regenerate",
           "node 0 regenerates a late (not lost) token: two tokens",
           "mutual-exclusion", B::kRegenerate),
      lost,
  };
}

std::vector<Entry> RicartAgrawalaEntries() {
  using B = RicartAgrawala::Bug;
  auto ra = [](std::string name, std::string description, std::string violates,
               B bug) {
    Entry e = PeerMutexBase(std::move(name), std::move(description),
                            std::move(violates), 3, 0);
    e.make = MakeMutex<RicartAgrawala>(bug);
    return e;
  };
  return {
      ra("ricart-agrawala",
         "broadcast requests with Lamport timestamps, deferred replies (1981)", "",
         B::kNone),
      ra("ricart-agrawala:reply-in-held",
         "a node in the CS replies instead of deferring", "mutual-exclusion",
         B::kReplyInHeld),
      ra("ricart-agrawala:no-clock-merge",
         "receivers do not merge timestamps into their Lamport clock", "hb-order",
         B::kNoClockMerge),
      ra("ricart-agrawala:drop-deferred",
         "leaving the CS forgets the deferred replies", "granted",
         B::kDropDeferred),
  };
}

std::vector<Entry> LamportEntries() {
  using B = LamportMutex::Bug;
  auto lamport = [](std::string name, std::string description,
                    std::string violates, B bug) {
    Entry e = PeerMutexBase(std::move(name), std::move(description),
                            std::move(violates), 2, 1);
    e.world.links = LinkOrder::kFifo;
    e.make = MakeMutex<LamportMutex>(bug);
    return e;
  };
  Entry unordered = lamport("lamport-mutex:unordered-links",
                            "the correct algorithm over non-FIFO links",
                            "mutual-exclusion", B::kNone);
  unordered.world.links = LinkOrder::kUnordered;
  return {
      lamport("lamport-mutex",
              "request queues ordered by Lamport timestamps, FIFO links (1978)",
              "", B::kNone),
      lamport("lamport-mutex:enter-at-head",
              "enters when its request heads its queue, without later "
              "messages from all",
              "mutual-exclusion", B::kEnterAtHead),
      unordered,
  };
}

std::vector<Entry> ChangRobertsEntries() {
  using B = ChangRoberts::Bug;
  auto cr = [](std::string name, std::string description, std::string violates,
               B bug) {
    Entry e = Base(std::move(name), std::move(description), std::move(violates));
    e.world.links = LinkOrder::kFifo;
    e.params = {{"nodes", 5, 3, 16, "nodes on the ring"}};
    e.make = [bug](const Config& c) {
      ChangRoberts p;
      p.nodes = static_cast<int>(c.params.at("nodes"));
      p.bug = bug;
      return MakeActorChecker(p, c.world);
    };
    return e;
  };
  return {
      cr("chang-roberts", "ring election, largest id wins (1979), FIFO links", "",
         B::kNone),
      cr("chang-roberts:forward-smaller",
         "nodes forward smaller ids instead of replacing them", "largest-id",
         B::kForwardSmaller),
      cr("chang-roberts:drop-when-participant",
         "a participant swallows every election message, larger ids too",
         "elected", B::kDropWhenParticipant),
  };
}

std::vector<Entry> BullyEntries() {
  using B = Bully::Bug;
  auto bully = [](std::string name, std::string description, std::string violates,
                  B bug) {
    Entry e = Base(std::move(name), std::move(description), std::move(violates));
    e.world.timers = TimerModel::kRounds;  // synchronous, T' > T: see bully.h
    e.world.crashes_max = 2;
    e.params = {{"nodes", 3, 2, 6, "nodes (ids 0..nodes-1)"}};
    e.make = [bug](const Config& c) {
      Bully p;
      p.nodes = static_cast<int>(c.params.at("nodes"));
      p.bug = bug;
      return MakeActorChecker(p, c.world);
    };
    return e;
  };
  return {
      bully("bully", "synchronous election with crashes (Garcia-Molina 1982)", "",
            B::kNone),
      bully("bully:no-wait", "a node elects itself without waiting for answers",
            "largest-id", B::kNoWait),
      bully("bully:no-coordinator-timeout",
            "after an answer, a node waits for the coordinator forever",
            "elected", B::kNoCoordinatorTimeout),
  };
}

}  // namespace

std::vector<Entry> MutexElectionEntries() {
  std::vector<Entry> all;
  for (auto group : {CentralEntries, TokenRingEntries, RicartAgrawalaEntries,
                     LamportEntries, ChangRobertsEntries, BullyEntries}) {
    for (Entry& e : group()) all.push_back(std::move(e));
  }
  return all;
}

}  // namespace faultline
