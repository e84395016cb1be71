// Batched GEMM in the GotoBLAS/BLIS layout: B is packed into KC x NR panels
// (shared by all threads), A into MC x KC blocks of MR-row panels (per
// thread), and an MR x NR register tile accumulates kc rank-1 updates. The
// micro-kernel uses portable vector extensions; on x86 the heavy functions
// are compiled twice, once with AVX2+FMA, and chosen at run time so the
// addon never executes an instruction the CPU lacks.
#include <algorithm>
#include <cstring>
#include <new>

#include "simd.h"
#include "internal.h"
#include "parallel.h"

#if defined(__GNUC__)
#define EG_INLINE inline __attribute__((always_inline))
#else
#define EG_INLINE inline
#endif

namespace {

// ---------------------------------------------------------------- kernels --

// dst[(ir/MR) * MR*kc + p*MR + i] = A(ir + i, p), zero-padded to whole panels.
template <class T, int MR>
EG_INLINE void pack_a_impl(const T* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc, T* dst) {
  for (int64_t ir = 0; ir < mc; ir += MR, dst += MR * kc) {
    const T* src = a + ir * rs;
    const int64_t mr = std::min<int64_t>(MR, mc - ir);
    if (mr == MR && rs == 1) {  // transposed A: each column is contiguous
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < MR; ++i) dst[p * MR + i] = src[p * cs + i];
    } else if (mr == MR) {
      for (int i = 0; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) dst[p * MR + i] = src[i * rs + p * cs];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < MR; ++i) dst[p * MR + i] = i < mr ? src[i * rs + p * cs] : T(0);
    }
  }
}

// dst[(jr/NR) * NR*kc + p*NR + j] = B(p, jr + j) for panels [j0, j1), zero-padded.
template <class T, int NR>
EG_INLINE void pack_b_impl(const T* b, int64_t rs, int64_t cs, int64_t kc, int64_t nc,
                           int64_t panel0, int64_t panel1, T* dst) {
  for (int64_t q = panel0; q < panel1; ++q) {
    const int64_t jr = q * NR;
    const T* src = b + jr * cs;
    T* out = dst + q * NR * kc;
    const int64_t nr = std::min<int64_t>(NR, nc - jr);
    if (nr == NR && cs == 1) {  // row-major B: each panel row is contiguous
      for (int64_t p = 0; p < kc; ++p)
        for (int j = 0; j < NR; ++j) out[p * NR + j] = src[p * rs + j];
    } else if (nr == NR) {
      for (int j = 0; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) out[p * NR + j] = src[p * rs + j * cs];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int j = 0; j < NR; ++j) out[p * NR + j] = j < nr ? src[p * rs + j * cs] : T(0);
    }
  }
}

// C[0:mr, 0:nr] (+)= Apanel · Bpanel with an MR x NR tile held in registers.
// GCC/Clang vector extensions lower to whatever SIMD the target function
// has (AVX2, SSE2, WASM SIMD or scalars); the accumulator array is indexed
// only by constants after unrolling, so it is never spilled.
template <class T, int MR, int NR, int VB>
EG_INLINE void micro_impl(int64_t kc, const T* __restrict A, const T* __restrict B,
                          T* __restrict C, int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  typedef T V __attribute__((vector_size(VB), aligned(sizeof(T))));  // unaligned loads ok
  constexpr int W = VB / int(sizeof(T)), NV = NR / W;
  static_assert(NR % W == 0, "NR must be a whole number of vectors");
  V c[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) c[i][v] = V{} ;
  // Pointers stepped by the panel widths rather than indexed by p: wasm has
  // no scaled addressing, and an int64 index costs a wrap and shifts per step.
  const T* ap = A;
  const T* bp = B;
  for (int64_t p = 0; p < kc; ++p, ap += MR, bp += NR) {
    V b[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) b[v] = *reinterpret_cast<const V*>(bp + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      // x - 0 == x for every x (unlike 0 + x, which turns -0 into +0), so
      // this folds to a single broadcast load.
      const V ai = ap[i] - V{};
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) c[i][v] = eg::madd(ai, b[v], c[i][v]);
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) {
        V* dst = reinterpret_cast<V*>(C + i * ldc + v * W);
        *dst = accumulate ? *dst + c[i][v] : c[i][v];
      }
    }
  } else {
    T tile[MR][NR];
    std::memcpy(tile, c, sizeof tile);
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j)
        C[i * ldc + j] = accumulate ? C[i * ldc + j] + tile[i][j] : tile[i][j];
  }
}

