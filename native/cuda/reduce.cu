// Reduction of the middle axis of [outer, size, inner] -> [outer, inner].
// Sums accumulate in double (as native/src/reduce.cpp), max keeps NaN sticky
// and gives -Infinity for an empty axis. Two schedules, both with a fixed
// order, so results are deterministic run to run:
//   many outputs or short rows: one thread per output, rows in order;
//   few outputs and long rows:  one block per output, each thread a strided
//                               partial, then a fixed shared-memory tree.
// The tree's summation order differs from the CPU's, so float64 sums agree
// with the CPU to rounding, not bit for bit.
#include <cmath>

#include "common.cuh"

namespace {

// NaN is sticky: once acc is NaN nothing compares greater. Also a valid
// combiner of two partial maxima.
template <class T>
__device__ __forceinline__ T max_step(T acc, T v) {
  return (v > acc || v != v) ? v : acc;
}

template <class T>
__global__ void reduce_per_thread(int op, const T* __restrict__ x, T* __restrict__ out,
                                  int64_t outer, int64_t size, int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / inner, c = i % inner;
    const T* p = x + o * size * inner + c;
    if (op == EG_REDUCE_SUM) {
      double acc = 0;
      for (int64_t r = 0; r < size; ++r) acc += double(p[r * inner]);
      out[i] = T(acc);
    } else {
      T acc = T(-INFINITY);
      for (int64_t r = 0; r < size; ++r) acc = max_step(acc, p[r * inner]);
      out[i] = acc;
    }
  }
}

// blockDim.x must be egc::kThreads (a power of two).
template <class T>
__global__ void reduce_per_block(int op, const T* __restrict__ x, T* __restrict__ out,
                                 int64_t outer, int64_t size, int64_t inner) {
  __shared__ double ssum[egc::kThreads];
  __shared__ T smax[egc::kThreads];
  const int t = threadIdx.x;
  const int64_t total = outer * inner;
  for (int64_t i = blockIdx.x; i < total; i += gridDim.x) {  // uniform across the block
    const int64_t o = i / inner, c = i % inner;
    const T* p = x + o * size * inner + c;
    if (op == EG_REDUCE_SUM) {
      double acc = 0;
      for (int64_t r = t; r < size; r += blockDim.x) acc += double(p[r * inner]);
      ssum[t] = acc;
      __syncthreads();
      for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) ssum[t] += ssum[t + s];
        __syncthreads();
      }
      if (t == 0) out[i] = T(ssum[0]);
    } else {
      T acc = T(-INFINITY);
      for (int64_t r = t; r < size; r += blockDim.x) acc = max_step(acc, p[r * inner]);
      smax[t] = acc;
      __syncthreads();
      for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) smax[t] = max_step(smax[t], smax[t + s]);
        __syncthreads();
      }
      if (t == 0) out[i] = smax[0];
    }
    __syncthreads();  // shared memory is reused by the next output
  }
}

template <class T>
egc_status launch(int op, const void* x, void* out, int64_t outer, int64_t size, int64_t inner,
                  cudaStream_t stream) {
  const int64_t total = outer * inner;
  const T* xs = static_cast<const T*>(x);
  T* os = static_cast<T*>(out);
  if (size >= 128 && total <= 16384) {
    const unsigned blocks = unsigned(total < (1 << 20) ? total : (1 << 20));
    reduce_per_block<T><<<blocks, egc::kThreads, 0, stream>>>(op, xs, os, outer, size, inner);
  } else {
    reduce_per_thread<T><<<egc::blocks_for(total), egc::kThreads, 0, stream>>>(op, xs, os, outer,
                                                                               size, inner);
  }
  return egc::launched("reduce");
}

}  // namespace

extern "C" egc_status egc_reduce(int op, eg_dtype dtype, const void* x, void* out, int64_t outer,
                                 int64_t size, int64_t inner) {
  EGC_GUARD_BEGIN
  if (outer < 0 || size < 0 || inner < 0)
    return egc::fail(EGC_ERR_ARGUMENT,
                     "reduce: negative size (outer %lld, size %lld, inner %lld)", (long long)outer,
                     (long long)size, (long long)inner);
  if (op != EG_REDUCE_SUM && op != EG_REDUCE_MAX)
    return egc::fail(EGC_ERR_ARGUMENT, "reduce: unknown op code %d", op);
  if (!egc::is_valid(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "reduce: invalid dtype %d", int(dtype));
  if (dtype == EG_I32) return egc::fail(EGC_ERR_UNSUPPORTED, "reduce: int32 is not supported");
  if (outer == 0 || inner == 0) return EGC_OK;
  if (!out || (size > 0 && !x)) return egc::fail(EGC_ERR_ARGUMENT, "reduce: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("reduce", &stream));
  if (dtype == EG_F32) return launch<float>(op, x, out, outer, size, inner, stream);
  return launch<double>(op, x, out, outer, size, inner, stream);
  EGC_GUARD_END("reduce")
}
