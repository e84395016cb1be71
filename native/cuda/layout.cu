// Data movement: transpose, copy_box (slice/pad/concat), gather. One thread
// per output element; each computes its source offset from the (coalesced)
// multi-index. Elements are moved as 4- or 8-byte words, so every dtype
// works and values are copied bit for bit (as the CPU's memcpy does).
#include "common.cuh"

namespace {

// -------------------------------------------------------------- transpose --

struct Plan {
  int nd;
  int64_t shape[EG_MAX_DIMS];  // output extents after coalescing
  int64_t in[EG_MAX_DIMS];     // input stride of each output axis
  int64_t size;
};

// As native/src/transpose.cpp: drops size-1 axes and merges output axes that
// are contiguous in the input too.
Plan plan(const int64_t* shape, const int32_t* perm, int ndim) {
  int64_t in_strides[EG_MAX_DIMS];
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    in_strides[d] = s;
    s *= shape[d];
  }
  Plan P;
  P.nd = 0;
  P.size = 1;
  for (int i = 0; i < ndim; ++i) {
    const int64_t ext = shape[perm[i]], st = in_strides[perm[i]];
    P.size *= ext;
    if (ext == 1) continue;
    if (P.nd > 0 && P.in[P.nd - 1] == st * ext) {
      P.shape[P.nd - 1] *= ext;
      P.in[P.nd - 1] = st;
      continue;
    }
    P.shape[P.nd] = ext;
    P.in[P.nd] = st;
    ++P.nd;
  }
  if (P.nd == 0) {
    P.nd = 1;
    P.shape[0] = 1;
    P.in[0] = 1;
  }
  return P;
}

template <class W>
__global__ void transpose_kernel(const W* __restrict__ x, W* __restrict__ out, Plan P) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < P.size;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rem = i, off = 0;
    for (int d = P.nd - 1; d >= 0; --d) {
      off += (rem % P.shape[d]) * P.in[d];
      rem /= P.shape[d];
    }
    out[i] = x[off];
  }
}

// --------------------------------------------------------------- copy_box --

struct Box {
  int nd;
  int64_t box[EG_MAX_DIMS];
  int64_t ss[EG_MAX_DIMS], ds[EG_MAX_DIMS];  // row-major strides of src and dst
  int64_t sbase, dbase, count;
};

template <class W>
__global__ void copy_box_kernel(const W* __restrict__ src, W* __restrict__ dst, Box B) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < B.count;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rem = i, so = B.sbase, dO = B.dbase;
    for (int d = B.nd - 1; d >= 0; --d) {
      const int64_t idx = rem % B.box[d];
      rem /= B.box[d];
      so += idx * B.ss[d];
      dO += idx * B.ds[d];
    }
    dst[dO] = src[so];
  }
}

// ----------------------------------------------------------------- gather --

template <class W>
__global__ void gather_kernel(const W* __restrict__ x, const int32_t* __restrict__ index,
                              W* __restrict__ out, int64_t total, int64_t row) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / row, c = i % row;
    out[i] = x[int64_t(index[r]) * row + c];
  }
}

}  // namespace

extern "C" egc_status egc_transpose(eg_dtype dtype, const void* x, const int64_t* shape,
                                    const int32_t* perm, int ndim, void* out) {
  EGC_GUARD_BEGIN
  if (ndim < 0 || ndim > EG_MAX_DIMS)
    return egc::fail(EGC_ERR_ARGUMENT, "transpose: rank %d outside [0, %d]", ndim, EG_MAX_DIMS);
  if (ndim > 0 && (!shape || !perm))
    return egc::fail(EGC_ERR_ARGUMENT, "transpose: null shape or perm");
  bool seen[EG_MAX_DIMS] = {};
  for (int i = 0; i < ndim; ++i) {
    if (shape[i] < 0)
      return egc::fail(EGC_ERR_ARGUMENT, "transpose: negative extent %lld on axis %d",
                       (long long)shape[i], i);
    if (perm[i] < 0 || perm[i] >= ndim || seen[perm[i]])
      return egc::fail(EGC_ERR_ARGUMENT, "transpose: perm is not a permutation of 0..%d", ndim - 1);
    seen[perm[i]] = true;
  }
  if (!egc::is_valid(dtype))
    return egc::fail(EGC_ERR_ARGUMENT, "transpose: invalid dtype %d", int(dtype));
  const Plan P = plan(shape, perm, ndim);
  if (P.size == 0) return EGC_OK;
  if (!x || !out) return egc::fail(EGC_ERR_ARGUMENT, "transpose: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("transpose", &stream));
  if (dtype == EG_F64)
    transpose_kernel<uint64_t><<<egc::blocks_for(P.size), egc::kThreads, 0, stream>>>(
        static_cast<const uint64_t*>(x), static_cast<uint64_t*>(out), P);
  else
    transpose_kernel<uint32_t><<<egc::blocks_for(P.size), egc::kThreads, 0, stream>>>(
        static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out), P);
  return egc::launched("transpose");
  EGC_GUARD_END("transpose")
}

