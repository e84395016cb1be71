// The segmented tensor-product descriptor (equigraph.h) as a device plan,
// shared by tensor_product.cu and tp_convolution.cu. Not part of the ABI.
//
// The product is a multilinear form in four slots (0 weights W, 1 x1, 2 x2,
// 3 out); a call computes one slot O from the other three. The device
// kernels are output-stationary: one thread per output element, which sums
// every contribution to that element in a fixed order (paths in descriptor
// order, then channels, then coefficients), so nothing is accumulated with
// atomics and results are the same on every run. For output element
// (channel ch, component q) of a path's O segment the contribution is
//
//   sum over the channels the mode leaves free once ch is fixed
//     W[chW] * sum over coefficients e with component q in slot O
//       c_e * (product of the two other slots at their components of e)
//
// (the weight factor is 1 for an unweighted path, and is the output itself
// when O is 0). Channels per mode, with U, V the multiplicities of x1, x2:
//   uvw   (u, v, w): W[(u V + v) Wm + w], x1[u], x2[v], out[w]
//   uvu   (u, v):    W[u V + v],         x1[u], x2[v], out[u]
//   uuu   (u):       W[u],               x1[u], x2[u] (x2[0] when absent), out[u]
//   uvuv  (u, v):    W[u V + v],         x1[u], x2[v], out[u V + v]
// A slot a path does not use is the constant 1, as on the CPU.
//
// The host side validates a descriptor with exactly the CPU's rules and
// messages (native/src/tensor_product.cpp, tp_convolution.cpp) and lays the
// plan out in one blob:
//   intervals  the output row cut at every boundary of a path's O segment;
//              each interval lists the paths covering it (path order), so a
//              thread finds its paths by a binary search
//   paths      offsets, multiplicities and dimensions per slot
//   comp_off   per path, the coefficients grouped by their O component (a
//              stable sort, so each group keeps descriptor order)
//   terms/coef the coefficients' (i, j, k) components and values in T
#ifndef EQUIGRAPH_CUDA_TP_PLAN_CUH
#define EQUIGRAPH_CUDA_TP_PLAN_CUH

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "common.cuh"

