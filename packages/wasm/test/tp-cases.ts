// A small segmented tensor-product descriptor (native/include/equigraph.h) and
// its definition evaluated directly, for the tests of the wasm builds.
import type { FloatArray } from '@equigraph/core';

// x1 8x0e+8x1o, x2 0e+1o, out 8x0e+8x1o

const MUL = 8;
const S3 = Math.sqrt(1 / 3);
/** [x1 segment, x2 segment, out segment, coefficients (i, j, k, c)] per path: 0e⊗0e→0e, 1o⊗0e→1o, 0e⊗1o→1o, 1o⊗1o→0e. */
const PATHS: [number, number, number, [number, number, number, number][]][] = [
  [0, 0, 0, [[0, 0, 0, 1]]],
  [1, 0, 1, [0, 1, 2].map((i) => [i, 0, i, S3] as [number, number, number, number])],
  [0, 1, 1, [0, 1, 2].map((j) => [0, j, j, S3] as [number, number, number, number])],
  [1, 1, 0, [0, 1, 2].map((i) => [i, i, 0, S3] as [number, number, number, number])],
];
const X1 = [[0, MUL, 1], [MUL, MUL, 3]]; // offset, mul, dim
const X2 = [[0, 1, 1], [1, 1, 3]];
const OUT = X1;

export interface Descriptor {
  segments: Int32Array;
  paths: Int32Array;
  coeffIndex: Int32Array;
  coeffValue: Float64Array;
  operandSizes: number[];
}

/** mode 0 (uvw: W[u, v, w], MUL·1·MUL weights per path) or 1 (uvu: W[u, v], MUL weights per path). */
export function descriptor(mode: 0 | 1): Descriptor {
  const segments: number[] = [];
  const seg = (slot: number, offset: number, mul: number, dim: number) => (segments.push(slot, offset, mul, dim), segments.length / 4 - 1);
  const x1 = X1.map(([o, m, d]) => seg(1, o!, m!, d!));
  const x2 = X2.map(([o, m, d]) => seg(2, o!, m!, d!));
  const out = OUT.map(([o, m, d]) => seg(3, o!, m!, d!));
  const perPath = mode === 0 ? MUL * MUL : MUL;
  const paths: number[] = [];
  const coeffIndex: number[] = [];
  const coeffValue: number[] = [];
  PATHS.forEach(([a, b, c, coeffs], p) => {
    const w = seg(0, p * perPath, perPath, 1);
    paths.push(mode, w, x1[a]!, x2[b]!, out[c]!, coeffValue.length, coeffs.length, 0);
    for (const [i, j, k, v] of coeffs) {
      coeffIndex.push(i, j, k);
      coeffValue.push(v);
    }
  });
  return { segments: Int32Array.from(segments), paths: Int32Array.from(paths), coeffIndex: Int32Array.from(coeffIndex), coeffValue: Float64Array.from(coeffValue), operandSizes: [PATHS.length * perPath, 4 * MUL, 4, 4 * MUL] };
}

/** out (+)= the definition, for one sample: x1, x2, w, out are that sample's rows. */
export function direct(mode: 0 | 1, x1: FloatArray, x2: FloatArray, w: FloatArray, out: number[], outBase: number, x1Base: number, x2Base: number, wBase: number): void {
  const perPath = mode === 0 ? MUL * MUL : MUL;
  PATHS.forEach(([a, b, c, coeffs], p) => {
    const [o1, , d1] = X1[a]!;
    const [o2, , d2] = X2[b]!;
    const [o3, , d3] = OUT[c]!;
    for (const [i, j, k, cv] of coeffs) {
      for (let u = 0; u < MUL; u++) {
        const t = cv * x1[x1Base + o1! + u * d1! + i]! * x2[x2Base + o2! + j]!;
        if (mode === 1) out[outBase + o3! + u * d3! + k] += w[wBase + p * perPath + u]! * t;
        else for (let v = 0; v < MUL; v++) out[outBase + o3! + v * d3! + k] += w[wBase + p * perPath + u * MUL + v]! * t;
      }
    }
    void d2;
  });
}
