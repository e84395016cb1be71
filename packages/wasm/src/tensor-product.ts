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
      const t = heap.beginTp(d, operands, out, lengths, outSlot, 32);
      const pStrides = heap.take(32);
      heap.putI64(pStrides, batchStrides);
      callKernel(mod, 'eg_segmented_tensor_product', () =>
        mod._eg_segmented_tensor_product(dtype, t.segments, d.segments.length / 4, t.paths, d.paths.length / 8, t.coeffIndex, t.coeffValue, d.coeffValue.length, t.operandSizes, t.operands, pStrides, BigInt(batch), outSlot, t.out),
      );
      t.finish();
    },
  };
}
