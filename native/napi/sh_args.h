// Argument checking shared by the CPU and CUDA bindings of the spherical
// harmonics kernels: every entry point starts with (ls, normalize,
// normalization, x); only how x is read (typed array or device buffer) differs.
#ifndef EQUIGRAPH_NAPI_SH_ARGS_H
#define EQUIGRAPH_NAPI_SH_ARGS_H

#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "equigraph.h"

namespace egn {

struct ShArgs {
  std::vector<int32_t> ls;
  int normalize;
  int normalization;
  Array x;
  int64_t n;      // vectors
  int64_t width;  // output columns: Σ (2l + 1)
};

// `read_x()` reads argument 3 (a float array) the binding's way.
template <typename ReadX>
ShArgs read_sh_args(const Args& args, ReadX read_x) {
  ShArgs c;
  std::vector<int64_t> ls = args.list(0, "ls", EG_SH_MAX_LS);
  if (ls.empty()) args.range_error("argument 'ls' must hold at least one degree");
  c.width = 0;
  for (int64_t l : ls) {
    if (l > EG_SH_MAX_L)
      args.range_error("argument 'ls' holds degree " + std::to_string(l) + ", above the supported maximum " +
                       std::to_string(EG_SH_MAX_L));
    c.ls.push_back(int32_t(l));
    c.width += 2 * l + 1;
  }
  c.normalize = args.boolean(1, "normalize") ? 1 : 0;
  const int64_t code = args.integer(2, "normalization");
  if (code > EG_SH_NORM) args.range_error("argument 'normalization' must be 0 (integral), 1 (component) or 2 (norm)");
  c.normalization = int(code);
  c.x = read_x();
  if (c.x.length % 3 != 0)
    args.range_error("argument 'x' has " + std::to_string(c.x.length) + " elements, not a multiple of 3 (expected [n, 3])");
  c.n = c.x.length / 3;
  return c;
}

}  // namespace egn

#endif
