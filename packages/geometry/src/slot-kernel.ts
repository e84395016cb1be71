/**
 * Plumbing shared by the multilinear kernels on a descriptor's four slots (0 weights, 1 x1, 2 x2,
 * 3 out): 'TensorProduct' and 'TpConvolution'. Internal to this package.
 */
import { HostBackend, registerGradient, runKernel, type Backend, type FloatArray, type KernelAttrs, type Tensor, type TensorInfo } from '@equigraph/core';
import type { TensorProductDescriptor } from './tensor-product.js';

/** The attributes every slot kernel carries. */
export interface SlotKernelAttrs extends KernelAttrs {
  descriptor: TensorProductDescriptor;
  /** Slot the kernel computes. */
  outSlot: number;
  /** Use only the weighted paths: set once the weights have been an output (see TensorProductDescriptor.weightedPaths). */
  weightedOnly: boolean;
}

/** Slots present in the descriptor, in order: weights (if any), x1, x2 (if any), out. */
export function presentSlots(d: TensorProductDescriptor): number[] {
  const slots: number[] = [];
  if (d.numWeights > 0) slots.push(0);
  slots.push(1);
  if (d.irreps2) slots.push(2);
  slots.push(3);
  return slots;
}

/**
 * The kernel inputs as host arrays by slot (read back when `backend` is not a host backend), null
 * for the output slot and absent slots.
 */
export function slotOperands(inputs: readonly TensorInfo[], a: SlotKernelAttrs, backend: Backend): (FloatArray | null)[] {
  const host = backend instanceof HostBackend;
  const operands: (FloatArray | null)[] = [null, null, null, null];
  presentSlots(a.descriptor)
    .filter((s) => s !== a.outSlot)
    .forEach((s, i) => {
      const t = inputs[i]!;
      operands[s] = (host ? t.storage : backend.read(t.storage, t.dtype, t.shape.reduce((p, q) => p * q, 1))) as FloatArray;
    });
  return operands;
}

/** The host primitives of `backend` (cast to the structural interface `P`), or undefined for a non-host backend. */
export function hostPrimitives<P>(backend: Backend): P | undefined {
  return backend instanceof HostBackend ? (backend.primitives as unknown as P) : undefined;
}

/** `out` as the storage of `backend`: itself on a host backend, written to the device otherwise. */
export function toStorage(backend: Backend, out: FloatArray): unknown {
  return backend instanceof HostBackend ? out : backend.write(out);
}

/**
 * Registers the gradient of slot kernel `kernel`: d/d(slot s) ⟨dy, F(…)⟩ = F with slot s as output
 * and dy in the output slot, i.e. the same kernel (so derivatives of every order need nothing more).
 */
export function registerSlotGradient(kernel: string): void {
  registerGradient(kernel, (dy, inputs, _y, attrs) => {
    const a = attrs as SlotKernelAttrs;
    const inSlots = presentSlots(a.descriptor).filter((s) => s !== a.outSlot);
    const bySlot = new Map<number, Tensor>(inSlots.map((s, i) => [s, inputs[i]!]));
    bySlot.set(a.outSlot, dy);
    return inputs.map((t, i) => {
      if (!t.requiresGrad) return null;
      const target = inSlots[i]!;
      const others = presentSlots(a.descriptor)
        .filter((s) => s !== target)
        .map((s) => bySlot.get(s)!);
      return runKernel(kernel, others, { ...a, outSlot: target, weightedOnly: a.weightedOnly || target === 0 });
    });
  });
}
