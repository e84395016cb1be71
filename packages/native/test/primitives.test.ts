// Every native primitive against the TypeScript reference, float32 and
// float64, on seeded random inputs.
import { BINARY_FUNCS, Rng, UNARY_FUNCS, referencePrimitives as ref, type BinaryOp, type HostPrimitives, type TypedArray, type UnaryOp } from '@equigraph/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuPrimitives, getNumThreads, setNumThreads } from '../src/cpu-primitives.js';
import { FLOAT_CTORS, SPECIALS, broadcastStrides, expectClose, expectSame, indexArray, normalArray, rowMajor, sizeOf, uniformArray, type FloatCtor } from './helpers.js';

const cpu: HostPrimitives = createCpuPrimitives();
const UNARY_OPS = Object.keys(UNARY_FUNCS) as UnaryOp[];
const BINARY_OPS = Object.keys(BINARY_FUNCS) as BinaryOp[];
const elemTol = (ctor: FloatCtor) => (ctor === Float32Array ? 1e-6 : 1e-14);
const accTol = (ctor: FloatCtor, n: number) => (ctor === Float32Array ? 2e-6 * Math.sqrt(n + 1) : 1e-13 * Math.sqrt(n + 1));

// Runs both implementations with fresh zeroed outputs and returns [native, reference].
function both<T extends TypedArray>(make: () => T, call: (p: HostPrimitives, out: T) => void): [T, T] {
  const got = make();
  const want = make();
  call(cpu, got);
  call(ref, want);
  return [got, want];
}

