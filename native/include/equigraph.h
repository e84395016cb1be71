/*
 * equigraph C ABI: the one surface both bindings (N-API, WebAssembly) call.
 * Flat arrays, explicit sizes, status codes; no allocation across the
 * boundary (callers own every buffer). Mirrors HostPrimitives in
 * packages/core/src/backend.ts; op codes must match UNARY_CODES etc. there.
 */
#ifndef EQUIGRAPH_H
#define EQUIGRAPH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { EG_F32 = 0, EG_F64 = 1, EG_I32 = 2 } eg_dtype;

typedef enum {
  EG_OK = 0,
  EG_ERR_ARGUMENT = 1,   /* a size, dtype or op code is invalid */
  EG_ERR_INDEX = 2,      /* an index lies outside its range */
  EG_ERR_UNSUPPORTED = 3 /* the dtype/op pair is not implemented */
} eg_status;

#define EG_MAX_DIMS 8

typedef enum {
  EG_NEG = 0, EG_EXP = 1, EG_LOG = 2, EG_SQRT = 3, EG_ABS = 4, EG_SIGN = 5,
  EG_SQUARE = 6, EG_RECIPROCAL = 7, EG_SIGMOID = 8, EG_TANH = 9, EG_RELU = 10,
  EG_SILU = 11, EG_SOFTPLUS = 12, EG_STEP = 13, EG_SIN = 14, EG_COS = 15
} eg_unary_op;

typedef enum {
  EG_ADD = 0, EG_SUB = 1, EG_MUL = 2, EG_DIV = 3, EG_POW = 4, EG_MAXIMUM = 5,
  EG_MINIMUM = 6, EG_EQUAL = 7, EG_GREATER = 8
} eg_binary_op;

typedef enum { EG_REDUCE_SUM = 0, EG_REDUCE_MAX = 1 } eg_reduce_op;

/* Human-readable reason for the last non-OK status on this thread. */
const char* eg_last_error(void);

/* Number of worker threads kernels may use (1 = single-threaded). */
void eg_set_num_threads(int n);
int eg_get_num_threads(void);

/* out[i] = op(x[i]), n elements; dtype F32 or F64. */
eg_status eg_unary(int op, eg_dtype dtype, const void* x, void* out, int64_t n);

/* Broadcasting elementwise op over out_shape (ndim <= EG_MAX_DIMS);
 * strides are in elements, 0 broadcasts an axis. */
eg_status eg_binary(int op, eg_dtype dtype, const void* a, const int64_t* a_strides,
                    const void* b, const int64_t* b_strides, void* out,
                    const int64_t* out_shape, int ndim);

/* x as [outer, size, inner] -> out [outer, inner]. */
eg_status eg_reduce(int op, eg_dtype dtype, const void* x, void* out, int64_t outer,
                    int64_t size, int64_t inner);

/* Row-major permuted copy: out.shape[i] = shape[perm[i]]. Any dtype. */
eg_status eg_transpose(eg_dtype dtype, const void* x, const int64_t* shape,
                       const int32_t* perm, int ndim, void* out);

/* Batched GEMM, see HostPrimitives.matmul. */
eg_status eg_matmul(eg_dtype dtype, const void* a, const void* b, void* out, int64_t batch,
                    int64_t m, int64_t k, int64_t n, int trans_a, int trans_b,
                    int64_t batch_stride_a, int64_t batch_stride_b);

/* out[i, :] = x[index[i], :]; x has src_rows rows (bounds-checked). Any dtype. */
eg_status eg_gather(eg_dtype dtype, const void* x, int64_t src_rows, const int32_t* index,
                    int64_t n_index, void* out, int64_t row_size);

/* out[s, :] = op over rows i with index[i] == s; empty segments are 0. out is
 * overwritten. index values outside [0, num_segments) give EG_ERR_INDEX. */
eg_status eg_scatter(int op, eg_dtype dtype, const void* src, const int32_t* index,
                     int64_t n_index, void* out, int64_t num_segments, int64_t row_size);

/* Copies a box between two row-major arrays of the same dtype and rank. */
eg_status eg_copy_box(eg_dtype dtype, const void* src, const int64_t* src_shape,
                      const int64_t* src_offset, void* dst, const int64_t* dst_shape,
                      const int64_t* dst_offset, const int64_t* box_shape, int ndim);

/* dst[i] = (dst_dtype) src[i], n elements. */
eg_status eg_cast(eg_dtype src_dtype, const void* src, eg_dtype dst_dtype, void* dst, int64_t n);

#ifdef __cplusplus
}
#endif

#endif /* EQUIGRAPH_H */
