import { runKernel } from '../engine.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { div, exp, maximum, sub } from './elementwise.js';
import { normalizeAxis } from '../shape.js';
import { transpose } from './shape-ops.js';
import { assertFloat, assertNonNegativeInt, assertTensor } from './validate.js';

/** An int32 index: a tensor, an Int32Array or plain numbers. */
export type IndexLike = Tensor | Int32Array | readonly number[];

// Index tensors are immutable, so each is range-checked once per bound.
const checkedBounds = new WeakMap<Tensor, number>();

/** Converts to an int32 tensor on `like`'s backend and checks every entry lies in [0, bound). */
export function toIndex(op: string, arg: string, index: IndexLike, like: Tensor, bound: number): Tensor {
  let t: Tensor;
  if (index instanceof Tensor) {
    if (index.dtype !== 'int32') throw new TypeError(`${op}: '${arg}' must be an int32 tensor, got ${index.dtype}`);
    if (index.rank !== 1) throw new RangeError(`${op}: '${arg}' must be a vector, got shape ${formatShape(index.shape)}`);
    t = index.backend === like.backend ? index : tensor(index.toArray(), index.shape, { dtype: 'int32', backend: like.backend });
  } else {
    t = tensor(index instanceof Int32Array ? index : Int32Array.from(index), undefined, { dtype: 'int32', backend: like.backend });
  }
  if ((checkedBounds.get(t) ?? -1) !== bound) {
    const values = t.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] >= bound) {
        throw new RangeError(`${op}: '${arg}'[${i}] = ${values[i]} is out of range [0, ${bound})`);
      }
    }
    checkedBounds.set(t, bound);
  }
  return t;
}

/** Rows of x picked by index along `axis` (PyTorch's index_select). */
export function indexSelect(x: Tensor, index: IndexLike, axis = 0): Tensor {
  assertTensor('indexSelect', 'x', x);
  const a = normalizeAxis('indexSelect', axis, x.rank);
  if (a !== 0) {
    const perm = [a, ...x.shape.map((_, i) => i).filter((i) => i !== a)];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return transpose(indexSelect(transpose(x, perm), index, 0), inverse);
  }
  const idx = toIndex('indexSelect', 'index', index, x, x.shape[0]);
  return runKernel('Gather', [x, idx]);
}

function scatter(op: 'sum' | 'max', name: string, src: Tensor, index: IndexLike, numSegments: number): Tensor {
  assertFloat(name, 'src', src);
  assertNonNegativeInt(name, 'numSegments', numSegments);
  if (src.rank < 1) throw new RangeError(`${name}: 'src' must have rank >= 1, got a scalar`);
  const idx = toIndex(name, 'index', index, src, numSegments);
  if (idx.size !== src.shape[0]) {
    throw new RangeError(`${name}: 'index' has ${idx.size} entries but 'src' has ${src.shape[0]} rows ${formatShape(src.shape)}`);
  }
  return runKernel('Scatter', [src, idx], { op, numSegments });
}

/** out[s] = Σ src[i] over i with index[i] = s (rows along axis 0). */
export function scatterSum(src: Tensor, index: IndexLike, numSegments: number): Tensor {
  return scatter('sum', 'scatterSum', src, index, numSegments);
}

/** out[s] = max src[i] over i with index[i] = s; empty segments give 0 (as PyG). */
export function scatterMax(src: Tensor, index: IndexLike, numSegments: number): Tensor {
  return scatter('max', 'scatterMax', src, index, numSegments);
}

/** Number of rows in each segment, in src's dtype. */
export function segmentCounts(src: Tensor, index: IndexLike, numSegments: number): Tensor {
  const ones = tensor(new Float64Array(src.shape[0]).fill(1), [src.shape[0], 1], { dtype: src.dtype, backend: src.backend });
  return scatterSum(ones, index, numSegments);
}

/** out[s] = mean of src[i] over i with index[i] = s; empty segments give 0. */
export function scatterMean(src: Tensor, index: IndexLike, numSegments: number): Tensor {
  const total = scatterSum(src, index, numSegments);
  const counts = segmentCounts(src, index, numSegments);
  const shape = [numSegments, ...src.shape.slice(1).map(() => 1)];
  return div(total, maximum(counts.reshape(shape), 1));
}

/** Softmax of src within each segment (attention over a node's incoming edges). */
export function segmentSoftmax(src: Tensor, index: IndexLike, numSegments: number): Tensor {
  const idx = toIndex('segmentSoftmax', 'index', index, src, numSegments);
  // Subtracting the segment max keeps exp finite; it cancels in the ratio (and in the gradient).
  const shifted = sub(src, indexSelect(scatterMax(src.detach(), idx, numSegments), idx));
  const e = exp(shifted);
  return div(e, indexSelect(scatterSum(e, idx, numSegments), idx));
}

export function cast(x: Tensor, dtype: Tensor['dtype']): Tensor {
  assertTensor('cast', 'x', x);
  if (x.dtype === dtype) return x;
  return runKernel('Cast', [x], { dtype });
}
