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
