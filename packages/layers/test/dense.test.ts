import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { checkGrads } from '@equigraph/core/testing';
import { Linear, MLP } from '@equigraph/layers';

const opts = { dtype: 'float64' as const, backend: 'reference' };

describe('dense layers', () => {
  it('names parameters in field order and counts them', () => {
    const mlp = new MLP([3, 8, 2], { ...opts, seed: 1 });
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    expect(mlp.numParameters()).toBe(3 * 8 + 8 + 8 * 2 + 2);
  });

  it('initialises deterministically by seed', () => {
    const a = new Linear(4, 5, { ...opts, seed: 7 }).weight.value.toArray();
    const b = new Linear(4, 5, { ...opts, seed: 7 }).weight.value.toArray();
    const c = new Linear(4, 5, { ...opts, seed: 8 }).weight.value.toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(0.5);
  });

  it('computes x·W + b over the last axis of any rank', () => {
    const lin = new Linear(2, 3, { ...opts, seed: 3 });
    const x = eg.tensor([[[1, 2]], [[3, 4]]], undefined, { dtype: 'float64', backend: 'reference' });
    const y = lin.forward(x);
    expect(y.shape).toEqual([2, 1, 3]);
    const w = lin.weight.value.toNested() as number[][];
    const b = lin.bias!.value.toNested() as number[];
    expect((y.toNested() as number[][][])[1][0][2]).toBeCloseTo(3 * w[0][2] + 4 * w[1][2] + b[2], 14);
    expect(() => lin.forward(eg.zeros([2, 5], opts))).toThrow("Linear.forward: 'x' has shape [2, 5], expected last axis 2");
  });

  it('MLP gradients match finite differences, first and second order', () => {
    const mlp = new MLP([3, 5, 2], { ...opts, seed: 2 });
    const x = eg.tensor(new Float64Array(12).map((_, i) => Math.sin(i)), [4, 3], opts);
    checkGrads((input) => mlp.forward(input), [x], { order: 2 });
    checkGrads((w) => {
      mlp.layers[0].weight.value = w;
      return mlp.forward(x);
    }, [mlp.layers[0].weight.value.detach()]);
  });
});
