import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';

const f64 = { dtype: 'float64' as const, backend: 'reference' };

describe('bad input gives errors naming the op, the argument and what was expected', () => {
  const a = eg.zeros([2, 3], f64);
  it('shapes', () => {
    expect(() => eg.add(a, eg.zeros([4], f64))).toThrow("add: shapes [2, 3] ('a') and [4] ('b') do not broadcast");
    expect(() => eg.matmul(a, a)).toThrow(/matmul: inner dimensions differ/);
    expect(() => eg.reshape(a, [4, 2])).toThrow('reshape: cannot view [2, 3] (6 elements) as [4, 2]');
    expect(() => eg.tensor([1, 2, 3], [2, 2])).toThrow(/do not fill shape \[2, 2\]/);
    expect(() => eg.sum(a, 3)).toThrow('sum: axis 3 is out of range for a tensor of rank 2');
    expect(() => eg.concat([a, eg.zeros([3, 3], f64)], 1)).toThrow(/concat: xs\[1\] has shape \[3, 3\]/);
  });
  it('dtypes', () => {
    expect(() => eg.mul(a, eg.zeros([2, 3], { dtype: 'float32', backend: 'reference' }))).toThrow("mul: 'a' is float64 but 'b' is float32; cast one of them first");
    expect(() => eg.exp(eg.zeros([2], { dtype: 'int32', backend: 'reference' }))).toThrow("exp: 'x' must be float32 or float64, got int32");
    expect(() => eg.indexSelect(a, eg.zeros([2], f64))).toThrow("indexSelect: 'index' must be an int32 tensor, got float64");
  });
  it('indices out of range are errors, never dropped', () => {
    expect(() => eg.scatterSum(a, [0, 5], 3)).toThrow("scatterSum: 'index'[1] = 5 is out of range [0, 3)");
    expect(() => eg.scatterSum(a, [0, -1], 3)).toThrow("scatterSum: 'index'[1] = -1 is out of range [0, 3)");
    expect(() => eg.indexSelect(a, [2])).toThrow("indexSelect: 'index'[0] = 2 is out of range [0, 2)");
    expect(() => eg.scatterSum(a, [0, 1, 1], 3)).toThrow(/'index' has 3 entries but 'src' has 2 rows/);
  });
  it('non-tensors', () => {
    expect(() => eg.exp([1, 2] as unknown as eg.Tensor)).toThrow("exp: 'x' must be a Tensor, got Array");
    expect(() => eg.scatterSum(a, [0, 1], 2.5)).toThrow("scatterSum: 'numSegments' must be a non-negative integer, got number 2.5");
  });
  it('NaN checks where an op forbids them', () => {
    expect(() => eg.assertNoNaN('radiusGraph', 'positions', eg.tensor([0, NaN], [2], f64))).toThrow("radiusGraph: 'positions' has a non-finite value (NaN) at flat index 1");
  });
});
