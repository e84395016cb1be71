// Argument checking shared by the bindings of the kernels that take a flat
// tensor-product descriptor (tensor_product.cpp, tp_convolution.cpp): the
// descriptor arrays and the four slot operands.
#ifndef EQUIGRAPH_NAPI_TP_ARGS_H
#define EQUIGRAPH_NAPI_TP_ARGS_H

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "equigraph.h"

namespace egn {

// (segments, paths, coeffIndex, coeffValue, operandSizes) at arguments 0..4.
struct TpDescriptor {
  Array segments, paths, coeff_index, coeff_value;
  std::vector<int64_t> sizes;

  int32_t num_segments() const { return int32_t(segments.length / 4); }
  int32_t num_paths() const { return int32_t(paths.length / 8); }
  int32_t num_coeffs() const { return int32_t(coeff_value.length); }
};

// Reads the descriptor's types; its sizes are checked by check_tp_descriptor
// once the other arguments' types have been.
inline TpDescriptor read_tp_descriptor(const Args& args) {
  TpDescriptor d{args.array(0, "segments", I32), args.array(1, "paths", I32),
                 args.array(2, "coeffIndex", I32), args.array(3, "coeffValue", F64), {}};
  d.sizes = args.list(4, "operandSizes", 4);
  return d;
}

// Row shapes and int32 counts of the descriptor arrays.
inline void check_tp_descriptor(const Args& args, const TpDescriptor& d) {
  if (d.segments.length % 4 != 0) args.range_error("argument 'segments' must hold rows of 4");
  if (d.paths.length % 8 != 0) args.range_error("argument 'paths' must hold rows of 8");
  if (d.coeff_index.length % 3 != 0) args.range_error("argument 'coeffIndex' must hold rows of 3");
  const int64_t nc = d.coeff_value.length;
  if (d.coeff_index.length / 3 != nc) args.range_error("coeffIndex and coeffValue lengths disagree");
  if (d.segments.length / 4 > INT32_MAX || d.paths.length / 8 > INT32_MAX || nc > INT32_MAX)
    args.range_error("descriptor is too large");
}

// The operands array (4 typed arrays, or null for the output and absent
// slots) into `ptrs`: each present input slot must have the element type of
// 'out' and at least needed(slot) elements.
template <typename Needed>
void tp_operands(const Args& args, Napi::Value ops_v, int64_t out_slot, const std::vector<int64_t>& sizes,
                 eg_dtype out_dtype, Needed needed, const void* ptrs[4]) {
  if (!ops_v.IsArray()) args.type_error("argument 'operands' must be an array of 4 typed arrays or null");
  Napi::Array ops = ops_v.As<Napi::Array>();
  if (ops.Length() != 4) args.range_error("argument 'operands' must have 4 entries");
  static const char* names[4] = {"operands[0] (weights)", "operands[1] (x1)", "operands[2] (x2)",
                                 "operands[3] (out)"};
  for (uint32_t s = 0; s < 4; ++s) {
    ptrs[s] = nullptr;
    if (int64_t(s) == out_slot || sizes[s] == 0) continue;
    Napi::Value v = ops.Get(s);
    if (!v.IsTypedArray()) args.type_error(std::string(names[s]) + " must be a Float32Array or Float64Array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(args.env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok)
      args.type_error(std::string(names[s]) + " is not a readable typed array");
    const eg_dtype dt = type == napi_float32_array ? EG_F32 : type == napi_float64_array ? EG_F64 : EG_I32;
    if (dt != out_dtype) args.type_error(std::string(names[s]) + " must have the element type of 'out'");
    if (int64_t(length) < needed(int64_t(s)))
      args.range_error(std::string(names[s]) + " has " + std::to_string(length) + " elements, needs at least " +
                       std::to_string(needed(int64_t(s))));
    ptrs[s] = data;
  }
}

}  // namespace egn

#endif
