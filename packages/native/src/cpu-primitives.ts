import {
  BINARY_CODES,
  REDUCE_CODES,
  UNARY_CODES,
  type BinaryOp,
  type DType,
  type FloatArray,
  type HostPrimitives,
  type ReduceOp,
  type ScatterOp,
  type TypedArray,
  type UnaryGradOp,
  type UnaryOp,
} from '@equigraph/core';
import { loadAddon, type NativeRadiusGraphPrimitives } from './addon.js';

/** 'integral' | 'component' | 'norm' → eg_sh_normalization (native/include/equigraph.h). */
const SH_NORMALIZATION_CODES: Record<string, number> = { integral: 0, component: 1, norm: 2 };

/** The eg_sh_normalization code of a normalization name (shared with the cuda backend). */
export function shNormalizationCode(normalization: string): number {
  const code = SH_NORMALIZATION_CODES[normalization];
  if (code === undefined) throw new RangeError(`sphericalHarmonics: unknown normalization "${normalization}"`);
  return code;
}

/**
 * Extra flat-array primitives of the native backend for @equigraph/geometry's
 * spherical harmonics kernels (matched structurally by its E3HostPrimitives;
 * this package does not depend on geometry). Shapes: x [n, 3], outputs and
 * gradOut [n, Σ(2l+1)].
 */
export interface NativeShPrimitives {
  sphericalHarmonics(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, out: FloatArray): void;
  sphericalHarmonicsBackward(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, gradOut: FloatArray, gradX: FloatArray): void;
  sphericalHarmonicsDoubleBackward(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, gradOut: FloatArray, ggX: FloatArray, outGradX: FloatArray, outGradGradOut: FloatArray): void;
  sphericalHarmonicsTripleBackward(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, gradOut: FloatArray, a: FloatArray, b: FloatArray, outGradX: FloatArray, outHess: FloatArray): void;
}

/**
 * Flat tensor-product descriptor as @equigraph/geometry encodes it (matched
 * structurally; see eg_segmented_tensor_product in native/include/equigraph.h).
 */
export interface NativeTpDescriptor {
  readonly segments: Int32Array;
  readonly paths: Int32Array;
  readonly coeffIndex: Int32Array;
  readonly coeffValue: Float64Array;
  readonly operandSizes: readonly number[];
}

/** The native segmented tensor product, for geometry's TensorProductHostPrimitives. */
export interface NativeTpPrimitives {
  segmentedTensorProduct(descriptor: NativeTpDescriptor, operands: readonly (FloatArray | null)[], batchStrides: readonly number[], batch: number, outSlot: number, out: FloatArray): void;
}

/**
 * The native fused tensor-product convolution (eg_tp_convolution), for geometry's
 * TpConvolutionHostPrimitives: slots 0 and 2 hold src.length rows, slots 1 and 3 numNodes rows.
 */
export interface NativeTpConvPrimitives {
  tpConvolution(descriptor: NativeTpDescriptor, operands: readonly (FloatArray | null)[], src: Int32Array, dst: Int32Array, numNodes: number, outSlot: number, out: FloatArray): void;
}

/**
 * HostPrimitives on the native addon. Typed arrays go to C++ zero-copy; the
 * addon validates sizes and throws on a bad index, so nothing here can read
 * out of bounds. Throws when the addon is missing, which the registry records
 * as the reason for skipping backend 'cpu'.
 */
