// A fixed pool of worker threads for the explorer's parallel phases.
//
// Run(f) calls f(0) on the calling thread and f(1) .. f(n-1) on the pool's
// threads, and returns when all have returned: a fork-join step with no
// queue, so the explorer's phases (expand in parallel, merge in order) stay
// separated by a full barrier. Work inside f is split by the caller (an
// atomic counter over items), never by which thread is faster, so nothing
// that reaches output depends on scheduling.
//
//   WorkerPool pool(2);
//   pool.Run([&](int worker) { ... });
#ifndef FAULTLINE_HARNESS_PARALLEL_H_
#define FAULTLINE_HARNESS_PARALLEL_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/assert.h"

namespace faultline {

class WorkerPool {
 public:
  static constexpr int kThreadsMax = 256;

  explicit WorkerPool(int threads) : threads_(threads) {
    FL_CHECK(threads >= 1 && threads <= kThreadsMax);
    for (int w = 1; w < threads; ++w) {
      helpers_.emplace_back([this, w] { Serve(w); });
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& t : helpers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return threads_; }

  // Runs f(w) for every worker w and waits for all of them.
  void Run(const std::function<void(int)>& f) {
    if (threads_ == 1) return f(0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      FL_CHECK(busy_ == 0);
      job_ = &f;
      busy_ = threads_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    f(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
    job_ = nullptr;
  }

 private:
  void Serve(int w) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (quit_) return;
        job = job_;
      }
      FL_CHECK(job != nullptr);
      (*job)(w);
      std::lock_guard<std::mutex> lock(mutex_);
      FL_CHECK(busy_ > 0);
      if (--busy_ == 0) done_.notify_one();
    }
  }

  const int threads_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int)>* job_ = nullptr;
  uint64_t generation_ = 0;
  int busy_ = 0;
  bool quit_ = false;
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_PARALLEL_H_
