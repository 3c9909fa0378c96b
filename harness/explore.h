// Explorers: exhaustive search (BFS or DFS) and seeded random walks.
//
// All of them step through Executor::Apply, so a trace found by any explorer
// replays through the same code. BFS and DFS are one function that differs
// only in which end of the frontier it takes from: BFS finds a shortest
// counterexample, DFS reaches deep states with a smaller frontier.
//
// Every run is bounded (depth, distinct states, wall time, memory; runs for
// random walks). An outcome says which bound stopped it, so a bounded run is
// never mistaken for a complete one.
//
// Exhaustive search keeps a visited set of 64-bit fingerprints (about 9 to
// 13 bytes per state, harness/fingerprint_set.h) and reports TLC's estimate
// of the probability that two states shared a fingerprint. BFS runs on
// several threads with the counts and counterexample of one thread.
#ifndef FAULTLINE_HARNESS_EXPLORE_H_
#define FAULTLINE_HARNESS_EXPLORE_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "harness/executor.h"
#include "harness/fingerprint_set.h"
#include "harness/liveness.h"
#include "harness/packed_world.h"
#include "harness/parallel.h"

namespace faultline {

// kSwarm, kPct and kBytes (a fuzzer's input as the tape) are the sampling
// strategies of harness/strategies.h.
enum class Strategy { kBfs, kDfs, kRandom, kSwarm, kPct, kBytes };

struct Limits {
  int64_t depth_max = 100;
  int64_t states_max = 10'000'000;
  double seconds_max = 300;
  int64_t memory_mb_max = 8192;
  int64_t runs_max = 1000;  // random walks only
};

enum class Stop {
  kComplete,   // every reachable state (within depth_max) was explored
  kViolation,  // an Always property failed
  kStates,     // states_max reached
  kTime,       // seconds_max reached
  kMemory,     // memory_mb_max reached
  kRuns,       // random walks: runs_max walks done (sampling never completes)
};

inline const char* StopName(Stop s) {
  switch (s) {
    case Stop::kComplete: return "complete";
    case Stop::kViolation: return "violation";
    case Stop::kStates: return "states_max";
    case Stop::kTime: return "seconds_max";
    case Stop::kMemory: return "memory_mb_max";
    case Stop::kRuns: return "runs_max";
  }
  return "?";
}

struct Progress {
  int64_t states;
  int64_t transitions;
  int64_t depth;
  int64_t frontier;
  double seconds;
};

// What exhaustive search does when its exact visited set would pass the
// memory bound: stop (bounds exhausted), or go on with a bitstate array in
// the memory left, which may miss states (never a pass).
enum class Lossy { kNone, kBitstate };

struct ExploreOptions {
  Strategy strategy = Strategy::kBfs;
  Limits limits;
  int threads = 1;                  // bfs: worker threads (dfs uses one)
  Lossy lossy = Lossy::kNone;
  uint64_t seed = 0;
  std::function<void(const Progress&)> on_progress;  // about every 2 seconds
  int pct_depth = 3;                // pct: bug depth d (d-1 change points)
  std::span<const uint8_t> bytes;   // kBytes: the tape as bytes (not owned)
  // Partial-order reduction: depth-first search with sleep sets (por.h);
  // por_verify also checks every independence claim by running both orders.
  // por_safety_only reduces models with Eventually properties too, leaving
  // those unchecked (the verdict then cannot be pass).
  bool por = false;
  bool por_verify = false;
  bool por_safety_only = false;
  // Bounded liveness (sampling only, strategies.h): a fault phase of at most
  // fault_steps steps, then heal and require every owed Eventually goal
  // within liveness_steps steps. liveness_steps == 0: off (safety only).
  int64_t fault_steps = 0;
  int64_t liveness_steps = 0;
  // Bit i set: property i (Always or Eventually) is not checked, as if the
  // model did not declare it (--properties selects the others).
  uint64_t properties_off = 0;
};

struct Outcome {
  Stop stop = Stop::kComplete;
  bool depth_cut = false;  // some state at depth_max had enabled actions
  int violated = -1;       // index into the model's properties
  Tape tape;               // the counterexample when stop == kViolation
  // Liveness counterexamples: the tape's steps from loop_start on return to
  // the state after step loop_start (a lasso); -1: the run stops where no fair
  // action is enabled; -2: not a liveness counterexample.
  int64_t loop_start = -2;
  bool liveness_checked = false;  // Eventually properties were decided
  uint64_t properties_off = 0;    // ExploreOptions::properties_off
  std::vector<bool> sometimes_reached;
  int64_t states = 0;       // distinct states (fingerprints)
  int64_t transitions = 0;  // actions applied
  int64_t depth = 0;        // deepest step reached
  double seconds = 0;
  int64_t visited_bytes = 0;  // memory held by the visited set at the end
  int threads = 1;            // exhaustive search: threads used
  // Exact visited set: probability that two distinct states met shared a
  // fingerprint (TLC's calculated estimate, n * (m - n) / 2^64).
  double collision_probability = 0;
  // The visited set turned lossy (a bitstate array) at lossy_since_states
  // states: states may have been missed. miss_probability: the chance that
  // a new state looked seen, at the end (fill^3).
  bool lossy = false;
  int64_t lossy_since_states = 0;
  double miss_probability = 0;
  std::string note;  // why a bound stopped the run, when that needs words
  // Sampling: the run that found the violation and what it drew (a swarm
  // profile, PCT change points); recorded in the trace's found-by line.
  std::string found_by;
  // Partial-order reduction (por.h): whether it was applied, the transitions
  // it skipped as asleep, and the maximal paths the search followed.
  bool reduced = false;
  std::string reduction;       // when reduced: "sleep-sets" or "dpor"
  std::string reduction_note;  // why not DPOR, when that was a choice
  int64_t pruned = 0;
  int64_t executions = 0;
  // Bounded liveness: the step after which the fault phase's damage was
  // repaired (heal, recoveries) when a run missed its goal; -1 otherwise.
  int64_t heal_step = -1;
  int64_t liveness_steps = 0;  // the budget the runs were held to (0: off)
};

namespace internal {

// Bytes resident in this process now (Linux; 0 where /proc is missing).
inline int64_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages_total = 0, pages_resident = 0;
  const int read = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  return read == 2 ? int64_t{pages_resident} * 4096 : 0;
}

inline int64_t ResidentMegabytes() { return ResidentBytes() >> 20; }

// The machine's MemAvailable (Linux); unbounded where it is unknown.
inline int64_t AvailableBytes() {
  FILE* f = std::fopen("/proc/meminfo", "r");
  if (f == nullptr) return std::numeric_limits<int64_t>::max() / 2;
  char line[256];
  long kb = -1;
  while (kb < 0 && std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "MemAvailable: %ld kB", &kb) != 1) kb = -1;
  }
  std::fclose(f);
  return kb < 0 ? std::numeric_limits<int64_t>::max() / 2 : int64_t{kb} * 1024;
}

