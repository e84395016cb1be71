// Elementwise unary ops. Transcendentals are evaluated in double and rounded
// once, matching the TypeScript reference (which computes in double) for
// float32 too; exact ops (neg, abs, square, ...) stay in T so they vectorise.
#include <cmath>

#include "internal.h"
#include "parallel.h"

namespace {

constexpr int64_t kGrain = 1 << 15;

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

template <class T, class F>
void map(const T* x, T* out, int64_t n, F f) {
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) out[i] = f(x[i]);
  }, kGrain);
}

template <class T>
eg_status unary(int op, const T* x, T* out, int64_t n) {
  switch (op) {
    case EG_NEG: map(x, out, n, [](T v) { return -v; }); break;
    case EG_EXP: map(x, out, n, [](T v) { return T(std::exp(double(v))); }); break;
    case EG_LOG: map(x, out, n, [](T v) { return T(std::log(double(v))); }); break;
    case EG_SQRT: map(x, out, n, [](T v) { return std::sqrt(v); }); break;
    case EG_ABS: map(x, out, n, [](T v) { return std::fabs(v); }); break;
    // NaN and ±0 map to 0, as in the reference.
    case EG_SIGN: map(x, out, n, [](T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : T(0); }); break;
    case EG_SQUARE: map(x, out, n, [](T v) { return v * v; }); break;
    case EG_RECIPROCAL: map(x, out, n, [](T v) { return T(1) / v; }); break;
    case EG_SIGMOID: map(x, out, n, [](T v) { return T(sigmoid(double(v))); }); break;
    case EG_TANH: map(x, out, n, [](T v) { return T(std::tanh(double(v))); }); break;
    case EG_RELU: map(x, out, n, [](T v) { return v > 0 ? v : T(0); }); break;
    case EG_SILU:
      map(x, out, n, [](T v) { double d = double(v); return T(d * sigmoid(d)); });
      break;
    case EG_SOFTPLUS:
      map(x, out, n, [](T v) {
        double d = double(v);
        return T(d > 20 ? d : std::log1p(std::exp(d)));
      });
      break;
    case EG_STEP: map(x, out, n, [](T v) { return v > 0 ? T(1) : T(0); }); break;
    case EG_SIN: map(x, out, n, [](T v) { return T(std::sin(double(v))); }); break;
    case EG_COS: map(x, out, n, [](T v) { return T(std::cos(double(v))); }); break;
    default: return eg::fail(EG_ERR_ARGUMENT, "unary: unknown op code %d", op);
  }
  return EG_OK;
}

}  // namespace

extern "C" eg_status eg_unary(int op, eg_dtype dtype, const void* x, void* out, int64_t n) {
  EG_GUARD_BEGIN
  if (n < 0) return eg::fail(EG_ERR_ARGUMENT, "unary: negative size %lld", (long long)n);
  if (n > 0 && (!x || !out)) return eg::fail(EG_ERR_ARGUMENT, "unary: null buffer");
  switch (dtype) {
    case EG_F32: return unary(op, static_cast<const float*>(x), static_cast<float*>(out), n);
    case EG_F64: return unary(op, static_cast<const double*>(x), static_cast<double*>(out), n);
    case EG_I32: return eg::fail(EG_ERR_UNSUPPORTED, "unary: int32 is not supported");
    default: return eg::fail(EG_ERR_ARGUMENT, "unary: invalid dtype %d", int(dtype));
  }
  EG_GUARD_END("unary")
}
