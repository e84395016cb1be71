import { UNARY_GRAD_OPS, type BinaryOp, type UnaryGradOp, type UnaryOp } from '../backend.js';
import { runKernel } from '../engine.js';
import { hasKernel } from '../kernel.js';
import { broadcastShapes, formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { scalarLike } from './creation.js';
import { assertFloat, assertSameDtype } from './validate.js';

/** A tensor or a plain number (taken in the other operand's dtype and backend). */
export type TensorLike = Tensor | number;

/** Applies a unary op by name (the named exports below are the usual entry points). */
export function runUnary(op: UnaryOp, x: Tensor): Tensor {
  assertFloat(op, 'x', x);
  return runKernel('Unary', [x], { op });
}

const unary = (op: UnaryOp) => (x: Tensor) => runUnary(op, x);

export const neg = unary('neg');
export const exp = unary('exp');
export const log = unary('log');
export const sqrt = unary('sqrt');
export const abs = unary('abs');
export const sign = unary('sign');
export const square = unary('square');
export const reciprocal = unary('reciprocal');
export const sigmoid = unary('sigmoid');
export const tanh = unary('tanh');
export const relu = unary('relu');
export const silu = unary('silu');
export const softplus = unary('softplus');
/** 1 where x > 0, else 0 (the derivative of relu). */
export const step = unary('step');
export const sin = unary('sin');
export const cos = unary('cos');

/** Applies a broadcasting binary op by name. */
export function runBinary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  {
    if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new TypeError(`${op}: at least one of 'a', 'b' must be a Tensor`);
    const ta = a instanceof Tensor ? a : scalarLike(b as Tensor, a);
    const tb = b instanceof Tensor ? b : scalarLike(ta, b);
    assertFloat(op, 'a', ta);
    assertFloat(op, 'b', tb);
    assertSameDtype(op, ta, tb);
    if (!broadcastShapes(ta.shape, tb.shape)) {
      throw new RangeError(`${op}: shapes ${formatShape(ta.shape)} ('a') and ${formatShape(tb.shape)} ('b') do not broadcast`);
    }
    return runKernel('Binary', [ta, tb], { op });
  }
}

const binary = (op: BinaryOp) => (a: TensorLike, b: TensorLike) => runBinary(op, a, b);

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const pow = binary('pow');
export const maximum = binary('maximum');
export const minimum = binary('minimum');
/** 1 where a == b, else 0 (not differentiable). */
export const equal = binary('equal');
/** 1 where a > b, else 0 (not differentiable). */
export const greater = binary('greater');

/**
 * dy·f'(x) for the activation f = op, given its output y = f(x): the
 * gradient of an activation as one fused kernel (UnaryGrad) where the backend
 * has it, else composed from elementwise ops. Differentiable in x and dy
 * (y is read as the cached f(x), never differentiated).
 */
export function unaryGrad(op: UnaryGradOp, x: Tensor, y: Tensor, dy: Tensor): Tensor {
  if (!UNARY_GRAD_OPS.includes(op)) throw new RangeError(`unaryGrad: op '${op}' has no fused gradient (expected one of ${UNARY_GRAD_OPS.join(', ')})`);
  assertFloat('unaryGrad', 'x', x);
  assertFloat('unaryGrad', 'y', y);
  assertFloat('unaryGrad', 'dy', dy);
  assertSameDtype('unaryGrad', x, y, ['x', 'y']);
  assertSameDtype('unaryGrad', x, dy, ['x', 'dy']);
  if (!shapesEqual(x.shape, y.shape) || !shapesEqual(x.shape, dy.shape)) {
    throw new RangeError(`unaryGrad: 'x' ${formatShape(x.shape)}, 'y' ${formatShape(y.shape)} and 'dy' ${formatShape(dy.shape)} must have the same shape`);
  }
  if (hasKernel('UnaryGrad', x.backend.name)) return runKernel('UnaryGrad', [x, y, dy], { op });
  return composedUnaryGrad(op, x, y, dy);
}

/** The same gradients written with elementwise ops (backends without UnaryGrad). */
export function composedUnaryGrad(op: UnaryGradOp, x: Tensor, y: Tensor, dy: Tensor): Tensor {
  switch (op) {
    case 'sigmoid':
      return mul(dy, mul(y, sub(1, y)));
    case 'tanh':
      return mul(dy, sub(1, square(y)));
    case 'silu': {
      // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
      const s = sigmoid(x);
      return mul(dy, mul(s, add(1, mul(x, sub(1, s)))));
    }
    case 'softplus':
      return mul(dy, sigmoid(x));
  }
}
