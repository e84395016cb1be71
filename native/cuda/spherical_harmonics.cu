// Real spherical harmonics on the device (egc_spherical_harmonics*): the
// ABI, conventions and numerics of native/src/spherical_harmonics.cpp (see
// "spherical harmonics" in equigraph.h), every degree up to EG_SH_MAX_L.
//
// The same algorithm as the CPU, one thread per vector:
//   - l <= 3: e3nn's closed-form polynomials; the backward uses the
//     hand-written vector-Jacobian product, the higher derivatives dual
//     numbers pushed through the polynomials;
//   - l > 3: the normalised associated-Legendre recurrences of
//     packages/geometry/src/spherical-harmonics.ts at (X, Y, Z) = (z, x, y),
//     with the CPU's coefficient tables (built on the host by the same code
//     and cached on the device, constants.cu);
//   - derivatives are exact: forward-mode dual numbers (Grad for the
//     gradient, nested Dual for the directions of the double and triple
//     backward), no finite differences;
//   - arithmetic type as on the CPU: float for float32 with lmax <= 3, double
//     otherwise (float32 storage is rounded once at the end).
// The one difference in structure: the CPU evaluates every (l, m) into a
// per-thread table and then reads the requested degrees; here each value is
// consumed as soon as the recurrence produces it (only degrees in `ls` are
// consumed), so no thread needs (lmax + 1)^2 numbers of scratch. Forward
// values go through the same operations as on the CPU; the gradients' sums
// over components run in (m, l) order instead of the order of `ls`, so they
// agree with the CPU to rounding. nvcc contracts a * b + c into FMAs where
// GCC on baseline x86-64 does not, so results are close, not bit-identical.
//
// NOT YET RUN ON A GPU: written and compiled on a machine without one.
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "common.cuh"
#include "../src/sh_math.h"

