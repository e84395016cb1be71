import { BINARY_CODES, REDUCE_CODES, UNARY_CODES } from '@equigraph/core';
import type { BinaryOp, FloatArray, HostPrimitives, ReduceOp, ScatterOp, TypedArray, UnaryOp } from '@equigraph/core';
import { getWasmModule, type EquigraphWasmModule } from './module.js';

/** eg_dtype codes of native/include/equigraph.h. */
const EG_F32 = 0;
const EG_F64 = 1;
const EG_I32 = 2;
const EG_OK = 0;
const STATUS_NAMES = ['EG_OK', 'EG_ERR_ARGUMENT', 'EG_ERR_INDEX', 'EG_ERR_UNSUPPORTED'];

function dtypeCode(values: TypedArray): number {
  if (values instanceof Float32Array) return EG_F32;
  if (values instanceof Float64Array) return EG_F64;
  if (values instanceof Int32Array) return EG_I32;
  throw new TypeError('wasm backend: expected a Float32Array, Float64Array or Int32Array');
}

// Not `(b + 7) & ~7`: bitwise ops truncate to 32 bits and a call may need more than 2 GiB.
const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;
const TWO_32 = 4294967296;

/**
 * A bump arena in the wasm heap: one malloc'ed block, reused by every call and
 * reset after it; it is replaced by a larger block only when a call needs
 * more. Pointers are unsigned (the heap may exceed 2 GiB).
 */
class Arena {
  private base = 0;
  private capacity = 0;
  private top = 0;

  constructor(private readonly mod: EquigraphWasmModule) {}

  /** Makes room for `bytes` (the sum of 8-byte aligned slices) and starts a fresh call. */
  begin(bytes: number): void {
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

  /** Reserves `bytes` (8-byte aligned) and returns its address. */
  take(bytes: number): number {
    const ptr = this.base + this.top;
    this.top += align8(bytes);
    return ptr;
  }
}

/** Byte size of the arena slices a call needs, each 8-byte aligned. */
function bytesOf(...sizes: number[]): number {
  let total = 0;
  for (const s of sizes) total += align8(s);
  return total;
}

/**
 * HostPrimitives over the wasm build of the C++ kernels: inputs are copied
 * into the wasm heap, the eg_* function runs, the result is copied out.
 */
export class WasmPrimitives implements HostPrimitives {
  private readonly arena: Arena;

  constructor(private readonly mod: EquigraphWasmModule = getWasmModule()) {
    this.arena = new Arena(mod);
  }

  // --- heap helpers (views are re-read each time: memory growth replaces them) ---

  private put(ptr: number, values: TypedArray): void {
    if (values.length === 0) return;
    const m = this.mod;
    if (values instanceof Float32Array) m.HEAPF32.set(values, ptr >>> 2);
    else if (values instanceof Float64Array) m.HEAPF64.set(values, ptr >>> 3);
    else m.HEAP32.set(values, ptr >>> 2);
  }

  private get(ptr: number, out: TypedArray): void {
    if (out.length === 0) return;
    const m = this.mod;
    if (out instanceof Float32Array) out.set(m.HEAPF32.subarray(ptr >>> 2, (ptr >>> 2) + out.length));
    else if (out instanceof Float64Array) out.set(m.HEAPF64.subarray(ptr >>> 3, (ptr >>> 3) + out.length));
    else out.set(m.HEAP32.subarray(ptr >>> 2, (ptr >>> 2) + out.length));
  }

  /** Writes an int64_t array (values below 2^53). */
  private putI64(ptr: number, values: readonly number[]): void {
    const h = this.mod.HEAP32;
    let i = ptr >>> 2;
    for (const v of values) {
      const hi = Math.floor(v / TWO_32);
      h[i++] = (v - hi * TWO_32) | 0;
      h[i++] = hi | 0;
    }
  }

  private putI32(ptr: number, values: readonly number[]): void {
    const h = this.mod.HEAP32;
    let i = ptr >>> 2;
    for (const v of values) h[i++] = v | 0;
  }

