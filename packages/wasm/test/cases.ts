// Shared primitive cases: each runs a HostPrimitives call on fixed random
// inputs and returns the output arrays, so backends can be compared.
import type { BinaryOp, FloatArray, HostPrimitives, TypedArray, UnaryOp } from '@equigraph/core';

export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Deterministic xorshift32 random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function randomArray(ctor: FloatCtor, n: number, rand: () => number, lo = -2, hi = 2): FloatArray {
  const a = new ctor(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

export function randomIndex(n: number, range: number, rand: () => number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * range);
  return a;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
/** Broadcast strides of `shape` (right-aligned) against `outShape`. */
function bstrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  return outShape.map((d, i) => {
    const j = i - (outShape.length - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

export interface Case {
  name: string;
  /** Relative tolerance scale: 1 for elementwise, larger for accumulations. */
  tol: number;
  run(p: HostPrimitives): TypedArray[];
}

export const UNARY_OPS: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'square', 'reciprocal', 'sigmoid', 'tanh', 'relu', 'silu', 'softplus', 'step', 'sin', 'cos'];
export const BINARY_OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'greater'];

export function buildCases(ctor: FloatCtor): Case[] {
  const rand = rng(ctor === Float32Array ? 12345 : 67890);
  const cases: Case[] = [];

  for (const op of UNARY_OPS) {
    const positive = op === 'log' || op === 'sqrt' || op === 'reciprocal';
    const x = randomArray(ctor, 1037, rand, positive ? 0.05 : -6, 6);
    if (!positive) x[0] = 0;
    cases.push({ name: `unary ${op}`, tol: 1, run: (p) => [outOf(p, (o) => p.unary(op, x, o as FloatArray), x.length, ctor)] });
  }

  // Binary: same shape, scalar broadcast, two-sided broadcast, rank 4, a size-0 axis.
  const shapes: Array<[number[], number[], number[]]> = [
    [[57, 13], [57, 13], [57, 13]],
    [[57, 13], [1], [57, 13]],
    [[4, 1, 9], [7, 1], [4, 7, 9]],
    [[2, 3, 1, 5], [3, 4, 1], [2, 3, 4, 5]],
    [[3, 0], [1, 0], [3, 0]],
  ];
  for (const op of BINARY_OPS) {
    for (const [as, bs, os] of shapes) {
      const positive = op === 'pow';
      let a = randomArray(ctor, sizeOf(as), rand, positive ? 0.1 : -3, 3);
      let b = randomArray(ctor, sizeOf(bs), rand, positive ? -2 : -3, 3);
      if (op === 'equal' || op === 'maximum' || op === 'minimum' || op === 'greater') {
        // Quantize so that ties occur.
        a = a.map((v) => Math.round(v * 2) / 2) as FloatArray;
        b = b.map((v) => Math.round(v * 2) / 2) as FloatArray;
      }
      if (op === 'div') b = b.map((v) => (Math.abs(v) < 0.1 ? 0.5 : v)) as FloatArray;
      const sa = bstrides(as, os);
      const sb = bstrides(bs, os);
      cases.push({ name: `binary ${op} [${as}]x[${bs}]`, tol: 1, run: (p) => [outOf(p, (o) => p.binary(op, a, sa, b, sb, o as FloatArray, os), sizeOf(os), ctor)] });
    }
  }

  // Reduce over [outer, size, inner], including an empty axis (sum 0, max -Infinity).
  for (const [outer, size, inner] of [[1, 1000, 1], [7, 33, 5], [1, 17, 64], [3, 0, 4], [5, 1, 1]]) {
    const x = randomArray(ctor, outer * size * inner, rand, -5, 5);
    for (const op of ['sum', 'max'] as const) {
      cases.push({ name: `reduce ${op} [${outer},${size},${inner}]`, tol: op === 'sum' ? Math.sqrt(size) + 1 : 1, run: (p) => [outOf(p, (o) => p.reduce(op, x, o as FloatArray, outer, size, inner), outer * inner, ctor)] });
    }
  }

  // Transposes of floats and int32.
  const perms: Array<[number[], number[]]> = [
    [[13, 29], [1, 0]],
    [[4, 5, 6], [2, 0, 1]],
    [[2, 3, 4, 5], [3, 1, 0, 2]],
    [[3, 1, 4, 1, 5], [4, 3, 2, 1, 0]],
    [[7], [0]],
    [[2, 3, 4, 2, 2, 2, 2, 2], [7, 6, 5, 4, 3, 2, 1, 0]],
  ];
  for (const [shape, perm] of perms) {
    const x = randomArray(ctor, sizeOf(shape), rand);
    const xi = randomIndex(sizeOf(shape), 1000, rand);
    const outShape = perm.map((q) => shape[q]);
    cases.push({ name: `transpose [${shape}] by [${perm}]`, tol: 0, run: (p) => [outOf(p, (o) => p.transpose(x, shape, perm, o), sizeOf(outShape), ctor)] });
    cases.push({ name: `transpose int32 [${shape}] by [${perm}]`, tol: 0, run: (p) => [outOf(p, (o) => p.transpose(xi, shape, perm, o), sizeOf(outShape), Int32Array)] });
  }

  // Matmul: every transpose combination, batches with strides (incl. 0 = broadcast).
  const mm: Array<[number, number, number, number, boolean, boolean, 'full' | 'bcastA' | 'bcastB']> = [
    [1, 1, 1, 1, false, false, 'full'],
    [1, 17, 23, 19, false, false, 'full'],
    [1, 17, 23, 19, true, false, 'full'],
    [1, 17, 23, 19, false, true, 'full'],
    [1, 17, 23, 19, true, true, 'full'],
    [3, 8, 5, 7, false, false, 'full'],
    [3, 8, 5, 7, true, true, 'full'],
    [4, 6, 9, 10, false, true, 'bcastA'],
    [4, 6, 9, 10, true, false, 'bcastB'],
    [2, 64, 70, 33, false, false, 'full'],
    [1, 5, 0, 4, false, false, 'full'],
  ];
  for (const [batch, m, k, n, ta, tb, mode] of mm) {
    const a = randomArray(ctor, (mode === 'bcastA' ? 1 : batch) * m * k, rand);
    const b = randomArray(ctor, (mode === 'bcastB' ? 1 : batch) * k * n, rand);
    const sa = mode === 'bcastA' ? 0 : m * k;
    const sb = mode === 'bcastB' ? 0 : k * n;
    cases.push({
      name: `matmul b${batch} ${m}x${k}x${n} tA=${ta} tB=${tb} ${mode}`,
      tol: Math.sqrt(k) * 4 + 1,
      run: (p) => [outOf(p, (o) => p.matmul(a, b, o as FloatArray, batch, m, k, n, ta, tb, sa, sb), batch * m * n, ctor)],
    });
  }

  // Gather (floats and int32) and scatter with empty segments.
  for (const [rows, rowSize, nIndex] of [[10, 3, 25], [1, 1, 5], [50, 16, 0], [7, 0, 4], [100, 33, 200]]) {
    const x = randomArray(ctor, rows * rowSize, rand);
    const xi = randomIndex(rows * rowSize, 99, rand);
    const index = randomIndex(nIndex, rows, rand);
    cases.push({ name: `gather rows=${rows} row=${rowSize} n=${nIndex}`, tol: 0, run: (p) => [outOf(p, (o) => p.gather(x, index, o, rowSize), nIndex * rowSize, ctor)] });
    cases.push({ name: `gather int32 rows=${rows} row=${rowSize} n=${nIndex}`, tol: 0, run: (p) => [outOf(p, (o) => p.gather(xi, index, o, rowSize), nIndex * rowSize, Int32Array)] });
  }
  for (const [nSrc, rowSize, numSegments, used] of [[40, 3, 10, 6], [1000, 8, 50, 50], [5, 2, 8, 0], [0, 4, 3, 3], [300, 1, 1, 1], [64, 17, 100, 30]]) {
    const src = randomArray(ctor, nSrc * rowSize, rand, -4, 4);
    // Only `used` segments (every other one) receive rows: the rest must come out 0.
    const index = used > 0 ? randomIndex(nSrc, used, rand).map((s) => (s * 2) % numSegments) : new Int32Array(nSrc);
    for (const op of ['sum', 'max'] as const) {
      cases.push({
        name: `scatter ${op} n=${nSrc} row=${rowSize} segs=${numSegments}`,
        tol: op === 'sum' ? Math.sqrt(nSrc) + 1 : 0,
        run: (p) => [outOf(p, (o) => p.scatter(op, src, index, o as FloatArray, numSegments, rowSize), numSegments * rowSize, ctor)],
      });
    }
  }

  // copyBox: slice, pad, concat-style writes into a non-zero destination, int32.
  const boxes: Array<[number[], number[], number[], number[], number[]]> = [
    // srcShape, srcOffset, dstShape, dstOffset, boxShape
    [[10, 12], [2, 3], [5, 4], [0, 0], [5, 4]],
    [[3, 4, 5], [0, 0, 0], [5, 6, 9], [1, 1, 2], [3, 4, 5]],
    [[6, 7], [0, 0], [6, 20], [0, 13], [6, 7]],
    [[2, 3, 4, 5], [1, 0, 2, 1], [3, 3, 3, 6], [2, 0, 0, 2], [1, 3, 2, 4]],
    [[4], [1], [4], [0], [0]],
  ];
  for (const [ss, so, ds, dof, bs] of boxes) {
    const src = randomArray(ctor, sizeOf(ss), rand);
    const dst0 = randomArray(ctor, sizeOf(ds), rand, 10, 11);
    const srci = randomIndex(sizeOf(ss), 1000, rand);
    const dsti = randomIndex(sizeOf(ds), 1000, rand);
    cases.push({ name: `copyBox [${ss}]@[${so}] -> [${ds}]@[${dof}] box [${bs}]`, tol: 0, run: (p) => { const d = dst0.slice(); p.copyBox(src, ss, so, d, ds, dof, bs); return [d]; } });
    cases.push({ name: `copyBox int32 [${ss}] -> [${ds}]`, tol: 0, run: (p) => { const d = dsti.slice(); p.copyBox(srci, ss, so, d, ds, dof, bs); return [d]; } });
  }

  // Casts between every dtype pair (float -> int truncates toward zero).
  const other: FloatCtor = ctor === Float32Array ? Float64Array : Float32Array;
  const xf = randomArray(ctor, 301, rand, -1000, 1000);
  xf[0] = -2.7;
  xf[1] = 2.7;
  xf[2] = -0.5;
  const xi = randomIndex(301, 200000, rand).map((v) => v - 100000);
  cases.push({ name: 'cast float -> int32', tol: 0, run: (p) => [outOf(p, (o) => p.cast(xf, o), xf.length, Int32Array)] });
  cases.push({ name: 'cast float -> same', tol: 0, run: (p) => [outOf(p, (o) => p.cast(xf, o), xf.length, ctor)] });
  cases.push({ name: 'cast float -> other float', tol: 0, run: (p) => [outOf(p, (o) => p.cast(xf, o), xf.length, other)] });
  cases.push({ name: 'cast int32 -> float', tol: 0, run: (p) => [outOf(p, (o) => p.cast(xi, o), xi.length, ctor)] });
  cases.push({ name: 'cast int32 -> int32', tol: 0, run: (p) => [outOf(p, (o) => p.cast(xi, o), xi.length, Int32Array)] });

  return cases;
}

type AnyCtor = FloatCtor | Int32ArrayConstructor;
function outOf(_p: HostPrimitives, fn: (out: TypedArray) => void, n: number, ctor: AnyCtor): TypedArray {
  const out = new ctor(n);
  fn(out);
  return out;
}

/** Max |x - y| / (atol + rtol·|y|) over elements; NaNs and infinities must match exactly. */
export function mismatch(actual: TypedArray, expected: TypedArray, rtol: number, atol: number): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  if (actual.constructor !== expected.constructor) return `type ${actual.constructor.name} vs ${expected.constructor.name}`;
  for (let i = 0; i < actual.length; i++) {
    const x = actual[i];
    const y = expected[i];
    if (Object.is(x, y) || x === y) continue;
    if (Number.isNaN(x) || Number.isNaN(y) || !Number.isFinite(x) || !Number.isFinite(y)) return `at ${i}: ${x} vs ${y}`;
    if (Math.abs(x - y) > atol + rtol * Math.abs(y)) return `at ${i}: ${x} vs ${y} (|diff| ${Math.abs(x - y)})`;
  }
  return undefined;
}
