// Forward-mode number types of the spherical-harmonics kernels, shared by the
// CPU (spherical_harmonics.cpp) and CUDA (cuda/spherical_harmonics.cu)
// versions so both push the same dual numbers through the same polynomials:
//   Dual<T>  v + d ε,          ε² = 0        (one direction)
//   Grad<T>  v + Σ_i d_i ε_i,  ε_i ε_j = 0   (the gradient in x, y, z)
// nested for higher orders (Grad<Dual<Dual<S>>> for the triple backward).
// Under nvcc every function is also a device function.
#ifndef EQUIGRAPH_SH_NUMBERS_H
#define EQUIGRAPH_SH_NUMBERS_H

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

}  // namespace sh
}  // namespace eg

#endif
