// Node-API binding: one JS function per C ABI entry. Typed arrays are passed
// zero-copy (their own memory goes to the kernel); args.h checks every size
// first, so a bad call throws instead of touching memory it does not own.
#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "args.h"
#include "kernel_checks.h"
#include "equigraph.h"
#include "register.h"

namespace {

using egn::Args;
using egn::Array;
using egn::check;


Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setNumThreads");
  int64_t n = args.integer(0, "n");
  eg_set_num_threads(int(std::min<int64_t>(n, 1 << 20)));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), eg_get_num_threads());
}

Napi::Value LastError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), eg_last_error());
}

// unary(op, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary");
  int op = args.op_code(0, "op");
  Array x = args.array(1, "x", egn::kFloat);
  Array out = args.array(2, "out", egn::kFloat);
  args.same_dtype(x, out, "out");
  args.need(out, x.length, "out");
  check(info.Env(), eg_unary(op, x.dtype, x.data, out.data, x.length));
  return info.Env().Undefined();
}

// unaryGrad(op, x, y, dy, out): out = dy * f'(x), y = f(x)
Napi::Value UnaryGrad(const Napi::CallbackInfo& info) {
  Args args(info, "unaryGrad");
  int op = args.op_code(0, "op");
  Array x = args.array(1, "x", egn::kFloat);
  Array y = args.array(2, "y", egn::kFloat);
  Array dy = args.array(3, "dy", egn::kFloat);
  Array out = args.array(4, "out", egn::kFloat);
  args.same_dtype(x, y, "y");
  args.same_dtype(x, dy, "dy");
  args.same_dtype(x, out, "out");
  args.need(y, x.length, "y");
  args.need(dy, x.length, "dy");
  args.need(out, x.length, "out");
  check(info.Env(), eg_unary_grad(op, x.dtype, x.data, y.data, dy.data, out.data, x.length));
  return info.Env().Undefined();
}

// binary(op, a, aStrides, b, bStrides, out, outShape)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary");
  int op = args.op_code(0, "op");
  Array a = args.array(1, "a", egn::kFloat);
  std::vector<int64_t> sa = args.list(2, "aStrides");
  Array b = args.array(3, "b", egn::kFloat);
  std::vector<int64_t> sb = args.list(4, "bStrides");
  Array out = args.array(5, "out", egn::kFloat);
  std::vector<int64_t> shape = args.list(6, "outShape");
  args.same_dtype(a, b, "b");
  args.same_dtype(a, out, "out");
  egn::check_binary(args, a, sa, b, sb, out, shape);
  check(info.Env(), eg_binary(op, a.dtype, a.data, sa.data(), b.data, sb.data(), out.data,
                              shape.data(), int(shape.size())));
  return info.Env().Undefined();
}

// reduce(op, x, out, outer, size, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args args(info, "reduce");
  int op = args.op_code(0, "op");
  Array x = args.array(1, "x", egn::kFloat);
  Array out = args.array(2, "out", egn::kFloat);
  int64_t outer = args.integer(3, "outer"), size = args.integer(4, "size"),
          inner = args.integer(5, "inner");
  args.same_dtype(x, out, "out");
  egn::check_reduce(args, x, out, outer, size, inner);
  check(info.Env(), eg_reduce(op, x.dtype, x.data, out.data, outer, size, inner));
  return info.Env().Undefined();
}

// transpose(x, shape, perm, out)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Args args(info, "transpose");
  Array x = args.array(0, "x", egn::kAny);
  std::vector<int64_t> shape = args.list(1, "shape");
  std::vector<int64_t> perm64 = args.list(2, "perm");
  Array out = args.array(3, "out", egn::kAny);
  args.same_dtype(x, out, "out");
  std::vector<int32_t> perm = egn::check_transpose(args, x, shape, perm64, out);
  check(info.Env(), eg_transpose(x.dtype, x.data, shape.data(), perm.data(), int(shape.size()),
                                 out.data));
  return info.Env().Undefined();
}

// matmul(a, b, out, batch, m, k, n, transA, transB, batchStrideA, batchStrideB)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args args(info, "matmul");
  Array a = args.array(0, "a", egn::kFloat);
  Array b = args.array(1, "b", egn::kFloat);
  Array out = args.array(2, "out", egn::kFloat);
  int64_t batch = args.integer(3, "batch"), m = args.integer(4, "m"), k = args.integer(5, "k"),
          n = args.integer(6, "n");
  bool ta = args.boolean(7, "transA"), tb = args.boolean(8, "transB");
  int64_t bsa = args.integer(9, "batchStrideA"), bsb = args.integer(10, "batchStrideB");
  args.same_dtype(a, b, "b");
  args.same_dtype(a, out, "out");
  egn::check_matmul(args, a, b, out, batch, m, k, n, bsa, bsb);
  check(info.Env(), eg_matmul(a.dtype, a.data, b.data, out.data, batch, m, k, n, ta, tb, bsa, bsb));
  return info.Env().Undefined();
}