// Packs rows [0, mc) of A and multiplies them by the packed B block.
template <class T, int MR, int NR, int VB>
EG_INLINE void block_impl(const T* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc,
                          const T* bpack, int64_t nc, T* c, int64_t ldc, bool accumulate,
                          T* apack) {
  pack_a_impl<T, MR>(a, rs, cs, mc, kc, apack);
  for (int64_t jr = 0; jr < nc; jr += NR) {  // B panel stays in L1 across ir
    const T* bp = bpack + (jr / NR) * NR * kc;
    const int64_t nr = std::min<int64_t>(NR, nc - jr);
    for (int64_t ir = 0; ir < mc; ir += MR) {
      micro_impl<T, MR, NR, VB>(kc, apack + (ir / MR) * MR * kc, bp, c + ir * ldc + jr, ldc,
                            std::min<int64_t>(MR, mc - ir), nr, accumulate);
    }
  }
}

template <class T>
struct Kernels {
  int mr, nr;
  int64_t kc, mc, nc;  // cache blocking: KC x NR panel in L1, MC x KC in L2
  void (*pack_b)(const T*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, T*);
  void (*block)(const T*, int64_t, int64_t, int64_t, int64_t, const T*, int64_t, T*, int64_t,
                bool, T*);
};

#define EG_DEFINE_KERNELS(NAME, ATTR, T, MR, NR, VB, KC, MC, NC)                                   \
  ATTR void NAME##_pack_b(const T* b, int64_t rs, int64_t cs, int64_t kc, int64_t nc,          \
                          int64_t q0, int64_t q1, T* dst) {                                    \
    pack_b_impl<T, NR>(b, rs, cs, kc, nc, q0, q1, dst);                                        \
  }                                                                                            \
  ATTR void NAME##_block(const T* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc,           \
                         const T* bp, int64_t nc, T* c, int64_t ldc, bool acc, T* ap) {        \
    block_impl<T, MR, NR, VB>(a, rs, cs, mc, kc, bp, nc, c, ldc, acc, ap);                         \
  }                                                                                            \
  const Kernels<T> NAME = {MR, NR, KC, MC, NC, NAME##_pack_b, NAME##_block};

// Generic: 16 SSE / WASM-SIMD registers, so an 8-register accumulator tile.
EG_DEFINE_KERNELS(generic_f32, , float, 4, 8, 16, 256, 128, 2048)
EG_DEFINE_KERNELS(generic_f64, , double, 4, 4, 16, 256, 96, 1024)
#ifdef EG_HAVE_AVX2
// AVX2: 6x2 ymm accumulators + 2 B vectors + 1 broadcast = 15 of 16 registers.
EG_DEFINE_KERNELS(avx2_f32, EG_TARGET_AVX2, float, 6, 16, 32, 256, 120, 3072)
EG_DEFINE_KERNELS(avx2_f64, EG_TARGET_AVX2, double, 6, 8, 32, 256, 96, 1536)
#endif

// ------------------------------------------------------------------ GEMV --
// Matrix-vector products (n = 1 or m = 1) have no reuse for the packed GEMM
// to exploit; they are memory-bound and run as plain dot products or axpys.

// y[i] = dot(A[i, 0:k], x) for i in [0, m), rows lda apart, x contiguous.
template <class T, int VB>
EG_INLINE void gemv_dot_impl(const T* a, int64_t lda, const T* x, T* y, int64_t m, int64_t k) {
  typedef T V __attribute__((vector_size(VB), aligned(sizeof(T))));
  constexpr int W = VB / int(sizeof(T));
  // Macros rather than lambdas: a lambda would not inherit the AVX2 target.
#define load(p) (*reinterpret_cast<const V*>(p))
#define hsum(s, v) \
  T s = 0;        \
  for (int j_ = 0; j_ < W; ++j_) s += (v)[j_]
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) {  // four rows share each load of x
    const T* r0 = a + i * lda;
    const T* r1 = r0 + lda;
    const T* r2 = r1 + lda;
    const T* r3 = r2 + lda;
    V c0 = V{}, c1 = V{}, c2 = V{}, c3 = V{};
    int64_t p = 0;
    for (; p + W <= k; p += W) {
      const V xv = load(x + p);
      c0 = eg::madd(load(r0 + p), xv, c0);
      c1 = eg::madd(load(r1 + p), xv, c1);
      c2 = eg::madd(load(r2 + p), xv, c2);
      c3 = eg::madd(load(r3 + p), xv, c3);
    }
    hsum(s0, c0);
    hsum(s1, c1);
    hsum(s2, c2);
    hsum(s3, c3);
    for (; p < k; ++p) {
      s0 += r0[p] * x[p];
      s1 += r1[p] * x[p];
      s2 += r2[p] * x[p];
      s3 += r3[p] * x[p];
    }
    y[i] = s0;
    y[i + 1] = s1;
    y[i + 2] = s2;
    y[i + 3] = s3;
  }
  for (; i < m; ++i) {
    const T* r = a + i * lda;
    V c = V{};
    int64_t p = 0;
    for (; p + W <= k; p += W) c = eg::madd(load(r + p), load(x + p), c);
    hsum(s, c);
    for (; p < k; ++p) s += r[p] * x[p];
    y[i] = s;
  }
#undef load
#undef hsum
}

