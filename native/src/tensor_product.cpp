// Segmented tensor product: one kernel family for every tensor product on
// irreps (see the descriptor format in native/include/equigraph.h).
//
// A path is a multilinear form in four slots (weights W, x1, x2, out), so
// computing any slot from the other three is the same loop nest with the
// output role moved; forward, backward and double backward all land here.
// Samples are processed in blocks of 16 laid out as vectors over the block
// (SIMD over samples), and every path is factored so the coefficient sum
// runs once per channel pair and the channel mixing is a contiguous update:
//   UVW, output out:  t_uv[k] = sum c x1[u,i] x2[v,j];  acc[k,:] += t_uv[k] W[u,v,:]
//   UVW, output x1:   h_uv[k] = W[u,v,:] . g[:,k];      x1[u,i] += sum c x2[v,j] h_uv[k]
//   UVW, output W:    W[u,v,:] += sum_k t_uv[k] g[:,k]
// (and likewise for the other modes). The batch is split over threads;
// weights shared by all samples stay in cache while a thread walks its
// samples. An output with batch stride 0 (shared weights) is summed over the
// batch in per-chunk buffers reduced in a fixed order.
#include <algorithm>
#include <cstring>
#include <vector>

#include "simd.h"
#include "internal.h"
#include "parallel.h"

#if defined(__GNUC__)
#define EG_TP_INLINE inline __attribute__((always_inline))
#else
#define EG_TP_INLINE inline
#endif

