import { Rng, type FloatArray, type TypedArray } from '@equigraph/core';
import { expect } from 'vitest';

export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
export const FLOAT_CTORS: Array<[string, FloatCtor]> = [
  ['float32', Float32Array],
  ['float64', Float64Array],
];

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Strides of `shape` broadcast (right-aligned) to `outShape`: size-1 and missing axes get 0. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = rowMajor(shape);
  return outShape.map((_, i) => {
    const j = i - (outShape.length - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

export function normalArray<C extends FloatCtor>(ctor: C, rng: Rng, n: number, scale = 1): InstanceType<C> {
  const a = new ctor(n) as InstanceType<C>;
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

export function uniformArray<C extends FloatCtor>(ctor: C, rng: Rng, n: number, lo: number, hi: number): InstanceType<C> {
  const a = new ctor(n) as InstanceType<C>;
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

export function indexArray(rng: Rng, n: number, bound: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.integer(bound);
  return a;
}

export const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1, -1, 30, -30, 1e-30, 88.5, -100];

/** |a - b| <= atol + rtol·|b| elementwise; NaN matches NaN; reports the first mismatch. */
export function expectClose(actual: TypedArray | FloatArray, expected: TypedArray | FloatArray, rtol: number, atol = rtol, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (Math.abs(a - b) <= atol + rtol * Math.abs(b)) continue;
    expect.fail(`${label}: element ${i} is ${a}, expected ${b} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Bit-for-bit equality (NaN matches NaN, -0 and +0 equal). */
export function expectSame(actual: TypedArray, expected: TypedArray, label = ''): void {
  expectClose(actual, expected, 0, 0, label);
}
