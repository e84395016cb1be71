import { BINARY_CODES, REDUCE_CODES, UNARY_CODES } from '@equigraph/core';
import type { BinaryOp, DType, FloatArray, HostPrimitives, ReduceOp, ScatterOp, TypedArray, UnaryGradOp, UnaryOp } from '@equigraph/core';
import { WasmHeap, callKernel } from './heap.js';
import { getWasmModule, type EquigraphWasmModule } from './module.js';
import { wasmRadiusGraph, type WasmRadiusGraphResult } from './neighbors.js';
import { createWasmTpPrimitives, type WasmTpPrimitives } from './tensor-product.js';

/** eg_dtype codes of native/include/equigraph.h. */
const EG_F32 = 0;
const EG_F64 = 1;
const EG_I32 = 2;

function dtypeCode(values: TypedArray): number {
  if (values instanceof Float32Array) return EG_F32;
  if (values instanceof Float64Array) return EG_F64;
  if (values instanceof Int32Array) return EG_I32;
  throw new TypeError('wasm backend: expected a Float32Array, Float64Array or Int32Array');
}

/** Node's Buffer.allocUnsafeSlow: unzeroed memory in its own ArrayBuffer (offset 0, never a pool slice); absent in browsers. */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): { buffer: ArrayBuffer } } }).Buffer;

/** 'integral' | 'component' | 'norm' → eg_sh_normalization (native/include/equigraph.h). */
const SH_NORMALIZATION_CODES: Record<string, number> = { integral: 0, component: 1, norm: 2 };
/** EG_SH_MAX_L. */
const SH_MAX_L = 64;

/**
 * HostPrimitives over the wasm build of the C++ kernels: inputs are copied
 * into the wasm heap (WasmHeap), the eg_* function runs, the result is
 * copied out.
 */
export class WasmPrimitives implements HostPrimitives {
  private readonly heap: WasmHeap;

  constructor(private readonly mod: EquigraphWasmModule = getWasmModule()) {
    this.heap = WasmHeap.of(mod);
  }

  private call(name: string, run: () => number): void {
    callKernel(this.mod, name, run);
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
    this.heap.begin(x, out);
    const px = this.heap.place(x);
    const po = this.heap.place(out);
    this.heap.put(px, x);
    this.call('eg_unary', () => this.mod._eg_unary(code, dt, px, po, BigInt(x.length)));
    this.heap.get(po, out);
  }

  unaryGrad(op: UnaryGradOp, x: FloatArray, y: FloatArray, dy: FloatArray, out: FloatArray): void {
    const code = UNARY_CODES[op];
    const dt = dtypeCode(x);
    this.heap.begin(x, y, dy, out);
    const px = this.heap.place(x);
    const py = this.heap.place(y);
    const pd = this.heap.place(dy);
    const po = this.heap.place(out);
    this.heap.put(px, x);
    this.heap.put(py, y);
    this.heap.put(pd, dy);
    this.call('eg_unary_grad', () => this.mod._eg_unary_grad(code, dt, px, py, pd, po, BigInt(x.length)));
    this.heap.get(po, out);
  }

  binary(op: BinaryOp, a: FloatArray, aStrides: readonly number[], b: FloatArray, bStrides: readonly number[], out: FloatArray, outShape: readonly number[]): void {
    const code = BINARY_CODES[op];
    const dt = dtypeCode(out);
    const nd = outShape.length;
    const meta = nd * 8;
    this.heap.begin(a, b, out, meta, meta, meta);
    const pa = this.heap.place(a);
    const pb = this.heap.place(b);
    const po = this.heap.place(out);
    const pas = this.heap.take(meta);
    const pbs = this.heap.take(meta);
    const psh = this.heap.take(meta);
    this.heap.put(pa, a);
    this.heap.put(pb, b);
    this.heap.putI64(pas, aStrides);
    this.heap.putI64(pbs, bStrides);
    this.heap.putI64(psh, outShape);
    this.call('eg_binary', () => this.mod._eg_binary(code, dt, pa, pas, pb, pbs, po, psh, nd));
    this.heap.get(po, out);
  }

  reduce(op: ReduceOp, x: FloatArray, out: FloatArray, outer: number, size: number, inner: number): void {
    const code = REDUCE_CODES[op];
    const dt = dtypeCode(x);
    this.heap.begin(x, out);
    const px = this.heap.place(x);
    const po = this.heap.place(out);
    this.heap.put(px, x);
    this.call('eg_reduce', () => this.mod._eg_reduce(code, dt, px, po, BigInt(outer), BigInt(size), BigInt(inner)));
    this.heap.get(po, out);
  }

  transpose(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
    const dt = dtypeCode(x);
    const nd = shape.length;
    this.heap.begin(x, out, nd * 8, nd * 4);
    const px = this.heap.place(x);
    const po = this.heap.place(out);
    const psh = this.heap.take(nd * 8);
    const pperm = this.heap.take(nd * 4);
    this.heap.put(px, x);
    this.heap.putI64(psh, shape);
    this.heap.putI32(pperm, perm);
    this.call('eg_transpose', () => this.mod._eg_transpose(dt, px, psh, pperm, nd, po));
    this.heap.get(po, out);
  }

