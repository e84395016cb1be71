// Node-API binding of the CUDA kernels (native/include/equigraph_cuda.h).
//
// Always compiled. Without EQUIGRAPH_WITH_CUDA only cudaDeviceCount (always
// 0) and cudaLastError (why) exist. With it, device buffers are Externals
// wrapping {device pointer, dtype, length}: created zero-filled by cudaAlloc,
// freed by cudaFree (idempotent) or, failing that, by their finalizer. Every
// kernel function takes buffers where the CPU binding takes typed arrays and
// checks dtypes and sizes exactly as addon.cpp does, so a bad call throws
// instead of touching device memory it does not own.
//
// The E(3) kernels (spherical harmonics, segmented tensor product, fused
// convolution) take their descriptor / degree arrays as host typed arrays,
// exactly as the CPU bindings do (spherical_harmonics.cpp, tensor_product.cpp,
// tp_convolution.cpp), and device buffers for every tensor. The double and
// triple backward of the spherical harmonics write one packed output buffer
// [3n + n*D] (the [n, 3] part, then the [n, D] part), the layout the
// geometry kernels return.
#include <napi.h>

#include <cstdint>
#include <string>

#include "register.h"

#ifdef EQUIGRAPH_WITH_CUDA

#include <mutex>
#include <unordered_set>
#include <vector>

#include "args.h"
#include "kernel_checks.h"
#include "equigraph_cuda.h"
#include "sh_args.h"
#include "tp_args.h"

namespace {

using egn::Args;
using egn::Array;

struct DeviceBuffer {
  void* ptr;
  int64_t length;  // elements
  eg_dtype dtype;
  bool freed;
};

// Live buffers, so an External from elsewhere is never taken for ours.
std::mutex live_mu;
std::unordered_set<DeviceBuffer*>& live() {
  static auto* set = new std::unordered_set<DeviceBuffer*>;  // leaked: finalizers may run at exit
  return *set;
}

bool is_live(DeviceBuffer* b) {
  std::lock_guard<std::mutex> lock(live_mu);
  return live().count(b) != 0;
}

void check(Napi::Env env, egc_status st) {
  if (st == EGC_OK) return;
  std::string msg = egc_last_error();
  if (msg.empty()) msg = "equigraph CUDA call failed with status " + std::to_string(int(st));
  if (st == EGC_ERR_INDEX) throw Napi::RangeError::New(env, msg);
  throw Napi::Error::New(env, msg);
}

const char* dtype_name(eg_dtype d) {
  return d == EG_F32 ? "float32" : d == EG_F64 ? "float64" : "int32";
}

int64_t dtype_size(eg_dtype d) { return d == EG_F64 ? 8 : 4; }

// A device buffer argument, as an egn::Array so Args::need applies.
Array device(const Napi::CallbackInfo& info, const Args& args, size_t i, const char* name,
             unsigned allowed) {
  Napi::Value v = info[i];
  DeviceBuffer* b = v.IsExternal() ? v.As<Napi::External<DeviceBuffer>>().Data() : nullptr;
  if (!b || !is_live(b))
    args.type_error(std::string("argument '") + name + "' must be a CUDA buffer from cudaAlloc");
  if (b->freed) args.type_error(std::string("argument '") + name + "' is a disposed CUDA buffer");
  if (!(allowed & (1u << b->dtype)))
    args.type_error(std::string("argument '") + name + "' must not be a " + dtype_name(b->dtype) +
                    " buffer");
  return Array{b->ptr, b->length, b->dtype};
}

void same_dtype(const Args& args, const Array& a, const Array& b, const char* name_b) {
  if (a.dtype != b.dtype)
    args.type_error(std::string("argument '") + name_b + "' must have the same dtype (" +
                    dtype_name(a.dtype) + "), got " + dtype_name(b.dtype));
}

void release(DeviceBuffer* b) {
  if (!b->freed) {
    egc_free(b->ptr);  // back to the cache; no CUDA call, safe in finalizers
    b->freed = true;
  }
}

Napi::Value DeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), egc_device_count());
}

Napi::Value LastError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), egc_last_error());
}

