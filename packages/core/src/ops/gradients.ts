import type { BinaryOp, ReduceOp, UnaryGradOp, UnaryOp } from '../backend.js';
import { registerGradient } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { isFloat, type DType } from '../dtype.js';
import { formatShape, shapesEqual } from '../shape.js';
import * as ew from './elementwise.js';
import { cast, indexSelect, scatterSum } from './indexing.js';
import { matmul } from './matmul.js';
import { keptShape, sum } from './reduce.js';
import { broadcastTo, pad, reshape, slice, transpose } from './shape-ops.js';

/**
 * Every gradient is written in ops, once per kernel, and shared by every
 * backend; because ops record themselves, gradients are differentiable too.
 */

/** Sums a broadcast gradient back to `shape`. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  const reduced = sum(g, axes, true);
  if (reduced.size !== shape.reduce((a, b) => a * b, 1)) throw new Error(`unbroadcast: cannot reduce ${formatShape(g.shape)} to ${formatShape(shape)}`);
  return reshape(reduced, shape);
}

const UNARY_GRADS: Record<UnaryOp, (g: Tensor, x: Tensor, y: Tensor) => Tensor | null> = {
  neg: (g) => ew.neg(g),
  exp: (g, _x, y) => ew.mul(g, y),
  log: (g, x) => ew.div(g, x),
  sqrt: (g, _x, y) => ew.div(g, ew.mul(y, 2)),
  abs: (g, x) => ew.mul(g, ew.sign(x)),
  sign: () => null,
  square: (g, x) => ew.mul(g, ew.mul(x, 2)),
  reciprocal: (g, _x, y) => ew.neg(ew.mul(g, ew.square(y))),
  // Activations: one fused UnaryGrad kernel (see ew.unaryGrad for the formulas).
  sigmoid: (g, x, y) => ew.unaryGrad('sigmoid', x, y, g),
  tanh: (g, x, y) => ew.unaryGrad('tanh', x, y, g),
  relu: (g, x) => ew.mul(g, ew.step(x)),
  silu: (g, x, y) => ew.unaryGrad('silu', x, y, g),
  softplus: (g, x, y) => ew.unaryGrad('softplus', x, y, g),
  step: () => null,
  sin: (g, x) => ew.mul(g, ew.cos(x)),
  cos: (g, x) => ew.neg(ew.mul(g, ew.sin(x))),
};

registerGradient('Unary', (g, [x], y, attrs) => [UNARY_GRADS[attrs.op as UnaryOp](g, x, y)]);

/**
 * z = dy·f'(x) (y = f(x) is a cached value: its gradient is carried by x).
 * d/d dy = f'(x)·g, again one UnaryGrad; d/dx = g·dy·f''(x) with
 *   sigmoid  f'' = f'·(1 − 2y)          tanh      f'' = −2y·f'
 *   silu     f'' = σ(1 − σ)(2 + x(1 − 2σ))   softplus  f'' = σ(1 − σ)
 */
registerGradient('UnaryGrad', (g, [x, y, dy], _z, attrs) => {
  const op = attrs.op as UnaryGradOp;
  const gdy = dy.requiresGrad ? ew.unaryGrad(op, x, y, g) : null;
  if (!x.requiresGrad) return [null, null, gdy];
  const h = ew.mul(g, dy);
  let gx: Tensor;
  switch (op) {
    case 'sigmoid':
      gx = ew.mul(ew.unaryGrad('sigmoid', x, y, h), ew.sub(1, ew.mul(y, 2)));
      break;
    case 'tanh':
      gx = ew.mul(ew.unaryGrad('tanh', x, y, h), ew.mul(y, -2));
      break;
    case 'silu': {
      const s = ew.sigmoid(x);
      gx = ew.mul(ew.unaryGrad('sigmoid', x, s, h), ew.add(2, ew.mul(x, ew.sub(1, ew.mul(s, 2)))));
      break;
    }
    case 'softplus': {
      const s = ew.sigmoid(x);
      gx = ew.unaryGrad('sigmoid', x, s, h);
      break;
    }
  }
  return [gx, null, gdy];
});