// Wall clock, progress reports and the time and memory bounds.
//
// The memory bound is memory_mb_max, or less when the machine has less to
// give: resident memory plus what the kernel reports available, minus a
// reserve, so that the search stops itself before the kernel's OOM killer
// would stop it silently.
class Budget {
 public:
  static constexpr int64_t kReserveBytes = int64_t{256} << 20;
  static constexpr int64_t kCheckEvery = 1024;  // expanded states

  explicit Budget(const ExploreOptions& o)
      : options_(o), start_(std::chrono::steady_clock::now()) {
    PollMemory();
  }

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

  // Called per expanded state (or per `count` of them); looks at the clock
  // and the memory every kCheckEvery states.
  bool Exceeded(const Progress& p, Stop* stop, int64_t count = 1) {
    FL_CHECK(count >= 1);
    calls_ += count;
    if (calls_ < next_check_) return false;
    next_check_ = calls_ + kCheckEvery;
    const double now = Seconds();
    if (now > options_.limits.seconds_max) {
      *stop = Stop::kTime;
      return true;
    }
    if (!PollMemory()) {
      *stop = Stop::kMemory;
      return true;
    }
    if (options_.on_progress && now >= next_report_) {
      next_report_ = now + 2;
      Progress q = p;
      q.seconds = now;
      options_.on_progress(q);
    }
    return false;
  }

  // Measures memory now; false if resident memory is past the bound.
  bool PollMemory() {
    resident_ = ResidentBytes();
    const int64_t asked = options_.limits.memory_mb_max << 20;
    const int64_t machine = resident_ + AvailableBytes() - kReserveBytes;
    machine_bound_ = machine < asked;
    limit_ = std::min(asked, machine);
    return resident_ <= limit_;
  }
  int64_t resident() const { return resident_; }
  int64_t limit() const { return limit_; }
  // The machine, not memory_mb_max, set the bound at the last poll.
  bool machine_bound() const { return machine_bound_; }

 private:
  const ExploreOptions& options_;
  std::chrono::steady_clock::time_point start_;
  int64_t calls_ = 0;
  int64_t next_check_ = kCheckEvery;
  double next_report_ = 2;
  int64_t resident_ = 0;
  int64_t limit_ = 0;
  bool machine_bound_ = false;
};

// The path of choices from an initial state, one byte per choice below 128
// (LEB128 varints). Frontier items carry it, so the visited set needs no
// parent links to rebuild a counterexample.
class PackedPath {
 public:
  void Append(uint32_t choice) {
    while (choice >= 128) {
      bytes_.push_back(static_cast<uint8_t>(choice | 128));
      choice >>= 7;
    }
    bytes_.push_back(static_cast<uint8_t>(choice));
  }
  Tape Unpack(int init) const {
    Tape tape{init, {}};
    uint32_t choice = 0;
    int shift = 0;
    for (uint8_t b : bytes_) {
      choice |= static_cast<uint32_t>(b & 127) << shift;
      shift += 7;
      if (b < 128) {
        tape.choices.push_back(choice);
        choice = 0;
        shift = 0;
      }
    }
    FL_CHECK(shift == 0);
    return tape;
  }

 private:
  absl::InlinedVector<uint8_t, 24> bytes_;
};

// The frontier: a queue of items taken from the front (BFS) or the back
// (DFS), kept in chunks of kChunk items. std::deque allocates a node per
// item once items are as large as a world; here a chunk is allocated per
// kChunk items, and the last one emptied is kept for reuse.
template <typename T>
class ItemQueue {
 public:
  static constexpr size_t kChunk = 256;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  void PushBack(T t) {
    if (chunks_.empty() || chunks_.back().size() == kChunk) {
      chunks_.push_back(std::move(spare_));
      spare_ = {};
      chunks_.back().reserve(kChunk);
    }
    chunks_.back().push_back(std::move(t));
    ++size_;
  }
  T PopFront() {
    FL_CHECK(size_ > 0);
    std::vector<T>& c = chunks_.front();
    T t = std::move(c[head_++]);
    --size_;
    if (head_ == c.size()) Retire(/*front=*/true);
    return t;
  }
  T PopBack() {
    FL_CHECK(size_ > 0);
    std::vector<T>& c = chunks_.back();
    T t = std::move(c.back());
    c.pop_back();
    --size_;
    if (c.size() == (chunks_.size() == 1 ? head_ : 0)) Retire(/*front=*/false);
    return t;
  }

