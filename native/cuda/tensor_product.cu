// Segmented tensor product on the device (egc_segmented_tensor_product):
// the descriptor, slots and semantics of eg_segmented_tensor_product
// (native/include/equigraph.h, native/src/tensor_product.cpp), so the
// backward passes are the same call with the output slot moved.
//
// One thread per output element of one sample (see tp_plan.cuh): a grid-
// stride loop over batch x out_size items, consecutive threads on
// consecutive elements of one sample (coalesced stores; the sample's input
// rows are read by all of them, from L1). Sums run in the dtype, in a fixed
// order, so results are deterministic; they agree with the CPU to rounding
// (the CPU factors the sums differently), not bit for bit.
//
// An output with batch stride 0 (the gradient of shared weights) is a sum
// over the batch: the batch is cut into `chunks` ranges, a function of the
// batch size and output size only (not of the GPU), each thread sums its
// element over one range in sample order, and a second kernel adds the
// ranges in order. Deterministic, and the same on every GPU.
//
// NOT YET RUN ON A GPU: written and compiled on a machine without one.
#include "tp_plan.cuh"

namespace {

using egc::tp::DevPlan;

template <class T>
struct Rows {
  const T* base[4];  // nullptr: the output slot, or a slot of size 0
  int64_t stride[4];
};

// Item t = (chunk, c): element c of the output summed over the chunk's samples.
template <class T, int O>
EGC_HD void tp_item(const DevPlan<T>& P, const Rows<T>& in, int64_t batch, int64_t out_size, int64_t chunk_len,
                    T* dst, int64_t dst_stride, int64_t t) {
  const int64_t chunk = t / out_size, c = t - chunk * out_size;
  T acc = T(0);
  const int iv = egc::tp::find_interval(P.iv, P.n_iv, c);
  if (iv >= 0) {
    const int64_t z0 = chunk * chunk_len;
    const int64_t z1 = z0 + chunk_len < batch ? z0 + chunk_len : batch;
    for (int64_t z = z0; z < z1; ++z) {
      const T* r0 = in.base[0] ? in.base[0] + z * in.stride[0] : nullptr;
      const T* r1 = in.base[1] ? in.base[1] + z * in.stride[1] : nullptr;
      const T* r2 = in.base[2] ? in.base[2] + z * in.stride[2] : nullptr;
      const T* r3 = in.base[3] ? in.base[3] + z * in.stride[3] : nullptr;
      acc += egc::tp::element<T, O>(P, iv, c, r0, r1, r2, r3);
    }
  }
  dst[chunk * dst_stride + c] = acc;
}

template <class T, int O>
__global__ void tp_kernel(DevPlan<T> P, Rows<T> in, int64_t batch, int64_t out_size, int64_t chunks,
                          int64_t chunk_len, T* __restrict__ dst, int64_t dst_stride) {
  const int64_t total = chunks * out_size;
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x)
    tp_item<T, O>(P, in, batch, out_size, chunk_len, dst, dst_stride, t);
}

// out[c] = sum over chunks of partial[chunk * size + c], in chunk order.
template <class T>
__global__ void sum_chunks(const T* __restrict__ partial, int64_t chunks, int64_t size, T* __restrict__ out) {
  for (int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < size;
       c += int64_t(gridDim.x) * blockDim.x) {
    T acc = T(0);
    for (int64_t k = 0; k < chunks; ++k) acc += partial[k * size + c];
    out[c] = acc;
  }
}

// Ranges the batch is summed in for a stride-0 output: enough threads to fill
// a GPU (about 2^17 items), at most 2^24 partial elements, at most one range
// per sample. Depends on the sizes only, so every GPU sums in the same order.
int64_t batch_chunks(int64_t batch, int64_t out_size) {
  int64_t chunks = ((int64_t(1) << 17) + out_size - 1) / out_size;
  const int64_t cap = (int64_t(1) << 24) / out_size;
  if (chunks > cap) chunks = cap;
  if (chunks > batch) chunks = batch;
  return chunks < 1 ? 1 : chunks;
}

template <class T, int O>
egc_status launch(const DevPlan<T>& P, const Rows<T>& in, int64_t batch, int64_t out_size, int64_t chunks,
                  int64_t chunk_len, T* dst, int64_t dst_stride, cudaStream_t stream) {
  tp_kernel<T, O><<<egc::blocks_for(chunks * out_size), egc::kThreads, 0, stream>>>(
      P, in, batch, out_size, chunks, chunk_len, dst, dst_stride);
  return egc::launched("segmented_tensor_product");
}

template <class T>
egc_status launch_slot(int out, const DevPlan<T>& P, const Rows<T>& in, int64_t batch, int64_t out_size,
                       int64_t chunks, int64_t chunk_len, T* dst, int64_t dst_stride, cudaStream_t stream) {
  switch (out) {
    case 0: return launch<T, 0>(P, in, batch, out_size, chunks, chunk_len, dst, dst_stride, stream);
    case 1: return launch<T, 1>(P, in, batch, out_size, chunks, chunk_len, dst, dst_stride, stream);
    case 2: return launch<T, 2>(P, in, batch, out_size, chunks, chunk_len, dst, dst_stride, stream);
    default: return launch<T, 3>(P, in, batch, out_size, chunks, chunk_len, dst, dst_stride, stream);
  }
}

