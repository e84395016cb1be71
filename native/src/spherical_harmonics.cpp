// Real spherical harmonics (e3nn's convention) with exact derivatives up to
// third order, see "spherical harmonics" in include/equigraph.h.
//
// One evaluation, templated on the number type, gives every derivative:
//   forward          T = S                       value
//   backward         T = Grad<S>                 value + gradient (3 directions)
//   double backward  T = Grad<Dual<S>>           + derivatives along gg: J gg, H gg
//   triple backward  T = Grad<Dual<Dual<S>>>     + along a and b: a^T H b and its gradient
// i.e. forward-mode dual numbers (nested for higher orders) pushed through
// the same polynomial / recurrence as the value, so derivatives are exact
// up to rounding. Degrees l <= 3 use e3nn's hard-coded polynomials (the
// benchmark case); higher degrees the normalised Legendre recurrences of
// packages/geometry/src/spherical-harmonics.ts (stable to high l).
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "internal.h"
#include "parallel.h"
#include "sh_math.h"

namespace {

using eg::sh::base_t;
using eg::sh::Dual;
using eg::sh::Grad;
using eg::sh::inv_sqrt;
using eg::sh::Num;
using eg::sh::polynomials_vjp;

// ------------------------------------------------------------- the spec

// Everything fixed for one call: degrees, normalisation, recurrence tables.
struct Spec {
  std::vector<int> ls;
  std::vector<double> factor;  // per entry of ls: 'component' -> requested normalisation
  int lmax = 0;
  int64_t width = 0;
  bool normalize = false;
  // Recurrence coefficients (see spherical-harmonics.ts): diag[m] = Π̃_m^m,
  // a/b[l * (lmax + 1) + m] for l > m.
  std::vector<double> diag, a, b;
};

eg_status make_spec(const char* fn, const int32_t* ls, int n_ls, int normalize, int normalization,
                    Spec& s) {
  if (n_ls < 1 || n_ls > EG_SH_MAX_LS)
    return eg::fail(EG_ERR_ARGUMENT, "%s: n_ls must lie in [1, %d], got %d", fn, EG_SH_MAX_LS, n_ls);
  if (!ls) return eg::fail(EG_ERR_ARGUMENT, "%s: ls is null", fn);
  if (normalization < EG_SH_INTEGRAL || normalization > EG_SH_NORM)
    return eg::fail(EG_ERR_ARGUMENT, "%s: unknown normalization code %d (0 integral, 1 component, 2 norm)",
                    fn, normalization);
  s.normalize = normalize != 0;
  s.lmax = 0;
  s.width = 0;
  for (int k = 0; k < n_ls; ++k) {
    const int l = ls[k];
    if (l < 0 || l > EG_SH_MAX_L)
      return eg::fail(EG_ERR_ARGUMENT, "%s: degree ls[%d] = %d is outside [0, %d]", fn, k, l, EG_SH_MAX_L);
    s.ls.push_back(l);
    s.lmax = l > s.lmax ? l : s.lmax;
    s.width += 2 * l + 1;
    double f = 1;
    if (normalization == EG_SH_INTEGRAL) f = 1 / std::sqrt(4 * M_PI);
    else if (normalization == EG_SH_NORM) f = 1 / std::sqrt(2.0 * l + 1);
    s.factor.push_back(f);
  }
  const int L = s.lmax;
  s.diag.assign(L + 1, 1.0);
  s.a.assign(size_t(L + 1) * (L + 1), 0.0);
  s.b.assign(size_t(L + 1) * (L + 1), 0.0);
  double d = 1;
  for (int m = 0; m <= L; ++m) {
    if (m == 1) d = std::sqrt(3.0);
    else if (m >= 2) d *= std::sqrt((2.0 * m + 1) / (2.0 * m));
    s.diag[m] = d;
    for (int l = m + 1; l <= L; ++l) {
      double& a = s.a[size_t(l) * (L + 1) + m];
      double& b = s.b[size_t(l) * (L + 1) + m];
      if (l == m + 1) {
        a = std::sqrt(2.0 * m + 3);
        b = 0;
      } else {
        a = std::sqrt(double(2 * l - 1) * (2 * l + 1) / (double(l - m) * (l + m)));
        b = std::sqrt(double(2 * l + 1) * (l + m - 1) * (l - m - 1) /
                      (double(2 * l - 3) * (l + m) * (l - m)));
      }
    }
  }
  return EG_OK;
}

// ------------------------------------------------------------ evaluation

// e3nn's closed forms for l <= 3 ('component' normalisation), as polynomials
// of (x, y, z); out[l² + l + m].
template <class T>
inline void polynomials(int lmax, const T& x, const T& y, const T& z, T* o) {
  using B = base_t<T>;
  o[0] = Num<T>::make(1);
  if (lmax < 1) return;
  const B s3 = B(1.7320508075688772), s5 = B(2.23606797749979), s15 = B(3.872983346207417);
  o[1] = x * s3;
  o[2] = y * s3;
  o[3] = z * s3;
  if (lmax < 2) return;
  const T x2 = x * x, y2 = y * y, z2 = z * z, xz2 = x2 + z2;
  o[4] = (x * z) * s15;
  o[5] = (x * y) * s15;
  o[6] = (y2 - xz2 * B(0.5)) * s5;
  o[7] = (y * z) * s15;
  o[8] = (z2 - x2) * B(1.9364916731037085);  // √15 / 2
  if (lmax < 3) return;
  const B c70 = B(2.091650066335189);   // √70 / 4
  const B c105 = B(10.246950765959598);  // √105
  const B c42 = B(1.6201851746019651);  // √42 / 4
  const B c7 = B(1.3228756555322954);   // √7 / 2
  const T w = y2 * B(4) - xz2;
  o[9] = (x * (z2 * B(3) - x2)) * c70;
  o[10] = (x * y * z) * c105;
  o[11] = (x * w) * c42;
  o[12] = (y * (y2 * B(2) - xz2 * B(3))) * c7;
  o[13] = (z * w) * c42;
  o[14] = (y * (z2 - x2)) * B(5.123475382979799);  // √105 / 2
  o[15] = (z * (z2 - x2 * B(3))) * c70;
}

// The normalised recurrences of spherical-harmonics.ts at (X, Y, Z) = (z, x, y).
template <class T>
void recurrence(const Spec& s, const T& X, const T& Y, const T& Z, T* out, T* C, T* S) {
  using B = base_t<T>;
  const int L = s.lmax;
  const T rho = X * X + Y * Y + Z * Z;
  C[0] = Num<T>::make(1);
  S[0] = Num<T>::make(0);
  for (int m = 1; m <= L; ++m) {
    C[m] = C[m - 1] * X - S[m - 1] * Y;
    S[m] = S[m - 1] * X + C[m - 1] * Y;
  }
  for (int m = 0; m <= L; ++m) {
    const T diag = Num<T>::make(B(s.diag[m]));
    T p2 = Num<T>::make(0), p1 = diag;
    for (int l = m; l <= L; ++l) {
      T p = diag;
      if (l > m) {
        const size_t k = size_t(l) * (L + 1) + m;
        p = (Z * p1) * B(s.a[k]);
        if (l > m + 1) p = p - (rho * p2) * B(s.b[k]);
        p2 = p1;
        p1 = p;
      }
      const int base = l * l + l;
      if (m == 0) {
        out[base] = p;
      } else {
        out[base + m] = p * C[m];
        out[base - m] = p * S[m];
      }
    }
  }
}

// Per-thread scratch for one number type.
template <class T>
struct Scratch {
  std::vector<T> all, C, S;
  explicit Scratch(int lmax) : all(size_t(lmax + 1) * (lmax + 1)), C(lmax + 1), S(lmax + 1) {}
};

// 'component' harmonics of degrees 0..lmax of (x, y, z), projected onto the
// unit sphere first when the spec says so, into w.all.
template <class T>
inline void evaluate(const Spec& s, T x, T y, T z, Scratch<T>& w) {
  if (s.normalize) {
    const T r2 = x * x + y * y + z * z;
    if (Num<T>::value(r2) > 0) {  // false for 0 and NaN: the documented zero vector
      const T k = inv_sqrt(r2);
      x = x * k;
      y = y * k;
      z = z * k;
    } else {
      x = y = z = Num<T>::make(0);
    }
  }
  if (s.lmax <= 3) polynomials(s.lmax, x, y, z, w.all.data());
  else recurrence(s, z, x, y, w.all.data(), w.C.data(), w.S.data());
}

// Calls f(k, l, column, index into all, factor) for every output component.
template <class F>
inline void for_each_component(const Spec& s, F&& f) {
  int64_t col = 0;
  for (size_t e = 0; e < s.ls.size(); ++e) {
    const int l = s.ls[e];
    const double fac = s.factor[e];
    for (int j = 0; j < 2 * l + 1; ++j) f(col + j, l * l + j, fac);
    col += 2 * l + 1;
  }
}

constexpr int64_t kGrain = 2048;

// ----------------------------------------------------------------- kernels
// IO: element type of the buffers; S: arithmetic type (IO for the float
// polynomial path, double otherwise).

template <class IO, class S>
void forward(const Spec& s, const IO* x, int64_t n, IO* out) {
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    Scratch<S> w(s.lmax);
    const S* all = w.all.data();
    for (int64_t i = lo; i < hi; ++i) {
      evaluate<S>(s, S(x[3 * i]), S(x[3 * i + 1]), S(x[3 * i + 2]), w);
      IO* o = out + i * s.width;
      for_each_component(s, [&](int64_t c, int idx, double f) { o[c] = IO(all[idx] * S(f)); });
    }
  }, kGrain);
}