 private:
  void Retire(bool front) {
    std::vector<T>& c = front ? chunks_.front() : chunks_.back();
    c.clear();
    spare_ = std::move(c);
    if (front) {
      chunks_.pop_front();
    } else {
      chunks_.pop_back();
    }
    if (front || chunks_.empty()) head_ = 0;
  }

  std::deque<std::vector<T>> chunks_;
  std::vector<T> spare_;
  size_t head_ = 0;  // items of the front chunk already taken
  size_t size_ = 0;
};

// Exhaustive search over one model (see Search below). A batch of frontier
// items goes through four phases:
//   1. expand (worker threads): restore, list actions, step, fingerprint,
//      look the successor up in the visited set (read only); a successor is
//      left unchecked unless it was seen before the batch or the same worker
//      met it earlier in this batch (BatchFilter): workers take items in
//      increasing order, so that one is not a first occurrence. Most repeats
//      within a batch are such near repeats (BFS levels are full of diamonds
//      between siblings);
//   2. insert (worker threads, when the visited set is exact and a full
//      table ends the run): the visited set's shards fall in groups, and a
//      thread claims a group and inserts its successors in (item, action)
//      order, so each shard sees its insertions in exactly the one-thread
//      order and "is this the first occurrence" is decided as a one-thread
//      search decides it;
//   3. keep (worker threads, after phase 2): each worker steps again to the
//      successors of its items that phase 2 found new, evaluates them and
//      keeps their states. Without phase 2, phase 1 keeps every unchecked
//      successor, most of which the merge then finds present;
//   4. merge (one thread): in (item, action) order, count, queue new states,
//      record the liveness graph, stop at the first violation; it inserts
//      what phase 2 left (a visited set that may turn lossy, a full table).
// Counts, the frontier, the liveness graph and the first violation are
// therefore exactly those of a one-thread search, on any thread count. With
// one thread, phase 1 inserts directly (one probe per successor, prefetched:
// ExpandPrefetched) and keeps the new ones; phases 2 and 3 do not run.
template <Model M>
class Searcher {
 public:
  using State = typename M::State;
  using Action = typename M::Action;
  static constexpr bool kCopyable = Executor<M>::kCopyable;
  // Frontier states as bytes where the world packs (packed_world.h): a
  // third of the memory of a world, and no allocation per vector.
  static constexpr bool kPacked = PackedStates<State>::kOn;
  using Stored = std::conditional_t<kPacked, std::string, State>;
  static constexpr size_t kBatchPerThread = 512;  // frontier items
  static constexpr size_t kGrain = 16;             // items a worker claims
  static constexpr size_t kSpareMax = 2 * kBatchPerThread;  // per worker
  static constexpr size_t kPrefetchAhead = 8;      // insert phase
  // Insert phase: shards are inserted into by groups (shard % kInsertGroups),
  // a group by one thread at a time.
  static constexpr int kInsertGroups = 16;
  static_assert(FingerprintSet::kShards % kInsertGroups == 0);
  static constexpr int64_t kBitstateBytesMin = int64_t{64} << 10;
  // Liveness: a fair action whose label the merge still has to intern.
  static constexpr uint32_t kPending = uint32_t{1} << 31;

  Searcher(const M& model, const ExploreOptions& options)
      : model_(model),
        options_(options),
        budget_(options),
        tracker_(model.properties(), options.properties_off),
        pool_(Threads(options)) {
    FL_CHECK(model.properties().size() <= 64);  // Sometimes bit masks
    for (size_t i = 0; i < model.properties().size(); ++i) {
      if (model.properties()[i].kind == PropertyKind::kEventually &&
          (options.properties_off >> i & 1) == 0) {
        eventually_.push_back(static_cast<int>(i));
      }
    }
    for (int w = 0; w < pool_.threads(); ++w) {
      workers_.push_back(std::make_unique<Worker>(model));
    }
    batch_max_ = options.strategy == Strategy::kDfs
                     ? 1
                     : kBatchPerThread * static_cast<size_t>(pool_.threads());
    out_.threads = pool_.threads();
    if (liveness()) visited_.KeepValues();  // graph indices
    visited_.set_allowance_bytes(Allowance());
  }

  Outcome Run() {
    bool go = AdmitInitialStates();
    while (go && !frontier_.empty()) {
      TakeBatch();
      const Progress progress{out_.states, out_.transitions, out_.depth,
                              static_cast<int64_t>(frontier_.size()), 0};
      if (budget_.Exceeded(progress, &out_.stop,
                           static_cast<int64_t>(batch_.size()))) {
        if (out_.stop == Stop::kMemory) {
          out_.note = MemoryNote("resident memory grew past", /*table=*/false);
        }
        break;
      }
      visited_.set_allowance_bytes(Allowance());
      pool_.Run([this](int w) { ExpandShare(w); });
      if (ParallelInsert()) {
        pool_.Run([this](int w) { InsertShare(w); });
        if constexpr (kCopyable) pool_.Run([this](int w) { KeepShare(w); });
      }
      // Without liveness a successor that was not kept is known to be
      // present: the merge only counts it.
      const bool counted =
          kCopyable && !liveness() && out_.states < options_.limits.states_max;
      for (size_t i = 0; i < batch_.size() && go; ++i) {
        go = counted ? MergeKept(i) : Merge(i);
      }
    }
    Finish();
    return std::move(out_);
  }

