/**
 * The CUDA functions of the addon (native/napi/cuda.cpp). `cudaDeviceCount`
 * and `cudaLastError` always exist; the rest only when the addon was built
 * with CUDA (`addon.cuda === true`).
 */

/** An opaque device buffer from `cudaAlloc`: a device pointer with its dtype and element count. */
export type CudaBuffer = { readonly __brand: 'CudaBuffer' };

/** Codes of eg_dtype (native/include/equigraph.h). */
export const DTYPE_CODES = { float32: 0, float64: 1, int32: 2 } as const;

/** Always present, with or without CUDA. */
export interface CudaProbe {
  /** Number of CUDA devices; 0 without a GPU, without a driver, or without CUDA in the build. */
  cudaDeviceCount(): number;
  /** Why the last CUDA call failed (or why the device count is 0). */
  cudaLastError(): string;
}

/** Present when the addon was built with CUDA. Kernels mirror the CPU ones with buffers for typed arrays. */
export interface CudaAddon extends CudaProbe {
  /** A zero-filled buffer of `length` elements of dtype code `dtype` (0 float32, 1 float64, 2 int32). */
  cudaAlloc(dtype: number, length: number): CudaBuffer;
  /** Frees now (idempotent); otherwise the garbage collector frees it eventually. */
  cudaFree(buffer: CudaBuffer): void;
  /** Copies values.length elements (same dtype) to the start of buffer. */
  cudaUpload(buffer: CudaBuffer, values: Float32Array | Float64Array | Int32Array): void;
  /** Copies out.length elements (same dtype) from the start of buffer. */
  cudaDownload(buffer: CudaBuffer, out: Float32Array | Float64Array | Int32Array): void;
  cudaSynchronize(): void;
  /** Returns every cached, unused block to the driver. */
  cudaEmptyCache(): void;
  /** Bytes held by live buffers and by the allocator's cache. */
  cudaMemoryStats(): { inUse: number; cached: number };
  cudaUnary(op: number, x: CudaBuffer, out: CudaBuffer): void;
  cudaBinary(op: number, a: CudaBuffer, aStrides: readonly number[], b: CudaBuffer, bStrides: readonly number[], out: CudaBuffer, outShape: readonly number[]): void;
  cudaReduce(op: number, x: CudaBuffer, out: CudaBuffer, outer: number, size: number, inner: number): void;
  cudaTranspose(x: CudaBuffer, shape: readonly number[], perm: readonly number[], out: CudaBuffer): void;
  cudaMatmul(a: CudaBuffer, b: CudaBuffer, out: CudaBuffer, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, batchStrideA: number, batchStrideB: number): void;
  cudaGather(x: CudaBuffer, index: CudaBuffer, out: CudaBuffer, rowSize: number): void;
  cudaScatter(op: number, src: CudaBuffer, index: CudaBuffer, out: CudaBuffer, numSegments: number, rowSize: number): void;
  cudaCopyBox(src: CudaBuffer, srcShape: readonly number[], srcOffset: readonly number[], dst: CudaBuffer, dstShape: readonly number[], dstOffset: readonly number[], boxShape: readonly number[]): void;
  cudaCast(src: CudaBuffer, dst: CudaBuffer): void;
  /**
   * Spherical harmonics (egc_spherical_harmonics*): x [n, 3] and the outputs are buffers of one
   * float dtype, `ls` and the normalization code (0 integral, 1 component, 2 norm) host values.
   */
  cudaSphericalHarmonics(ls: readonly number[], normalize: boolean, normalization: number, x: CudaBuffer, out: CudaBuffer): void;
  cudaSphericalHarmonicsBackward(ls: readonly number[], normalize: boolean, normalization: number, x: CudaBuffer, gradOut: CudaBuffer, gradX: CudaBuffer): void;
  /** out [3n + n·D]: outGradX [n, 3] then outGradGradOut [n, D] (the geometry kernel's packed layout). */
  cudaSphericalHarmonicsDoubleBackward(ls: readonly number[], normalize: boolean, normalization: number, x: CudaBuffer, gradOut: CudaBuffer, ggX: CudaBuffer, out: CudaBuffer): void;
  /** out [3n + n·D]: outGradX [n, 3] then outHess [n, D]. */
  cudaSphericalHarmonicsTripleBackward(ls: readonly number[], normalize: boolean, normalization: number, x: CudaBuffer, gradOut: CudaBuffer, a: CudaBuffer, b: CudaBuffer, out: CudaBuffer): void;
  /** Segmented tensor product (egc_segmented_tensor_product): the descriptor as host arrays, operands as buffers (null for the output and absent slots). */
  cudaSegmentedTensorProduct(segments: Int32Array, paths: Int32Array, coeffIndex: Int32Array, coeffValue: Float64Array, operandSizes: readonly number[], operands: readonly (CudaBuffer | null)[], batchStrides: readonly number[], batch: number, outSlot: number, out: CudaBuffer): void;
  /** Fused tensor-product convolution (egc_tp_convolution): as tpConvolution of the CPU addon, with int32 buffers for edgeSrc / edgeDst. */
  cudaTpConvolution(segments: Int32Array, paths: Int32Array, coeffIndex: Int32Array, coeffValue: Float64Array, operandSizes: readonly number[], operands: readonly (CudaBuffer | null)[], edgeSrc: CudaBuffer, edgeDst: CudaBuffer, numNodes: number, outSlot: number, out: CudaBuffer): void;
}
