// Benchmark: BFS over Paxos at fixed bounds. Prints distinct states per
// second, visited-set bytes per state, peak resident memory, the fingerprint
// collision probability and the threads used. Not part of the test suite's
// verdicts: speed is measured here, never asserted.
//
//   build/bench_paxos [rounds] [acceptors] [crashes] [--threads N]
//   build/bench_paxos 1 3 1 --threads 2     # scaling: compare with --threads 1
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "harness/explore.h"
#include "harness/huge_pages.h"
#include "protocols/paxos.h"

namespace {

// User plus system CPU seconds of this process: on a shared, loaded machine
// the rate per CPU second is steadier than the rate per wall second.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Peak resident memory (VmHWM) in MiB.
long PeakResidentMegabytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace faultline;
  RunWithHugePages(argv);
  std::vector<int> numbers;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      numbers.push_back(std::atoi(argv[i]));
    }
  }
  if (threads < 1 || threads > WorkerPool::kThreadsMax) {
    std::fprintf(stderr, "bench_paxos: --threads must be 1 to %d\n",
                 WorkerPool::kThreadsMax);
    return 2;
  }
  Paxos p;
  p.rounds = numbers.size() > 0 ? numbers[0] : 2;
  p.acceptors = numbers.size() > 1 ? numbers[1] : 3;
  WorldOptions w;
  w.crashes_max = numbers.size() > 2 ? numbers[2] : 1;
  ActorModel<Paxos> model(p, w);
  ExploreOptions o;
  o.limits.depth_max = 1000;
  o.limits.states_max = int64_t{1} << 40;
  o.limits.seconds_max = 600;
  o.threads = threads;
  const Outcome out = Search(model, o);
  std::printf(
      "paxos rounds=%d acceptors=%d crashes=%d threads=%d: stop=%s states=%lld "
      "transitions=%lld depth=%lld seconds=%.2f\n",
      p.rounds, p.acceptors, w.crashes_max, out.threads, StopName(out.stop),
      static_cast<long long>(out.states), static_cast<long long>(out.transitions),
      static_cast<long long>(out.depth), out.seconds);
  const double cpu = CpuSeconds();
  std::printf("distinct states per second: %.0f (wall); per CPU second: %.0f "
              "(%.2f CPU s)\n",
              out.states / out.seconds, out.states / cpu, cpu);
  std::printf("visited-set bytes per state: %.1f\n",
              static_cast<double>(out.visited_bytes) / out.states);
  std::printf("fingerprint collision probability: %.2g\n",
              out.collision_probability);
  std::printf("peak resident MiB: %ld\n", PeakResidentMegabytes());
  return 0;
}