 private:
  struct Item {
    std::conditional_t<kCopyable, Stored, std::monostate> state;
    PackedPath path;
    int32_t init = 0;
    int32_t depth = 0;
    uint32_t index = 0;  // in the liveness graph
  };
  // Whether a successor's fingerprint was in the visited set: decided in the
  // expand phase (one thread) or the insert phase, else by the merge.
  enum class Seen : uint8_t { kUnchecked, kKnown, kNew };
  // One successor as a worker saw it.
  struct Successor {
    uint64_t fp = 0;
    uint32_t choice = 0;
    Seen seen = Seen::kUnchecked;
    int violated = -1;      // first Always property failing, or -1
    uint64_t holding = 0;   // Sometimes holding (bit per property)
    uint64_t goals = 0;     // liveness: bit per Eventually property
    uint64_t triggers = 0;
    uint32_t target = kNoValue;  // liveness: its graph index, once known
    std::optional<Stored> state;  // copyable models, unless known
  };
  struct Expansion {
    int worker = 0;
    size_t begin = 0, end = 0;            // in that worker's successors
    size_t kept_begin = 0, kept_end = 0;  // in that worker's kept
    bool cut = false;           // at depth_max with actions enabled
    // Liveness, per action: its label, kUnfair, or kPending | i for texts[i]
    // (with keys[i] when the model has ActionKey), interned by the merge.
    std::vector<uint32_t> labels;
    std::vector<std::string> texts;
    std::vector<uint64_t> keys;
  };
  // Aligned to a cache line: a worker writes its own fields on every
  // successor, and a line shared with the next worker's executor would
  // bounce between the two threads.
  struct alignas(64) Worker {
    explicit Worker(const M& model) : ex(model) {}
    Executor<M> ex;
    std::vector<Action> actions;
    std::vector<Successor> successors;
    std::vector<uint32_t> kept;      // indices of successors with a state
    std::vector<uint32_t> expanded;  // batch items, for phase 3
    Tape tape;  // opaque models: the item being expanded
    // Worlds (or packed strings) of expanded items, reused for new
    // successors: copying into one that already has its capacity allocates
    // nothing, and memory stays with the thread that recycles it.
    std::vector<Stored> spare;
    // Packed models: the item being expanded, unpacked once; each further
    // successor starts from a copy of it (cheaper than unpacking again).
    std::conditional_t<kPacked, State, std::monostate> base;
    bool no_room = false;  // one thread: the visited set refused an insert
    uint32_t key_hits = 0;
    BatchFilter met;  // phase 1: fingerprints left unchecked this batch
    // Phase 1: unchecked successors by the group of shards that holds them,
    // as (item, index in `successors`), in this worker's (item, action) order.
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> owed;
    std::vector<Successor*> own;  // phase 2: one group's, in batch order
  };
  // KeepUnseen: the executor holds the item's state, not a successor's.
  static constexpr int kHoldsItem = -1;
  enum class Admitted { kOld, kNew, kStop };

  static int Threads(const ExploreOptions& o) {
    return o.strategy == Strategy::kDfs ? 1 : o.threads;
  }
  bool liveness() const { return !eventually_.empty(); }
  bool one_thread() const { return pool_.threads() == 1; }

  // Phase 2 runs when the visited set is exact and cannot turn lossy: then
  // a full table ends the run (no trace), so which thread meets it first
  // decides nothing that is reported as a result.
  bool ParallelInsert() const {
    return !one_thread() && options_.lossy == Lossy::kNone && !visited_.lossy();
  }

  // What the visited set may hold: the memory bound minus everything else
  // resident; with a lossy fallback, half of it, so that the bit array and
  // the frontier have the rest.
  int64_t Allowance() const {
    const int64_t other =
        std::max<int64_t>(0, budget_.resident() - visited_.bytes());
    const int64_t room = budget_.limit() - other;
    const bool may_switch =
        options_.lossy == Lossy::kBitstate && !visited_.lossy() && !liveness();
    return may_switch ? room / 2 : room;
  }

  bool AdmitInitialStates() {
    Worker& w = *workers_[0];
    for (int init = 0; init < model_.InitCount(); ++init) {
      w.ex.Reset(init);
      Successor s;
      s.fp = w.ex.Fingerprint();
      Evaluate(w.ex.state(), /*initial=*/true, s);
      if constexpr (kCopyable) Keep(w, s);
      Item root;
      root.init = init;
      if (Admit(s, root, init) == Admitted::kStop) return false;
    }
    return true;
  }

  void TakeBatch() {
    batch_.clear();
    while (batch_.size() < batch_max_ && !frontier_.empty()) {
      if (options_.strategy == Strategy::kDfs) {
        batch_.push_back(frontier_.PopBack());
      } else {
        batch_.push_back(frontier_.PopFront());
      }
    }
    expansions_.resize(batch_.size());
    for (auto& w : workers_) {
      w->successors.clear();
      w->kept.clear();
      w->expanded.clear();
      w->met.Clear();
      w->owed.resize(kInsertGroups);
      for (auto& list : w->owed) list.clear();
    }
    next_item_.store(0, std::memory_order_relaxed);
    next_group_.store(0, std::memory_order_relaxed);
  }

