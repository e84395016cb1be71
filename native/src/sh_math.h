// Maths shared by the CPU (spherical_harmonics.cpp) and CUDA
// (cuda/spherical_harmonics.cu) spherical-harmonics kernels, so both run the
// same arithmetic. Forward-mode number types:
//   Dual<T>  v + d ε,          ε² = 0        (one direction)
//   Grad<T>  v + Σ_i d_i ε_i,  ε_i ε_j = 0   (the gradient in x, y, z)
// nested for higher orders (Grad<Dual<Dual<S>>> for the triple backward).
// Under nvcc every function is also a device function.
#ifndef EQUIGRAPH_SH_MATH_H
#define EQUIGRAPH_SH_MATH_H

#include <math.h>

#if defined(__CUDACC__)
#define EG_SH_FN __host__ __device__ __forceinline__
#else
#define EG_SH_FN inline
#endif

namespace eg {
namespace sh {

template <class T>
struct Dual {
  T v, d;
};

template <class T>
struct Grad {
  T v;
  T d[3];
};

// Num<T>: the scalar type under T, constants and the value part.
template <class T>
struct Num {
  using base = T;
  EG_SH_FN static T make(base c) { return c; }
  EG_SH_FN static base value(const T& t) { return t; }
};
template <class T>
struct Num<Dual<T>> {
  using base = typename Num<T>::base;
  EG_SH_FN static Dual<T> make(base c) { return {Num<T>::make(c), Num<T>::make(0)}; }
  EG_SH_FN static base value(const Dual<T>& t) { return Num<T>::value(t.v); }
};
template <class T>
struct Num<Grad<T>> {
  using base = typename Num<T>::base;
  EG_SH_FN static Grad<T> make(base c) {
    const T z = Num<T>::make(0);
    return {Num<T>::make(c), {z, z, z}};
  }
  EG_SH_FN static base value(const Grad<T>& t) { return Num<T>::value(t.v); }
};
template <class T>
using base_t = typename Num<T>::base;

template <class T>
EG_SH_FN Dual<T> operator+(const Dual<T>& a, const Dual<T>& b) { return {a.v + b.v, a.d + b.d}; }
template <class T>
EG_SH_FN Dual<T> operator-(const Dual<T>& a, const Dual<T>& b) { return {a.v - b.v, a.d - b.d}; }
template <class T>
EG_SH_FN Dual<T> operator*(const Dual<T>& a, const Dual<T>& b) { return {a.v * b.v, a.v * b.d + a.d * b.v}; }
template <class T>
EG_SH_FN Dual<T> operator*(const Dual<T>& a, base_t<T> c) { return {a.v * c, a.d * c}; }

template <class T>
EG_SH_FN Grad<T> operator+(const Grad<T>& a, const Grad<T>& b) {
  return {a.v + b.v, {a.d[0] + b.d[0], a.d[1] + b.d[1], a.d[2] + b.d[2]}};
}
template <class T>
EG_SH_FN Grad<T> operator-(const Grad<T>& a, const Grad<T>& b) {
  return {a.v - b.v, {a.d[0] - b.d[0], a.d[1] - b.d[1], a.d[2] - b.d[2]}};
}
template <class T>
EG_SH_FN Grad<T> operator*(const Grad<T>& a, const Grad<T>& b) {
  return {a.v * b.v, {a.v * b.d[0] + a.d[0] * b.v, a.v * b.d[1] + a.d[1] * b.v, a.v * b.d[2] + a.d[2] * b.v}};
}
template <class T>
EG_SH_FN Grad<T> operator*(const Grad<T>& a, base_t<T> c) {
  return {a.v * c, {a.d[0] * c, a.d[1] * c, a.d[2] * c}};
}

// 1 / sqrt(t) with IEEE division and square root (not an approximate rsqrt),
// and its derivative -t^(-3/2) / 2.
EG_SH_FN float inv_sqrt(float t) { return 1.0f / sqrtf(t); }
EG_SH_FN double inv_sqrt(double t) { return 1.0 / sqrt(t); }
template <class T>
EG_SH_FN Dual<T> inv_sqrt(const Dual<T>& a) {
  const T s = inv_sqrt(a.v);
  const T k = s * s * s * base_t<T>(-0.5);
  return {s, k * a.d};
}
template <class T>
EG_SH_FN Grad<T> inv_sqrt(const Grad<T>& a) {
  const T s = inv_sqrt(a.v);
  const T k = s * s * s * base_t<T>(-0.5);
  return {s, {k * a.d[0], k * a.d[1], k * a.d[2]}};
}

// Reverse mode by hand for the l <= 3 polynomials (the benchmark's backward):
// (ax, ay, az) = Σ_k w_k ∂Y_k/∂(x, y, z), w indexed l² + l + m. About half
// the work of pushing Grad numbers through `polynomials`.
template <class S>
EG_SH_FN void polynomials_vjp(int lmax, S x, S y, S z, const S* w, S& ax, S& ay, S& az) {
  ax = ay = az = S(0);
  if (lmax < 1) return;
  const S s3 = S(1.7320508075688772), s5 = S(2.23606797749979), s15 = S(3.872983346207417);
  ax = s3 * w[1];
  ay = s3 * w[2];
  az = s3 * w[3];
  if (lmax < 2) return;
  // Y4 = √15 xz, Y5 = √15 xy, Y6 = √5 (y² − (x²+z²)/2), Y7 = √15 yz, Y8 = (√15/2)(z² − x²)
  ax += s15 * (w[4] * z + w[5] * y - w[8] * x) - s5 * w[6] * x;
  ay += s15 * (w[5] * x + w[7] * z) + S(2) * s5 * w[6] * y;
  az += s15 * (w[4] * x + w[7] * y + w[8] * z) - s5 * w[6] * z;
  if (lmax < 3) return;
  const S c70 = S(2.091650066335189), c105 = S(10.246950765959598), c42 = S(1.6201851746019651),
          c7 = S(1.3228756555322954), h105 = S(5.123475382979799);
  const S x2 = x * x, y2 = y * y, z2 = z * z;
  const S W = S(4) * y2 - x2 - z2;
  const S w9 = c70 * w[9], w10 = c105 * w[10], w11 = c42 * w[11], w12 = c7 * w[12],
          w13 = c42 * w[13], w14 = h105 * w[14], w15 = c70 * w[15];
  // Y9 = c70 (3xz² − x³), Y10 = √105 xyz, Y11 = c42 x W, Y12 = c7 (2y³ − 3x²y − 3yz²),
  // Y13 = c42 z W, Y14 = (√105/2) y (z² − x²), Y15 = c70 (z³ − 3x²z), W = 4y² − x² − z²
  ax += w9 * S(3) * (z2 - x2) + w10 * y * z + w11 * (W - S(2) * x2) - w12 * S(6) * x * y -
        w13 * S(2) * x * z - w14 * S(2) * x * y - w15 * S(6) * x * z;
  ay += w10 * x * z + w11 * S(8) * x * y + w12 * (S(6) * y2 - S(3) * (x2 + z2)) +
        w13 * S(8) * y * z + w14 * (z2 - x2);
  az += w9 * S(6) * x * z + w10 * x * y - w11 * S(2) * x * z - w12 * S(6) * y * z +
        w13 * (W - S(2) * z2) + w14 * S(2) * y * z + w15 * S(3) * (z2 - x2);
}

}  // namespace sh
}  // namespace eg

#endif
