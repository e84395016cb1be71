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

// Checks shared by every descriptor call once its arguments are read: four
// operand sizes, an output slot 0..3 and the descriptor's row shapes.
inline void check_tp_call(const Args& args, const TpDescriptor& d, int64_t out_slot) {
  if (d.sizes.size() != 4) args.range_error("operandSizes needs 4 entries");
  if (out_slot > 3) args.range_error("argument 'outSlot' must be 0..3");
  check_tp_descriptor(args, d);
}

// Elements slot s of a batched tensor product needs: the last sample's offset
// plus one sample (a stride-0 operand is one sample for the whole batch).
inline auto batched_tp_needs(const Args& args, const std::vector<int64_t>& sizes,
                             const std::vector<int64_t>& strides, int64_t batch) {
  return [&args, &sizes, &strides, batch](int64_t s) -> int64_t {
    if (sizes[s] == 0) return 0;
    if (batch == 0) return strides[s] == 0 ? sizes[s] : 0;
    return args.mul(batch - 1, strides[s], "batch*stride") + sizes[s];
  };
}

// Elements slot s of a convolution needs: one row per edge (slots 0 and 2,
// weights and edge attributes) or per node (1 and 3, features and output).
inline auto convolution_needs(const Args& args, const std::vector<int64_t>& sizes, int64_t num_edges,
                              int64_t num_nodes) {
  return [&args, &sizes, num_edges, num_nodes](int64_t s) -> int64_t {
    const int64_t rows = (s == 0 || s == 2) ? num_edges : num_nodes;
    return args.mul(rows, sizes[s], "rows*size");
  };
}

// The operands array (4 entries, null for the output and absent slots) into
// `ptrs`. `read(value, name, needed)` checks one present input slot and
// returns its address: a typed array here, a device buffer in the CUDA binding.
template <typename Needed, typename Read>
void slot_operands(const Args& args, Napi::Value ops_v, int64_t out_slot, const std::vector<int64_t>& sizes,
                   const char* kind, Needed needed, Read read, const void* ptrs[4]) {
  if (!ops_v.IsArray()) args.type_error(std::string("argument 'operands' must be an array of 4 ") + kind + " or null");
  Napi::Array ops = ops_v.As<Napi::Array>();
  if (ops.Length() != 4) args.range_error("argument 'operands' must have 4 entries");
  static const char* names[4] = {"operands[0] (weights)", "operands[1] (x1)", "operands[2] (x2)",
                                 "operands[3] (out)"};
  for (uint32_t s = 0; s < 4; ++s) {
    ptrs[s] = nullptr;
    if (int64_t(s) == out_slot || sizes[s] == 0) continue;
    ptrs[s] = read(ops.Get(s), std::string(names[s]), needed(int64_t(s)));
  }
}

// slot_operands over typed arrays of out's element type.
template <typename Needed>
void tp_operands(const Args& args, Napi::Value ops_v, int64_t out_slot, const std::vector<int64_t>& sizes,
                 eg_dtype out_dtype, Needed needed, const void* ptrs[4]) {
  auto read = [&](Napi::Value v, const std::string& name, int64_t need) -> const void* {
    if (!v.IsTypedArray()) args.type_error(name + " must be a Float32Array or Float64Array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(args.env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok)
      args.type_error(name + " is not a readable typed array");
    const eg_dtype dt = type == napi_float32_array ? EG_F32 : type == napi_float64_array ? EG_F64 : EG_I32;
    if (dt != out_dtype) args.type_error(name + " must have the element type of 'out'");
    if (int64_t(length) < need)
      args.range_error(name + " has " + std::to_string(length) + " elements, needs at least " + std::to_string(need));
    return data;
  };
  slot_operands(args, ops_v, out_slot, sizes, "typed arrays", needed, read, ptrs);
}

}  // namespace egn

#endif