namespace {

using eg::sh::base_t;
using eg::sh::Dual;
using eg::sh::Grad;
using eg::sh::inv_sqrt;
using eg::sh::Num;
using eg::sh::polynomials_vjp;

// ------------------------------------------------------------ the table

// Layout of the device table (one blob, cached by (ls, normalization)):
//   col_off[lmax + 2]  int32: entries of `cols` for degree l are [col_off[l], col_off[l + 1])
//   cols[n_ls]         int32: first output column of each entry of ls, grouped by degree, in ls order
//   factor[lmax + 1]   double: 'component' -> requested normalisation, per degree
//   diag[lmax + 1], a[(lmax + 1)^2], b[(lmax + 1)^2]  double: recurrence coefficients
struct Meta {
  int32_t lmax;
  int32_t n_ls;
  int64_t width;
  int64_t col_off, cols, factor, diag, a, b;  // byte offsets in the blob
};

struct Table {
  const int32_t* col_off;
  const int32_t* cols;
  const double* factor;
  const double* diag;
  const double* a;
  const double* b;
  int32_t lmax;
  int64_t width;
  bool normalize;
};

size_t align16(size_t n) { return (n + 15) & ~size_t(15); }

// M_PI of the CPU build (the same double); M_PI itself is not standard C++.
constexpr double kPi = 3.14159265358979323846;

// The CPU's make_spec: checks and recurrence tables (same formulas, same order).
egc_status build_table(const char* fn, const int32_t* ls, int n_ls, int normalization,
                       std::vector<unsigned char>& blob, std::vector<unsigned char>& meta_bytes) {
  int L = 0;
  int64_t width = 0;
  for (int k = 0; k < n_ls; ++k) {
    L = ls[k] > L ? ls[k] : L;
    width += 2 * ls[k] + 1;
  }
  (void)fn;
  std::vector<int32_t> col_off(static_cast<size_t>(L + 2), 0), cols(static_cast<size_t>(n_ls));
  std::vector<int64_t> col_of(static_cast<size_t>(n_ls));
  int64_t col = 0;
  for (int k = 0; k < n_ls; ++k) {
    col_of[size_t(k)] = col;
    col += 2 * ls[k] + 1;
    ++col_off[size_t(ls[k]) + 1];
  }
  for (int l = 0; l <= L; ++l) col_off[size_t(l) + 1] += col_off[size_t(l)];
  {
    std::vector<int32_t> fill(col_off.begin(), col_off.end() - 1);
    for (int k = 0; k < n_ls; ++k) cols[size_t(fill[size_t(ls[k])]++)] = int32_t(col_of[size_t(k)]);
  }
  std::vector<double> factor(size_t(L + 1), 1.0);
  for (int l = 0; l <= L; ++l) {
    double f = 1;
    if (normalization == EG_SH_INTEGRAL) f = 1 / std::sqrt(4 * kPi);
    else if (normalization == EG_SH_NORM) f = 1 / std::sqrt(2.0 * l + 1);
    factor[size_t(l)] = f;
  }
  std::vector<double> diag(size_t(L + 1), 1.0), a(size_t(L + 1) * (L + 1), 0.0), b(size_t(L + 1) * (L + 1), 0.0);
  double dg = 1;
  for (int m = 0; m <= L; ++m) {
    if (m == 1) dg = std::sqrt(3.0);
    else if (m >= 2) dg *= std::sqrt((2.0 * m + 1) / (2.0 * m));
    diag[size_t(m)] = dg;
    for (int l = m + 1; l <= L; ++l) {
      double& av = a[size_t(l) * (L + 1) + m];
      double& bv = b[size_t(l) * (L + 1) + m];
      if (l == m + 1) {
        av = std::sqrt(2.0 * m + 3);
        bv = 0;
      } else {
        av = std::sqrt(double(2 * l - 1) * (2 * l + 1) / (double(l - m) * (l + m)));
        bv = std::sqrt(double(2 * l + 1) * (l + m - 1) * (l - m - 1) / (double(2 * l - 3) * (l + m) * (l - m)));
      }
    }
  }
  Meta m{};
  m.lmax = L;
  m.n_ls = n_ls;
  m.width = width;
  size_t pos = 0;
  auto section = [&](size_t bytes) {
    const size_t at = pos;
    pos = align16(pos + bytes);
    return int64_t(at);
  };
  m.col_off = section(col_off.size() * 4);
  m.cols = section(cols.size() * 4);
  m.factor = section(factor.size() * 8);
  m.diag = section(diag.size() * 8);
  m.a = section(a.size() * 8);
  m.b = section(b.size() * 8);
  blob.assign(pos, 0);
  std::memcpy(blob.data() + m.col_off, col_off.data(), col_off.size() * 4);
  std::memcpy(blob.data() + m.cols, cols.data(), cols.size() * 4);
  std::memcpy(blob.data() + m.factor, factor.data(), factor.size() * 8);
  std::memcpy(blob.data() + m.diag, diag.data(), diag.size() * 8);
  std::memcpy(blob.data() + m.a, a.data(), a.size() * 8);
  std::memcpy(blob.data() + m.b, b.data(), b.size() * 8);
  meta_bytes.resize(sizeof(Meta));
  std::memcpy(meta_bytes.data(), &m, sizeof m);
  return EGC_OK;
}

// The Table view of a blob at `base` (device memory, or a host copy).
Table table_at(const void* base_ptr, const std::vector<unsigned char>& meta_bytes, int normalize) {
  Meta m;
  std::memcpy(&m, meta_bytes.data(), sizeof m);
  const unsigned char* base = static_cast<const unsigned char*>(base_ptr);
  Table s;
  s.col_off = reinterpret_cast<const int32_t*>(base + m.col_off);
  s.cols = reinterpret_cast<const int32_t*>(base + m.cols);
  s.factor = reinterpret_cast<const double*>(base + m.factor);
  s.diag = reinterpret_cast<const double*>(base + m.diag);
  s.a = reinterpret_cast<const double*>(base + m.a);
  s.b = reinterpret_cast<const double*>(base + m.b);
  s.lmax = m.lmax;
  s.width = m.width;
  s.normalize = normalize != 0;
  return s;
}

// ------------------------------------------------------------ evaluation
// Each harmonic is handed to visit(l, j, value) with j = l + m the component
// within degree l, as soon as it is computed; degrees not in ls are skipped.

EGC_HD bool wanted(const Table& s, int l) { return s.col_off[l] != s.col_off[l + 1]; }

// e3nn's closed forms for l <= 3 ('component' normalisation).
template <class T, class Visit>
EGC_HD void polynomials(const Table& s, const T& x, const T& y, const T& z, Visit& visit) {
  using B = base_t<T>;
  const int lmax = s.lmax;
  if (wanted(s, 0)) visit(0, 0, Num<T>::make(1));
  if (lmax < 1) return;
  const B s3 = B(1.7320508075688772), s5 = B(2.23606797749979), s15 = B(3.872983346207417);
  if (wanted(s, 1)) {
    visit(1, 0, x * s3);
    visit(1, 1, y * s3);
    visit(1, 2, z * s3);
  }
  if (lmax < 2) return;
  const T x2 = x * x, y2 = y * y, z2 = z * z, xz2 = x2 + z2;
  if (wanted(s, 2)) {
    visit(2, 0, (x * z) * s15);
    visit(2, 1, (x * y) * s15);
    visit(2, 2, (y2 - xz2 * B(0.5)) * s5);
    visit(2, 3, (y * z) * s15);
    visit(2, 4, (z2 - x2) * B(1.9364916731037085));  // sqrt(15) / 2
  }
  if (lmax < 3 || !wanted(s, 3)) return;
  const B c70 = B(2.091650066335189);    // sqrt(70) / 4
  const B c105 = B(10.246950765959598);  // sqrt(105)
  const B c42 = B(1.6201851746019651);   // sqrt(42) / 4
  const B c7 = B(1.3228756555322954);    // sqrt(7) / 2
  const T w = y2 * B(4) - xz2;
  visit(3, 0, (x * (z2 * B(3) - x2)) * c70);
  visit(3, 1, (x * y * z) * c105);
  visit(3, 2, (x * w) * c42);
  visit(3, 3, (y * (y2 * B(2) - xz2 * B(3))) * c7);
  visit(3, 4, (z * w) * c42);
  visit(3, 5, (y * (z2 - x2)) * B(5.123475382979799));  // sqrt(105) / 2
  visit(3, 6, (z * (z2 - x2 * B(3))) * c70);
}

// The normalised recurrences at (X, Y, Z) = (z, x, y), in the CPU's order:
// m outer, l inner; C_m + i S_m = (X + i Y)^m built along m.
template <class T, class Visit>
EGC_HD void recurrence(const Table& s, const T& X, const T& Y, const T& Z, Visit& visit) {
  using B = base_t<T>;
  const int L = s.lmax;
  const T rho = X * X + Y * Y + Z * Z;
  T C = Num<T>::make(1), S = Num<T>::make(0);
  for (int m = 0; m <= L; ++m) {
    if (m > 0) {
      const T c = C * X - S * Y;
      const T sn = S * X + C * Y;
      C = c;
      S = sn;
    }
    const T diag = Num<T>::make(B(s.diag[m]));
    T p2 = Num<T>::make(0), p1 = diag;
    for (int l = m; l <= L; ++l) {
      T p = diag;
      if (l > m) {
        const int k = l * (L + 1) + m;
        p = (Z * p1) * B(s.a[k]);
        if (l > m + 1) p = p - (rho * p2) * B(s.b[k]);
        p2 = p1;
        p1 = p;
      }
      if (!wanted(s, l)) continue;
      if (m == 0) {
        visit(l, l, p);
      } else {
        visit(l, l + m, p * C);
        visit(l, l - m, p * S);
      }
    }
  }
}

// 'component' harmonics of (x, y, z), projected onto the unit sphere first
// when asked (a zero or NaN vector becomes the constant 0 vector).
template <class T, class Visit>
EGC_HD void evaluate(const Table& s, T x, T y, T z, Visit& visit) {
  if (s.normalize) {
    const T r2 = x * x + y * y + z * z;
    if (Num<T>::value(r2) > 0) {
      const T k = inv_sqrt(r2);
      x = x * k;
      y = y * k;
      z = z * k;
    } else {
      x = y = z = Num<T>::make(0);
    }
  }
  // Float arithmetic only ever serves lmax <= 3 (see dispatch), so the
  // recurrence is not instantiated for it.
  if constexpr (std::is_same<base_t<T>, float>::value) {
    polynomials(s, x, y, z, visit);
  } else {
    if (s.lmax <= 3) polynomials(s, x, y, z, visit);
    else recurrence(s, z, x, y, visit);
  }
}

// ------------------------------------------------------------ kernels
// IO: element type of the buffers; S: arithmetic type. The body for vector i
// of each kernel is a host-and-device function; the kernels loop over i.

template <class IO, class S>
EGC_HD void forward_one(const Table& s, const IO* x, int64_t i, IO* out) {
  IO* o = out + i * s.width;
  auto visit = [&](int l, int j, const S& y) {
    const S f = S(s.factor[l]);
    for (int q = s.col_off[l]; q < s.col_off[l + 1]; ++q) o[s.cols[q] + j] = IO(y * f);
  };
  evaluate<S>(s, S(x[3 * i]), S(x[3 * i + 1]), S(x[3 * i + 2]), visit);
}

// l <= 3: the hand-written vector-Jacobian product, then the chain rule
// through x / |x|: (I - x^ x^T) / |x|.
template <class IO, class S>
EGC_HD void backward_poly_one(const Table& s, const IO* x, int64_t i, const IO* g, IO* gx) {
  S ux = S(x[3 * i]), uy = S(x[3 * i + 1]), uz = S(x[3 * i + 2]);
  S inv = S(1);
  if (s.normalize) {
    const S r2 = ux * ux + uy * uy + uz * uz;
    if (!(r2 > 0)) {  // zero vector (or NaN): gradient defined as 0
      gx[3 * i] = gx[3 * i + 1] = gx[3 * i + 2] = IO(0);
      return;
    }
    inv = inv_sqrt(r2);
    ux *= inv;
    uy *= inv;
    uz *= inv;
  }
  S w[16];
  for (int k = 0; k < 16; ++k) w[k] = S(0);
  const IO* gi = g + i * s.width;
  for (int l = 0; l <= s.lmax; ++l) {
    const S f = S(s.factor[l]);
    for (int q = s.col_off[l]; q < s.col_off[l + 1]; ++q)
      for (int j = 0; j <= 2 * l; ++j) w[l * l + j] += S(gi[s.cols[q] + j]) * f;
  }
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

template <class IO, class S>
EGC_HD void backward_one(const Table& s, const IO* x, int64_t i, const IO* g, IO* gx) {
  using T = Grad<S>;
  const T vx{S(x[3 * i]), {S(1), S(0), S(0)}};
  const T vy{S(x[3 * i + 1]), {S(0), S(1), S(0)}};
  const T vz{S(x[3 * i + 2]), {S(0), S(0), S(1)}};
  const IO* gi = g + i * s.width;
  S a0 = 0, a1 = 0, a2 = 0;
  auto visit = [&](int l, int j, const T& y) {
    const S f = S(s.factor[l]);
    for (int q = s.col_off[l]; q < s.col_off[l + 1]; ++q) {
      const S gk = S(gi[s.cols[q] + j]) * f;
      a0 += gk * y.d[0];
      a1 += gk * y.d[1];
      a2 += gk * y.d[2];
    }
  };
  evaluate<T>(s, vx, vy, vz, visit);
  gx[3 * i] = IO(a0);
  gx[3 * i + 1] = IO(a1);
  gx[3 * i + 2] = IO(a2);
}

template <class IO, class S>
EGC_HD void double_backward_one(const Table& s, const IO* x, int64_t i, const IO* g, const IO* gg, IO* ogx,
                                IO* ogo) {
  using D = Dual<S>;
  using T = Grad<D>;
  const D one{S(1), S(0)}, zero{S(0), S(0)};
  const T vx{D{S(x[3 * i]), S(gg[3 * i])}, {one, zero, zero}};
  const T vy{D{S(x[3 * i + 1]), S(gg[3 * i + 1])}, {zero, one, zero}};
  const T vz{D{S(x[3 * i + 2]), S(gg[3 * i + 2])}, {zero, zero, one}};
  const IO* gi = g + i * s.width;
  IO* oi = ogo + i * s.width;
  S a0 = 0, a1 = 0, a2 = 0;
  auto visit = [&](int l, int j, const T& y) {
    const S f = S(s.factor[l]);
    for (int q = s.col_off[l]; q < s.col_off[l + 1]; ++q) {
      const int64_t c = s.cols[q] + j;
      const S gk = S(gi[c]) * f;
      a0 += gk * y.d[0].d;
      a1 += gk * y.d[1].d;
      a2 += gk * y.d[2].d;
      oi[c] = IO(y.v.d * f);
    }
  };
  evaluate<T>(s, vx, vy, vz, visit);
  ogx[3 * i] = IO(a0);
  ogx[3 * i + 1] = IO(a1);
  ogx[3 * i + 2] = IO(a2);
}

template <class IO, class S>
EGC_HD void triple_backward_one(const Table& s, const IO* x, int64_t i, const IO* g, const IO* a, const IO* b,
                                IO* ogx, IO* ohess) {
  using D = Dual<S>;
  using DD = Dual<D>;
  using T = Grad<DD>;
  const DD one{D{S(1), S(0)}, D{S(0), S(0)}}, zero{D{S(0), S(0)}, D{S(0), S(0)}};
  auto seed = [&](int64_t j) { return DD{D{S(x[j]), S(a[j])}, D{S(b[j]), S(0)}}; };
  const T vx{seed(3 * i), {one, zero, zero}};
  const T vy{seed(3 * i + 1), {zero, one, zero}};
  const T vz{seed(3 * i + 2), {zero, zero, one}};
  const IO* gi = g + i * s.width;
  IO* hi = ohess + i * s.width;
  S a0 = 0, a1 = 0, a2 = 0;
  auto visit = [&](int l, int j, const T& y) {
    const S f = S(s.factor[l]);
    for (int q = s.col_off[l]; q < s.col_off[l + 1]; ++q) {
      const int64_t c = s.cols[q] + j;
      const S gk = S(gi[c]) * f;
      a0 += gk * y.d[0].d.d;
      a1 += gk * y.d[1].d.d;
      a2 += gk * y.d[2].d.d;
      hi[c] = IO(y.v.d.d * f);
    }
  };
  evaluate<T>(s, vx, vy, vz, visit);
  ogx[3 * i] = IO(a0);
  ogx[3 * i + 1] = IO(a1);
  ogx[3 * i + 2] = IO(a2);
}

#define EGC_SH_LOOP(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

template <class IO, class S>
__global__ void forward_kernel(Table s, const IO* __restrict__ x, int64_t n, IO* __restrict__ out) {
  EGC_SH_LOOP(i, n) forward_one<IO, S>(s, x, i, out);
}

template <class IO, class S>
__global__ void backward_poly_kernel(Table s, const IO* __restrict__ x, int64_t n, const IO* __restrict__ g,
                                     IO* __restrict__ gx) {
  EGC_SH_LOOP(i, n) backward_poly_one<IO, S>(s, x, i, g, gx);
}

template <class IO, class S>
__global__ void backward_kernel(Table s, const IO* __restrict__ x, int64_t n, const IO* __restrict__ g,
                                IO* __restrict__ gx) {
  EGC_SH_LOOP(i, n) backward_one<IO, S>(s, x, i, g, gx);
}

template <class IO, class S>
__global__ void double_backward_kernel(Table s, const IO* __restrict__ x, int64_t n, const IO* __restrict__ g,
                                       const IO* __restrict__ gg, IO* __restrict__ ogx, IO* __restrict__ ogo) {
  EGC_SH_LOOP(i, n) double_backward_one<IO, S>(s, x, i, g, gg, ogx, ogo);
}

template <class IO, class S>
__global__ void triple_backward_kernel(Table s, const IO* __restrict__ x, int64_t n, const IO* __restrict__ g,
                                       const IO* __restrict__ a, const IO* __restrict__ b, IO* __restrict__ ogx,
                                       IO* __restrict__ ohess) {
  EGC_SH_LOOP(i, n) triple_backward_one<IO, S>(s, x, i, g, a, b, ogx, ohess);
}

// Threads per block: the dual-number types keep many values live per thread.
constexpr int kShThreads = 128;

// ------------------------------------------------------------ host side

// The CPU's check_common and make_spec checks, with its messages.
egc_status check_call(const char* fn, eg_dtype dtype, const int32_t* ls, int n_ls, int normalization, int64_t n,
                      std::initializer_list<const void*> bufs) {
  if (dtype == EG_I32) return egc::fail(EGC_ERR_UNSUPPORTED, "%s: int32 is not supported (float32 or float64)", fn);
  if (!egc::is_float(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "%s: invalid dtype %d", fn, int(dtype));
  if (n < 0) return egc::fail(EGC_ERR_ARGUMENT, "%s: negative number of vectors %lld", fn, (long long)n);
  if (n > 0)
    for (const void* p : bufs)
      if (!p) return egc::fail(EGC_ERR_ARGUMENT, "%s: null buffer", fn);
  if (n_ls < 1 || n_ls > EG_SH_MAX_LS)
    return egc::fail(EGC_ERR_ARGUMENT, "%s: n_ls must lie in [1, %d], got %d", fn, EG_SH_MAX_LS, n_ls);
  if (!ls) return egc::fail(EGC_ERR_ARGUMENT, "%s: ls is null", fn);
  if (normalization < EG_SH_INTEGRAL || normalization > EG_SH_NORM)
    return egc::fail(EGC_ERR_ARGUMENT, "%s: unknown normalization code %d (0 integral, 1 component, 2 norm)", fn,
                     normalization);
  for (int k = 0; k < n_ls; ++k)
    if (ls[k] < 0 || ls[k] > EG_SH_MAX_L)
      return egc::fail(EGC_ERR_ARGUMENT, "%s: degree ls[%d] = %d is outside [0, %d]", fn, k, int(ls[k]), EG_SH_MAX_L);
  return EGC_OK;
}

// Checks the call; on success with n > 0 also readies the device and returns the table.
egc_status prepare(const char* fn, eg_dtype dtype, const int32_t* ls, int n_ls, int normalize, int normalization,
                   int64_t n, std::initializer_list<const void*> bufs, Table* s, cudaStream_t* stream) {
  EGC_TRY(check_call(fn, dtype, ls, n_ls, normalization, n, bufs));
  if (n == 0) return EGC_OK;
  EGC_TRY(egc::ready(fn, stream));
  const int32_t header[2] = {normalization, n_ls};
  const egc::KeyPiece key[2] = {{header, sizeof header}, {ls, size_t(n_ls) * sizeof(int32_t)}};
  const void* device = nullptr;
  std::vector<unsigned char> meta_bytes;
  EGC_TRY(egc::cached_table(
      fn, key, 2,
      [&](std::vector<unsigned char>& blob, std::vector<unsigned char>& meta) {
        return build_table(fn, ls, n_ls, normalization, blob, meta);
      },
      *stream, &device, &meta_bytes));
  *s = table_at(device, meta_bytes, normalize);
  return EGC_OK;
}

// Float32 polynomials stay in float; the recurrences run in double whatever
// the storage type (the CPU's dispatch).
template <class Run>
egc_status dispatch(eg_dtype dtype, const Table& s, Run&& run) {
  if (dtype == EG_F64) return run((double*)nullptr, (double*)nullptr);
  if (s.lmax <= 3) return run((float*)nullptr, (float*)nullptr);
  return run((float*)nullptr, (double*)nullptr);
}

unsigned sh_blocks(int64_t n) { return egc::blocks_for(n, kShThreads); }

}  // namespace

extern "C" egc_status egc_spherical_harmonics(eg_dtype dtype, const int32_t* ls, int n_ls, int normalize,
                                              int normalization, const void* x, int64_t n, void* out) {
  EGC_GUARD_BEGIN
  const char* fn = "spherical_harmonics";
  Table s{};
  cudaStream_t stream = nullptr;
  EGC_TRY(prepare(fn, dtype, ls, n_ls, normalize, normalization, n, {x, out}, &s, &stream));
  if (n == 0) return EGC_OK;
  return dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    forward_kernel<IO, S><<<sh_blocks(n), kShThreads, 0, stream>>>(s, static_cast<const IO*>(x), n,
                                                                    static_cast<IO*>(out));
    return egc::launched(fn);
  });
  EGC_GUARD_END("spherical_harmonics")
}

