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

#include <atomic>
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
      generation_.fetch_add(1, std::memory_order_release);
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
      FL_CHECK(busy_.load(std::memory_order_relaxed) == 0);
      job_ = &f;
      busy_.store(threads_ - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    f(0);
    SpinWhile([this] { return busy_.load(std::memory_order_acquire) != 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock,
               [this] { return busy_.load(std::memory_order_acquire) == 0; });
    job_ = nullptr;
  }

 private:
  // A search's phases follow each other within microseconds, and a thread
  // woken from a condition variable takes tens of them to run: spin that
  // long before sleeping.
  static constexpr int kSpins = 1 << 14;

  template <typename Pred>
  static void SpinWhile(Pred waiting) {
    for (int i = 0; i < kSpins && waiting(); ++i) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

  void Serve(int w) {
    uint64_t seen = 0;
    for (;;) {
      SpinWhile(
          [&] { return generation_.load(std::memory_order_acquire) == seen; });
      const std::function<void(int)>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] {
          return generation_.load(std::memory_order_acquire) != seen;
        });
        seen = generation_.load(std::memory_order_relaxed);
        if (quit_) return;
        job = job_;
      }
      FL_CHECK(job != nullptr);
      (*job)(w);
      const int before = busy_.fetch_sub(1, std::memory_order_acq_rel);
      FL_CHECK(before > 0);
      if (before == 1) {
        // Run checks busy_ under the mutex before it sleeps: taking it here
        // means the notification cannot fall between that check and the wait.
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  const int threads_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int)>* job_ = nullptr;  // guarded by mutex_
  std::atomic<uint64_t> generation_{0};            // written under mutex_
  std::atomic<int> busy_{0};  // helpers still running the job
  bool quit_ = false;         // guarded by mutex_
};

}  // namespace faultline

#endif  // FAULTLINE_HARNESS_PARALLEL_H_
