// Shared helpers for the kernel sources; not part of the public ABI.
#ifndef EQUIGRAPH_INTERNAL_H
#define EQUIGRAPH_INTERNAL_H

#include <cstdint>
#include <exception>

#include "../include/equigraph.h"

namespace eg {

// Records the reason for a failing status on this thread and returns it,
// so kernels can write `return fail(EG_ERR_ARGUMENT, "...")`.
eg_status fail(eg_status status, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Converts an escaping C++ exception (e.g. bad_alloc) into a status:
// nothing may unwind across the C ABI.
eg_status fail_exception(const char* where) noexcept;

inline bool is_float(eg_dtype d) { return d == EG_F32 || d == EG_F64; }
inline bool is_valid(eg_dtype d) { return d == EG_F32 || d == EG_F64 || d == EG_I32; }
inline int64_t dtype_size(eg_dtype d) { return d == EG_F64 ? 8 : 4; }

}  // namespace eg

// Every ABI entry point is wrapped in this so a thrown exception becomes a status.
#define EG_GUARD_BEGIN try {
#define EG_GUARD_END(name) \
  }                        \
  catch (...) { return eg::fail_exception(name); }

#endif
