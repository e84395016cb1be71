import type { FloatArray } from '@equigraph/core';
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

const STATUS_NAMES = ['EG_OK', 'EG_ERR_ARGUMENT', 'EG_ERR_INDEX', 'EG_ERR_UNSUPPORTED'];
const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/**
 * eg_segmented_tensor_product over the wasm heap: descriptor and operands
 * are copied into one grow-only heap block, the kernel runs, the output is
 * copied back. Sizes are checked here, so the kernel never reads past an array.
 */
export function createWasmTpPrimitives(mod: EquigraphWasmModule): WasmTpPrimitives {
  let base = 0;
  let capacity = 0;
  const reserve = (bytes: number) => {
    if (bytes <= capacity) return;
    const previous = capacity;
    if (base) mod._free(base);
    base = 0;
    capacity = 0;
    const want = Math.max(bytes, 1 << 16, Math.min(previous * 2, 2 ** 31));
    const ptr = mod._malloc(want) >>> 0;
    if (!ptr) throw new RangeError(`wasm backend: out of memory: segmentedTensorProduct needs ${bytes} bytes of wasm heap`);
    base = ptr;
    capacity = want;
  };
  return {
    segmentedTensorProduct(d, operands, batchStrides, batch, outSlot, out) {
      const name = 'segmentedTensorProduct';
      const isF32 = out instanceof Float32Array;
      const dtype = isF32 ? 0 : 1;
      const bytesPer = isF32 ? 4 : 8;
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
      const sizes = [d.segments.byteLength, d.paths.byteLength, d.coeffIndex.byteLength, d.coeffValue.byteLength, 32, 32, 16, ...lengths.map((n) => n * bytesPer)];
      reserve(sizes.reduce((acc, b) => acc + align8(b), 0));
      let top = base;
      const take = (bytes: number) => {
        const p = top;
        top += align8(bytes);
        return p;
      };
      const pSeg = take(d.segments.byteLength);
      const pPath = take(d.paths.byteLength);
      const pCi = take(d.coeffIndex.byteLength);
      const pCv = take(d.coeffValue.byteLength);
      const pSizes = take(32);
      const pStrides = take(32);
      const pOps = take(16);
      const pData = lengths.map((n) => take(n * bytesPer));
      mod.HEAP32.set(d.segments, pSeg >>> 2);
      mod.HEAP32.set(d.paths, pPath >>> 2);
      mod.HEAP32.set(d.coeffIndex, pCi >>> 2);
      mod.HEAPF64.set(d.coeffValue, pCv >>> 3);
      const h32 = mod.HEAP32;
      for (let s = 0; s < 4; s++) {
        // int64 little-endian (values below 2^31 here)
        h32[(pSizes >>> 2) + 2 * s] = d.operandSizes[s] | 0;
        h32[(pSizes >>> 2) + 2 * s + 1] = 0;
        h32[(pStrides >>> 2) + 2 * s] = batchStrides[s] | 0;
        h32[(pStrides >>> 2) + 2 * s + 1] = 0;
        h32[(pOps >>> 2) + s] = lengths[s] > 0 && s !== outSlot ? pData[s] | 0 : 0;
        const a = operands[s];
        if (s !== outSlot && a && lengths[s] > 0) {
          const view = a.subarray(0, lengths[s]);
          if (isF32) mod.HEAPF32.set(view, pData[s] >>> 2);
          else mod.HEAPF64.set(view, pData[s] >>> 3);
        }
      }
      let status: number;
      try {
        status = mod._eg_segmented_tensor_product(dtype, pSeg, d.segments.length / 4, pPath, d.paths.length / 8, pCi, pCv, d.coeffValue.length, pSizes, pOps, pStrides, BigInt(batch), outSlot, pData[outSlot]);
      } catch (err) {
        throw new Error(`wasm backend: eg_segmented_tensor_product trapped: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (status !== 0) {
        const reason = mod.UTF8ToString(mod._eg_last_error());
        throw new Error(`wasm backend: eg_segmented_tensor_product failed (${STATUS_NAMES[status] ?? `status ${status}`}): ${reason || 'no reason given'}`);
      }
      const n = lengths[outSlot];
      if (isF32) out.set(mod.HEAPF32.subarray(pData[outSlot] >>> 2, (pData[outSlot] >>> 2) + n));
      else out.set(mod.HEAPF64.subarray(pData[outSlot] >>> 3, (pData[outSlot] >>> 3) + n));
    },
  };
}
