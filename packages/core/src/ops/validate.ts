import { isFloat } from '../dtype.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Argument checks shared by ops; every message names the op, the argument and what was expected. */

export function assertTensor(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: '${arg}' must be a Tensor, got ${describe(t)}`);
}

export function assertFloat(op: string, arg: string, t: Tensor): void {
  assertTensor(op, arg, t);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: '${arg}' must be float32 or float64, got ${t.dtype}`);
}

export function assertSameDtype(op: string, a: Tensor, b: Tensor, names: [string, string] = ['a', 'b']): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(`${op}: '${names[0]}' is ${a.dtype} but '${names[1]}' is ${b.dtype}; cast one of them first`);
  }
}

export function assertRank(op: string, arg: string, t: Tensor, rank: number | ((r: number) => boolean), expected?: string): void {
  const ok = typeof rank === 'number' ? t.rank === rank : rank(t.rank);
  if (!ok) throw new RangeError(`${op}: '${arg}' has shape ${formatShape(t.shape)}, expected ${expected ?? `rank ${rank}`}`);
}

export function assertNoNaN(op: string, arg: string, t: Tensor): void {
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${op}: '${arg}' has a non-finite value (${values[i]}) at flat index ${i}`);
  }
}

export function assertNonNegativeInt(op: string, arg: string, n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`${op}: '${arg}' must be a non-negative integer, got ${describe(n)}`);
  }
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return x.toString();
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x === 'object' ? (x.constructor?.name ?? 'object') : `${typeof x} ${String(x)}`;
}