// cudaAlloc(dtype, length): a zero-filled buffer.
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Args args(info, "cudaAlloc");
  int64_t code = args.integer(0, "dtype");
  if (code > EG_I32) args.range_error("argument 'dtype' must be 0 (float32), 1 (float64) or 2 (int32)");
  const eg_dtype dtype = eg_dtype(code);
  const int64_t length = args.integer(1, "length");
  const int64_t bytes = args.mul(length, dtype_size(dtype), "length");
  void* ptr = nullptr;
  check(info.Env(), egc_malloc(&ptr, bytes));
  egc_status st = egc_memset_zero(ptr, bytes);
  if (st != EGC_OK) {
    egc_free(ptr);
    check(info.Env(), st);
  }
  auto* b = new DeviceBuffer{ptr, length, dtype, false};
  {
    std::lock_guard<std::mutex> lock(live_mu);
    live().insert(b);
  }
  return Napi::External<DeviceBuffer>::New(info.Env(), b, [](Napi::Env, DeviceBuffer* buf) {
    {
      std::lock_guard<std::mutex> lock(live_mu);
      live().erase(buf);
    }
    release(buf);
    delete buf;
  });
}

// cudaFree(buffer): frees now; a second call is a no-op.
Napi::Value Free(const Napi::CallbackInfo& info) {
  Args args(info, "cudaFree");
  Napi::Value v = info[0];
  DeviceBuffer* b = v.IsExternal() ? v.As<Napi::External<DeviceBuffer>>().Data() : nullptr;
  if (!b || !is_live(b)) args.type_error("argument 'buffer' must be a CUDA buffer from cudaAlloc");
  release(b);
  return info.Env().Undefined();
}

// cudaUpload(buffer, values): copies values.length elements to the start of buffer.
Napi::Value Upload(const Napi::CallbackInfo& info) {
  Args args(info, "cudaUpload");
  Array dst = device(info, args, 0, "buffer", egn::kAny);
  Array src = args.array(1, "values", egn::kAny);
  same_dtype(args, dst, src, "values");
  args.need(dst, src.length, "buffer");
  check(info.Env(), egc_memcpy_htod(dst.data, src.data, src.length * dtype_size(src.dtype)));
  return info.Env().Undefined();
}

// cudaDownload(buffer, out): copies out.length elements from the start of buffer.
Napi::Value Download(const Napi::CallbackInfo& info) {
  Args args(info, "cudaDownload");
  Array src = device(info, args, 0, "buffer", egn::kAny);
  Array dst = args.array(1, "out", egn::kAny);
  same_dtype(args, src, dst, "out");
  args.need(src, dst.length, "buffer");
  check(info.Env(), egc_memcpy_dtoh(dst.data, src.data, dst.length * dtype_size(dst.dtype)));
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  check(info.Env(), egc_synchronize());
  return info.Env().Undefined();
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  check(info.Env(), egc_empty_cache());
  return info.Env().Undefined();
}

// cudaMemoryStats(): { inUse, cached } in bytes.
Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  int64_t in_use = 0, cached = 0;
  egc_memory_stats(&in_use, &cached);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("inUse", Napi::Number::New(info.Env(), double(in_use)));
  o.Set("cached", Napi::Number::New(info.Env(), double(cached)));
  return o;
}

// cudaUnary(op, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "cudaUnary");
  int op = args.op_code(0, "op");
  Array x = device(info, args, 1, "x", egn::kFloat);
  Array out = device(info, args, 2, "out", egn::kFloat);
  same_dtype(args, x, out, "out");
  args.need(out, x.length, "out");
  check(info.Env(), egc_unary(op, x.dtype, x.data, out.data, x.length));
  return info.Env().Undefined();
}

// cudaBinary(op, a, aStrides, b, bStrides, out, outShape)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "cudaBinary");
  int op = args.op_code(0, "op");
  Array a = device(info, args, 1, "a", egn::kFloat);
  std::vector<int64_t> sa = args.list(2, "aStrides");
  Array b = device(info, args, 3, "b", egn::kFloat);
  std::vector<int64_t> sb = args.list(4, "bStrides");
  Array out = device(info, args, 5, "out", egn::kFloat);
  std::vector<int64_t> shape = args.list(6, "outShape");
  same_dtype(args, a, b, "b");
  same_dtype(args, a, out, "out");
  egn::check_binary(args, a, sa, b, sb, out, shape);
  check(info.Env(), egc_binary(op, a.dtype, a.data, sa.data(), b.data, sb.data(), out.data,
                               shape.data(), int(shape.size())));
  return info.Env().Undefined();
}

