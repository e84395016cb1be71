// Content-addressed cache of small device tables (see egc::cached_table in
// common.cuh): tensor-product plans and spherical-harmonics coefficient
// tables, uploaded once per distinct content instead of once per call.
//
// Why: these tables are built on the host from the call's descriptor, and a
// copy from pageable host memory may synchronise with the stream. A training
// step calls the same few descriptors again and again (forward and every
// backward slot), so after the first step every call finds its table here
// and nothing but the kernel launch reaches the device.
//
// Entries are keyed by the exact bytes of the key pieces (FNV-1a hash, then a
// full comparison). The cache holds at most kMaxEntries tables and
// kMaxBytes of device memory; beyond that the least recently used entries are
// returned to the allocator. That is safe while kernels queued earlier still
// read them: every later use of the block is queued behind on the one stream.
// The table returned by a call is never evicted by that same call.
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>

#include "common.cuh"

namespace {

constexpr size_t kMaxEntries = 256;
constexpr int64_t kMaxBytes = int64_t(256) << 20;

struct Entry {
  uint64_t hash;
  std::vector<unsigned char> key;
  std::vector<unsigned char> meta;
  void* device;
  int64_t bytes;
};

struct Tables {
  std::mutex mu;
  std::list<Entry> lru;  // most recently used first
  std::unordered_multimap<uint64_t, std::list<Entry>::iterator> index;
  int64_t bytes = 0;
};

// Leaked on purpose, like the device and allocator state (no CUDA call may
// run from a static destructor).
Tables& tables() {
  static Tables* t = new Tables;
  return *t;
}

uint64_t fnv1a(const egc::KeyPiece* key, int n) {
  uint64_t h = 1469598103934665603ull;
  for (int p = 0; p < n; ++p) {
    const unsigned char* b = static_cast<const unsigned char*>(key[p].data);
    for (size_t i = 0; i < key[p].bytes; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
    // Piece boundaries matter: ("ab", "c") and ("a", "bc") are different keys.
    h ^= uint64_t(key[p].bytes);
    h *= 1099511628211ull;
  }
  return h;
}

bool same_key(const std::vector<unsigned char>& stored, const egc::KeyPiece* key, int n) {
  size_t pos = 0;
  for (int p = 0; p < n; ++p) {
    const uint64_t len = key[p].bytes;
    if (pos + sizeof len + len > stored.size()) return false;
    if (std::memcmp(stored.data() + pos, &len, sizeof len) != 0) return false;
    pos += sizeof len;
    if (len && std::memcmp(stored.data() + pos, key[p].data, len) != 0) return false;
    pos += len;
  }
  return pos == stored.size();
}

std::vector<unsigned char> flatten(const egc::KeyPiece* key, int n) {
  size_t total = 0;
  for (int p = 0; p < n; ++p) total += sizeof(uint64_t) + key[p].bytes;
  std::vector<unsigned char> out(total);
  size_t pos = 0;
  for (int p = 0; p < n; ++p) {
    const uint64_t len = key[p].bytes;
    std::memcpy(out.data() + pos, &len, sizeof len);
    pos += sizeof len;
    if (len) std::memcpy(out.data() + pos, key[p].data, len);
    pos += len;
  }
  return out;
}

// Removes the least recently used entries (never `keep`) until the limits
// hold; the caller holds the lock.
void evict_locked(Tables& t, const Entry* keep) {
  while ((t.lru.size() > kMaxEntries || t.bytes > kMaxBytes) && !t.lru.empty()) {
    auto victim = std::prev(t.lru.end());
    if (&*victim == keep) break;
    auto range = t.index.equal_range(victim->hash);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == victim) {
        t.index.erase(it);
        break;
      }
    egc_free(victim->device);
    t.bytes -= victim->bytes;
    t.lru.erase(victim);
  }
}

}  // namespace

namespace egc {

egc_status cached_table(const char* where, const KeyPiece* key, int n_pieces,
                        const TableBuilder& build, cudaStream_t stream, const void** device,
                        std::vector<unsigned char>* meta) {
  Tables& t = tables();
  const uint64_t h = fnv1a(key, n_pieces);
  {
    std::lock_guard<std::mutex> lock(t.mu);
    auto range = t.index.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      if (!same_key(it->second->key, key, n_pieces)) continue;
      t.lru.splice(t.lru.begin(), t.lru, it->second);  // iterators stay valid
      *device = it->second->device;
      if (meta) *meta = it->second->meta;
      return EGC_OK;
    }
  }
  // Miss: build (may fail validation) and upload outside the lock.
  std::vector<unsigned char> blob, host_meta;
  EGC_TRY(build(blob, host_meta));
  void* ptr = nullptr;
  const int64_t bytes = int64_t(blob.size());
  EGC_TRY(egc_malloc(&ptr, bytes > 0 ? bytes : 1));
  if (bytes > 0) {
    // Pageable source: the call returns once `blob` may be reused.
    const cudaError_t err = cudaMemcpyAsync(ptr, blob.data(), size_t(bytes), cudaMemcpyHostToDevice, stream);
    if (err != cudaSuccess) {
      egc_free(ptr);
      return cuda_fail(err, where);
    }
  }
  std::lock_guard<std::mutex> lock(t.mu);
  t.lru.push_front(Entry{h, flatten(key, n_pieces), host_meta, ptr, bytes});
  t.index.emplace(h, t.lru.begin());
  t.bytes += bytes;
  evict_locked(t, &t.lru.front());
  *device = ptr;
  if (meta) *meta = std::move(host_meta);
  return EGC_OK;
}

void release_tables() {
  Tables& t = tables();
  std::lock_guard<std::mutex> lock(t.mu);
  for (Entry& e : t.lru) egc_free(e.device);
  t.lru.clear();
  t.index.clear();
  t.bytes = 0;
}

}  // namespace egc
