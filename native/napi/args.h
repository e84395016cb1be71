// Argument checking for the N-API binding. The C ABI trusts its callers, so
// everything that could make a kernel read or write out of bounds is checked
// here: types (TypeError naming the argument), then sizes (RangeError).
#ifndef EQUIGRAPH_NAPI_ARGS_H
#define EQUIGRAPH_NAPI_ARGS_H

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "equigraph.h"

namespace egn {

enum DTypeMask : unsigned { F32 = 1u << EG_F32, F64 = 1u << EG_F64, I32 = 1u << EG_I32 };
constexpr unsigned kFloat = F32 | F64;
constexpr unsigned kAny = F32 | F64 | I32;

struct Array {
  void* data;
  int64_t length;
  eg_dtype dtype;
};

// One call's arguments, so messages can say "matmul: argument 'a' ...".
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}

  Napi::Env env() const { return info_.Env(); }

  [[noreturn]] void type_error(const std::string& msg) const {
    throw Napi::TypeError::New(env(), std::string(fn_) + ": " + msg);
  }
  [[noreturn]] void range_error(const std::string& msg) const {
    throw Napi::RangeError::New(env(), std::string(fn_) + ": " + msg);
  }

  Array array(size_t i, const char* name, unsigned allowed) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray()) type_error(std::string("argument '") + name + "' must be " + describe(allowed));
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_status st = napi_get_typedarray_info(env(), v, &type, &length, &data, nullptr, nullptr);
    if (st != napi_ok) type_error(std::string("argument '") + name + "' is not a readable typed array");
    eg_dtype dtype;
    switch (type) {
      case napi_float32_array: dtype = EG_F32; break;
      case napi_float64_array: dtype = EG_F64; break;
      case napi_int32_array: dtype = EG_I32; break;
      default: type_error(std::string("argument '") + name + "' must be " + describe(allowed));
    }
    if (!(allowed & (1u << dtype)))
      type_error(std::string("argument '") + name + "' must be " + describe(allowed));
    return Array{data, int64_t(length), dtype};
  }

  // A non-negative integer below 2^53.
  int64_t integer(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) type_error(std::string("argument '") + name + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 9007199254740991.0) || std::trunc(d) != d)
      range_error(std::string("argument '") + name + "' must be a non-negative integer, got " +
                  number(d));
    return int64_t(d);
  }

  int op_code(size_t i, const char* name) const {
    int64_t v = integer(i, name);
    if (v > 1000) range_error(std::string("argument '") + name + "' is not a known op code");
    return int(v);
  }

  bool boolean(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsBoolean()) type_error(std::string("argument '") + name + "' must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  // A JS array (or Int32Array/Float64Array) of non-negative integers.
  std::vector<int64_t> list(size_t i, const char* name, size_t max_len = EG_MAX_DIMS) const {
    Napi::Value v = info_[i];
    std::vector<int64_t> out;
    if (v.IsArray()) {
      Napi::Array arr = v.As<Napi::Array>();
      if (arr.Length() > max_len) too_long(name, arr.Length(), max_len);
      for (uint32_t k = 0; k < arr.Length(); ++k) {
        Napi::Value e = arr.Get(k);
        if (!e.IsNumber()) type_error(std::string("argument '") + name + "' must hold only numbers");
        out.push_back(element(e.As<Napi::Number>().DoubleValue(), name));
      }
    } else if (v.IsTypedArray()) {
      Array a = array(i, name, I32 | F64);
      if (size_t(a.length) > max_len) too_long(name, size_t(a.length), max_len);
      for (int64_t k = 0; k < a.length; ++k) {
        double d = a.dtype == EG_I32 ? double(static_cast<int32_t*>(a.data)[k])
                                     : static_cast<double*>(a.data)[k];
        out.push_back(element(d, name));
      }
    } else {
      type_error(std::string("argument '") + name + "' must be an array of integers");
    }
    return out;
  }

  // Product of extents, refusing int64 overflow.
  int64_t product(const std::vector<int64_t>& xs, const char* what) const {
    int64_t p = 1;
    for (int64_t x : xs) p = mul(p, x, what);
    return p;
  }

  int64_t mul(int64_t a, int64_t b, const char* what) const {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) range_error(std::string(what) + " is too large");
    return r;
  }

  void need(const Array& a, int64_t count, const char* name) const {
    if (a.length < count)
      range_error(std::string("argument '") + name + "' has " + std::to_string(a.length) +
                  " elements, needs at least " + std::to_string(count));
  }

  void same_dtype(const Array& a, const Array& b, const char* name_b) const {
    if (a.dtype != b.dtype)
      type_error(std::string("argument '") + name_b + "' must have the same element type (" +
                 dtype_name(a.dtype) + "), got " + dtype_name(b.dtype));
  }

  size_t count() const { return info_.Length(); }

 private:
  const Napi::CallbackInfo& info_;
  const char* fn_;

  int64_t element(double d, const char* name) const {
    if (!(d >= 0 && d <= 9007199254740991.0) || std::trunc(d) != d)
      range_error(std::string("argument '") + name + "' must hold non-negative integers, got " +
                  number(d));
    return int64_t(d);
  }
  [[noreturn]] void too_long(const char* name, size_t len, size_t max_len) const {
    range_error(std::string("argument '") + name + "' has " + std::to_string(len) +
                " entries, at most " + std::to_string(max_len) + " allowed");
  }
  static std::string number(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  static const char* dtype_name(eg_dtype d) {
    return d == EG_F32 ? "Float32Array" : d == EG_F64 ? "Float64Array" : "Int32Array";
  }
  static std::string describe(unsigned allowed) {
    std::string s;
    const char* names[] = {"a Float32Array", "a Float64Array", "an Int32Array"};
    int count = 0;
    for (int d = 0; d < 3; ++d) count += (allowed >> d) & 1;
    int seen = 0;
    for (int d = 0; d < 3; ++d) {
      if (!((allowed >> d) & 1)) continue;
      if (seen > 0) s += (seen == count - 1) ? " or " : ", ";
      s += names[d];
      ++seen;
    }
    return s;
  }
};

// What a failed kernel's EG_ERR_INDEX becomes: a RangeError (so callers can
// tell index errors from argument errors) or, where the TypeScript twin of the
// kernel throws a plain Error for the same input, a plain Error.
enum class IndexError { Range, Plain };

// A failed kernel becomes a JS Error carrying eg_last_error().
inline void check(Napi::Env env, eg_status st, IndexError index = IndexError::Range) {
  if (st == EG_OK) return;
  std::string msg = eg_last_error();
  if (msg.empty()) msg = "equigraph kernel failed with status " + std::to_string(int(st));
  if (st == EG_ERR_INDEX && index == IndexError::Range) throw Napi::RangeError::New(env, msg);
  throw Napi::Error::New(env, msg);
}

}  // namespace egn

#endif
