// Device, stream, errors and the caching allocator of the CUDA kernels.
//
// Device: probed once per process with cudaGetDeviceCount. Without a GPU or
// without a driver the static CUDA runtime reports cudaErrorNoDevice or
// cudaErrorInsufficientDriver; both (and every other failure) give a count
// of 0 and the error text, never an abort. All work uses device 0 and one
// non-blocking stream, so everything is ordered on that stream.
//
// Allocator: blocks are rounded up to a bucket (powers of two from 512 B to
// 1 MiB, then multiples of 2 MiB) and freed blocks wait in a free list per
// bucket. Because every kernel and copy runs on the one stream, a block
// returned while queued work still uses it is safe to hand out again: the
// next user's work is queued behind. Blocks go back to the driver only in
// egc_empty_cache or when cudaMalloc runs out of memory (then the cache is
// released after a stream synchronisation and the allocation retried once).
#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.cuh"

namespace {

thread_local char last_error[512] = "";

struct Device {
  std::mutex mu;
  bool probed = false;
  int count = 0;
  std::string reason;  // why count is 0
  cudaStream_t stream = nullptr;
};

// Leaked on purpose: no CUDA call may run from a static destructor, when the
// runtime may already be unloading.
Device& device() {
  static Device* d = new Device;
  return *d;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<void*, size_t> live;            // block -> bucket bytes
  std::map<size_t, std::vector<void*>> free_blocks;  // bucket bytes -> blocks
  int64_t in_use = 0, cached = 0;
};

Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

size_t bucket_of(int64_t bytes) {
  const size_t b = size_t(bytes);
  if (b <= 512) return 512;
  if (b <= (size_t(1) << 20)) {
    size_t p = 1024;
    while (p < b) p <<= 1;
    return p;
  }
  const size_t step = size_t(2) << 20;
  return (b + step - 1) / step * step;
}

int probe_locked(Device& d) {
  if (d.probed) return d.count;
  d.probed = true;
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    d.count = 0;
    d.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err) + " (" +
               cudaGetErrorName(err) + ")";
  } else if (n <= 0) {
    d.count = 0;
    d.reason = "cudaGetDeviceCount found no device";
  } else {
    d.count = n;
  }
  return d.count;
}

// Frees every cached block; the caller holds the cache lock and has
// synchronised the stream.
void release_cached_locked(Cache& c) {
  for (auto& kv : c.free_blocks)
    for (void* p : kv.second) cudaFree(p);
  c.free_blocks.clear();
  c.cached = 0;
  cudaGetLastError();
}

__global__ void first_bad_index(const int32_t* __restrict__ index, int64_t n, int64_t limit,
                                unsigned long long* first) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t v = index[i];
    if (v < 0 || int64_t(v) >= limit) atomicMin(first, (unsigned long long)i);
  }
}

}  // namespace

namespace egc {

egc_status fail(egc_status status, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(last_error, sizeof last_error, fmt, args);
  va_end(args);
  return status;
}

egc_status cuda_fail(cudaError_t err, const char* where) {
  cudaGetLastError();  // clears a non-sticky error; a sticky one stays in the context
  egc_status st = EGC_ERR_CUDA;
  switch (err) {
    case cudaErrorMemoryAllocation: st = EGC_ERR_OUT_OF_MEMORY; break;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorStubLibrary: st = EGC_ERR_NO_DEVICE; break;
    default: break;
  }
  return fail(st, "%s: %s (%s)", where, cudaGetErrorString(err), cudaGetErrorName(err));
}

egc_status fail_exception(const char* where) noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return fail(EGC_ERR_ARGUMENT, "%s: out of host memory", where);
  } catch (const std::exception& e) {
    return fail(EGC_ERR_ARGUMENT, "%s: %s", where, e.what());
  } catch (...) {
    return fail(EGC_ERR_ARGUMENT, "%s: unknown internal error", where);
  }
}