  /** Runs one eg_* call: throws with eg_last_error() on a non-OK status, or with context if the kernel trapped. */
  private call(name: string, run: () => number): void {
    let status: number;
    try {
      status = run();
    } catch (err) {
      // A trap (e.g. abort on allocation failure inside a kernel); exceptions are off in this build.
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`wasm backend: ${name} trapped: ${reason}`, { cause: err });
    }
    if (status !== EG_OK) {
      const reason = this.mod.UTF8ToString(this.mod._eg_last_error());
      throw new Error(`wasm backend: ${name} failed (${STATUS_NAMES[status] ?? `status ${status}`}): ${reason || 'no reason given'}`);
    }
  }

  // --- HostPrimitives ---

  unary(op: UnaryOp, x: FloatArray, out: FloatArray): void {
    const code = UNARY_CODES[op];
    const dt = dtypeCode(x);
    this.arena.begin(bytesOf(x.byteLength, out.byteLength));
    const px = this.arena.take(x.byteLength);
    const po = this.arena.take(out.byteLength);
    this.put(px, x);
    this.call('eg_unary', () => this.mod._eg_unary(code, dt, px, po, BigInt(x.length)));
    this.get(po, out);
  }

  binary(op: BinaryOp, a: FloatArray, aStrides: readonly number[], b: FloatArray, bStrides: readonly number[], out: FloatArray, outShape: readonly number[]): void {
    const code = BINARY_CODES[op];
    const dt = dtypeCode(out);
    const nd = outShape.length;
    const meta = nd * 8;
    this.arena.begin(bytesOf(a.byteLength, b.byteLength, out.byteLength, meta, meta, meta));
    const pa = this.arena.take(a.byteLength);
    const pb = this.arena.take(b.byteLength);
    const po = this.arena.take(out.byteLength);
    const pas = this.arena.take(meta);
    const pbs = this.arena.take(meta);
    const psh = this.arena.take(meta);
    this.put(pa, a);
    this.put(pb, b);
    this.putI64(pas, aStrides);
    this.putI64(pbs, bStrides);
    this.putI64(psh, outShape);
    this.call('eg_binary', () => this.mod._eg_binary(code, dt, pa, pas, pb, pbs, po, psh, nd));
    this.get(po, out);
  }

  reduce(op: ReduceOp, x: FloatArray, out: FloatArray, outer: number, size: number, inner: number): void {
    const code = REDUCE_CODES[op];
    const dt = dtypeCode(x);
    this.arena.begin(bytesOf(x.byteLength, out.byteLength));
    const px = this.arena.take(x.byteLength);
    const po = this.arena.take(out.byteLength);
    this.put(px, x);
    this.call('eg_reduce', () => this.mod._eg_reduce(code, dt, px, po, BigInt(outer), BigInt(size), BigInt(inner)));
    this.get(po, out);
  }

  transpose(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
    const dt = dtypeCode(x);
    const nd = shape.length;
    this.arena.begin(bytesOf(x.byteLength, out.byteLength, nd * 8, nd * 4));
    const px = this.arena.take(x.byteLength);
    const po = this.arena.take(out.byteLength);
    const psh = this.arena.take(nd * 8);
    const pperm = this.arena.take(nd * 4);
    this.put(px, x);
    this.putI64(psh, shape);
    this.putI32(pperm, perm);
    this.call('eg_transpose', () => this.mod._eg_transpose(dt, px, psh, pperm, nd, po));
    this.get(po, out);
  }

  matmul(a: FloatArray, b: FloatArray, out: FloatArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, batchStrideA: number, batchStrideB: number): void {
    const dt = dtypeCode(out);
    this.arena.begin(bytesOf(a.byteLength, b.byteLength, out.byteLength));
    const pa = this.arena.take(a.byteLength);
    const pb = this.arena.take(b.byteLength);
    const po = this.arena.take(out.byteLength);
    this.put(pa, a);
    this.put(pb, b);
    this.call('eg_matmul', () =>
      this.mod._eg_matmul(dt, pa, pb, po, BigInt(batch), BigInt(m), BigInt(k), BigInt(n), transA ? 1 : 0, transB ? 1 : 0, BigInt(batchStrideA), BigInt(batchStrideB)),
    );
    this.get(po, out);
  }

