// SIMD support shared by the kernel sources (not part of the public ABI):
// runtime dispatch to their AVX2 + FMA code paths (a kernel compiled twice,
// generic and with EG_TARGET_AVX2, picks the second when eg::has_avx2() says
// the CPU runs it), and the explicit 32-byte vector type they compute with.
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

}  // namespace eg

#endif
