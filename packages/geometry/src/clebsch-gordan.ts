/**
 * Clebsch–Gordan coefficients in e3nn's real basis: `wigner3j(l1, l2, l3)` equals e3nn's
 * `o3.wigner_3j(l1, l2, l3)` (`e3nn/o3/_wigner.py`: `_so3_clebsch_gordan`), built the same way:
 *
 *   1. the complex (SU(2)) Clebsch–Gordan coefficients `<l1 m1; l2 m2 | l3 m3>` from Racah's
 *      formula, evaluated in exact rational arithmetic (BigInt) and rounded once at the end;
 *   2. the change of basis to e3nn's real basis,
 *      `C[j,k,n] = Σ Q1[a,j] Q2[b,k] conj(Q3[c,n]) CG[a,b,c]` with `Q = changeBasisRealToComplex(l)`
 *      (whose `(-i)^l` factor makes the result real);
 *   3. division by the Frobenius norm, so `Σ C² = 1` (no other sign fixing: e3nn does none).
 */

/** Complex matrix as separate real and imaginary parts, row-major `n × n`. */
export interface ComplexMatrix {
  readonly n: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/**
 * e3nn's `change_basis_real_to_complex(l)`: the unitary `Q` with `v_complex = Q v_real`; rows are
 * indexed by the complex `m` (`l + m`), columns by the real index. For `m < 0`:
 * `Q[l+m, l+|m|] = 1/√2`, `Q[l+m, l-|m|] = -i/√2`; `Q[l, l] = 1`; for `m > 0`:
 * `Q[l+m, l+m] = (-1)^m/√2`, `Q[l+m, l-m] = i(-1)^m/√2`; then all multiplied by `(-i)^l`.
 */
export function changeBasisRealToComplex(l: number): ComplexMatrix {
  const n = 2 * l + 1;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const h = Math.SQRT1_2;
  for (let m = -l; m < 0; m++) {
    re[(l + m) * n + (l - m)] = h; // l + |m|
    im[(l + m) * n + (l + m)] = -h; // l - |m|
  }
  re[l * n + l] = 1;
  for (let m = 1; m <= l; m++) {
    const sign = m % 2 === 0 ? 1 : -1;
    re[(l + m) * n + (l + m)] = sign * h;
    im[(l + m) * n + (l - m)] = sign * h;
  }
  // multiply by (-i)^l: (-i)^0 = 1, (-i)^1 = -i, (-i)^2 = -1, (-i)^3 = i.
  const [fr, fi] = [
    [1, 0],
    [0, -1],
    [-1, 0],
    [0, 1],
  ][l % 4]!;
  for (let i = 0; i < n * n; i++) {
    const a = re[i]!;
    const b = im[i]!;
    re[i] = a * fr! - b * fi!;
    im[i] = a * fi! + b * fr!;
  }
  return { n, re, im };
}

// ---------------------------------------------------------------------------------------------
// Exact rational helpers (BigInt).

const factorialCache: bigint[] = [1n];
function factorial(n: number): bigint {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`factorial of ${n}`);
  for (let k = factorialCache.length; k <= n; k++) factorialCache.push(factorialCache[k - 1]! * BigInt(k));
  return factorialCache[n]!;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** `n / d` rounded to a double with relative error ≲ 2^-53, for positive BigInts. */
function ratioToNumber(n: bigint, d: bigint): number {
  const shift = 64 - (bitLength(n) - bitLength(d));
  const q = shift >= 0 ? (n << BigInt(shift)) / d : n / (d << BigInt(-shift));
  return Number(q) * 2 ** -shift;
}

/**
 * SU(2) Clebsch–Gordan coefficient `<j1 m1; j2 m2 | j3 m3>` (Condon–Shortley convention, integer
 * `j`), by Racah's formula in exact arithmetic (the formula e3nn takes from QuTiP).
 */
export function su2ClebschGordanCoeff(j1: number, m1: number, j2: number, m2: number, j3: number, m3: number): number {
  if (m3 !== m1 + m2) return 0;
  if (j3 < Math.abs(j1 - j2) || j3 > j1 + j2) return 0;
  if (Math.abs(m1) > j1 || Math.abs(m2) > j2 || Math.abs(m3) > j3) return 0;
  const vmin = Math.max(-j1 + j2 + m3, -j1 + m1, 0);
  const vmax = Math.min(j2 + j3 + m1, j3 - j1 + j2, j3 + m3);
  // prefactor² = (2 j3 + 1) * pn / pd
  const pn = BigInt(2 * j3 + 1) * factorial(j3 + j1 - j2) * factorial(j3 - j1 + j2) * factorial(j1 + j2 - j3) * factorial(j3 + m3) * factorial(j3 - m3);
  const pd = factorial(j1 + j2 + j3 + 1) * factorial(j1 - m1) * factorial(j1 + m1) * factorial(j2 - m2) * factorial(j2 + m2);
  // S = sn / sd, summed exactly
  let sn = 0n;
  let sd = 1n;
  for (let v = vmin; v <= vmax; v++) {
    const sign = (v + j2 + m2) % 2 === 0 ? 1n : -1n;
    const num = sign * factorial(j2 + j3 + m1 - v) * factorial(j1 - m1 + v);
    const den = factorial(v) * factorial(j3 - j1 + j2 - v) * factorial(j3 + m3 - v) * factorial(v + j1 - j2 - m3);
    sn = sn * den + num * sd;
    sd = sd * den;
    const g = gcd(sn, sd);
    if (g > 1n) {
      sn /= g;
      sd /= g;
    }
  }
  if (sn === 0n) return 0;
  // value = sign(S) * sqrt(pn * sn² / (pd * sd²))
  const value = Math.sqrt(ratioToNumber(pn * sn * sn, pd * sd * sd));
  return sn < 0n ? -value : value;
}

/** Dense complex-basis CG tensor of shape (2j1+1, 2j2+1, 2j3+1), index `[j1+m1, j2+m2, j3+m3]`. */
export function su2ClebschGordan(j1: number, j2: number, j3: number): Float64Array {
  const n1 = 2 * j1 + 1;
  const n2 = 2 * j2 + 1;
  const n3 = 2 * j3 + 1;
  const out = new Float64Array(n1 * n2 * n3);
  if (j3 < Math.abs(j1 - j2) || j3 > j1 + j2) return out;
  for (let m1 = -j1; m1 <= j1; m1++) {
    for (let m2 = -j2; m2 <= j2; m2++) {
      const m3 = m1 + m2;
      if (Math.abs(m3) > j3) continue;
      out[((j1 + m1) * n2 + (j2 + m2)) * n3 + (j3 + m3)] = su2ClebschGordanCoeff(j1, m1, j2, m2, j3, m3);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Non-zero entries of column `col` of a complex matrix: `[row, re, im]`. */
function columnEntries(q: ComplexMatrix, col: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let row = 0; row < q.n; row++) {
    const re = q.re[row * q.n + col]!;
    const im = q.im[row * q.n + col]!;
    if (re !== 0 || im !== 0) out.push([row, re, im]);
  }
  return out;
}

const cache = new Map<string, Float64Array>();

function assertTriangle(l1: number, l2: number, l3: number): void {
  for (const l of [l1, l2, l3]) {
    if (!Number.isInteger(l) || l < 0) throw new RangeError(`wigner3j: degrees must be non-negative integers, got (${l1}, ${l2}, ${l3})`);
  }
  if (l3 < Math.abs(l1 - l2) || l3 > l1 + l2) {
    throw new RangeError(`wigner3j: (${l1}, ${l2}, ${l3}) violates the triangle inequality |l1-l2| <= l3 <= l1+l2`);
  }
}

/**
 * The cached tensor behind `wigner3j` (do not mutate). Shape (2l1+1, 2l2+1, 2l3+1), row-major.
 * @internal
 */
export function wigner3jShared(l1: number, l2: number, l3: number): Float64Array {
  const key = `${l1},${l2},${l3}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  assertTriangle(l1, l2, l3);
  const n1 = 2 * l1 + 1;
  const n2 = 2 * l2 + 1;
  const n3 = 2 * l3 + 1;
  const cg = su2ClebschGordan(l1, l2, l3);
  const q1 = changeBasisRealToComplex(l1);
  const q2 = changeBasisRealToComplex(l2);
  const q3 = changeBasisRealToComplex(l3);
  const cols1 = Array.from({ length: n1 }, (_, j) => columnEntries(q1, j));
  const cols2 = Array.from({ length: n2 }, (_, j) => columnEntries(q2, j));
  const cols3 = Array.from({ length: n3 }, (_, j) => columnEntries(q3, j));
  const out = new Float64Array(n1 * n2 * n3);
  let maxImag = 0;
  for (let j = 0; j < n1; j++) {
    for (let k = 0; k < n2; k++) {
      for (let n = 0; n < n3; n++) {
        let re = 0;
        let im = 0;
        for (const [a, ar, ai] of cols1[j]!) {
          for (const [b, br, bi] of cols2[k]!) {
            // (Q1[a,j] Q2[b,k])
            const abr = ar * br - ai * bi;
            const abi = ar * bi + ai * br;
            for (const [c, cr, ci] of cols3[n]!) {
              const w = cg[(a * n2 + b) * n3 + c]!;
              if (w === 0) continue;
              // × conj(Q3[c,n]) × CG
              re += (abr * cr + abi * ci) * w;
              im += (abi * cr - abr * ci) * w;
            }
          }
        }
        out[(j * n2 + k) * n3 + n] = re;
        maxImag = Math.max(maxImag, Math.abs(im));
      }
    }
  }
  if (maxImag > 1e-10) throw new Error(`wigner3j(${l1}, ${l2}, ${l3}): change of basis left an imaginary part ${maxImag}`);
  let norm2 = 0;
  for (const v of out) norm2 += v * v;
  const inv = 1 / Math.sqrt(norm2);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * inv;
  cache.set(key, out);
  return out;
}

/**
 * e3nn's `o3.wigner_3j(l1, l2, l3)`: real tensor `C` of shape (2l1+1, 2l2+1, 2l3+1), row-major
 * (`C[i,j,k]` at `(i*(2l2+1) + j)*(2l3+1) + k`), with
 * `C_{ijk} D1_{il} D2_{jm} D3_{kn} = C_{lmn}` for every rotation and `Σ C² = 1`.
 * Throws unless `|l1 - l2| <= l3 <= l1 + l2`. Cached; returns a fresh copy.
 */
export function wigner3j(l1: number, l2: number, l3: number): Float64Array {
  return wigner3jShared(l1, l2, l3).slice();
}
