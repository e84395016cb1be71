// Fused graph convolution with a channelwise ('uvu') tensor product
// (eg_tp_convolution, see native/include/equigraph.h):
//
//   out[dst_e] += TP_uvu(x1[src_e], x2_e; W_e)      summed over the edges e
//
// without materialising one output row per edge. The product is a
// multilinear form in four slots, two of them per edge (W, x2) and two per
// node (x1 at the edge's source, out at its target); the kernel computes any
// one slot from the other three, so the backward passes are the same call:
//   out slot 3 (forward)  node rows of the target, edges grouped by target
//   out slot 1 (grad x1)  node rows of the source, edges grouped by source
//   out slot 0 (grad W)   one row per edge
//   out slot 2 (grad x2)  one row per edge
// A node output is accumulated while the thread walks that node's edges (a
// stable counting sort of the edges by node), so every output element is a
// sum in a fixed order: deterministic for any thread count, and parallel
// over output nodes without atomics. Per-edge outputs are computed walking
// the edges grouped by target (the target's row stays in cache) and written
// at their own position.
//
// Vectorisation is over the channels u (a segment's multiplicity): node rows
// are transposed once per call, segment by segment, from e3nn's
// [u][component] to [component][u]. Per edge and path, the coefficients and
// the edge attribute collapse into a small dense matrix
//   M[i][k] = sum_j c[i,j,k] x2[v,j]            (d1 x d3)
// and the path is, per vector of channels, y[k] += M[i][k] * (W[u] x1[i][u]):
// a register-blocked product (dimensions 1, 3, 5, 7 are compile-time, others
// a generic loop) whose accumulators stay in registers over all the edges of
// a node, so the output row is loaded and stored once per node.
//
// Memory beyond the operands: the node slots read transposed (node-sized
// copies), a CSR (2 num_edges + num_nodes + 1 integers) and a few rows of
// scratch per thread; nothing of size num_edges x width.
#include <algorithm>
#include <cstring>
#include <vector>

#include "simd.h"
#include "internal.h"
#include "parallel.h"

#if defined(__GNUC__)
#define EG_TC_INLINE inline __attribute__((always_inline))
#pragma GCC diagnostic ignored "-Wpsabi"
#else
#define EG_TC_INLINE inline
#endif