extern "C" egc_status egc_spherical_harmonics_backward(eg_dtype dtype, const int32_t* ls, int n_ls, int normalize,
                                                       int normalization, const void* x, int64_t n,
                                                       const void* grad_out, void* grad_x) {
  EGC_GUARD_BEGIN
  const char* fn = "spherical_harmonics_backward";
  Table s{};
  cudaStream_t stream = nullptr;
  EGC_TRY(prepare(fn, dtype, ls, n_ls, normalize, normalization, n, {x, grad_out, grad_x}, &s, &stream));
  if (n == 0) return EGC_OK;
  return dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    const IO* xi = static_cast<const IO*>(x);
    const IO* gi = static_cast<const IO*>(grad_out);
    IO* gx = static_cast<IO*>(grad_x);
    if (s.lmax <= 3)
      backward_poly_kernel<IO, S><<<sh_blocks(n), kShThreads, 0, stream>>>(s, xi, n, gi, gx);
    else
      backward_kernel<IO, S><<<sh_blocks(n), kShThreads, 0, stream>>>(s, xi, n, gi, gx);
    return egc::launched(fn);
  });
  EGC_GUARD_END("spherical_harmonics_backward")
}

extern "C" egc_status egc_spherical_harmonics_double_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                              int normalize, int normalization, const void* x,
                                                              int64_t n, const void* grad_out, const void* gg_x,
                                                              void* out_grad_x, void* out_grad_grad_out) {
  EGC_GUARD_BEGIN
  const char* fn = "spherical_harmonics_double_backward";
  Table s{};
  cudaStream_t stream = nullptr;
  EGC_TRY(prepare(fn, dtype, ls, n_ls, normalize, normalization, n,
                  {x, grad_out, gg_x, out_grad_x, out_grad_grad_out}, &s, &stream));
  if (n == 0) return EGC_OK;
  return dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    double_backward_kernel<IO, S><<<sh_blocks(n), kShThreads, 0, stream>>>(
        s, static_cast<const IO*>(x), n, static_cast<const IO*>(grad_out), static_cast<const IO*>(gg_x),
        static_cast<IO*>(out_grad_x), static_cast<IO*>(out_grad_grad_out));
    return egc::launched(fn);
  });
  EGC_GUARD_END("spherical_harmonics_double_backward")
}

extern "C" egc_status egc_spherical_harmonics_triple_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                              int normalize, int normalization, const void* x,
                                                              int64_t n, const void* grad_out, const void* a,
                                                              const void* b, void* out_grad_x, void* out_hess) {
  EGC_GUARD_BEGIN
  const char* fn = "spherical_harmonics_triple_backward";
  Table s{};
  cudaStream_t stream = nullptr;
  EGC_TRY(prepare(fn, dtype, ls, n_ls, normalize, normalization, n, {x, grad_out, a, b, out_grad_x, out_hess}, &s,
                  &stream));
  if (n == 0) return EGC_OK;
  return dispatch(dtype, s, [&](auto* io, auto* sc) {
    using IO = std::remove_pointer_t<decltype(io)>;
    using S = std::remove_pointer_t<decltype(sc)>;
    triple_backward_kernel<IO, S><<<sh_blocks(n), kShThreads, 0, stream>>>(
        s, static_cast<const IO*>(x), n, static_cast<const IO*>(grad_out), static_cast<const IO*>(a),
        static_cast<const IO*>(b), static_cast<IO*>(out_grad_x), static_cast<IO*>(out_hess));
    return egc::launched(fn);
  });
  EGC_GUARD_END("spherical_harmonics_triple_backward")
}
