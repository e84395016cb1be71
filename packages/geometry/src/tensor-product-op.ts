/**
 * The tensor product op: one kernel ('TensorProduct', registered for every backend) that
 * interprets a TensorProductDescriptor, and one gradient, written as the same op with the output
 * slot moved (the transposed descriptor). The second derivative of a multilinear op is again the
 * op, so double (and higher) backward needs nothing more.
 *
 * Host backends run the kernel through an optional structural primitive
 * (`TensorProductHostPrimitives.segmentedTensorProduct`: the C++ kernel on 'cpu' and 'wasm'); any
 * backend without it runs the TypeScript reference below ('reference' does).
 */
import {
  Tensor,
  allocArray,
  assertFloat,
  assertSameDtype,
  formatShape,
  registerKernel,
  runKernel,
  type Backend,
  type FloatArray,
  type KernelAttrs,
  type TensorInfo,
} from '@equigraph/core';
import { hostPrimitives, registerSlotGradient, slotOperands, toStorage, type SlotKernelAttrs } from './slot-kernel.js';
import { TP_SLOT_NAMES, type FlatTpDescriptor, type TensorProductDescriptor } from './tensor-product.js';

/**
 * The extra primitive a host backend may expose (matched structurally; @equigraph/native and
 * @equigraph/wasm implement it without importing this package). `operands[s]` is slot s
 * (null for the output and absent slots), `batchStrides[s]` its element offset between samples
 * (0: one value for every sample; an output stride of 0 sums over the batch). `out` is overwritten.
 */
export interface TensorProductHostPrimitives {
  segmentedTensorProduct?(descriptor: FlatTpDescriptor, operands: readonly (FloatArray | null)[], batchStrides: readonly number[], batch: number, outSlot: number, out: FloatArray): void;
}

// ---------------------------------------------------------------- reference

/** Channel of each slot for loop indices (u, v, w) of a mode (U, V = extents of x1, x2). */
function channels(mode: number, u: number, v: number, w: number, V: number, Wm: number): [number, number, number, number] {
  switch (mode) {
    case 0: // uvw
      return [(u * V + v) * Wm + w, u, v, w];
    case 1: // uvu
      return [u * V + v, u, v, u];
    case 2: // uuu
      return [u, u, u, u];
    default: // uvuv
      return [u * V + v, u, v, u * V + v];
  }
}

/**
 * Plain-TypeScript segmented tensor product, written as the definition: for every path, every
 * channel triple of its mode and every coefficient, the product of the three non-output slots is
 * added to the output slot. Deliberately naive: it is the oracle the C++ kernel is tested against.
 */
export function segmentedTensorProductReference(d: FlatTpDescriptor, operands: readonly (FloatArray | null)[], batchStrides: readonly number[], batch: number, outSlot: number, out: FloatArray): void {
  const seg = d.segments;
  out.fill(0);
  const outStride = batchStrides[outSlot]!;
  const numPaths = d.paths.length / 8;
  for (let z = 0; z < batch; z++) {
    for (let p = 0; p < numPaths; p++) {
      const row = d.paths.subarray(8 * p, 8 * p + 8);
      const mode = row[0]!;
      const segIdx = [row[1]!, row[2]!, row[3]!, row[4]!];
      if (segIdx[outSlot]! < 0) continue;
      const off = segIdx.map((g) => (g >= 0 ? seg[4 * g + 1]! : 0));
      const mul = segIdx.map((g) => (g >= 0 ? seg[4 * g + 2]! : 1));
      const dim = segIdx.map((g) => (g >= 0 ? seg[4 * g + 3]! : 1));
      const U = mul[1]!;
      const V = mode === 2 ? 1 : mul[2]!;
      const Wm = mode === 0 ? mul[3]! : 1;
      const c0 = row[5]!;
      const nc = row[6]!;
      // Value of slot s at (channel, component), 1 for an absent slot.
      const base = [0, 1, 2, 3].map((s) => (s === outSlot ? z * outStride : z * batchStrides[s]!) + off[s]!);
      const val = (s: number, ch: number, comp: number) => (segIdx[s]! < 0 ? 1 : operands[s]![base[s]! + ch * dim[s]! + comp]!);
      for (let u = 0; u < U; u++)
        for (let v = 0; v < V; v++)
          for (let w = 0; w < Wm; w++) {
            const ch = channels(mode, u, v, w, mode === 2 ? 1 : mul[2]!, Wm);
            if (mode === 2 && segIdx[2]! < 0) ch[2] = 0;
            for (let e = c0; e < c0 + nc; e++) {
              const comp = [0, d.coeffIndex[3 * e]!, d.coeffIndex[3 * e + 1]!, d.coeffIndex[3 * e + 2]!];
              let prod = d.coeffValue[e]!;
              for (let s = 0; s < 4; s++) if (s !== outSlot) prod *= val(s, ch[s]!, comp[s]!);
              out[base[outSlot]! + ch[outSlot]! * dim[outSlot]! + comp[outSlot]!]! += prod;
            }
          }
    }
  }
}

// ---------------------------------------------------------------- kernel

interface TpAttrs extends SlotKernelAttrs {
  batchShape: readonly number[];
  sharedWeights: boolean;
}

function slotShape(a: TpAttrs, slot: number): number[] {
  const size = a.descriptor.operandSizes[slot]!;
  return slot === 0 && a.sharedWeights ? [size] : [...a.batchShape, size];
}

