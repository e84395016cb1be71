import { expect } from 'vitest';

/** max_i |a_i - b_i| (lengths must agree). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what = ''): void {
  const d = maxAbsDiff(a, b);
  if (!(d <= tol)) throw new Error(`${what} max |diff| = ${d} > ${tol}`);
}

export function eye(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

export function transpose(a: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j]!;
  return out;
}

/** (n×k) @ (k×m). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) {
    const v = a[i * k + p]!;
    for (let j = 0; j < m; j++) out[i * m + j] += v * b[p * m + j]!;
  }
  return out;
}

/** y = A x for an n×m matrix. */
export function matvec(a: ArrayLike<number>, x: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** Matrix exponential by scaling and squaring with a Taylor series (test oracle only). */
export function expm(a: ArrayLike<number>, n: number): Float64Array {
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm = Math.max(norm, Math.abs(a[i]!));
  const s = Math.max(0, Math.ceil(Math.log2((norm * n) / 0.25)));
  const scale = 2 ** -s;
  const A = Float64Array.from(a, (v) => v * scale);
  let result = eye(n);
  let term = eye(n);
  for (let k = 1; k <= 30; k++) {
    term = matmul(term, A, n, n, n).map((v) => v / k);
    result = result.map((v, i) => v + term[i]!);
  }
  for (let i = 0; i < s; i++) result = matmul(result, result, n, n, n);
  return result;
}
