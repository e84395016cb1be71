import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Irrep,
  Irreps,
  anglesToMatrix,
  axisAngleToMatrix,
  identity3,
  irrepD,
  irrepsD,
  makeRng,
  matmul3,
  matrixX,
  matrixY,
  matrixZ,
  randomOrthogonal,
  randomRotation,
  so3Generators,
  transpose3,
  wignerD,
  wignerDFromAngles,
  wignerDRotY,
  wignerDUpTo,
} from '../src/index.js';
import { expectClose, expm, eye, matmul, transpose } from './helpers.js';

/**
 * Reference values produced by running e3nn's own algorithm (`o3.wigner_D` = matrix exponentials
 * of `so3_generators`, `o3.wigner_3j` = `_so3_clebsch_gordan`) in float64.
 */
interface Reference {
  wigner_D: { l: number; alpha: number; beta: number; gamma: number; D: number[] }[];
  wigner_3j: { l: [number, number, number]; C: number[] }[];
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/e3nn-reference.json', import.meta.url), 'utf8')) as Reference;

describe('Wigner D', () => {
  const rng = makeRng(42);

  it("matches e3nn's wigner_D(l, alpha, beta, gamma)", () => {
    expect(reference.wigner_D.length).toBeGreaterThan(10);
    for (const { l, alpha, beta, gamma, D } of reference.wigner_D) {
      expectClose(wignerDFromAngles(l, alpha, beta, gamma), D, 1e-12, `l=${l}`);
      expectClose(wignerD(l, anglesToMatrix(alpha, beta, gamma)), D, 1e-12, `l=${l}`);
    }
  });

  it('D^1(R) = R (the l = 1 basis is x, y, z) and D^0 = 1', () => {
    for (let i = 0; i < 20; i++) {
      const R = randomRotation(rng);
      expectClose(wignerD(1, R), R, 0);
      expectClose(wignerD(0, R), [1], 0);
    }
  });

  it('is a homomorphism, orthogonal, with D(I) = I and D(R^T) = D(R)^T, for l <= 12', () => {
    for (let trial = 0; trial < 3; trial++) {
      const R1 = randomRotation(rng);
      const R2 = randomRotation(rng);
      const D1 = wignerDUpTo(12, R1);
      const D2 = wignerDUpTo(12, R2);
      const D12 = wignerDUpTo(12, matmul3(R1, R2));
      const D1t = wignerDUpTo(12, transpose3(R1));
      const DI = wignerDUpTo(12, identity3());
      for (let l = 0; l <= 12; l++) {
        const n = 2 * l + 1;
        expectClose(matmul(D1[l]!, D2[l]!, n, n, n), D12[l]!, 1e-12, `l=${l} homomorphism`);
        expectClose(matmul(D1[l]!, transpose(D1[l]!, n), n, n, n), eye(n), 1e-12, `l=${l} orthogonality`);
        expectClose(D1t[l]!, transpose(D1[l]!, n), 1e-12, `l=${l} transpose`);
        expectClose(DI[l]!, eye(n), 1e-13, `l=${l} identity`);
      }
    }
  });

  it('works for large l (16, 20)', () => {
    const R1 = randomRotation(rng);
    const R2 = randomRotation(rng);
    for (const l of [16, 20]) {
      const n = 2 * l + 1;
      const D1 = wignerD(l, R1);
      expectClose(matmul(D1, wignerD(l, R2), n, n, n), wignerD(l, matmul3(R1, R2)), 1e-11, `l=${l}`);
      expectClose(matmul(D1, transpose(D1, n), n, n, n), eye(n), 1e-11, `l=${l}`);
    }
  });

  it("generators: e3nn's so3_generators, exp(t X_a) = D(rotation about a), [X_x, X_y] = X_z", () => {
    const [Lx, Ly, Lz] = so3Generators(1);
    expectClose(Lx, [0, 0, 0, 0, 0, -1, 0, 1, 0], 1e-15);
    expectClose(Ly, [0, 0, 1, 0, 0, 0, -1, 0, 0], 1e-15);
    expectClose(Lz, [0, -1, 0, 1, 0, 0, 0, 0, 0], 1e-15);
    const t = 0.83;
    for (let l = 0; l <= 6; l++) {
      const n = 2 * l + 1;
      const [X, Y, Z] = so3Generators(l);
      expectClose(expm(X.map((v) => t * v), n), wignerD(l, matrixX(t)), 1e-12, `l=${l} x`);
      expectClose(expm(Y.map((v) => t * v), n), wignerD(l, matrixY(t)), 1e-12, `l=${l} y`);
      expectClose(expm(Z.map((v) => t * v), n), wignerD(l, matrixZ(t)), 1e-12, `l=${l} z`);
      const comm = matmul(X, Y, n, n, n).map((v, i) => v - matmul(Y, X, n, n, n)[i]!);
      expectClose(comm, Z, 1e-12, `l=${l} commutator`);
    }
  });

  it('closed form of rotations about y and gimbal-lock angles', () => {
    for (let l = 0; l <= 8; l++) {
      expectClose(wignerDRotY(l, 0.37), wignerD(l, matrixY(0.37)), 1e-13, `l=${l}`);
      // beta = 0: R(a, 0, c) = Ry(a + c)
      expectClose(wignerDFromAngles(l, 0.4, 0, 0.9), wignerDRotY(l, 1.3), 1e-13, `l=${l}`);
    }
    // rotation by pi about an axis: D^2 = I
    const R = axisAngleToMatrix([1, 2, 3], Math.PI);
    for (let l = 0; l <= 8; l++) {
      const n = 2 * l + 1;
      const D = wignerD(l, R);
      expectClose(matmul(D, D, n, n, n), eye(n), 1e-12, `l=${l}`);
    }
  });

  it('rejects improper matrices; irrepD / irrepsD handle O(3) through parity', () => {
    const P = Float64Array.of(-1, 0, 0, 0, -1, 0, 0, 0, -1);
    expect(() => wignerD(2, P)).toThrow(/irrepD/);
    // inversion acts as p * I
    expectClose(irrepD(Irrep.parse('1o'), P), eye(3).map((v) => -v), 0);
    expectClose(irrepD(Irrep.parse('1e'), P), eye(3), 0);
    expectClose(irrepD(Irrep.parse('2o'), P), eye(5).map((v) => -v), 1e-15);
    // D_{l,p}(-R) = p D_l(R)
    const R = randomRotation(rng);
    const minusR = R.map((v) => -v);
    expectClose(irrepD(Irrep.parse('3o'), minusR), wignerD(3, R).map((v) => -v), 1e-15);
    expectClose(irrepD(Irrep.parse('3e'), minusR), wignerD(3, R), 1e-15);
    // irrepsD is block diagonal and a homomorphism on O(3)
    const irreps = Irreps.parse('2x0e + 1x0o + 2x1o + 1x1e + 1x2e + 1x3o');
    const n = irreps.dim;
    for (let i = 0; i < 10; i++) {
      const A = randomOrthogonal(rng);
      const B = randomOrthogonal(rng);
      expectClose(matmul(irrepsD(irreps, A), irrepsD(irreps, B), n, n, n), irrepsD(irreps, matmul3(A, B)), 1e-13);
    }
    const D = irrepsD(irreps, P);
    const diag = Array.from({ length: n }, (_, i) => Math.round(D[i * n + i]!));
    expect(diag).toEqual([1, 1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1]);
    // off-diagonal blocks vanish
    const DR = irrepsD(irreps, R);
    expect(DR[0 * n + 3]).toBe(0);
    expectClose(DR.slice(3 * n + 3, 3 * n + 6), R.slice(0, 3), 0);
    expect(irrepsD('', R).length).toBe(0);
  });
});