// l <= 3: the hand-written vector-Jacobian product, then the chain rule
// through x / |x|: (I − x̂x̂ᵀ) / |x|.
template <class IO, class S>
void backward_polynomials(const Spec& s, const IO* x, int64_t n, const IO* g, IO* gx) {
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    S w[16];
    for (int64_t i = lo; i < hi; ++i) {
      S ux = S(x[3 * i]), uy = S(x[3 * i + 1]), uz = S(x[3 * i + 2]);
      S inv = S(1);
      if (s.normalize) {
        const S r2 = ux * ux + uy * uy + uz * uz;
        if (!(r2 > 0)) {  // zero vector (or NaN): gradient defined as 0
          gx[3 * i] = gx[3 * i + 1] = gx[3 * i + 2] = IO(0);
          continue;
        }
        inv = inv_sqrt(r2);
        ux *= inv;
        uy *= inv;
        uz *= inv;
      }
      for (S& v : w) v = S(0);
      const IO* gi = g + i * s.width;
      for_each_component(s, [&](int64_t c, int idx, double f) { w[idx] += S(gi[c]) * S(f); });
      S ax, ay, az;
      polynomials_vjp(s.lmax, ux, uy, uz, w, ax, ay, az);
      if (s.normalize) {
        const S dot = ax * ux + ay * uy + az * uz;
        ax = (ax - dot * ux) * inv;
        ay = (ay - dot * uy) * inv;
        az = (az - dot * uz) * inv;
      }
      gx[3 * i] = IO(ax);
      gx[3 * i + 1] = IO(ay);
      gx[3 * i + 2] = IO(az);
    }
  }, kGrain);
}