extern "C" egc_status egc_copy_box(eg_dtype dtype, const void* src, const int64_t* src_shape,
                                   const int64_t* src_offset, void* dst, const int64_t* dst_shape,
                                   const int64_t* dst_offset, const int64_t* box_shape, int ndim) {
  EGC_GUARD_BEGIN
  if (ndim < 0 || ndim > EG_MAX_DIMS)
    return egc::fail(EGC_ERR_ARGUMENT, "copy_box: rank %d outside [0, %d]", ndim, EG_MAX_DIMS);
  if (!egc::is_valid(dtype))
    return egc::fail(EGC_ERR_ARGUMENT, "copy_box: invalid dtype %d", int(dtype));
  if (ndim > 0 && (!src_shape || !src_offset || !dst_shape || !dst_offset || !box_shape))
    return egc::fail(EGC_ERR_ARGUMENT, "copy_box: null shape or offset");
  Box B;
  B.nd = ndim;
  B.count = 1;
  for (int d = 0; d < ndim; ++d) {
    if (src_shape[d] < 0 || dst_shape[d] < 0 || box_shape[d] < 0 || src_offset[d] < 0 ||
        dst_offset[d] < 0)
      return egc::fail(EGC_ERR_ARGUMENT, "copy_box: negative extent or offset on axis %d", d);
    if (src_offset[d] + box_shape[d] > src_shape[d])
      return egc::fail(EGC_ERR_INDEX,
                       "copy_box: box [%lld, %lld) exceeds source extent %lld on axis %d",
                       (long long)src_offset[d], (long long)(src_offset[d] + box_shape[d]),
                       (long long)src_shape[d], d);
    if (dst_offset[d] + box_shape[d] > dst_shape[d])
      return egc::fail(EGC_ERR_INDEX,
                       "copy_box: box [%lld, %lld) exceeds destination extent %lld on axis %d",
                       (long long)dst_offset[d], (long long)(dst_offset[d] + box_shape[d]),
                       (long long)dst_shape[d], d);
    B.box[d] = box_shape[d];
    B.count *= box_shape[d];
  }
  if (B.count == 0) return EGC_OK;
  if (!src || !dst) return egc::fail(EGC_ERR_ARGUMENT, "copy_box: null buffer");
  int64_t a = 1, b = 1;
  B.sbase = B.dbase = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    B.ss[d] = a;
    B.ds[d] = b;
    B.sbase += src_offset[d] * a;
    B.dbase += dst_offset[d] * b;
    a *= src_shape[d];
    b *= dst_shape[d];
  }
  cudaStream_t stream;
  EGC_TRY(egc::ready("copy_box", &stream));
  if (dtype == EG_F64)
    copy_box_kernel<uint64_t><<<egc::blocks_for(B.count), egc::kThreads, 0, stream>>>(
        static_cast<const uint64_t*>(src), static_cast<uint64_t*>(dst), B);
  else
    copy_box_kernel<uint32_t><<<egc::blocks_for(B.count), egc::kThreads, 0, stream>>>(
        static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), B);
  return egc::launched("copy_box");
  EGC_GUARD_END("copy_box")
}

extern "C" egc_status egc_gather(eg_dtype dtype, const void* x, int64_t src_rows,
                                 const int32_t* index, int64_t n_index, void* out,
                                 int64_t row_size) {
  EGC_GUARD_BEGIN
  if (src_rows < 0 || n_index < 0 || row_size < 0)
    return egc::fail(EGC_ERR_ARGUMENT, "gather: negative size");
  if (!egc::is_valid(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "gather: invalid dtype %d", int(dtype));
  if (n_index > 0 && !index) return egc::fail(EGC_ERR_ARGUMENT, "gather: null index");
  if (n_index == 0) return EGC_OK;
  cudaStream_t stream;
  EGC_TRY(egc::ready("gather", &stream));
  EGC_TRY(egc::check_index("gather", index, n_index, src_rows, stream));
  if (row_size == 0) return EGC_OK;
  if (!x || !out) return egc::fail(EGC_ERR_ARGUMENT, "gather: null buffer");
  const int64_t total = n_index * row_size;
  if (dtype == EG_F64)
    gather_kernel<uint64_t><<<egc::blocks_for(total), egc::kThreads, 0, stream>>>(
        static_cast<const uint64_t*>(x), index, static_cast<uint64_t*>(out), total, row_size);
  else
    gather_kernel<uint32_t><<<egc::blocks_for(total), egc::kThreads, 0, stream>>>(
        static_cast<const uint32_t*>(x), index, static_cast<uint32_t*>(out), total, row_size);
  return egc::launched("gather");
  EGC_GUARD_END("gather")
}
