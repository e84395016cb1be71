// Fused tensor-product graph convolution on the device (egc_tp_convolution):
//
//   out[dst_e] += TP_uvu(x1[src_e], x2_e; W_e)      summed over the edges e
//
// with the descriptor, slots and semantics of eg_tp_convolution
// (native/include/equigraph.h, native/src/tp_convolution.cpp); the backward
// passes are the same call with the output slot moved. Each edge is one
// "sample" of the segmented tensor product (tp_plan.cuh) whose rows are
// W[e], x1[src[e]], x2[e] and out[dst[e]]; nothing of size edges x width is
// materialised.
//
//   node outputs (slot 3, forward; slot 1, grad x1): deterministic, without
//     atomics. The edges are grouped by the output node with the CSR of the
//     scatter kernel (a stable CUB radix sort of (node, edge) pairs, so each
//     node's edges stay in increasing edge order, as on the CPU). One thread
//     per (node, output element) walks its node's edges in that order.
//   edge outputs (slot 0, grad W; slot 2, grad x2): one thread per (edge,
//     output element), written at the edge's own row.
//
// Edge indices are device int32 arrays (on the CPU they are host arrays);
// they are checked on the device before anything is read through them (one
// synchronisation, as for gather and scatter): a node outside
// [0, num_nodes) gives EGC_ERR_INDEX naming the first bad edge.
//
// Sums run in the dtype in a fixed order: deterministic, and equal to the CPU
// to rounding, not bit for bit (the CPU factors the per-edge sums
// differently). Unlike the CPU kernel this one has no limit on the component
// count of node segments (the CPU refuses l > 7 with EG_ERR_UNSUPPORTED);
// otherwise it accepts and refuses exactly the descriptors the CPU does.
//
// NOT YET RUN ON A GPU: written and compiled on a machine without one.
#include <climits>

#include "tp_plan.cuh"

namespace {

using egc::tp::DevPlan;

template <class T>
struct Slots {
  const T* base[4];  // nullptr: the output slot, or a slot of size 0
  int64_t size[4];   // row length of each slot
};

// Item t = (row, c). Node output O (1 or 3): element c of node `row`, summed
// over the node's edges in CSR order (`perm`, `offsets`). Edge output O (0 or
// 2): element c of edge `row`.
template <class T, int O>
EGC_HD void conv_item(const DevPlan<T>& P, const Slots<T>& in, const int32_t* src, const int32_t* dst,
                      const int32_t* perm, const int64_t* offsets, int64_t out_size, T* out, int64_t t) {
  constexpr bool kNodeOut = O == 1 || O == 3;
  const int64_t row = t / out_size, c = t - row * out_size;
  T acc = T(0);
  const int iv = egc::tp::find_interval(P.iv, P.n_iv, c);
  if (iv >= 0) {
    const int64_t r0 = kNodeOut ? offsets[row] : row;
    const int64_t r1 = kNodeOut ? offsets[row + 1] : row + 1;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t e = kNodeOut ? int64_t(perm[r]) : r;
      const T* w = in.base[0] ? in.base[0] + e * in.size[0] : nullptr;
      const T* x1 = in.base[1] ? in.base[1] + int64_t(src[e]) * in.size[1] : nullptr;
      const T* x2 = in.base[2] ? in.base[2] + e * in.size[2] : nullptr;
      const T* g = in.base[3] ? in.base[3] + int64_t(dst[e]) * in.size[3] : nullptr;
      acc += egc::tp::element<T, O>(P, iv, c, w, x1, x2, g);
    }
  }
  out[row * out_size + c] = acc;
}

template <class T, int O>
__global__ void conv_kernel(DevPlan<T> P, Slots<T> in, const int32_t* __restrict__ src,
                            const int32_t* __restrict__ dst, const int32_t* __restrict__ perm,
                            const int64_t* __restrict__ offsets, int64_t rows, int64_t out_size,
                            T* __restrict__ out) {
  const int64_t total = rows * out_size;
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x)
    conv_item<T, O>(P, in, src, dst, perm, offsets, out_size, out, t);
}