// y[0:m] = sum_p x[p] * A[p, 0:m], rows lda apart (an axpy per p).
template <class T>
EG_INLINE void gemv_axpy_impl(const T* a, int64_t lda, const T* x, T* y, int64_t m, int64_t k) {
  for (int64_t i = 0; i < m; ++i) y[i] = T(0);
  for (int64_t p = 0; p < k; ++p) {
    const T xp = x[p];
    const T* __restrict r = a + p * lda;
    T* __restrict out = y;
    for (int64_t i = 0; i < m; ++i) out[i] += xp * r[i];
  }
}

template <class T>
struct Gemv {
  void (*dot)(const T*, int64_t, const T*, T*, int64_t, int64_t);
  void (*axpy)(const T*, int64_t, const T*, T*, int64_t, int64_t);
};

#define EG_DEFINE_GEMV(NAME, ATTR, T, VB)                                                        \
  ATTR void NAME##_dot(const T* a, int64_t lda, const T* x, T* y, int64_t m, int64_t k) {     \
    gemv_dot_impl<T, VB>(a, lda, x, y, m, k);                                                  \
  }                                                                                            \
  ATTR void NAME##_axpy(const T* a, int64_t lda, const T* x, T* y, int64_t m, int64_t k) {    \
    gemv_axpy_impl<T>(a, lda, x, y, m, k);                                                     \
  }                                                                                            \
  const Gemv<T> NAME = {NAME##_dot, NAME##_axpy};

EG_DEFINE_GEMV(generic_gemv_f32, , float, 16)
EG_DEFINE_GEMV(generic_gemv_f64, , double, 16)
#ifdef EG_HAVE_AVX2
EG_DEFINE_GEMV(avx2_gemv_f32, EG_TARGET_AVX2, float, 32)
EG_DEFINE_GEMV(avx2_gemv_f64, EG_TARGET_AVX2, double, 32)
#endif

template <class T>
const Kernels<T>& kernels();
template <>
const Kernels<float>& kernels<float>() {
#ifdef EG_HAVE_AVX2
  if (eg::has_avx2()) return avx2_f32;
#endif
  return generic_f32;
}
template <>
const Kernels<double>& kernels<double>() {
#ifdef EG_HAVE_AVX2
  if (eg::has_avx2()) return avx2_f64;
#endif
  return generic_f64;
}

template <class T>
const Gemv<T>& gemv_kernels();
template <>
const Gemv<float>& gemv_kernels<float>() {
#ifdef EG_HAVE_AVX2
  if (eg::has_avx2()) return avx2_gemv_f32;
#endif
  return generic_gemv_f32;
}
template <>
const Gemv<double>& gemv_kernels<double>() {
#ifdef EG_HAVE_AVX2
  if (eg::has_avx2()) return avx2_gemv_f64;
#endif
  return generic_gemv_f64;
}

// ---------------------------------------------------------------- driver --

// Grow-only 64-byte-aligned scratch, one per thread, so steady-state calls
// never touch the allocator (fresh large mallocs cost page faults).
template <class T>
T* scratch(int slot, int64_t count) {
  struct Buf {
    void* p = nullptr;
    int64_t bytes = 0;
    ~Buf() { ::operator delete(p, std::align_val_t(64)); }
  };
  thread_local Buf bufs[3];  // 0: packed B, 1: packed A, 2: split-K partials
  Buf& b = bufs[slot];
  const int64_t need = count * int64_t(sizeof(T));
  if (b.bytes < need) {
    ::operator delete(b.p, std::align_val_t(64));
    b.p = nullptr;
    b.bytes = 0;
    b.p = ::operator new(size_t(need), std::align_val_t(64));
    b.bytes = need;
  }
  return static_cast<T*>(b.p);
}

struct Operand {
  int64_t rs, cs;  // element (i, j) sits at i*rs + j*cs
};

constexpr double kMinFlopsPerThread = 1 << 17;

// Largest output (m·n elements) that split-K handles: its partial products,
// one per KC block of k, stay in L2.
constexpr int64_t kSplitKMaxOutput = 128 * 128;

// Small C with a long k (weight gradients: 64×64 from k = 2000 edges): rows of
// C are too few to share out, and one parallel region per KC block costs more
// than the block. Each KC block's product goes to its own partial instead
// (any thread may compute it), then the partials are summed in block order,
// which is exactly the serial kernel's accumulation: the result does not
// depend on the thread count.
template <class T>
void gemm_split_k(const Kernels<T>& K, const T* a, Operand A, const T* b, Operand B, T* c,
                  int64_t m, int64_t k, int64_t n) {
  const int64_t blocks = (k + K.kc - 1) / K.kc;
  const int64_t mn = m * n;
  T* partial = scratch<T>(2, blocks * mn);
  const int64_t panels_n = (n + K.nr - 1) / K.nr;
  eg::parallel_for(0, blocks, [&](int64_t q0, int64_t q1) {
    T* bpack = scratch<T>(0, panels_n * K.nr * std::min(k, K.kc));
    T* apack = scratch<T>(1, K.mc * std::min(k, K.kc));
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t pc = q * K.kc;
      const int64_t kc = std::min(K.kc, k - pc);
      K.pack_b(b + pc * B.rs, B.rs, B.cs, kc, n, 0, panels_n, bpack);
      T* dst = q == 0 ? c : partial + q * mn;
      for (int64_t ic = 0; ic < m; ic += K.mc) {
        const int64_t mc = std::min(K.mc, m - ic);
        K.block(a + pc * A.cs + ic * A.rs, A.rs, A.cs, mc, kc, bpack, n, dst + ic * n, n, false,
                apack);
      }
    }
  }, 1);
  for (int64_t q = 1; q < blocks; ++q) {
    const T* __restrict src = partial + q * mn;
    T* __restrict dst = c;
    for (int64_t i = 0; i < mn; ++i) dst[i] = dst[i] + src[i];
  }
}