namespace {

enum Slot { SW = 0, SX1 = 1, SX2 = 2, SOUT = 3 };

// Largest component count of a node segment (l <= 7).
constexpr int kMaxD = 15;
// Edges whose matrices M are built at once (node outputs).
constexpr int kEB = 16;
// Edges ahead whose rows are prefetched (edge outputs).
constexpr int64_t kPrefetchAhead = 3;

struct CPath {
  bool has[4];
  int64_t off[4];
  int64_t U, V, d1, d2, d3;
  int64_t t0, nt;   // terms (i, j, k, c) [t0, t0 + nt) in the plan
  int64_t m_off;    // offset of this path's matrices (V of them) in an edge's M block
};

template <class T>
struct CPlan {
  std::vector<CPath> paths;
  std::vector<int32_t> ti, tj, tk;
  std::vector<T> tc;
  // The same terms packed for build_m: index into M ([i][k], or [k][i] when computing x1), j, c.
  struct Term {
    int32_t m, j;
    T c;
  };
  std::vector<Term> terms;
  int64_t size[4];
  const T* ptr[4];
  int out;
  int64_t max_u, m_size;  // M block of one edge: sum over paths with the output slot of V * d_in * d_out
  // Segments (offset, mul, dim) of each node slot, for the transposes.
  std::vector<int64_t> node_segs[4];
};

// ------------------------------------------------------------- vector lanes

// A lane: W channels processed together (a 32-byte vector, or one scalar for tails).
template <class T, bool VECTOR>
struct Lane;
template <class T>
struct Lane<T, true> {
  typedef eg::Vec<T> V;
  static constexpr int W = int(32 / sizeof(T));
  static EG_TC_INLINE V load(const T* p) { return *reinterpret_cast<const V*>(p); }
  static EG_TC_INLINE void store(T* p, const V& v) { *reinterpret_cast<V*>(p) = v; }
  static EG_TC_INLINE V zero() { return V{}; }
  static EG_TC_INLINE T sum(V v) {
    T s = 0;
    for (int i = 0; i < W; ++i) s += v[i];
    return s;
  }
};
template <class T>
struct Lane<T, false> {
  typedef T V;
  static constexpr int W = 1;
  static EG_TC_INLINE V load(const T* p) { return *p; }
  static EG_TC_INLINE void store(T* p, V v) { *p = v; }
  static EG_TC_INLINE V zero() { return T(0); }
  static EG_TC_INLINE T sum(V v) { return v; }
};

// Prefetches n elements starting at p (one touch per 64-byte line).
template <class T>
EG_TC_INLINE void prefetch_row(const T* p, int64_t n) {
  const char* b = reinterpret_cast<const char*>(p);
  const int64_t bytes = n * int64_t(sizeof(T));
  for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(b + o, 0, 3);
}

// ------------------------------------------------------------- path kernels
//
// DI, DO: compile-time component counts (0: runtime, up to kMaxD).

// Node output: acc[k][u] += sum over the nb edges b of sum_i M_b[i][k] * w_b[u] * in_b[i][u].
// in[b]: the edge's input node row at the path's input segment ([i][u]); w[b]: its U weights
// (nullptr: unweighted); m[b]: its d_in x d_out matrix, entries kEB apart (see build_m_block).
template <class T, class L, int DI, int DO>
EG_TC_INLINE void node_path(int64_t nb, const T* const* in, const T* const* w, const T* const* m, T* acc, int64_t U,
                            int64_t din, int64_t dout, int64_t u0, int64_t u1) {
  typedef typename L::V V;
  const int64_t di = DI ? DI : din, dO = DO ? DO : dout;
  const bool hw = w[0] != nullptr;
  for (int64_t u = u0; u < u1; u += L::W) {
    V y[DO ? DO : kMaxD];
    for (int64_t k = 0; k < dO; ++k) y[k] = L::load(acc + k * U + u);
    for (int64_t b = 0; b < nb; ++b) {
      const T* ib = in[b] + u;
      const T* M = m[b];
      V x[DI ? DI : kMaxD];
      if (hw) {
        const V wv = L::load(w[b] + u);
        for (int64_t i = 0; i < di; ++i) x[i] = wv * L::load(ib + i * U);
      } else {
        for (int64_t i = 0; i < di; ++i) x[i] = L::load(ib + i * U);
      }
      for (int64_t i = 0; i < di; ++i)
        for (int64_t k = 0; k < dO; ++k) y[k] = eg::madd(M[(i * dO + k) * kEB], x[i], y[k]);
    }
    for (int64_t k = 0; k < dO; ++k) L::store(acc + k * U + u, y[k]);
  }
}

// Weight gradient of one edge and path: gw[u] = sum_{i,k} M[i][k] x[i][u] g[k][u].
template <class T, class L, int D1, int D3>
EG_TC_INLINE void gw_path(const T* x, const T* g, const T* M, T* gw, int64_t U, int64_t d1, int64_t d3, int64_t u0,
                          int64_t u1) {
  typedef typename L::V V;
  const int64_t n1 = D1 ? D1 : d1, n3 = D3 ? D3 : d3;
  for (int64_t u = u0; u < u1; u += L::W) {
    V gk[D3 ? D3 : kMaxD];
    for (int64_t k = 0; k < n3; ++k) gk[k] = L::load(g + k * U + u);
    V acc = L::zero();
    for (int64_t i = 0; i < n1; ++i) {
      V h = L::zero();
      for (int64_t k = 0; k < n3; ++k) h = eg::madd(M[i * n3 + k], gk[k], h);
      acc = eg::madd(L::load(x + i * U + u), h, acc);
    }
    L::store(gw + u, acc);
  }
}

// Edge-attribute gradient pieces of one edge and path: P[i][k] = sum_u w[u] x[i][u] g[k][u], kept
// as vectors of W lane sums (PV[(i * d3 + k) * W + lane], the channel tail added to lane 0), so
// the caller reduces lanes once per x2 component rather than once per (i, k).
template <class T, int D3>
EG_TC_INLINE void pair_sums(const T* x, const T* g, const T* w, T* PV, int64_t U, int64_t d1, int64_t d3) {
  typedef Lane<T, true> L;
  typedef typename L::V V;
  const int64_t n3 = D3 ? D3 : d3;
  const int64_t uv = U - U % L::W;
  for (int64_t i = 0; i < d1; ++i) {
    const T* xi = x + i * U;
    V acc[D3 ? D3 : kMaxD];
    for (int64_t k = 0; k < n3; ++k) acc[k] = L::zero();
    for (int64_t u = 0; u < uv; u += L::W) {
      const V a = w ? L::load(w + u) * L::load(xi + u) : L::load(xi + u);
      for (int64_t k = 0; k < n3; ++k) acc[k] = eg::madd(a, L::load(g + k * U + u), acc[k]);
    }
    for (int64_t k = 0; k < n3; ++k) {
      T* pv = PV + (i * n3 + k) * L::W;
      L::store(pv, acc[k]);
      T s = 0;
      for (int64_t u = uv; u < U; ++u) s += (w ? w[u] * xi[u] : xi[u]) * g[k * U + u];
      pv[0] += s;
    }
  }
}

// Dispatch on the (d_in, d_out) pair: 1, 3, 5, 7 compile-time, anything else generic.
#define EG_TC_DISPATCH2(KERNEL, A, B, ...)                                   \
  do {                                                                      \
    const int64_t da_ = (A), db_ = (B);                                     \
    switch (da_ * 16 + db_) {                                               \
      EG_TC_CASES_B(KERNEL, 1, __VA_ARGS__)                                 \
      EG_TC_CASES_B(KERNEL, 3, __VA_ARGS__)                                 \
      EG_TC_CASES_B(KERNEL, 5, __VA_ARGS__)                                 \
      EG_TC_CASES_B(KERNEL, 7, __VA_ARGS__)                                 \
      default: KERNEL<0, 0>(__VA_ARGS__); break;                            \
    }                                                                       \
  } while (0)
#define EG_TC_CASES_B(KERNEL, a, ...)                                        \
  case a * 16 + 1: KERNEL<a, 1>(__VA_ARGS__); break;                        \
  case a * 16 + 3: KERNEL<a, 3>(__VA_ARGS__); break;                        \
  case a * 16 + 5: KERNEL<a, 5>(__VA_ARGS__); break;                        \
  case a * 16 + 7: KERNEL<a, 7>(__VA_ARGS__); break;

template <class T>
struct NodePathCall {
  template <int DI, int DO>
  static EG_TC_INLINE void run(int64_t nb, const T* const* in, const T* const* w, const T* const* m, T* acc, int64_t U,
                               int64_t din, int64_t dout) {
    constexpr int W = Lane<T, true>::W;
    const int64_t uv = U - U % W;
    node_path<T, Lane<T, true>, DI, DO>(nb, in, w, m, acc, U, din, dout, 0, uv);
    if (uv < U) node_path<T, Lane<T, false>, DI, DO>(nb, in, w, m, acc, U, din, dout, uv, U);
  }
};
template <class T>
struct GwPathCall {
  template <int D1, int D3>
  static EG_TC_INLINE void run(const T* x, const T* g, const T* M, T* gw, int64_t U, int64_t d1, int64_t d3) {
    constexpr int W = Lane<T, true>::W;
    const int64_t uv = U - U % W;
    gw_path<T, Lane<T, true>, D1, D3>(x, g, M, gw, U, d1, d3, 0, uv);
    if (uv < U) gw_path<T, Lane<T, false>, D1, D3>(x, g, M, gw, U, d1, d3, uv, U);
  }
};
#define EG_TC_NODE_PATH NodePathCall<T>::template run
#define EG_TC_GW_PATH GwPathCall<T>::template run

// M[i][k] (or M[k][i] for grad x1) = sum_j c x2[v, j] over the path's terms, which the plan
// sorts by their entry of M, so every entry is summed in a register and stored once.
template <class T>
EG_TC_INLINE void build_m(const CPlan<T>& P, const CPath& p, const T* x2, int64_t v, T* M) {
  const int64_t dn = p.d1 * p.d3;
  for (int64_t t = 0; t < dn; ++t) M[t] = T(0);
  const typename CPlan<T>::Term* tm = P.terms.data() + p.t0;
  const T* xv = p.has[SX2] ? x2 + p.off[SX2] + v * p.d2 : nullptr;
  int64_t t = 0;
  while (t < p.nt) {
    const int32_t m = tm[t].m;
    T acc = 0;
    if (xv)
      for (; t < p.nt && tm[t].m == m; ++t) acc += tm[t].c * xv[tm[t].j];
    else
      for (; t < p.nt && tm[t].m == m; ++t) acc += tm[t].c;
    M[m] = acc;
  }
}

// build_m for the nb (<= kEB) edges of a block at once, as vectors over the edges: entry m of
// edge b's matrix at Mb[m * kEB + b] (the same sums in the same order as build_m; entries of
// edges b >= nb are 0). x2[b]: edge b's attribute row (nullptr without slot 2); X: d2 * kEB
// scratch. Per term one vector update for all the edges rather than one scalar per edge, which
// also keeps the running sums out of a spill-prone scalar loop (V8 spills it at every exit).
template <class T>
EG_TC_INLINE void build_m_block(const CPlan<T>& P, const CPath& p, const T* const* x2, int64_t nb, int64_t v, T* Mb,
                                T* X) {
  typedef eg::Vec<T> V;
  constexpr int W = int(32 / sizeof(T)), NV = kEB / W;
  static_assert(kEB % W == 0, "kEB must be a whole number of vectors");
  const typename CPlan<T>::Term* tm = P.terms.data() + p.t0;
  const int64_t dn = p.d1 * p.d3;
  for (int64_t t = 0; t < dn * kEB; ++t) Mb[t] = T(0);
  if (!p.has[SX2]) {  // the same matrix for every edge
    int64_t t = 0;
    while (t < p.nt) {
      const int32_t m = tm[t].m;
      T acc = 0;
      for (; t < p.nt && tm[t].m == m; ++t) acc += tm[t].c;
      for (int64_t b = 0; b < nb; ++b) Mb[m * kEB + b] = acc;
    }
    return;
  }
  const int64_t off = p.off[SX2] + v * p.d2;
  for (int64_t j = 0; j < p.d2; ++j)
    for (int64_t b = 0; b < kEB; ++b) X[j * kEB + b] = b < nb ? x2[b][off + j] : T(0);
  int64_t t = 0;
  while (t < p.nt) {
    const int32_t m = tm[t].m;
    V acc[NV] = {};
    for (; t < p.nt && tm[t].m == m; ++t) {
      const T c = tm[t].c;
      const T* xj = X + tm[t].j * kEB;
#pragma GCC unroll 4
      for (int h = 0; h < NV; ++h) acc[h] = eg::madd(c, *reinterpret_cast<const V*>(xj + h * W), acc[h]);
    }
#pragma GCC unroll 4
    for (int h = 0; h < NV; ++h) *reinterpret_cast<V*>(Mb + m * kEB + h * W) = acc[h];
  }
}

// ------------------------------------------------------------- node layouts

// Row [u][c] -> [c][u] per segment of the slot (elements outside segments copied).
// Whether the segments (offset, mul, dim) of a slot cover all `size` elements (they do not overlap).
inline bool covers(const std::vector<int64_t>& segs, int64_t size) {
  int64_t n = 0;
  for (size_t s = 0; s < segs.size(); s += 3) n += segs[s + 1] * segs[s + 2];
  return n == size;
}

template <class T>
void to_channel_major(const std::vector<int64_t>& segs, const T* in, T* out, int64_t size) {
  if (!covers(segs, size)) std::memcpy(out, in, size_t(size) * sizeof(T));
  for (size_t s = 0; s < segs.size(); s += 3) {
    const int64_t off = segs[s], mul = segs[s + 1], dim = segs[s + 2];
    for (int64_t u = 0; u < mul; ++u)
      for (int64_t c = 0; c < dim; ++c) out[off + c * mul + u] = in[off + u * dim + c];
  }
}
template <class T>
void from_channel_major(const std::vector<int64_t>& segs, const T* in, T* out, int64_t size) {
  if (!covers(segs, size)) std::memcpy(out, in, size_t(size) * sizeof(T));
  for (size_t s = 0; s < segs.size(); s += 3) {
    const int64_t off = segs[s], mul = segs[s + 1], dim = segs[s + 2];
    for (int64_t u = 0; u < mul; ++u)
      for (int64_t c = 0; c < dim; ++c) out[off + u * dim + c] = in[off + c * mul + u];
  }
}

// -------------------------------------------------------------- part drivers

template <class T>
struct Job {
  const CPlan<T>* P;
  const int64_t* offsets;  // CSR over the grouping node
  const int32_t* perm;     // edges in CSR order
  const int32_t* other;    // per edge in CSR order, the node whose row it reads
  const T* nodeT[4];       // transposed node slots (1, 3) that are inputs
  T* out;
};

template <class T>
EG_TC_INLINE void run_nodes_impl(const Job<T>* J, int64_t n0, int64_t n1) {
  const CPlan<T>& P = *J->P;
  const int out = P.out;
  const int a = out == SOUT ? SX1 : SOUT;
  const bool tr = out == SX1;  // M as [k][i]
  std::vector<T> acc(size_t(P.size[out])), mbuf(size_t(kEB * std::max<int64_t>(P.m_size, 1))),
      wtmp(size_t(kEB * P.max_u)), xbuf;
  int64_t max_d2 = 0;
  for (const CPath& p : P.paths) max_d2 = std::max(max_d2, p.d2);
  xbuf.resize(size_t(kEB * max_d2));
  const T* W = P.ptr[SW];
  const T* X2 = P.ptr[SX2];
  const int64_t sw = P.size[SW], s2 = P.size[SX2], sa = P.size[a], so = P.size[out];
  const T* rows[kEB];
  const T* x2rows[kEB];
  const T* in[kEB];
  const T* wp[kEB];
  const T* mp[kEB];
  for (int64_t n = n0; n < n1; ++n) {
    std::fill(acc.begin(), acc.end(), T(0));
    for (int64_t r0 = J->offsets[n]; r0 < J->offsets[n + 1]; r0 += kEB) {
      const int64_t nb = std::min<int64_t>(kEB, J->offsets[n + 1] - r0);
      for (int64_t b = 0; b < nb; ++b) {
        const int64_t e = J->perm[r0 + b];
        rows[b] = J->nodeT[a] + int64_t(J->other[r0 + b]) * sa;
        prefetch_row(rows[b], sa);
        if (W) prefetch_row(W + e * sw, sw);
      }
      for (int64_t b = 0; b < nb; ++b) x2rows[b] = X2 ? X2 + int64_t(J->perm[r0 + b]) * s2 : nullptr;
      for (const CPath& p : P.paths) {
        if (!p.has[out]) continue;
        for (int64_t v = 0; v < p.V; ++v)
          build_m_block(P, p, x2rows, nb, v, mbuf.data() + (p.m_off + v * p.d1 * p.d3) * kEB, xbuf.data());
      }
      for (const CPath& p : P.paths) {
        if (!p.has[out]) continue;
        const int64_t U = p.U, din = tr ? p.d3 : p.d1, dout = tr ? p.d1 : p.d3;
        for (int64_t v = 0; v < p.V; ++v) {
          for (int64_t b = 0; b < nb; ++b) {
            in[b] = rows[b] + p.off[a];
            mp[b] = mbuf.data() + (p.m_off + v * p.d1 * p.d3) * kEB + b;
            if (!p.has[SW]) {
              wp[b] = nullptr;
            } else {
              const T* wr = W + int64_t(J->perm[r0 + b]) * sw + p.off[SW];
              if (p.V == 1) {
                wp[b] = wr;
              } else {
                T* wt = wtmp.data() + b * P.max_u;
                for (int64_t u = 0; u < U; ++u) wt[u] = wr[u * p.V + v];
                wp[b] = wt;
              }
            }
          }
          EG_TC_DISPATCH2(EG_TC_NODE_PATH, din, dout, nb, in, wp, mp, acc.data() + p.off[out], U, din, dout);
        }
      }
    }
    from_channel_major(P.node_segs[out], acc.data(), J->out + n * so, so);
  }
}

template <class T>
EG_TC_INLINE void run_edges_impl(const Job<T>* J, int64_t n0, int64_t n1) {
  const CPlan<T>& P = *J->P;
  const int out = P.out;
  constexpr int LW = Lane<T, true>::W;
  int64_t max_d2 = 0;
  for (const CPath& p : P.paths) max_d2 = std::max(max_d2, p.d2);
  std::vector<T> mbuf(size_t(kMaxD * kMaxD)), wtmp(size_t(P.max_u)), pbuf(size_t(kMaxD * kMaxD * LW)),
      gbuf(size_t(max_d2 * LW));
  const T* W = P.ptr[SW];
  const T* X2 = P.ptr[SX2];
  const int64_t sw = P.size[SW], s2 = P.size[SX2], s1 = P.size[SX1], s3 = P.size[SOUT], so = P.size[out];
  const int64_t r_end = J->offsets[n1];
  for (int64_t n = n0; n < n1; ++n) {
    const T* g = J->nodeT[SOUT] + n * s3;
    for (int64_t r = J->offsets[n]; r < J->offsets[n + 1]; ++r) {
      if (r + kPrefetchAhead < r_end) {
        const int64_t ef = J->perm[r + kPrefetchAhead];
        prefetch_row(J->nodeT[SX1] + int64_t(J->other[r + kPrefetchAhead]) * s1, s1);
        if (W) prefetch_row(W + ef * sw, sw);
      }
      const int64_t e = J->perm[r];
      const T* x1 = J->nodeT[SX1] + int64_t(J->other[r]) * s1;
      const T* w = W ? W + e * sw : nullptr;
      const T* x2 = X2 ? X2 + e * s2 : nullptr;
      T* row = J->out + e * so;
      std::fill(row, row + so, T(0));
      for (const CPath& p : P.paths) {
        if (!p.has[out]) continue;
        const int64_t U = p.U;
        const T* xa = x1 + p.off[SX1];
        const T* gb = g + p.off[SOUT];
        for (int64_t v = 0; v < p.V; ++v) {
          if (out == SW) {
            build_m(P, p, x2, v, mbuf.data());
            T* gw = p.V == 1 ? row + p.off[SW] : wtmp.data();
            EG_TC_DISPATCH2(EG_TC_GW_PATH, p.d1, p.d3, xa, gb, mbuf.data(), gw, U, p.d1, p.d3);
            if (p.V != 1)
              for (int64_t u = 0; u < U; ++u) row[p.off[SW] + u * p.V + v] = wtmp[size_t(u)];
          } else {  // SX2
            const T* wu = nullptr;
            if (p.has[SW]) {
              const T* wr = w + p.off[SW];
              if (p.V == 1) {
                wu = wr;
              } else {
                for (int64_t u = 0; u < U; ++u) wtmp[size_t(u)] = wr[u * p.V + v];
                wu = wtmp.data();
              }
            }
            switch (p.d3) {
              case 1: pair_sums<T, 1>(xa, gb, wu, pbuf.data(), U, p.d1, 1); break;
              case 3: pair_sums<T, 3>(xa, gb, wu, pbuf.data(), U, p.d1, 3); break;
              case 5: pair_sums<T, 5>(xa, gb, wu, pbuf.data(), U, p.d1, 5); break;
              case 7: pair_sums<T, 7>(xa, gb, wu, pbuf.data(), U, p.d1, 7); break;
              default: pair_sums<T, 0>(xa, gb, wu, pbuf.data(), U, p.d1, p.d3); break;
            }
            // gx[j] += sum over the terms of c P[i][k], lane by lane, then the lanes summed.
            typedef Lane<T, true> L;
            T* gv = gbuf.data();
            for (int64_t j = 0; j < p.d2 * LW; ++j) gv[j] = T(0);
            for (int64_t t = p.t0; t < p.t0 + p.nt; ++t) {
              T* gj = gv + P.tj[size_t(t)] * LW;
              const T* pv = pbuf.data() + (P.ti[size_t(t)] * p.d3 + P.tk[size_t(t)]) * LW;
              L::store(gj, eg::madd(P.tc[size_t(t)], L::load(pv), L::load(gj)));
            }
            T* gx = row + p.off[SX2] + v * p.d2;
            for (int64_t j = 0; j < p.d2; ++j) gx[j] += L::sum(L::load(gv + j * LW));
          }
        }
      }
    }
  }
}

template <class T>
using PartFn = void (*)(const Job<T>*, int64_t, int64_t);

template <class T>
void run_nodes_generic(const Job<T>* J, int64_t a, int64_t b) { run_nodes_impl<T>(J, a, b); }
template <class T>
void run_edges_generic(const Job<T>* J, int64_t a, int64_t b) { run_edges_impl<T>(J, a, b); }
#ifdef EG_HAVE_AVX2
template <class T>
EG_TARGET_AVX2 void run_nodes_avx2(const Job<T>* J, int64_t a, int64_t b) { run_nodes_impl<T>(J, a, b); }
template <class T>
EG_TARGET_AVX2 void run_edges_avx2(const Job<T>* J, int64_t a, int64_t b) { run_edges_impl<T>(J, a, b); }
#endif

template <class T>
PartFn<T> part_fn(bool nodes) {
#ifdef EG_HAVE_AVX2
  if (eg::has_avx2()) return nodes ? &run_nodes_avx2<T> : &run_edges_avx2<T>;
#endif
  return nodes ? &run_nodes_generic<T> : &run_edges_generic<T>;
}

// ------------------------------------------------------------------- driver

template <class T>
eg_status run(const int32_t* segments, int32_t num_segments, const int32_t* paths, int32_t num_paths,
              const int32_t* coeff_index, const double* coeff_value, int32_t num_coeffs,
              const int64_t* operand_sizes, const void* const* operands, const int32_t* edge_src,
              const int32_t* edge_dst, int64_t num_edges, int64_t num_nodes, int out_slot, void* out_ptr) {
  const char* fn = "eg_tp_convolution";
  CPlan<T> P;
  P.out = out_slot;
  bool present[4];
  for (int s = 0; s < 4; ++s) {
    if (operand_sizes[s] < 0) return eg::fail(EG_ERR_ARGUMENT, "%s: operand %d has a negative size", fn, s);
    present[s] = operand_sizes[s] > 0;
    P.size[s] = operand_sizes[s];
    P.ptr[s] = nullptr;
    // Zero rows (no edges, no nodes) read nothing: a null pointer is then fine
    // (bindings pass one for empty typed arrays).
    const int64_t rows = (s == SW || s == SX2) ? num_edges : num_nodes;
    if (s != out_slot && present[s]) {
      if (!operands[s] && rows > 0) return eg::fail(EG_ERR_ARGUMENT, "%s: operand %d is null", fn, s);
      P.ptr[s] = static_cast<const T*>(operands[s]);
    }
  }
  if (!present[out_slot]) return eg::fail(EG_ERR_ARGUMENT, "%s: the output slot %d is absent (size 0)", fn, out_slot);
  if (!present[SX1] || !present[SOUT])
    return eg::fail(EG_ERR_ARGUMENT, "%s: slots x1 (1) and out (3) must be present", fn);

  for (int32_t s = 0; s < num_segments; ++s) {
    const int32_t* g = segments + 4 * s;
    if (g[0] < 0 || g[0] > 3 || g[1] < 0 || g[2] < 0 || g[3] < 1 ||
        int64_t(g[1]) + int64_t(g[2]) * g[3] > operand_sizes[g[0]])
      return eg::fail(EG_ERR_ARGUMENT, "%s: segment %d (slot %d, offset %d, %d x %d) does not fit its operand", fn,
                      int(s), int(g[0]), int(g[1]), int(g[2]), int(g[3]));
    if (g[0] == SX1 || g[0] == SOUT) {
      auto& v = P.node_segs[g[0]];
      v.push_back(g[1]);
      v.push_back(g[2]);
      v.push_back(g[3]);
    }
  }
  // Node segments must not overlap (they are transposed in place of each other).
  for (int s : {int(SX1), int(SOUT)}) {
    std::vector<std::pair<int64_t, int64_t>> iv;
    const auto& v = P.node_segs[s];
    for (size_t r = 0; r < v.size(); r += 3) iv.emplace_back(v[r], v[r] + v[r + 1] * v[r + 2]);
    std::sort(iv.begin(), iv.end());
    for (size_t r = 1; r < iv.size(); ++r)
      if (iv[r].first < iv[r - 1].second)
        return eg::fail(EG_ERR_ARGUMENT, "%s: segments of slot %d overlap", fn, s);
  }

  P.max_u = 1;
  P.m_size = 0;
  for (int32_t qp = 0; qp < num_paths; ++qp) {
    const int32_t* r = paths + 8 * qp;
    CPath p{};
    if (r[0] != EG_TP_UVU)
      return eg::fail(EG_ERR_UNSUPPORTED, "%s: path %d has mode %d; the fused convolution supports 'uvu' (1) only",
                      fn, int(qp), int(r[0]));
    int64_t mul[4] = {1, 1, 1, 1}, dim[4] = {1, 1, 1, 1};
    for (int s = 0; s < 4; ++s) {
      const int32_t seg = r[1 + s];
      p.has[s] = seg >= 0;
      if (seg >= num_segments || (seg >= 0 && segments[4 * seg] != s))
        return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: segment %d of slot %d is not a segment of that slot", fn,
                        int(qp), int(seg), s);
      if (p.has[s] && !present[s])
        return eg::fail(EG_ERR_ARGUMENT, "%s: path %d uses slot %d, which is absent (size 0) in the call", fn,
                        int(qp), s);
      if (seg >= 0) {
        p.off[s] = segments[4 * seg + 1];
        mul[s] = segments[4 * seg + 2];
        dim[s] = segments[4 * seg + 3];
      }
    }
    if (!p.has[SX1] || !p.has[SOUT]) return eg::fail(EG_ERR_ARGUMENT, "%s: path %d must use slots x1 and out", fn, int(qp));
    if (p.has[SW] && dim[SW] != 1) return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: weight segments must have dim 1", fn, int(qp));
    p.U = mul[SX1];
    p.V = mul[SX2];
    p.d1 = dim[SX1];
    p.d2 = dim[SX2];
    p.d3 = dim[SOUT];
    if (mul[SOUT] != p.U)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: output multiplicity %lld, mode uvu needs %lld", fn, int(qp),
                      (long long)mul[SOUT], (long long)p.U);
    if (p.has[SW] && mul[SW] != p.U * p.V)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: weight block has %lld weights, mode needs %lld", fn, int(qp),
                      (long long)mul[SW], (long long)(p.U * p.V));
    const int64_t c0 = r[5], nc = r[6];
    if (c0 < 0 || nc < 0 || c0 + nc > num_coeffs)
      return eg::fail(EG_ERR_ARGUMENT, "%s: path %d: coefficient range out of bounds", fn, int(qp));
    if (p.d1 > kMaxD || p.d3 > kMaxD)
      return eg::fail(EG_ERR_UNSUPPORTED, "%s: path %d: node segments of more than %d components (l > 7) are not supported",
                      fn, int(qp), kMaxD);
    p.t0 = int64_t(P.ti.size());
    p.nt = nc;
    for (int64_t e = c0; e < c0 + nc; ++e) {
      const int32_t* ix = coeff_index + 3 * e;
      if (ix[0] < 0 || ix[0] >= p.d1 || ix[1] < 0 || ix[1] >= p.d2 || ix[2] < 0 || ix[2] >= p.d3)
        return eg::fail(EG_ERR_INDEX, "%s: path %d: coefficient %lld index (%d, %d, %d) outside (%lld, %lld, %lld)", fn,
                        int(qp), (long long)e, int(ix[0]), int(ix[1]), int(ix[2]), (long long)p.d1, (long long)p.d2,
                        (long long)p.d3);
      P.ti.push_back(ix[0]);
      P.tj.push_back(ix[1]);
      P.tk.push_back(ix[2]);
      P.tc.push_back(T(coeff_value[e]));
      P.terms.push_back({int32_t(out_slot == SX1 ? ix[2] * p.d1 + ix[0] : ix[0] * p.d3 + ix[2]), ix[1], T(coeff_value[e])});
    }
    std::stable_sort(P.terms.begin() + p.t0, P.terms.end(),
                     [](const typename CPlan<T>::Term& x, const typename CPlan<T>::Term& y) { return x.m < y.m; });
    p.m_off = P.m_size;
    if (p.has[out_slot]) P.m_size += p.V * p.d1 * p.d3;
    P.max_u = std::max(P.max_u, p.U);
    P.paths.push_back(p);
  }

  const int64_t N = num_nodes, E = num_edges;
  for (int64_t e = 0; e < E; ++e)
    if (edge_src[e] < 0 || edge_src[e] >= N || edge_dst[e] < 0 || edge_dst[e] >= N)
      return eg::fail(EG_ERR_INDEX, "%s: edge %lld (%d -> %d) has a node outside [0, %lld)", fn, (long long)e,
                      int(edge_src[e]), int(edge_dst[e]), (long long)N);

  T* out = static_cast<T*>(out_ptr);
  const bool node_out = out_slot == SX1 || out_slot == SOUT;
  if (E == 0) {
    std::fill(out, out + (node_out ? N : 0) * P.size[out_slot], T(0));
    return EG_OK;
  }
  // Group the edges by the output node (node outputs) or by target (edge outputs): stable counting sort.
  const int32_t* key = out_slot == SX1 ? edge_src : edge_dst;
  std::vector<int64_t> offsets(size_t(N + 1), 0);
  for (int64_t e = 0; e < E; ++e) ++offsets[size_t(key[e]) + 1];
  for (int64_t n = 0; n < N; ++n) offsets[size_t(n + 1)] += offsets[size_t(n)];
  std::vector<int32_t> perm(static_cast<size_t>(E));
  {
    std::vector<int64_t> fill(offsets.begin(), offsets.end() - 1);
    for (int64_t e = 0; e < E; ++e) perm[size_t(fill[size_t(key[e])]++)] = int32_t(e);
  }
  // The node each edge reads a row of, in CSR order: the source, except for grad x1 (the target).
  const int32_t* read = out_slot == SX1 ? edge_dst : edge_src;
  std::vector<int32_t> other(static_cast<size_t>(E));
  for (int64_t r = 0; r < E; ++r) other[size_t(r)] = read[perm[size_t(r)]];
  // Transposed copies of the node slots that are inputs.
  std::vector<T> t1, t3;
  auto transpose_slot = [&](int s, std::vector<T>& buf) {
    const int64_t sz = P.size[s];
    buf.resize(size_t(N * sz));
    const T* src = P.ptr[s];
    eg::parallel_for(0, N, [&](int64_t lo, int64_t hi) {
      for (int64_t n = lo; n < hi; ++n) to_channel_major(P.node_segs[s], src + n * sz, buf.data() + n * sz, sz);
    }, 256);
  };
  Job<T> J{};
  J.P = &P;
  J.offsets = offsets.data();
  J.perm = perm.data();
  J.other = other.data();
  J.out = out;
  if (out_slot != SX1) {
    transpose_slot(SX1, t1);
    J.nodeT[SX1] = t1.data();
  }
  if (out_slot != SOUT) {
    transpose_slot(SOUT, t3);
    J.nodeT[SOUT] = t3.data();
  }
  // Parts balanced by edges + nodes.
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(int64_t(eg::num_threads()) * 4, N));
  std::vector<int64_t> bounds(size_t(parts + 1), N);
  bounds[0] = 0;
  {
    const int64_t total = E + N;
    int64_t n = 0;
    for (int64_t p = 1; p < parts; ++p) {
      const int64_t want = total * p / parts;
      while (n < N && offsets[size_t(n)] + n < want) ++n;
      bounds[size_t(p)] = n;
    }
  }
  const PartFn<T> part = part_fn<T>(node_out);
  eg::parallel_for(0, parts, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) part(&J, bounds[size_t(p)], bounds[size_t(p + 1)]);
  });
  return EG_OK;
}

}  // namespace

