// Node-API binding of the spherical harmonics kernels (C ABI section
// "spherical harmonics" in equigraph.h). Arguments are checked here the way
// addon.cpp does: types first (TypeError), then sizes (RangeError), so the
// kernel never touches memory it does not own.
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "args.h"
#include "equigraph.h"
#include "register.h"
#include "sh_args.h"

namespace {

using egn::Args;
using egn::Array;
using egn::check;

using Common = egn::ShArgs;

Common common(const Args& args) {
  return egn::read_sh_args(args, [&] { return args.array(3, "x", egn::kFloat); });
}

// Large outputs are usually fresh allocations whose pages the kernel touches
// first: with 4 KiB pages, faulting 64 MB in costs more than computing the
// harmonics. Asking for transparent huge pages (Linux, THP in "madvise" mode)
// cuts the faults 512-fold; a hint only, failures are ignored.
void prefer_huge_pages(const Array& a) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(a.data);
  const uintptr_t end = begin + uintptr_t(a.length) * (a.dtype == EG_F64 ? 8 : 4);
  const uintptr_t lo = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t hi = end & ~(kHuge - 1);
  if (hi > lo && hi - lo >= 2 * kHuge) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)a;
#endif
}

// A float array of the same dtype as x with room for `count` elements.
Array operand(const Args& args, const Common& c, size_t i, const char* name, int64_t count) {
  Array a = args.array(i, name, egn::kFloat);
  args.same_dtype(c.x, a, name);
  args.need(a, count, name);
  return a;
}

// sphericalHarmonics(ls, normalize, normalization, x, out)
Napi::Value Forward(const Napi::CallbackInfo& info) {
  Args args(info, "sphericalHarmonics");
  Common c = common(args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array out = operand(args, c, 4, "out", nd);
  prefer_huge_pages(out);
  check(info.Env(), eg_spherical_harmonics(c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize,
                                           c.normalization, c.x.data, c.n, out.data));
  return info.Env().Undefined();
}

// sphericalHarmonicsBackward(ls, normalize, normalization, x, gradOut, gradX)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  Args args(info, "sphericalHarmonicsBackward");
  Common c = common(args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array g = operand(args, c, 4, "gradOut", nd);
  Array gx = operand(args, c, 5, "gradX", 3 * c.n);
  prefer_huge_pages(gx);
  check(info.Env(), eg_spherical_harmonics_backward(c.x.dtype, c.ls.data(), int(c.ls.size()),
                                                    c.normalize, c.normalization, c.x.data, c.n,
                                                    g.data, gx.data));
  return info.Env().Undefined();
}

// sphericalHarmonicsDoubleBackward(ls, normalize, normalization, x, gradOut, ggX, outGradX, outGradGradOut)
Napi::Value DoubleBackward(const Napi::CallbackInfo& info) {
  Args args(info, "sphericalHarmonicsDoubleBackward");
  Common c = common(args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array g = operand(args, c, 4, "gradOut", nd);
  Array gg = operand(args, c, 5, "ggX", 3 * c.n);
  Array ogx = operand(args, c, 6, "outGradX", 3 * c.n);
  Array ogo = operand(args, c, 7, "outGradGradOut", nd);
  prefer_huge_pages(ogx);
  prefer_huge_pages(ogo);
  check(info.Env(), eg_spherical_harmonics_double_backward(
                        c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize, c.normalization,
                        c.x.data, c.n, g.data, gg.data, ogx.data, ogo.data));
  return info.Env().Undefined();
}

// sphericalHarmonicsTripleBackward(ls, normalize, normalization, x, gradOut, a, b, outGradX, outHess)
Napi::Value TripleBackward(const Napi::CallbackInfo& info) {
  Args args(info, "sphericalHarmonicsTripleBackward");
  Common c = common(args);
  const int64_t nd = args.mul(c.n, c.width, "n*width");
  Array g = operand(args, c, 4, "gradOut", nd);
  Array a = operand(args, c, 5, "a", 3 * c.n);
  Array b = operand(args, c, 6, "b", 3 * c.n);
  Array ogx = operand(args, c, 7, "outGradX", 3 * c.n);
  Array oh = operand(args, c, 8, "outHess", nd);
  prefer_huge_pages(ogx);
  prefer_huge_pages(oh);
  check(info.Env(), eg_spherical_harmonics_triple_backward(
                        c.x.dtype, c.ls.data(), int(c.ls.size()), c.normalize, c.normalization,
                        c.x.data, c.n, g.data, a.data, b.data, ogx.data, oh.data));
  return info.Env().Undefined();
}

}  // namespace

void RegisterSphericalHarmonics(Napi::Env env, Napi::Object exports) {
  exports.Set("sphericalHarmonics", Napi::Function::New(env, Forward, "sphericalHarmonics"));
  exports.Set("sphericalHarmonicsBackward", Napi::Function::New(env, Backward, "sphericalHarmonicsBackward"));
  exports.Set("sphericalHarmonicsDoubleBackward",
              Napi::Function::New(env, DoubleBackward, "sphericalHarmonicsDoubleBackward"));
  exports.Set("sphericalHarmonicsTripleBackward",
              Napi::Function::New(env, TripleBackward, "sphericalHarmonicsTripleBackward"));
}
