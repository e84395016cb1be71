/**
 * Shape logic of the foundation kernels (Binary, Reduce, Transpose, MatMul,
 * Gather, Scatter, Slice, Pad, Concat), computed once for every backend:
 * host backends (host-backend.ts) and device backends (cuda in
 * @equigraph/native) turn kernel inputs and attrs into the same flat
 * primitive arguments. Inputs are already validated by the ops.
 */
import { broadcastShapes, broadcastStrides, sizeOf } from './shape.js';

/** Broadcast output shape and per-operand strides (0 on broadcast axes). */
export interface BinaryPlan {
  outShape: number[];
  aStrides: number[];
  bStrides: number[];
}

export function binaryPlan(aShape: readonly number[], bShape: readonly number[]): BinaryPlan {
  const outShape = broadcastShapes(aShape, bShape);
  if (!outShape) throw new RangeError(`binaryPlan: shapes [${aShape.join(', ')}] and [${bShape.join(', ')}] do not broadcast`);
  return { outShape, aStrides: broadcastStrides(aShape, outShape), bStrides: broadcastStrides(bShape, outShape) };
}

/** Reducing contiguous axes [start, end) of `shape`: x viewed as [outer, size, inner]. */
export interface ReducePlan {
  outShape: number[];
  outer: number;
  size: number;
  inner: number;
}

export function reducePlan(shape: readonly number[], start: number, end: number): ReducePlan {
  return {
    outShape: [...shape.slice(0, start), ...shape.slice(end)],
    outer: sizeOf(shape.slice(0, start)),
    size: sizeOf(shape.slice(start, end)),
    inner: sizeOf(shape.slice(end)),
  };
}

/** out.shape[i] = shape[perm[i]]. */
export function transposeShape(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => shape[p]);
}

/** a [batch?, m, k] · b [batch?, k, n] (either transposed); a rank-2 side is shared by every batch entry (stride 0). */
export interface MatMulPlan {
  outShape: number[];
  batch: number;
  m: number;
  k: number;
  n: number;
  batchStrideA: number;
  batchStrideB: number;
}

export function matmulPlan(aShape: readonly number[], bShape: readonly number[], transA: boolean, transB: boolean): MatMulPlan {
  const [ar, br] = [aShape.length, bShape.length];
  const m = transA ? aShape[ar - 1] : aShape[ar - 2];
  const k = transA ? aShape[ar - 2] : aShape[ar - 1];
  const n = transB ? bShape[br - 2] : bShape[br - 1];
  const batchShape = ar >= br ? aShape.slice(0, -2) : bShape.slice(0, -2);
  return {
    outShape: [...batchShape, m, n],
    batch: sizeOf(batchShape),
    m,
    k,
    n,
    batchStrideA: ar > 2 ? m * k : 0,
    batchStrideB: br > 2 ? k * n : 0,
  };
}

/** Row-wise kernels (Gather, Scatter): rows along axis 0 of `rowSize` elements each. */
export interface RowsPlan {
  outShape: number[];
  rowSize: number;
}

/** out[i, ...] = x[index[i], ...]. */
export function gatherPlan(xShape: readonly number[], numIndices: number): RowsPlan {
  const rowShape = xShape.slice(1);
  return { outShape: [numIndices, ...rowShape], rowSize: sizeOf(rowShape) };
}

/** out[s, ...] = op over src[i, ...] with index[i] = s. */
export function scatterPlan(srcShape: readonly number[], numSegments: number): RowsPlan {
  const rowShape = srcShape.slice(1);
  return { outShape: [numSegments, ...rowShape], rowSize: sizeOf(rowShape) };
}

/** One copyBox call: the box of `boxShape` at srcOffset in src goes to dstOffset in dst. */
export interface BoxCopy {
  srcShape: readonly number[];
  srcOffset: number[];
  dstShape: readonly number[];
  dstOffset: number[];
  boxShape: readonly number[];
}

/** An output shape and the box copies (from input i to the output) that fill it; cells no copy covers stay zero. */
export interface CopyPlan {
  outShape: number[];
  copies: BoxCopy[];
}

export function slicePlan(xShape: readonly number[], begin: readonly number[], size: readonly number[]): CopyPlan {
  const outShape = [...size];
  return { outShape, copies: [{ srcShape: xShape, srcOffset: [...begin], dstShape: outShape, dstOffset: size.map(() => 0), boxShape: outShape }] };
}

/** Needs a zero-filled output: the padding is not written. */
export function padPlan(xShape: readonly number[], before: readonly number[], after: readonly number[]): CopyPlan {
  const outShape = xShape.map((d, i) => before[i] + d + after[i]);
  return { outShape, copies: [{ srcShape: xShape, srcOffset: xShape.map(() => 0), dstShape: outShape, dstOffset: [...before], boxShape: xShape }] };
}

export function concatPlan(shapes: readonly (readonly number[])[], axis: number): CopyPlan {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((acc, s) => acc + s[axis], 0);
  let offset = 0;
  const copies = shapes.map((s) => {
    const dstOffset = outShape.map((_, i) => (i === axis ? offset : 0));
    offset += s[axis];
    return { srcShape: s, srcOffset: s.map(() => 0), dstShape: outShape, dstOffset, boxShape: s };
  });
  return { outShape, copies };
}