// cudaReduce(op, x, out, outer, size, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args args(info, "cudaReduce");
  int op = args.op_code(0, "op");
  Array x = device(info, args, 1, "x", egn::kFloat);
  Array out = device(info, args, 2, "out", egn::kFloat);
  int64_t outer = args.integer(3, "outer"), size = args.integer(4, "size"),
          inner = args.integer(5, "inner");
  same_dtype(args, x, out, "out");
  egn::check_reduce(args, x, out, outer, size, inner);
  check(info.Env(), egc_reduce(op, x.dtype, x.data, out.data, outer, size, inner));
  return info.Env().Undefined();
}

// cudaTranspose(x, shape, perm, out)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Args args(info, "cudaTranspose");
  Array x = device(info, args, 0, "x", egn::kAny);
  std::vector<int64_t> shape = args.list(1, "shape");
  std::vector<int64_t> perm64 = args.list(2, "perm");
  Array out = device(info, args, 3, "out", egn::kAny);
  same_dtype(args, x, out, "out");
  std::vector<int32_t> perm = egn::check_transpose(args, x, shape, perm64, out);
  check(info.Env(), egc_transpose(x.dtype, x.data, shape.data(), perm.data(), int(shape.size()),
                                  out.data));
  return info.Env().Undefined();
}

// cudaMatmul(a, b, out, batch, m, k, n, transA, transB, batchStrideA, batchStrideB)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args args(info, "cudaMatmul");
  Array a = device(info, args, 0, "a", egn::kFloat);
  Array b = device(info, args, 1, "b", egn::kFloat);
  Array out = device(info, args, 2, "out", egn::kFloat);
  int64_t batch = args.integer(3, "batch"), m = args.integer(4, "m"), k = args.integer(5, "k"),
          n = args.integer(6, "n");
  bool ta = args.boolean(7, "transA"), tb = args.boolean(8, "transB");
  int64_t bsa = args.integer(9, "batchStrideA"), bsb = args.integer(10, "batchStrideB");
  same_dtype(args, a, b, "b");
  same_dtype(args, a, out, "out");
  egn::check_matmul(args, a, b, out, batch, m, k, n, bsa, bsb);
  check(info.Env(), egc_matmul(a.dtype, a.data, b.data, out.data, batch, m, k, n, ta, tb, bsa, bsb));
  return info.Env().Undefined();
}

// cudaGather(x, index, out, rowSize)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args args(info, "cudaGather");
  Array x = device(info, args, 0, "x", egn::kAny);
  Array index = device(info, args, 1, "index", egn::I32);
  Array out = device(info, args, 2, "out", egn::kAny);
  int64_t row = args.integer(3, "rowSize");
  same_dtype(args, x, out, "out");
  args.need(out, args.mul(index.length, row, "index.length*rowSize"), "out");
  // Without a row size the source row count is unknowable; nothing is copied.
  const int64_t rows = row > 0 ? x.length / row : INT32_MAX + int64_t(1);
  check(info.Env(), egc_gather(x.dtype, x.data, rows, static_cast<const int32_t*>(index.data),
                               index.length, out.data, row));
  return info.Env().Undefined();
}

// cudaScatter(op, src, index, out, numSegments, rowSize)
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  Args args(info, "cudaScatter");
  int op = args.op_code(0, "op");
  Array src = device(info, args, 1, "src", egn::kAny);
  Array index = device(info, args, 2, "index", egn::I32);
  Array out = device(info, args, 3, "out", egn::kAny);
  int64_t segments = args.integer(4, "numSegments"), row = args.integer(5, "rowSize");
  same_dtype(args, src, out, "out");
  args.need(src, args.mul(index.length, row, "index.length*rowSize"), "src");
  args.need(out, args.mul(segments, row, "numSegments*rowSize"), "out");
  check(info.Env(), egc_scatter(op, src.dtype, src.data, static_cast<const int32_t*>(index.data),
                                index.length, out.data, segments, row));
  return info.Env().Undefined();
}

