// Permuted copy. Axes are coalesced first; then either whole rows are copied
// (innermost axis kept) or 32x32 tiles are swapped between the output's last
// axis and the axis that is contiguous in the input.
#include <algorithm>
#include <cstring>

#include "internal.h"
#include "parallel.h"

namespace {

constexpr int64_t kTile = 32;

struct Plan {
  int nd = 0;
  int64_t shape[EG_MAX_DIMS];  // output extents after coalescing
  int64_t in[EG_MAX_DIMS];     // input stride of each output axis
  int64_t size = 1;
};

Plan plan(const int64_t* shape, const int32_t* perm, int ndim) {
  int64_t in_strides[EG_MAX_DIMS];
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    in_strides[d] = s;
    s *= shape[d];
  }
  Plan P;
  for (int i = 0; i < ndim; ++i) {
    const int64_t ext = shape[perm[i]], st = in_strides[perm[i]];
    P.size *= ext;
    if (ext == 1) continue;
    if (P.nd > 0 && P.in[P.nd - 1] == st * ext) {  // contiguous in both: merge
      P.shape[P.nd - 1] *= ext;
      P.in[P.nd - 1] = st;
      continue;
    }
    P.shape[P.nd] = ext;
    P.in[P.nd] = st;
    ++P.nd;
  }
  if (P.nd == 0) {
    P.nd = 1;
    P.shape[0] = 1;
    P.in[0] = 1;
  }
  return P;
}

// Decomposes `r` over the axes in `axes` (outermost first), giving in/out offsets.
inline void offsets(int64_t r, const int* axes, int n, const Plan& P, const int64_t* out_strides,
                    int64_t& in_off, int64_t& out_off) {
  in_off = out_off = 0;
  for (int t = n - 1; t >= 0; --t) {
    const int d = axes[t];
    const int64_t i = r % P.shape[d];
    r /= P.shape[d];
    in_off += i * P.in[d];
    out_off += i * out_strides[d];
  }
}

template <class T>
void transpose(const T* x, T* out, const Plan& P) {
  const int last = P.nd - 1;
  int64_t os[EG_MAX_DIMS];
  int64_t s = 1;
  for (int d = last; d >= 0; --d) {
    os[d] = s;
    s *= P.shape[d];
  }
  if (P.in[last] == 1) {  // rows of the output are contiguous rows of the input
    const int64_t row = P.shape[last], rows = P.size / row;
    int axes[EG_MAX_DIMS];
    for (int d = 0; d < last; ++d) axes[d] = d;
    eg::parallel_for(0, rows, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        int64_t io, oo;
        offsets(r, axes, last, P, os, io, oo);
        std::memcpy(out + oo, x + io, size_t(row) * sizeof(T));
      }
    }, std::max<int64_t>(1, 16384 / row));
    return;
  }
  // Output axis q is the input's contiguous one; tile (q, last).
  int q = 0;
  for (int d = 0; d < P.nd; ++d)
    if (P.in[d] == 1) q = d;
  int axes[EG_MAX_DIMS], n_rest = 0;
  for (int d = 0; d < last; ++d)
    if (d != q) axes[n_rest++] = d;
  const int64_t Q = P.shape[q], J = P.shape[last];
  const int64_t tq = (Q + kTile - 1) / kTile, tj = (J + kTile - 1) / kTile;
  const int64_t rest = P.size / (Q * J);
  const int64_t sq = P.in[last], oq = os[q];  // input stride along J, output stride along Q
  eg::parallel_for(0, rest * tq * tj, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; ++u) {
      const int64_t r = u / (tq * tj), t = u % (tq * tj);
      const int64_t q0 = (t / tj) * kTile, j0 = (t % tj) * kTile;
      const int64_t q1 = std::min(Q, q0 + kTile), j1 = std::min(J, j0 + kTile);
      int64_t io, oo;
      offsets(r, axes, n_rest, P, os, io, oo);
      // Through a local tile so both sides move whole cache lines: with
      // power-of-two strides, 32 lines touched at once in x or out would all
      // map to one L1 set and evict each other.
      T tile[kTile][kTile];
      for (int64_t j = j0; j < j1; ++j) {
        const T* src = x + io + j * sq;
        for (int64_t qq = q0; qq < q1; ++qq) tile[j - j0][qq - q0] = src[qq];
      }
      for (int64_t qq = q0; qq < q1; ++qq) {
        T* dst = out + oo + qq * oq;
        for (int64_t j = j0; j < j1; ++j) dst[j] = tile[j - j0][qq - q0];
      }
    }
  }, 16);
}

}  // namespace

extern "C" eg_status eg_transpose(eg_dtype dtype, const void* x, const int64_t* shape,
                                  const int32_t* perm, int ndim, void* out) {
  EG_GUARD_BEGIN
  if (ndim < 0 || ndim > EG_MAX_DIMS)
    return eg::fail(EG_ERR_ARGUMENT, "transpose: rank %d outside [0, %d]", ndim, EG_MAX_DIMS);
  if (ndim > 0 && (!shape || !perm)) return eg::fail(EG_ERR_ARGUMENT, "transpose: null shape or perm");
  bool seen[EG_MAX_DIMS] = {};
  for (int i = 0; i < ndim; ++i) {
    if (shape[i] < 0)
      return eg::fail(EG_ERR_ARGUMENT, "transpose: negative extent %lld on axis %d",
                      (long long)shape[i], i);
    if (perm[i] < 0 || perm[i] >= ndim || seen[perm[i]])
      return eg::fail(EG_ERR_ARGUMENT, "transpose: perm is not a permutation of 0..%d", ndim - 1);
    seen[perm[i]] = true;
  }
  if (!eg::is_valid(dtype)) return eg::fail(EG_ERR_ARGUMENT, "transpose: invalid dtype %d", int(dtype));
  const Plan P = plan(shape, perm, ndim);
  if (P.size == 0) return EG_OK;
  if (!x || !out) return eg::fail(EG_ERR_ARGUMENT, "transpose: null buffer");
  if (dtype == EG_F64)
    transpose(static_cast<const uint64_t*>(x), static_cast<uint64_t*>(out), P);
  else
    transpose(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out), P);
  return EG_OK;
  EG_GUARD_END("transpose")
}