  matmul(a: FloatArray, b: FloatArray, out: FloatArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, batchStrideA: number, batchStrideB: number): void {
    const dt = dtypeCode(out);
    this.heap.begin(a, b, out);
    const pa = this.heap.place(a);
    const pb = this.heap.place(b);
    const po = this.heap.place(out);
    this.heap.put(pa, a);
    this.heap.put(pb, b);
    this.call('eg_matmul', () =>
      this.mod._eg_matmul(dt, pa, pb, po, BigInt(batch), BigInt(m), BigInt(k), BigInt(n), transA ? 1 : 0, transB ? 1 : 0, BigInt(batchStrideA), BigInt(batchStrideB)),
    );
    this.heap.get(po, out);
  }

  gather(x: TypedArray, index: Int32Array, out: TypedArray, rowSize: number): void {
    const dt = dtypeCode(x);
    // Rows of zero elements carry no row count; then only negative indices are rejected.
    const srcRows = rowSize > 0 ? Math.floor(x.length / rowSize) : 2147483647;
    this.heap.begin(x, index, out);
    const px = this.heap.place(x);
    const pi = this.heap.place(index);
    const po = this.heap.place(out);
    this.heap.put(px, x);
    this.heap.put(pi, index);
    this.call('eg_gather', () => this.mod._eg_gather(dt, px, BigInt(srcRows), pi, BigInt(index.length), po, BigInt(rowSize)));
    this.heap.get(po, out);
  }

  scatter(op: ScatterOp, src: FloatArray, index: Int32Array, out: FloatArray, numSegments: number, rowSize: number): void {
    const code = REDUCE_CODES[op]; // eg_scatter takes an eg_reduce_op
    const dt = dtypeCode(src);
    this.heap.begin(src, index, out);
    const ps = this.heap.place(src);
    const pi = this.heap.place(index);
    const po = this.heap.place(out);
    this.heap.put(ps, src);
    this.heap.put(pi, index);
    this.call('eg_scatter', () => this.mod._eg_scatter(code, dt, ps, pi, BigInt(index.length), po, BigInt(numSegments), BigInt(rowSize)));
    this.heap.get(po, out);
  }

  copyBox(src: TypedArray, srcShape: readonly number[], srcOffset: readonly number[], dst: TypedArray, dstShape: readonly number[], dstOffset: readonly number[], boxShape: readonly number[]): void {
    const dt = dtypeCode(src);
    const nd = boxShape.length;
    const meta = nd * 8;
    this.heap.begin(src, dst, meta, meta, meta, meta, meta);
    const ps = this.heap.place(src);
    const pd = this.heap.place(dst);
    const pss = this.heap.take(meta);
    const pso = this.heap.take(meta);
    const pds = this.heap.take(meta);
    const pdo = this.heap.take(meta);
    const pbs = this.heap.take(meta);
    this.heap.put(ps, src);
    // dst is read-modify-write: only the box is overwritten (pad, concat).
    this.heap.put(pd, dst);
    this.heap.putI64(pss, srcShape);
    this.heap.putI64(pso, srcOffset);
    this.heap.putI64(pds, dstShape);
    this.heap.putI64(pdo, dstOffset);
    this.heap.putI64(pbs, boxShape);
    this.call('eg_copy_box', () => this.mod._eg_copy_box(dt, ps, pss, pso, pd, pds, pdo, pbs, nd));
    this.heap.get(pd, dst);
  }

  cast(src: TypedArray, dst: TypedArray): void {
    const sdt = dtypeCode(src);
    const ddt = dtypeCode(dst);
    this.heap.begin(src, dst);
    const ps = this.heap.place(src);
    const pd = this.heap.place(dst);
    this.heap.put(ps, src);
    this.call('eg_cast', () => this.mod._eg_cast(sdt, ps, ddt, pd, BigInt(src.length)));
    this.heap.get(pd, dst);
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
    this.heap.begin(ls.length * 4, ...arrays);
    const pls = this.heap.take(ls.length * 4);
    this.heap.putI32(pls, ls);
    const ptrs = arrays.map((a) => this.heap.place(a));
    inputs.forEach((a, i) => this.heap.put(ptrs[i]!, a));
    this.call(name, () => run(dt, pls, ls.length, normalize ? 1 : 0, code, BigInt(x.length / 3), ptrs));
    outputs.forEach((a, i) => this.heap.get(ptrs[inputs.length + i]!, a));
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
    const t = this.heap.beginTp(d, operands, out, lengths, outSlot, src, dst);
    const pSrc = this.heap.input(src);
    const pDst = this.heap.input(dst);
    this.call(name, () =>
      this.mod._eg_tp_convolution(dt, t.segments, d.segments.length / 4, t.paths, d.paths.length / 8, t.coeffIndex, t.coeffValue, d.coeffValue.length, t.operandSizes, t.operands, pSrc, pDst, BigInt(E), BigInt(numNodes), outSlot, t.out),
    );
    t.finish();
  }
}

/**
 * Every primitive of one module (the backend's by default), the segmented
 * tensor product included: what registerHostBackend needs. Throws (with the
 * reason) when the wasm module cannot be loaded.
 */
export function createWasmPrimitives(mod: EquigraphWasmModule = getWasmModule()): WasmPrimitives & WasmTpPrimitives {
  return Object.assign(new WasmPrimitives(mod), createWasmTpPrimitives(mod));
}
