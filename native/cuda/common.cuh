// Shared helpers of the CUDA kernel sources; not part of the public ABI.
#ifndef EQUIGRAPH_CUDA_COMMON_CUH
#define EQUIGRAPH_CUDA_COMMON_CUH

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "../include/equigraph_cuda.h"

namespace egc {

// Records the reason for a failing status on this thread and returns it.
egc_status fail(egc_status status, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Turns a CUDA error into a status (out of memory, no device / no driver, or
// a generic CUDA failure) with "<where>: <cuda error text>" as the message.
// Clears the error so a non-sticky one does not leak into the next call.
egc_status cuda_fail(cudaError_t err, const char* where);

// Escaping C++ exceptions (bad_alloc in a std::map...) become a status.
egc_status fail_exception(const char* where) noexcept;

// Makes sure a device is usable and returns the one stream all work goes to.
egc_status ready(const char* where, cudaStream_t* stream);

// Checks the launch that was just queued (bad configuration etc.).
egc_status launched(const char* where);

// Temporary device buffer from the caching allocator, returned on scope exit
// (stream-ordered, so kernels queued before the return still see it).
struct Temp {
  void* ptr = nullptr;
  Temp() = default;
  Temp(const Temp&) = delete;
  Temp& operator=(const Temp&) = delete;
  ~Temp() { egc_free(ptr); }
  egc_status alloc(int64_t bytes) { return egc_malloc(&ptr, bytes); }
  template <class T>
  T* as() const { return static_cast<T*>(ptr); }
};

// Range check of a device int32 index against [0, limit) before any write:
// EGC_ERR_INDEX naming the first bad position, as the CPU kernels do.
egc_status check_index(const char* what, const int32_t* index, int64_t n, int64_t limit,
                       cudaStream_t stream);

// CSR of a device int32 index whose values are known to lie in
// [0, num_segments) (check them first): `rows` gets n int32 row ids sorted
// stably by index value (so each segment's rows are in increasing order) and
// `offsets` num_segments + 1 int64 segment starts. A stable CUB radix sort on
// the bits num_segments needs; n <= INT_MAX. Queued on `stream` (scatter.cu).
egc_status build_csr(const char* where, const int32_t* index, int64_t n, int64_t num_segments,
                     cudaStream_t stream, Temp& rows, Temp& offsets);

// ------------------------------------------------------- constant tables --
// Small read-only tables a kernel needs on the device for one call (a
// tensor-product descriptor turned into a plan, spherical-harmonics
// recurrence coefficients), cached by content so a descriptor used again is
// not uploaded again (constants.cu). `key` is the concatenation of the pieces
// (compared byte for byte, not only by hash). On a miss `build` fills `blob`
// (uploaded to the device) and `meta` (kept on the host with the entry); a
// non-OK status from `build` is returned and nothing is cached. On success
// *device points at the table (valid until this call's kernels have been
// queued: a later call may evict it, which is stream-ordered and therefore
// safe for work already queued) and *meta is a copy of the host part.
struct KeyPiece {
  const void* data;
  size_t bytes;
};
using TableBuilder = std::function<egc_status(std::vector<unsigned char>& blob,
                                              std::vector<unsigned char>& meta)>;
egc_status cached_table(const char* where, const KeyPiece* key, int n_pieces,
                        const TableBuilder& build, cudaStream_t stream, const void** device,
                        std::vector<unsigned char>* meta);
// Drops every cached table (egc_empty_cache calls it before releasing memory).
void release_tables();

inline bool is_float(eg_dtype d) { return d == EG_F32 || d == EG_F64; }
inline bool is_valid(eg_dtype d) { return d == EG_F32 || d == EG_F64 || d == EG_I32; }
inline int64_t dtype_size(eg_dtype d) { return d == EG_F64 ? 8 : 4; }

constexpr int kThreads = 256;

// Per-item kernel bodies are host-and-device functions, so their arithmetic
// can also be run (and checked against the CPU kernels) on a machine without a GPU.
#define EGC_HD __host__ __device__ __forceinline__

// Blocks for a grid-stride loop over n items (n > 0).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return unsigned(b < (1 << 20) ? b : (1 << 20));
}

}  // namespace egc

// Every ABI entry point is wrapped in this so a thrown exception becomes a status.
#define EGC_GUARD_BEGIN try {
#define EGC_GUARD_END(name) \
  }                         \
  catch (...) { return egc::fail_exception(name); }

// Returns from the enclosing function when a status is not OK.
#define EGC_TRY(expr)                         \
  do {                                        \
    const egc_status egc_st_ = (expr);        \
    if (egc_st_ != EGC_OK) return egc_st_;    \
  } while (0)

#endif
