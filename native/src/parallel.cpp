// Persistent worker pool behind parallel_for. Spawning threads per call costs
// tens of microseconds, more than a whole small kernel, so workers stay alive:
// after a job they spin briefly (kernels usually come back to back, and a
// futex wake-up costs 10-50 us), then sleep on a condition variable. The pool
// is leaked on purpose: detached workers must never see a destroyed mutex
// during process exit.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "internal.h"

namespace {

std::atomic<int> requested_threads{0};  // 0 = hardware concurrency

}  // namespace

#ifdef EG_NO_THREADS

namespace eg {
int num_threads() { return 1; }
}  // namespace eg

#else

namespace {

// Asked once: under emscripten hardware_concurrency() is a call into
// JavaScript (Node's os.cpus()), far too slow for every parallel_for.
int hardware_threads() {
  static const int n = [] {
    unsigned c = std::thread::hardware_concurrency();
    return c == 0 ? 1 : static_cast<int>(std::min(c, 256u));
  }();
  return n;
}

thread_local bool inside_job = false;  // nested parallel_for runs serially

constexpr auto kSpin = std::chrono::microseconds(100);
constexpr auto kCallerSpin = std::chrono::microseconds(50);
constexpr int64_t kPartsPerThread = 4;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

struct Pool {
  std::mutex dispatch;  // one job at a time; other callers run serially
  std::mutex m;
  std::condition_variable wake, idle;
  std::vector<std::thread> threads;
  std::atomic<uint64_t> generation{0};  // written under m, spun on without it
  bool open = false;     // workers may join the current job
  int wanted = 0;        // workers the current job may use
  // Workers inside the current job; changed under m, read without it by the
  // caller's spin-wait.
  std::atomic<int> active{0};
  eg::RangeFn fn = nullptr;
  void* ctx = nullptr;
  int64_t begin = 0, end = 0, parts = 0;
  std::atomic<int64_t> next{0};
  std::exception_ptr error;

  void run_parts() {
    for (;;) {
      int64_t p = next.fetch_add(1);
      if (p >= parts) return;
      int64_t len = end - begin;
      int64_t lo = begin + len * p / parts, hi = begin + len * (p + 1) / parts;
      try {
        fn(ctx, lo, hi);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m);
        if (!error) error = std::current_exception();
      }
    }
  }

  void worker() {
    inside_job = true;
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(m);
    for (;;) {
      if (generation.load(std::memory_order_relaxed) == seen) {
        lk.unlock();
        const auto until = std::chrono::steady_clock::now() + kSpin;
        for (int i = 1; generation.load(std::memory_order_acquire) == seen; ++i) {
          cpu_relax();
          if (i % 64 == 0 && std::chrono::steady_clock::now() > until) break;
        }
        lk.lock();
      }
      wake.wait(lk, [&] { return generation.load(std::memory_order_relaxed) != seen; });
      seen = generation.load(std::memory_order_relaxed);
      if (!open || active >= wanted) continue;
      ++active;
      lk.unlock();
      run_parts();
      lk.lock();
      if (--active == 0) idle.notify_all();
    }
  }

  void ensure_workers(int n) {
    while (static_cast<int>(threads.size()) < n) {
      threads.emplace_back([this] { worker(); });
      threads.back().detach();
    }
  }
};

Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

namespace eg {

int num_threads() {
  int n = requested_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : hardware_threads();
}

void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* ctx) {
  int64_t len = end - begin;
  // A few parts per thread, claimed dynamically: when a worker is descheduled
  // (more runnable threads than cores), the others take over its share
  // instead of waiting a whole time slice for it.
  const int threads = num_threads();
  int64_t parts = std::min<int64_t>(int64_t(threads) * kPartsPerThread, (len + grain - 1) / grain);
  Pool& P = pool();
  std::unique_lock<std::mutex> dispatch(P.dispatch, std::try_to_lock);
  if (parts <= 1 || inside_job || !dispatch.owns_lock()) {
    fn(ctx, begin, end);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(P.m);
    const int workers = static_cast<int>(std::min<int64_t>(parts, threads) - 1);
    P.ensure_workers(workers);
    P.fn = fn;
    P.ctx = ctx;
    P.begin = begin;
    P.end = end;
    P.parts = parts;
    P.next.store(0);
    P.error = nullptr;
    P.wanted = workers;
    P.open = true;
    P.generation.fetch_add(1, std::memory_order_release);
  }
  P.wake.notify_all();
  inside_job = true;
  P.run_parts();
  inside_job = false;
  // Workers usually finish within microseconds of the caller: spin briefly
  // rather than sleep, since a futex wake-up costs as much as a small kernel.
  {
    const auto until = std::chrono::steady_clock::now() + kCallerSpin;
    for (int i = 1; P.active.load(std::memory_order_acquire) != 0; ++i) {
      cpu_relax();
      if (i % 64 == 0 && std::chrono::steady_clock::now() > until) break;
    }
  }
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lk(P.m);
    // Every part is claimed; wait for workers still running one, then close
    // the job under the same lock so no late waker can join it.
    P.idle.wait(lk, [&] { return P.active == 0; });
    P.open = false;
    error = P.error;
    P.error = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace eg

#endif

extern "C" void eg_start_threads(void) {
#ifndef EG_NO_THREADS
  Pool& P = pool();
  std::lock_guard<std::mutex> lk(P.m);
  P.ensure_workers(eg::num_threads() - 1);
#endif
}

extern "C" void eg_set_num_threads(int n) {
  requested_threads.store(n > 0 ? std::min(n, 256) : 0, std::memory_order_relaxed);
}

extern "C" int eg_get_num_threads(void) { return eg::num_threads(); }
