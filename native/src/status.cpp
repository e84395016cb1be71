// Thread-local last error: each thread (JS main thread, worker_threads) sees
// only the failures of its own calls.
#include <cstdarg>
#include <cstdio>
#include <new>
#include <stdexcept>

#include "internal.h"

namespace {
thread_local char last_error[512] = "";
}

namespace eg {

eg_status fail(eg_status status, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(last_error, sizeof last_error, fmt, args);
  va_end(args);
  return status;
}

eg_status fail_exception(const char* where) noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return fail(EG_ERR_ARGUMENT, "%s: out of memory", where);
  } catch (const std::exception& e) {
    return fail(EG_ERR_ARGUMENT, "%s: %s", where, e.what());
  } catch (...) {
    return fail(EG_ERR_ARGUMENT, "%s: unknown internal error", where);
  }
}

}  // namespace eg

extern "C" const char* eg_last_error(void) { return last_error; }