  // Worker w's share of the batch: items claimed kGrain at a time. The
  // visited set is only read here, unless one thread runs.
  void ExpandShare(int w) {
    for (;;) {
      const size_t begin = next_item_.fetch_add(kGrain, std::memory_order_relaxed);
      if (begin >= batch_.size()) return;
      const size_t end = std::min(batch_.size(), begin + kGrain);
      for (size_t i = begin; i < end; ++i) {
        // The next item's bytes are far from the last ones touched
        // (unpacking two-phase commit's items waited for them: 10 % of the
        // search, then 5 %): fetch them while this one is expanded.
        if constexpr (kPacked) {
          if (i + 1 < end) __builtin_prefetch(batch_[i + 1].state.data());
        }
        Expand(i, w);
      }
    }
  }

  // The item's state into the executor, first time (Load) or again.
  void Load(Worker& w, const Item& item) {
    if constexpr (kPacked) {
      UnpackWorld(item.state, w.base);
      w.ex.Restore(w.base);
    } else {
      Restore(w, item);
    }
  }
  void Restore(Worker& w, const Item& item) {
    if constexpr (kPacked) {
      w.ex.Restore(w.base);
    } else if constexpr (kCopyable) {
      w.ex.Restore(item.state);
    } else {
      w.ex.Restore(w.tape);
    }
  }

  void Expand(size_t i, int wi) {
    Item& item = batch_[i];
    Worker& w = *workers_[wi];
    Expansion& e = expansions_[i];
    e.worker = wi;
    e.begin = e.end = w.successors.size();
    e.kept_begin = e.kept_end = w.kept.size();
    if constexpr (!kCopyable) w.tape = item.path.Unpack(item.init);
    Load(w, item);
    w.ex.Actions(w.actions);
    e.cut = !w.actions.empty() && item.depth >= options_.limits.depth_max;
    if (e.cut) return;
    if (liveness()) FairLabels(w, e);
    w.no_room = false;
    if constexpr (kCopyable) {
      ExpandPrefetched(i, w, e);
    } else {
      for (uint32_t c = 0; c < w.actions.size(); ++c) {
        if (c > 0) Restore(w, item);
        w.ex.Apply(c, w.actions[c]);
        Successor& s = w.successors.emplace_back();
        s.fp = w.ex.Fingerprint();
        s.choice = c;
        Look(w, s);
        if (s.seen == Seen::kKnown) continue;
        Owe(i, w, w.successors.size() - 1);
        Evaluate(w.ex.state(), /*initial=*/false, s);
      }
      e.end = w.successors.size();
    }
  }

  // Steps to every successor of the item and prefetches its visited-set
  // bucket first, then looks them all up (the buckets are in cache by then),
  // then steps again to each one not seen to evaluate it and keep its state
  // (phase 3 does that when phase 2 runs). A lookup no longer waits for
  // memory; the second step costs less than that wait (about one successor
  // in five is new).
  void ExpandPrefetched(size_t i, Worker& w, Expansion& e) {
    Item& item = batch_[i];
    const uint32_t n = static_cast<uint32_t>(w.actions.size());
    // The delivery of a pruned stale message leads back to the item's own
    // fingerprint, which is present: known without a step.
    for (uint32_t c = 0; c < n; ++c) {
      Successor& s = w.successors.emplace_back();
      s.choice = c;
      if (w.ex.Stutters(w.actions[c])) s.seen = Seen::kKnown;
    }
    e.end = w.successors.size();
    int holds = kHoldsItem;  // what the executor holds
    for (size_t k = e.begin; k < e.end; ++k) {
      Successor& s = w.successors[k];
      if (s.seen == Seen::kKnown) continue;
      if (holds != kHoldsItem) Restore(w, item);
      w.ex.Apply(s.choice, w.actions[s.choice]);
      holds = static_cast<int>(s.choice);
      s.fp = w.ex.Fingerprint();
      visited_.Prefetch(s.fp);
    }
    for (size_t k = e.begin; k < e.end; ++k) {
      if (w.successors[k].seen == Seen::kKnown) continue;
      Look(w, w.successors[k]);
      if (w.successors[k].seen != Seen::kKnown) Owe(i, w, k);
    }
    if (ParallelInsert()) {
      w.expanded.push_back(static_cast<uint32_t>(i));
      return;
    }
    KeepUnseen(item, w, e, holds);
  }

  // Evaluates and keeps the item's successors not known to be present
  // (phase 1 or 3); the executor holds the item (kHoldsItem) or the
  // successor of choice `holds`.
  void KeepUnseen(Item& item, Worker& w, Expansion& e, int holds) {
    e.kept_begin = w.kept.size();
    for (size_t k = e.begin; k < e.end; ++k) {
      Successor& s = w.successors[k];
      if (s.seen == Seen::kKnown) continue;
      const int c = static_cast<int>(s.choice);
      if (holds != c) {
        if (holds != kHoldsItem) Restore(w, item);
        w.ex.Apply(s.choice, w.actions[s.choice]);
        holds = c;
      }
      Evaluate(w.ex.state(), /*initial=*/false, s);
      Keep(w, s);
      w.kept.push_back(static_cast<uint32_t>(k));
    }
    e.kept_end = w.kept.size();
    RecycleItem(w, item);
  }