// cudaCopyBox(src, srcShape, srcOffset, dst, dstShape, dstOffset, boxShape)
Napi::Value CopyBox(const Napi::CallbackInfo& info) {
  Args args(info, "cudaCopyBox");
  Array src = device(info, args, 0, "src", egn::kAny);
  std::vector<int64_t> ss = args.list(1, "srcShape"), so = args.list(2, "srcOffset");
  Array dst = device(info, args, 3, "dst", egn::kAny);
  std::vector<int64_t> ds = args.list(4, "dstShape"), doff = args.list(5, "dstOffset"),
                       box = args.list(6, "boxShape");
  same_dtype(args, src, dst, "dst");
  const size_t nd = box.size();
  if (ss.size() != nd || so.size() != nd || ds.size() != nd || doff.size() != nd)
    args.range_error("shapes and offsets must all have the same length");
  const int64_t box_size = args.product(box, "boxShape");
  if (box_size > 0) {  // the kernel checks the box against both shapes
    args.need(src, args.product(ss, "srcShape"), "src");
    args.need(dst, args.product(ds, "dstShape"), "dst");
  }
  check(info.Env(), egc_copy_box(src.dtype, src.data, ss.data(), so.data(), dst.data, ds.data(),
                                 doff.data(), box.data(), int(nd)));
  return info.Env().Undefined();
}

// cudaCast(src, dst)
Napi::Value Cast(const Napi::CallbackInfo& info) {
  Args args(info, "cudaCast");
  Array src = device(info, args, 0, "src", egn::kAny);
  Array dst = device(info, args, 1, "dst", egn::kAny);
  args.need(dst, src.length, "dst");
  check(info.Env(), egc_cast(src.dtype, src.data, dst.dtype, dst.data, src.length));
  return info.Env().Undefined();
}

// ------------------------------------------------- spherical harmonics --

using ShCommon = egn::ShArgs;

ShCommon sh_common(const Napi::CallbackInfo& info, const Args& args) {
  return egn::read_sh_args(args, [&] { return device(info, args, 3, "x", egn::kFloat); });
}

// A float device buffer of x's dtype with room for `count` elements.
Array sh_operand(const Napi::CallbackInfo& info, const Args& args, const ShCommon& c, size_t i, const char* name,
                 int64_t count) {
  Array a = device(info, args, i, name, egn::kFloat);
  same_dtype(args, c.x, a, name);
  args.need(a, count, name);
  return a;
}

void* offset_ptr(const Array& a, int64_t elements) {
  return static_cast<char*>(a.data) + elements * dtype_size(a.dtype);
}

