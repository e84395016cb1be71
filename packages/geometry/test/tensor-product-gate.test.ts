// Gate, normActivation and irrepsNorm: values, equivariance under O(3), gradients of order 2.
import { Rng, silu, sigmoid, tanh, abs, tensor, matmul, transpose, type Tensor } from '@equigraph/core';
import { assertClose, checkGrads } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import { Gate, Irreps, irrepsD, irrepsNorm, makeRng, matmul3, normActivation, normalize2momConstant, randomRotation } from '../src/index.js';

function randn(rng: Rng, shape: number[]): Tensor {
  const v = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(v);
  return tensor(v, shape, { dtype: 'float64', backend: 'reference' });
}
function act(x: Tensor, irreps: Irreps, R: Float64Array): Tensor {
  const n = irreps.dim;
  return matmul(x, transpose(tensor(irrepsD(irreps, R), [n, n], { dtype: 'float64', backend: 'reference' }), [1, 0]));
}
const R0 = randomRotation(makeRng(4));
const mirror = matmul3(Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, -1]), R0);

describe('gate and norm activations', () => {
  it('normalize2mom constants are E[f(z)²]^(-1/2), z ~ N(0, 1)', () => {
    // Reference values from an independent Riemann sum over [-12, 12] (step 1e-3); e3nn
    // estimates the same constants from 1e6 samples (agreement ~1e-3).
    expect(normalize2momConstant(silu)).toBeCloseTo(1.6765324703, 8);
    expect(normalize2momConstant(tanh)).toBeCloseTo(1.5925374197, 8);
    expect(normalize2momConstant(sigmoid)).toBeCloseTo(1.8462285453, 8);
  });

  it('Gate: irreps out, values, equivariance (incl. reflections) and odd scalars', () => {
    const g = new Gate('4x0e+2x0o', [silu, tanh], '3x0e', sigmoid, '2x1o+1x2e');
    expect(g.irrepsIn.toString()).toBe('4x0e+2x0o+3x0e+2x1o+1x2e');
    expect(g.irrepsOut.toString()).toBe('4x0e+2x0o+2x1o+1x2e');
    const rng = new Rng(5);
    const x = randn(rng, [6, g.irrepsIn.dim]);
    const out = g.apply(x).toArray();
    const xv = x.toArray();
    const cs = normalize2momConstant(silu);
    const cg = normalize2momConstant(sigmoid);
    const s = (v: number) => v / (1 + Math.exp(-v));
    const sg = (v: number) => 1 / (1 + Math.exp(-v));
    const D = g.irrepsIn.dim;
    expect(out[0]).toBeCloseTo(cs * s(xv[0]!), 12);
    // first gated 1o copy (input offset 9) scaled by the first gate (input offset 6)
    expect(out[6]).toBeCloseTo(cg * sg(xv[6]!) * xv[9]!, 12);
    expect(out[g.irrepsOut.dim - 1]).toBeCloseTo(cg * sg(xv[8]!) * xv[D - 1]!, 12);
    for (const R of [R0, mirror]) {
      assertClose(g.apply(act(x, g.irrepsIn, R)), act(g.apply(x), g.irrepsOut, R), { atol: 1e-12, rtol: 1e-12 });
    }
    // an even activation on odd scalars gives even scalars, as e3nn's Activation
    expect(new Gate('1x0o', abs, '', [], '').irrepsOut.toString()).toBe('1x0e');
  });

  it('Gate, normActivation and irrepsNorm are twice differentiable', () => {
    const rng = new Rng(8);
    const g = new Gate('2x0e', silu, '2x0e', sigmoid, '1x1o+1x2e');
    checkGrads((x) => g.apply(x), [randn(rng, [2, g.irrepsIn.dim])], { order: 2 });
    const ir = Irreps.parse('2x1o+1x2e');
    checkGrads((x) => normActivation(x, ir, silu), [randn(rng, [2, ir.dim])], { order: 2 });
    checkGrads((x) => irrepsNorm(x, ir), [randn(rng, [2, ir.dim])], { order: 2 });
  });

  it('normActivation and irrepsNorm: values and equivariance', () => {
    const ir = Irreps.parse('2x1o+1x2e+1x0e');
    const rng = new Rng(9);
    const x = randn(rng, [3, ir.dim]);
    const n = irrepsNorm(x, ir);
    expect(n.shape).toEqual([3, 4]);
    const xv = x.toArray();
    expect(n.toArray()[0]).toBeCloseTo(Math.hypot(xv[0]!, xv[1]!, xv[2]!), 14);
    for (const R of [R0, mirror]) {
      assertClose(irrepsNorm(act(x, ir, R), ir), n, { atol: 1e-12, rtol: 1e-12 });
      assertClose(normActivation(act(x, ir, R), ir, silu), act(normActivation(x, ir, silu), ir, R), { atol: 1e-12, rtol: 1e-12 });
    }
    // x · act(|x|)/|x| on the first copy
    const y = normActivation(x, ir, tanh).toArray();
    const r = Math.hypot(xv[0]!, xv[1]!, xv[2]!);
    expect(y[0]).toBeCloseTo((xv[0]! * Math.tanh(r)) / r, 14);
  });
});
