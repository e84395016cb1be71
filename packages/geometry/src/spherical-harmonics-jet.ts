/**
 * Higher derivatives of the real spherical harmonics (reference implementation, plain TypeScript):
 * the second- and third-order contractions that the double backward of `sphericalHarmonicsOp`
 * needs, computed exactly by evaluating the recurrences of `spherical-harmonics.ts` on truncated
 * Taylor polynomials ("jets").
 *
 * A jet with `m` generators is an element of `R[ε_0, …, ε_{m-1}] / (ε_i²)`: one coefficient per
 * subset S of the generators (index = bitmask), the coefficient of `Π_{i∈S} ε_i`. Evaluating a
 * polynomial `f` at `x + Σ_i ε_i v_i` gives the mixed directional derivative
 * `∂^{|S|} f / Π_{i∈S} ∂v_i` as the coefficient of S — exactly, with no truncation error. Generators
 * 0, 1, 2 are the axes x, y, z (a gradient), the others are the contraction directions.
 *
 * The native kernels (native/src/spherical_harmonics.cpp) compute the same quantities with nested
 * dual numbers; the tests compare the two.
 */
import type { ShDegrees, ShOptions, ShNormalization } from './spherical-harmonics.js';

type Jet = Float64Array;

/** Arithmetic on jets with a fixed number of generators. */
class JetAlgebra {
  readonly size: number;
  constructor(readonly generators: number) {
    this.size = 1 << generators;
  }
  constant(c: number): Jet {
    const j = new Float64Array(this.size);
    j[0] = c;
    return j;
  }
  add(a: Jet, b: Jet): Jet {
    const c = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) c[i] = a[i]! + b[i]!;
    return c;
  }
  sub(a: Jet, b: Jet): Jet {
    const c = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) c[i] = a[i]! - b[i]!;
    return c;
  }
  scale(a: Jet, s: number): Jet {
    const c = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) c[i] = a[i]! * s;
    return c;
  }
  /** c[A ∪ B] += a[A] b[B] over disjoint A, B. */
  mul(a: Jet, b: Jet): Jet {
    const full = this.size - 1;
    const c = new Float64Array(this.size);
    for (let A = 0; A < this.size; A++) {
      const av = a[A]!;
      if (av === 0) continue;
      const rest = full & ~A;
      for (let B = rest; ; B = (B - 1) & rest) {
        c[A | B] += av * b[B]!;
        if (B === 0) break;
      }
    }
    return c;
  }
  /** 1/√a: the Taylor series of t^(-1/2) about a[0], exact since the nilpotent part vanishes at power m+1. */
  rsqrt(a: Jet): Jet {
    const a0 = a[0]!;
    const da = a.slice();
    da[0] = 0;
    let result = this.constant(0);
    let power = this.constant(1); // da^k
    let coef = 1; // binom(-1/2, k)
    for (let k = 0; k <= this.generators; k++) {
      result = this.add(result, this.scale(power, coef * Math.pow(a0, -0.5 - k)));
      power = this.mul(power, da);
      coef *= (-0.5 - k) / (k + 1);
    }
    return result;
  }
}

function recurrenceA(l: number, m: number): number {
  return Math.sqrt(((2 * l - 1) * (2 * l + 1)) / ((l - m) * (l + m)));
}
function recurrenceB(l: number, m: number): number {
  return Math.sqrt(((2 * l + 1) * (l + m - 1) * (l - m - 1)) / ((2 * l - 3) * (l + m) * (l - m)));
}

/** 'component'-normalised harmonics of degrees 0..lmax at the jets (X, Y, Z) = (z, x, y), index l² + l + m. */
function evaluateJets(alg: JetAlgebra, lmax: number, X: Jet, Y: Jet, Z: Jet): Jet[] {
  const out: Jet[] = new Array((lmax + 1) * (lmax + 1));
  const rho = alg.add(alg.add(alg.mul(X, X), alg.mul(Y, Y)), alg.mul(Z, Z));
  const C: Jet[] = [alg.constant(1)];
  const S: Jet[] = [alg.constant(0)];
  for (let m = 1; m <= lmax; m++) {
    C[m] = alg.sub(alg.mul(C[m - 1]!, X), alg.mul(S[m - 1]!, Y));
    S[m] = alg.add(alg.mul(S[m - 1]!, X), alg.mul(C[m - 1]!, Y));
  }
  let diag = 1;
  for (let m = 0; m <= lmax; m++) {
    if (m === 1) diag = Math.sqrt(3);
    else if (m >= 2) diag *= Math.sqrt((2 * m + 1) / (2 * m));
    let p2 = alg.constant(0);
    let p1 = alg.constant(diag);
    for (let l = m; l <= lmax; l++) {
      let p = p1;
      if (l > m) {
        p = alg.scale(alg.mul(Z, p1), l === m + 1 ? Math.sqrt(2 * m + 3) : recurrenceA(l, m));
        if (l > m + 1) p = alg.sub(p, alg.scale(alg.mul(rho, p2), recurrenceB(l, m)));
        p2 = p1;
        p1 = p;
      }
      const base = l * l + l;
      if (m === 0) {
        out[base] = p;
      } else {
        out[base + m] = alg.mul(p, C[m]!);
        out[base - m] = alg.mul(p, S[m]!);
      }
    }
  }
  return out;
}

function degreeList(degrees: ShDegrees): number[] {
  const ls = typeof degrees === 'number' ? Array.from({ length: degrees + 1 }, (_, l) => l) : [...degrees];
  if (ls.length === 0) throw new RangeError('sphericalHarmonics: empty list of degrees');
  for (const l of ls) if (!Number.isInteger(l) || l < 0) throw new RangeError(`sphericalHarmonics: invalid degree ${l}`);
  return ls;
}

