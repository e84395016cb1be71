// Elementwise kernels: unary, broadcasting binary, cast. One thread per
// output element in a grid-stride loop; the op is a kernel argument (uniform
// branch) so each kernel is instantiated per dtype only. Semantics follow
// native/src/{unary,binary,cast}.cpp exactly: transcendentals are evaluated
// in double and rounded once, exact ops stay in the dtype, comparison and
// pow special cases are JavaScript's. No fast-math: division and sqrt are
// IEEE (nvcc's defaults).
#include <math_constants.h>

#include <cmath>

#include "common.cuh"

namespace {

// ------------------------------------------------------------------ unary --

__device__ __forceinline__ float d_sqrt(float v) { return sqrtf(v); }
__device__ __forceinline__ double d_sqrt(double v) { return sqrt(v); }
__device__ __forceinline__ float d_abs(float v) { return fabsf(v); }
__device__ __forceinline__ double d_abs(double v) { return fabs(v); }
__device__ __forceinline__ double d_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

template <class T>
__device__ __forceinline__ T unary_op(int op, T v) {
  switch (op) {
    case EG_NEG: return -v;
    case EG_EXP: return T(exp(double(v)));
    case EG_LOG: return T(log(double(v)));
    case EG_SQRT: return d_sqrt(v);
    case EG_ABS: return d_abs(v);
    case EG_SIGN: return v > 0 ? T(1) : v < 0 ? T(-1) : T(0);  // NaN, ±0 -> 0
    case EG_SQUARE: return v * v;
    case EG_RECIPROCAL: return T(1) / v;
    case EG_SIGMOID: return T(d_sigmoid(double(v)));
    case EG_TANH: return T(tanh(double(v)));
    case EG_RELU: return v > 0 ? v : T(0);
    case EG_SILU: {
      const double d = double(v);
      return T(d * d_sigmoid(d));
    }
    case EG_SOFTPLUS: {
      const double d = double(v);
      return T(d > 20 ? d : log1p(exp(d)));
    }
    case EG_STEP: return v > 0 ? T(1) : T(0);
    case EG_SIN: return T(sin(double(v)));
    case EG_COS: return T(cos(double(v)));
    default: return v;  // unreachable: the host validates op
  }
}

template <class T>
__global__ void unary_kernel(int op, const T* __restrict__ x, T* __restrict__ out, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = unary_op(op, x[i]);
}

// ----------------------------------------------------------------- binary --

// Math.pow semantics differ from C pow for NaN exponents and (±1)^±Inf.
__device__ __forceinline__ double js_pow(double a, double b) {
  if (isnan(b)) return CUDART_NAN;
  if (isinf(b) && fabs(a) == 1.0) return CUDART_NAN;
  return pow(a, b);
}

template <class T>
__device__ __forceinline__ T binary_op(int op, T a, T b) {
  switch (op) {
    case EG_ADD: return a + b;
    case EG_SUB: return a - b;
    case EG_MUL: return a * b;
    case EG_DIV: return a / b;
    case EG_POW: return T(js_pow(double(a), double(b)));
    case EG_MAXIMUM: return (a >= b || a != a) ? a : b;  // NaN in a wins, ties keep a
    case EG_MINIMUM: return (a <= b || a != a) ? a : b;
    case EG_EQUAL: return a == b ? T(1) : T(0);
    case EG_GREATER: return a > b ? T(1) : T(0);
    default: return a;  // unreachable: the host validates op
  }
}

struct Layout {
  int ndim;
  int64_t shape[EG_MAX_DIMS];
  int64_t sa[EG_MAX_DIMS], sb[EG_MAX_DIMS];
  int64_t size;
};

// As native/src/binary.cpp: drops size-1 axes and merges axis d into its
// outer neighbour when both operands step through them contiguously.
Layout coalesce(const int64_t* shape, const int64_t* sa, const int64_t* sb, int ndim) {
  Layout L;
  L.ndim = 0;
  L.size = 1;
  for (int d = 0; d < ndim; ++d) {
    L.size *= shape[d];
    if (shape[d] == 1) continue;
    if (L.ndim > 0) {
      const int p = L.ndim - 1;
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

template <class T>
__global__ void binary_kernel(int op, const T* __restrict__ a, const T* __restrict__ b,
                              T* __restrict__ out, Layout L) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < L.size;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rem = i, oa = 0, ob = 0;
    for (int d = L.ndim - 1; d >= 0; --d) {
      const int64_t idx = rem % L.shape[d];
      rem /= L.shape[d];
      oa += idx * L.sa[d];
      ob += idx * L.sb[d];
    }
    out[i] = binary_op(op, a[oa], b[ob]);
  }
}

// ------------------------------------------------------------------- cast --

// Math.trunc then an Int32Array store (ToInt32): NaN/±Inf give 0, the
// integer part wraps modulo 2^32.
__device__ __forceinline__ int32_t to_int32(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return int32_t(v);  // truncates toward zero
  if (!isfinite(v)) return 0;
  double m = fmod(trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return int32_t(uint32_t(m));
}

template <class S, class D>
struct Convert {
  __device__ static D apply(S v) { return D(v); }
};
template <>
struct Convert<float, int32_t> {
  __device__ static int32_t apply(float v) { return to_int32(double(v)); }
};
template <>
struct Convert<double, int32_t> {
  __device__ static int32_t apply(double v) { return to_int32(v); }
};

template <class S, class D>
__global__ void cast_kernel(const S* __restrict__ src, D* __restrict__ dst, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = Convert<S, D>::apply(src[i]);
}

template <class S, class D>
egc_status launch_cast(const void* src, void* dst, int64_t n, cudaStream_t stream) {
  cast_kernel<S, D><<<egc::blocks_for(n), egc::kThreads, 0, stream>>>(
      static_cast<const S*>(src), static_cast<D*>(dst), n);
  return egc::launched("cast");
}

template <class S>
egc_status cast_from(eg_dtype dst_dtype, const void* src, void* dst, int64_t n,
                     cudaStream_t stream) {
  switch (dst_dtype) {
    case EG_F32: return launch_cast<S, float>(src, dst, n, stream);
    case EG_F64: return launch_cast<S, double>(src, dst, n, stream);
    default: return launch_cast<S, int32_t>(src, dst, n, stream);
  }
}

}  // namespace

extern "C" egc_status egc_unary(int op, eg_dtype dtype, const void* x, void* out, int64_t n) {
  EGC_GUARD_BEGIN
  if (n < 0) return egc::fail(EGC_ERR_ARGUMENT, "unary: negative size %lld", (long long)n);
  if (op < EG_NEG || op > EG_COS) return egc::fail(EGC_ERR_ARGUMENT, "unary: unknown op code %d", op);
  if (dtype == EG_I32) return egc::fail(EGC_ERR_UNSUPPORTED, "unary: int32 is not supported");
  if (!egc::is_float(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "unary: invalid dtype %d", int(dtype));
  if (n == 0) return EGC_OK;
  if (!x || !out) return egc::fail(EGC_ERR_ARGUMENT, "unary: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("unary", &stream));
  if (dtype == EG_F32)
    unary_kernel<float><<<egc::blocks_for(n), egc::kThreads, 0, stream>>>(
        op, static_cast<const float*>(x), static_cast<float*>(out), n);
  else
    unary_kernel<double><<<egc::blocks_for(n), egc::kThreads, 0, stream>>>(
        op, static_cast<const double*>(x), static_cast<double*>(out), n);
  return egc::launched("unary");
  EGC_GUARD_END("unary")
}

extern "C" egc_status egc_binary(int op, eg_dtype dtype, const void* a, const int64_t* a_strides,
                                 const void* b, const int64_t* b_strides, void* out,
                                 const int64_t* out_shape, int ndim) {
  EGC_GUARD_BEGIN
  if (ndim < 0 || ndim > EG_MAX_DIMS)
    return egc::fail(EGC_ERR_ARGUMENT, "binary: rank %d outside [0, %d]", ndim, EG_MAX_DIMS);
  if (ndim > 0 && (!a_strides || !b_strides || !out_shape))
    return egc::fail(EGC_ERR_ARGUMENT, "binary: null shape or strides");
  for (int d = 0; d < ndim; ++d)
    if (out_shape[d] < 0)
      return egc::fail(EGC_ERR_ARGUMENT, "binary: negative extent %lld on axis %d",
                       (long long)out_shape[d], d);
  if (op < EG_ADD || op > EG_GREATER)
    return egc::fail(EGC_ERR_ARGUMENT, "binary: unknown op code %d", op);
  if (dtype == EG_I32) return egc::fail(EGC_ERR_UNSUPPORTED, "binary: int32 is not supported");
  if (!egc::is_float(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "binary: invalid dtype %d", int(dtype));
  const Layout L = coalesce(out_shape, a_strides, b_strides, ndim);
  if (L.size == 0) return EGC_OK;
  if (!a || !b || !out) return egc::fail(EGC_ERR_ARGUMENT, "binary: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("binary", &stream));
  if (dtype == EG_F32)
    binary_kernel<float><<<egc::blocks_for(L.size), egc::kThreads, 0, stream>>>(
        op, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), L);
  else
    binary_kernel<double><<<egc::blocks_for(L.size), egc::kThreads, 0, stream>>>(
        op, static_cast<const double*>(a), static_cast<const double*>(b), static_cast<double*>(out),
        L);
  return egc::launched("binary");
  EGC_GUARD_END("binary")
}

extern "C" egc_status egc_cast(eg_dtype src_dtype, const void* src, eg_dtype dst_dtype, void* dst,
                               int64_t n) {
  EGC_GUARD_BEGIN
  if (n < 0) return egc::fail(EGC_ERR_ARGUMENT, "cast: negative size %lld", (long long)n);
  if (!egc::is_valid(src_dtype) || !egc::is_valid(dst_dtype))
    return egc::fail(EGC_ERR_ARGUMENT, "cast: invalid dtype %d -> %d", int(src_dtype), int(dst_dtype));
  if (n == 0) return EGC_OK;
  if (!src || !dst) return egc::fail(EGC_ERR_ARGUMENT, "cast: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("cast", &stream));
  if (src_dtype == dst_dtype) {
    if (src == dst) return EGC_OK;
    const cudaError_t err = cudaMemcpyAsync(dst, src, size_t(n * egc::dtype_size(src_dtype)),
                                            cudaMemcpyDeviceToDevice, stream);
    return err == cudaSuccess ? EGC_OK : egc::cuda_fail(err, "cast");
  }
  switch (src_dtype) {
    case EG_F32: return cast_from<float>(dst_dtype, src, dst, n, stream);
    case EG_F64: return cast_from<double>(dst_dtype, src, dst, n, stream);
    default: return cast_from<int32_t>(dst_dtype, src, dst, n, stream);
  }
  EGC_GUARD_END("cast")
}
