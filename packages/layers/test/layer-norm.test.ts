import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { assertClose, checkGrads } from '@equigraph/core/testing';
import { LayerNorm } from '@equigraph/layers';

const opts = { dtype: 'float64' as const, backend: 'reference' };

describe('LayerNorm', () => {
  it('normalises each row to zero mean and unit (biased) variance', () => {
    const x = eg.tensor([[1, 2, 3, 4], [10, 10, 10, 14]], undefined, opts);
    const y = new LayerNorm(4, { ...opts, eps: 0 }).forward(x);
    const rows = y.toNested() as number[][];
    const s = Math.sqrt(1.25);
    assertClose(eg.tensor(rows, undefined, opts), eg.tensor([[-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], [-1 / Math.sqrt(3), -1 / Math.sqrt(3), -1 / Math.sqrt(3), Math.sqrt(3)]], undefined, opts), { atol: 1e-12 });
  });

  it('is differentiable twice and checks its input', () => {
    const norm = new LayerNorm(3, opts);
    checkGrads((x) => norm.forward(x), [eg.tensor([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]], undefined, opts)], { order: 2 });
    expect(() => norm.forward(eg.zeros([2, 4], opts))).toThrow("LayerNorm.forward: 'x' has shape [2, 4], expected last axis 3");
    expect(norm.namedParameters().map(([n]) => n)).toEqual(['gain', 'bias']);
  });
});