template <class IO, class S>
void backward(const Spec& s, const IO* x, int64_t n, const IO* g, IO* gx) {
  if (s.lmax <= 3) return backward_polynomials<IO, S>(s, x, n, g, gx);
  using T = Grad<S>;
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    Scratch<T> w(s.lmax);
    for (int64_t i = lo; i < hi; ++i) {
      const T vx{S(x[3 * i]), {S(1), S(0), S(0)}};
      const T vy{S(x[3 * i + 1]), {S(0), S(1), S(0)}};
      const T vz{S(x[3 * i + 2]), {S(0), S(0), S(1)}};
      evaluate<T>(s, vx, vy, vz, w);
      const IO* gi = g + i * s.width;
      S a0 = 0, a1 = 0, a2 = 0;
      for_each_component(s, [&](int64_t c, int idx, double f) {
        const S gk = S(gi[c]) * S(f);
        const T& y = w.all[idx];
        a0 += gk * y.d[0];
        a1 += gk * y.d[1];
        a2 += gk * y.d[2];
      });
      gx[3 * i] = IO(a0);
      gx[3 * i + 1] = IO(a1);
      gx[3 * i + 2] = IO(a2);
    }
  }, kGrain);
}

template <class IO, class S>
void double_backward(const Spec& s, const IO* x, int64_t n, const IO* g, const IO* gg, IO* ogx,
                     IO* ogo) {
  using D = Dual<S>;
  using T = Grad<D>;
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    Scratch<T> w(s.lmax);
    const D one{S(1), S(0)}, zero{S(0), S(0)};
    for (int64_t i = lo; i < hi; ++i) {
      const T vx{D{S(x[3 * i]), S(gg[3 * i])}, {one, zero, zero}};
      const T vy{D{S(x[3 * i + 1]), S(gg[3 * i + 1])}, {zero, one, zero}};
      const T vz{D{S(x[3 * i + 2]), S(gg[3 * i + 2])}, {zero, zero, one}};
      evaluate<T>(s, vx, vy, vz, w);
      const IO* gi = g + i * s.width;
      IO* oi = ogo + i * s.width;
      S a0 = 0, a1 = 0, a2 = 0;
      for_each_component(s, [&](int64_t c, int idx, double f) {
        const T& y = w.all[idx];
        const S gk = S(gi[c]) * S(f);
        a0 += gk * y.d[0].d;
        a1 += gk * y.d[1].d;
        a2 += gk * y.d[2].d;
        oi[c] = IO(y.v.d * S(f));
      });
      ogx[3 * i] = IO(a0);
      ogx[3 * i + 1] = IO(a1);
      ogx[3 * i + 2] = IO(a2);
    }
  }, kGrain);
}