// One GEMM C[m,n] = A·B. `threaded` lets it split the work across the pool.
template <class T>
void gemm(const Kernels<T>& K, const T* a, Operand A, const T* b, Operand B, T* c, int64_t m,
          int64_t k, int64_t n, bool threaded) {
  if (threaded && k > K.kc && n <= K.nc && m * n <= kSplitKMaxOutput && eg::num_threads() > 1 &&
      2.0 * double(m) * double(k) * double(n) >= 4 * kMinFlopsPerThread) {
    gemm_split_k(K, a, A, b, B, c, m, k, n);
    return;
  }
  const int64_t panels_n_max = (std::min(n, K.nc) + K.nr - 1) / K.nr;
  T* bpack = scratch<T>(0, panels_n_max * K.nr * std::min(k, K.kc));
  for (int64_t jc = 0; jc < n; jc += K.nc) {
    const int64_t nc = std::min(K.nc, n - jc);
    const int64_t panels_n = (nc + K.nr - 1) / K.nr;
    for (int64_t pc = 0; pc < k; pc += K.kc) {
      const int64_t kc = std::min(K.kc, k - pc);
      const T* bsrc = b + pc * B.rs + jc * B.cs;
      const T* asrc = a + pc * A.cs;
      const bool acc = pc > 0;
      const double block_flops = 2.0 * double(m) * double(kc) * double(nc);
      if (threaded && block_flops >= 2 * kMinFlopsPerThread) {
        eg::parallel_for(0, panels_n, [&](int64_t q0, int64_t q1) {
          K.pack_b(bsrc, B.rs, B.cs, kc, nc, q0, q1, bpack);
        }, std::max<int64_t>(1, 8192 / (kc * K.nr)));
        // Rows of C in whole MR panels; each thread packs its own A blocks.
        const int64_t panels_m = (m + K.mr - 1) / K.mr;
        const int64_t grain = std::max<int64_t>(
            1, int64_t(kMinFlopsPerThread / (2.0 * K.mr * double(kc) * double(nc))));
        eg::parallel_for(0, panels_m, [&](int64_t r0, int64_t r1) {
          T* apack = scratch<T>(1, K.mc * kc);
          const int64_t row_end = std::min(m, r1 * K.mr);
          for (int64_t ic = r0 * K.mr; ic < row_end; ic += K.mc) {
            const int64_t mc = std::min(K.mc, row_end - ic);
            K.block(asrc + ic * A.rs, A.rs, A.cs, mc, kc, bpack, nc, c + ic * n + jc, n, acc,
                    apack);
          }
        }, grain);
      } else {
        K.pack_b(bsrc, B.rs, B.cs, kc, nc, 0, panels_n, bpack);
        T* apack = scratch<T>(1, K.mc * kc);
        for (int64_t ic = 0; ic < m; ic += K.mc) {
          const int64_t mc = std::min(K.mc, m - ic);
          K.block(asrc + ic * A.rs, A.rs, A.cs, mc, kc, bpack, nc, c + ic * n + jc, n, acc, apack);
        }
      }
    }
  }
}

