import type { Backend, BinaryOp, HostPrimitives, ReduceOp, ScatterOp, UnaryOp } from './backend.js';
import { allocArray, type DType, type FloatArray, type TypedArray } from './dtype.js';
import { registerKernel, type KernelAttrs, type KernelFunc, type TensorInfo } from './kernel.js';
import { registerBackend } from './registry.js';
import { broadcastShapes, broadcastStrides, sizeOf } from './shape.js';

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
const output = (shape: readonly number[], dtype: DType): { storage: TypedArray; shape: readonly number[]; dtype: DType } => ({
  storage: allocArray(dtype, sizeOf(shape)),
  shape,
  dtype,
});

/**
 * Shape logic for every kernel, written once over the flat primitives; the
 * reference, cpu and wasm backends differ only in their primitives.
 */
const HOST_KERNELS: Record<string, HostKernel> = {
  Unary(prims, [x], attrs) {
    const out = output(x.shape, x.dtype);
    prims.unary(attrs.op as UnaryOp, floats(x), out.storage as FloatArray);
    return out;
  },

  Binary(prims, [a, b], attrs) {
    const shape = broadcastShapes(a.shape, b.shape)!;
    const out = output(shape, a.dtype);
    prims.binary(attrs.op as BinaryOp, floats(a), broadcastStrides(a.shape, shape), floats(b), broadcastStrides(b.shape, shape), out.storage as FloatArray, shape);
    return out;
  },

  /** Reduces contiguous axes [start, end) of x. */
  Reduce(prims, [x], attrs) {
    const start = attrs.start as number;
    const end = attrs.end as number;
    const outer = sizeOf(x.shape.slice(0, start));
    const size = sizeOf(x.shape.slice(start, end));
    const inner = sizeOf(x.shape.slice(end));
    const out = output([...x.shape.slice(0, start), ...x.shape.slice(end)], x.dtype);
    prims.reduce(attrs.op as ReduceOp, floats(x), out.storage as FloatArray, outer, size, inner);
    return out;
  },

  Transpose(prims, [x], attrs) {
    const perm = attrs.perm as number[];
    const out = output(perm.map((p) => x.shape[p]), x.dtype);
    prims.transpose(data(x), x.shape, perm, out.storage);
    return out;
  },

  /** a [batch?, m, k] · b [batch?, k, n]; a rank-2 side is shared by every batch entry. */
  MatMul(prims, [a, b], attrs) {
    const transA = attrs.transposeA as boolean;
    const transB = attrs.transposeB as boolean;
    const [ar, br] = [a.shape.length, b.shape.length];
    const m = transA ? a.shape[ar - 1] : a.shape[ar - 2];
    const k = transA ? a.shape[ar - 2] : a.shape[ar - 1];
    const n = transB ? b.shape[br - 2] : b.shape[br - 1];
    const batchShape = ar >= br ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const batch = sizeOf(batchShape);
    const out = output([...batchShape, m, n], a.dtype);
    prims.matmul(floats(a), floats(b), out.storage as FloatArray, batch, m, k, n, transA, transB, ar > 2 ? m * k : 0, br > 2 ? k * n : 0);
    return out;
  },

  Gather(prims, [x, index]) {
    const rowShape = x.shape.slice(1);
    const out = output([index.shape[0], ...rowShape], x.dtype);
    prims.gather(data(x), index.storage as Int32Array, out.storage, sizeOf(rowShape));
    return out;
  },

  Scatter(prims, [src, index], attrs) {
    const numSegments = attrs.numSegments as number;
    const rowShape = src.shape.slice(1);
    const out = output([numSegments, ...rowShape], src.dtype);
    prims.scatter(attrs.op as ScatterOp, floats(src), index.storage as Int32Array, out.storage as FloatArray, numSegments, sizeOf(rowShape));
    return out;
  },

  Slice(prims, [x], attrs) {
    const begin = attrs.begin as number[];
    const size = attrs.size as number[];
    const out = output(size, x.dtype);
    prims.copyBox(data(x), x.shape, begin, out.storage, size, size.map(() => 0), size);
    return out;
  },

  Pad(prims, [x], attrs) {
    const before = attrs.before as number[];
    const after = attrs.after as number[];
    const out = output(x.shape.map((d, i) => before[i] + d + after[i]), x.dtype);
    prims.copyBox(data(x), x.shape, x.shape.map(() => 0), out.storage, out.shape, before, x.shape);
    return out;
  },

  Concat(prims, inputs, attrs) {
    const axis = attrs.axis as number;
    const shape = [...inputs[0].shape];
    shape[axis] = inputs.reduce((acc, t) => acc + t.shape[axis], 0);
    const out = output(shape, inputs[0].dtype);
    let offset = 0;
    for (const t of inputs) {
      const dstOffset = shape.map((_, i) => (i === axis ? offset : 0));
      prims.copyBox(data(t), t.shape, t.shape.map(() => 0), out.storage, shape, dstOffset, t.shape);
      offset += t.shape[axis];
    }
    return out;
  },

  Cast(prims, [x], attrs) {
    const out = output(x.shape, attrs.dtype as DType);
    prims.cast(data(x), out.storage);
    return out;
  },
};

export const HOST_KERNEL_NAMES = Object.keys(HOST_KERNELS);

/** Registers a host backend built from flat primitives, with every kernel of the host family. */
export function registerHostBackend(name: string, createPrimitives: () => HostPrimitives, priority: number): void {
  registerBackend(name, () => new HostBackend(name, createPrimitives()), priority);
  for (const [kernel, impl] of Object.entries(HOST_KERNELS)) {
    const func: KernelFunc = (inputs, attrs, backend) => impl((backend as HostBackend).primitives, inputs, attrs);
    registerKernel(kernel, name, func);
  }
}
