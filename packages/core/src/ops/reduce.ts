import type { ReduceOp } from '../backend.js';
import { runKernel } from '../engine.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div } from './elementwise.js';
import { reshape, transpose } from './shape-ops.js';
import { assertFloat } from './validate.js';

export type Axes = number | readonly number[] | undefined;

/** Sorted, unique, non-negative axes; undefined means all. */
export function resolveAxes(op: string, x: Tensor, axes: Axes): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  return [...new Set(list.map((a) => normalizeAxis(op, a, x.rank)))].sort((a, b) => a - b);
}

/** The shape with reduced axes kept as size 1. */
export function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduce(op: ReduceOp, name: string, x: Tensor, axes: Axes, keepDims: boolean): Tensor {
  assertFloat(name, 'x', x);
  const list = resolveAxes(name, x, axes);
  let out: Tensor;
  if (list.length === 0) out = x;
  else {
    const contiguous = list[list.length - 1] - list[0] === list.length - 1;
    // Non-contiguous axes are moved to the end first so the kernel always reduces one block.
    const source = contiguous ? x : transpose(x, [...x.shape.map((_, i) => i).filter((i) => !list.includes(i)), ...list]);
    const start = contiguous ? list[0] : x.rank - list.length;
    out = runKernel('Reduce', [source], { op, start, end: start + list.length });
  }
  return keepDims ? reshape(out, keptShape(x.shape, list)) : out;
}

export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduce('sum', 'sum', x, axes, keepDims);
}

export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduce('max', 'max', x, axes, keepDims);
}

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const count = resolveAxes('mean', x, axes).reduce((acc, a) => acc * x.shape[a], 1);
  return div(sum(x, axes, keepDims), count);
}
