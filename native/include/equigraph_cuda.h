/*
 * equigraph CUDA C ABI: the foundation kernels of equigraph.h on device
 * memory, and its E(3) kernels (spherical harmonics, segmented tensor
 * product, fused tensor-product convolution; see the end of this file). Implemented by the .cu files in native/cuda, compiled only when nvcc
 * is found at build time (the library then defines EQUIGRAPH_WITH_CUDA);
 * without it none of these symbols exist. Names start with egc_ so the
 * WebAssembly build, which exports the eg_ functions of every header here,
 * never picks them up.
 *
 * Semantics match the CPU entry points of the same name in equigraph.h
 * (same op codes, dtypes, shapes and error conditions); every pointer
 * argument marked "device" must come from egc_malloc. All work runs on one
 * CUDA stream of device 0 (choose the GPU with CUDA_VISIBLE_DEVICES). Kernel
 * calls are asynchronous unless noted: a fault inside a kernel is reported
 * by the next call that synchronises (a copy to the host, egc_synchronize,
 * or a gather/scatter, which check their indices on the device first).
 *
 * No call aborts: every CUDA error, out of memory and "no device / no
 * driver" included, becomes a status with a message in egc_last_error().
 */
#ifndef EQUIGRAPH_CUDA_H
#define EQUIGRAPH_CUDA_H

#include <stdint.h>

#include "equigraph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  EGC_OK = 0,
  EGC_ERR_ARGUMENT = 1,      /* as EG_ERR_ARGUMENT */
  EGC_ERR_INDEX = 2,         /* as EG_ERR_INDEX */
  EGC_ERR_UNSUPPORTED = 3,   /* as EG_ERR_UNSUPPORTED */
  EGC_ERR_CUDA = 16,         /* a CUDA runtime call or kernel failed */
  EGC_ERR_OUT_OF_MEMORY = 17,/* device allocation failed even after emptying the cache */
  EGC_ERR_NO_DEVICE = 18     /* no usable device (no GPU, no driver, driver too old) */
} egc_status;

/* Human-readable reason for the last non-OK status on this thread. */
const char* egc_last_error(void);

/* Number of CUDA devices; 0 (never a crash) when there is no GPU or no
 * driver, with the CUDA error text in egc_last_error(). */
int egc_device_count(void);

/* ---------------------------------------------------------------- memory */
/* Caching allocator: freed blocks go to size-bucketed free lists and are
 * reused; on out of memory the cache is released and the allocation retried
 * once. bytes == 0 gives a null pointer. */
egc_status egc_malloc(void** device_ptr, int64_t bytes);
/* Returns a block from egc_malloc to the cache (null is a no-op). Stream
 * ordered: work already queued on it still completes correctly. */
egc_status egc_free(void* device_ptr);
/* Releases every cached (unused) block to the driver, after dropping the
 * cached descriptor / coefficient tables of the E(3) kernels below. */
egc_status egc_empty_cache(void);
/* Bytes handed out and bytes held in the cache (bucket sizes). */
void egc_memory_stats(int64_t* in_use, int64_t* cached);

/* Synchronous copies (they wait for all queued work first). */
egc_status egc_memcpy_htod(void* device_dst, const void* host_src, int64_t bytes);
egc_status egc_memcpy_dtoh(void* host_dst, const void* device_src, int64_t bytes);
/* Asynchronous device fill with zero bytes. */
egc_status egc_memset_zero(void* device_ptr, int64_t bytes);
/* Waits for all queued work; reports a kernel fault that happened in it. */
egc_status egc_synchronize(void);

/* --------------------------------------------------------------- kernels */
/* All buffers are device pointers; shape/stride/offset/perm arrays are host
 * arrays. Same contracts as the CPU functions in equigraph.h. */
egc_status egc_unary(int op, eg_dtype dtype, const void* x, void* out, int64_t n);

egc_status egc_binary(int op, eg_dtype dtype, const void* a, const int64_t* a_strides,
                      const void* b, const int64_t* b_strides, void* out,
                      const int64_t* out_shape, int ndim);

/* Sums accumulate in double (as on the CPU); fixed reduction tree, so the
 * result is deterministic run to run. */
egc_status egc_reduce(int op, eg_dtype dtype, const void* x, void* out, int64_t outer,
                      int64_t size, int64_t inner);

egc_status egc_transpose(eg_dtype dtype, const void* x, const int64_t* shape,
                         const int32_t* perm, int ndim, void* out);

/* Shared-memory tiled GEMM (64x64x16 tiles), accumulating in the dtype. */
egc_status egc_matmul(eg_dtype dtype, const void* a, const void* b, void* out, int64_t batch,
                      int64_t m, int64_t k, int64_t n, int trans_a, int trans_b,
                      int64_t batch_stride_a, int64_t batch_stride_b);

