import { describe, expect, it } from 'vitest';
import {
  anglesToMatrix,
  anglesToXyz,
  applyRotation,
  axisAngleToMatrix,
  composeQuaternion,
  det3,
  identity3,
  makeRng,
  matmul3,
  matrixToAngles,
  matrixToAxisAngle,
  matrixToQuaternion,
  matrixX,
  matrixY,
  matrixZ,
  quaternionToMatrix,
  randomOrthogonal,
  randomQuaternion,
  randomRotation,
  transpose3,
  xyzToAngles,
} from '../src/index.js';
import { expectClose } from './helpers.js';

describe('rotations', () => {
  const rng = makeRng(1234);

  it('elementary matrices follow e3nn (matrix_x / matrix_y / matrix_z)', () => {
    const t = 0.4;
    const [c, s] = [Math.cos(t), Math.sin(t)];
    expectClose(matrixX(t), [1, 0, 0, 0, c, -s, 0, s, c], 0);
    expectClose(matrixY(t), [c, 0, s, 0, 1, 0, -s, 0, c], 0);
    expectClose(matrixZ(t), [c, -s, 0, s, c, 0, 0, 0, 1], 0);
    // right-handed: Rz(90°) maps x to y
    expectClose(applyRotation(matrixZ(Math.PI / 2), [1, 0, 0]), [0, 1, 0], 1e-15);
  });

  it('random rotations are orthogonal with det +1 and Haar-mean zero', () => {
    const mean = new Float64Array(9);
    const N = 4000;
    for (let i = 0; i < N; i++) {
      const R = randomRotation(rng);
      expectClose(matmul3(R, transpose3(R)), identity3(), 1e-14);
      expect(det3(R)).toBeCloseTo(1, 14);
      for (let k = 0; k < 9; k++) mean[k] += R[k]! / N;
    }
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(0.05);
    const O = randomOrthogonal(makeRng(5));
    expect(Math.abs(Math.abs(det3(O)) - 1)).toBeLessThan(1e-14);
  });

  it('Euler angles: R = Ry(alpha) Rx(beta) Ry(gamma) and the inverse map', () => {
    const [a, b, c] = [0.3, 1.1, -0.7];
    expectClose(anglesToMatrix(a, b, c), matmul3(matmul3(matrixY(a), matrixX(b)), matrixY(c)), 0);
    const back = matrixToAngles(anglesToMatrix(a, b, c));
    expect(back.alpha).toBeCloseTo(a, 14);
    expect(back.beta).toBeCloseTo(b, 14);
    expect(back.gamma).toBeCloseTo(c, 14);
    for (let i = 0; i < 200; i++) {
      const R = randomRotation(rng);
      const { alpha, beta, gamma } = matrixToAngles(R);
      expect(beta).toBeGreaterThanOrEqual(0);
      expect(beta).toBeLessThanOrEqual(Math.PI);
      expectClose(anglesToMatrix(alpha, beta, gamma), R, 1e-14);
    }
    // gimbal lock (beta = 0 or pi) still reconstructs R
    for (const R of [anglesToMatrix(0.4, 0, 0.9), anglesToMatrix(0.4, Math.PI, 0.9), identity3(), matrixX(Math.PI)]) {
      const { alpha, beta, gamma } = matrixToAngles(R);
      expectClose(anglesToMatrix(alpha, beta, gamma), R, 1e-14);
    }
    expect(() => matrixToAngles(Float64Array.of(-1, 0, 0, 0, -1, 0, 0, 0, -1))).toThrow(/det/);
  });

  it('angles <-> points on the sphere (R(alpha, beta, 0) y = xyz)', () => {
    expectClose(anglesToXyz(1.7, 0).map(Math.abs), [0, 1, 0], 1e-16);
    for (let i = 0; i < 50; i++) {
      const R = randomRotation(rng);
      const v = applyRotation(R, [0, 1, 0]);
      const { alpha, beta } = xyzToAngles(v);
      expectClose(anglesToXyz(alpha, beta), v, 1e-15);
      expectClose(applyRotation(anglesToMatrix(alpha, beta, 0), [0, 1, 0]), v, 1e-15);
      const w = v.map((t) => 3.5 * t);
      expect(xyzToAngles(w).beta).toBeCloseTo(beta, 15);
    }
  });

  it('quaternions <-> matrices', () => {
    for (let i = 0; i < 200; i++) {
      const q = randomQuaternion(rng);
      const R = quaternionToMatrix(q);
      expect(det3(R)).toBeCloseTo(1, 14);
      expectClose(matrixToQuaternion(R), q, 1e-14);
      const q2 = randomQuaternion(rng);
      expectClose(quaternionToMatrix(composeQuaternion(q, q2)), matmul3(R, quaternionToMatrix(q2)), 1e-14);
    }
    expectClose(quaternionToMatrix([1, 0, 0, 0]), identity3(), 0);
  });

  it('axis-angle <-> matrices, including angles near pi', () => {
    expectClose(axisAngleToMatrix([0, 1, 0], 0.8), matrixY(0.8), 1e-15);
    expectClose(axisAngleToMatrix([2, 0, 0], -0.3), matrixX(-0.3), 1e-15);
    for (const angle of [0.5, 2.0, Math.PI - 1e-9, Math.PI]) {
      for (let i = 0; i < 20; i++) {
        const axis = applyRotation(randomRotation(rng), [0, 0, 1]);
        const R = axisAngleToMatrix(axis, angle);
        const back = matrixToAxisAngle(R);
        expectClose(axisAngleToMatrix(back.axis, back.angle), R, 1e-13);
        expect(back.angle).toBeCloseTo(angle, 8);
      }
    }
    const id = matrixToAxisAngle(identity3());
    expect(id.angle).toBe(0);
  });
});