  // Phase 3 for worker w: its items again, now that phase 2 has decided
  // which of their successors are new.
  void KeepShare(int wi) {
    Worker& w = *workers_[wi];
    for (const uint32_t i : w.expanded) {
      Item& item = batch_[i];
      Expansion& e = expansions_[i];
      // An item whose successors were all present is not loaded again.
      const bool any = std::any_of(
          w.successors.begin() + static_cast<ptrdiff_t>(e.begin),
          w.successors.begin() + static_cast<ptrdiff_t>(e.end),
          [](const Successor& s) { return s.seen != Seen::kKnown; });
      if (any) {
        Load(w, item);
        w.ex.Actions(w.actions);
        FL_CHECK(w.actions.size() == e.end - e.begin);
      }
      KeepUnseen(item, w, e, kHoldsItem);
    }
  }

  // Hands unchecked successor k of item i to its shard's group for phase 2.
  void Owe(size_t i, Worker& w, size_t k) const {
    if (!ParallelInsert()) return;
    const int group =
        FingerprintSet::ShardOf(w.successors[k].fp) % kInsertGroups;
    w.owed[group].emplace_back(static_cast<uint32_t>(i),
                               static_cast<uint32_t>(k));
  }

  // The expanded item's world joins the spares (its path stays: the merge
  // extends it).
  void RecycleItem(Worker& w, Item& item) const {
    if constexpr (kCopyable) {
      if (w.spare.size() < kSpareMax) w.spare.push_back(std::move(item.state));
    }
  }

  // Phase 1's visited-set step: one thread inserts (the merge follows at
  // once, in order); several only read and filter this worker's repeats,
  // phase 2 or the merge decides the rest.
  // A known state's graph index comes with the same probe (liveness); it
  // is still kNoValue for a state met earlier in this batch, which the merge
  // looks up once that state has its index.
  void Look(Worker& w, Successor& s) {
    if (!one_thread()) {
      if (visited_.Contains(s.fp, &s.target) || !w.met.Insert(s.fp)) s.seen = Seen::kKnown;
    } else if (!w.no_room) {
      const InsertResult r = visited_.Insert(s.fp, &s.target);
      w.no_room = r == InsertResult::kNoRoom;  // the merge makes room or stops
      if (!w.no_room) s.seen = r == InsertResult::kNew ? Seen::kNew : Seen::kKnown;
    }
  }

  // Copies (or packs) the executor's state into a recycled world (string);
  // the executor keeps its own, so the next Restore reuses its capacity too.
  void Keep(Worker& w, Successor& s) const {
    Stored stored;
    if (!w.spare.empty()) {
      stored = std::move(w.spare.back());
      w.spare.pop_back();
    }
    if constexpr (kPacked) {
      PackWorld(w.ex.state(), stored);
    } else {
      stored = w.ex.state();
    }
    s.state.emplace(std::move(stored));
  }

  // The fair actions' labels: found by key where the model has ActionKey
  // and the key was met before, else left to the merge as text (liveness.h).
  void FairLabels(Worker& w, Expansion& e) const {
    e.labels.assign(w.actions.size(), LivenessGraph::kUnfair);
    e.texts.clear();
    e.keys.clear();
    const State& state = w.ex.state();
    for (size_t c = 0; c < w.actions.size(); ++c) {
      const Action& a = w.actions[c];
      if (!IsFair(model_, state, a)) continue;
      if constexpr (HasActionKey<M>) {
        const uint64_t key = model_.ActionKey(state, a);
        const uint32_t label = graph_.LabelOfKey(key);
        if (label != LivenessGraph::kNone) {
          if (++w.key_hits % LivenessGraph::kKeyCheckEvery == 0) {
            FL_CHECK(graph_.LabelText(label) == model_.Describe(state, a));
          }
          e.labels[c] = label;
          continue;
        }
        e.keys.push_back(key);
      }
      e.labels[c] = kPending | static_cast<uint32_t>(e.texts.size());
      e.texts.push_back(model_.Describe(state, a));
    }
  }

  void Evaluate(const State& state, bool initial, Successor& s) const {
    s.violated = tracker_.Evaluate(state, &s.holding);
    for (size_t k = 0; k < eventually_.size(); ++k) {
      const auto& p = model_.properties()[eventually_[k]];
      if (p.holds(state)) s.goals |= uint64_t{1} << k;
      if (p.trigger ? p.trigger(state) : initial) s.triggers |= uint64_t{1} << k;
    }
  }

  // Phase 2 for thread t: groups of shards claimed one at a time (a slower
  // core takes fewer), each group's unchecked successors inserted in (item,
  // action) order: the workers' lists for it merged by item (an item is one
  // worker's).
  void InsertShare(int t) {
    Worker& w = *workers_[t];
    for (;;) {
      const int g = next_group_.fetch_add(1, std::memory_order_relaxed);
      if (g >= kInsertGroups) return;
      OwnInBatchOrder(g, w.own);
      InsertOwn(w.own);
    }
  }
  void InsertOwn(const std::vector<Successor*>& own) {
    for (size_t j = 0; j < own.size(); ++j) {
      if (j + kPrefetchAhead < own.size())
        visited_.Prefetch(own[j + kPrefetchAhead]->fp);
      Successor& s = *own[j];
      const InsertResult r = visited_.Insert(s.fp, &s.target);
      if (r == InsertResult::kNoRoom) return;  // the merge stops there
      s.seen = r == InsertResult::kNew ? Seen::kNew : Seen::kKnown;
    }
  }