namespace {

enum Slot { SW = 0, SX1 = 1, SX2 = 2, SOUT = 3 };

// One path, resolved against the descriptor: offsets, extents and its
// coefficients converted to T once per call.
template <class T>
struct Path {
  int mode;
  bool has[4];
  int64_t off[4];  // segment offset within a sample, per slot
  int64_t U, V, Wm;
  int64_t d1, d2, d3;
  int64_t c0, nc;  // range in the plan's coefficient arrays
};

template <class T>
struct Plan {
  std::vector<Path<T>> paths;
  std::vector<int32_t> ci, cj, ck;
  std::vector<T> cv;
  const T* ptr[4];
  int64_t stride[4];
  int64_t size[4];  // elements per sample (0: absent)
  int out;
  int64_t scratch;  // elements of scratch per chunk
  int64_t max_dim;
};

const double kOne[1] = {1.0};
const float kOneF[1] = {1.0f};
template <class T>
const T* one();
template <>
const double* one<double>() { return kOne; }
template <>
const float* one<float>() { return kOneF; }

// ------------------------------------------------------------ block kernels
//
// Samples are processed in blocks of ZB, transposed to "structure of arrays":
// element c of a slot lives at soa + c*ZB, a vector over the block's samples.
// Every term of the definition is then a length-ZB vector operation (which
// the compiler turns into SIMD), however small the irreps are. Weights shared
// by all samples (WS) stay scalars.

constexpr int ZB = 16;
// Largest U*V*d3*ZB scratch the shared-weight uvw forward stages at once.
constexpr int64_t kUvwBlock = int64_t(1) << 15;

template <class T>
struct Block {
  T* v[4];          // SoA base per slot (nullptr: shared weights, see w)
  const T* w;       // shared weights (WS) or accumulator for their gradient
  T* wacc;          // shared-weight gradient accumulator (output W, WS)
  T* tmp;           // per-path scratch
};

template <class T>
EG_TP_INLINE void vzero(T* __restrict a, int64_t n) {
  for (int64_t t = 0; t < n; ++t) a[t] = T(0);
}

using eg::Vec;  // explicit vectors (simd.h)
// a[0:n] += s * b[0:n], n a multiple of ZB
template <class T>
EG_TP_INLINE void vaxpy(T* a, T s, const T* b, int64_t n) {
  constexpr int W = int(32 / sizeof(T));
  typedef Vec<T> V;
  for (int64_t t = 0; t < n; t += W)
    *reinterpret_cast<V*>(a + t) = eg::madd(s, *reinterpret_cast<const V*>(b + t), *reinterpret_cast<const V*>(a + t));
}
// a[z] += c * b[z] * d[z]
template <class T>
EG_TP_INLINE void vfma2(T* a, T c, const T* b, const T* d) {
  constexpr int W = int(32 / sizeof(T));
  typedef Vec<T> V;
#pragma GCC unroll 8
  for (int n = 0; n < ZB; n += W)
    *reinterpret_cast<V*>(a + n) = eg::madd(c * *reinterpret_cast<const V*>(b + n), *reinterpret_cast<const V*>(d + n),
                                            *reinterpret_cast<const V*>(a + n));
}
// a[z] += b[z] * d[z] over n elements
template <class T>
EG_TP_INLINE void vmul_add(T* __restrict a, const T* __restrict b, const T* __restrict d, int64_t n) {
  for (int64_t t = 0; t < n; ++t) a[t] += b[t] * d[t];
}
template <class T>
EG_TP_INLINE T vdot(const T* b, const T* d, int64_t n) {  // n: a multiple of ZB
  typedef Vec<T> V;
  constexpr int W = int(32 / sizeof(T));
  V acc0 = {}, acc1 = {};
  for (int64_t t = 0; t < n; t += 2 * W) {
    acc0 = eg::madd(*reinterpret_cast<const V*>(b + t), *reinterpret_cast<const V*>(d + t), acc0);
    acc1 = eg::madd(*reinterpret_cast<const V*>(b + t + W), *reinterpret_cast<const V*>(d + t + W), acc1);
  }
  acc0 += acc1;
  T s = 0;
  for (int i = 0; i < W; ++i) s += acc0[i];
  return s;
}

alignas(64) const double kOnesD[ZB] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
alignas(64) const float kOnesF[ZB] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
template <class T>
const T* ones();
template <>
const double* ones<double>() { return kOnesD; }
template <>
const float* ones<float>() { return kOnesF; }

// out rows C(w) (rows of N = d3*ZB contiguous elements) += Σ_r W[r*Wm + w] T[r]
// for r < R, a chunk of NVC vectors of every row at a time, accumulated in
// registers (explicit vector types: GCC keeps constant-indexed arrays of
// them in registers once the loops are unrolled).
template <class T, int NVC>
EG_TP_INLINE void mix_chunk(T* __restrict c, int64_t N, int64_t Wm, const T* __restrict w,
                            const T* __restrict t, int64_t R, int64_t off) {
  typedef T V __attribute__((vector_size(32), aligned(sizeof(T))));
  constexpr int W = int(32 / sizeof(T));
  for (int64_t x = 0; x < Wm; ++x) {
    T* __restrict cr = c + x * N + off;
    V acc[NVC];
#pragma GCC unroll 32
    for (int n = 0; n < NVC; ++n) __builtin_memcpy(&acc[n], cr + n * W, sizeof(V));
    for (int64_t r = 0; r < R; ++r) {
      const T s = w[r * Wm + x];
      const T* __restrict tr = t + r * N + off;
#pragma GCC unroll 32
      for (int n = 0; n < NVC; ++n) {
        V tv;
        __builtin_memcpy(&tv, tr + n * W, sizeof(V));
        acc[n] = eg::madd(s, tv, acc[n]);
      }
    }
#pragma GCC unroll 32
    for (int n = 0; n < NVC; ++n) __builtin_memcpy(cr + n * W, &acc[n], sizeof(V));
  }
}
// h[0:N] = Σ_x wrow[x] g[x*N : x*N+N] for x < Wm (rows of N = d3*ZB), in registers.
template <class T, int NVC>
EG_TP_INLINE void gather_chunk(T* __restrict h, int64_t N, int64_t Wm, const T* __restrict wrow,
                               const T* __restrict g, int64_t off) {
  typedef T V __attribute__((vector_size(32), aligned(sizeof(T))));
  constexpr int W = int(32 / sizeof(T));
  V acc[NVC] = {};
  for (int64_t x = 0; x < Wm; ++x) {
    const T s = wrow[x];
    const T* __restrict gr = g + x * N + off;
#pragma GCC unroll 32
    for (int n = 0; n < NVC; ++n) {
      V gv;
      __builtin_memcpy(&gv, gr + n * W, sizeof(V));
      acc[n] = eg::madd(s, gv, acc[n]);
    }
  }
#pragma GCC unroll 32
  for (int n = 0; n < NVC; ++n) __builtin_memcpy(h + off + n * W, &acc[n], sizeof(V));
}
template <class T>
EG_TP_INLINE bool gather_row(T* h, int64_t Wm, const T* wrow, const T* g, int64_t d3) {
  constexpr int W = int(32 / sizeof(T));
  const int64_t N = d3 * ZB;
  switch (N / W) {
    case 2: gather_chunk<T, 2>(h, N, Wm, wrow, g, 0); return true;
    case 4: gather_chunk<T, 4>(h, N, Wm, wrow, g, 0); return true;
    case 6: gather_chunk<T, 6>(h, N, Wm, wrow, g, 0); return true;
    case 10: gather_chunk<T, 10>(h, N, Wm, wrow, g, 0); return true;
    case 12: gather_chunk<T, 12>(h, N, Wm, wrow, g, 0); return true;
    case 14: gather_chunk<T, 14>(h, N, Wm, wrow, g, 0); return true;
    case 20:
      gather_chunk<T, 10>(h, N, Wm, wrow, g, 0);
      gather_chunk<T, 10>(h, N, Wm, wrow, g, 10 * W);
      return true;
    case 28:
      gather_chunk<T, 14>(h, N, Wm, wrow, g, 0);
      gather_chunk<T, 14>(h, N, Wm, wrow, g, 14 * W);
      return true;
    default: return false;
  }
}

template <class T>
EG_TP_INLINE bool mix_rows(T* c, int64_t Wm, const T* w, const T* t, int64_t R, int64_t d3) {
  constexpr int W = int(32 / sizeof(T));
  const int64_t N = d3 * ZB;
  const int64_t NV = N / W;  // ZB is a multiple of W
  switch (NV) {
    case 2: mix_chunk<T, 2>(c, N, Wm, w, t, R, 0); return true;
    case 4: mix_chunk<T, 4>(c, N, Wm, w, t, R, 0); return true;
    case 6: mix_chunk<T, 6>(c, N, Wm, w, t, R, 0); return true;
    case 10: mix_chunk<T, 10>(c, N, Wm, w, t, R, 0); return true;
    case 12: mix_chunk<T, 12>(c, N, Wm, w, t, R, 0); return true;
    case 14: mix_chunk<T, 14>(c, N, Wm, w, t, R, 0); return true;
    case 20:
      mix_chunk<T, 10>(c, N, Wm, w, t, R, 0);
      mix_chunk<T, 10>(c, N, Wm, w, t, R, 10 * W);
      return true;
    case 28:
      mix_chunk<T, 14>(c, N, Wm, w, t, R, 0);
      mix_chunk<T, 14>(c, N, Wm, w, t, R, 14 * W);
      return true;
    default: return false;
  }
}

// One path on one block. WS: weights shared by all samples (scalars).
template <class T, bool WS>
EG_TP_INLINE void block_path(const Plan<T>& P, const Path<T>& p, const Block<T>& B) {
  const int out = P.out;
  const int64_t U = p.U, V = p.V, Wm = p.Wm, d1 = p.d1, d2 = p.d2, d3 = p.d3;
  const int32_t* ci = P.ci.data() + p.c0;
  const int32_t* cj = P.cj.data() + p.c0;
  const int32_t* ck = P.ck.data() + p.c0;
  const T* cv = P.cv.data() + p.c0;
  const int64_t nc = p.nc;
  const bool hw = p.has[SW];
  // x1[u, i], x2[v, j], out[ch, k] as vectors over the block.
  T* a = B.v[SX1] + p.off[SX1] * ZB;
  const bool hb = p.has[SX2];
  T* b = hb ? B.v[SX2] + p.off[SX2] * ZB : const_cast<T*>(ones<T>());
  T* c = B.v[SOUT] + p.off[SOUT] * ZB;
  auto A = [&](int64_t u, int64_t i) { return a + (u * d1 + i) * ZB; };
  auto Bv = [&](int64_t v, int64_t j) { return hb ? b + (v * d2 + j) * ZB : b; };
  auto C = [&](int64_t ch, int64_t k) { return c + (ch * d3 + k) * ZB; };
  // Weight idx of this path: a scalar (WS) or a vector; absent weights are 1.
  const T* wsc = WS && hw ? B.w + p.off[SW] : nullptr;
  T* wvec = !WS && hw ? B.v[SW] + p.off[SW] * ZB : nullptr;
  T* wacc = out == SW && WS ? B.wacc + p.off[SW] : nullptr;
  T* tmp = B.tmp;

  // dst[z] += W(idx) * src[z] over n elements (n a multiple of ZB, ordered (…, z)).
  auto wax = [&](T* __restrict dst, int64_t idx, const T* __restrict src, int64_t n) {
    if (!hw) {
      vaxpy(dst, T(1), src, n);
    } else if (WS) {
      vaxpy(dst, wsc[idx], src, n);
    } else {
      const T* wv = wvec + idx * ZB;
      for (int64_t t0 = 0; t0 < n; t0 += ZB)
        for (int z = 0; z < ZB; ++z) dst[t0 + z] += wv[z] * src[t0 + z];
    }
  };
  // Gradient of weight idx += Σ (g · t) over n elements.
  auto wgrad = [&](int64_t idx, const T* __restrict g, const T* __restrict t, int64_t n) {
    if (WS) {
      wacc[idx] += vdot(g, t, n);
    } else {
      T* wv = wvec + idx * ZB;
      for (int64_t t0 = 0; t0 < n; t0 += ZB)
        for (int z = 0; z < ZB; ++z) wv[z] += g[t0 + z] * t[t0 + z];
    }
  };

  switch (p.mode) {
    case EG_TP_UVW: {
      // T[v][k] = Σ_e c x1[u,i] x2[v,j] for one u; H[k] = Σ_w W[u,v,w] g[w,k].
      T* Tt = tmp;  // [V][d3][ZB]
      const int64_t row = d3 * ZB;
      if (out == SOUT && WS && U * V * row <= kUvwBlock) {
        // Shared weights: T for every (u, v) first, then one register-blocked
        // pass per output channel (out rows are read and written once).
        vzero(Tt, U * V * row);
        for (int64_t u = 0; u < U; ++u)
          for (int64_t v = 0; v < V; ++v)
            for (int64_t e = 0; e < nc; ++e)
              vfma2(Tt + (u * V + v) * row + ck[e] * ZB, cv[e], A(u, ci[e]), Bv(v, cj[e]));
        if (mix_rows(C(0, 0), Wm, wsc, Tt, U * V, d3)) break;
        for (int64_t r = 0; r < U * V; ++r)
          for (int64_t w = 0; w < Wm; ++w) vaxpy(C(w, 0), wsc[r * Wm + w], Tt + r * row, row);
        break;
      }
      for (int64_t u = 0; u < U; ++u) {
        if (out == SOUT || out == SW) {
          vzero(Tt, V * row);
          for (int64_t v = 0; v < V; ++v)
            for (int64_t e = 0; e < nc; ++e) vfma2(Tt + v * row + ck[e] * ZB, cv[e], A(u, ci[e]), Bv(v, cj[e]));
          for (int64_t v = 0; v < V; ++v)
            for (int64_t w = 0; w < Wm; ++w) {
              const int64_t idx = (u * V + v) * Wm + w;
              if (out == SOUT) wax(C(w, 0), idx, Tt + v * row, row);
              else wgrad(idx, C(w, 0), Tt + v * row, row);
            }
        } else {
          T* H = tmp;  // [d3][ZB]
          for (int64_t v = 0; v < V; ++v) {
            if (!(WS && hw && gather_row(H, Wm, wsc + (u * V + v) * Wm, C(0, 0), d3))) {
              vzero(H, row);
              for (int64_t w = 0; w < Wm; ++w) wax(H, (u * V + v) * Wm + w, C(w, 0), row);
            }
            if (out == SX1)
              for (int64_t e = 0; e < nc; ++e) vfma2(A(u, ci[e]), cv[e], Bv(v, cj[e]), H + ck[e] * ZB);
            else
              for (int64_t e = 0; e < nc; ++e) vfma2(Bv(v, cj[e]), cv[e], A(u, ci[e]), H + ck[e] * ZB);
          }
        }
      }
      break;
    }
    case EG_TP_UVU: {
      T* Y = tmp;  // [d2][ZB]
      const int64_t row = d2 * ZB;
      for (int64_t u = 0; u < U; ++u) {
        vzero(Y, row);
        if (out == SOUT || out == SX1) {
          // Y[j] = Σ_v W[u,v] x2[v,j]
          for (int64_t v = 0; v < V; ++v) wax(Y, u * V + v, Bv(v, 0), row);
          if (out == SOUT)
            for (int64_t e = 0; e < nc; ++e) vfma2(C(u, ck[e]), cv[e], A(u, ci[e]), Y + cj[e] * ZB);
          else
            for (int64_t e = 0; e < nc; ++e) vfma2(A(u, ci[e]), cv[e], Y + cj[e] * ZB, C(u, ck[e]));
        } else {
          // Y[j] = Σ_e c x1[u,i] g[u,k]
          for (int64_t e = 0; e < nc; ++e) vfma2(Y + cj[e] * ZB, cv[e], A(u, ci[e]), C(u, ck[e]));
          for (int64_t v = 0; v < V; ++v) {
            if (out == SX2) wax(Bv(v, 0), u * V + v, Y, row);
            else wgrad(u * V + v, Bv(v, 0), Y, row);
          }
        }
      }
      break;
    }
    case EG_TP_UUU:
    case EG_TP_UVUV: {
      const bool uuu = p.mode == EG_TP_UUU;
      T* S = tmp;  // [ZB]
      for (int64_t u = 0; u < U; ++u)
        for (int64_t v = 0; v < (uuu ? 1 : V); ++v) {
          const int64_t vv = uuu ? (hb ? u : 0) : v;
          const int64_t ch = uuu ? u : u * V + v;
          const int64_t idx = uuu ? u : u * V + v;
          vzero(S, ZB);
          // S = Σ_e c (product of the two other non-weight slots) scattered into the output
          if (out == SW) {
            for (int64_t e = 0; e < nc; ++e) {
              const T* x = A(u, ci[e]);
              const T* y = Bv(vv, cj[e]);
              const T* g = C(ch, ck[e]);
              for (int z = 0; z < ZB; ++z) S[z] += cv[e] * x[z] * y[z] * g[z];
            }
            wgrad(idx, ones<T>(), S, ZB);
          } else {
            // unweighted term into a temporary of the output's row, then scaled by W
            T* R = tmp + ZB;  // [dim of output][ZB]
            const int64_t dn = out == SOUT ? d3 : out == SX1 ? d1 : d2;
            vzero(R, dn * ZB);
            for (int64_t e = 0; e < nc; ++e) {
              if (out == SOUT) vfma2(R + ck[e] * ZB, cv[e], A(u, ci[e]), Bv(vv, cj[e]));
              else if (out == SX1) vfma2(R + ci[e] * ZB, cv[e], Bv(vv, cj[e]), C(ch, ck[e]));
              else vfma2(R + cj[e] * ZB, cv[e], A(u, ci[e]), C(ch, ck[e]));
            }
            T* dst = out == SOUT ? C(ch, 0) : out == SX1 ? A(u, 0) : Bv(vv, 0);
            wax(dst, idx, R, dn * ZB);
          }
        }
      break;
    }
    default: break;
  }
}

// Samples [z0, z1): transposes the inputs block by block, runs every path,
// writes slot P.out into dst (dst_stride 0: shared weights, summed over samples).
template <class T, bool WS>
EG_TP_INLINE void run_range_impl(const Plan<T>* plan, int64_t z0, int64_t z1, T* dst,
                                 int64_t dst_stride, T* scratch) {
  const Plan<T>& P = *plan;
  Block<T> B{};
  T* cursor = scratch;
  for (int s = 0; s < 4; ++s) {
    B.v[s] = nullptr;
    if (P.size[s] == 0 || (s == SW && WS)) continue;
    B.v[s] = cursor;
    cursor += P.size[s] * ZB;
  }
  B.tmp = cursor;
  B.w = WS && P.out != SW ? P.ptr[SW] : nullptr;
  B.wacc = WS && P.out == SW ? dst : nullptr;
  for (int64_t zb = z0; zb < z1; zb += ZB) {
    const int nz = int(std::min<int64_t>(ZB, z1 - zb));
    for (int s = 0; s < 4; ++s) {
      T* v = B.v[s];
      if (!v) continue;
      const int64_t n = P.size[s];
      if (s == P.out) {
        vzero(v, n * ZB);
        continue;
      }
      const T* src = P.ptr[s];
      const int64_t st = P.stride[s];
      const T* base = src + zb * st;
      if (nz == ZB) {
        for (int64_t c = 0; c < n; ++c) {
          T* __restrict vc = v + c * ZB;
          for (int z = 0; z < ZB; ++z) vc[z] = base[z * st + c];
        }
      } else {
        for (int64_t c = 0; c < n; ++c)
          for (int z = 0; z < ZB; ++z) v[c * ZB + z] = z < nz ? base[z * st + c] : T(0);
      }
    }
    for (const Path<T>& p : P.paths)
      if (p.has[P.out]) block_path<T, WS>(P, p, B);  // a path without the output slot adds nothing
    if (B.v[P.out]) {
      const T* v = B.v[P.out];
      const int64_t n = P.size[P.out];
      for (int z = 0; z < nz; ++z) {
        T* row = dst + (zb + z) * dst_stride;
        for (int64_t c = 0; c < n; ++c) row[c] = v[c * ZB + z];
      }
    }
  }
}

template <class T>
using RangeFn = void (*)(const Plan<T>*, int64_t, int64_t, T*, int64_t, T*);

template <class T, bool WS>
void run_range_generic(const Plan<T>* P, int64_t z0, int64_t z1, T* dst, int64_t ds, T* tmp) {
  run_range_impl<T, WS>(P, z0, z1, dst, ds, tmp);
}
#ifdef EG_HAVE_AVX2
template <class T, bool WS>
EG_TARGET_AVX2 void run_range_avx2(const Plan<T>* P, int64_t z0, int64_t z1, T* dst, int64_t ds,
                                      T* tmp) {
  run_range_impl<T, WS>(P, z0, z1, dst, ds, tmp);
}
#endif

template <class T>
RangeFn<T> range_fn(bool ws) {
#ifdef EG_HAVE_AVX2
  if (eg::has_avx2()) return ws ? &run_range_avx2<T, true> : &run_range_avx2<T, false>;
#endif
  return ws ? &run_range_generic<T, true> : &run_range_generic<T, false>;
}

// ------------------------------------------------------------------- driver

template <class T>
eg_status run(const int32_t* segments, int32_t num_segments, const int32_t* paths,
              int32_t num_paths, const int32_t* coeff_index, const double* coeff_value,
              int32_t num_coeffs, const int64_t* operand_sizes, const void* const* operands,
              const int64_t* batch_strides, int64_t batch, int out_slot, void* out_ptr) {
  const char* fn = "eg_segmented_tensor_product";
  Plan<T> P;
  P.out = out_slot;
  bool present[4];
  for (int s = 0; s < 4; ++s) {
    if (operand_sizes[s] < 0 || batch_strides[s] < 0)
      return eg::fail(EG_ERR_ARGUMENT, "%s: operand %d has a negative size or stride", fn, s);
    present[s] = operand_sizes[s] > 0;
    if (s == out_slot) {
      P.ptr[s] = nullptr;
    } else if (!present[s]) {
      P.ptr[s] = one<T>();
    } else {
      // An empty batch reads nothing: bindings pass null for empty typed arrays.
      if (!operands[s] && batch > 0) return eg::fail(EG_ERR_ARGUMENT, "%s: operand %d is null", fn, s);
      P.ptr[s] = static_cast<const T*>(operands[s]);
    }
    P.stride[s] = batch_strides[s];
    P.size[s] = operand_sizes[s];
  }
  if (!present[out_slot])
    return eg::fail(EG_ERR_ARGUMENT, "%s: the output slot %d is absent (size 0)", fn, out_slot);
  if (batch_strides[out_slot] == 0 && out_slot != SW)
    return eg::fail(EG_ERR_UNSUPPORTED, "%s: only the weights (slot 0) may be an output summed over the batch (stride 0)", fn);
  if (!present[SX1] || !present[SOUT])
    return eg::fail(EG_ERR_ARGUMENT, "%s: slots x1 (1) and out (3) must be present", fn);

  for (int32_t s = 0; s < num_segments; ++s) {
    const int32_t* g = segments + 4 * s;
    if (g[0] < 0 || g[0] > 3 || g[1] < 0 || g[2] < 0 || g[3] < 1 ||
        int64_t(g[1]) + int64_t(g[2]) * g[3] > operand_sizes[g[0]])
      return eg::fail(EG_ERR_ARGUMENT,
                      "%s: segment %d (slot %d, offset %d, %d x %d) does not fit its operand", fn,
                      int(s), int(g[0]), int(g[1]), int(g[2]), int(g[3]));
  }
  P.ci.resize(size_t(num_coeffs));
  P.cj.resize(size_t(num_coeffs));
  P.ck.resize(size_t(num_coeffs));
  P.cv.resize(size_t(num_coeffs));
  P.paths.reserve(size_t(num_paths));
  int64_t scratch = 1, max_dim = 1;
  for (int32_t q = 0; q < num_paths; ++q) {
    const int32_t* r = paths + 8 * q;
    Path<T> p{};
    p.mode = r[0];
    int64_t mul[4] = {1, 1, 1, 1}, dim[4] = {1, 1, 1, 1};
    for (int s = 0; s < 4; ++s) {
      const int32_t seg = r[1 + s];
      p.has[s] = seg >= 0;
      if (seg >= num_segments || (seg >= 0 && segments[4 * seg] != s))
        return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: segment %d of slot %d is not a segment of that slot",
                        fn, int(q), int(seg), s);
      if (p.has[s] && !present[s])
        return eg::fail(EG_ERR_ARGUMENT, "%s: path %d uses slot %d, which is absent (size 0) in the call",
                        fn, int(q), s);
      if (seg >= 0) {
        p.off[s] = segments[4 * seg + 1];
        mul[s] = segments[4 * seg + 2];
        dim[s] = segments[4 * seg + 3];
      }
    }
    if (!p.has[SX1] || !p.has[SOUT])
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d must use slots x1 and out", fn, int(q));
    if (p.has[SW] && dim[SW] != 1)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: weight segments must have dim 1", fn, int(q));
    p.U = mul[SX1];
    p.V = mul[SX2];
    p.Wm = mul[SOUT];
    p.d1 = dim[SX1];
    p.d2 = dim[SX2];
    p.d3 = dim[SOUT];
    int64_t want_out = 0, want_w = 0;
    switch (p.mode) {
      case EG_TP_UVW: want_out = p.Wm; want_w = p.U * p.V * p.Wm; break;
      case EG_TP_UVU: want_out = p.U; want_w = p.U * p.V; break;
      case EG_TP_UUU:
        want_out = p.U; want_w = p.U;
        if (p.has[SX2] && p.V != p.U)
          return eg::fail(EG_ERR_ARGUMENT, "%s: path %d (uuu): x1 and x2 multiplicities differ", fn, int(q));
        break;
      case EG_TP_UVUV: want_out = p.U * p.V; want_w = p.U * p.V; break;
      default: return eg::fail(EG_ERR_ARGUMENT, "%s: path %d has unknown mode %d", fn, int(q), int(p.mode));
    }
    if (p.mode == EG_TP_UVW && !p.has[SW])
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: mode uvw needs weights", fn, int(q));
    if (p.Wm != want_out)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: output multiplicity %lld, mode needs %lld", fn,
                      int(q), (long long)p.Wm, (long long)want_out);
    if (p.has[SW] && mul[SW] != want_w)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: weight block has %lld weights, mode needs %lld", fn,
                      int(q), (long long)mul[SW], (long long)want_w);
    p.c0 = r[5];
    p.nc = r[6];
    if (p.c0 < 0 || p.nc < 0 || p.c0 + p.nc > num_coeffs)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: coefficient range out of bounds", fn, int(q));
    for (int64_t e = p.c0; e < p.c0 + p.nc; ++e) {
      const int32_t* ix = coeff_index + 3 * e;
      if (ix[0] < 0 || ix[0] >= p.d1 || ix[1] < 0 || ix[1] >= p.d2 || ix[2] < 0 || ix[2] >= p.d3)
        return eg::fail(EG_ERR_INDEX, "%s: path %d: coefficient %lld index (%d, %d, %d) outside (%lld, %lld, %lld)",
                        fn, int(q), (long long)e, int(ix[0]), int(ix[1]), int(ix[2]),
                        (long long)p.d1, (long long)p.d2, (long long)p.d3);
      P.ci[size_t(e)] = ix[0];
      P.cj[size_t(e)] = ix[1];
      P.ck[size_t(e)] = ix[2];
      P.cv[size_t(e)] = T(coeff_value[e]);
    }
    scratch = std::max({scratch, p.V * p.d3, p.d1 + 1, p.d2 + 1, p.d3 + 1});
    if (p.U * p.V * p.d3 * ZB <= kUvwBlock) scratch = std::max(scratch, p.U * p.V * p.d3);
    max_dim = std::max({max_dim, p.d1, p.d2, p.d3});
    P.paths.push_back(p);
  }
  // Per chunk: SoA copies of every per-sample slot, then the per-path scratch.
  const bool ws = present[SW] && batch_strides[SW] == 0;
  int64_t soa = 0;
  for (int s = 0; s < 4; ++s)
    if (present[s] && !(s == SW && ws)) soa += operand_sizes[s];
  P.scratch = (soa + scratch + 1) * ZB;

  T* out = static_cast<T*>(out_ptr);
  const int64_t out_size = operand_sizes[out_slot];
  const int64_t out_stride = batch_strides[out_slot];
  const RangeFn<T> range = range_fn<T>(ws);
  // An output with no elements (empty batch, batch-strided) may be null.
  if (!out && (batch > 0 || out_stride == 0)) return eg::fail(EG_ERR_ARGUMENT, "%s: out is null", fn);
  if (batch <= 0) {
    std::fill(out, out + (out_stride == 0 ? out_size : 0), T(0));
    return EG_OK;
  }
  if (out_stride != 0) {
    std::fill(out, out + (batch - 1) * out_stride + out_size, T(0));
    eg::parallel_for(0, batch, [&](int64_t lo, int64_t hi) {
      std::vector<T> tmp(size_t(P.scratch));
      range(&P, lo, hi, out, out_stride, tmp.data());
    }, 8);
    return EG_OK;
  }
  // Output shared by all samples: one partial sum per chunk, added in chunk order.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(eg::num_threads(), batch / 32));
  std::vector<T> partial(size_t(chunks * out_size), T(0));
  eg::parallel_for(0, chunks, [&](int64_t lo, int64_t hi) {
    std::vector<T> tmp(size_t(P.scratch));
    for (int64_t ch = lo; ch < hi; ++ch) {
      const int64_t z0 = batch * ch / chunks, z1 = batch * (ch + 1) / chunks;
      range(&P, z0, z1, partial.data() + ch * out_size, 0, tmp.data());
    }
  });
  std::fill(out, out + out_size, T(0));
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const T* src = partial.data() + ch * out_size;
    for (int64_t i = 0; i < out_size; ++i) out[i] += src[i];
  }
  return EG_OK;
}

}  // namespace