export function createCpuPrimitives(): HostPrimitives & NativeShPrimitives & NativeTpPrimitives & NativeRadiusGraphPrimitives & NativeTpConvPrimitives {
  const addon = loadAddon();
  return {
    unary(op: UnaryOp, x: FloatArray, out: FloatArray) {
      addon.unary(UNARY_CODES[op], x, out);
    },
    unaryGrad(op: UnaryGradOp, x, y, dy, out) {
      addon.unaryGrad(UNARY_CODES[op], x, y, dy, out);
    },
    binary(op: BinaryOp, a, aStrides, b, bStrides, out, outShape) {
      addon.binary(BINARY_CODES[op], a, aStrides, b, bStrides, out, outShape);
    },
    reduce(op: ReduceOp, x, out, outer, size, inner) {
      addon.reduce(REDUCE_CODES[op], x, out, outer, size, inner);
    },
    transpose(x, shape, perm, out) {
      addon.transpose(x, shape, perm, out);
    },
    matmul(a, b, out, batch, m, k, n, transA, transB, batchStrideA, batchStrideB) {
      addon.matmul(a, b, out, batch, m, k, n, transA, transB, batchStrideA, batchStrideB);
    },
    gather(x, index, out, rowSize) {
      addon.gather(x, index, out, rowSize);
    },
    scatter(op: ScatterOp, src, index, out, numSegments, rowSize) {
      addon.scatter(REDUCE_CODES[op], src, index, out, numSegments, rowSize);
    },
    copyBox(src, srcShape, srcOffset, dst, dstShape, dstOffset, boxShape) {
      addon.copyBox(src, srcShape, srcOffset, dst, dstShape, dstOffset, boxShape);
    },
    cast(src: TypedArray, dst: TypedArray) {
      addon.cast(src, dst);
    },
    // Every native kernel writes its whole output, so outputs skip the zero
    // fill: Buffer.allocUnsafeSlow takes unzeroed memory of exactly this size
    // (its own ArrayBuffer, offset 0, never a shared pool slice).
    allocUninitialized(dtype: DType, size: number): TypedArray {
      const Ctor = dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : Int32Array;
      if (size === 0) return new Ctor(0);
      return new Ctor(Buffer.allocUnsafeSlow(size * Ctor.BYTES_PER_ELEMENT).buffer, 0, size);
    },
    segmentedTensorProduct(d, operands, batchStrides, batch, outSlot, out) {
      addon.segmentedTensorProduct(d.segments, d.paths, d.coeffIndex, d.coeffValue, d.operandSizes, operands, batchStrides, batch, outSlot, out);
    },
    sphericalHarmonics(ls, normalize, normalization, x, out) {
      addon.sphericalHarmonics(ls, normalize, shNormalizationCode(normalization), x, out);
    },
    sphericalHarmonicsBackward(ls, normalize, normalization, x, gradOut, gradX) {
      addon.sphericalHarmonicsBackward(ls, normalize, shNormalizationCode(normalization), x, gradOut, gradX);
    },
    sphericalHarmonicsDoubleBackward(ls, normalize, normalization, x, gradOut, ggX, outGradX, outGradGradOut) {
      addon.sphericalHarmonicsDoubleBackward(ls, normalize, shNormalizationCode(normalization), x, gradOut, ggX, outGradX, outGradGradOut);
    },
    sphericalHarmonicsTripleBackward(ls, normalize, normalization, x, gradOut, a, b, outGradX, outHess) {
      addon.sphericalHarmonicsTripleBackward(ls, normalize, shNormalizationCode(normalization), x, gradOut, a, b, outGradX, outHess);
    },
    /** Radius graph (eg_radius_graph_*): RadiusGraphHostPrimitives of @equigraph/data, matched structurally. */
    radiusGraph(positions: Float64Array, cutoff: number, cells: Float64Array | null, pbcMask: number, batch: Int32Array | null, maxNeighbors: number, flags: number) {
      return addon.radiusGraph(positions, cutoff, cells, pbcMask, batch, maxNeighbors, flags);
    },
    /** Fused tensor-product convolution (eg_tp_convolution): TpConvolutionHostPrimitives of @equigraph/geometry, matched structurally. */
    tpConvolution(d: NativeTpDescriptor, operands: readonly (FloatArray | null)[], src: Int32Array, dst: Int32Array, numNodes: number, outSlot: number, out: FloatArray) {
      addon.tpConvolution(d.segments, d.paths, d.coeffIndex, d.coeffValue, d.operandSizes, operands, src, dst, numNodes, outSlot, out);
    },
  };
}

/** Worker threads the native kernels may use (default: all cores). 0 restores the default. */
export function setNumThreads(n: number): void {
  loadAddon().setNumThreads(n);
}

export function getNumThreads(): number {
  return loadAddon().getNumThreads();
}