namespace egc {
namespace tp {

enum Slot { SW = 0, SX1 = 1, SX2 = 2, SOUT = 3 };

struct DPath {
  int32_t mode;
  int32_t has;  // bit s set: the path uses slot s
  int32_t U, V, Wm;
  int32_t comp_base;  // first of this path's dim[O] + 1 entries in comp_off
  int32_t dim[4];     // 1 for an unused slot
  int64_t off[4];     // segment offset within a row, 0 for an unused slot
};

struct Interval {
  int64_t begin, end;  // [begin, end) of the output row
  int32_t ref0, ref1;  // its paths: refs[ref0 .. ref1)
};

struct PathRef {
  int32_t path;
  int32_t pad;
  int64_t seg_off;  // offset of the path's O segment: local element = c - seg_off
};

struct Term {
  int32_t i, j, k;  // components in x1, x2, out
};

// Host copy of where the sections lie in the blob.
struct Meta {
  int64_t iv, refs, paths, comp, terms, coef;
  int32_t n_iv;
  int32_t n_paths;
};

template <class T>
struct DevPlan {
  const Interval* iv;
  const PathRef* refs;
  const DPath* paths;
  const int32_t* comp_off;
  const Term* terms;
  const T* coef;
  int32_t n_iv;
};

template <class T>
DevPlan<T> device_plan(const void* base, const Meta& m) {
  const unsigned char* b = static_cast<const unsigned char*>(base);
  DevPlan<T> P;
  P.iv = reinterpret_cast<const Interval*>(b + m.iv);
  P.refs = reinterpret_cast<const PathRef*>(b + m.refs);
  P.paths = reinterpret_cast<const DPath*>(b + m.paths);
  P.comp_off = reinterpret_cast<const int32_t*>(b + m.comp);
  P.terms = reinterpret_cast<const Term*>(b + m.terms);
  P.coef = reinterpret_cast<const T*>(b + m.coef);
  P.n_iv = m.n_iv;
  return P;
}

// ------------------------------------------------------------ host: plan

// The raw descriptor of one call.
struct Descriptor {
  const int32_t* segments;
  int32_t num_segments;
  const int32_t* paths;
  int32_t num_paths;
  const int32_t* coeff_index;
  const double* coeff_value;
  int32_t num_coeffs;
  const int64_t* sizes;  // operand_sizes[4]
};

enum class Rules { TensorProduct, Convolution };

// The cache key of a plan: every byte the plan depends on.
struct PlanKey {
  int32_t header[4];  // kind, dtype, out slot, 0
  int64_t sizes[4];
  int32_t counts[4];  // segments, paths, coeffs, 0
  KeyPiece pieces[7];
  PlanKey(Rules rules, eg_dtype dtype, int out, const Descriptor& d) {
    header[0] = rules == Rules::TensorProduct ? 1 : 2;
    header[1] = int32_t(dtype);
    header[2] = out;
    header[3] = 0;
    for (int s = 0; s < 4; ++s) sizes[s] = d.sizes[s];
    counts[0] = d.num_segments;
    counts[1] = d.num_paths;
    counts[2] = d.num_coeffs;
    counts[3] = 0;
    pieces[0] = {header, sizeof header};
    pieces[1] = {sizes, sizeof sizes};
    pieces[2] = {counts, sizeof counts};
    pieces[3] = {d.segments, size_t(d.num_segments) * 4 * sizeof(int32_t)};
    pieces[4] = {d.paths, size_t(d.num_paths) * 8 * sizeof(int32_t)};
    pieces[5] = {d.coeff_index, size_t(d.num_coeffs) * 3 * sizeof(int32_t)};
    pieces[6] = {d.coeff_value, size_t(d.num_coeffs) * sizeof(double)};
  }
};

inline size_t align16(size_t n) { return (n + 15) & ~size_t(15); }

// Validates the descriptor for output slot `out` with the CPU's rules (the
// per-call checks on strides and pointers are the caller's) and builds the
// plan with coefficients in T.
template <class T>
egc_status build_plan(const char* fn, Rules rules, const Descriptor& d, int out,
                      std::vector<unsigned char>& blob, std::vector<unsigned char>& meta_bytes) {
  const bool conv = rules == Rules::Convolution;
  const int64_t* sizes = d.sizes;
  bool present[4];
  for (int s = 0; s < 4; ++s) present[s] = sizes[s] > 0;

  for (int32_t s = 0; s < d.num_segments; ++s) {
    const int32_t* g = d.segments + 4 * s;
    if (g[0] < 0 || g[0] > 3 || g[1] < 0 || g[2] < 0 || g[3] < 1 ||
        int64_t(g[1]) + int64_t(g[2]) * g[3] > sizes[g[0]])
      return fail(EGC_ERR_ARGUMENT, "%s: segment %d (slot %d, offset %d, %d x %d) does not fit its operand", fn,
                  int(s), int(g[0]), int(g[1]), int(g[2]), int(g[3]));
  }

  if (conv) {
    // As on the CPU (which transposes node rows segment by segment): node
    // segments must not overlap.
    for (int slot : {int(SX1), int(SOUT)}) {
      std::vector<std::pair<int64_t, int64_t>> iv;
      for (int32_t s = 0; s < d.num_segments; ++s) {
        const int32_t* g = d.segments + 4 * s;
        if (g[0] == slot) iv.emplace_back(g[1], int64_t(g[1]) + int64_t(g[2]) * g[3]);
      }
      std::sort(iv.begin(), iv.end());
      for (size_t r = 1; r < iv.size(); ++r)
        if (iv[r].first < iv[r - 1].second) return fail(EGC_ERR_ARGUMENT, "%s: segments of slot %d overlap", fn, slot);
    }
  }

  std::vector<DPath> paths;
  std::vector<int32_t> comp_off;
  std::vector<Term> terms;
  std::vector<T> coef;
  struct Seg {
    int64_t begin, end;
    int32_t path;
  };
  std::vector<Seg> out_segs;
  paths.reserve(size_t(d.num_paths));
  for (int32_t q = 0; q < d.num_paths; ++q) {
    const int32_t* r = d.paths + 8 * q;
    const int mode = r[0];
    if (conv && mode != EG_TP_UVU)
      return fail(EGC_ERR_UNSUPPORTED, "%s: path %d has mode %d; the fused convolution supports 'uvu' (1) only", fn,
                  int(q), mode);
    DPath p{};
    p.mode = mode;
    int64_t mul[4] = {1, 1, 1, 1}, dim[4] = {1, 1, 1, 1};
    bool has[4];
    for (int s = 0; s < 4; ++s) {
      const int32_t seg = r[1 + s];
      has[s] = seg >= 0;
      if (seg >= d.num_segments || (seg >= 0 && d.segments[4 * seg] != s))
        return fail(EGC_ERR_ARGUMENT, "%s: path %d: segment %d of slot %d is not a segment of that slot", fn, int(q),
                    int(seg), s);
      if (has[s] && !present[s])
        return fail(EGC_ERR_ARGUMENT, "%s: path %d uses slot %d, which is absent (size 0) in the call", fn, int(q), s);
      if (has[s]) {
        p.has |= 1 << s;
        p.off[s] = d.segments[4 * seg + 1];
        mul[s] = d.segments[4 * seg + 2];
        dim[s] = d.segments[4 * seg + 3];
      }
    }
    if (!has[SX1] || !has[SOUT]) return fail(EGC_ERR_ARGUMENT, "%s: path %d must use slots x1 and out", fn, int(q));
    if (has[SW] && dim[SW] != 1)
      return fail(EGC_ERR_ARGUMENT, "%s: path %d: weight segments must have dim 1", fn, int(q));
    const int64_t U = mul[SX1], V = mul[SX2], Wm = mul[SOUT];
    if (conv) {
      if (Wm != U)
        return fail(EGC_ERR_ARGUMENT, "%s: path %d: output multiplicity %lld, mode uvu needs %lld", fn, int(q),
                    (long long)Wm, (long long)U);
      if (has[SW] && mul[SW] != U * V)
        return fail(EGC_ERR_ARGUMENT, "%s: path %d: weight block has %lld weights, mode needs %lld", fn, int(q),
                    (long long)mul[SW], (long long)(U * V));
    } else {
      int64_t want_out = 0, want_w = 0;
      switch (mode) {
        case EG_TP_UVW: want_out = Wm; want_w = U * V * Wm; break;
        case EG_TP_UVU: want_out = U; want_w = U * V; break;
        case EG_TP_UUU:
          want_out = U;
          want_w = U;
          if (has[SX2] && V != U)
            return fail(EGC_ERR_ARGUMENT, "%s: path %d (uuu): x1 and x2 multiplicities differ", fn, int(q));
          break;
        case EG_TP_UVUV: want_out = U * V; want_w = U * V; break;
        default: return fail(EGC_ERR_ARGUMENT, "%s: path %d has unknown mode %d", fn, int(q), mode);
      }
      if (mode == EG_TP_UVW && !has[SW])
        return fail(EGC_ERR_ARGUMENT, "%s: path %d: mode uvw needs weights", fn, int(q));
      if (Wm != want_out)
        return fail(EGC_ERR_ARGUMENT, "%s: path %d: output multiplicity %lld, mode needs %lld", fn, int(q),
                    (long long)Wm, (long long)want_out);
      if (has[SW] && mul[SW] != want_w)
        return fail(EGC_ERR_ARGUMENT, "%s: path %d: weight block has %lld weights, mode needs %lld", fn, int(q),
                    (long long)mul[SW], (long long)want_w);
    }
    const int64_t c0 = r[5], nc = r[6];
    if (c0 < 0 || nc < 0 || c0 + nc > d.num_coeffs)
      return fail(EGC_ERR_ARGUMENT, "%s: path %d: coefficient range out of bounds", fn, int(q));
    for (int64_t e = c0; e < c0 + nc; ++e) {
      const int32_t* ix = d.coeff_index + 3 * e;
      if (ix[0] < 0 || ix[0] >= dim[SX1] || ix[1] < 0 || ix[1] >= dim[SX2] || ix[2] < 0 || ix[2] >= dim[SOUT])
        return fail(EGC_ERR_INDEX, "%s: path %d: coefficient %lld index (%d, %d, %d) outside (%lld, %lld, %lld)", fn,
                    int(q), (long long)e, int(ix[0]), int(ix[1]), int(ix[2]), (long long)dim[SX1],
                    (long long)dim[SX2], (long long)dim[SOUT]);
    }
    if (U > INT32_MAX || V > INT32_MAX || Wm > INT32_MAX)
      return fail(EGC_ERR_UNSUPPORTED, "%s: path %d: multiplicities above 2^31 - 1", fn, int(q));
    p.U = int32_t(U);
    p.V = int32_t(V);
    p.Wm = int32_t(Wm);
    for (int s = 0; s < 4; ++s) p.dim[s] = int32_t(dim[s]);
    if (has[out]) {
      // Coefficients grouped by their component in slot `out` (the weights have one), in
      // descriptor order within a group.
      const int dO = out == SW ? 1 : int(dim[out]);
      std::vector<int32_t> order(static_cast<size_t>(nc));
      for (int64_t e = 0; e < nc; ++e) order[size_t(e)] = int32_t(c0 + e);
      auto comp = [&](int32_t e) { return out == SW ? 0 : d.coeff_index[3 * int64_t(e) + (out - 1)]; };
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return comp(a) < comp(b); });
      p.comp_base = int32_t(comp_off.size());
      size_t t = 0;
      for (int q2 = 0; q2 <= dO; ++q2) {
        while (t < order.size() && comp(order[t]) < q2) ++t;
        comp_off.push_back(int32_t(terms.size() + t));
      }
      for (int32_t e : order) {
        const int32_t* ix = d.coeff_index + 3 * int64_t(e);
        terms.push_back(Term{ix[0], ix[1], ix[2]});
        coef.push_back(T(d.coeff_value[e]));
      }
      const int64_t extent = mul[out] * (out == SW ? 1 : dim[out]);
      if (extent > 0) out_segs.push_back(Seg{p.off[out], p.off[out] + extent, int32_t(paths.size())});
    } else {
      p.comp_base = -1;
    }
    paths.push_back(p);
  }
  if (terms.size() > size_t(INT32_MAX)) return fail(EGC_ERR_UNSUPPORTED, "%s: too many coefficients", fn);