template <class IO, class S>
void triple_backward(const Spec& s, const IO* x, int64_t n, const IO* g, const IO* a, const IO* b,
                     IO* ogx, IO* ohess) {
  using D = Dual<S>;
  using DD = Dual<D>;
  using T = Grad<DD>;
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    Scratch<T> w(s.lmax);
    const DD one{D{S(1), S(0)}, D{S(0), S(0)}}, zero{D{S(0), S(0)}, D{S(0), S(0)}};
    auto seed = [&](int64_t j) { return DD{D{S(x[j]), S(a[j])}, D{S(b[j]), S(0)}}; };
    for (int64_t i = lo; i < hi; ++i) {
      const T vx{seed(3 * i), {one, zero, zero}};
      const T vy{seed(3 * i + 1), {zero, one, zero}};
      const T vz{seed(3 * i + 2), {zero, zero, one}};
      evaluate<T>(s, vx, vy, vz, w);
      const IO* gi = g + i * s.width;
      IO* hi_out = ohess + i * s.width;
      S a0 = 0, a1 = 0, a2 = 0;
      for_each_component(s, [&](int64_t c, int idx, double f) {
        const T& y = w.all[idx];
        const S gk = S(gi[c]) * S(f);
        a0 += gk * y.d[0].d.d;
        a1 += gk * y.d[1].d.d;
        a2 += gk * y.d[2].d.d;
        hi_out[c] = IO(y.v.d.d * S(f));
      });
      ogx[3 * i] = IO(a0);
      ogx[3 * i + 1] = IO(a1);
      ogx[3 * i + 2] = IO(a2);
    }
  }, kGrain);
}

// Shared argument checks; `bufs` are the buffers that must be non-null when n > 0.
eg_status check_common(const char* fn, eg_dtype dtype, int64_t n, std::initializer_list<const void*> bufs) {
  if (dtype == EG_I32) return eg::fail(EG_ERR_UNSUPPORTED, "%s: int32 is not supported (float32 or float64)", fn);
  if (!eg::is_float(dtype)) return eg::fail(EG_ERR_ARGUMENT, "%s: invalid dtype %d", fn, int(dtype));
  if (n < 0) return eg::fail(EG_ERR_ARGUMENT, "%s: negative number of vectors %lld", fn, (long long)n);
  if (n > 0)
    for (const void* p : bufs)
      if (!p) return eg::fail(EG_ERR_ARGUMENT, "%s: null buffer", fn);
  return EG_OK;
}

