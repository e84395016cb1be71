// N-API binding of eg_tp_convolution (see native/include/equigraph.h).
//   tpConvolution(segments, paths, coeffIndex, coeffValue, operandSizes,
//                 operands, edgeSrc, edgeDst, numNodes, outSlot, out)
// segments/paths/coeffIndex/edgeSrc/edgeDst: Int32Array; coeffValue:
// Float64Array; operandSizes: 4 integers; operands: array of 4 typed arrays
// (or null for the output and absent slots). Slots 0 and 2 hold one row per
// edge (edgeSrc.length rows), slots 1 and 3 one row per node. Every size is
// checked here before the kernel touches memory; the kernel checks indices.
#include <napi.h>

#include <string>
#include <vector>

#include "args.h"
#include "equigraph.h"
#include "register.h"

namespace {

using egn::Args;
using egn::Array;

Napi::Value TpConvolution(const Napi::CallbackInfo& info) {
  Args args(info, "tpConvolution");
  Array segments = args.array(0, "segments", egn::I32);
  Array paths = args.array(1, "paths", egn::I32);
  Array coeff_index = args.array(2, "coeffIndex", egn::I32);
  Array coeff_value = args.array(3, "coeffValue", egn::F64);
  std::vector<int64_t> sizes = args.list(4, "operandSizes", 4);
  Napi::Value ops_v = info[5];
  Array src = args.array(6, "edgeSrc", egn::I32);
  Array dst = args.array(7, "edgeDst", egn::I32);
  const int64_t num_nodes = args.integer(8, "numNodes");
  const int64_t out_slot = args.integer(9, "outSlot");
  Array out = args.array(10, "out", egn::kFloat);
  if (sizes.size() != 4) args.range_error("operandSizes needs 4 entries");
  if (out_slot > 3) args.range_error("argument 'outSlot' must be 0..3");
  if (segments.length % 4 != 0) args.range_error("argument 'segments' must hold rows of 4");
  if (paths.length % 8 != 0) args.range_error("argument 'paths' must hold rows of 8");
  if (coeff_index.length % 3 != 0) args.range_error("argument 'coeffIndex' must hold rows of 3");
  const int64_t nc = coeff_value.length;
  if (coeff_index.length / 3 != nc) args.range_error("coeffIndex and coeffValue lengths disagree");
  if (segments.length / 4 > INT32_MAX || paths.length / 8 > INT32_MAX || nc > INT32_MAX)
    args.range_error("descriptor is too large");
  if (src.length != dst.length) args.range_error("edgeSrc and edgeDst lengths disagree");
  const int64_t num_edges = src.length;
  if (!ops_v.IsArray()) args.type_error("argument 'operands' must be an array of 4 typed arrays or null");
  Napi::Array ops = ops_v.As<Napi::Array>();
  if (ops.Length() != 4) args.range_error("argument 'operands' must have 4 entries");

  auto needed = [&](int64_t s) -> int64_t {
    const int64_t rows = (s == 0 || s == 2) ? num_edges : num_nodes;
    return args.mul(rows, sizes[s], "rows*size");
  };
  const void* ptrs[4] = {nullptr, nullptr, nullptr, nullptr};
  static const char* names[4] = {"operands[0] (weights)", "operands[1] (x1)", "operands[2] (x2)", "operands[3] (out)"};
  for (uint32_t s = 0; s < 4; ++s) {
    if (int64_t(s) == out_slot || sizes[s] == 0) continue;
    Napi::Value v = ops.Get(s);
    if (!v.IsTypedArray()) args.type_error(std::string(names[s]) + " must be a Float32Array or Float64Array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(info.Env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok)
      args.type_error(std::string(names[s]) + " is not a readable typed array");
    const eg_dtype dt = type == napi_float32_array ? EG_F32 : type == napi_float64_array ? EG_F64 : EG_I32;
    if (dt != out.dtype) args.type_error(std::string(names[s]) + " must have the element type of 'out'");
    if (int64_t(length) < needed(s))
      args.range_error(std::string(names[s]) + " has " + std::to_string(length) + " elements, needs at least " +
                       std::to_string(needed(s)));
    ptrs[s] = data;
  }
  args.need(out, needed(out_slot), "out");
  eg_status st = eg_tp_convolution(
      out.dtype, static_cast<const int32_t*>(segments.data), int32_t(segments.length / 4),
      static_cast<const int32_t*>(paths.data), int32_t(paths.length / 8), static_cast<const int32_t*>(coeff_index.data),
      static_cast<const double*>(coeff_value.data), int32_t(nc), sizes.data(), ptrs,
      static_cast<const int32_t*>(src.data), static_cast<const int32_t*>(dst.data), num_edges, num_nodes,
      int(out_slot), out.data);
  if (st != EG_OK) {
    std::string msg = eg_last_error();
    if (st == EG_ERR_INDEX) throw Napi::RangeError::New(info.Env(), msg);
    throw Napi::Error::New(info.Env(), msg);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterTpConvolution(Napi::Env env, Napi::Object exports) {
  exports.Set("tpConvolution", Napi::Function::New(env, TpConvolution, "tpConvolution"));
}
