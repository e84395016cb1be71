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
/* Starts the worker threads now rather than at the first parallel kernel
 * (the threaded WebAssembly build, whose workers take tens of ms to boot). */
void eg_start_threads(void);

/* out[i] = op(x[i]), n elements; dtype F32 or F64. */
eg_status eg_unary(int op, eg_dtype dtype, const void* x, void* out, int64_t n);

/* Fused activation gradient: out[i] = dy[i] * f'(x[i]) for f = op, with
 * y = f(x) the forward output (sigmoid and tanh use y, silu and softplus x).
 * Supported ops: EG_SIGMOID, EG_TANH, EG_SILU, EG_SOFTPLUS (others return
 * EG_ERR_UNSUPPORTED). Float dtypes only. */
eg_status eg_unary_grad(int op, eg_dtype dtype, const void* x, const void* y, const void* dy,
                        void* out, int64_t n);

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

/* ------------------------------------------------------------------------ */
/* spherical harmonics                                                       */
/* ------------------------------------------------------------------------ */
/*
 * Real spherical harmonics of n 3-vectors in e3nn's convention (see
 * packages/geometry/docs/conventions.md): x is [n, 3] row-major, the output
 * is [n, D] with D = sum over ls of (2l + 1), the degrees concatenated in the
 * order given, each as m = -l..l. All float buffers share `dtype` (F32 or
 * F64); evaluation is exact (dual numbers through the same recurrences, no
 * finite differences). `normalize` != 0 projects x onto the unit sphere first;
 * a zero vector then gives Y^0 = its constant, every l > 0 = 0, and zero
 * derivatives of every order. Degrees: 0 <= l <= EG_SH_MAX_L, 1 <= n_ls <=
 * EG_SH_MAX_LS. Every output buffer is overwritten.
 */
#define EG_SH_MAX_L 64
#define EG_SH_MAX_LS 1024

typedef enum {
  EG_SH_INTEGRAL = 0,  /* integral over the sphere of (Y^l_m)^2 = 1 (e3nn's default) */
  EG_SH_COMPONENT = 1, /* |Y^l(unit x)|^2 = 2l + 1 */
  EG_SH_NORM = 2       /* |Y^l(unit x)| = 1 */
} eg_sh_normalization;

/* out [n, D] = Y(x). */
eg_status eg_spherical_harmonics(eg_dtype dtype, const int32_t* ls, int n_ls, int normalize,
                                 int normalization, const void* x, int64_t n, void* out);

/* grad_x [n, 3] = J(x)^T grad_out, J = dY/dx per vector, grad_out [n, D]. */
eg_status eg_spherical_harmonics_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                          int normalize, int normalization, const void* x,
                                          int64_t n, const void* grad_out, void* grad_x);

/* The derivatives of the backward for a direction gg_x [n, 3]:
 *   out_grad_x        [n, 3] = d/dx <J(x)^T grad_out, gg_x> = sum_k grad_out_k H_k gg_x
 *   out_grad_grad_out [n, D] = J(x) gg_x   (the Jacobian-vector product)
 * with H_k the Hessian of Y_k. */
eg_status eg_spherical_harmonics_double_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                 int normalize, int normalization,
                                                 const void* x, int64_t n,
                                                 const void* grad_out, const void* gg_x,
                                                 void* out_grad_x, void* out_grad_grad_out);

/* Third-order contractions, for the derivative of the double backward with
 * two directions a, b [n, 3]:
 *   out_grad_x [n, 3] = d/dx sum_k grad_out_k a^T H_k b
 *   out_hess   [n, D] = a^T H_k b  for every component k. */
eg_status eg_spherical_harmonics_triple_backward(eg_dtype dtype, const int32_t* ls, int n_ls,
                                                 int normalize, int normalization,
                                                 const void* x, int64_t n,
                                                 const void* grad_out, const void* a,
                                                 const void* b, void* out_grad_x,
                                                 void* out_hess);

/* ------------------------------------------------------------------------
 * Segmented tensor product (the tensor products on irreps of
 * @equigraph/geometry). A descriptor is data: four operand slots
 * (0 weights, 1 x1, 2 x2, 3 out), each a list of segments, and paths that
 * couple one segment per slot through sparse coefficients c[i, j, k].
 *   segments      rows of 4 int32: operand slot, offset, mul, dim
 *                 (a weight segment is a flat block: mul = its weight count, dim 1)
 *   paths         rows of 8 int32: mode, segment of slots 0..3 (-1: the slot is
 *                 absent and acts as the constant 1), first coefficient,
 *                 coefficient count, 0
 *   coeff_index   rows of 3 int32: (i, j, k) component of x1, x2, out
 *   coeff_value   the coefficient (CG times path normalisation), float64
 * Modes (channel u of x1, v of x2, w of out; see EG_TP_* below):
 *   UVW   out[w,k] += c W[u,v,w] x1[u,i] x2[v,j]
 *   UVU   out[u,k] += c W[u,v]   x1[u,i] x2[v,j]
 *   UUU   out[u,k] += c W[u]     x1[u,i] x2[u,j]
 *   UVUV  out[u*V+v,k] += c W[u,v] x1[u,i] x2[v,j]
 * The product is a multilinear form in the four slots, so the kernel computes
 * any one present slot (out_operand) from the others: the gradient with
 * respect to a slot is the same call with that slot as output and the
 * upstream gradient in slot 3. operands[s] points at slot s (ignored for the
 * output and absent slots); batch_strides[s] is the element offset between
 * samples (0 broadcasts one operand to every sample; an output stride of 0
 * sums over the batch). operand_sizes[s] is the per-sample element count
 * (0 for an absent slot). out is overwritten.
 * ---------------------------------------------------------------------- */