template <class T>
egc_status run(eg_dtype dtype, const egc::tp::Descriptor& d, const void* const* operands,
               const int64_t* batch_strides, int64_t batch, int out_slot, void* out_ptr) {
  const char* fn = "egc_segmented_tensor_product";
  const int64_t* sizes = d.sizes;
  bool present[4];
  Rows<T> in{};
  for (int s = 0; s < 4; ++s) {
    if (sizes[s] < 0 || batch_strides[s] < 0)
      return egc::fail(EGC_ERR_ARGUMENT, "%s: operand %d has a negative size or stride", fn, s);
    present[s] = sizes[s] > 0;
    in.base[s] = nullptr;
    in.stride[s] = batch_strides[s];
    if (s != out_slot && present[s]) {
      if (!operands[s]) return egc::fail(EGC_ERR_ARGUMENT, "%s: operand %d is null", fn, s);
      in.base[s] = static_cast<const T*>(operands[s]);
    }
  }
  if (!present[out_slot])
    return egc::fail(EGC_ERR_ARGUMENT, "%s: the output slot %d is absent (size 0)", fn, out_slot);
  if (batch_strides[out_slot] == 0 && out_slot != egc::tp::SW)
    return egc::fail(EGC_ERR_UNSUPPORTED,
                     "%s: only the weights (slot 0) may be an output summed over the batch (stride 0)", fn);
  if (!present[egc::tp::SX1] || !present[egc::tp::SOUT])
    return egc::fail(EGC_ERR_ARGUMENT, "%s: slots x1 (1) and out (3) must be present", fn);

  T* out = static_cast<T*>(out_ptr);
  const int64_t out_size = sizes[out_slot];
  const int64_t out_stride = batch_strides[out_slot];
  const int64_t dsize = int64_t(sizeof(T));
  if (batch == 0) {
    // Nothing to compute, but the descriptor is still checked (on the host).
    std::vector<unsigned char> blob, meta;
    EGC_TRY(egc::tp::build_plan<T>(fn, egc::tp::Rules::TensorProduct, d, out_slot, blob, meta));
    return out_stride == 0 ? egc_memset_zero(out, out_size * dsize) : EGC_OK;
  }
  cudaStream_t stream;
  EGC_TRY(egc::ready(fn, &stream));
  DevPlan<T> P;
  EGC_TRY(egc::tp::plan_for<T>(fn, egc::tp::Rules::TensorProduct, dtype, d, out_slot, stream, &P));
  if (out_stride != 0) {
    if (out_stride > out_size)  // gaps between samples are zeroed, as on the CPU
      EGC_TRY(egc_memset_zero(out, ((batch - 1) * out_stride + out_size) * dsize));
    return launch_slot<T>(out_slot, P, in, batch, out_size, batch, 1, out, out_stride, stream);
  }
  const int64_t chunks = batch_chunks(batch, out_size);
  const int64_t chunk_len = (batch + chunks - 1) / chunks;
  const int64_t used = (batch + chunk_len - 1) / chunk_len;  // ranges that hold samples
  if (used == 1) return launch_slot<T>(out_slot, P, in, batch, out_size, 1, batch, out, 0, stream);
  egc::Temp partial;
  EGC_TRY(partial.alloc(used * out_size * dsize));
  EGC_TRY(launch_slot<T>(out_slot, P, in, batch, out_size, used, chunk_len, partial.as<T>(), out_size, stream));
  sum_chunks<T><<<egc::blocks_for(out_size), egc::kThreads, 0, stream>>>(partial.as<T>(), used, out_size, out);
  return egc::launched(fn);
}

}  // namespace

extern "C" egc_status egc_segmented_tensor_product(
    eg_dtype dtype, const int32_t* segments, int32_t num_segments, const int32_t* paths, int32_t num_paths,
    const int32_t* coeff_index, const double* coeff_value, int32_t num_coeffs, const int64_t* operand_sizes,
    const void* const* operands, const int64_t* batch_strides, int64_t batch, int out_operand, void* out) {
  EGC_GUARD_BEGIN
  const char* fn = "egc_segmented_tensor_product";
  if (!segments || !paths || !operand_sizes || !operands || !batch_strides || !out ||
      (num_coeffs > 0 && (!coeff_index || !coeff_value)))
    return egc::fail(EGC_ERR_ARGUMENT, "%s: null descriptor or operand array", fn);
  if (num_segments < 0 || num_paths < 0 || num_coeffs < 0 || batch < 0)
    return egc::fail(EGC_ERR_ARGUMENT, "%s: negative count", fn);
  if (out_operand < 0 || out_operand > 3)
    return egc::fail(EGC_ERR_ARGUMENT, "%s: output slot %d is not in 0..3", fn, out_operand);
  const egc::tp::Descriptor d{segments, num_segments, paths, num_paths, coeff_index, coeff_value, num_coeffs,
                              operand_sizes};
  switch (dtype) {
    case EG_F32: return run<float>(dtype, d, operands, batch_strides, batch, out_operand, out);
    case EG_F64: return run<double>(dtype, d, operands, batch_strides, batch, out_operand, out);
    default: return egc::fail(EGC_ERR_UNSUPPORTED, "%s: dtype must be float32 or float64", fn);
  }
  EGC_GUARD_END("egc_segmented_tensor_product")
}