egc_status ready(const char* where, cudaStream_t* stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mu);
  if (probe_locked(d) == 0)
    return fail(EGC_ERR_NO_DEVICE, "%s: no CUDA device: %s", where, d.reason.c_str());
  if (!d.stream) {
    cudaStream_t s = nullptr;
    const cudaError_t err = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
    if (err != cudaSuccess) return cuda_fail(err, where);
    d.stream = s;
  }
  *stream = d.stream;
  return EGC_OK;
}

egc_status launched(const char* where) {
  const cudaError_t err = cudaGetLastError();
  return err == cudaSuccess ? EGC_OK : cuda_fail(err, where);
}

egc_status check_index(const char* what, const int32_t* index, int64_t n, int64_t limit,
                       cudaStream_t stream) {
  if (n == 0) return EGC_OK;
  Temp first;
  EGC_TRY(first.alloc(sizeof(unsigned long long)));
  cudaError_t err = cudaMemsetAsync(first.ptr, 0xFF, sizeof(unsigned long long), stream);
  if (err != cudaSuccess) return cuda_fail(err, what);
  first_bad_index<<<blocks_for(n), kThreads, 0, stream>>>(index, n, limit,
                                                           first.as<unsigned long long>());
  EGC_TRY(launched(what));
  unsigned long long pos = 0;
  err = cudaMemcpyAsync(&pos, first.ptr, sizeof pos, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaStreamSynchronize(stream);
  if (err != cudaSuccess) return cuda_fail(err, what);
  if (pos == ~0ull) return EGC_OK;
  int32_t value = 0;
  err = cudaMemcpyAsync(&value, index + pos, sizeof value, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaStreamSynchronize(stream);
  if (err != cudaSuccess) return cuda_fail(err, what);
  return fail(EGC_ERR_INDEX, "%s: index %d at position %lld is outside [0, %lld)", what,
              int(value), (long long)pos, (long long)limit);
}

}  // namespace egc

extern "C" const char* egc_last_error(void) { return last_error; }

extern "C" int egc_device_count(void) {
  try {
    Device& d = device();
    std::lock_guard<std::mutex> lock(d.mu);
    const int n = probe_locked(d);
    if (n == 0) egc::fail(EGC_ERR_NO_DEVICE, "%s", d.reason.c_str());
    return n;
  } catch (...) {
    egc::fail_exception("device_count");
    return 0;
  }
}

extern "C" egc_status egc_malloc(void** device_ptr, int64_t bytes) {
  EGC_GUARD_BEGIN
  if (!device_ptr) return egc::fail(EGC_ERR_ARGUMENT, "malloc: null result pointer");
  *device_ptr = nullptr;
  if (bytes < 0) return egc::fail(EGC_ERR_ARGUMENT, "malloc: negative size %lld", (long long)bytes);
  if (bytes == 0) return EGC_OK;
  cudaStream_t stream;
  EGC_TRY(egc::ready("malloc", &stream));
  const size_t b = bucket_of(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.free_blocks.find(b);
  if (it != c.free_blocks.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    c.cached -= int64_t(b);
    c.live.emplace(p, b);
    c.in_use += int64_t(b);
    *device_ptr = p;
    return EGC_OK;
  }
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, b);
  if (err == cudaErrorMemoryAllocation && c.cached > 0) {
    cudaGetLastError();
    cudaStreamSynchronize(stream);
    release_cached_locked(c);
    err = cudaMalloc(&p, b);
  }
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    cudaGetLastError();
    return egc::fail(EGC_ERR_OUT_OF_MEMORY,
                     "cuda: out of memory allocating %lld bytes (%lld bytes in use by equigraph, "
                     "device has %lld of %lld bytes free)",
                     (long long)bytes, (long long)c.in_use, (long long)free_b, (long long)total_b);
  }
  if (err != cudaSuccess) return egc::cuda_fail(err, "malloc");
  c.live.emplace(p, b);
  c.in_use += int64_t(b);
  *device_ptr = p;
  return EGC_OK;
  EGC_GUARD_END("malloc")
}

