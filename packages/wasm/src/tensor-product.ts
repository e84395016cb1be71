import type { FloatArray } from '@equigraph/core';
import { WasmHeap, callKernel } from './heap.js';
import type { EquigraphWasmModule } from './module.js';

/**
 * Flat tensor-product descriptor as @equigraph/geometry encodes it (matched
 * structurally; see eg_segmented_tensor_product in native/include/equigraph.h).
 */
export interface WasmTpDescriptor {
  readonly segments: Int32Array;
  readonly paths: Int32Array;
  readonly coeffIndex: Int32Array;
  readonly coeffValue: Float64Array;
  readonly operandSizes: readonly number[];
}

/** The segmented tensor product primitive geometry's TensorProductHostPrimitives looks for. */
export interface WasmTpPrimitives {
  segmentedTensorProduct(descriptor: WasmTpDescriptor, operands: readonly (FloatArray | null)[], batchStrides: readonly number[], batch: number, outSlot: number, out: FloatArray): void;
}

/**
 * eg_segmented_tensor_product over the wasm heap: the descriptor and the
 * operands are copied into the module's arena (WasmHeap), the kernel runs,
 * the output is copied back. Sizes are checked here, so the kernel never
 * reads past an array.
 */
export function createWasmTpPrimitives(mod: EquigraphWasmModule): WasmTpPrimitives {
  const heap = WasmHeap.of(mod);
  return {
    segmentedTensorProduct(d, operands, batchStrides, batch, outSlot, out) {
      const name = 'segmentedTensorProduct';
      const isF32 = out instanceof Float32Array;
      const dtype = isF32 ? 0 : 1;
      const need = (s: number) => (d.operandSizes[s] === 0 ? 0 : batch === 0 ? (batchStrides[s] === 0 ? d.operandSizes[s] : 0) : (batch - 1) * batchStrides[s] + d.operandSizes[s]);
      const names = ['operands[0] (weights)', 'operands[1] (x1)', 'operands[2] (x2)', 'operands[3] (out)'];
      const lengths = [0, 1, 2, 3].map((s) => (s === outSlot ? need(s) : d.operandSizes[s] === 0 ? 0 : need(s)));
      for (let s = 0; s < 4; s++) {
        if (s === outSlot || d.operandSizes[s] === 0) continue;
        const a = operands[s];
        if (!a || (isF32 ? !(a instanceof Float32Array) : !(a instanceof Float64Array))) throw new TypeError(`wasm backend: ${name}: ${names[s]} must be a ${isF32 ? 'Float32Array' : 'Float64Array'} like 'out'`);
        if (a.length < lengths[s]) throw new RangeError(`wasm backend: ${name}: ${names[s]} has ${a.length} elements, needs at least ${lengths[s]}`);
      }
      if (out.length < lengths[outSlot]) throw new RangeError(`wasm backend: ${name}: out has ${out.length} elements, needs at least ${lengths[outSlot]}`);
      // Each slot's rows: the operands (copied in) and the output.
      const views = [0, 1, 2, 3].map((s) => (lengths[s] === 0 ? null : (s === outSlot ? out : operands[s]!).subarray(0, lengths[s])));
      heap.begin(d.segments, d.paths, d.coeffIndex, d.coeffValue, 32, 32, 16, ...views.filter((v): v is FloatArray => v !== null));
      const pSeg = heap.input(d.segments);
      const pPath = heap.input(d.paths);
      const pCi = heap.input(d.coeffIndex);
      const pCv = heap.input(d.coeffValue);
      const pSizes = heap.take(32);
      const pStrides = heap.take(32);
      const pOps = heap.take(16);
      const pData = views.map((v, s) => (v === null ? 0 : s === outSlot ? heap.place(v) : heap.input(v)));
      heap.putI64(pSizes, d.operandSizes);
      heap.putI64(pStrides, batchStrides);
      heap.putI32(pOps, [0, 1, 2, 3].map((s) => (s !== outSlot ? pData[s]! : 0)));
      callKernel(mod, 'eg_segmented_tensor_product', () =>
        mod._eg_segmented_tensor_product(dtype, pSeg, d.segments.length / 4, pPath, d.paths.length / 8, pCi, pCv, d.coeffValue.length, pSizes, pOps, pStrides, BigInt(batch), outSlot, pData[outSlot]!),
      );
      if (views[outSlot]) heap.get(pData[outSlot]!, views[outSlot]!);
    },
  };
}
