// Broadcasting elementwise binary ops. Axes are first coalesced (size-1 axes
// dropped, contiguous neighbours merged) so most calls collapse to one flat
// loop over contiguous or scalar operands, which gcc vectorises.
#include <cmath>

#include "internal.h"
#include "parallel.h"

namespace {

constexpr int64_t kGrain = 1 << 15;

// Math.pow semantics differ from C pow for NaN exponents and (±1)^±Inf.
inline double js_pow(double a, double b) {
  if (std::isnan(b)) return NAN;
  if (std::isinf(b) && std::fabs(a) == 1.0) return NAN;
  return std::pow(a, b);
}

template <class T>
struct Add { T operator()(T a, T b) const { return a + b; } };
template <class T>
struct Sub { T operator()(T a, T b) const { return a - b; } };
template <class T>
struct Mul { T operator()(T a, T b) const { return a * b; } };
template <class T>
struct Div { T operator()(T a, T b) const { return a / b; } };
template <class T>
struct Pow { T operator()(T a, T b) const { return T(js_pow(double(a), double(b))); } };
// NaN in a wins, otherwise ties keep a: same as the reference.
template <class T>
struct Max { T operator()(T a, T b) const { return (a >= b || a != a) ? a : b; } };
template <class T>
struct Min { T operator()(T a, T b) const { return (a <= b || a != a) ? a : b; } };
template <class T>
struct Equal { T operator()(T a, T b) const { return a == b ? T(1) : T(0); } };
template <class T>
struct Greater { T operator()(T a, T b) const { return a > b ? T(1) : T(0); } };

struct Layout {
  int ndim = 0;
  int64_t shape[EG_MAX_DIMS];
  int64_t sa[EG_MAX_DIMS], sb[EG_MAX_DIMS];
  int64_t size = 1;
};

// Drops size-1 axes and merges axis d into d+1 when all three operands step
// through them contiguously (out is always row-major).
Layout coalesce(const int64_t* shape, const int64_t* sa, const int64_t* sb, int ndim) {
  Layout L;
  for (int d = 0; d < ndim; ++d) {
    L.size *= shape[d];
    if (shape[d] == 1) continue;
    if (L.ndim > 0) {
      int p = L.ndim - 1;
      if (sa[d] * shape[d] == L.sa[p] && sb[d] * shape[d] == L.sb[p]) {
        L.shape[p] *= shape[d];
        L.sa[p] = sa[d];
        L.sb[p] = sb[d];
        continue;
      }
    }
    L.shape[L.ndim] = shape[d];
    L.sa[L.ndim] = sa[d];
    L.sb[L.ndim] = sb[d];
    ++L.ndim;
  }
  if (L.ndim == 0) {  // a scalar: one element
    L.ndim = 1;
    L.shape[0] = 1;
    L.sa[0] = L.sb[0] = 0;
  }
  return L;
}

// One run along the innermost axis; the branches give gcc unit-stride loops.
template <class T, class F>
inline void run(const T* a, int64_t sa, const T* b, int64_t sb, T* out, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i * sa], b[i * sb]);
  }
}

template <class T, class F>
void binary(const T* a, const T* b, T* out, const Layout& L, F f) {
  const int last = L.ndim - 1;
  const int64_t inner = L.shape[last];
  eg::parallel_for(0, L.size, [&](int64_t lo, int64_t hi) {
    // Position of flat index lo as a multi-index and operand offsets.
    int64_t idx[EG_MAX_DIMS];
    int64_t rem = lo, oa = 0, ob = 0;
    for (int d = last; d >= 0; --d) {
      idx[d] = rem % L.shape[d];
      rem /= L.shape[d];
      oa += idx[d] * L.sa[d];
      ob += idx[d] * L.sb[d];
    }
    int64_t flat = lo;
    while (flat < hi) {
      int64_t n = inner - idx[last];
      if (n > hi - flat) n = hi - flat;
      run(a + oa, L.sa[last], b + ob, L.sb[last], out + flat, n, f);
      flat += n;
      // Advance the multi-index by n along the last axis, carrying outward.
      idx[last] += n;
      oa += n * L.sa[last];
      ob += n * L.sb[last];
      for (int d = last; d > 0 && idx[d] == L.shape[d]; --d) {
        idx[d] = 0;
        oa -= L.shape[d] * L.sa[d];
        ob -= L.shape[d] * L.sb[d];
        ++idx[d - 1];
        oa += L.sa[d - 1];
        ob += L.sb[d - 1];
      }
    }
  }, kGrain);
}

template <class T>
eg_status dispatch(int op, const T* a, const T* b, T* out, const Layout& L) {
  switch (op) {
    case EG_ADD: binary(a, b, out, L, Add<T>()); break;
    case EG_SUB: binary(a, b, out, L, Sub<T>()); break;
    case EG_MUL: binary(a, b, out, L, Mul<T>()); break;
    case EG_DIV: binary(a, b, out, L, Div<T>()); break;
    case EG_POW: binary(a, b, out, L, Pow<T>()); break;
    case EG_MAXIMUM: binary(a, b, out, L, Max<T>()); break;
    case EG_MINIMUM: binary(a, b, out, L, Min<T>()); break;
    case EG_EQUAL: binary(a, b, out, L, Equal<T>()); break;
    case EG_GREATER: binary(a, b, out, L, Greater<T>()); break;
    default: return eg::fail(EG_ERR_ARGUMENT, "binary: unknown op code %d", op);
  }
  return EG_OK;
}

}  // namespace

extern "C" eg_status eg_binary(int op, eg_dtype dtype, const void* a, const int64_t* a_strides,
                               const void* b, const int64_t* b_strides, void* out,
                               const int64_t* out_shape, int ndim) {
  EG_GUARD_BEGIN
  if (ndim < 0 || ndim > EG_MAX_DIMS)
    return eg::fail(EG_ERR_ARGUMENT, "binary: rank %d outside [0, %d]", ndim, EG_MAX_DIMS);
  if (ndim > 0 && (!a_strides || !b_strides || !out_shape))
    return eg::fail(EG_ERR_ARGUMENT, "binary: null shape or strides");
  for (int d = 0; d < ndim; ++d)
    if (out_shape[d] < 0)
      return eg::fail(EG_ERR_ARGUMENT, "binary: negative extent %lld on axis %d",
                      (long long)out_shape[d], d);
  Layout L = coalesce(out_shape, a_strides, b_strides, ndim);
  if (L.size == 0) return EG_OK;
  if (!a || !b || !out) return eg::fail(EG_ERR_ARGUMENT, "binary: null buffer");
  switch (dtype) {
    case EG_F32:
      return dispatch(op, static_cast<const float*>(a), static_cast<const float*>(b),
                      static_cast<float*>(out), L);
    case EG_F64:
      return dispatch(op, static_cast<const double*>(a), static_cast<const double*>(b),
                      static_cast<double*>(out), L);
    case EG_I32: return eg::fail(EG_ERR_UNSUPPORTED, "binary: int32 is not supported");
    default: return eg::fail(EG_ERR_ARGUMENT, "binary: invalid dtype %d", int(dtype));
  }
  EG_GUARD_END("binary")
}