  // Merges the workers' lists owed to group g (each in item order) into one
  // in batch order; O(threads) per successor.
  void OwnInBatchOrder(int g, std::vector<Successor*>& own) const {
    own.clear();
    std::vector<size_t> next(workers_.size(), 0);
    for (;;) {
      int from = -1;
      uint32_t item = 0;
      for (size_t v = 0; v < workers_.size(); ++v) {
        const auto& list = workers_[v]->owed[g];
        if (next[v] < list.size() && (from < 0 || list[next[v]].first < item)) {
          from = static_cast<int>(v);
          item = list[next[v]].first;
        }
      }
      if (from < 0) return;
      // Take the whole run of this item: its successors are consecutive.
      const auto& list = workers_[from]->owed[g];
      Worker& owner = *workers_[from];
      while (next[from] < list.size() && list[next[from]].first == item) {
        own.push_back(&owner.successors[list[next[from]++].second]);
      }
    }
  }

  // Phase 4: admits batch item i's successors in action order; false to
  // stop.
  bool Merge(size_t i) {
    const Item& item = batch_[i];
    Expansion& e = expansions_[i];
    if (e.cut) {
      out_.depth_cut = true;
      return true;
    }
    if (liveness()) InternLabels(item, e);
    std::vector<Successor>& successors = workers_[e.worker]->successors;
    edges_.clear();
    for (size_t k = e.begin; k < e.end; ++k) {
      Successor& s = successors[k];
      ++out_.transitions;
      if (Admit(s, item, -1) == Admitted::kStop) return false;
      if (liveness()) {
        const uint32_t to = s.target != kNoValue ? s.target : visited_.Value(s.fp);
        FL_CHECK(to != kNoValue);
        edges_.push_back({item.index, to, e.labels[s.choice]});
      }
      if (out_.states >= options_.limits.states_max) {
        out_.stop = Stop::kStates;
        return false;
      }
    }
    if (liveness()) graph_.AddEdges(item.index, edges_);
    return true;
  }

  // Merge without liveness: admits only batch item i's kept successors (the
  // others are present) and counts the rest; stops where Merge would, with
  // the same count. Only while out_.states < states_max on entry: then the
  // states bound can only be reached at a new state.
  bool MergeKept(size_t i) {
    const Item& item = batch_[i];
    const Expansion& e = expansions_[i];
    if (e.cut) {
      out_.depth_cut = true;
      return true;
    }
    Worker& w = *workers_[e.worker];
    for (size_t j = e.kept_begin; j < e.kept_end; ++j) {
      const size_t k = w.kept[j];
      const Admitted a = Admit(w.successors[k], item, -1);
      const bool full =
          a == Admitted::kNew && out_.states >= options_.limits.states_max;
      if (a == Admitted::kStop || full) {
        out_.transitions += static_cast<int64_t>(k - e.begin + 1);
        if (full) out_.stop = Stop::kStates;
        return false;
      }
    }
    out_.transitions += static_cast<int64_t>(e.end - e.begin);
    return true;
  }

  // Gives the labels left pending their ids (first-seen order of their
  // texts, as the merge meets them) and records the fair set of the item.
  void InternLabels(const Item& item, Expansion& e) {
    fair_.clear();
    for (uint32_t& label : e.labels) {
      if (label == LivenessGraph::kUnfair) continue;
      if ((label & kPending) != 0) {
        const uint32_t t = label & ~kPending;
        label = graph_.Label(e.texts[t]);
        FL_CHECK(label < kPending);
        if constexpr (HasActionKey<M>) graph_.BindKey(e.keys[t], label);
      }
      fair_.push_back(label);
    }
    graph_.SetFairEnabled(item.index, fair_);
  }

  // Puts s.fp into the visited set unless an earlier phase did; kOld if it
  // was there.
  Admitted InsertNow(Successor& s) {
    if (s.seen == Seen::kKnown) return Admitted::kOld;
    if (s.seen == Seen::kNew) return Admitted::kNew;
    InsertResult r = visited_.Insert(s.fp, &s.target);
    if (r == InsertResult::kNoRoom) {
      if (!MakeRoom()) {
        out_.stop = Stop::kMemory;
        out_.note =
            MemoryNote("the visited set could not grow within", /*table=*/true);
        return Admitted::kStop;
      }
      r = visited_.Insert(s.fp, &s.target);
      FL_CHECK(r != InsertResult::kNoRoom);
    }
    return r == InsertResult::kPresent ? Admitted::kOld : Admitted::kNew;
  }

  // Adds s (reached from `parent` by s.choice, or an initial state when
  // init >= 0) to the visited set and, if new, checks it and queues it.
  Admitted Admit(Successor& s, const Item& parent, int init) {
    const Admitted a = InsertNow(s);
    if (a != Admitted::kNew) return a;
    Item item;
    item.init = init >= 0 ? init : parent.init;
    item.path = parent.path;
    if (init < 0) item.path.Append(s.choice);
    item.depth = init >= 0 ? 0 : parent.depth + 1;
    ++out_.states;
    out_.depth = std::max<int64_t>(out_.depth, item.depth);
    tracker_.Mark(s.holding);
    if (s.violated >= 0) {
      out_.stop = Stop::kViolation;
      out_.violated = s.violated;
      out_.tape = item.path.Unpack(item.init);
      return Admitted::kStop;
    }
    if (liveness()) {
      item.index = graph_.AddState(s.goals, s.triggers, init);
      visited_.SetValue(s.fp, item.index);
      s.target = item.index;
    }
    if constexpr (kCopyable) item.state = std::move(*s.state);
    frontier_.PushBack(std::move(item));
    return Admitted::kNew;
  }