// Float polynomials stay in float (they vectorise; the error is a few ulp);
// the recurrences run in double whatever the storage type.
template <class Run>
void dispatch(eg_dtype dtype, const Spec& s, Run&& run) {
  if (dtype == EG_F64) run((double*)nullptr, (double*)nullptr);
  else if (s.lmax <= 3) run((float*)nullptr, (float*)nullptr);
  else run((float*)nullptr, (double*)nullptr);
}

}  // namespace

extern "C" eg_status eg_spherical_harmonics(eg_dtype dtype, const int32_t* ls, int n_ls,
                                            int normalize, int normalization, const void* x,
                                            int64_t n, void* out) {
  EG_GUARD_BEGIN
  const char* fn = "spherical_harmonics";
  Spec s;
  if (eg_status st = check_common(fn, dtype, n, {x, out})) return st;
  if (eg_status st = make_spec(fn, ls, n_ls, normalize, normalization, s)) return st;
  dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    forward<IO, S>(s, static_cast<const IO*>(x), n, static_cast<IO*>(out));
  });
  return EG_OK;
  EG_GUARD_END("spherical_harmonics")
}

extern "C" eg_status eg_spherical_harmonics_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                     int normalize, int normalization,
                                                     const void* x, int64_t n,
                                                     const void* grad_out, void* grad_x) {
  EG_GUARD_BEGIN
  const char* fn = "spherical_harmonics_backward";
  Spec s;
  if (eg_status st = check_common(fn, dtype, n, {x, grad_out, grad_x})) return st;
  if (eg_status st = make_spec(fn, ls, n_ls, normalize, normalization, s)) return st;
  dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    backward<IO, S>(s, static_cast<const IO*>(x), n, static_cast<const IO*>(grad_out),
                    static_cast<IO*>(grad_x));
  });
  return EG_OK;
  EG_GUARD_END("spherical_harmonics_backward")
}

extern "C" eg_status eg_spherical_harmonics_double_backward(
    eg_dtype dtype, const int32_t* ls, int n_ls, int normalize, int normalization, const void* x,
    int64_t n, const void* grad_out, const void* gg_x, void* out_grad_x, void* out_grad_grad_out) {
  EG_GUARD_BEGIN
  const char* fn = "spherical_harmonics_double_backward";
  Spec s;
  if (eg_status st = check_common(fn, dtype, n, {x, grad_out, gg_x, out_grad_x, out_grad_grad_out}))
    return st;
  if (eg_status st = make_spec(fn, ls, n_ls, normalize, normalization, s)) return st;
  dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    double_backward<IO, S>(s, static_cast<const IO*>(x), n, static_cast<const IO*>(grad_out),
                           static_cast<const IO*>(gg_x), static_cast<IO*>(out_grad_x),
                           static_cast<IO*>(out_grad_grad_out));
  });
  return EG_OK;
  EG_GUARD_END("spherical_harmonics_double_backward")
}

extern "C" eg_status eg_spherical_harmonics_triple_backward(
    eg_dtype dtype, const int32_t* ls, int n_ls, int normalize, int normalization, const void* x,
    int64_t n, const void* grad_out, const void* a, const void* b, void* out_grad_x,
    void* out_hess) {
  EG_GUARD_BEGIN
  const char* fn = "spherical_harmonics_triple_backward";
  Spec s;
  if (eg_status st = check_common(fn, dtype, n, {x, grad_out, a, b, out_grad_x, out_hess})) return st;
  if (eg_status st = make_spec(fn, ls, n_ls, normalize, normalization, s)) return st;
  dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    triple_backward<IO, S>(s, static_cast<const IO*>(x), n, static_cast<const IO*>(grad_out),
                           static_cast<const IO*>(a), static_cast<const IO*>(b),
                           static_cast<IO*>(out_grad_x), static_cast<IO*>(out_hess));
  });
  return EG_OK;
  EG_GUARD_END("spherical_harmonics_triple_backward")
}
