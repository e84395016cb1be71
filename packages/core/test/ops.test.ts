import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { assertClose } from '@equigraph/core/testing';

const f64 = { dtype: 'float64' as const, backend: 'reference' };
const t = (values: number[] | number[][] | number[][][], shape?: number[]) => eg.tensor(values, shape, f64);

describe('ops on the reference backend (literal expectations)', () => {
  it('broadcasts binary ops like NumPy', () => {
    const a = t([[1], [2]]);
    const b = t([10, 20, 30]);
    expect(eg.add(a, b).toNested()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(eg.sub(b, 1).toNested()).toEqual([9, 19, 29]);
    expect(eg.div(1, t([2, 4])).toNested()).toEqual([0.5, 0.25]);
    expect(eg.maximum(t([1, 5]), t([3, 2])).toNested()).toEqual([3, 5]);
    expect(eg.greater(t([1, 5]), 2).toNested()).toEqual([0, 1]);
  });

  it('computes unary activations', () => {
    const x = t([-1, 0, 2]);
    assertClose(eg.silu(x), new Float64Array([-1 / (1 + Math.E), 0, 2 / (1 + Math.exp(-2))]), { atol: 1e-15 });
    assertClose(eg.softplus(x), new Float64Array([Math.log1p(Math.exp(-1)), Math.log(2), Math.log1p(Math.exp(2))]), { atol: 1e-15 });
    expect(eg.relu(x).toNested()).toEqual([0, 0, 2]);
  });

  it('reduces over any set of axes', () => {
    const x = t([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(eg.sum(x).item()).toBe(36);
    expect(eg.sum(x, [0, 2]).toNested()).toEqual([14, 22]);
    expect(eg.sum(x, 1, true).shape).toEqual([2, 1, 2]);
    expect(eg.max(x, -1).toNested()).toEqual([[2, 4], [6, 8]]);
    expect(eg.mean(x, [1, 2]).toNested()).toEqual([2.5, 6.5]);
  });

  it('multiplies matrices with transposes and batches', () => {
    const a = t([[1, 2], [3, 4]]);
    const b = t([[5, 6], [7, 8]]);
    expect(eg.matmul(a, b).toNested()).toEqual([[19, 22], [43, 50]]);
    expect(eg.matmul(a, b, { transposeA: true }).toNested()).toEqual([[26, 30], [38, 44]]);
    expect(eg.matmul(a, b, { transposeB: true }).toNested()).toEqual([[17, 23], [39, 53]]);
    const batched = eg.stack([a, b]);
    expect(eg.matmul(batched, a).shape).toEqual([2, 2, 2]);
    expect(eg.matmul(batched, a).toNested()).toEqual([[[7, 10], [15, 22]], [[23, 34], [31, 46]]]);
  });

  it('reshapes, slices, pads and concatenates', () => {
    const x = eg.arange(0, 6, 1, f64).reshape([2, 3]);
    expect(eg.transpose(x).toNested()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(eg.slice(x, [0, 1], [2, 2]).toNested()).toEqual([[1, 2], [4, 5]]);
    expect(eg.pad(t([1, 2]), [1], [2]).toNested()).toEqual([0, 1, 2, 0, 0]);
    expect(eg.concat([x, x], 0).shape).toEqual([4, 3]);
    expect(eg.stack([t([1, 2]), t([3, 4])], 1).toNested()).toEqual([[1, 3], [2, 4]]);
    expect(eg.reshape(x, [-1]).shape).toEqual([6]);
    expect(eg.squeeze(eg.expandDims(x, 0)).shape).toEqual([2, 3]);
  });

  it('gathers and scatters by index', () => {
    const x = t([[1, 2], [3, 4], [5, 6]]);
    expect(eg.indexSelect(x, [2, 0, 2]).toNested()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(eg.indexSelect(x, [1], 1).toNested()).toEqual([[2], [4], [6]]);
    const index = [0, 2, 0];
    expect(eg.scatterSum(x, index, 4).toNested()).toEqual([[6, 8], [0, 0], [3, 4], [0, 0]]);
    expect(eg.scatterMean(x, index, 3).toNested()).toEqual([[3, 4], [0, 0], [3, 4]]);
    expect(eg.scatterMax(t([[-1], [-5], [-3]]), index, 3).toNested()).toEqual([[-1], [0], [-5]]);
    const soft = eg.segmentSoftmax(t([0, Math.log(3), 5]), [1, 1, 0], 2).toArray();
    assertClose(soft, new Float64Array([0.25, 0.75, 1]), { atol: 1e-15 });
  });

  it('casts between dtypes', () => {
    const x = t([1.7, -2.5]);
    expect(eg.cast(x, 'int32').toArray()).toEqual(new Int32Array([1, -2]));
    expect(eg.cast(x, 'float32').dtype).toBe('float32');
  });

  it('keeps float32 precision in float32 tensors', () => {
    const x = eg.tensor([1 / 3], [1], { backend: 'reference' });
    expect(x.dtype).toBe('float32');
    expect(x.toArray()[0]).toBe(Math.fround(1 / 3));
  });
});
