import {
  BINARY_CODES,
  REDUCE_CODES,
  UNARY_CODES,
  type BinaryOp,
  type FloatArray,
  type HostPrimitives,
  type ReduceOp,
  type ScatterOp,
  type TypedArray,
  type UnaryOp,
} from '@equigraph/core';
import { loadAddon } from './addon.js';

/** 'integral' | 'component' | 'norm' → eg_sh_normalization (native/include/equigraph.h). */
const SH_NORMALIZATION_CODES: Record<string, number> = { integral: 0, component: 1, norm: 2 };

function shNormalizationCode(normalization: string): number {
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
 * HostPrimitives on the native addon. Typed arrays go to C++ zero-copy; the
 * addon validates sizes and throws on a bad index, so nothing here can read
 * out of bounds. Throws when the addon is missing, which the registry records
 * as the reason for skipping backend 'cpu'.
 */
export function createCpuPrimitives(): HostPrimitives & NativeShPrimitives & NativeTpPrimitives {
  const addon = loadAddon();
  return {
    unary(op: UnaryOp, x: FloatArray, out: FloatArray) {
      addon.unary(UNARY_CODES[op], x, out);
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
  };
}

/** Worker threads the native kernels may use (default: all cores). 0 restores the default. */
export function setNumThreads(n: number): void {
  loadAddon().setNumThreads(n);
}

export function getNumThreads(): number {
  return loadAddon().getNumThreads();
}
