import type { FloatArray, TypedArray } from '@equigraph/core';
import type { EquigraphWasmModule } from './module.js';

/** eg_status names (native/include/equigraph.h). */
export const STATUS_NAMES = ['EG_OK', 'EG_ERR_ARGUMENT', 'EG_ERR_INDEX', 'EG_ERR_UNSUPPORTED'];
export const TWO_32 = 4294967296;

// Not `(b + 7) & ~7`: bitwise ops truncate to 32 bits and a call may need more than 2 GiB.
export const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/** Runs one eg_* call: throws with eg_last_error() on a non-OK status, or with context if the kernel trapped. */
export function callKernel(mod: EquigraphWasmModule, name: string, run: () => number): void {
  let status: number;
  try {
    status = run();
  } catch (err) {
    // A trap (e.g. abort on allocation failure inside a kernel); exceptions are off in this build.
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`wasm backend: ${name} trapped: ${reason}`, { cause: err });
  }
  if (status !== 0) {
    const reason = mod.UTF8ToString(mod._eg_last_error());
    throw new Error(`wasm backend: ${name} failed (${STATUS_NAMES[status] ?? `status ${status}`}): ${reason || 'no reason given'}`);
  }
}

/** The tables of a flat tensor-product descriptor (eg_segmented_tensor_product, eg_tp_convolution). */
export interface TpTables {
  readonly segments: Int32Array;
  readonly paths: Int32Array;
  readonly coeffIndex: Int32Array;
  readonly coeffValue: Float64Array;
  readonly operandSizes: readonly number[];
}

/** Heap addresses of a tensor-product call staged by WasmHeap.beginTp. */
export interface StagedTp {
  segments: number;
  paths: number;
  coeffIndex: number;
  coeffValue: number;
  /** int64[4]: the descriptor's operand sizes */
  operandSizes: number;
  /** the four operand pointers, 0 for the output slot and absent slots */
  operands: number;
  /** the output slot's rows */
  out: number;
  /** Copies the output slot back into `out`; call after the kernel. */
  finish(): void;
}

/**
 * The wasm heap as the kernels' callers see it: one bump arena, malloc'ed
 * once per module and grown only when a call needs more, holding the
 * operands of one call (inputs copied in, the output copied back).
 * Pointers are unsigned (the heap may exceed 2 GiB).
 */
export class WasmHeap {
  private static readonly heaps = new WeakMap<EquigraphWasmModule, WasmHeap>();

  /** The one arena per module, shared by its primitives. */
  static of(mod: EquigraphWasmModule): WasmHeap {
    let heap = WasmHeap.heaps.get(mod);
    if (!heap) WasmHeap.heaps.set(mod, (heap = new WasmHeap(mod)));
    return heap;
  }

  private base = 0;
  private capacity = 0;
  private top = 0;

  private constructor(readonly mod: EquigraphWasmModule) {}

  /** Starts a call whose operands are `parts` (arrays, and byte counts of metadata) and makes room for them all. */
  begin(...parts: (TypedArray | number)[]): void {
    let bytes = 0;
    for (const p of parts) bytes += align8(typeof p === 'number' ? p : p.byteLength);
    this.top = 0;
    if (bytes <= this.capacity) return;
    const previous = this.capacity;
    if (this.base) this.mod._free(this.base);
    this.base = 0;
    this.capacity = 0;
    // Grow geometrically so a run of growing calls does not reallocate every time;
    // fall back to the exact size when the heap cannot hold the doubled block.
    let capacity = Math.max(bytes, 1 << 16, Math.min(previous * 2, 2 ** 31));
    let ptr = this.mod._malloc(capacity) >>> 0;
    if (!ptr && capacity > bytes) {
      capacity = bytes;
      ptr = this.mod._malloc(capacity) >>> 0;
    }
    if (!ptr) throw new RangeError(`wasm backend: out of memory: a call needs ${bytes} bytes of wasm heap (the limit is 4 GiB)`);
    this.base = ptr;
    this.capacity = capacity;
  }

  /**
   * Starts a tensor-product call: makes room for the descriptor's tables, for
   * the first `lengths[s]` elements of each slot (the operands, or `out` in
   * `outSlot`) and for `extra` (more arrays or metadata bytes, which the
   * caller then takes or inputs), copies the tables and the operands in.
   */
  beginTp(d: TpTables, operands: readonly (FloatArray | null)[], out: FloatArray, lengths: readonly number[], outSlot: number, ...extra: (TypedArray | number)[]): StagedTp {
    const rows = [0, 1, 2, 3].map((s) => (lengths[s] === 0 ? null : (s === outSlot ? out : operands[s]!).subarray(0, lengths[s])));
    this.begin(d.segments, d.paths, d.coeffIndex, d.coeffValue, 32, 16, ...rows.filter((v): v is FloatArray => v !== null), ...extra);
    const staged = {
      segments: this.input(d.segments),
      paths: this.input(d.paths),
      coeffIndex: this.input(d.coeffIndex),
      coeffValue: this.input(d.coeffValue),
      operandSizes: this.take(32),
      operands: this.take(16),
    };
    const data = rows.map((v, s) => (v === null ? 0 : s === outSlot ? this.place(v) : this.input(v)));
    this.putI64(staged.operandSizes, d.operandSizes);
    this.putI32(staged.operands, data.map((ptr, s) => (s === outSlot ? 0 : ptr)));
    const outRows = rows[outSlot];
    return { ...staged, out: data[outSlot]!, finish: () => outRows && this.get(data[outSlot]!, outRows) };
  }

  /** Reserves `bytes` (8-byte aligned) of the arena and returns its address. */
  take(bytes: number): number {
    const ptr = this.base + this.top;
    this.top += align8(bytes);
    return ptr;
  }

  /** An arena slice for `a` (an output the kernel writes). */
  place(a: TypedArray): number {
    return this.take(a.byteLength);
  }

  /** An arena slice holding a copy of `a`. */
  input(a: TypedArray): number {
    const ptr = this.place(a);
    this.put(ptr, a);
    return ptr;
  }

  /** Copies `values` to `ptr`. */
  put(ptr: number, values: TypedArray): void {
    if (values.length === 0) return;
    const m = this.mod;
    if (values instanceof Float32Array) m.HEAPF32.set(values, ptr >>> 2);
    else if (values instanceof Float64Array) m.HEAPF64.set(values, ptr >>> 3);
    else m.HEAP32.set(values, ptr >>> 2);
  }

  /** Copies the kernel's output at `ptr` into `out`. */
  get(ptr: number, out: TypedArray): void {
    if (out.length === 0) return;
    const m = this.mod;
    if (out instanceof Float32Array) out.set(m.HEAPF32.subarray(ptr >>> 2, (ptr >>> 2) + out.length));
    else if (out instanceof Float64Array) out.set(m.HEAPF64.subarray(ptr >>> 3, (ptr >>> 3) + out.length));
    else out.set(m.HEAP32.subarray(ptr >>> 2, (ptr >>> 2) + out.length));
  }

  /** Writes an int64_t array (values below 2^53). */
  putI64(ptr: number, values: readonly number[]): void {
    const h = this.mod.HEAP32;
    let i = ptr >>> 2;
    for (const v of values) {
      const hi = Math.floor(v / TWO_32);
      h[i++] = (v - hi * TWO_32) | 0;
      h[i++] = hi | 0;
    }
  }

  putI32(ptr: number, values: readonly number[]): void {
    const h = this.mod.HEAP32;
    let i = ptr >>> 2;
    for (const v of values) h[i++] = v | 0;
  }
}
