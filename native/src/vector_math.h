// Branch-free float32 transcendentals that compilers vectorise (SSE2, AVX2,
// wasm SIMD): the activations of every MLP are exp-bound, and libm's scalar
// exp costs ~4.5 ns per element. Accuracy is a few ulp on |x| < 80; callers
// recompute the rare elements outside that range (and NaN/Inf) exactly.
#ifndef EQUIGRAPH_VECTOR_MATH_H
#define EQUIGRAPH_VECTOR_MATH_H

#include <cstdint>
#include <cmath>
#include <cstring>

#include "simd.h"

namespace eg {

// Cephes expf: e^x = 2^n · e^r with n = round(x·log2 e), |r| ≤ ln2/2, and a
// degree-6 polynomial for e^r. Valid for |x| < 87 (normal results).
inline float exp_f32(float x) {
  const float magic = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer without a branch
  float n = (x * 1.44269504088896341f + magic) - magic;
  float r = x - n * 0.693359375f;
  r -= n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }

// Cephes tanhf: an odd polynomial near 0 (no cancellation), 1 − 2/(e^{2x}+1) elsewhere.
inline float tanh_f32(float x) {
  float ax = std::fabs(x);
  float z = x * x;
  float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
  float large = std::copysign(1.0f - 2.0f / (exp_f32(2.0f * ax) + 1.0f), x);
  // An arithmetic blend rather than a select: GCC will not if-convert it otherwise.
  float near_zero = ax < 0.625f ? 1.0f : 0.0f;
  return near_zero * small + (1.0f - near_zero) * large;
}

// The fast path covers |x| < kFastRange; beyond it (and for NaN) callers use libm.
constexpr float kFastRange = 40.0f;

// exp_f32 and sigmoid_f32 on explicit 8-lane vectors, for the loops that would
// otherwise leave vectorisation to the compiler: in wasm that keeps two 4-lane
// chains in flight per step and lets the polynomial use madd (relaxed-SIMD
// FMA); natively the same operations GCC contracts in the scalar version.
typedef int32_t I32x8u __attribute__((vector_size(32), aligned(4)));

EG_SIMD_INLINE F32x8u exp_f32(const F32x8u& x) {
  typedef F32x8u V;
  const V magic = V{} + 12582912.0f;
  const V n = madd(x, V{} + 1.44269504088896341f, magic) - magic;
  V r = madd(n, V{} - 0.693359375f, x);
  r = madd(n, V{} + 2.12194440e-4f, r);
  V p = V{} + 1.9875691500e-4f;
  p = madd(p, r, V{} + 1.3981999507e-3f);
  p = madd(p, r, V{} + 8.3334519073e-3f);
  p = madd(p, r, V{} + 4.1665795894e-2f);
  p = madd(p, r, V{} + 1.6666665459e-1f);
  p = madd(p, r, V{} + 5.0000001201e-1f);
  p = madd(p * r, r, r) + 1.0f;
  const I32x8u bits = (__builtin_convertvector(n, I32x8u) + 127) << 23;
  V scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

EG_SIMD_INLINE F32x8u sigmoid_f32(const F32x8u& x) { return 1.0f / (1.0f + exp_f32(-x)); }

// All lanes inside (-kFastRange, kFastRange) (false for NaN lanes).
EG_SIMD_INLINE I32x8u inside_fast_range(const F32x8u& x) { return (x < kFastRange) & (x > -kFastRange); }

}  // namespace eg

#endif
