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
#include "tp_args.h"

namespace {

using egn::Args;
using egn::Array;

Napi::Value TpConvolution(const Napi::CallbackInfo& info) {
  Args args(info, "tpConvolution");
  egn::TpDescriptor d = egn::read_tp_descriptor(args);
  Napi::Value ops_v = info[5];
  Array src = args.array(6, "edgeSrc", egn::I32);
  Array dst = args.array(7, "edgeDst", egn::I32);
  const int64_t num_nodes = args.integer(8, "numNodes");
  const int64_t out_slot = args.integer(9, "outSlot");
  Array out = args.array(10, "out", egn::kFloat);
  const std::vector<int64_t>& sizes = d.sizes;
  egn::check_tp_call(args, d, out_slot);
  if (src.length != dst.length) args.range_error("edgeSrc and edgeDst lengths disagree");
  const int64_t num_edges = src.length;
  auto needed = egn::convolution_needs(args, sizes, num_edges, num_nodes);
  const void* ptrs[4];
  egn::tp_operands(args, ops_v, out_slot, sizes, out.dtype, needed, ptrs);
  args.need(out, needed(out_slot), "out");
  egn::check(info.Env(), eg_tp_convolution(
      out.dtype, static_cast<const int32_t*>(d.segments.data), d.num_segments(),
      static_cast<const int32_t*>(d.paths.data), d.num_paths(), static_cast<const int32_t*>(d.coeff_index.data),
      static_cast<const double*>(d.coeff_value.data), d.num_coeffs(), sizes.data(), ptrs,
      static_cast<const int32_t*>(src.data), static_cast<const int32_t*>(dst.data), num_edges, num_nodes,
      int(out_slot), out.data));
  return info.Env().Undefined();
}

}  // namespace

void RegisterTpConvolution(Napi::Env env, Napi::Object exports) {
  exports.Set("tpConvolution", Napi::Function::New(env, TpConvolution, "tpConvolution"));
}