// C = A·B with n = 1 or m = 1. The vector operand is contiguous in every
// layout (a [k, 1] or [1, k] matrix); the matrix is read as dot products
// along its contiguous axis or as axpys across it. Rows of C (n = 1) or
// columns (m = 1) are shared out over the pool when there is enough work.
template <class T>
void gemv(const T* a, Operand A, const T* b, Operand B, T* out, int64_t batch, int64_t m,
          int64_t k, int64_t n, int64_t bsa, int64_t bsb) {
  const Gemv<T>& G = gemv_kernels<T>();
  const int64_t mn = m * n;
  const double work = double(m) * double(k) * double(n);
  for (int64_t p = 0; p < batch; ++p) {
    const T* ap = a + p * bsa;
    const T* bp = b + p * bsb;
    T* c = out + p * mn;
    // With n = 1, y[i] = sum_q A(i, q) x[q], x = B's only column; with m = 1,
    // y[j] = sum_q x[q] B(q, j), x = A's only row. Either way M is the matrix,
    // len the output length and (rs, cs) its strides along (output, q).
    const T* M = n == 1 ? ap : bp;
    const T* x = n == 1 ? bp : ap;
    const int64_t len = n == 1 ? m : n;
    const int64_t rs = n == 1 ? A.rs : B.cs, cs = n == 1 ? A.cs : B.rs;
    if (len == 1) {  // 1x1 output: a plain dot product
      T s = 0;
      for (int64_t q = 0; q < k; ++q) s += M[q * cs] * x[q];
      c[0] = s;
      continue;
    }
    if (cs == 1) {  // each output is a dot product over a contiguous row
      auto run = [&](int64_t lo, int64_t hi) { G.dot(M + lo * rs, rs, x, c + lo, hi - lo, k); };
      if (work >= 2 * kMinFlopsPerThread)
        eg::parallel_for(0, len, run, std::max<int64_t>(4, int64_t(kMinFlopsPerThread / (2.0 * k))));
      else
        run(0, len);
    } else {  // rs == 1: outputs are contiguous along each row q
      auto run = [&](int64_t lo, int64_t hi) { G.axpy(M + lo, cs, x, c + lo, hi - lo, k); };
      if (work >= 2 * kMinFlopsPerThread && len >= 64)
        eg::parallel_for(0, len, run, std::max<int64_t>(32, int64_t(kMinFlopsPerThread / (2.0 * k))));
      else
        run(0, len);
    }
  }
}