extern "C" egc_status egc_free(void* device_ptr) {
  EGC_GUARD_BEGIN
  if (!device_ptr) return EGC_OK;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.live.find(device_ptr);
  if (it == c.live.end())
    return egc::fail(EGC_ERR_ARGUMENT, "free: %p is not a live block from egc_malloc", device_ptr);
  const size_t b = it->second;
  std::vector<void*>& list = c.free_blocks[b];
  list.push_back(device_ptr);  // may throw: then the block simply stays live
  c.live.erase(it);
  c.in_use -= int64_t(b);
  c.cached += int64_t(b);
  return EGC_OK;
  EGC_GUARD_END("free")
}

extern "C" egc_status egc_empty_cache(void) {
  EGC_GUARD_BEGIN
  cudaStream_t stream;
  EGC_TRY(egc::ready("empty_cache", &stream));
  egc::release_tables();  // cached descriptor plans go back to the allocator first
  const cudaError_t err = cudaStreamSynchronize(stream);
  if (err != cudaSuccess) return egc::cuda_fail(err, "empty_cache");
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  release_cached_locked(c);
  return EGC_OK;
  EGC_GUARD_END("empty_cache")
}

extern "C" void egc_memory_stats(int64_t* in_use, int64_t* cached) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (in_use) *in_use = c.in_use;
  if (cached) *cached = c.cached;
}

namespace {

egc_status copy(void* dst, const void* src, int64_t bytes, cudaMemcpyKind kind, const char* what) {
  if (bytes < 0) return egc::fail(EGC_ERR_ARGUMENT, "%s: negative size %lld", what, (long long)bytes);
  if (bytes == 0) return EGC_OK;
  if (!dst || !src) return egc::fail(EGC_ERR_ARGUMENT, "%s: null buffer", what);
  cudaStream_t stream;
  EGC_TRY(egc::ready(what, &stream));
  cudaError_t err = cudaMemcpyAsync(dst, src, size_t(bytes), kind, stream);
  if (err == cudaSuccess) err = cudaStreamSynchronize(stream);
  return err == cudaSuccess ? EGC_OK : egc::cuda_fail(err, what);
}

}  // namespace

extern "C" egc_status egc_memcpy_htod(void* device_dst, const void* host_src, int64_t bytes) {
  EGC_GUARD_BEGIN
  return copy(device_dst, host_src, bytes, cudaMemcpyHostToDevice, "memcpy_htod");
  EGC_GUARD_END("memcpy_htod")
}

extern "C" egc_status egc_memcpy_dtoh(void* host_dst, const void* device_src, int64_t bytes) {
  EGC_GUARD_BEGIN
  return copy(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, "memcpy_dtoh");
  EGC_GUARD_END("memcpy_dtoh")
}

extern "C" egc_status egc_memset_zero(void* device_ptr, int64_t bytes) {
  EGC_GUARD_BEGIN
  if (bytes < 0) return egc::fail(EGC_ERR_ARGUMENT, "memset: negative size %lld", (long long)bytes);
  if (bytes == 0) return EGC_OK;
  if (!device_ptr) return egc::fail(EGC_ERR_ARGUMENT, "memset: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("memset", &stream));
  const cudaError_t err = cudaMemsetAsync(device_ptr, 0, size_t(bytes), stream);
  return err == cudaSuccess ? EGC_OK : egc::cuda_fail(err, "memset");
  EGC_GUARD_END("memset")
}

extern "C" egc_status egc_synchronize(void) {
  EGC_GUARD_BEGIN
  cudaStream_t stream;
  EGC_TRY(egc::ready("synchronize", &stream));
  const cudaError_t err = cudaStreamSynchronize(stream);
  return err == cudaSuccess ? EGC_OK : egc::cuda_fail(err, "synchronize");
  EGC_GUARD_END("synchronize")
}