extern "C" eg_status eg_tp_convolution(eg_dtype dtype, const int32_t* segments, int32_t num_segments,
                                       const int32_t* paths, int32_t num_paths, const int32_t* coeff_index,
                                       const double* coeff_value, int32_t num_coeffs, const int64_t* operand_sizes,
                                       const void* const* operands, const int32_t* edge_src, const int32_t* edge_dst,
                                       int64_t num_edges, int64_t num_nodes, int out_operand, void* out) {
  EG_GUARD_BEGIN
  const char* fn = "eg_tp_convolution";
  const int64_t out_rows = (out_operand == 0 || out_operand == 2) ? num_edges : num_nodes;
  if (!segments || !paths || !operand_sizes || !operands || (!out && out_rows > 0) ||
      (num_coeffs > 0 && (!coeff_index || !coeff_value)) ||
      (num_edges > 0 && (!edge_src || !edge_dst)))
    return eg::fail(EG_ERR_ARGUMENT, "%s: null descriptor, operand or index array", fn);
  if (num_segments < 0 || num_paths < 0 || num_coeffs < 0 || num_edges < 0 || num_nodes < 0)
    return eg::fail(EG_ERR_ARGUMENT, "%s: negative count", fn);
  if (num_edges > INT32_MAX) return eg::fail(EG_ERR_ARGUMENT, "%s: more than 2^31 - 1 edges", fn);
  if (out_operand < 0 || out_operand > 3)
    return eg::fail(EG_ERR_ARGUMENT, "%s: output slot %d is not in 0..3", fn, out_operand);
  switch (dtype) {
    case EG_F32:
      return run<float>(segments, num_segments, paths, num_paths, coeff_index, coeff_value, num_coeffs, operand_sizes,
                        operands, edge_src, edge_dst, num_edges, num_nodes, out_operand, out);
    case EG_F64:
      return run<double>(segments, num_segments, paths, num_paths, coeff_index, coeff_value, num_coeffs,
                         operand_sizes, operands, edge_src, edge_dst, num_edges, num_nodes, out_operand, out);
    default:
      return eg::fail(EG_ERR_UNSUPPORTED, "%s: dtype must be float32 or float64", fn);
  }
  EG_GUARD_END("eg_tp_convolution")
}
