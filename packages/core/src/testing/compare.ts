import type { TypedArray } from '../dtype.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Throws unless a and b have equal shapes and |a − b| ≤ atol + rtol·|b| everywhere (NaN matches NaN). */
export function assertClose(actual: Tensor | TypedArray, expected: Tensor | TypedArray, tol: { atol?: number; rtol?: number } = {}, label = 'values'): void {
  const atol = tol.atol ?? 1e-6;
  const rtol = tol.rtol ?? 1e-6;
  if (!ArrayBuffer.isView(actual) && !ArrayBuffer.isView(expected) && !shapesEqual(actual.shape, expected.shape)) {
    throw new Error(`${label}: shape ${formatShape(actual.shape)}, expected ${formatShape(expected.shape)}`);
  }
  const a = ArrayBuffer.isView(actual) ? actual : actual.toArray();
  const b = ArrayBuffer.isView(expected) ? expected : expected.toArray();
  if (a.length !== b.length) throw new Error(`${label}: ${a.length} elements, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])) || Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]);
    if (!ok) throw new Error(`${label}: element ${i} is ${a[i]}, expected ${b[i]} (atol ${atol}, rtol ${rtol})`);
  }
}
