import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { MLP, Parameter } from '@equigraph/layers';
import { Adam, mseLoss, SGD } from '@equigraph/train';

const opts = { dtype: 'float64' as const, backend: 'reference' };

describe('optimisers', () => {
  it('Adam takes the bias-corrected first step −lr·sign(g)', () => {
    const p = new Parameter(eg.tensor([1, -2], [2], opts));
    const adam = new Adam([p], { lr: 0.1 });
    adam.step(eg.sum(eg.mul(p.value, eg.tensor([3, -4], [2], opts))));
    const [a, b] = p.value.toArray();
    expect(a).toBeCloseTo(1 - 0.1, 6);
    expect(b).toBeCloseTo(-2 + 0.1, 6);
  });

  it('fused Adam (one loop per parameter) matches the op-by-op update', () => {
    const make = () => new MLP([2, 8, 1], { ...opts, seed: 3 });
    const [a, b] = [make(), make()];
    const x = eg.tensor([[-1, 0.5], [0.3, 0.2], [0.9, -0.7]], undefined, opts);
    const y = eg.tensor([[0.1], [-0.4], [0.8]], undefined, opts);
    const opA = new Adam(a.parameters(), { lr: 0.01, weightDecay: 0.1 });
    const opB = new Adam(b.parameters(), { lr: 0.01, weightDecay: 0.1, fused: true });
    for (let i = 0; i < 5; i++) {
      opA.step(mseLoss(a.forward(x), y));
      opB.step(mseLoss(b.forward(x), y));
    }
    a.parameters().forEach((p, i) => {
      const [u, v] = [p.value.toArray(), b.parameters()[i].value.toArray()];
      u.forEach((ui, k) => expect(Math.abs(ui - v[k])).toBeLessThan(1e-12));
    });
  });

  it('SGD with momentum follows the heavy-ball recurrence', () => {
    const p = new Parameter(eg.tensor([0], [1], opts));
    const sgd = new SGD([p], { lr: 0.5, momentum: 0.9 });
    sgd.step(eg.sum(p.value)); // v = 1, p = -0.5
    sgd.step(eg.sum(p.value)); // v = 1.9, p = -1.45
    expect(p.value.item()).toBeCloseTo(-1.45, 12);
  });

  it('an MLP overfits a tiny batch to near-zero loss', () => {
    const mlp = new MLP([1, 16, 1], { ...opts, seed: 4 });
    const x = eg.tensor([[-1], [-0.3], [0.4], [1]], undefined, opts);
    const y = eg.tensor([[0.5], [-0.2], [0.3], [0.9]], undefined, opts);
    const adam = new Adam(mlp.parameters(), { lr: 0.02 });
    let loss = Infinity;
    for (let i = 0; i < 600; i++) loss = adam.step(mseLoss(mlp.forward(x), y));
    expect(loss).toBeLessThan(1e-4);
  });
});
