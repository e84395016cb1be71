// Elementwise unary ops. In float64 transcendentals use libm. In float32 the
// activations (exp, sigmoid, tanh, silu) use the vectorised approximations of
// vector_math.h (a few ulp), with libm in double for the rare elements outside
// their range; the other ops evaluate in double and round once, like the
// TypeScript reference. Exact ops (neg, abs, square, ...) stay in T.
#include <cmath>
#include <type_traits>

#include "internal.h"
#include "parallel.h"
#include "vector_math.h"

namespace {

constexpr int64_t kGrain = 1 << 15;

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

template <class T, class F>
void map(const T* x, T* out, int64_t n, F f) {
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) out[i] = f(x[i]);
  }, kGrain);
}

typedef eg::F32x8u V8;
inline void store8(float* p, const V8& v) { *reinterpret_cast<V8*>(p) = v; }

// Vectorised float32 loop with an exact fix-up of out-of-range elements.
// Compiled for AVX2 and for the baseline; the loader picks one (GCC ifunc).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define EG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EG_CLONES
#endif

// fast_v(v, out) on 8-lane vectors (explicit, see vector_math.h; none when
// LANES is 0; it stores rather than returns: GCC flags 32-byte vector returns
// in the non-AVX clone, -Wpsabi), fast on the rest.
template <int LANES = 8, class FastV, class Fast, class Exact>
inline void fast_map_body(const float* x, float* out, int64_t lo, int64_t hi, FastV fast_v, Fast fast, Exact exact) {
  typedef eg::F32x8u V;
  int64_t i = lo;
  int outside = 0;
  if constexpr (LANES == 8) {
    eg::I32x8u inside = eg::I32x8u{} - 1;
    for (; i + 8 <= hi; i += 8) {
      const V v = *reinterpret_cast<const V*>(x + i);
      fast_v(v, out + i);
      inside &= eg::inside_fast_range(v);
    }
    for (int lane = 0; lane < 8; ++lane) outside |= !inside[lane];
  } else {
    (void)fast_v;
  }
  for (; i < hi; ++i) {
    out[i] = fast(x[i]);
    outside |= !(std::fabs(x[i]) < eg::kFastRange);  // branch-free, so this loop vectorises too
  }
  if (!outside) return;
  for (int64_t i = lo; i < hi; ++i) {
    if (!(std::fabs(x[i]) < eg::kFastRange)) out[i] = exact(x[i]);
  }
}

EG_CLONES void exp_chunk(const float* x, float* out, int64_t lo, int64_t hi) {
  fast_map_body(x, out, lo, hi, [](const V8& v, float* o) { store8(o, eg::exp_f32(v)); },
                [](float v) { return eg::exp_f32(v); }, [](float v) { return float(std::exp(double(v))); });
}
EG_CLONES void sigmoid_chunk(const float* x, float* out, int64_t lo, int64_t hi) {
  fast_map_body(x, out, lo, hi, [](const V8& v, float* o) { store8(o, eg::sigmoid_f32(v)); },
                [](float v) { return eg::sigmoid_f32(v); }, [](float v) { return float(sigmoid(double(v))); });
}
EG_CLONES void silu_chunk(const float* x, float* out, int64_t lo, int64_t hi) {
  fast_map_body(x, out, lo, hi, [](const V8& v, float* o) { store8(o, v * eg::sigmoid_f32(v)); },
                [](float v) { return v * eg::sigmoid_f32(v); }, [](float v) { return float(double(v) * sigmoid(double(v))); });
}
EG_CLONES void tanh_chunk(const float* x, float* out, int64_t lo, int64_t hi) {
  // tanh has no vector form: the 0-lane vector loop leaves all of it to the scalar one.
  fast_map_body<0>(x, out, lo, hi, nullptr, eg::tanh_f32, [](float v) { return float(std::tanh(double(v))); });
}

using Chunk = void (*)(const float*, float*, int64_t, int64_t);

Chunk fast_chunk(int op) {
  switch (op) {
    case EG_EXP: return exp_chunk;
    case EG_SIGMOID: return sigmoid_chunk;
    case EG_SILU: return silu_chunk;
    case EG_TANH: return tanh_chunk;
    default: return nullptr;
  }
}

template <class T>
eg_status unary(int op, const T* x, T* out, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (Chunk chunk = fast_chunk(op)) {
      eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) { chunk(x, out, lo, hi); }, kGrain);
      return EG_OK;
    }
  }
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

// ------------------------------------------------------------- gradients --
// out = dy * f'(x). sigmoid and tanh only need y = f(x); silu and softplus
// need sigma(x), which float32 takes from the vectorised sigmoid_f32 (libm in
// double outside its range, as above).

EG_CLONES void sigmoid_grad_chunk(const float* x, const float* y, const float* dy, float* out,
                                  int64_t lo, int64_t hi) {
  (void)x;
  for (int64_t i = lo; i < hi; ++i) {
    const double s = y[i];
    out[i] = float(double(dy[i]) * (s * (1.0 - s)));
  }
}
EG_CLONES void tanh_grad_chunk(const float* x, const float* y, const float* dy, float* out,
                               int64_t lo, int64_t hi) {
  (void)x;
  for (int64_t i = lo; i < hi; ++i) {
    const double t = y[i];
    out[i] = float(double(dy[i]) * (1.0 - t * t));
  }
}

