// Deterministic segment scatter (sum / max) without atomics on values.
//
//   1. check every index lies in [0, num_segments) (egc::check_index);
//   2. stable radix sort of the pairs (index[i], i) on the device, over just
//      the bits num_segments needs (CUB, header-only from the CUDA toolkit):
//      the row ids come out grouped by segment, each group in increasing i;
//   3. offsets[s] = first position of segment s (binary search per s), which
//      with the sorted row ids is a CSR of the index;
//   4. one thread per output element (s, c) walks its segment's rows in
//      order: acc = acc + src[i, c] (or JS max), starting from 0 (or -inf).
//
// Step 4 performs exactly the CPU's operations in the CPU's order
// (native/src/gather_scatter.cpp), so results match it bit for bit and do
// not change from run to run. Empty segments give 0 for both ops; int32
// sums wrap like Int32Array stores. Limited to 2^31 - 1 rows (CUB's item
// count is an int here).
#include <cub/device/device_radix_sort.cuh>
#include <math_constants.h>

#include <climits>

#include "common.cuh"

namespace {

__global__ void iota_kernel(int32_t* __restrict__ v, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    v[i] = int32_t(i);
}

// offsets[s] = lower_bound(sorted, s) for s in [0, segments]; sorted has n keys.
__global__ void segment_offsets(const uint32_t* __restrict__ sorted, int64_t n,
                                int64_t* __restrict__ offsets, int64_t segments) {
  for (int64_t s = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; s <= segments;
       s += int64_t(gridDim.x) * blockDim.x) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (int64_t(sorted[mid]) < s)
        lo = mid + 1;
      else
        hi = mid;
    }
    offsets[s] = lo;
  }
}

// Math.max: NaN wins and +0 beats -0.
__device__ __forceinline__ float js_max(float a, float b) {
  if (a != a || b != b) return CUDART_NAN_F;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
__device__ __forceinline__ double js_max(double a, double b) {
  if (a != a || b != b) return CUDART_NAN;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
__device__ __forceinline__ int32_t js_max(int32_t a, int32_t b) { return a > b ? a : b; }

// int32 sums wrap (unsigned add avoids overflow UB).
__device__ __forceinline__ float add(float a, float b) { return a + b; }
__device__ __forceinline__ double add(double a, double b) { return a + b; }
__device__ __forceinline__ int32_t add(int32_t a, int32_t b) {
  return int32_t(uint32_t(a) + uint32_t(b));
}

template <class T>
struct Lowest;
template <>
struct Lowest<float> {
  __device__ static float value() { return -CUDART_INF_F; }
};
template <>
struct Lowest<double> {
  __device__ static double value() { return -CUDART_INF; }
};
template <>
struct Lowest<int32_t> {
  __device__ static int32_t value() { return INT_MIN; }
};

template <class T>
__global__ void scatter_kernel(int op, const T* __restrict__ src, const int32_t* __restrict__ rows,
                               const int64_t* __restrict__ offsets, T* __restrict__ out,
                               int64_t segments, int64_t row) {
  const int64_t total = segments * row;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t s = i / row, c = i % row;
    const int64_t begin = offsets[s], end = offsets[s + 1];
    if (op == EG_REDUCE_SUM) {
      T acc = T(0);
      for (int64_t j = begin; j < end; ++j) acc = add(acc, src[int64_t(rows[j]) * row + c]);
      out[i] = acc;
    } else if (begin == end) {
      out[i] = T(0);
    } else {
      T acc = Lowest<T>::value();
      for (int64_t j = begin; j < end; ++j) acc = js_max(acc, src[int64_t(rows[j]) * row + c]);
      out[i] = acc;
    }
  }
}

template <class T>
egc_status launch(int op, const void* src, const int32_t* rows, const int64_t* offsets, void* out,
                  int64_t segments, int64_t row, cudaStream_t stream) {
  scatter_kernel<T><<<egc::blocks_for(segments * row), egc::kThreads, 0, stream>>>(
      op, static_cast<const T*>(src), rows, offsets, static_cast<T*>(out), segments, row);
  return egc::launched("scatter");
}

}  // namespace