function batchStrides(a: TpAttrs): number[] {
  return [0, 1, 2, 3].map((s) => (s === 0 && a.sharedWeights ? 0 : a.descriptor.operandSizes[s]!));
}

const tensorProductKernel = (inputs: readonly TensorInfo[], attrs: KernelAttrs, backend: Backend): TensorInfo => {
  const a = attrs as TpAttrs;
  const d = a.descriptor;
  const dtype = inputs[0]!.dtype;
  const operands = slotOperands(inputs, a, backend);
  const shape = slotShape(a, a.outSlot);
  const out = allocArray(dtype, shape.reduce((p, q) => p * q, 1)) as FloatArray;
  const batch = a.batchShape.reduce((p, q) => p * q, 1);
  const flat = a.weightedOnly ? d.weightedPaths : d;
  const prims = hostPrimitives<TensorProductHostPrimitives>(backend);
  if (prims?.segmentedTensorProduct) prims.segmentedTensorProduct(flat, operands, batchStrides(a), batch, a.outSlot, out);
  else segmentedTensorProductReference(flat, operands, batchStrides(a), batch, a.outSlot, out);
  return { storage: toStorage(backend, out), shape, dtype };
};

registerKernel('TensorProduct', '*', tensorProductKernel);

// d/d(slot s) ⟨dy, F(…)⟩ = F with slot s as output and dy in the output slot: the same kernel.
registerSlotGradient('TensorProduct');

// ---------------------------------------------------------------- op

/**
 * Applies a tensor product descriptor: `x` [..., irreps1.dim], `y` [..., irreps2.dim] (same
 * leading shape; omit or pass null for `linearOnIrreps`), `weights` [numWeights] (shared, e3nn's
 * default) or [..., numWeights] (one set per sample, e3nn's `shared_weights=False`); required
 * exactly when `descriptor.numWeights > 0`. Returns [..., irrepsOut.dim]. Differentiable to any order.
 */
export function tensorProduct(descriptor: TensorProductDescriptor, x: Tensor, y?: Tensor | null, weights?: Tensor | null): Tensor {
  const op = 'tensorProduct';
  const d = descriptor;
  assertFloat(op, 'x', x);
  if (x.rank < 1 || x.shape[x.rank - 1] !== d.irreps1.dim) {
    throw new RangeError(`${op}: 'x' has shape ${formatShape(x.shape)}, but the descriptor's irreps1 "${d.irreps1}" needs a last axis of ${d.irreps1.dim} (${d.name})`);
  }
  const batchShape = x.shape.slice(0, -1);
  const sameBatch = (t: Tensor) => t.rank === batchShape.length + 1 && batchShape.every((n, i) => t.shape[i] === n);
  if (d.irreps2) {
    if (!y) throw new TypeError(`${op}: 'y' is required: the descriptor has a second input "${d.irreps2}" (${d.name})`);
    assertFloat(op, 'y', y);
    assertSameDtype(op, x, y, ['x', 'y']);
    if (y.shape[y.rank - 1] !== d.irreps2.dim) {
      throw new RangeError(`${op}: 'y' has shape ${formatShape(y.shape)}, but the descriptor's irreps2 "${d.irreps2}" needs a last axis of ${d.irreps2.dim} (${d.name})`);
    }
    if (!sameBatch(y)) throw new RangeError(`${op}: 'y' has shape ${formatShape(y.shape)}, its leading axes must equal those of 'x' ${formatShape(x.shape)}`);
  } else if (y) {
    throw new TypeError(`${op}: 'y' must be omitted: the descriptor ${d.name} has no second input`);
  }
  let sharedWeights = true;
  if (d.numWeights > 0) {
    if (!weights) throw new TypeError(`${op}: 'weights' is required: the descriptor has ${d.numWeights} weights (${d.name})`);
    assertFloat(op, 'weights', weights);
    assertSameDtype(op, x, weights, ['x', 'weights']);
    if (weights.shape[weights.rank - 1] !== d.numWeights) {
      throw new RangeError(`${op}: 'weights' has shape ${formatShape(weights.shape)}, but the descriptor needs ${d.numWeights} weights on the last axis (${d.name})`);
    }
    if (weights.rank === 1) sharedWeights = true;
    else if (sameBatch(weights)) sharedWeights = false;
    else throw new RangeError(`${op}: 'weights' has shape ${formatShape(weights.shape)}; expected [${d.numWeights}] (shared) or [${[...batchShape, d.numWeights].join(', ')}] (per sample)`);
  } else if (weights) {
    throw new TypeError(`${op}: 'weights' must be omitted: the descriptor ${d.name} has no weights`);
  }
  const inputs: Tensor[] = [];
  if (d.numWeights > 0) inputs.push(weights!);
  inputs.push(x);
  if (d.irreps2) inputs.push(y!);
  const attrs: TpAttrs = { descriptor: d, outSlot: 3, batchShape, sharedWeights, weightedOnly: false };
  return runKernel('TensorProduct', inputs, attrs);
}

/** `tensorProduct(descriptor, x, null, weights)` for a `linearOnIrreps` descriptor. */
export function linearIrreps(descriptor: TensorProductDescriptor, x: Tensor, weights: Tensor): Tensor {
  return tensorProduct(descriptor, x, null, weights);
}

/** Names of the slots, for messages. */
export const TENSOR_PRODUCT_SLOTS = TP_SLOT_NAMES;