function normalizationFactor(l: number, normalization: ShNormalization): number {
  switch (normalization) {
    case 'component':
      return 1;
    case 'norm':
      return 1 / Math.sqrt(2 * l + 1);
    case 'integral':
      return 1 / Math.sqrt(4 * Math.PI);
    default:
      throw new RangeError(`sphericalHarmonics: unknown normalization "${String(normalization)}"`);
  }
}

/**
 * Evaluates the requested degrees at x_i + Σ ε_j e_j + Σ_k ε_{3+k} directions[k]_i for every vector
 * and calls `visit(i, column, jet)` with the normalised jet of each output component.
 */
function forEachJet(
  name: string,
  degrees: ShDegrees,
  x: ArrayLike<number>,
  directions: readonly ArrayLike<number>[],
  options: ShOptions,
  visit: (i: number, column: number, jet: Jet) => void,
): { n: number; width: number } {
  const ls = degreeList(degrees);
  if (x.length % 3 !== 0) throw new RangeError(`${name}: input length ${x.length} is not a multiple of 3 (expected [n, 3])`);
  const n = x.length / 3;
  for (const d of directions) {
    if (d.length !== x.length) throw new RangeError(`${name}: a direction has length ${d.length}, expected ${x.length} like x`);
  }
  const normalization = options.normalization ?? 'integral';
  const factors = ls.map((l) => normalizationFactor(l, normalization));
  const lmax = Math.max(...ls);
  const width = ls.reduce((s, l) => s + 2 * l + 1, 0);
  const alg = new JetAlgebra(3 + directions.length);
  for (let i = 0; i < n; i++) {
    let v = [0, 1, 2].map((c) => {
      const j = alg.constant(x[3 * i + c]!);
      j[1 << c] = 1;
      directions.forEach((d, k) => (j[1 << (3 + k)] = d[3 * i + c]!));
      return j;
    });
    if (options.normalize) {
      const r2 = alg.add(alg.add(alg.mul(v[0]!, v[0]!), alg.mul(v[1]!, v[1]!)), alg.mul(v[2]!, v[2]!));
      if (r2[0]! > 0) {
        const k = alg.rsqrt(r2);
        v = v.map((c) => alg.mul(c, k));
      } else {
        v = v.map(() => alg.constant(0)); // zero vector: constant, every derivative 0
      }
    }
    const all = evaluateJets(alg, lmax, v[2]!, v[0]!, v[1]!);
    let col = 0;
    ls.forEach((l, e) => {
      for (let j = 0; j < 2 * l + 1; j++) visit(i, col + j, alg.scale(all[l * l + j]!, factors[e]!));
      col += 2 * l + 1;
    });
  }
  return { n, width };
}

function checkGradOut(name: string, gradOut: ArrayLike<number>, n: number, width: number): void {
  if (!Number.isInteger(n)) throw new RangeError(`${name}: input length ${3 * n} is not a multiple of 3 (expected [n, 3])`);
  if (gradOut.length !== n * width) throw new RangeError(`${name}: gradOut has length ${gradOut.length}, expected ${n} x ${width}`);
}

/**
 * The derivatives of `sphericalHarmonicsBackward(degrees, x, gradOut)` contracted with `ggX` ([n, 3]):
 * `gradX = Σ_k gradOut_k H_k ggX` ([n, 3], H_k the Hessian of component k) and
 * `gradGradOut = J ggX` ([n, D], the Jacobian–vector product). With `normalize`, both are 0 at a
 * zero vector.
 */
export function sphericalHarmonicsDoubleBackward(
  degrees: ShDegrees,
  x: ArrayLike<number>,
  gradOut: ArrayLike<number>,
  ggX: ArrayLike<number>,
  options: ShOptions,
): { gradX: Float64Array; gradGradOut: Float64Array } {
  const name = 'sphericalHarmonicsDoubleBackward';
  const width = degreeList(degrees).reduce((s, l) => s + 2 * l + 1, 0);
  const n = x.length / 3;
  checkGradOut(name, gradOut, n, width);
  const gradX = new Float64Array(x.length);
  const gradGradOut = new Float64Array(gradOut.length);
  const A = 1 << 3;
  forEachJet(name, degrees, x, [ggX], options, (i, col, jet) => {
    const g = gradOut[i * width + col]!;
    for (let c = 0; c < 3; c++) gradX[3 * i + c] += g * jet[(1 << c) | A]!;
    gradGradOut[i * width + col] = jet[A]!;
  });
  return { gradX, gradGradOut };
}

/**
 * Third-order contractions with two directions `a`, `b` ([n, 3]): `hess = aᵀ H_k b` for every
 * component ([n, D]) and `gradX = ∂/∂x Σ_k gradOut_k aᵀ H_k b` ([n, 3]).
 */
export function sphericalHarmonicsTripleBackward(
  degrees: ShDegrees,
  x: ArrayLike<number>,
  gradOut: ArrayLike<number>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: ShOptions,
): { gradX: Float64Array; hess: Float64Array } {
  const name = 'sphericalHarmonicsTripleBackward';
  const width = degreeList(degrees).reduce((s, l) => s + 2 * l + 1, 0);
  const n = x.length / 3;
  checkGradOut(name, gradOut, n, width);
  const gradX = new Float64Array(x.length);
  const hess = new Float64Array(gradOut.length);
  const AB = (1 << 3) | (1 << 4);
  forEachJet(name, degrees, x, [a, b], options, (i, col, jet) => {
    const g = gradOut[i * width + col]!;
    for (let c = 0; c < 3; c++) gradX[3 * i + c] += g * jet[(1 << c) | AB]!;
    hess[i * width + col] = jet[AB]!;
  });
  return { gradX, hess };
}