extern "C" eg_status eg_segmented_tensor_product(
    eg_dtype dtype, const int32_t* segments, int32_t num_segments, const int32_t* paths,
    int32_t num_paths, const int32_t* coeff_index, const double* coeff_value, int32_t num_coeffs,
    const int64_t* operand_sizes, const void* const* operands, const int64_t* batch_strides,
    int64_t batch, int out_operand, void* out) {
  EG_GUARD_BEGIN
  const char* fn = "eg_segmented_tensor_product";
  if (!segments || !paths || !operand_sizes || !operands || !batch_strides ||
      (num_coeffs > 0 && (!coeff_index || !coeff_value)))
    return eg::fail(EG_ERR_ARGUMENT, "%s: null descriptor or operand array", fn);
  if (num_segments < 0 || num_paths < 0 || num_coeffs < 0 || batch < 0)
    return eg::fail(EG_ERR_ARGUMENT, "%s: negative count", fn);
  if (out_operand < 0 || out_operand > 3)
    return eg::fail(EG_ERR_ARGUMENT, "%s: output slot %d is not in 0..3", fn, out_operand);
  switch (dtype) {
    case EG_F32:
      return run<float>(segments, num_segments, paths, num_paths, coeff_index, coeff_value,
                        num_coeffs, operand_sizes, operands, batch_strides, batch, out_operand, out);
    case EG_F64:
      return run<double>(segments, num_segments, paths, num_paths, coeff_index, coeff_value,
                         num_coeffs, operand_sizes, operands, batch_strides, batch, out_operand, out);
    default:
      return eg::fail(EG_ERR_UNSUPPORTED, "%s: dtype must be float32 or float64", fn);
  }
  EG_GUARD_END("eg_segmented_tensor_product")
}