typedef enum { EG_TP_UVW = 0, EG_TP_UVU = 1, EG_TP_UUU = 2, EG_TP_UVUV = 3 } eg_tp_mode;

eg_status eg_segmented_tensor_product(eg_dtype dtype, const int32_t* segments,
                                      int32_t num_segments, const int32_t* paths,
                                      int32_t num_paths, const int32_t* coeff_index,
                                      const double* coeff_value, int32_t num_coeffs,
                                      const int64_t* operand_sizes, const void* const* operands,
                                      const int64_t* batch_strides, int64_t batch,
                                      int out_operand, void* out);

/* ------------------------------------------------------------------------
 * Neighbour lists (native/src/neighbors.cpp): the radius graph of
 * radiusGraph in packages/data/src/graph.ts, with identical output (same
 * edges in the same order, bit-identical vectors and distances).
 *   positions   [n, 3] float64, as given (need not lie in the cell)
 *   cells       NULL (no periodic axis), or n_cells row-major [3, 3] cells,
 *               rows = lattice vectors; n_cells is 1 (shared) or the number
 *               of graphs (max batch id + 1). Ignored when pbc_mask is 0.
 *   pbc_mask    bit a set: periodic along lattice vector a
 *   batch       NULL (one graph) or [n] graph ids >= 0, need not be sorted
 *   max_neighbors  < 0: unlimited; otherwise the cap on an atom's incoming
 *               edges: an atom over it is reported (info[3], info[4]) and no
 *               plan is made, or with EG_RADIUS_GRAPH_TRUNCATE its nearest
 *               max_neighbors edges are kept (ties: smaller source, shift)
 * An edge j -> i with integer shift S exists when |v| < cutoff (strict) for
 *   v = pos[i] - pos[j] + S . cell,
 * the zero-shift self edge only with EG_RADIUS_GRAPH_SELF_LOOPS (periodic
 * self-images always). Edges are sorted by target i, then source j, then S.
 *
 * Two calls, so the caller allocates the outputs exactly:
 *   eg_radius_graph_count validates, bins and counts; on EG_OK with
 *     info[3] == -1 it stores a plan in *plan and writes info (int64[5]):
 *     [0] E, the number of edges  [1] atoms over max_neighbors (truncated)
 *     [2] edges dropped in all    [3] first atom over max_neighbors without
 *     TRUNCATE, else -1           [4] that atom's neighbour count.
 *     Non-finite coordinates or cells, singular cells and negative batch ids
 *     fail with EG_ERR_ARGUMENT / EG_ERR_INDEX (eg_last_error says which atom).
 *   eg_radius_graph_fill writes edge_index [2, E] int32 (row 0 sources, row 1
 *     targets), shifts [E, 3] int32, vectors [E, 3] float64, distances [E]
 *     float64 and, for the truncated atoms in ascending order, their index
 *     and neighbour count (info[1] entries each). Any output but edge_index
 *     may be NULL. A plan may be filled more than once.
 *   eg_radius_graph_free releases the plan (NULL is fine).
 * The plan copies what it needs: the inputs may change after counting.
 * ------------------------------------------------------------------------ */
#define EG_RADIUS_GRAPH_SELF_LOOPS 1
#define EG_RADIUS_GRAPH_TRUNCATE 2

typedef struct eg_radius_graph eg_radius_graph;

eg_status eg_radius_graph_count(const double* positions, int64_t n, double cutoff,
                                const double* cells, int64_t n_cells, int pbc_mask,
                                const int32_t* batch, int64_t max_neighbors, int flags,
                                eg_radius_graph** plan, int64_t* info);

eg_status eg_radius_graph_fill(const eg_radius_graph* plan, int32_t* edge_index, int32_t* shifts,
                               double* vectors, double* distances, int32_t* dropped_atoms,
                               int32_t* dropped_found);

void eg_radius_graph_free(eg_radius_graph* plan);

/* ------------------------------------------------------------------------
 * Fused tensor-product graph convolution (NequIP / MACE interaction):
 *   out[dst_e] += TP_uvu(x1[src_e], x2_e; W_e)   summed over the edges e
 * with a segmented tensor product descriptor as above whose paths are all
 * mode UVU, without materialising per-edge outputs. Slots: 0 weights
 * [num_edges, operand_sizes[0]] (one set per edge; size 0: unweighted),
 * 1 x1 [num_nodes, .] read at each edge's source, 2 x2 [num_edges, .]
 * (per-edge attributes, e.g. spherical harmonics of the edge vector), 3 out
 * [num_nodes, .] at each edge's target. The sum over edges is a multilinear
 * form in the four slots and out_operand picks the one computed from the
 * other three (the backward passes are the same call):
 *   3: node rows of the targets (forward), 1: node rows of the sources
 *   (gradient w.r.t. x1 from the upstream gradient in slot 3), 0 and 2: one
 *   row per edge (gradients w.r.t. the weights and the edge attributes).
 * Node outputs are summed per node in edge order (deterministic, parallel
 * over nodes); every output buffer is overwritten. Indices outside
 * [0, num_nodes) give EG_ERR_INDEX; a mode other than UVU EG_ERR_UNSUPPORTED.
 * ---------------------------------------------------------------------- */
eg_status eg_tp_convolution(eg_dtype dtype, const int32_t* segments, int32_t num_segments,
                            const int32_t* paths, int32_t num_paths, const int32_t* coeff_index,
                            const double* coeff_value, int32_t num_coeffs,
                            const int64_t* operand_sizes, const void* const* operands,
                            const int32_t* edge_src, const int32_t* edge_dst, int64_t num_edges,
                            int64_t num_nodes, int out_operand, void* out);

#ifdef __cplusplus
}
#endif

#endif /* EQUIGRAPH_H */
