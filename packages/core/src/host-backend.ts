import type { Backend, BinaryOp, HostPrimitives, ReduceOp, ScatterOp, UnaryGradOp, UnaryOp } from './backend.js';
import { allocArray, type DType, type FloatArray, type TypedArray } from './dtype.js';
import { registerKernel, type KernelAttrs, type KernelFunc, type TensorInfo } from './kernel.js';
import { registerBackend } from './registry.js';
import { binaryPlan, concatPlan, gatherPlan, matmulPlan, padPlan, reducePlan, scatterPlan, slicePlan, transposeShape, type CopyPlan } from './kernel-plans.js';
import { sizeOf } from './shape.js';

/** A backend whose storage is a host typed array; kernels run through HostPrimitives. */
export class HostBackend implements Backend<TypedArray> {
  constructor(
    readonly name: string,
    readonly primitives: HostPrimitives,
  ) {}
  write(values: TypedArray): TypedArray {
    return values.slice();
  }
  read(storage: TypedArray): TypedArray {
    return storage;
  }
  dispose(): void {
    // Typed arrays are garbage-collected.
  }
}

type HostKernel = (prims: HostPrimitives, inputs: readonly TensorInfo[], attrs: KernelAttrs) => TensorInfo;

const data = (t: TensorInfo) => t.storage as TypedArray;
const floats = (t: TensorInfo) => t.storage as FloatArray;
/**
 * A fresh output tensor. Kernels overwrite every element of their output
 * (only Pad relies on zeros and passes `zeroed`), so where the primitives can
 * allocate without the zero fill they do.
 */
const output = (prims: HostPrimitives, shape: readonly number[], dtype: DType, zeroed = false): { storage: TypedArray; shape: readonly number[]; dtype: DType } => ({
  storage: !zeroed && prims.allocUninitialized ? prims.allocUninitialized(dtype, sizeOf(shape)) : allocArray(dtype, sizeOf(shape)),
  shape,
  dtype,
});

/**
 * Shape logic for every kernel, written once over the flat primitives; the
 * reference, cpu and wasm backends differ only in their primitives.
 */
const HOST_KERNELS: Record<string, HostKernel> = {
  Unary(prims, [x], attrs) {
    const out = output(prims, x.shape, x.dtype);
    prims.unary(attrs.op as UnaryOp, floats(x), out.storage as FloatArray);
    return out;
  },

  /** dy·f'(x) for an activation f, y = f(x): one pass instead of the 3–7 of the composed gradient. */
  UnaryGrad(prims, [x, y, dy], attrs) {
    const out = output(prims, x.shape, x.dtype);
    prims.unaryGrad(attrs.op as UnaryGradOp, floats(x), floats(y), floats(dy), out.storage as FloatArray);
    return out;
  },

  Binary(prims, [a, b], attrs) {
    const p = binaryPlan(a.shape, b.shape);
    const out = output(prims, p.outShape, a.dtype);
    prims.binary(attrs.op as BinaryOp, floats(a), p.aStrides, floats(b), p.bStrides, out.storage as FloatArray, p.outShape);
    return out;
  },

  /** Reduces contiguous axes [start, end) of x. */
  Reduce(prims, [x], attrs) {
    const p = reducePlan(x.shape, attrs.start as number, attrs.end as number);
    const out = output(prims, p.outShape, x.dtype);
    prims.reduce(attrs.op as ReduceOp, floats(x), out.storage as FloatArray, p.outer, p.size, p.inner);
    return out;
  },

  Transpose(prims, [x], attrs) {
    const perm = attrs.perm as number[];
    const out = output(prims, transposeShape(x.shape, perm), x.dtype);
    prims.transpose(data(x), x.shape, perm, out.storage);
    return out;
  },

  /** a [batch?, m, k] · b [batch?, k, n]; a rank-2 side is shared by every batch entry. */
  MatMul(prims, [a, b], attrs) {
    const p = matmulPlan(a.shape, b.shape, attrs.transposeA as boolean, attrs.transposeB as boolean);
    const out = output(prims, p.outShape, a.dtype);
    prims.matmul(floats(a), floats(b), out.storage as FloatArray, p.batch, p.m, p.k, p.n, attrs.transposeA as boolean, attrs.transposeB as boolean, p.batchStrideA, p.batchStrideB);
    return out;
  },

  Gather(prims, [x, index]) {
    const p = gatherPlan(x.shape, index.shape[0]);
    const out = output(prims, p.outShape, x.dtype);
    prims.gather(data(x), index.storage as Int32Array, out.storage, p.rowSize);
    return out;
  },

  Scatter(prims, [src, index], attrs) {
    const numSegments = attrs.numSegments as number;
    const p = scatterPlan(src.shape, numSegments);
    const out = output(prims, p.outShape, src.dtype);
    prims.scatter(attrs.op as ScatterOp, floats(src), index.storage as Int32Array, out.storage as FloatArray, numSegments, p.rowSize);
    return out;
  },

  Slice(prims, [x], attrs) {
    return copyBoxes(prims, [x], slicePlan(x.shape, attrs.begin as number[], attrs.size as number[]));
  },

  Pad(prims, [x], attrs) {
    return copyBoxes(prims, [x], padPlan(x.shape, attrs.before as number[], attrs.after as number[]), true);
  },

  Concat(prims, inputs, attrs) {
    return copyBoxes(prims, inputs, concatPlan(inputs.map((t) => t.shape), attrs.axis as number));
  },

  Cast(prims, [x], attrs) {
    const out = output(prims, x.shape, attrs.dtype as DType);
    prims.cast(data(x), out.storage);
    return out;
  },
};

/** Runs a copy plan: copy i reads inputs[i] into a fresh output, zero-filled when `zeroed` (cells no copy covers). */
function copyBoxes(prims: HostPrimitives, inputs: readonly TensorInfo[], plan: CopyPlan, zeroed = false): TensorInfo {
  const out = output(prims, plan.outShape, inputs[0].dtype, zeroed);
  plan.copies.forEach((c, i) => prims.copyBox(data(inputs[i]), c.srcShape, c.srcOffset, out.storage, c.dstShape, c.dstOffset, c.boxShape));
  return out;
}

export const HOST_KERNEL_NAMES = Object.keys(HOST_KERNELS);

/** Registers a host backend built from flat primitives, with every kernel of the host family. */
export function registerHostBackend(name: string, createPrimitives: () => HostPrimitives, priority: number): void {
  registerBackend(name, () => new HostBackend(name, createPrimitives()), priority);
  for (const [kernel, impl] of Object.entries(HOST_KERNELS)) {
    const func: KernelFunc = (inputs, attrs, backend) => impl((backend as HostBackend).primitives, inputs, attrs);
    registerKernel(kernel, name, func);
  }
}
