// Element type conversion with JavaScript typed-array semantics, so the
// native backend agrees bit for bit with the reference.
#include <cmath>
#include <cstring>

#include "internal.h"
#include "parallel.h"

namespace {

// Math.trunc then an Int32Array store (ToInt32): NaN/±Inf give 0, the
// integer part wraps modulo 2^32. A plain C cast would be UB out of range.
inline int32_t to_int32(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return int32_t(v);  // truncates toward zero
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return int32_t(uint32_t(m));
}

template <class S, class D>
inline D convert(S v) { return D(v); }
template <>
inline int32_t convert<float, int32_t>(float v) { return to_int32(v); }
template <>
inline int32_t convert<double, int32_t>(double v) { return to_int32(v); }

template <class S, class D>
void cast(const void* src, void* dst, int64_t n) {
  const S* s = static_cast<const S*>(src);
  D* d = static_cast<D*>(dst);
  eg::parallel_for(0, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) d[i] = convert<S, D>(s[i]);
  }, 1 << 16);
}

template <class S>
void cast_from(eg_dtype dst_dtype, const void* src, void* dst, int64_t n) {
  switch (dst_dtype) {
    case EG_F32: cast<S, float>(src, dst, n); break;
    case EG_F64: cast<S, double>(src, dst, n); break;
    default: cast<S, int32_t>(src, dst, n); break;
  }
}

}  // namespace

extern "C" eg_status eg_cast(eg_dtype src_dtype, const void* src, eg_dtype dst_dtype, void* dst,
                             int64_t n) {
  EG_GUARD_BEGIN
  if (n < 0) return eg::fail(EG_ERR_ARGUMENT, "cast: negative size %lld", (long long)n);
  if (!eg::is_valid(src_dtype) || !eg::is_valid(dst_dtype))
    return eg::fail(EG_ERR_ARGUMENT, "cast: invalid dtype %d -> %d", int(src_dtype), int(dst_dtype));
  if (n == 0) return EG_OK;
  if (!src || !dst) return eg::fail(EG_ERR_ARGUMENT, "cast: null buffer");
  if (src_dtype == dst_dtype) {
    if (src != dst) std::memmove(dst, src, size_t(n * eg::dtype_size(src_dtype)));
    return EG_OK;
  }
  switch (src_dtype) {
    case EG_F32: cast_from<float>(dst_dtype, src, dst, n); break;
    case EG_F64: cast_from<double>(dst_dtype, src, dst, n); break;
    default: cast_from<int32_t>(dst_dtype, src, dst, n); break;
  }
  return EG_OK;
  EG_GUARD_END("cast")
}
