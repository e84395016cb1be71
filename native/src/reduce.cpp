// Reduction of the middle axis of [outer, size, inner]. Sums accumulate in
// double (as the reference does), so float32 loses nothing to rounding order.
#include <algorithm>
#include <cmath>
#include <limits>

#include "internal.h"
#include "parallel.h"

namespace {

constexpr int64_t kBlock = 256;  // columns per work unit when inner > 1

// NaN is sticky, as in the reference: once acc is NaN nothing compares greater.
template <class T>
inline T max_step(T acc, T v) { return (v > acc || v != v) ? v : acc; }

template <class T>
double row_sum(const T* x, int64_t n) {
  // Eight independent partial sums hide the add latency.
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += double(x[i + j]);
  double acc = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) acc += double(x[i]);
  return acc;
}

template <class T>
void reduce(int op, const T* x, T* out, int64_t outer, int64_t size, int64_t inner) {
  if (inner == 1) {
    eg::parallel_for(0, outer, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        const T* row = x + o * size;
        if (op == EG_REDUCE_SUM) {
          out[o] = T(row_sum(row, size));
        } else {
          T acc = -std::numeric_limits<T>::infinity();
          for (int64_t r = 0; r < size; ++r) acc = max_step(acc, row[r]);
          out[o] = acc;
        }
      }
    }, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(size, 1)));
    return;
  }
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  eg::parallel_for(0, outer * blocks, [&](int64_t lo, int64_t hi) {
    double acc[kBlock];
    T macc[kBlock];
    for (int64_t u = lo; u < hi; ++u) {
      const int64_t o = u / blocks, c0 = (u % blocks) * kBlock;
      const int64_t w = std::min(kBlock, inner - c0);
      const T* base = x + o * size * inner + c0;
      T* dst = out + o * inner + c0;
      if (op == EG_REDUCE_SUM) {
        for (int64_t c = 0; c < w; ++c) acc[c] = 0;
        for (int64_t r = 0; r < size; ++r) {
          const T* row = base + r * inner;
          for (int64_t c = 0; c < w; ++c) acc[c] += double(row[c]);
        }
        for (int64_t c = 0; c < w; ++c) dst[c] = T(acc[c]);
      } else {
        for (int64_t c = 0; c < w; ++c) macc[c] = -std::numeric_limits<T>::infinity();
        for (int64_t r = 0; r < size; ++r) {
          const T* row = base + r * inner;
          for (int64_t c = 0; c < w; ++c) macc[c] = max_step(macc[c], row[c]);
        }
        for (int64_t c = 0; c < w; ++c) dst[c] = macc[c];
      }
    }
  }, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(size * kBlock, 1)));
}

}  // namespace

extern "C" eg_status eg_reduce(int op, eg_dtype dtype, const void* x, void* out, int64_t outer,
                               int64_t size, int64_t inner) {
  EG_GUARD_BEGIN
  if (outer < 0 || size < 0 || inner < 0)
    return eg::fail(EG_ERR_ARGUMENT, "reduce: negative size (outer %lld, size %lld, inner %lld)",
                    (long long)outer, (long long)size, (long long)inner);
  if (op != EG_REDUCE_SUM && op != EG_REDUCE_MAX)
    return eg::fail(EG_ERR_ARGUMENT, "reduce: unknown op code %d", op);
  if (!eg::is_valid(dtype)) return eg::fail(EG_ERR_ARGUMENT, "reduce: invalid dtype %d", int(dtype));
  if (dtype == EG_I32) return eg::fail(EG_ERR_UNSUPPORTED, "reduce: int32 is not supported");
  if (outer == 0 || inner == 0) return EG_OK;
  if (!out || (size > 0 && !x)) return eg::fail(EG_ERR_ARGUMENT, "reduce: null buffer");
  if (dtype == EG_F32)
    reduce(op, static_cast<const float*>(x), static_cast<float*>(out), outer, size, inner);
  else
    reduce(op, static_cast<const double*>(x), static_cast<double*>(out), outer, size, inner);
  return EG_OK;
  EG_GUARD_END("reduce")
}