/* index is a device int32 array; it is range-checked on the device before
 * anything is written (one synchronisation). */
egc_status egc_gather(eg_dtype dtype, const void* x, int64_t src_rows, const int32_t* index,
                      int64_t n_index, void* out, int64_t row_size);

/* Deterministic: a CSR of the index is built on the device (stable radix
 * sort of (index, row) pairs), then each output element combines its rows
 * in increasing row order, exactly as the CPU does. No atomics on values. */
egc_status egc_scatter(int op, eg_dtype dtype, const void* src, const int32_t* index,
                       int64_t n_index, void* out, int64_t num_segments, int64_t row_size);

egc_status egc_copy_box(eg_dtype dtype, const void* src, const int64_t* src_shape,
                        const int64_t* src_offset, void* dst, const int64_t* dst_shape,
                        const int64_t* dst_offset, const int64_t* box_shape, int ndim);

egc_status egc_cast(eg_dtype src_dtype, const void* src, eg_dtype dst_dtype, void* dst,
                    int64_t n);

/* ------------------------------------------------- E(3) kernels (device) */
/*
 * The spherical harmonics, segmented tensor product and fused tensor-product
 * convolution of equigraph.h, on device memory. Same arguments, descriptor
 * format, semantics, error conditions and messages as the eg_ functions of
 * the same name; the differences are listed per function. Descriptor arrays
 * (segments, paths, coeff_index, coeff_value, operand_sizes, batch_strides)
 * and `ls` are HOST arrays; the tables built from them are cached on the
 * device by content, so a descriptor used again is not uploaded again
 * (egc_empty_cache drops that cache too). Every float buffer is a device
 * buffer. Results are deterministic (fixed summation order, no atomics on
 * values) and agree with the CPU to rounding, not bit for bit.
 *
 * NOT YET RUN ON A GPU: written and compiled without one; the GPU tests in
 * packages/native/test/cuda.test.ts compare them with the CPU kernels.
 */

/* Real spherical harmonics: x [n, 3] and out [n, D] on the device; every
 * degree up to EG_SH_MAX_L, float32 and float64, as eg_spherical_harmonics. */
egc_status egc_spherical_harmonics(eg_dtype dtype, const int32_t* ls, int n_ls, int normalize,
                                   int normalization, const void* x, int64_t n, void* out);
egc_status egc_spherical_harmonics_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                            int normalize, int normalization, const void* x,
                                            int64_t n, const void* grad_out, void* grad_x);
egc_status egc_spherical_harmonics_double_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                   int normalize, int normalization,
                                                   const void* x, int64_t n,
                                                   const void* grad_out, const void* gg_x,
                                                   void* out_grad_x, void* out_grad_grad_out);
egc_status egc_spherical_harmonics_triple_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                   int normalize, int normalization,
                                                   const void* x, int64_t n,
                                                   const void* grad_out, const void* a,
                                                   const void* b, void* out_grad_x,
                                                   void* out_hess);

/* Segmented tensor product, as eg_segmented_tensor_product: operands[s] are
 * device pointers (ignored for the output and absent slots), the descriptor
 * and operand_sizes / batch_strides host arrays. One thread per output
 * element; a batch-summed output (stride 0, the shared-weight gradient) is
 * summed over fixed ranges of the batch and then over the ranges in order. */
egc_status egc_segmented_tensor_product(eg_dtype dtype, const int32_t* segments,
                                        int32_t num_segments, const int32_t* paths,
                                        int32_t num_paths, const int32_t* coeff_index,
                                        const double* coeff_value, int32_t num_coeffs,
                                        const int64_t* operand_sizes,
                                        const void* const* operands,
                                        const int64_t* batch_strides, int64_t batch,
                                        int out_operand, void* out);

/* Fused convolution, as eg_tp_convolution, except that edge_src and edge_dst
 * are DEVICE int32 arrays. They are range-checked on the device first (one
 * synchronisation); node outputs are summed per node in increasing edge order
 * over a CSR built on the device (as egc_scatter does), without atomics.
 * Accepts and refuses the descriptors the CPU does, except that node
 * segments of more than 15 components (l > 7), which the CPU refuses with
 * EG_ERR_UNSUPPORTED, work here. */
egc_status egc_tp_convolution(eg_dtype dtype, const int32_t* segments, int32_t num_segments,
                              const int32_t* paths, int32_t num_paths,
                              const int32_t* coeff_index, const double* coeff_value,
                              int32_t num_coeffs, const int64_t* operand_sizes,
                              const void* const* operands, const int32_t* edge_src,
                              const int32_t* edge_dst, int64_t num_edges, int64_t num_nodes,
                              int out_operand, void* out);

#ifdef __cplusplus
}
#endif

#endif /* EQUIGRAPH_CUDA_H */
