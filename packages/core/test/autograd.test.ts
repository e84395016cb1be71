import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { assertClose } from '@equigraph/core/testing';

const f64 = { dtype: 'float64' as const, backend: 'reference' };

describe('autograd', () => {
  it('accumulates leaf gradients with backward() and reuses a tensor on several paths', () => {
    const x = eg.tensor([1, 2, 3], [3], { ...f64, requiresGrad: true });
    const y = eg.sum(eg.mul(x, x).add(eg.mul(x, 3)));
    eg.backward(y);
    expect(x.grad!.toNested()).toEqual([5, 7, 9]);
    eg.backward(eg.sum(x));
    expect(x.grad!.toNested()).toEqual([6, 8, 10]);
  });

  it('grad(f) matches the analytic derivative and nests for second derivatives', () => {
    // f(x) = Σ sin(x)·x²  →  f' = cos(x)x² + 2x sin(x),  f'' = −sin(x)x² + 4x cos(x) + 2 sin(x)
    const f = (x: eg.Tensor) => eg.sum(eg.mul(eg.sin(x), eg.square(x)));
    const values = [0.3, -1.2, 2.5];
    const x = eg.tensor(values, [3], f64);
    const d1 = values.map((v) => Math.cos(v) * v * v + 2 * v * Math.sin(v));
    const d2 = values.map((v) => -Math.sin(v) * v * v + 4 * v * Math.cos(v) + 2 * Math.sin(v));
    assertClose(eg.grad(f)(x), new Float64Array(d1), { atol: 1e-14 });
    // Σ_i ∂²f/∂x_i² here (f is separable), via grad of the sum of the first gradient.
    assertClose(eg.grad((z: eg.Tensor) => eg.sum(eg.grad(f)(z)))(x), new Float64Array(d2), { atol: 1e-13 });
  });

  it('second derivative through a small network matches finite differences (force-training pattern)', () => {
    // E(x; w) = Σ softplus(x·w)², F = −∂E/∂x, loss = Σ F²; check ∂loss/∂w by central differences.
    const x = eg.tensor([[0.3, -0.7], [1.1, 0.4], [-0.2, 0.9]], undefined, f64);
    const loss = (w: eg.Tensor) => {
      const forces = eg.grad((pos: eg.Tensor) => eg.sum(eg.square(eg.softplus(eg.matmul(pos, w)))))(x).neg();
      return eg.sum(eg.square(forces));
    };
    const w0 = [0.5, -0.3, 0.8, 0.2, -0.6, 0.1];
    const w = eg.tensor(w0, [2, 3], f64);
    const analytic = eg.grad(loss)(w).toArray();
    const eps = 1e-6;
    w0.forEach((_, k) => {
      const at = (d: number) => loss(eg.tensor(w0.map((v, j) => (j === k ? v + d : v)), [2, 3], f64)).item();
      expect(Math.abs(analytic[k] - (at(eps) - at(-eps)) / (2 * eps))).toBeLessThan(1e-8);
    });
  });

  it('noGrad records nothing', () => {
    const x = eg.tensor([1, 2], [2], { ...f64, requiresGrad: true });
    const y = eg.noGrad(() => eg.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeUndefined();
    expect(() => eg.backward(eg.sum(y))).toThrow(/does not depend on any tensor that requires grad/);
  });

  it('releases saved tensors after backward unless retainGraph', () => {
    const x = eg.tensor([1, 2], [2], { ...f64, requiresGrad: true });
    const y = eg.sum(eg.exp(x));
    eg.backward(y);
    expect(y.gradFn!.inputs).toHaveLength(0);
    expect(() => eg.backward(y)).toThrow(/already released/);
    const z = eg.sum(eg.exp(x));
    eg.backward(z, { retainGraph: true });
    eg.backward(z);
  });

  it('gives undefined for inputs the output does not depend on, and detach cuts the graph', () => {
    const a = eg.tensor([1], [1], f64).withGrad();
    const b = eg.tensor([2], [1], f64).withGrad();
    const [ga, gb] = eg.gradients(eg.sum(eg.mul(a, b.detach())), [a, b]);
    expect(ga!.item()).toBe(2);
    expect(gb).toBeUndefined();
  });

  it('handles deep graphs without overflowing the stack', () => {
    let y = eg.tensor([1], [1], f64).withGrad();
    const x = y;
    for (let i = 0; i < 20000; i++) y = eg.mul(y, 1.0001);
    expect(eg.grad(() => eg.sum(y))(x)).toBeDefined();
    const [g] = eg.gradients(eg.sum(y), [x]);
    expect(g!.item()).toBeCloseTo(Math.pow(1.0001, 20000), 8);
  });
});
