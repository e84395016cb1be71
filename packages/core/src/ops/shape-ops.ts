import { runKernel } from '../engine.js';
import { formatShape, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { add } from './elementwise.js';
import { assertSameDtype, assertTensor } from './validate.js';

/** Same values, new shape; one entry may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('reshape', 'x', x);
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.length - known.length;
  if (inferred > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`reshape: shape ${formatShape(shape)} is invalid (non-negative integers, at most one -1)`);
  }
  const knownSize = sizeOf(known);
  const resolved = shape.map((d) => (d === -1 ? x.size / knownSize : d));
  if (sizeOf(resolved) !== x.size || resolved.some((d) => !Number.isInteger(d))) {
    throw new RangeError(`reshape: cannot view ${formatShape(x.shape)} (${x.size} elements) as ${formatShape(shape)}`);
  }
  if (shapesEqual(resolved, x.shape)) return x;
  return runKernel('Reshape', [x], { shape: resolved });
}

/** Permutes axes; with no perm, reverses them. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertTensor('transpose', 'x', x);
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== x.rank) {
    throw new RangeError(`transpose: perm [${perm}] is not a permutation of the ${x.rank} axes of ${formatShape(x.shape)}`);
  }
  if (p.every((a, i) => a === i)) return x;
  return runKernel('Transpose', [x], { perm: p });
}

/** Swaps the last two axes. */
export function matrixTranspose(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

/** The box of `size` starting at `begin` (size -1: to the end). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  assertTensor('slice', 'x', x);
  if (begin.length !== x.rank || (size && size.length !== x.rank)) {
    throw new RangeError(`slice: begin/size must have one entry per axis of ${formatShape(x.shape)}`);
  }
  const sz = x.shape.map((d, i) => (size === undefined || size[i] === -1 ? d - begin[i] : size[i]));
  x.shape.forEach((d, i) => {
    if (!Number.isInteger(begin[i]) || begin[i] < 0 || sz[i] < 0 || begin[i] + sz[i] > d) {
      throw new RangeError(`slice: box begin [${begin}] size [${sz}] does not fit in ${formatShape(x.shape)}`);
    }
  });
  if (shapesEqual(sz, x.shape)) return x;
  return runKernel('Slice', [x], { begin: [...begin], size: sz });
}

/** Elements [start, end) along one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normalizeAxis('sliceAxis', axis, x.rank);
  const begin = x.shape.map((_, i) => (i === a ? start : 0));
  const size = x.shape.map((d, i) => (i === a ? end - start : d));
  return slice(x, begin, size);
}

/** Zero padding: `before[i]` and `after[i]` elements on axis i. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  assertTensor('pad', 'x', x);
  if (before.length !== x.rank || after.length !== x.rank || [...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) {
    throw new RangeError(`pad: before/after must be non-negative integers, one per axis of ${formatShape(x.shape)}`);
  }
  if ([...before, ...after].every((p) => p === 0)) return x;
  return runKernel('Pad', [x], { before: [...before], after: [...after] });
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new RangeError('concat: needs at least one tensor');
  xs.forEach((t, i) => assertTensor('concat', `xs[${i}]`, t));
  const a = normalizeAxis('concat', axis, xs[0].rank);
  xs.forEach((t, i) => {
    assertSameDtype('concat', xs[0], t, ['xs[0]', `xs[${i}]`]);
    if (t.rank !== xs[0].rank || t.shape.some((d, j) => j !== a && d !== xs[0].shape[j])) {
      throw new RangeError(`concat: xs[${i}] has shape ${formatShape(t.shape)}, incompatible with xs[0] ${formatShape(xs[0].shape)} along axis ${a}`);
    }
  });
  if (xs.length === 1) return xs[0];
  return runKernel('Concat', xs, { axis: a });
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes size-1 axes (all of them, or the given ones). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const drop = new Set(axes?.map((a) => normalizeAxis('squeeze', a, x.rank)) ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (x.shape[a] !== 1) throw new RangeError(`squeeze: axis ${a} of ${formatShape(x.shape)} has size ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => !drop.has(i)));
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new RangeError('stack: needs at least one tensor');
  const a = normalizeAxis('stack', axis, xs[0].rank + 1);
  return concat(xs.map((t) => expandDims(t, a)), a);
}

/** Broadcasts x to `shape` (materialised; its gradient sums back). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  return add(x, zeros(shape, { dtype: x.dtype, backend: x.backend }));
}