inline double silu_grad(double v) {
  const double s = sigmoid(v);
  return s * (1.0 + v * (1.0 - s));
}

template <class FastV, class Fast, class Exact>
inline void fast_grad_body(const float* x, const float* dy, float* out, int64_t lo, int64_t hi,
                           FastV fast_v, Fast fast, Exact exact) {
  typedef eg::F32x8u V;
  eg::I32x8u inside = eg::I32x8u{} - 1;
  int64_t i = lo;
  for (; i + 8 <= hi; i += 8) {
    const V v = *reinterpret_cast<const V*>(x + i);
    fast_v(v, *reinterpret_cast<const V*>(dy + i), out + i);
    inside &= eg::inside_fast_range(v);
  }
  int outside = 0;
  for (int lane = 0; lane < 8; ++lane) outside |= !inside[lane];
  for (; i < hi; ++i) {
    out[i] = dy[i] * fast(x[i]);
    outside |= !(std::fabs(x[i]) < eg::kFastRange);
  }
  if (!outside) return;
  for (int64_t i = lo; i < hi; ++i) {
    if (!(std::fabs(x[i]) < eg::kFastRange)) out[i] = float(double(dy[i]) * exact(double(x[i])));
  }
}

EG_CLONES void silu_grad_chunk(const float* x, const float* y, const float* dy, float* out,
                               int64_t lo, int64_t hi) {
  (void)y;
  fast_grad_body(x, dy, out, lo, hi,
                 [](const V8& v, const V8& dy8, float* o) {
                   const V8 s = eg::sigmoid_f32(v);
                   store8(o, dy8 * (s * (1.0f + v * (1.0f - s))));
                 },
                 [](float v) {
                   const float s = eg::sigmoid_f32(v);
                   return s * (1.0f + v * (1.0f - s));
                 },
                 silu_grad);
}
EG_CLONES void softplus_grad_chunk(const float* x, const float* y, const float* dy, float* out,
                                   int64_t lo, int64_t hi) {
  (void)y;
  fast_grad_body(x, dy, out, lo, hi, [](const V8& v, const V8& dy8, float* o) { store8(o, dy8 * eg::sigmoid_f32(v)); },
                 [](float v) { return eg::sigmoid_f32(v); }, [](double v) { return sigmoid(v); });
}

using GradChunk = void (*)(const float*, const float*, const float*, float*, int64_t, int64_t);

GradChunk grad_chunk(int op) {
  switch (op) {
    case EG_SIGMOID: return sigmoid_grad_chunk;
    case EG_TANH: return tanh_grad_chunk;
    case EG_SILU: return silu_grad_chunk;
    case EG_SOFTPLUS: return softplus_grad_chunk;
    default: return nullptr;
  }
}

template <class T, class F>
void map_grad(const T* x, const T* y, const T* dy, T* out, int64_t n, F f) {
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) out[i] = T(double(dy[i]) * f(double(x[i]), double(y[i])));
  }, kGrain);
}

template <class T>
eg_status unary_grad(int op, const T* x, const T* y, const T* dy, T* out, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (GradChunk chunk = grad_chunk(op)) {
      eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) { chunk(x, y, dy, out, lo, hi); }, kGrain);
      return EG_OK;
    }
  }
  switch (op) {
    case EG_SIGMOID: map_grad(x, y, dy, out, n, [](double, double s) { return s * (1.0 - s); }); break;
    case EG_TANH: map_grad(x, y, dy, out, n, [](double, double t) { return 1.0 - t * t; }); break;
    case EG_SILU: map_grad(x, y, dy, out, n, [](double v, double) { return silu_grad(v); }); break;
    case EG_SOFTPLUS: map_grad(x, y, dy, out, n, [](double v, double) { return sigmoid(v); }); break;
    default:
      return eg::fail(EG_ERR_UNSUPPORTED,
                      "unary_grad: op code %d has no fused gradient (sigmoid, tanh, silu, softplus)", op);
  }
  return EG_OK;
}

}  // namespace

extern "C" eg_status eg_unary_grad(int op, eg_dtype dtype, const void* x, const void* y,
                                   const void* dy, void* out, int64_t n) {
  EG_GUARD_BEGIN
  if (n < 0) return eg::fail(EG_ERR_ARGUMENT, "unary_grad: negative size %lld", (long long)n);
  if (n > 0 && (!x || !y || !dy || !out)) return eg::fail(EG_ERR_ARGUMENT, "unary_grad: null buffer");
  switch (dtype) {
    case EG_F32:
      return unary_grad(op, static_cast<const float*>(x), static_cast<const float*>(y),
                        static_cast<const float*>(dy), static_cast<float*>(out), n);
    case EG_F64:
      return unary_grad(op, static_cast<const double*>(x), static_cast<const double*>(y),
                        static_cast<const double*>(dy), static_cast<double*>(out), n);
    case EG_I32: return eg::fail(EG_ERR_UNSUPPORTED, "unary_grad: int32 is not supported");
    default: return eg::fail(EG_ERR_ARGUMENT, "unary_grad: invalid dtype %d", int(dtype));
  }
  EG_GUARD_END("unary_grad")
}

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