  // Elementary intervals of the output row and the paths covering each.
  std::vector<int64_t> cuts;
  for (const Seg& s : out_segs) {
    cuts.push_back(s.begin);
    cuts.push_back(s.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<Interval> iv;
  std::vector<PathRef> refs;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    Interval I{cuts[k], cuts[k + 1], int32_t(refs.size()), 0};
    for (const Seg& s : out_segs)  // in path order
      if (s.begin <= I.begin && I.end <= s.end) refs.push_back(PathRef{s.path, 0, s.begin});
    I.ref1 = int32_t(refs.size());
    if (I.ref1 > I.ref0) iv.push_back(I);
  }

  Meta m{};
  size_t pos = align16(sizeof(int64_t));
  auto section = [&](size_t bytes) {
    const size_t at = pos;
    pos = align16(pos + bytes);
    return int64_t(at);
  };
  m.iv = section(iv.size() * sizeof(Interval));
  m.refs = section(refs.size() * sizeof(PathRef));
  m.paths = section(paths.size() * sizeof(DPath));
  m.comp = section(comp_off.size() * sizeof(int32_t));
  m.terms = section(terms.size() * sizeof(Term));
  m.coef = section(coef.size() * sizeof(T));
  m.n_iv = int32_t(iv.size());
  m.n_paths = int32_t(paths.size());
  blob.assign(pos, 0);
  auto put = [&](int64_t at, const void* src, size_t bytes) {
    if (bytes) std::memcpy(blob.data() + at, src, bytes);
  };
  put(m.iv, iv.data(), iv.size() * sizeof(Interval));
  put(m.refs, refs.data(), refs.size() * sizeof(PathRef));
  put(m.paths, paths.data(), paths.size() * sizeof(DPath));
  put(m.comp, comp_off.data(), comp_off.size() * sizeof(int32_t));
  put(m.terms, terms.data(), terms.size() * sizeof(Term));
  put(m.coef, coef.data(), coef.size() * sizeof(T));
  meta_bytes.resize(sizeof(Meta));
  std::memcpy(meta_bytes.data(), &m, sizeof(Meta));
  return EGC_OK;
}

// The cached device plan of a call (validating the descriptor on a miss).
template <class T>
egc_status plan_for(const char* fn, Rules rules, eg_dtype dtype, const Descriptor& d, int out,
                    cudaStream_t stream, DevPlan<T>* plan) {
  PlanKey key(rules, dtype, out, d);
  const void* device = nullptr;
  std::vector<unsigned char> meta;
  EGC_TRY(cached_table(
      fn, key.pieces, 7,
      [&](std::vector<unsigned char>& blob, std::vector<unsigned char>& m) {
        return build_plan<T>(fn, rules, d, out, blob, m);
      },
      stream, &device, &meta));
  Meta m;
  std::memcpy(&m, meta.data(), sizeof m);
  *plan = device_plan<T>(device, m);
  return EGC_OK;
}

// ---------------------------------------------------------- device: eval

// Index of the interval holding output element c, or -1.
EGC_HD int find_interval(const Interval* iv, int n, int64_t c) {
  int lo = 0, hi = n;  // first interval with begin > c
  while (lo < hi) {
    const int mid = (lo + hi) >> 1;
    if (iv[mid].begin <= c)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (lo > 0 && c < iv[lo - 1].end) ? lo - 1 : -1;
}

// Element `local` (= ch * dim[O] + component) of path p's O segment, from the
// rows r0..r3 of one sample (r_O and rows of unused slots are not read).
template <class T, int O>
EGC_HD T path_element(const DevPlan<T>& P, const DPath& p, int64_t local, const T* r0,
                                          const T* r1, const T* r2, const T* r3) {
  const int dO = O == SW ? 1 : p.dim[O];
  const int64_t ch = local / dO;
  const int comp = int(local - ch * dO);
  const int t0 = P.comp_off[p.comp_base + comp], t1 = P.comp_off[p.comp_base + comp + 1];
  if (t0 == t1) return T(0);
  const T* w = (O != SW && (p.has & 1)) ? r0 + p.off[SW] : nullptr;
  const T* a = O != SX1 ? r1 + p.off[SX1] : nullptr;
  const T* b = (O != SX2 && (p.has & 4)) ? r2 + p.off[SX2] : nullptr;
  const T* g = O != SOUT ? r3 + p.off[SOUT] : nullptr;
  const int d1 = p.dim[SX1], d2 = p.dim[SX2], d3 = p.dim[SOUT];
  const Term* terms = P.terms;
  const T* coef = P.coef;
  // Sum over this component's coefficients of c times the two (or three) other slots.
  auto inner = [&](int64_t c1, int64_t c2, int64_t c3) -> T {
    T s = T(0);
    for (int t = t0; t < t1; ++t) {
      const Term tm = terms[t];
      T prod = coef[t];
      if (O != SX1) prod *= a[c1 * d1 + tm.i];
      if (O != SX2 && b) prod *= b[c2 * d2 + tm.j];
      if (O != SOUT) prod *= g[c3 * d3 + tm.k];
      s += prod;
    }
    return s;
  };
  auto wv = [&](int64_t cw) -> T { return w ? w[cw] : T(1); };
  const int64_t U = p.U, V = p.V, Wm = p.Wm;
  T acc = T(0);
  switch (p.mode) {
    case EG_TP_UVW:
      if (O == SOUT) {
        for (int64_t u = 0; u < U; ++u)
          for (int64_t v = 0; v < V; ++v) acc += wv((u * V + v) * Wm + ch) * inner(u, v, ch);
      } else if (O == SX1) {
        for (int64_t v = 0; v < V; ++v)
          for (int64_t x = 0; x < Wm; ++x) acc += wv((ch * V + v) * Wm + x) * inner(ch, v, x);
      } else if (O == SX2) {
        for (int64_t u = 0; u < U; ++u)
          for (int64_t x = 0; x < Wm; ++x) acc += wv((u * V + ch) * Wm + x) * inner(u, ch, x);
      } else {
        const int64_t u = ch / (V * Wm), v = (ch / Wm) % V, x = ch % Wm;
        acc = inner(u, v, x);
      }
      break;
    case EG_TP_UVU:
      if (O == SOUT || O == SX1) {
        for (int64_t v = 0; v < V; ++v) acc += wv(ch * V + v) * inner(ch, v, ch);
      } else if (O == SX2) {
        for (int64_t u = 0; u < U; ++u) acc += wv(u * V + ch) * inner(u, ch, u);
      } else {
        const int64_t u = ch / V, v = ch % V;
        acc = inner(u, v, u);
      }
      break;
    case EG_TP_UUU:
      acc = wv(ch) * inner(ch, (p.has & 4) ? ch : 0, ch);
      break;
    case EG_TP_UVUV:
      if (O == SOUT || O == SW) {
        const int64_t u = ch / V, v = ch % V;
        acc = wv(ch) * inner(u, v, ch);
      } else if (O == SX1) {
        for (int64_t v = 0; v < V; ++v) acc += wv(ch * V + v) * inner(ch, v, ch * V + v);
      } else {
        for (int64_t u = 0; u < U; ++u) acc += wv(u * V + ch) * inner(u, ch, u * V + ch);
      }
      break;
    default: break;  // unreachable: the host validated the modes
  }
  return acc;
}

// Output element c of one sample: the sum over the paths of its interval.
template <class T, int O>
EGC_HD T element(const DevPlan<T>& P, int iv, int64_t c, const T* r0, const T* r1,
                                     const T* r2, const T* r3) {
  const Interval I = P.iv[iv];
  T acc = T(0);
  for (int r = I.ref0; r < I.ref1; ++r) {
    const PathRef ref = P.refs[r];
    acc += path_element<T, O>(P, P.paths[ref.path], c - ref.seg_off, r0, r1, r2, r3);
  }
  return acc;
}

}  // namespace tp
}  // namespace egc

#endif