  // Why the search stopped at the memory bound (the visited set's table
  // could not grow, or everything else outgrew it), and why --lossy bitstate
  // did not take over when it was asked for.
  std::string MemoryNote(const char* what, bool table) const {
    std::string note = absl::StrCat(
        what, " the memory bound of ", budget_.limit() >> 20, " MiB",
        budget_.machine_bound() ? " (what the machine has free)" : "", " at ",
        out_.states, " states, about ",
        std::max<int64_t>(0, budget_.resident() - visited_.bytes()) >> 20,
        " MiB of it outside the visited set");
    if (options_.lossy != Lossy::kBitstate || visited_.lossy()) return note;
    if (liveness()) {
      absl::StrAppend(&note,
                      "; --lossy bitstate does not apply while "
                      "liveness properties are checked");
    } else {
      absl::StrAppend(&note, table ? "; no room was left for a bitstate array"
                                   : "; --lossy bitstate shrinks only the "
                                     "visited set");
    }
    return note;
  }

  // The exact visited set cannot grow within the memory bound: turn it into
  // a bit array (--lossy bitstate) with the memory left, or give up.
  bool MakeRoom() {
    if (options_.lossy != Lossy::kBitstate || visited_.lossy() || liveness()) {
      return false;
    }
    budget_.PollMemory();
    const int64_t table = visited_.bytes();
    const int64_t other = std::max<int64_t>(0, budget_.resident() - table);
    // Half of what is left: the freed table may stay resident (the
    // allocator keeps small blocks) and the frontier keeps growing.
    const int64_t bits = (budget_.limit() - other - table) / 2;
    if (bits < kBitstateBytesMin) return false;
    visited_.SwitchToBitstate(bits);
    out_.lossy = true;
    out_.lossy_since_states = out_.states;
    visited_.set_allowance_bytes(0);
    return true;
  }

  void Finish() {
    out_.sometimes_reached = tracker_.reached();
    out_.visited_bytes = visited_.bytes();
    if (out_.lossy) {
      const double fill = visited_.bitstate()->Fill();
      out_.miss_probability = std::pow(fill, Bitstate::kHashes);
    } else {
      // TLC's "calculated" estimate: n distinct of m generated fingerprints.
      const double n = static_cast<double>(out_.states);
      const double m = static_cast<double>(out_.transitions + model_.InitCount());
      out_.collision_probability = n * std::max(0.0, m - n) / 0x1p64;
    }
    if (!liveness() || out_.stop != Stop::kComplete || out_.depth_cut) {
      out_.seconds = budget_.Seconds();
      return;
    }
    out_.liveness_checked = true;
    if (auto v = graph_.FindViolation(eventually_)) {
      out_.stop = Stop::kViolation;
      out_.violated = v->property;
      out_.tape = std::move(v->tape);
      out_.loop_start = v->loop_start;
    }
    out_.seconds = budget_.Seconds();
  }

  const M& model_;
  const ExploreOptions& options_;
  Outcome out_;
  Budget budget_;
  PropertyTracker<State> tracker_;
  WorkerPool pool_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<int> eventually_;  // indices of Eventually properties
  LivenessGraph graph_;          // recorded only when there is liveness
  VisitedSet visited_;
  ItemQueue<Item> frontier_;
  std::vector<Item> batch_;
  std::vector<Expansion> expansions_;
  std::vector<LivenessGraph::Edge> edges_;  // merge scratch
  std::vector<uint32_t> fair_;              // merge scratch
  size_t batch_max_ = 1;
  alignas(64) std::atomic<size_t> next_item_{0};  // its own line
  alignas(64) std::atomic<int> next_group_{0};
};

}  // namespace internal

// Exhaustive search, breadth-first or depth-first, over one model; BFS on
// options.threads threads (DFS always runs on one). The visited set holds
// 64-bit fingerprints only (harness/fingerprint_set.h); frontier items carry
// their path, which is the counterexample when one of them violates a
// property.
template <Model M>
Outcome Search(const M& model, const ExploreOptions& options) {
  FL_CHECK(options.threads >= 1 && options.threads <= WorkerPool::kThreadsMax);
  return internal::Searcher<M>(model, options).Run();
}

// Seeded random walks from the initial states, each up to depth_max steps,
// until runs_max walks, a violation or another bound. Walk r draws from
// Rng(seed + r), so one walk can be rerun alone. The walk loop lives in
// strategies.h (SampleWalks with the uniform chooser).
template <Model M>
Outcome RandomWalks(const M& model, const ExploreOptions& options);

template <Model M>
Outcome Sample(const M& model, const ExploreOptions& options);  // strategies.h

template <Model M>
Outcome PorExplore(const M& model, const ExploreOptions& options);  // por.h

template <Model M>
Outcome Explore(const M& model, const ExploreOptions& options) {
  if (options.por) return PorExplore(model, options);
  if (options.strategy == Strategy::kBfs || options.strategy == Strategy::kDfs) {
    return Search(model, options);
  }
  return Sample(model, options);
}

}  // namespace faultline

#include "harness/strategies.h"  // Sample: random, swarm, pct, bytes
#include "harness/por.h"  // PorSearch: sleep-set DFS

#endif  // FAULTLINE_HARNESS_EXPLORE_H_
