// N-API binding of eg_segmented_tensor_product (see native/include/equigraph.h).
//   segmentedTensorProduct(segments, paths, coeffIndex, coeffValue, operandSizes,
//                          operands, batchStrides, batch, outSlot, out)
// segments/paths/coeffIndex: Int32Array; coeffValue: Float64Array;
// operandSizes, batchStrides: 4 integers; operands: array of 4 typed arrays
// (or null for the output and absent slots). Every size is checked here
// before the kernel touches memory.
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

Napi::Value SegmentedTensorProduct(const Napi::CallbackInfo& info) {
  Args args(info, "segmentedTensorProduct");
  egn::TpDescriptor d = egn::read_tp_descriptor(args);
  Napi::Value ops_v = info[5];
  std::vector<int64_t> strides = args.list(6, "batchStrides", 4);
  const int64_t batch = args.integer(7, "batch");
  const int64_t out_slot = args.integer(8, "outSlot");
  Array out = args.array(9, "out", egn::kFloat);
  const std::vector<int64_t>& sizes = d.sizes;
  if (strides.size() != 4) args.range_error("batchStrides needs 4 entries");
  egn::check_tp_call(args, d, out_slot);
  auto needed = egn::batched_tp_needs(args, sizes, strides, batch);
  const void* ptrs[4];
  egn::tp_operands(args, ops_v, out_slot, sizes, out.dtype, needed, ptrs);
  args.need(out, needed(out_slot), "out");
  egn::check(info.Env(), eg_segmented_tensor_product(
      out.dtype, static_cast<const int32_t*>(d.segments.data), d.num_segments(),
      static_cast<const int32_t*>(d.paths.data), d.num_paths(),
      static_cast<const int32_t*>(d.coeff_index.data), static_cast<const double*>(d.coeff_value.data),
      d.num_coeffs(), sizes.data(), ptrs, strides.data(), batch, int(out_slot), out.data));
  return info.Env().Undefined();
}

}  // namespace

void RegisterTensorProduct(Napi::Env env, Napi::Object exports) {
  exports.Set("segmentedTensorProduct",
              Napi::Function::New(env, SegmentedTensorProduct, "segmentedTensorProduct"));
}
