import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { MLP, Parameter } from '@equigraph/layers';
import { Adam, AdamW, clipGradNorm, EMA, mseLoss, SGD, type Optimizer } from '@equigraph/train';

const opts = { dtype: 'float64' as const, backend: 'reference' };
const x = eg.tensor([[-1, 0.5], [0.3, 0.2], [0.9, -0.7]], undefined, opts);
const y = eg.tensor([[0.1], [-0.4], [0.8]], undefined, opts);
const values = (m: MLP) => m.parameters().flatMap((p) => Array.from(p.value.toArray()));

describe('AdamW and Adam weight decay', () => {
  it('AdamW decays decoupled: with a zero gradient p ← p·(1 − lr·wd) every step', () => {
    const p = new Parameter(eg.tensor([2, -4], [2], opts));
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    for (let i = 0; i < 2; i++) opt.step(eg.sum(eg.mul(p.value, 0)));
    expect(Array.from(p.value.toArray())).toEqual([2 * 0.95 * 0.95, -4 * 0.95 * 0.95]);
  });

  it('AdamW = decay then the Adam step; Adam adds wd·p to the gradient (torch semantics)', () => {
    // f = 3p, p = 2, lr 0.1, wd 0.5. AdamW step 1: 2·0.95 − 0.1·3/(3 + eps) ≈ 1.8.
    const a = new Parameter(eg.tensor([2], [1], opts));
    new AdamW([a], { lr: 0.1, weightDecay: 0.5 }).step(eg.sum(eg.mul(a.value, 3)));
    expect(a.value.item()).toBeCloseTo(1.9 - (0.1 * 3) / (3 + 1e-8), 14);
    // Adam L2, two steps: g1 = 3 + 0.5·2 = 4, m1 = 0.4, v1 = 0.016 → p1 = 2 − 0.1·4/(4 + eps);
    // g2 = 3 + 0.5·p1, m2 = 0.9·m1 + 0.1·g2, v2 = 0.999·v1 + 0.001·g2², bias corrections 1 − 0.9² and 1 − 0.999².
    const b = new Parameter(eg.tensor([2], [1], opts));
    const adam = new Adam([b], { lr: 0.1, weightDecay: 0.5 });
    adam.step(eg.sum(eg.mul(b.value, 3)));
    const p1 = 2 - (0.1 * 4) / (4 + 1e-8);
    expect(b.value.item()).toBeCloseTo(p1, 14);
    adam.step(eg.sum(eg.mul(b.value, 3)));
    const g2 = 3 + 0.5 * p1;
    const m2 = 0.9 * 0.4 + 0.1 * g2;
    const v2 = 0.999 * 0.016 + 0.001 * g2 * g2;
    expect(b.value.item()).toBeCloseTo(p1 - (0.1 * (m2 / 0.19)) / (Math.sqrt(v2 / 0.001999) + 1e-8), 12);
  });

  it('fused AdamW matches the op path', () => {
    const [a, b] = [new MLP([2, 8, 1], { ...opts, seed: 3 }), new MLP([2, 8, 1], { ...opts, seed: 3 })];
    const [oa, ob] = [new AdamW(a.parameters(), { lr: 0.01 }), new AdamW(b.parameters(), { lr: 0.01, fused: true })];
    for (let i = 0; i < 5; i++) {
      oa.step(mseLoss(a.forward(x), y));
      ob.step(mseLoss(b.forward(x), y));
    }
    const [u, v] = [values(a), values(b)];
    u.forEach((ui, k) => expect(Math.abs(ui - v[k])).toBeLessThan(1e-12));
  });
});