const BINARY_GRADS: Record<BinaryOp, (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null]> = {
  add: (g) => [g, g],
  sub: (g) => [g, ew.neg(g)],
  mul: (g, a, b) => [a.requiresGrad ? ew.mul(g, b) : null, b.requiresGrad ? ew.mul(g, a) : null],
  div: (g, a, b) => [ew.div(g, b), ew.neg(ew.div(ew.mul(g, a), ew.square(b)))],
  pow: (g, a, b, y) => [
    ew.mul(g, ew.mul(b, ew.pow(a, ew.sub(b, 1)))),
    // d/db a^b = a^b·ln a, only formed when b is tracked (ln a is NaN for a ≤ 0).
    b.requiresGrad ? ew.mul(g, ew.mul(y, ew.log(a))) : null,
  ],
  // Ties send the gradient to 'a', as maximum returns 'a' there.
  maximum: (g, a, b) => {
    const toB = ew.greater(b, a);
    return [ew.mul(g, ew.sub(1, toB)), ew.mul(g, toB)];
  },
  minimum: (g, a, b) => {
    const toB = ew.greater(a, b);
    return [ew.mul(g, ew.sub(1, toB)), ew.mul(g, toB)];
  },
  equal: () => [null, null],
  greater: () => [null, null],
};

registerGradient('Binary', (g, [a, b], y, attrs) => {
  const [ga, gb] = BINARY_GRADS[attrs.op as BinaryOp](g, a, b, y);
  return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
});

registerGradient('Reduce', (g, [x], y, attrs) => {
  const start = attrs.start as number;
  const axes = Array.from({ length: (attrs.end as number) - start }, (_, i) => start + i);
  const kept = keptShape(x.shape, axes);
  const gFull = broadcastTo(reshape(g, kept), x.shape);
  if ((attrs.op as ReduceOp) === 'sum') return [gFull];
  // max: split the gradient evenly between tied maxima.
  const mask = ew.equal(x, broadcastTo(reshape(y, kept), x.shape));
  const ties = broadcastTo(sum(mask, axes, true), x.shape);
  return [ew.div(ew.mul(gFull, mask), ties)];
});

registerGradient('Transpose', (g, _inputs, _y, attrs) => {
  const perm = attrs.perm as number[];
  return [transpose(g, perm.map((_, i) => perm.indexOf(i)))];
});

registerGradient('Reshape', (g, [x]) => [reshape(g, x.shape)]);

registerGradient('MatMul', (g, [a, b], _y, attrs) => {
  const tA = attrs.transposeA as boolean;
  const tB = attrs.transposeB as boolean;
  // C = op(A)·op(B): each case is one more matmul with the right transposes.
  // An input that is not tracked gets no gradient, so its matmul is skipped.
  const ga = !a.requiresGrad ? null : tA ? matmul(b, g, { transposeA: tB, transposeB: true }) : matmul(g, b, { transposeB: !tB });
  const gb = !b.requiresGrad ? null : tB ? matmul(g, a, { transposeA: true, transposeB: tA }) : matmul(a, g, { transposeA: !tA });
  return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
});

registerGradient('Gather', (g, [x, index]) => [scatterSum(g, index, x.shape[0]), null]);

registerGradient('Scatter', (g, [src, index], y, attrs) => {
  if (attrs.op === 'sum') return [indexSelect(g, index), null];
  // max: the gradient flows to the rows that attained the maximum, split between ties.
  const mask = ew.equal(src, indexSelect(y, index));
  const ties = ew.maximum(scatterSum(mask, index, attrs.numSegments as number), 1);
  return [ew.mul(mask, indexSelect(ew.div(g, ties), index)), null];
});

registerGradient('Slice', (g, [x], _y, attrs) => {
  const begin = attrs.begin as number[];
  const size = attrs.size as number[];
  return [pad(g, begin, x.shape.map((d, i) => d - begin[i] - size[i]))];
});

registerGradient('Pad', (g, [x], _y, attrs) => [slice(g, attrs.before as number[], x.shape)]);

registerGradient('Concat', (g, inputs, _y, attrs) => {
  const axis = attrs.axis as number;
  let offset = 0;
  return inputs.map((t) => {
    const begin = t.shape.map((_, i) => (i === axis ? offset : 0));
    offset += t.shape[axis];
    return slice(g, begin, t.shape);
  });
});

registerGradient('Cast', (g, [x]) => [isFloat(x.dtype) ? cast(g, x.dtype as DType) : null]);