namespace egc {

egc_status build_csr(const char* where, const int32_t* index, int64_t n, int64_t num_segments,
                     cudaStream_t stream, Temp& rows, Temp& offsets) {
  if (n > INT_MAX)
    return fail(EGC_ERR_UNSUPPORTED, "%s: %lld rows exceed the limit of %d", where, (long long)n, INT_MAX);
  EGC_TRY(offsets.alloc((num_segments + 1) * 8));
  if (n == 0) {
    const cudaError_t err = cudaMemsetAsync(offsets.ptr, 0, size_t(num_segments + 1) * 8, stream);
    return err == cudaSuccess ? EGC_OK : cuda_fail(err, where);
  }
  int end_bit = 1;
  while (end_bit < 32 && (int64_t(1) << end_bit) < num_segments) ++end_bit;
  Temp keys_out, rows_in, temp;
  EGC_TRY(keys_out.alloc(n * 4));
  EGC_TRY(rows_in.alloc(n * 4));
  EGC_TRY(rows.alloc(n * 4));
  iota_kernel<<<blocks_for(n), kThreads, 0, stream>>>(rows_in.as<int32_t>(), n);
  EGC_TRY(launched(where));
  // Indices are checked non-negative, so they sort as unsigned keys.
  const uint32_t* keys_in = reinterpret_cast<const uint32_t*>(index);
  size_t temp_bytes = 0;
  cudaError_t err = cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in, keys_out.as<uint32_t>(),
                                                    rows_in.as<int32_t>(), rows.as<int32_t>(), int(n), 0,
                                                    end_bit, stream);
  if (err != cudaSuccess) return cuda_fail(err, where);
  EGC_TRY(temp.alloc(temp_bytes > 0 ? int64_t(temp_bytes) : 1));  // null would mean "query"
  err = cub::DeviceRadixSort::SortPairs(temp.ptr, temp_bytes, keys_in, keys_out.as<uint32_t>(),
                                        rows_in.as<int32_t>(), rows.as<int32_t>(), int(n), 0, end_bit,
                                        stream);
  if (err != cudaSuccess) return cuda_fail(err, where);
  segment_offsets<<<blocks_for(num_segments + 1), kThreads, 0, stream>>>(
      keys_out.as<uint32_t>(), n, offsets.as<int64_t>(), num_segments);
  return launched(where);
}

}  // namespace egc

extern "C" egc_status egc_scatter(int op, eg_dtype dtype, const void* src, const int32_t* index,
                                  int64_t n_index, void* out, int64_t num_segments,
                                  int64_t row_size) {
  EGC_GUARD_BEGIN
  if (n_index < 0 || num_segments < 0 || row_size < 0)
    return egc::fail(EGC_ERR_ARGUMENT, "scatter: negative size");
  if (op != EG_REDUCE_SUM && op != EG_REDUCE_MAX)
    return egc::fail(EGC_ERR_ARGUMENT, "scatter: unknown op code %d", op);
  if (!egc::is_valid(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "scatter: invalid dtype %d", int(dtype));
  if (n_index > 0 && !index) return egc::fail(EGC_ERR_ARGUMENT, "scatter: null index");
  if (n_index > INT_MAX)
    return egc::fail(EGC_ERR_UNSUPPORTED, "scatter: %lld rows exceed the limit of %d",
                     (long long)n_index, INT_MAX);
  cudaStream_t stream = nullptr;
  if (n_index > 0) {
    EGC_TRY(egc::ready("scatter", &stream));
    EGC_TRY(egc::check_index("scatter", index, n_index, num_segments, stream));
  }
  if (num_segments == 0 || row_size == 0) return EGC_OK;
  if (!out || (n_index > 0 && !src)) return egc::fail(EGC_ERR_ARGUMENT, "scatter: null buffer");
  const int64_t dsize = egc::dtype_size(dtype);
  if (n_index == 0) return egc_memset_zero(out, num_segments * row_size * dsize);  // all empty

  // CSR of the index: row ids sorted stably by segment, and segment offsets.
  egc::Temp rows_out, offsets;
  EGC_TRY(egc::build_csr("scatter", index, n_index, num_segments, stream, rows_out, offsets));

  const int32_t* rows = rows_out.as<int32_t>();
  const int64_t* offs = offsets.as<int64_t>();
  switch (dtype) {
    case EG_F32: return launch<float>(op, src, rows, offs, out, num_segments, row_size, stream);
    case EG_F64: return launch<double>(op, src, rows, offs, out, num_segments, row_size, stream);
    default: return launch<int32_t>(op, src, rows, offs, out, num_segments, row_size, stream);
  }
  EGC_GUARD_END("scatter")
}
