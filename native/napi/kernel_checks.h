// Size checks shared by the CPU (addon.cpp) and CUDA (cuda.cpp) bindings: the
// C ABIs take no array lengths, so each binding proves every access stays in
// bounds before calling a kernel. Dtype checks stay with each binding, which
// names its arrays differently (typed arrays vs device buffers).
#ifndef EQUIGRAPH_NAPI_KERNEL_CHECKS_H
#define EQUIGRAPH_NAPI_KERNEL_CHECKS_H

#include <cstdint>
#include <string>
#include <vector>

#include "args.h"

namespace egn {

// Largest element offset reached by `strides` over `shape` (strides >= 0); -1 when empty.
inline int64_t reach(const Args& args, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t r = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return -1;
    int64_t step = args.mul(shape[d] - 1, strides[d], "stride");
    if (__builtin_add_overflow(r, step, &r)) args.range_error("strides are too large");
  }
  return r;
}

// binary(op, a, aStrides, b, bStrides, out, outShape)
inline void check_binary(const Args& args, const Array& a, const std::vector<int64_t>& sa, const Array& b,
                         const std::vector<int64_t>& sb, const Array& out, const std::vector<int64_t>& shape) {
  if (sa.size() != shape.size() || sb.size() != shape.size())
    args.range_error("aStrides, bStrides and outShape must have the same length");
  const int64_t size = args.product(shape, "outShape");
  args.need(out, size, "out");
  if (size > 0) {
    args.need(a, reach(args, shape, sa) + 1, "a");
    args.need(b, reach(args, shape, sb) + 1, "b");
  }
}

// reduce(op, x, out, outer, size, inner)
inline void check_reduce(const Args& args, const Array& x, const Array& out, int64_t outer, int64_t size, int64_t inner) {
  args.need(x, args.mul(args.mul(outer, size, "outer*size"), inner, "outer*size*inner"), "x");
  args.need(out, args.mul(outer, inner, "outer*inner"), "out");
}

// transpose(x, shape, perm, out): returns perm as the int32 array the kernels take.
inline std::vector<int32_t> check_transpose(const Args& args, const Array& x, const std::vector<int64_t>& shape,
                                            const std::vector<int64_t>& perm, const Array& out) {
  if (perm.size() != shape.size()) args.range_error("perm and shape must have the same length");
  for (int64_t p : perm)
    if (p >= int64_t(shape.size())) args.range_error("perm is not a permutation of the axes");
  const int64_t size = args.product(shape, "shape");
  args.need(x, size, "x");
  args.need(out, size, "out");
  return std::vector<int32_t>(perm.begin(), perm.end());
}

// matmul(a, b, out, batch, m, k, n, ..., batchStrideA, batchStrideB)
inline void check_matmul(const Args& args, const Array& a, const Array& b, const Array& out, int64_t batch,
                         int64_t m, int64_t k, int64_t n, int64_t bsa, int64_t bsb) {
  if (batch <= 0) return;
  args.need(out, args.mul(batch, args.mul(m, n, "m*n"), "batch*m*n"), "out");
  if (m == 0 || n == 0 || k == 0) return;
  auto span = [&](int64_t stride, int64_t mat, const char* name) {
    int64_t r = args.mul(batch - 1, stride, name);
    if (__builtin_add_overflow(r, mat, &r)) args.range_error(std::string(name) + " is too large");
    return r;
  };
  args.need(a, span(bsa, args.mul(m, k, "m*k"), "batchStrideA"), "a");
  args.need(b, span(bsb, args.mul(k, n, "k*n"), "batchStrideB"), "b");
}

}  // namespace egn

#endif