// gather(x, index, out, rowSize)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args args(info, "gather");
  Array x = args.array(0, "x", egn::kAny);
  Array index = args.array(1, "index", egn::I32);
  Array out = args.array(2, "out", egn::kAny);
  int64_t row = args.integer(3, "rowSize");
  args.same_dtype(x, out, "out");
  args.need(out, args.mul(index.length, row, "index.length*rowSize"), "out");
  // Without a row size the source row count is unknowable; nothing is copied.
  const int64_t rows = row > 0 ? x.length / row : INT32_MAX + int64_t(1);
  check(info.Env(), eg_gather(x.dtype, x.data, rows, static_cast<const int32_t*>(index.data),
                              index.length, out.data, row));
  return info.Env().Undefined();
}

// scatter(op, src, index, out, numSegments, rowSize)
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  Args args(info, "scatter");
  int op = args.op_code(0, "op");
  Array src = args.array(1, "src", egn::kAny);
  Array index = args.array(2, "index", egn::I32);
  Array out = args.array(3, "out", egn::kAny);
  int64_t segments = args.integer(4, "numSegments"), row = args.integer(5, "rowSize");
  args.same_dtype(src, out, "out");
  args.need(src, args.mul(index.length, row, "index.length*rowSize"), "src");
  args.need(out, args.mul(segments, row, "numSegments*rowSize"), "out");
  check(info.Env(), eg_scatter(op, src.dtype, src.data, static_cast<const int32_t*>(index.data),
                               index.length, out.data, segments, row));
  return info.Env().Undefined();
}

// copyBox(src, srcShape, srcOffset, dst, dstShape, dstOffset, boxShape)
Napi::Value CopyBox(const Napi::CallbackInfo& info) {
  Args args(info, "copyBox");
  Array src = args.array(0, "src", egn::kAny);
  std::vector<int64_t> ss = args.list(1, "srcShape"), so = args.list(2, "srcOffset");
  Array dst = args.array(3, "dst", egn::kAny);
  std::vector<int64_t> ds = args.list(4, "dstShape"), doff = args.list(5, "dstOffset"),
                       box = args.list(6, "boxShape");
  args.same_dtype(src, dst, "dst");
  const size_t nd = box.size();
  if (ss.size() != nd || so.size() != nd || ds.size() != nd || doff.size() != nd)
    args.range_error("shapes and offsets must all have the same length");
  const int64_t box_size = args.product(box, "boxShape");
  if (box_size > 0) {  // the kernel checks the box against both shapes
    args.need(src, args.product(ss, "srcShape"), "src");
    args.need(dst, args.product(ds, "dstShape"), "dst");
  }
  check(info.Env(), eg_copy_box(src.dtype, src.data, ss.data(), so.data(), dst.data, ds.data(),
                                doff.data(), box.data(), int(nd)));
  return info.Env().Undefined();
}

// cast(src, dst)
Napi::Value Cast(const Napi::CallbackInfo& info) {
  Args args(info, "cast");
  Array src = args.array(0, "src", egn::kAny);
  Array dst = args.array(1, "dst", egn::kAny);
  args.need(dst, src.length, "dst");
  check(info.Env(), eg_cast(src.dtype, src.data, dst.dtype, dst.data, src.length));
  return info.Env().Undefined();
}

// Every kernel output is a fresh typed array, often 0.1–10 MB. By default glibc
// serves those with mmap and unmaps them on free, so each one page-faults its
// whole buffer in again; keeping them in the heap makes allocation ~5× cheaper.
void TuneAllocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneAllocator();
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("lastError", Napi::Function::New(env, LastError, "lastError"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("unaryGrad", Napi::Function::New(env, UnaryGrad, "unaryGrad"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("scatter", Napi::Function::New(env, Scatter, "scatter"));
  exports.Set("copyBox", Napi::Function::New(env, CopyBox, "copyBox"));
  exports.Set("cast", Napi::Function::New(env, Cast, "cast"));
  RegisterTensorProduct(env, exports);
  RegisterSphericalHarmonics(env, exports);
  RegisterNeighbors(env, exports);
  RegisterTpConvolution(env, exports);
  RegisterCuda(env, exports);
#ifdef EQUIGRAPH_WITH_CUDA
  exports.Set("cuda", Napi::Boolean::New(env, true));
#else
  exports.Set("cuda", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(equigraph, Init)
