import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeRng, randomRotation, su2ClebschGordanCoeff, wigner3j, wignerDUpTo } from '../src/index.js';
import { expectClose } from './helpers.js';

interface Reference {
  wigner_3j: { l: [number, number, number]; C: number[] }[];
}
/** Produced by running e3nn's `o3.wigner_3j` algorithm in float64 (see wigner.test.ts). */
const reference = JSON.parse(readFileSync(new URL('./fixtures/e3nn-reference.json', import.meta.url), 'utf8')) as Reference;

const at = (C: Float64Array, l2: number, l3: number, i: number, j: number, k: number): number => C[(i * (2 * l2 + 1) + j) * (2 * l3 + 1) + k]!;

describe('SU(2) Clebsch-Gordan (Racah, exact arithmetic)', () => {
  it('textbook values', () => {
    expect(su2ClebschGordanCoeff(1, 1, 1, -1, 0, 0)).toBeCloseTo(1 / Math.sqrt(3), 15);
    expect(su2ClebschGordanCoeff(1, 0, 1, 0, 0, 0)).toBeCloseTo(-1 / Math.sqrt(3), 15);
    expect(su2ClebschGordanCoeff(1, 0, 1, 0, 2, 0)).toBeCloseTo(Math.sqrt(2 / 3), 15);
    expect(su2ClebschGordanCoeff(1, 1, 1, 0, 1, 1)).toBeCloseTo(1 / Math.sqrt(2), 15);
    expect(su2ClebschGordanCoeff(5, 5, 7, 7, 12, 12)).toBe(1);
    expect(su2ClebschGordanCoeff(1, 0, 1, 0, 1, 0)).toBe(0);
    expect(su2ClebschGordanCoeff(1, 1, 1, 1, 1, 1)).toBe(0); // |m3| > j3
  });
});