describe('optimizer state', () => {
  const cases: Array<[string, (m: MLP) => Optimizer]> = [
    ['Adam', (m) => new Adam(m.parameters(), { lr: 0.01 })],
    ['Adam fused', (m) => new Adam(m.parameters(), { lr: 0.01, fused: true })],
    ['AdamW', (m) => new AdamW(m.parameters(), { lr: 0.01, weightDecay: 0.1 })],
    ['SGD momentum', (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: getState/setState continue bit-for-bit`, () => {
      const a = new MLP([2, 8, 1], { ...opts, seed: 5 });
      const oa = make(a);
      for (let i = 0; i < 3; i++) oa.step(mseLoss(a.forward(x), y));
      const state = oa.getState();
      expect(state.stepCount).toBe(3);
      // A fresh model + optimiser restored from the weights and the state.
      const b = new MLP([2, 8, 1], { ...opts, seed: 99 });
      b.parameters().forEach((p, i) => (p.value = eg.tensor(a.parameters()[i].value.toArray(), p.value.shape, { ...opts, requiresGrad: true })));
      const ob = make(b);
      ob.setState(state);
      for (let i = 0; i < 3; i++) {
        oa.step(mseLoss(a.forward(x), y));
        ob.step(mseLoss(b.forward(x), y));
      }
      expect(values(b)).toEqual(values(a));
    });
  }

  it('refuses a state of another kind or shape, and lr is settable', () => {
    const m = new MLP([2, 8, 1], { ...opts, seed: 5 });
    const adam = new Adam(m.parameters(), { lr: 0.01 });
    expect(() => new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }).setState(adam.getState(), 'ckpt.safetensors')).toThrow(/ckpt\.safetensors.*Adam/);
    const other = new Adam(new MLP([2, 4, 1], { ...opts }).parameters());
    adam.step(mseLoss(m.forward(x), y));
    expect(() => other.setState(adam.getState())).toThrow(/shape/);
    adam.lr = 0;
    const before = values(m);
    adam.step(mseLoss(m.forward(x), y));
    expect(values(m)).toEqual(before);
  });
});

describe('clipGradNorm', () => {
  it('scales by maxNorm/(norm + 1e-6) above the limit and returns the norm', () => {
    const grads = [eg.tensor([3, 4], [2], opts), undefined, eg.tensor([12], [1], opts)];
    const norm = clipGradNorm(grads, 6.5);
    expect(norm).toBe(13);
    const c = 6.5 / (13 + 1e-6);
    expect(Array.from(grads[0]!.toArray())).toEqual([3 * c, 4 * c]);
    expect(grads[2]!.item()).toBe(12 * c);
    expect(grads[1]).toBeUndefined();
  });

  it('leaves gradients under the limit alone', () => {
    const g = eg.tensor([3, 4], [2], opts);
    const grads = [g];
    expect(clipGradNorm(grads, 10)).toBe(5);
    expect(grads[0]).toBe(g);
    expect(() => clipGradNorm([eg.tensor([NaN], [1], opts)], 1, { errorIfNonfinite: true })).toThrow(/NaN/);
  });
});

describe('EMA', () => {
  it('shadow ← shadow − (1 − decay)(shadow − p); swapIn/swapOut; apply', () => {
    const p = new Parameter(eg.tensor([0], [1], opts));
    const ema = new EMA([p], { decay: 0.9, useNumUpdates: false });
    p.value = eg.tensor([1], [1], { ...opts, requiresGrad: true });
    ema.update(); // 0.1
    ema.update(); // 0.19
    ema.swapIn();
    expect(p.value.item()).toBeCloseTo(0.19, 15);
    expect(p.value.requiresGrad).toBe(true);
    expect(() => ema.update()).toThrow(/swapOut/);
    ema.swapOut();
    expect(p.value.item()).toBe(1);
    expect(ema.withAveraged(() => p.value.item())).toBeCloseTo(0.19, 15);
    ema.apply();
    expect(p.value.item()).toBeCloseTo(0.19, 15);
  });

  it('warms the decay up as min(decay, (1 + n)/(10 + n)) and round-trips its state', () => {
    const p = new Parameter(eg.tensor([0], [1], opts));
    const ema = new EMA([p], { decay: 0.999 });
    p.value = eg.tensor([1], [1], { ...opts, requiresGrad: true });
    ema.update(); // decay 0.1 → 0.9
    ema.update(); // decay 2/11 → 0.9 + (9/11)·0.1
    const expected = 0.9 + (9 / 11) * 0.1;
    expect(ema.withAveraged(() => p.value.item())).toBeCloseTo(expected, 15);
    const twin = new EMA([new Parameter(eg.tensor([5], [1], opts))], { decay: 0.999 });
    twin.setState(ema.getState());
    expect(twin.numUpdates).toBe(2);
    expect(twin.withAveraged(() => twin.params[0].value.item())).toBeCloseTo(expected, 15);
    expect(() => new EMA([p], { decay: 0.5 }).setState(ema.getState())).toThrow(/decay/);
  });
});