template <class T>
void matmul(const T* a, const T* b, T* out, int64_t batch, int64_t m, int64_t k, int64_t n,
            bool ta, bool tb, int64_t bsa, int64_t bsb) {
  if (m == 0 || n == 0 || batch == 0) return;
  if (k == 0) {
    std::memset(out, 0, size_t(batch * m * n) * sizeof(T));
    return;
  }
  // One shared B under row-major A contiguous across the batch: fold the
  // batch into M so B is packed once.
  if (batch > 1 && bsb == 0 && !ta && bsa == m * k) {
    m *= batch;
    batch = 1;
  }
  const Operand A = ta ? Operand{1, m} : Operand{k, 1};
  const Operand B = tb ? Operand{1, k} : Operand{n, 1};
  if (n == 1 || m == 1) {
    gemv(a, A, b, B, out, batch, m, k, n, bsa, bsb);
    return;
  }
  const Kernels<T>& K = kernels<T>();
  const int threads = eg::num_threads();
  const double flops = 2.0 * double(m) * double(k) * double(n);
  // Many matrices: one per thread, each packed privately. Few large ones:
  // split each across the pool.
  const bool per_batch = batch >= threads && (batch >= 4 * threads || batch % threads == 0 ||
                                              flops < 8 * kMinFlopsPerThread);
  if (per_batch) {
    eg::parallel_for(0, batch, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p)
        gemm(K, a + p * bsa, A, b + p * bsb, B, out + p * m * n, m, k, n, false);
    }, std::max<int64_t>(1, int64_t(kMinFlopsPerThread / flops)));
  } else {
    for (int64_t p = 0; p < batch; ++p)
      gemm(K, a + p * bsa, A, b + p * bsb, B, out + p * m * n, m, k, n, true);
  }
}

}  // namespace

extern "C" eg_status eg_matmul(eg_dtype dtype, const void* a, const void* b, void* out,
                               int64_t batch, int64_t m, int64_t k, int64_t n, int trans_a,
                               int trans_b, int64_t batch_stride_a, int64_t batch_stride_b) {
  EG_GUARD_BEGIN
  if (batch < 0 || m < 0 || k < 0 || n < 0)
    return eg::fail(EG_ERR_ARGUMENT, "matmul: negative size (batch %lld, m %lld, k %lld, n %lld)",
                    (long long)batch, (long long)m, (long long)k, (long long)n);
  if (batch_stride_a < 0 || batch_stride_b < 0)
    return eg::fail(EG_ERR_ARGUMENT, "matmul: negative batch stride");
  if (!eg::is_valid(dtype)) return eg::fail(EG_ERR_ARGUMENT, "matmul: invalid dtype %d", int(dtype));
  if (dtype == EG_I32) return eg::fail(EG_ERR_UNSUPPORTED, "matmul: int32 is not supported");
  if (batch == 0 || m == 0 || n == 0) return EG_OK;
  if (!out || (k > 0 && (!a || !b))) return eg::fail(EG_ERR_ARGUMENT, "matmul: null buffer");
  if (dtype == EG_F32)
    matmul(static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out),
           batch, m, k, n, trans_a != 0, trans_b != 0, batch_stride_a, batch_stride_b);
  else
    matmul(static_cast<const double*>(a), static_cast<const double*>(b), static_cast<double*>(out),
           batch, m, k, n, trans_a != 0, trans_b != 0, batch_stride_a, batch_stride_b);
  return EG_OK;
  EG_GUARD_END("matmul")
}
