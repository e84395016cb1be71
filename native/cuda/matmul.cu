// Batched GEMM: out[b] = op(A[b]) @ op(B[b]), a plain shared-memory tiled
// kernel (no tensor cores, no cuBLAS). A block of 256 threads computes a
// 64x64 tile of out; each thread owns a 4x4 grid of outputs spaced 16 apart
// (rows ty + 16i, columns tx + 16j) and accumulates in the dtype with FMA,
// 16 values of k at a time staged through shared memory. Out-of-range tile
// elements load as zero, so any m, k, n works; k == 0 writes zeros.
//   A(i, p) = transA ? a[p * m + i] : a[i * k + p]
//   B(p, j) = transB ? b[j * k + p] : b[p * n + j]
// Tiles of m run along grid x (up to 2^31 - 1); tiles of n and the batch run
// along grid y and z, each looping when there are more than 65535.
#include "common.cuh"

namespace {

constexpr int BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;
constexpr int kGemmThreads = 256;  // (BM / TM) * (BN / TN)

template <class T>
__global__ void __launch_bounds__(kGemmThreads)
    matmul_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out,
                  int64_t batch, int64_t m, int64_t k, int64_t n, bool ta, bool tb,
                  int64_t stride_a, int64_t stride_b) {
  __shared__ T As[BK][BM];
  __shared__ T Bs[BK][BN];
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  const int64_t m0 = int64_t(blockIdx.x) * BM;
  const int64_t n_tiles = (n + BN - 1) / BN;
  // Both loops are uniform across the block, so the barriers inside are safe.
  for (int64_t bi = blockIdx.z; bi < batch; bi += gridDim.z) {
    const T* A = a + bi * stride_a;
    const T* B = b + bi * stride_b;
    T* C = out + bi * m * n;
    for (int64_t nt = blockIdx.y; nt < n_tiles; nt += gridDim.y) {
      const int64_t n0 = nt * BN;
      T acc[TM][TN];
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = T(0);
      for (int64_t k0 = 0; k0 < k; k0 += BK) {
        // Stage A[m0 : m0+64, k0 : k0+16] and B[k0 : k0+16, n0 : n0+64]:
        // 1024 values each, 4 per thread, consecutive threads reading
        // consecutive addresses of whichever layout the operand has.
#pragma unroll
        for (int l = 0; l < (BM * BK) / kGemmThreads; ++l) {
          const int e = tid + l * kGemmThreads;
          int r, p;
          if (ta) {
            r = e % BM;
            p = e / BM;
          } else {
            p = e % BK;
            r = e / BK;
          }
          const int64_t gi = m0 + r, gp = k0 + p;
          As[p][r] = (gi < m && gp < k) ? (ta ? A[gp * m + gi] : A[gi * k + gp]) : T(0);
        }
#pragma unroll
        for (int l = 0; l < (BK * BN) / kGemmThreads; ++l) {
          const int e = tid + l * kGemmThreads;
          int c, p;
          if (tb) {
            p = e % BK;
            c = e / BK;
          } else {
            c = e % BN;
            p = e / BN;
          }
          const int64_t gj = n0 + c, gp = k0 + p;
          Bs[p][c] = (gj < n && gp < k) ? (tb ? B[gj * k + gp] : B[gp * n + gj]) : T(0);
        }
        __syncthreads();
#pragma unroll
        for (int p = 0; p < BK; ++p) {
          T av[TM], bv[TN];
#pragma unroll
          for (int i = 0; i < TM; ++i) av[i] = As[p][ty + 16 * i];
#pragma unroll
          for (int j = 0; j < TN; ++j) bv[j] = Bs[p][tx + 16 * j];
#pragma unroll
          for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j) acc[i][j] += av[i] * bv[j];  // contracted to FMA
        }
        __syncthreads();  // before the next stage overwrites the tiles
      }
#pragma unroll
      for (int i = 0; i < TM; ++i) {
        const int64_t gi = m0 + ty + 16 * i;
        if (gi >= m) continue;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
          const int64_t gj = n0 + tx + 16 * j;
          if (gj < n) C[gi * n + gj] = acc[i][j];
        }
      }
    }
  }
}

template <class T>
egc_status launch(const void* a, const void* b, void* out, int64_t batch, int64_t m, int64_t k,
                  int64_t n, bool ta, bool tb, int64_t sa, int64_t sb, cudaStream_t stream) {
  const int64_t m_tiles = (m + BM - 1) / BM, n_tiles = (n + BN - 1) / BN;
  if (m_tiles > 0x7fffffff)
    return egc::fail(EGC_ERR_UNSUPPORTED, "matmul: m = %lld is too large", (long long)m);
  const dim3 grid(unsigned(m_tiles), unsigned(n_tiles < 65535 ? n_tiles : 65535),
                  unsigned(batch < 65535 ? batch : 65535));
  matmul_kernel<T><<<grid, kGemmThreads, 0, stream>>>(static_cast<const T*>(a),
                                                      static_cast<const T*>(b), static_cast<T*>(out),
                                                      batch, m, k, n, ta, tb, sa, sb);
  return egc::launched("matmul");
}

}  // namespace

extern "C" egc_status egc_matmul(eg_dtype dtype, const void* a, const void* b, void* out,
                                 int64_t batch, int64_t m, int64_t k, int64_t n, int trans_a,
                                 int trans_b, int64_t batch_stride_a, int64_t batch_stride_b) {
  EGC_GUARD_BEGIN
  if (batch < 0 || m < 0 || k < 0 || n < 0)
    return egc::fail(EGC_ERR_ARGUMENT,
                     "matmul: negative size (batch %lld, m %lld, k %lld, n %lld)",
                     (long long)batch, (long long)m, (long long)k, (long long)n);
  if (batch_stride_a < 0 || batch_stride_b < 0)
    return egc::fail(EGC_ERR_ARGUMENT, "matmul: negative batch stride");
  if (!egc::is_valid(dtype)) return egc::fail(EGC_ERR_ARGUMENT, "matmul: invalid dtype %d", int(dtype));
  if (dtype == EG_I32) return egc::fail(EGC_ERR_UNSUPPORTED, "matmul: int32 is not supported");
  if (batch == 0 || m == 0 || n == 0) return EGC_OK;
  if (!out || (k > 0 && (!a || !b))) return egc::fail(EGC_ERR_ARGUMENT, "matmul: null buffer");
  cudaStream_t stream;
  EGC_TRY(egc::ready("matmul", &stream));
  if (dtype == EG_F32)
    return launch<float>(a, b, out, batch, m, k, n, trans_a != 0, trans_b != 0, batch_stride_a,
                         batch_stride_b, stream);
  return launch<double>(a, b, out, batch, m, k, n, trans_a != 0, trans_b != 0, batch_stride_a,
                        batch_stride_b, stream);
  EGC_GUARD_END("matmul")
}