describe.each([1, 2])('native primitives with %i thread(s)', (threads) => {
  let saved = 0;
  beforeAll(() => {
    saved = getNumThreads();
    setNumThreads(threads);
  });
  afterAll(() => setNumThreads(saved));

  describe.each(FLOAT_CTORS)('%s', (dtype, Ctor) => {
    it.each(UNARY_OPS)('unary %s', (op) => {
      const rng = new Rng(11);
      for (const n of [0, 1, 17, 50_000]) {
        const x = normalArray(Ctor, rng, n, 3);
        if (n > SPECIALS.length) SPECIALS.forEach((v, i) => (x[i] = v));
        const [got, want] = both(() => new Ctor(n), (p, out) => p.unary(op, x, out));
        expectClose(got, want, elemTol(Ctor), 0, `${op} n=${n}`);
      }
    });

    const binaryCases: Array<{ name: string; a: number[]; b: number[] }> = [
      { name: 'same shape', a: [5, 6], b: [5, 6] },
      { name: 'scalar b', a: [4, 7], b: [] },
      { name: 'scalar a', a: [], b: [3, 5] },
      { name: 'size-1 axes', a: [3, 1, 4], b: [2, 4] },
      { name: 'outer product', a: [4, 1], b: [1, 5] },
      { name: 'rank 4 row', a: [2, 3, 4, 5], b: [5] },
      { name: 'rank 4 mixed', a: [2, 1, 4, 1], b: [1, 3, 1, 5] },
      { name: 'empty axis', a: [0, 3], b: [3] },
      { name: 'large contiguous', a: [300, 257], b: [300, 257] },
      { name: 'large broadcast column', a: [400, 129], b: [400, 1] },
    ];
    for (const { name, a: sa, b: sb } of binaryCases) {
      it.each(BINARY_OPS)(`binary %s, ${name}`, (op) => {
        const rng = new Rng(23);
        const outShape = broadcastShape(sa, sb);
        const positive = op === 'pow' || op === 'div';
        const a = positive ? uniformArray(Ctor, rng, sizeOf(sa), 0.3, 2) : normalArray(Ctor, rng, sizeOf(sa));
        const b = positive ? uniformArray(Ctor, rng, sizeOf(sb), -2, 2) : normalArray(Ctor, rng, sizeOf(sb));
        // Ties, NaN and signed zeros for the comparison ops.
        if (a.length > 4 && b.length > 4) {
          b[0] = a[0];
          a[1] = NaN;
          b[2] = NaN;
          a[3] = 0;
          b[3] = -0;
        }
        const as = broadcastStrides(sa, outShape);
        const bs = broadcastStrides(sb, outShape);
        const [got, want] = both(() => new Ctor(sizeOf(outShape)), (p, out) => p.binary(op, a, as, b, bs, out, outShape));
        expectClose(got, want, elemTol(Ctor), 0, `${op} ${name}`);
      });
    }

    it('binary with non-row-major strides (transposed view, explicit 0 stride)', () => {
      const rng = new Rng(5);
      const a = normalArray(Ctor, rng, 6 * 4);
      const b = normalArray(Ctor, rng, 4);
      // a viewed as its [4, 6] transpose; b read with stride 0 on both axes except the first.
      for (const op of BINARY_OPS) {
        const [got, want] = both(() => new Ctor(24), (p, out) => p.binary(op, a, [1, 4], b, [1, 0], out, [4, 6]));
        expectClose(got, want, elemTol(Ctor), 0, op);
      }
    });

    it('binary pow follows Math.pow edge cases', () => {
      const a = new Ctor([1, 1, -1, -1, 0, -8, 2, NaN, -0]);
      const b = new Ctor([NaN, Infinity, -Infinity, 0.5, -1, 1 / 3, 1024, 0, -3]);
      const [got, want] = both(() => new Ctor(a.length), (p, out) => p.binary('pow', a, [1], b, [1], out, [a.length]));
      expectClose(got, want, elemTol(Ctor), 0, 'pow');
    });

    it.each(['sum', 'max'] as const)('reduce %s', (op) => {
      const rng = new Rng(31);
      const shapes: Array<[number, number, number]> = [
        [1, 1, 1], [3, 7, 1], [1, 1000, 1], [4, 5, 6], [2, 0, 3], [0, 4, 2], [3, 33, 300], [700, 60, 1], [5, 9, 2000],
      ];
      for (const [outer, size, inner] of shapes) {
        const x = normalArray(Ctor, rng, outer * size * inner);
        if (x.length > 3 && op === 'max') x[2] = NaN;
        const [got, want] = both(() => new Ctor(outer * inner), (p, out) => p.reduce(op, x, out, outer, size, inner));
        expectClose(got, want, accTol(Ctor, size), accTol(Ctor, size), `${op} [${outer}, ${size}, ${inner}]`);
      }
    });

    it('matmul: every trans combination and shape', () => {
      const rng = new Rng(41);
      const shapes: Array<[number, number, number]> = [
        [1, 1, 1], [7, 5, 3], [6, 16, 8], [67, 45, 71], [130, 300, 70], [5, 3, 3100], [1, 64, 200], [200, 1, 9],
      ];
      for (const [m, k, n] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = normalArray(Ctor, rng, m * k);
            const b = normalArray(Ctor, rng, k * n);
            const [got, want] = both(() => new Ctor(m * n), (p, out) => p.matmul(a, b, out, 1, m, k, n, transA, transB, 0, 0));
            expectClose(got, want, accTol(Ctor, k), accTol(Ctor, k), `matmul ${m}x${k}x${n} tA=${transA} tB=${transB}`);
          }
        }
      }
    });

    it('matmul: batches with shared (stride 0) and distinct operands', () => {
      const rng = new Rng(43);
      const cases: Array<{ batch: number; m: number; k: number; n: number; sa: 'full' | 0; sb: 'full' | 0 }> = [
        { batch: 3, m: 4, k: 6, n: 5, sa: 'full', sb: 'full' },
        { batch: 3, m: 4, k: 6, n: 5, sa: 'full', sb: 0 },
        { batch: 3, m: 4, k: 6, n: 5, sa: 0, sb: 'full' },
        { batch: 40, m: 9, k: 7, n: 11, sa: 'full', sb: 'full' },
        { batch: 5, m: 70, k: 260, n: 40, sa: 'full', sb: 0 },
        { batch: 2, m: 0, k: 3, n: 4, sa: 'full', sb: 'full' },
        { batch: 0, m: 2, k: 3, n: 4, sa: 'full', sb: 'full' },
      ];
      for (const { batch, m, k, n, sa, sb } of cases) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const strideA = sa === 0 ? 0 : m * k;
            const strideB = sb === 0 ? 0 : k * n;
            const a = normalArray(Ctor, rng, sa === 0 ? m * k : Math.max(batch, 1) * m * k);
            const b = normalArray(Ctor, rng, sb === 0 ? k * n : Math.max(batch, 1) * k * n);
            const [got, want] = both(() => new Ctor(batch * m * n), (p, out) => p.matmul(a, b, out, batch, m, k, n, transA, transB, strideA, strideB));
            expectClose(got, want, accTol(Ctor, k), accTol(Ctor, k), `batch ${batch} ${m}x${k}x${n} sa=${sa} sb=${sb} tA=${transA} tB=${transB}`);
          }
        }
      }
    });

    it('matmul: k = 0 writes zeros over a dirty output', () => {
      const out = new Ctor(6).fill(7);
      cpu.matmul(new Ctor(0), new Ctor(0), out, 1, 2, 0, 3, false, false, 0, 0);
      expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    });

    it.each(['sum', 'max'] as const)('scatter %s (bit-exact, empty segments are 0)', (op) => {
      const rng = new Rng(53);
      const cases: Array<[number, number, number]> = [
        [20, 9, 3], [0, 4, 2], [5, 0, 3], [50, 60, 1], [3000, 40, 16], [400, 7, 300],
      ];
      for (const [nIndex, segments, row] of cases) {
        const src = normalArray(Ctor, rng, nIndex * row);
        if (src.length > 2) src[1] = NaN;
        const index = indexArray(rng, nIndex, Math.max(segments, 1));
        if (segments === 0 && nIndex > 0) continue;
        const [got, want] = both(() => new Ctor(segments * row).fill(5), (p, out) => p.scatter(op, src, index, out, segments, row));
        expectSame(got, want, `scatter ${op} n=${nIndex} s=${segments} row=${row}`);
      }
    });

    it('transpose: random ranks 1-4 and a large 2-D matrix', () => {
      const rng = new Rng(61);
      for (let trial = 0; trial < 60; trial++) {
        const rank = 1 + (trial % 4);
        const shape = Array.from({ length: rank }, () => (rng.random() < 0.2 ? 1 : 1 + rng.integer(6)));
        if (trial === 7) shape[0] = 0;
        const perm = Array.from(rng.permutation(rank));
        const x = normalArray(Ctor, rng, sizeOf(shape));
        const [got, want] = both(() => new Ctor(x.length), (p, out) => p.transpose(x, shape, perm, out));
        expectSame(got, want, `transpose [${shape}] perm [${perm}]`);
      }
      for (const [shape, perm] of [[[300, 517], [1, 0]], [[3, 70, 90], [2, 1, 0]], [[40, 2, 3, 50], [3, 1, 0, 2]]] as const) {
        const x = normalArray(Ctor, rng, sizeOf(shape));
        const [got, want] = both(() => new Ctor(x.length), (p, out) => p.transpose(x, shape, perm, out));
        expectSame(got, want, `transpose [${shape}] perm [${perm}]`);
      }
    });

    it('gather rows', () => {
      const rng = new Rng(71);
      for (const [rows, nIndex, row] of [[6, 10, 3], [5, 0, 4], [1, 7, 1], [1000, 5000, 8], [4, 3, 0]] as const) {
        const x = normalArray(Ctor, rng, rows * row);
        const index = indexArray(rng, nIndex, rows);
        const [got, want] = both(() => new Ctor(nIndex * row), (p, out) => p.gather(x, index, out, row));
        expectSame(got, want, `gather ${rows}x${row} by ${nIndex}`);
      }
    });

    it('copyBox: random boxes of rank 0-4', () => {
      const rng = new Rng(81);
      for (let trial = 0; trial < 60; trial++) {
        const rank = trial % 5;
        const box = Array.from({ length: rank }, () => rng.integer(4));
        if (trial % 7 === 0) box.fill(Math.max(1, box[0] ?? 1));
        const srcOffset = box.map(() => rng.integer(3));
        const dstOffset = box.map(() => rng.integer(3));
        const full = trial % 3 === 0; // box spans whole trailing axes: exercises the folded memcpy path
        const srcShape = box.map((b, d) => (full && d > 0 ? b : b + srcOffset[d] + rng.integer(3)));
        const dstShape = box.map((b, d) => (full && d > 0 ? b : b + dstOffset[d] + rng.integer(3)));
        if (full) for (let d = 1; d < rank; d++) srcOffset[d] = dstOffset[d] = 0;
        const src = normalArray(Ctor, rng, sizeOf(srcShape));
        const init = normalArray(Ctor, rng, sizeOf(dstShape));
        const [got, want] = both(() => new Ctor(init), (p, dst) => p.copyBox(src, srcShape, srcOffset, dst, dstShape, dstOffset, box));
        expectSame(got, want, `copyBox box [${box}] src [${srcShape}] @ [${srcOffset}] dst [${dstShape}] @ [${dstOffset}]`);
      }
    });
  });

  it('int32: transpose, gather, copyBox and scatter', () => {
    const rng = new Rng(91);
    const x = Int32Array.from({ length: 60 }, () => rng.integer(1000) - 500);
    const shape = [3, 4, 5];
    const [t1, t2] = both(() => new Int32Array(60), (p, out) => p.transpose(x, shape, [2, 0, 1], out));
    expectSame(t1, t2, 'transpose int32');
    const index = indexArray(rng, 9, 12);
    const [g1, g2] = both(() => new Int32Array(45), (p, out) => p.gather(x, index, out, 5));
    expectSame(g1, g2, 'gather int32');
    const [c1, c2] = both(() => new Int32Array(24), (p, dst) => p.copyBox(x, shape, [1, 1, 1], dst, [2, 3, 4], [0, 0, 0], [2, 3, 4]));
    expectSame(c1, c2, 'copyBox int32');
    // scatter is float-only in HostPrimitives; the C kernel also sums/maxes int32 (wrapping).
    const seg = Int32Array.from([2, 0, 2, 2]);
    const src = Int32Array.from([1, 2, 3, 2147483647, -4, 5, 6, 7]);
    const out = new Int32Array(6).fill(9);
    (cpu.scatter as unknown as (op: string, s: Int32Array, i: Int32Array, o: Int32Array, n: number, r: number) => void)('sum', src, seg, out, 3, 2);
    expect(Array.from(out)).toEqual([3, 2147483647, 0, 0, (1 - 4 + 6) | 0, (2 + 5 + 7) | 0]);
  });

  it('cast between every pair of dtypes with typed-array semantics', () => {
    const values = [0, -0, 1.5, -1.5, 2.7, -2.7, 1e10, -1e10, 2 ** 31 + 5, -(2 ** 31) - 5, 2 ** 31 - 1, -(2 ** 31), NaN, Infinity, -Infinity, 1e-40, 16777217, 0.1];
    const ctors = [Float32Array, Float64Array, Int32Array] as const;
    for (const S of ctors) {
      for (const D of ctors) {
        const src = new S(values);
        const [got, want] = both(() => new D(values.length), (p, dst) => p.cast(src, dst));
        expectSame(got, want, `cast ${S.name} -> ${D.name}`);
      }
    }
  });
});

it('matmul results do not depend on the thread count', () => {
  const rng = new Rng(101);
  const saved = getNumThreads();
  for (const Ctor of [Float32Array, Float64Array]) {
    const [m, k, n] = [260, 300, 190];
    const a = normalArray(Ctor, rng, m * k);
    const b = normalArray(Ctor, rng, k * n);
    const runs = [1, 2, 3].map((t) => {
      setNumThreads(t);
      const out = new Ctor(m * n);
      cpu.matmul(a, b, out, 1, m, k, n, false, true, 0, 0);
      return out;
    });
    expectSame(runs[1], runs[0], 'threads 2 vs 1');
    expectSame(runs[2], runs[0], 'threads 3 vs 1');
  }
  setNumThreads(saved);
});

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[i - (rank - a.length)] ?? 1;
    const db = b[i - (rank - b.length)] ?? 1;
    return da === 1 ? db : da;
  });
}

void rowMajor;