  gather(x: TypedArray, index: Int32Array, out: TypedArray, rowSize: number): void {
    const dt = dtypeCode(x);
    // Rows of zero elements carry no row count; then only negative indices are rejected.
    const srcRows = rowSize > 0 ? Math.floor(x.length / rowSize) : 2147483647;
    this.arena.begin(bytesOf(x.byteLength, index.byteLength, out.byteLength));
    const px = this.arena.take(x.byteLength);
    const pi = this.arena.take(index.byteLength);
    const po = this.arena.take(out.byteLength);
    this.put(px, x);
    this.put(pi, index);
    this.call('eg_gather', () => this.mod._eg_gather(dt, px, BigInt(srcRows), pi, BigInt(index.length), po, BigInt(rowSize)));
    this.get(po, out);
  }

  scatter(op: ScatterOp, src: FloatArray, index: Int32Array, out: FloatArray, numSegments: number, rowSize: number): void {
    const code = REDUCE_CODES[op]; // eg_scatter takes an eg_reduce_op
    const dt = dtypeCode(src);
    this.arena.begin(bytesOf(src.byteLength, index.byteLength, out.byteLength));
    const ps = this.arena.take(src.byteLength);
    const pi = this.arena.take(index.byteLength);
    const po = this.arena.take(out.byteLength);
    this.put(ps, src);
    this.put(pi, index);
    this.call('eg_scatter', () => this.mod._eg_scatter(code, dt, ps, pi, BigInt(index.length), po, BigInt(numSegments), BigInt(rowSize)));
    this.get(po, out);
  }

  copyBox(src: TypedArray, srcShape: readonly number[], srcOffset: readonly number[], dst: TypedArray, dstShape: readonly number[], dstOffset: readonly number[], boxShape: readonly number[]): void {
    const dt = dtypeCode(src);
    const nd = boxShape.length;
    const meta = nd * 8;
    this.arena.begin(bytesOf(src.byteLength, dst.byteLength, meta, meta, meta, meta, meta));
    const ps = this.arena.take(src.byteLength);
    const pd = this.arena.take(dst.byteLength);
    const pss = this.arena.take(meta);
    const pso = this.arena.take(meta);
    const pds = this.arena.take(meta);
    const pdo = this.arena.take(meta);
    const pbs = this.arena.take(meta);
    this.put(ps, src);
    // dst is read-modify-write: only the box is overwritten (pad, concat).
    this.put(pd, dst);
    this.putI64(pss, srcShape);
    this.putI64(pso, srcOffset);
    this.putI64(pds, dstShape);
    this.putI64(pdo, dstOffset);
    this.putI64(pbs, boxShape);
    this.call('eg_copy_box', () => this.mod._eg_copy_box(dt, ps, pss, pso, pd, pds, pdo, pbs, nd));
    this.get(pd, dst);
  }

  cast(src: TypedArray, dst: TypedArray): void {
    const sdt = dtypeCode(src);
    const ddt = dtypeCode(dst);
    this.arena.begin(bytesOf(src.byteLength, dst.byteLength));
    const ps = this.arena.take(src.byteLength);
    const pd = this.arena.take(dst.byteLength);
    this.put(ps, src);
    this.call('eg_cast', () => this.mod._eg_cast(sdt, ps, ddt, pd, BigInt(src.length)));
    this.get(pd, dst);
  }
}

/** Factory for registerHostBackend: throws (with the reason) when the wasm module cannot be loaded. */
export function createWasmPrimitives(): HostPrimitives {
  return new WasmPrimitives(getWasmModule());
}
