import { BINARY_CODES, REDUCE_CODES, UNARY_CODES } from '@equigraph/core';
import type { BinaryOp, DType, FloatArray, HostPrimitives, ReduceOp, ScatterOp, TypedArray, UnaryGradOp, UnaryOp } from '@equigraph/core';
import { getWasmModule, type EquigraphWasmModule } from './module.js';
import { wasmRadiusGraph, type WasmRadiusGraphResult } from './neighbors.js';

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

/** Node's Buffer.allocUnsafeSlow: unzeroed memory in its own ArrayBuffer (offset 0, never a pool slice); absent in browsers. */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): { buffer: ArrayBuffer } } }).Buffer;

/** 'integral' | 'component' | 'norm' → eg_sh_normalization (native/include/equigraph.h). */
const SH_NORMALIZATION_CODES: Record<string, number> = { integral: 0, component: 1, norm: 2 };
/** EG_SH_MAX_L. */
const SH_MAX_L = 64;

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

  /**
   * Every call copies its whole output back out of the heap, so the op
   * layer's outputs need no zero fill (Node; zeroed arrays elsewhere).
   */
  allocUninitialized(dtype: DType, size: number): TypedArray {
    const Ctor = dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : Int32Array;
    if (size === 0 || !NodeBuffer) return new Ctor(size);
    return new Ctor(NodeBuffer.allocUnsafeSlow(size * Ctor.BYTES_PER_ELEMENT).buffer, 0, size);
  }

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

  unaryGrad(op: UnaryGradOp, x: FloatArray, y: FloatArray, dy: FloatArray, out: FloatArray): void {
    const code = UNARY_CODES[op];
    const dt = dtypeCode(x);
    this.arena.begin(bytesOf(x.byteLength, y.byteLength, dy.byteLength, out.byteLength));
    const px = this.arena.take(x.byteLength);
    const py = this.arena.take(y.byteLength);
    const pd = this.arena.take(dy.byteLength);
    const po = this.arena.take(out.byteLength);
    this.put(px, x);
    this.put(py, y);
    this.put(pd, dy);
    this.call('eg_unary_grad', () => this.mod._eg_unary_grad(code, dt, px, py, pd, po, BigInt(x.length)));
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

  // --- spherical harmonics: the E3HostPrimitives of @equigraph/geometry, matched
  // structurally. x is [n, 3]; values and gradOut are [n, Σ(2l+1)]. ---

  /** `layout` gives each array's shape, inputs then outputs: 'v' [n, 3], 'y' [n, Σ(2l+1)]. */
  private shCall(
    name: string,
    layout: string,
    ls: readonly number[],
    normalize: boolean,
    normalization: string,
    inputs: readonly FloatArray[],
    outputs: readonly FloatArray[],
    run: (dtype: number, pls: number, nLs: number, normalize: number, normalization: number, n: bigint, ptrs: number[]) => number,
  ): void {
    const code = SH_NORMALIZATION_CODES[normalization];
    if (code === undefined) throw new RangeError(`wasm backend: ${name}: unknown normalization "${normalization}"`);
    const x = inputs[0]!;
    if (x.length % 3 !== 0) throw new RangeError(`wasm backend: ${name}: x has ${x.length} elements, not a multiple of 3 (expected [n, 3])`);
    const dt = dtypeCode(x);
    for (const a of [...inputs, ...outputs]) {
      if (dtypeCode(a) !== dt) throw new TypeError(`wasm backend: ${name}: all arrays must have x's element type`);
    }
    // Sizes are checked here: a short array would let the kernel write past its heap slice.
    let width = 0;
    for (const l of ls) {
      if (!Number.isInteger(l) || l < 0 || l > SH_MAX_L) throw new RangeError(`wasm backend: ${name}: degree ${l} in 'ls' is outside [0, ${SH_MAX_L}]`);
      width += 2 * l + 1;
    }
    const arrays = [...inputs, ...outputs];
    const n = x.length / 3;
    arrays.forEach((a, i) => {
      const need = layout[i] === 'y' ? n * width : 3 * n;
      if (a.length < need) throw new RangeError(`wasm backend: ${name}: argument ${i} has ${a.length} elements, needs at least ${need}`);
    });
    this.arena.begin(bytesOf(ls.length * 4, ...arrays.map((a) => a.byteLength)));
    const pls = this.arena.take(ls.length * 4);
    this.putI32(pls, ls);
    const ptrs = arrays.map((a) => this.arena.take(a.byteLength));
    inputs.forEach((a, i) => this.put(ptrs[i]!, a));
    this.call(name, () => run(dt, pls, ls.length, normalize ? 1 : 0, code, BigInt(x.length / 3), ptrs));
    outputs.forEach((a, i) => this.get(ptrs[inputs.length + i]!, a));
  }

  sphericalHarmonics(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, out: FloatArray): void {
    this.shCall('eg_spherical_harmonics', 'vy', ls, normalize, normalization, [x], [out], (dt, pls, nls, nz, nm, n, [px, po]) =>
      this.mod._eg_spherical_harmonics(dt, pls, nls, nz, nm, px!, n, po!),
    );
  }

  sphericalHarmonicsBackward(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, gradOut: FloatArray, gradX: FloatArray): void {
    this.shCall('eg_spherical_harmonics_backward', 'vyv', ls, normalize, normalization, [x, gradOut], [gradX], (dt, pls, nls, nz, nm, n, [px, pg, pgx]) =>
      this.mod._eg_spherical_harmonics_backward(dt, pls, nls, nz, nm, px!, n, pg!, pgx!),
    );
  }

  sphericalHarmonicsDoubleBackward(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, gradOut: FloatArray, ggX: FloatArray, outGradX: FloatArray, outGradGradOut: FloatArray): void {
    this.shCall('eg_spherical_harmonics_double_backward', 'vyvvy', ls, normalize, normalization, [x, gradOut, ggX], [outGradX, outGradGradOut], (dt, pls, nls, nz, nm, n, [px, pg, pgg, pox, pog]) =>
      this.mod._eg_spherical_harmonics_double_backward(dt, pls, nls, nz, nm, px!, n, pg!, pgg!, pox!, pog!),
    );
  }

  sphericalHarmonicsTripleBackward(ls: readonly number[], normalize: boolean, normalization: string, x: FloatArray, gradOut: FloatArray, a: FloatArray, b: FloatArray, outGradX: FloatArray, outHess: FloatArray): void {
    this.shCall('eg_spherical_harmonics_triple_backward', 'vyvvvy', ls, normalize, normalization, [x, gradOut, a, b], [outGradX, outHess], (dt, pls, nls, nz, nm, n, [px, pg, pa, pb, pox, poh]) =>
      this.mod._eg_spherical_harmonics_triple_backward(dt, pls, nls, nz, nm, px!, n, pg!, pa!, pb!, pox!, poh!),
    );
  }

  /** Radius graph (eg_radius_graph_count / _fill): RadiusGraphHostPrimitives of @equigraph/data, matched structurally. */
  radiusGraph(positions: Float64Array, cutoff: number, cells: Float64Array | null, pbcMask: number, batch: Int32Array | null, maxNeighbors: number, flags: number): WasmRadiusGraphResult {
    return wasmRadiusGraph(this.mod, positions, cutoff, cells, pbcMask, batch, maxNeighbors, flags);
  }

  /**
   * Fused tensor-product convolution (eg_tp_convolution): TpConvolutionHostPrimitives of
   * @equigraph/geometry, matched structurally. Slots 0 and 2 hold src.length rows, 1 and 3
   * numNodes rows; sizes are checked here, indices by the kernel.
   */
  tpConvolution(
    d: { readonly segments: Int32Array; readonly paths: Int32Array; readonly coeffIndex: Int32Array; readonly coeffValue: Float64Array; readonly operandSizes: readonly number[] },
    operands: readonly (FloatArray | null)[], src: Int32Array, dst: Int32Array, numNodes: number, outSlot: number, out: FloatArray,
  ): void {
    const name = 'eg_tp_convolution';
    const dt = dtypeCode(out);
    if (dt === EG_I32) throw new TypeError(`wasm backend: ${name}: 'out' must be a Float32Array or Float64Array`);
    if (src.length !== dst.length) throw new RangeError(`wasm backend: ${name}: src has ${src.length} entries, dst ${dst.length}`);
    const E = src.length;
    const rows = (s: number) => (s === 0 || s === 2 ? E : numNodes);
    const lengths = [0, 1, 2, 3].map((s) => (d.operandSizes[s] === 0 ? 0 : rows(s) * d.operandSizes[s]!));
    for (let s = 0; s < 4; s++) {
      if (s === outSlot || lengths[s] === 0) continue;
      const a = operands[s];
      if (!a || dtypeCode(a) !== dt) throw new TypeError(`wasm backend: ${name}: operand ${s} must be a typed array of out's element type`);
      if (a.length < lengths[s]!) throw new RangeError(`wasm backend: ${name}: operand ${s} has ${a.length} elements, needs at least ${lengths[s]}`);
    }
    if (out.length < lengths[outSlot]!) throw new RangeError(`wasm backend: ${name}: out has ${out.length} elements, needs at least ${lengths[outSlot]}`);
    const bytesPer = dt === EG_F32 ? 4 : 8;
    this.arena.begin(bytesOf(d.segments.byteLength, d.paths.byteLength, d.coeffIndex.byteLength, d.coeffValue.byteLength, 32, 16, src.byteLength, dst.byteLength, ...lengths.map((n) => n * bytesPer)));
    const pSeg = this.arena.take(d.segments.byteLength);
    const pPath = this.arena.take(d.paths.byteLength);
    const pCi = this.arena.take(d.coeffIndex.byteLength);
    const pCv = this.arena.take(d.coeffValue.byteLength);
    const pSizes = this.arena.take(32);
    const pOps = this.arena.take(16);
    const pSrc = this.arena.take(src.byteLength);
    const pDst = this.arena.take(dst.byteLength);
    const pData = lengths.map((n) => this.arena.take(n * bytesPer));
    this.put(pSeg, d.segments);
    this.put(pPath, d.paths);
    this.put(pCi, d.coeffIndex);
    this.put(pCv, d.coeffValue);
    this.putI64(pSizes, d.operandSizes);
    this.putI32(pOps, [0, 1, 2, 3].map((s) => (s !== outSlot && lengths[s]! > 0 ? pData[s]! : 0)));
    this.put(pSrc, src);
    this.put(pDst, dst);
    for (let s = 0; s < 4; s++) if (s !== outSlot && lengths[s]! > 0) this.put(pData[s]!, operands[s]!.subarray(0, lengths[s]));
    this.call(name, () =>
      this.mod._eg_tp_convolution(dt, pSeg, d.segments.length / 4, pPath, d.paths.length / 8, pCi, pCv, d.coeffValue.length, pSizes, pOps, pSrc, pDst, BigInt(E), BigInt(numNodes), outSlot, pData[outSlot]!),
    );
    this.get(pData[outSlot]!, out.subarray(0, lengths[outSlot]));
  }
}

/** Factory for registerHostBackend: throws (with the reason) when the wasm module cannot be loaded. */
export function createWasmPrimitives(): HostPrimitives {
  return new WasmPrimitives(getWasmModule());
}