// cudaSphericalHarmonics(ls, normalize, normalization, x, out)
Napi::Value SphericalHarmonics(const Napi::CallbackInfo& info) {
  Args args(info, "cudaSphericalHarmonics");
  ShCommon c = sh_common(info, args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array out = sh_operand(info, args, c, 4, "out", nd);
  check(info.Env(), egc_spherical_harmonics(c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize, c.normalization,
                                            c.x.data, c.n, out.data));
  return info.Env().Undefined();
}

// cudaSphericalHarmonicsBackward(ls, normalize, normalization, x, gradOut, gradX)
Napi::Value SphericalHarmonicsBackward(const Napi::CallbackInfo& info) {
  Args args(info, "cudaSphericalHarmonicsBackward");
  ShCommon c = sh_common(info, args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array g = sh_operand(info, args, c, 4, "gradOut", nd);
  Array gx = sh_operand(info, args, c, 5, "gradX", 3 * c.n);
  check(info.Env(), egc_spherical_harmonics_backward(c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize,
                                                     c.normalization, c.x.data, c.n, g.data, gx.data));
  return info.Env().Undefined();
}

// cudaSphericalHarmonicsDoubleBackward(ls, normalize, normalization, x, gradOut, ggX, out):
// out [3n + n*D] = (outGradX [n, 3], outGradGradOut [n, D]).
Napi::Value SphericalHarmonicsDoubleBackward(const Napi::CallbackInfo& info) {
  Args args(info, "cudaSphericalHarmonicsDoubleBackward");
  ShCommon c = sh_common(info, args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array g = sh_operand(info, args, c, 4, "gradOut", nd);
  Array gg = sh_operand(info, args, c, 5, "ggX", 3 * c.n);
  Array out = sh_operand(info, args, c, 6, "out", 3 * c.n + nd);
  check(info.Env(), egc_spherical_harmonics_double_backward(c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize,
                                                            c.normalization, c.x.data, c.n, g.data, gg.data,
                                                            out.data, offset_ptr(out, 3 * c.n)));
  return info.Env().Undefined();
}

// cudaSphericalHarmonicsTripleBackward(ls, normalize, normalization, x, gradOut, a, b, out):
// out [3n + n*D] = (outGradX [n, 3], outHess [n, D]).
Napi::Value SphericalHarmonicsTripleBackward(const Napi::CallbackInfo& info) {
  Args args(info, "cudaSphericalHarmonicsTripleBackward");
  ShCommon c = sh_common(info, args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array g = sh_operand(info, args, c, 4, "gradOut", nd);
  Array a = sh_operand(info, args, c, 5, "a", 3 * c.n);
  Array b = sh_operand(info, args, c, 6, "b", 3 * c.n);
  Array out = sh_operand(info, args, c, 7, "out", 3 * c.n + nd);
  check(info.Env(), egc_spherical_harmonics_triple_backward(c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize,
                                                            c.normalization, c.x.data, c.n, g.data, a.data, b.data,
                                                            out.data, offset_ptr(out, 3 * c.n)));
  return info.Env().Undefined();
}

// ------------------------------------------------------ tensor products --

// An empty buffer has a null device pointer, which the C ABI would take for a
// missing operand; the kernels read nothing from an operand of 0 needed
// elements, so any non-null address stands in for it (it is never dereferenced).
const void* non_null(const void* p) {
  static const double placeholder = 0;
  return p ? p : &placeholder;
}
void* non_null(void* p) { return const_cast<void*>(non_null(static_cast<const void*>(p))); }

// egn::slot_operands over CUDA buffers: each present input slot must be a
// live buffer of out's dtype with at least the elements the slot needs.
template <typename Needed>
void device_operands(const Args& args, Napi::Value ops_v, int64_t out_slot, const std::vector<int64_t>& sizes,
                     eg_dtype out_dtype, Needed needed, const void* ptrs[4]) {
  auto read = [&](Napi::Value v, const std::string& name, int64_t need) -> const void* {
    DeviceBuffer* b = v.IsExternal() ? v.As<Napi::External<DeviceBuffer>>().Data() : nullptr;
    if (!b || !is_live(b)) args.type_error(name + " must be a CUDA buffer from cudaAlloc");
    if (b->freed) args.type_error(name + " is a disposed CUDA buffer");
    if (b->dtype != out_dtype) args.type_error(name + " must have the dtype of 'out'");
    if (b->length < need)
      args.range_error(name + " has " + std::to_string(b->length) + " elements, needs at least " + std::to_string(need));
    return non_null(b->ptr);
  };
  egn::slot_operands(args, ops_v, out_slot, sizes, "CUDA buffers", needed, read, ptrs);
}

// cudaSegmentedTensorProduct(segments, paths, coeffIndex, coeffValue, operandSizes, operands,
//                            batchStrides, batch, outSlot, out)
Napi::Value SegmentedTensorProduct(const Napi::CallbackInfo& info) {
  Args args(info, "cudaSegmentedTensorProduct");
  egn::TpDescriptor d = egn::read_tp_descriptor(args);
  Napi::Value ops_v = info[5];
  std::vector<int64_t> strides = args.list(6, "batchStrides", 4);
  const int64_t batch = args.integer(7, "batch");
  const int64_t out_slot = args.integer(8, "outSlot");
  Array out = device(info, args, 9, "out", egn::kFloat);
  const std::vector<int64_t>& sizes = d.sizes;
  if (strides.size() != 4) args.range_error("batchStrides needs 4 entries");
  egn::check_tp_call(args, d, out_slot);
  auto needed = egn::batched_tp_needs(args, sizes, strides, batch);
  const void* ptrs[4];
  device_operands(args, ops_v, out_slot, sizes, out.dtype, needed, ptrs);
  args.need(out, needed(out_slot), "out");
  check(info.Env(), egc_segmented_tensor_product(
                        out.dtype, static_cast<const int32_t*>(d.segments.data), d.num_segments(),
                        static_cast<const int32_t*>(d.paths.data), d.num_paths(),
                        static_cast<const int32_t*>(d.coeff_index.data),
                        static_cast<const double*>(d.coeff_value.data), d.num_coeffs(), sizes.data(), ptrs,
                        strides.data(), batch, int(out_slot), non_null(out.data)));
  return info.Env().Undefined();
}

// cudaTpConvolution(segments, paths, coeffIndex, coeffValue, operandSizes, operands, edgeSrc,
//                   edgeDst, numNodes, outSlot, out): edgeSrc / edgeDst are int32 CUDA buffers.
Napi::Value TpConvolution(const Napi::CallbackInfo& info) {
  Args args(info, "cudaTpConvolution");
  egn::TpDescriptor d = egn::read_tp_descriptor(args);
  Napi::Value ops_v = info[5];
  Array src = device(info, args, 6, "edgeSrc", egn::I32);
  Array dst = device(info, args, 7, "edgeDst", egn::I32);
  const int64_t num_nodes = args.integer(8, "numNodes");
  const int64_t out_slot = args.integer(9, "outSlot");
  Array out = device(info, args, 10, "out", egn::kFloat);
  const std::vector<int64_t>& sizes = d.sizes;
  egn::check_tp_call(args, d, out_slot);
  if (src.length != dst.length) args.range_error("edgeSrc and edgeDst lengths disagree");
  const int64_t num_edges = src.length;
  auto needed = egn::convolution_needs(args, sizes, num_edges, num_nodes);
  const void* ptrs[4];
  device_operands(args, ops_v, out_slot, sizes, out.dtype, needed, ptrs);
  args.need(out, needed(out_slot), "out");
  check(info.Env(), egc_tp_convolution(
                        out.dtype, static_cast<const int32_t*>(d.segments.data), d.num_segments(),
                        static_cast<const int32_t*>(d.paths.data), d.num_paths(),
                        static_cast<const int32_t*>(d.coeff_index.data),
                        static_cast<const double*>(d.coeff_value.data), d.num_coeffs(), sizes.data(), ptrs,
                        static_cast<const int32_t*>(src.data), static_cast<const int32_t*>(dst.data), num_edges,
                        num_nodes, int(out_slot), non_null(out.data)));
  return info.Env().Undefined();
}

}  // namespace

void RegisterCuda(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) {
    exports.Set(name, Napi::Function::New(env, cb, name));
  };
  fn("cudaDeviceCount", DeviceCount);
  fn("cudaLastError", LastError);
  fn("cudaAlloc", Alloc);
  fn("cudaFree", Free);
  fn("cudaUpload", Upload);
  fn("cudaDownload", Download);
  fn("cudaSynchronize", Synchronize);
  fn("cudaEmptyCache", EmptyCache);
  fn("cudaMemoryStats", MemoryStats);
  fn("cudaUnary", Unary);
  fn("cudaBinary", Binary);
  fn("cudaReduce", Reduce);
  fn("cudaTranspose", Transpose);
  fn("cudaMatmul", Matmul);
  fn("cudaGather", Gather);
  fn("cudaScatter", Scatter);
  fn("cudaCopyBox", CopyBox);
  fn("cudaCast", Cast);
  fn("cudaSphericalHarmonics", SphericalHarmonics);
  fn("cudaSphericalHarmonicsBackward", SphericalHarmonicsBackward);
  fn("cudaSphericalHarmonicsDoubleBackward", SphericalHarmonicsDoubleBackward);
  fn("cudaSphericalHarmonicsTripleBackward", SphericalHarmonicsTripleBackward);
  fn("cudaSegmentedTensorProduct", SegmentedTensorProduct);
  fn("cudaTpConvolution", TpConvolution);
}

#else  // !EQUIGRAPH_WITH_CUDA

namespace {

const char kNoCuda[] = "addon built without CUDA (nvcc not found at build time, or EQUIGRAPH_CUDA=OFF)";

Napi::Value DeviceCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), 0); }

Napi::Value LastError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kNoCuda);
}

}  // namespace

void RegisterCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaDeviceCount", Napi::Function::New(env, DeviceCount, "cudaDeviceCount"));
  exports.Set("cudaLastError", Napi::Function::New(env, LastError, "cudaLastError"));
}

#endif