describe('wigner3j', () => {
  it("matches e3nn's o3.wigner_3j on reference triples", () => {
    expect(reference.wigner_3j.length).toBeGreaterThan(10);
    for (const { l, C } of reference.wigner_3j) expectClose(wigner3j(...l), C, 1e-14, `wigner3j(${l})`);
  });

  it('matches e3nn at higher l (spot values)', () => {
    const cases: [[number, number, number], [number, number, number], number][] = [
      [[10, 10, 10], [0, 0, 10], -0.014084201054019469],
      [[10, 10, 10], [7, 11, 6], -0.023609462557462907],
      [[10, 10, 10], [10, 10, 10], 0.05768853868256273],
      [[6, 7, 9], [4, 5, 13], -0.056785564099991116],
      [[6, 7, 9], [6, 7, 9], 0.08076690098838132],
      [[8, 4, 12], [0, 0, 24], -0.14142135623730953],
      [[8, 4, 12], [5, 5, 8], 0.08155818449448894],
    ];
    for (const [[l1, l2, l3], [i, j, k], v] of cases) expect(at(wigner3j(l1, l2, l3), l2, l3, i, j, k)).toBeCloseTo(v, 14);
  });

  it('literal values in the (x, y, z) basis: delta/sqrt3, epsilon/sqrt6, 1x1->2', () => {
    const s3 = 1 / Math.sqrt(3);
    expectClose(wigner3j(1, 1, 0), [s3, 0, 0, 0, s3, 0, 0, 0, s3], 1e-15);
    const e = 1 / Math.sqrt(6);
    // C_ijk = epsilon_ijk / sqrt(6), with C[x,y,z] = +1/sqrt(6)
    expectClose(wigner3j(1, 1, 1), [0, 0, 0, 0, 0, e, 0, -e, 0, 0, 0, -e, 0, 0, 0, e, 0, 0, 0, e, 0, -e, 0, 0, 0, 0, 0], 1e-15);
    for (let l = 0; l <= 6; l++) {
      const n = 2 * l + 1;
      const C = wigner3j(0, l, l);
      const expected = new Float64Array(n * n);
      for (let i = 0; i < n; i++) expected[i * n + i] = 1 / Math.sqrt(n);
      expectClose(C, expected, 1e-15, `l=${l}`);
    }
    // (1 x 1 -> 2): the l = 2 components are the quadratic forms of the l = 2 spherical harmonics
    const a = 1 / Math.sqrt(10);
    const b = 1 / Math.sqrt(30);
    const C = wigner3j(1, 1, 2);
    const Ck = (k: number) => Array.from({ length: 9 }, (_, ij) => C[ij * 5 + k]!);
    expectClose(Ck(0), [0, 0, a, 0, 0, 0, a, 0, 0], 1e-15); // xz
    expectClose(Ck(1), [0, a, 0, a, 0, 0, 0, 0, 0], 1e-15); // xy
    expectClose(Ck(2), [-b, 0, 0, 0, 2 * b, 0, 0, 0, -b], 1e-15); // 2y² - x² - z²
    expectClose(Ck(3), [0, 0, 0, 0, 0, a, 0, a, 0], 1e-15); // yz
    expectClose(Ck(4), [-a, 0, 0, 0, 0, 0, 0, 0, a], 1e-15); // z² - x²
  });

  it('Frobenius norm 1 and orthogonality sum_ij C_ijk C_ijk\' = delta_kk\' / (2 l3 + 1)', () => {
    for (let l1 = 0; l1 <= 5; l1++) {
      for (let l2 = 0; l2 <= 5; l2++) {
        for (let l3 = Math.abs(l1 - l2); l3 <= l1 + l2; l3++) {
          const C = wigner3j(l1, l2, l3);
          const n3 = 2 * l3 + 1;
          const n12 = (2 * l1 + 1) * (2 * l2 + 1);
          const gram = new Float64Array(n3 * n3);
          for (let ij = 0; ij < n12; ij++) {
            for (let k = 0; k < n3; k++) for (let kk = 0; kk < n3; kk++) gram[k * n3 + kk] += C[ij * n3 + k]! * C[ij * n3 + kk]!;
          }
          const expected = new Float64Array(n3 * n3);
          for (let k = 0; k < n3; k++) expected[k * n3 + k] = 1 / n3;
          expectClose(gram, expected, 1e-15, `(${l1},${l2},${l3})`);
        }
      }
    }
  });

  it('orthogonality across l3: sum_ij C^(l3)_ijk C^(l3\')_ijk\' = 0 for l3 != l3\'', () => {
    const [l1, l2] = [3, 2];
    for (let l3 = 2; l3 <= 5; l3++) {
      const A = wigner3j(l1, l2, l3);
      const B = wigner3j(l1, l2, l3 - 1);
      const [na, nb] = [2 * l3 + 1, 2 * l3 - 1];
      for (let k = 0; k < na; k++) {
        for (let kk = 0; kk < nb; kk++) {
          let s = 0;
          for (let ij = 0; ij < 35; ij++) s += A[ij * na + k]! * B[ij * nb + kk]!;
          expect(Math.abs(s)).toBeLessThan(1e-15);
        }
      }
    }
  });

  it('is equivariant: C_ijk D1_il D2_jm D3_kn = C_lmn', () => {
    const rng = makeRng(7);
    const triples: [number, number, number][] = [
      [1, 1, 2], [2, 3, 4], [3, 3, 3], [4, 2, 5], [5, 6, 7], [6, 6, 12], [2, 5, 3], [7, 8, 10],
    ];
    for (const [l1, l2, l3] of triples) {
      const R = randomRotation(rng);
      const D = wignerDUpTo(Math.max(l1, l2, l3), R);
      const [n1, n2, n3] = [2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1];
      const [D1, D2, D3] = [D[l1]!, D[l2]!, D[l3]!];
      const C = wigner3j(l1, l2, l3);
      // contract one index at a time
      const t1 = new Float64Array(n1 * n2 * n3); // [l, j, k]
      for (let i = 0; i < n1; i++) for (let l = 0; l < n1; l++) {
        const d = D1[i * n1 + l]!;
        if (d === 0) continue;
        for (let jk = 0; jk < n2 * n3; jk++) t1[l * n2 * n3 + jk] += d * C[i * n2 * n3 + jk]!;
      }
      const t2 = new Float64Array(n1 * n2 * n3); // [l, m, k]
      for (let l = 0; l < n1; l++) for (let j = 0; j < n2; j++) for (let m = 0; m < n2; m++) {
        const d = D2[j * n2 + m]!;
        for (let k = 0; k < n3; k++) t2[(l * n2 + m) * n3 + k] += d * t1[(l * n2 + j) * n3 + k]!;
      }
      const t3 = new Float64Array(n1 * n2 * n3); // [l, m, n]
      for (let lm = 0; lm < n1 * n2; lm++) for (let k = 0; k < n3; k++) for (let n = 0; n < n3; n++) {
        t3[lm * n3 + n] += D3[k * n3 + n]! * t2[lm * n3 + k]!;
      }
      expectClose(t3, C, 1e-13, `(${l1},${l2},${l3})`);
    }
  });

  it('validates its arguments and returns independent copies', () => {
    expect(() => wigner3j(1, 1, 3)).toThrow(/triangle/);
    expect(() => wigner3j(-1, 1, 1)).toThrow(RangeError);
    const a = wigner3j(1, 1, 0);
    a[0] = 42;
    expect(wigner3j(1, 1, 0)[0]).toBeCloseTo(1 / Math.sqrt(3), 15);
  });
});
