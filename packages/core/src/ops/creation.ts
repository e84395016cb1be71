import type { Backend } from '../backend.js';
import { allocArray, dtypeOfArray, type DType, type TypedArray } from '../dtype.js';
import { findBackend, getBackend } from '../registry.js';
import { formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface CreateOptions {
  dtype?: DType;
  /** Backend name or object; defaults to the active backend. */
  backend?: string | Backend;
  requiresGrad?: boolean;
}

type Nested = number | readonly Nested[];

function resolveBackend(backend: string | Backend | undefined): Backend {
  if (backend === undefined) return getBackend();
  return typeof backend === 'string' ? findBackend(backend) : backend;
}

function inferShape(values: Nested): number[] {
  const shape: number[] = [];
  let v: Nested = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = (v as readonly Nested[])[0];
  }
  return shape;
}

/**
 * Creates a tensor from nested arrays, a flat array plus shape, or a typed
 * array (whose dtype is kept unless `dtype` says otherwise). Default dtype: float32.
 */
export function tensor(values: Nested | TypedArray, shape?: readonly number[], options: CreateOptions = {}): Tensor {
  const isTyped = ArrayBuffer.isView(values);
  const dtype = options.dtype ?? (isTyped ? dtypeOfArray(values as TypedArray) : 'float32');
  const flat = isTyped ? (values as TypedArray) : typeof values === 'number' ? [values] : (values as readonly Nested[]).flat(Infinity as 1) as number[];
  const finalShape = shape ?? (isTyped ? [flat.length] : inferShape(values as Nested));
  if (sizeOf(finalShape) !== flat.length) {
    throw new RangeError(`tensor: ${flat.length} values do not fill shape ${formatShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  let array: TypedArray;
  if (isTyped && dtypeOfArray(values as TypedArray) === dtype) array = values as TypedArray;
  else {
    array = allocArray(dtype, flat.length);
    for (let i = 0; i < flat.length; i++) array[i] = flat[i] as number;
  }
  const backend = resolveBackend(options.backend);
  return new Tensor(backend.write(array), [...finalShape], dtype, backend, options.requiresGrad ?? false);
}

export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return tensor([value], [], options);
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  const array = allocArray(options.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) array.fill(value);
  return tensor(array, shape, options);
}

export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

const like = (t: Tensor): CreateOptions => ({ dtype: t.dtype, backend: t.backend });

export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, like(t));
}

export function onesLike(t: Tensor): Tensor {
  return ones(t.shape, like(t));
}

/** A scalar in the dtype and backend of `t`, for mixing constants into ops. */
export function scalarLike(t: Tensor, value: number): Tensor {
  return scalar(value, like(t));
}

/** [start, start+step, ...) below stop. */
export function arange(start: number, stop: number, step = 1, options: CreateOptions = {}): Tensor {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const array = allocArray(options.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) array[i] = start + i * step;
  return tensor(array, [n], options);
}

/** Copies a tensor to another backend (values only; the result is a new leaf). */
export function toBackend(t: Tensor, backend: string | Backend): Tensor {
  return tensor(t.toArray(), t.shape, { dtype: t.dtype, backend });
}
