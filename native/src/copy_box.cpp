// Box copy between row-major arrays (slice, pad, concat). Trailing axes the
// box spans completely in both arrays are folded into one memcpy run.
#include <algorithm>
#include <cstring>

#include "internal.h"
#include "parallel.h"

namespace {

void copy_box(const char* src, const int64_t* ss, const int64_t* so, char* dst, const int64_t* ds,
              const int64_t* doff, const int64_t* box, int ndim, int64_t esize) {
  int64_t sst[EG_MAX_DIMS], dst_st[EG_MAX_DIMS];
  int64_t a = 1, b = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    sst[d] = a;
    dst_st[d] = b;
    a *= ss[d];
    b *= ds[d];
  }
  // Fold axis d into the run while every axis inside it is fully covered.
  int inner = ndim;  // axes [inner, ndim) form one contiguous run
  int64_t run = 1;
  while (inner > 0) {
    const int d = inner - 1;
    run *= box[d];
    inner = d;
    if (box[d] != ss[d] || box[d] != ds[d]) break;
  }
  int64_t rows = 1;
  for (int d = 0; d < inner; ++d) rows *= box[d];
  int64_t sbase = 0, dbase = 0;
  for (int d = 0; d < ndim; ++d) {
    sbase += so[d] * sst[d];
    dbase += doff[d] * dst_st[d];
  }
  eg::parallel_for(0, rows, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      int64_t rem = r, s_off = sbase, d_off = dbase;
      for (int d = inner - 1; d >= 0; --d) {
        const int64_t i = rem % box[d];
        rem /= box[d];
        s_off += i * sst[d];
        d_off += i * dst_st[d];
      }
      std::memcpy(dst + d_off * esize, src + s_off * esize, size_t(run * esize));
    }
  }, std::max<int64_t>(1, 16384 / std::max<int64_t>(run, 1)));
}

}  // namespace

extern "C" eg_status eg_copy_box(eg_dtype dtype, const void* src, const int64_t* src_shape,
                                 const int64_t* src_offset, void* dst, const int64_t* dst_shape,
                                 const int64_t* dst_offset, const int64_t* box_shape, int ndim) {
  EG_GUARD_BEGIN
  if (ndim < 0 || ndim > EG_MAX_DIMS)
    return eg::fail(EG_ERR_ARGUMENT, "copy_box: rank %d outside [0, %d]", ndim, EG_MAX_DIMS);
  if (!eg::is_valid(dtype)) return eg::fail(EG_ERR_ARGUMENT, "copy_box: invalid dtype %d", int(dtype));
  if (ndim > 0 && (!src_shape || !src_offset || !dst_shape || !dst_offset || !box_shape))
    return eg::fail(EG_ERR_ARGUMENT, "copy_box: null shape or offset");
  int64_t count = 1;
  for (int d = 0; d < ndim; ++d) {
    if (src_shape[d] < 0 || dst_shape[d] < 0 || box_shape[d] < 0 || src_offset[d] < 0 ||
        dst_offset[d] < 0)
      return eg::fail(EG_ERR_ARGUMENT, "copy_box: negative extent or offset on axis %d", d);
    if (src_offset[d] + box_shape[d] > src_shape[d])
      return eg::fail(EG_ERR_INDEX, "copy_box: box [%lld, %lld) exceeds source extent %lld on axis %d",
                      (long long)src_offset[d], (long long)(src_offset[d] + box_shape[d]),
                      (long long)src_shape[d], d);
    if (dst_offset[d] + box_shape[d] > dst_shape[d])
      return eg::fail(EG_ERR_INDEX,
                      "copy_box: box [%lld, %lld) exceeds destination extent %lld on axis %d",
                      (long long)dst_offset[d], (long long)(dst_offset[d] + box_shape[d]),
                      (long long)dst_shape[d], d);
    count *= box_shape[d];
  }
  if (count == 0) return EG_OK;
  if (!src || !dst) return eg::fail(EG_ERR_ARGUMENT, "copy_box: null buffer");
  copy_box(static_cast<const char*>(src), src_shape, src_offset, static_cast<char*>(dst), dst_shape,
           dst_offset, box_shape, ndim, eg::dtype_size(dtype));
  return EG_OK;
  EG_GUARD_END("copy_box")
}
