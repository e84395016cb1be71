// SIMD support shared by the kernel sources (not part of the public ABI):
// runtime dispatch to their AVX2 + FMA code paths (a kernel compiled twice,
// generic and with EG_TARGET_AVX2, picks the second when eg::has_avx2() says
// the CPU runs it), the explicit 32-byte vector type they compute with, and
// madd, their multiply-add (relaxed SIMD madd in the wasm relaxed build).
#ifndef EQUIGRAPH_SIMD_H
#define EQUIGRAPH_SIMD_H

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(EG_NO_AVX2)
#define EG_HAVE_AVX2 1
#define EG_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace eg {

// Whether this CPU has AVX2 and FMA (false where no AVX2 path is compiled).
inline bool has_avx2() {
#ifdef EG_HAVE_AVX2
  static const bool ok = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return ok;
#else
  return false;
#endif
}

// Explicit 32-byte vectors of T, loaded unaligned through the reduced alignment:
// after inlining GCC cannot prove the kernels' pointers disjoint and would
// otherwise scalarise. (A vector_size type compiles on every target: AVX2,
// SSE2 pairs, wasm SIMD or scalars.)
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(32), aligned(4)));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(32), aligned(8)));
};
template <class T>
using Vec = typename VecOf<T>::type;

// madd(a, b, c) = a * b + c for scalars and for the kernels' vector types
// (16 or 32 bytes of float or double; a may be a scalar, broadcast).
// Natively plain arithmetic, which GCC contracts to FMA in the AVX2 paths.
// WASM SIMD128 has no FMA and clang does not contract there, so with relaxed
// SIMD (-mrelaxed-simd) vectors go through relaxed madd, 16 bytes at a time:
// fused where the CPU has FMA.
//
// Vectors are taken by const reference to types of element alignment (what
// the kernels load through): by value, GCC notes a psabi change for 32-byte
// vectors in code compiled without AVX, and a deduced template parameter
// would drop the reduced alignment. Returning them by value draws -Wpsabi
// there too; madd is always inlined, so no call ABI is involved.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float F32x4u __attribute__((vector_size(16), aligned(4)));
typedef double F64x2u __attribute__((vector_size(16), aligned(8)));
typedef float F32x8u __attribute__((vector_size(32), aligned(4)));
typedef double F64x4u __attribute__((vector_size(32), aligned(8)));

#define EG_SIMD_INLINE inline __attribute__((always_inline))
inline float madd(float a, float b, float c) { return a * b + c; }
inline double madd(double a, double b, double c) { return a * b + c; }

#if defined(__wasm_relaxed_simd__)
typedef float F32x4 __attribute__((vector_size(16)));
typedef double F64x2 __attribute__((vector_size(16)));
// Clang 14 calls it fma; later clangs relaxed_madd (same operation, a * b + c).
#if __has_builtin(__builtin_wasm_relaxed_madd_f32x4)
EG_SIMD_INLINE F32x4 madd16(F32x4 a, F32x4 b, F32x4 c) { return __builtin_wasm_relaxed_madd_f32x4(a, b, c); }
EG_SIMD_INLINE F64x2 madd16(F64x2 a, F64x2 b, F64x2 c) { return __builtin_wasm_relaxed_madd_f64x2(a, b, c); }
#else
EG_SIMD_INLINE F32x4 madd16(F32x4 a, F32x4 b, F32x4 c) { return __builtin_wasm_fma_f32x4(a, b, c); }
EG_SIMD_INLINE F64x2 madd16(F64x2 a, F64x2 b, F64x2 c) { return __builtin_wasm_fma_f64x2(a, b, c); }
#endif
// A vector of V as 16-byte halves H through relaxed madd (by value: a deduced
// V has natural alignment, which a reference would then claim).
template <class H, class V>
EG_SIMD_INLINE V madd_halves(V a, V b, V c) {
  V r;
  for (unsigned o = 0; o < sizeof(V); o += 16) {
    H x, y, z;
    __builtin_memcpy(&x, reinterpret_cast<const char*>(&a) + o, 16);
    __builtin_memcpy(&y, reinterpret_cast<const char*>(&b) + o, 16);
    __builtin_memcpy(&z, reinterpret_cast<const char*>(&c) + o, 16);
    const H s = madd16(x, y, z);
    __builtin_memcpy(reinterpret_cast<char*>(&r) + o, &s, 16);
  }
  return r;
}
#define EG_MADD_VECTOR(V, T, H)                                                                  \
  EG_SIMD_INLINE V madd(const V& a, const V& b, const V& c) { return madd_halves<H>(a, b, c); } \
  EG_SIMD_INLINE V madd(T a, const V& b, const V& c) {                                          \
    return madd_halves<H>(V(a - V{}), b, c); /* x - 0 == x for every x, -0 included */          \
  }
#else
#define EG_MADD_VECTOR(V, T, H)                                                          \
  EG_SIMD_INLINE V madd(const V& a, const V& b, const V& c) { return a * b + c; }       \
  EG_SIMD_INLINE V madd(T a, const V& b, const V& c) { return a * b + c; }
#endif
EG_MADD_VECTOR(F32x4u, float, F32x4)
EG_MADD_VECTOR(F64x2u, double, F64x2)
EG_MADD_VECTOR(F32x8u, float, F32x4)
EG_MADD_VECTOR(F64x4u, double, F64x2)
#undef EG_MADD_VECTOR

}  // namespace eg

#endif
