// Benchmark: BFS over Paxos at fixed bounds. Prints distinct states per
// second and bytes per visited state. Not part of the test suite's verdicts.
//
//   build/bench_paxos [rounds] [acceptors] [crashes]
#include <cstdio>
#include <cstdlib>

#include "harness/explore.h"
#include "protocols/paxos.h"

int main(int argc, char** argv) {
  using namespace faultline;
  Paxos p;
  p.rounds = argc > 1 ? std::atoi(argv[1]) : 2;
  p.acceptors = argc > 2 ? std::atoi(argv[2]) : 3;
  WorldOptions w;
  w.crashes_max = argc > 3 ? std::atoi(argv[3]) : 1;
  ActorModel<Paxos> model(p, w);
  ExploreOptions o;
  o.limits.depth_max = 1000;
  o.limits.states_max = int64_t{1} << 40;
  o.limits.seconds_max = 600;
  const Outcome out = Search(model, o);
  std::printf(
      "paxos rounds=%d acceptors=%d crashes=%d: stop=%s states=%lld "
      "transitions=%lld depth=%lld seconds=%.2f\n",
      p.rounds, p.acceptors, w.crashes_max, StopName(out.stop),
      static_cast<long long>(out.states), static_cast<long long>(out.transitions),
      static_cast<long long>(out.depth), out.seconds);
  std::printf("distinct states per second: %.0f\n", out.states / out.seconds);
  std::printf("visited-set bytes per state: %.1f\n",
              static_cast<double>(out.visited_bytes) / out.states);
  std::printf("peak resident MiB: %lld\n",
              static_cast<long long>(internal::ResidentMegabytes()));
  return 0;
}
