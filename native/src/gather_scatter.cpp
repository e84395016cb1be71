// Row gather and segment scatter over int32 indices. Every index is checked
// before any write, so a bad index fails cleanly with out untouched.
//
// Scatter is deterministic: each output element accumulates its rows in
// increasing i, exactly as the sequential reference. Threads split either
// the output columns (wide rows) or the segment range (narrow rows); both
// give every element to exactly one thread.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "internal.h"
#include "parallel.h"

namespace {

eg_status check_index(const char* what, const int32_t* index, int64_t n, int64_t limit) {
  for (int64_t i = 0; i < n; ++i) {
    if (index[i] < 0 || index[i] >= limit)
      return eg::fail(EG_ERR_INDEX, "%s: index %d at position %lld is outside [0, %lld)", what,
                      int(index[i]), (long long)i, (long long)limit);
  }
  return EG_OK;
}

// Math.max: NaN wins and +0 beats -0.
template <class T>
inline T js_max(T a, T b) {
  if (a != a || b != b) return std::numeric_limits<T>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
inline int32_t js_max(int32_t a, int32_t b) { return a > b ? a : b; }

// int32 sums wrap like Int32Array stores (unsigned add avoids UB).
template <class T>
inline T add(T a, T b) { return a + b; }
inline int32_t add(int32_t a, int32_t b) {
  return int32_t(uint32_t(a) + uint32_t(b));
}

template <class T>
void scatter(int op, const T* src, const int32_t* index, int64_t n, T* out, int64_t segments,
             int64_t row) {
  std::vector<unsigned char> filled;
  if (op == EG_REDUCE_MAX) {
    filled.assign(size_t(segments), 0);
    for (int64_t i = 0; i < n; ++i) filled[size_t(index[i])] = 1;
  }
  // Rows are visited in order; [c0, c1) x [s0, s1) is this thread's share.
  auto body = [&](int64_t c0, int64_t c1, int64_t s0, int64_t s1) {
    using L = std::numeric_limits<T>;
    const T init = op == EG_REDUCE_SUM ? T(0) : L::has_infinity ? -L::infinity() : L::lowest();
    for (int64_t s = s0; s < s1; ++s)
      for (int64_t c = c0; c < c1; ++c) out[s * row + c] = init;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t s = index[i];
      if (s < s0 || s >= s1) continue;
      const T* in = src + i * row;
      T* o = out + s * row;
      if (op == EG_REDUCE_SUM) {
        for (int64_t c = c0; c < c1; ++c) o[c] = add(o[c], in[c]);
      } else {
        for (int64_t c = c0; c < c1; ++c) o[c] = js_max(o[c], in[c]);
      }
    }
    if (op == EG_REDUCE_MAX)
      for (int64_t s = s0; s < s1; ++s)
        if (!filled[size_t(s)])
          for (int64_t c = c0; c < c1; ++c) out[s * row + c] = T(0);
  };
  const int threads = eg::num_threads();
  const int64_t work = n * row;
  if (threads <= 1 || work < (1 << 15)) {
    body(0, row, 0, segments);
  } else if (row >= 64 * threads) {
    eg::parallel_for(0, row, [&](int64_t c0, int64_t c1) { body(c0, c1, 0, segments); }, 64);
  } else {
    eg::parallel_for(0, segments, [&](int64_t s0, int64_t s1) { body(0, row, s0, s1); }, 1);
  }
}

}  // namespace

extern "C" eg_status eg_gather(eg_dtype dtype, const void* x, int64_t src_rows,
                               const int32_t* index, int64_t n_index, void* out,
                               int64_t row_size) {
  EG_GUARD_BEGIN
  if (src_rows < 0 || n_index < 0 || row_size < 0)
    return eg::fail(EG_ERR_ARGUMENT, "gather: negative size");
  if (!eg::is_valid(dtype)) return eg::fail(EG_ERR_ARGUMENT, "gather: invalid dtype %d", int(dtype));
  if (n_index > 0 && !index) return eg::fail(EG_ERR_ARGUMENT, "gather: null index");
  eg_status st = check_index("gather", index, n_index, src_rows);
  if (st != EG_OK) return st;
  if (n_index == 0 || row_size == 0) return EG_OK;
  if (!x || !out) return eg::fail(EG_ERR_ARGUMENT, "gather: null buffer");
  const int64_t bytes = row_size * eg::dtype_size(dtype);
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(out);
  eg::parallel_for(0, n_index, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      std::memcpy(dst + i * bytes, src + int64_t(index[i]) * bytes, size_t(bytes));
  }, std::max<int64_t>(1, 65536 / bytes));
  return EG_OK;
  EG_GUARD_END("gather")
}

extern "C" eg_status eg_scatter(int op, eg_dtype dtype, const void* src, const int32_t* index,
                                int64_t n_index, void* out, int64_t num_segments,
                                int64_t row_size) {
  EG_GUARD_BEGIN
  if (n_index < 0 || num_segments < 0 || row_size < 0)
    return eg::fail(EG_ERR_ARGUMENT, "scatter: negative size");
  if (op != EG_REDUCE_SUM && op != EG_REDUCE_MAX)
    return eg::fail(EG_ERR_ARGUMENT, "scatter: unknown op code %d", op);
  if (!eg::is_valid(dtype)) return eg::fail(EG_ERR_ARGUMENT, "scatter: invalid dtype %d", int(dtype));
  if (n_index > 0 && !index) return eg::fail(EG_ERR_ARGUMENT, "scatter: null index");
  eg_status st = check_index("scatter", index, n_index, num_segments);
  if (st != EG_OK) return st;
  if (num_segments == 0 || row_size == 0) return EG_OK;
  if (!out || (n_index > 0 && !src)) return eg::fail(EG_ERR_ARGUMENT, "scatter: null buffer");
  switch (dtype) {
    case EG_F32:
      scatter(op, static_cast<const float*>(src), index, n_index, static_cast<float*>(out),
              num_segments, row_size);
      break;
    case EG_F64:
      scatter(op, static_cast<const double*>(src), index, n_index, static_cast<double*>(out),
              num_segments, row_size);
      break;
    default:
      scatter(op, static_cast<const int32_t*>(src), index, n_index, static_cast<int32_t*>(out),
              num_segments, row_size);
      break;
  }
  return EG_OK;
  EG_GUARD_END("scatter")
}
