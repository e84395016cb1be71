// parallel_for over a small persistent pool of std::threads.
//
// fn(lo, hi) is called on disjoint chunks covering [begin, end); chunks are
// never smaller than `grain` so tiny arrays stay on the calling thread.
// With EG_NO_THREADS (the WASM build) it is a plain call on the whole range.
#ifndef EQUIGRAPH_PARALLEL_H
#define EQUIGRAPH_PARALLEL_H

#include <cstdint>
#include <utility>

namespace eg {

// Threads kernels may use right now (1 under EG_NO_THREADS).
int num_threads();

#ifndef EG_NO_THREADS
using RangeFn = void (*)(void* ctx, int64_t lo, int64_t hi);
// Type-erased core of parallel_for; rethrows the first exception of a chunk.
void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn, void* ctx);
#endif

template <class F>
inline void parallel_for(int64_t begin, int64_t end, F&& fn, int64_t grain = 1) {
  if (begin >= end) return;
#ifdef EG_NO_THREADS
  (void)grain;
  fn(begin, end);
#else
  using Fn = typename std::remove_reference<F>::type;
  if (grain < 1) grain = 1;
  if (end - begin <= grain) {
    fn(begin, end);
    return;
  }
  parallel_run(
      begin, end, grain,
      [](void* ctx, int64_t lo, int64_t hi) { (*static_cast<Fn*>(ctx))(lo, hi); },
      const_cast<void*>(static_cast<const void*>(&fn)));
#endif
}

}  // namespace eg

#endif
