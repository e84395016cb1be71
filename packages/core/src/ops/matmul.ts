import { runKernel } from '../engine.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape-ops.js';
import { assertFloat, assertSameDtype } from './validate.js';

export interface MatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * Matrix product over the last two axes. Leading (batch) axes must match, or
 * one operand may be a plain matrix shared by every batch entry.
 */
export function matmul(a: Tensor, b: Tensor, options: MatMulOptions = {}): Tensor {
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  assertFloat('matmul', 'a', a);
  assertFloat('matmul', 'b', b);
  assertSameDtype('matmul', a, b);
  if (a.rank < 2 || b.rank < 2) {
    throw new RangeError(`matmul: 'a' ${formatShape(a.shape)} and 'b' ${formatShape(b.shape)} must both have rank >= 2`);
  }
  const k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  if (k !== kb) {
    throw new RangeError(`matmul: inner dimensions differ: 'a' ${formatShape(a.shape)}${transposeA ? 'ᵀ' : ''} has ${k} columns, 'b' ${formatShape(b.shape)}${transposeB ? 'ᵀ' : ''} has ${kb} rows`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (batchA.length > 0 && batchB.length > 0 && !shapesEqual(batchA, batchB)) {
    throw new RangeError(`matmul: batch axes ${formatShape(batchA)} of 'a' and ${formatShape(batchB)} of 'b' differ`);
  }
  // The kernel works on rank <= 3: flatten the batch axes and restore them after.
  const batchShape = batchA.length > 0 ? batchA : batchB;
  const flat = (t: Tensor) => (t.rank > 3 ? reshape(t, [-1, ...t.shape.slice(-2)]) : t);
  const out = runKernel('MatMul', [flat(a), flat(b)], { transposeA, transposeB });
  return batchShape.length > 1 ? reshape(out, [...batchShape, ...out.shape.slice(-2)]) : out;
}