// First edge (lowest position) with a source or target outside [0, n).
__global__ void first_bad_edge(const int32_t* __restrict__ src, const int32_t* __restrict__ dst, int64_t edges,
                               int64_t n, unsigned long long* first) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < edges;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int32_t a = src[e], b = dst[e];
    if (a < 0 || int64_t(a) >= n || b < 0 || int64_t(b) >= n) atomicMin(first, (unsigned long long)e);
  }
}

egc_status check_edges(const char* fn, const int32_t* src, const int32_t* dst, int64_t edges, int64_t nodes,
                       cudaStream_t stream) {
  egc::Temp first;
  EGC_TRY(first.alloc(sizeof(unsigned long long)));
  cudaError_t err = cudaMemsetAsync(first.ptr, 0xFF, sizeof(unsigned long long), stream);
  if (err != cudaSuccess) return egc::cuda_fail(err, fn);
  first_bad_edge<<<egc::blocks_for(edges), egc::kThreads, 0, stream>>>(src, dst, edges, nodes,
                                                                       first.as<unsigned long long>());
  EGC_TRY(egc::launched(fn));
  unsigned long long pos = 0;
  err = cudaMemcpyAsync(&pos, first.ptr, sizeof pos, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaStreamSynchronize(stream);
  if (err != cudaSuccess) return egc::cuda_fail(err, fn);
  if (pos == ~0ull) return EGC_OK;
  int32_t a = 0, b = 0;
  err = cudaMemcpyAsync(&a, src + pos, sizeof a, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaMemcpyAsync(&b, dst + pos, sizeof b, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaStreamSynchronize(stream);
  if (err != cudaSuccess) return egc::cuda_fail(err, fn);
  return egc::fail(EGC_ERR_INDEX, "%s: edge %lld (%d -> %d) has a node outside [0, %lld)", fn, (long long)pos,
                   int(a), int(b), (long long)nodes);
}

template <class T, int O>
egc_status launch(const DevPlan<T>& P, const Slots<T>& in, const int32_t* src, const int32_t* dst,
                  const int32_t* perm, const int64_t* offsets, int64_t rows, int64_t out_size, T* out,
                  cudaStream_t stream) {
  conv_kernel<T, O><<<egc::blocks_for(rows * out_size), egc::kThreads, 0, stream>>>(P, in, src, dst, perm, offsets,
                                                                                   rows, out_size, out);
  return egc::launched("egc_tp_convolution");
}

template <class T>
egc_status run(eg_dtype dtype, const egc::tp::Descriptor& d, const void* const* operands, const int32_t* src,
               const int32_t* dst, int64_t num_edges, int64_t num_nodes, int out_slot, void* out_ptr) {
  const char* fn = "egc_tp_convolution";
  const int64_t* sizes = d.sizes;
  bool present[4];
  Slots<T> in{};
  for (int s = 0; s < 4; ++s) {
    if (sizes[s] < 0) return egc::fail(EGC_ERR_ARGUMENT, "%s: operand %d has a negative size", fn, s);
    present[s] = sizes[s] > 0;
    in.base[s] = nullptr;
    in.size[s] = sizes[s];
    if (s != out_slot && present[s]) {
      if (!operands[s]) return egc::fail(EGC_ERR_ARGUMENT, "%s: operand %d is null", fn, s);
      in.base[s] = static_cast<const T*>(operands[s]);
    }
  }
  if (!present[out_slot])
    return egc::fail(EGC_ERR_ARGUMENT, "%s: the output slot %d is absent (size 0)", fn, out_slot);
  if (!present[egc::tp::SX1] || !present[egc::tp::SOUT])
    return egc::fail(EGC_ERR_ARGUMENT, "%s: slots x1 (1) and out (3) must be present", fn);

  T* out = static_cast<T*>(out_ptr);
  const bool node_out = out_slot == egc::tp::SX1 || out_slot == egc::tp::SOUT;
  const int64_t out_size = sizes[out_slot];
  const int64_t rows = node_out ? num_nodes : num_edges;
  if (num_edges == 0) {
    // No edge: node outputs are zero, edge outputs empty; the descriptor is still checked.
    std::vector<unsigned char> blob, meta;
    EGC_TRY(egc::tp::build_plan<T>(fn, egc::tp::Rules::Convolution, d, out_slot, blob, meta));
    return node_out ? egc_memset_zero(out, num_nodes * out_size * int64_t(sizeof(T))) : EGC_OK;
  }
  cudaStream_t stream;
  EGC_TRY(egc::ready(fn, &stream));
  DevPlan<T> P;
  EGC_TRY(egc::tp::plan_for<T>(fn, egc::tp::Rules::Convolution, dtype, d, out_slot, stream, &P));
  EGC_TRY(check_edges(fn, src, dst, num_edges, num_nodes, stream));
  if (rows == 0) return EGC_OK;

  egc::Temp perm, offsets;
  if (node_out) {
    // The output node of each edge: its source for grad x1, else its target.
    const int32_t* key = out_slot == egc::tp::SX1 ? src : dst;
    EGC_TRY(egc::build_csr(fn, key, num_edges, num_nodes, stream, perm, offsets));
  }
  const int32_t* pm = perm.as<int32_t>();
  const int64_t* of = offsets.as<int64_t>();
  switch (out_slot) {
    case 0: return launch<T, 0>(P, in, src, dst, pm, of, rows, out_size, out, stream);
    case 1: return launch<T, 1>(P, in, src, dst, pm, of, rows, out_size, out, stream);
    case 2: return launch<T, 2>(P, in, src, dst, pm, of, rows, out_size, out, stream);
    default: return launch<T, 3>(P, in, src, dst, pm, of, rows, out_size, out, stream);
  }
}

}  // namespace

extern "C" egc_status egc_tp_convolution(eg_dtype dtype, const int32_t* segments, int32_t num_segments,
                                         const int32_t* paths, int32_t num_paths, const int32_t* coeff_index,
                                         const double* coeff_value, int32_t num_coeffs,
                                         const int64_t* operand_sizes, const void* const* operands,
                                         const int32_t* edge_src, const int32_t* edge_dst, int64_t num_edges,
                                         int64_t num_nodes, int out_operand, void* out) {
  EGC_GUARD_BEGIN
  const char* fn = "egc_tp_convolution";
  if (!segments || !paths || !operand_sizes || !operands || !out ||
      (num_coeffs > 0 && (!coeff_index || !coeff_value)) || (num_edges > 0 && (!edge_src || !edge_dst)))
    return egc::fail(EGC_ERR_ARGUMENT, "%s: null descriptor, operand or index array", fn);
  if (num_segments < 0 || num_paths < 0 || num_coeffs < 0 || num_edges < 0 || num_nodes < 0)
    return egc::fail(EGC_ERR_ARGUMENT, "%s: negative count", fn);
  if (num_edges > INT32_MAX) return egc::fail(EGC_ERR_ARGUMENT, "%s: more than 2^31 - 1 edges", fn);
  if (out_operand < 0 || out_operand > 3)
    return egc::fail(EGC_ERR_ARGUMENT, "%s: output slot %d is not in 0..3", fn, out_operand);
  const egc::tp::Descriptor d{segments, num_segments, paths, num_paths, coeff_index, coeff_value, num_coeffs,
                              operand_sizes};
  switch (dtype) {
    case EG_F32:
      return run<float>(dtype, d, operands, edge_src, edge_dst, num_edges, num_nodes, out_operand, out);
    case EG_F64:
      return run<double>(dtype, d, operands, edge_src, edge_dst, num_edges, num_nodes, out_operand, out);
    default: return egc::fail(EGC_ERR_UNSUPPORTED, "%s: dtype must be float32 or float64", fn);
  }
  EGC_GUARD_END("egc_tp_convolution")
}
