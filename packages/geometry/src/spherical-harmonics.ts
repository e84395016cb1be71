/**
 * Real spherical harmonics of 3-vectors in e3nn's convention (`e3nn.o3.spherical_harmonics`), for
 * any degree, with their analytic gradient. This is the readable reference implementation that the
 * native kernels are tested against.
 *
 * Convention (see docs/conventions.md): e3nn's polar axis is **y**. With the relabelling
 * `(X, Y, Z) = (z, x, y)` of the input, e3nn's `Y^l_m` (index `l + m`, `m = -l..l`) is the textbook
 * real spherical harmonic (no Condon–Shortley phase left, as on Wikipedia's table) of (X, Y, Z):
 *
 *   m > 0:  K_lm P_l^m(Z/r) cos(mφ) ~ K_lm Π_l^m(Z, r²) Re (X + iY)^m
 *   m = 0:  K_l0 P_l(Z/r)
 *   m < 0:  K_l|m| P_l^|m|(Z/r) sin(|m|φ) ~ K_l|m| Π_l^|m|(Z, r²) Im (X + iY)^|m|
 *
 * computed as homogeneous polynomials of degree l (so without `normalize` the result scales as
 * |x|^l, like e3nn). For l = 1 this is `(x, y, z)` times the normalisation.
 *
 * Normalisations (e3nn's): 'component' `‖Y^l(x)‖² = 2l+1` on the unit sphere (e.g. `Y^1 = √3 x̂`),
 * 'norm' `‖Y^l(x)‖ = 1` (= component / √(2l+1)), 'integral' `∫_{S²} (Y^l_m)² = 1` (= component / √(4π)).
 *
 * With `normalize: true` a zero vector is mapped to the zero vector before evaluation (as e3nn's
 * `torch.nn.functional.normalize` does): `Y^0` keeps its constant value and every `l > 0` is 0.
 * Its gradient is defined as 0 (never NaN).
 */

export type ShNormalization = 'integral' | 'component' | 'norm';

export interface ShOptions {
  /** Project the input onto the unit sphere first (e3nn's `normalize`). */
  readonly normalize: boolean;
  /** Output normalisation; default 'integral' like e3nn. */
  readonly normalization?: ShNormalization;
}

/** `lmax` (meaning degrees 0..lmax) or an explicit list of degrees, concatenated in order. */
export type ShDegrees = number | readonly number[];

function degreeList(degrees: ShDegrees): number[] {
  const ls = typeof degrees === 'number' ? Array.from({ length: degrees + 1 }, (_, l) => l) : [...degrees];
  if (ls.length === 0) throw new RangeError('sphericalHarmonics: empty list of degrees');
  for (const l of ls) if (!Number.isInteger(l) || l < 0) throw new RangeError(`sphericalHarmonics: invalid degree ${l}`);
  return ls;
}

/** Number of output components per vector: `Σ (2l + 1)` over the degrees. */
export function shDim(degrees: ShDegrees): number {
  return degreeList(degrees).reduce((s, l) => s + 2 * l + 1, 0);
}

/** Factor applied to the 'component' harmonics of degree l to get `normalization`. */
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
 * Coefficients of the normalised recurrence for Π̃_l^m = K_lm Π_l^m ('component' normalisation,
 * `K_lm = √((2l+1)(2-δ_m0)(l-m)!/(l+m)!)`):
 *
 *   Π̃_m^m     = √((2m+1)/(2m)) Π̃_{m-1}^{m-1}   (m ≥ 2),  Π̃_1^1 = √3,  Π̃_0^0 = 1
 *   Π̃_{m+1}^m = √(2m+3) Z Π̃_m^m
 *   Π̃_l^m     = a_lm Z Π̃_{l-1}^m − b_lm r² Π̃_{l-2}^m,
 *       a_lm = √((2l−1)(2l+1) / ((l−m)(l+m))),  b_lm = √((2l+1)(l+m−1)(l−m−1) / ((2l−3)(l+m)(l−m)))
 *
 * (the upward Legendre recurrence `(l−m) P_l^m = (2l−1) t P_{l−1}^m − (l+m−1) P_{l−2}^m` rescaled;
 * with the normalisation folded in nothing overflows for large l).
 */
function recurrenceA(l: number, m: number): number {
  return Math.sqrt(((2 * l - 1) * (2 * l + 1)) / ((l - m) * (l + m)));
}
function recurrenceB(l: number, m: number): number {
  return Math.sqrt(((2 * l + 1) * (l + m - 1) * (l - m - 1)) / ((2 * l - 3) * (l + m) * (l - m)));
}

/**
 * 'component'-normalised harmonics of degrees 0..lmax at (X, Y, Z) = (z, x, y) into
 * `out[l² + l + m]`; when `grad` is given, also their partial derivatives with respect to X, Y, Z
 * into `grad.dX / dY / dZ` at the same index.
 */
function evaluate(
  lmax: number,
  X: number,
  Y: number,
  Z: number,
  out: Float64Array,
  grad?: { dX: Float64Array; dY: Float64Array; dZ: Float64Array },
): void {
  const rho = X * X + Y * Y + Z * Z;
  // Sectoral polynomials C_m + i S_m = (X + iY)^m, and their derivatives:
  // ∂C_m/∂X = m C_{m-1}, ∂C_m/∂Y = -m S_{m-1}, ∂S_m/∂X = m S_{m-1}, ∂S_m/∂Y = m C_{m-1}.
  const C = new Float64Array(lmax + 1);
  const S = new Float64Array(lmax + 1);
  C[0] = 1;
  for (let m = 1; m <= lmax; m++) {
    C[m] = C[m - 1]! * X - S[m - 1]! * Y;
    S[m] = S[m - 1]! * X + C[m - 1]! * Y;
  }
  let diag = 1; // Π̃_m^m
  for (let m = 0; m <= lmax; m++) {
    if (m === 1) diag = Math.sqrt(3);
    else if (m >= 2) diag *= Math.sqrt((2 * m + 1) / (2 * m));
    // Upward in l at fixed m: p2 = Π̃_{l-2}, p1 = Π̃_{l-1}, with ∂/∂Z (at fixed r²) and ∂/∂r².
    let p2 = 0;
    let p2z = 0;
    let p2r = 0;
    let p1 = diag;
    let p1z = 0;
    let p1r = 0;
    for (let l = m; l <= lmax; l++) {
      let p: number;
      let pz: number;
      let pr: number;
      if (l === m) {
        p = diag;
        pz = 0;
        pr = 0;
      } else {
        const a = l === m + 1 ? Math.sqrt(2 * m + 3) : recurrenceA(l, m);
        const b = l === m + 1 ? 0 : recurrenceB(l, m);
        p = a * Z * p1 - b * rho * p2;
        pz = a * (p1 + Z * p1z) - b * rho * p2z;
        pr = a * Z * p1r - b * (p2 + rho * p2r);
        p2 = p1;
        p2z = p1z;
        p2r = p1r;
        p1 = p;
        p1z = pz;
        p1r = pr;
      }
      const base = l * l + l;
      if (m === 0) {
        out[base] = p;
        if (grad) {
          grad.dX[base] = 2 * X * pr;
          grad.dY[base] = 2 * Y * pr;
          grad.dZ[base] = pz + 2 * Z * pr;
        }
      } else {
        out[base + m] = p * C[m]!;
        out[base - m] = p * S[m]!;
        if (grad) {
          const dC_dX = m * C[m - 1]!;
          const dC_dY = -m * S[m - 1]!;
          const dS_dX = m * S[m - 1]!;
          const dS_dY = m * C[m - 1]!;
          grad.dX[base + m] = 2 * X * pr * C[m]! + p * dC_dX;
          grad.dY[base + m] = 2 * Y * pr * C[m]! + p * dC_dY;
          grad.dZ[base + m] = (pz + 2 * Z * pr) * C[m]!;
          grad.dX[base - m] = 2 * X * pr * S[m]! + p * dS_dX;
          grad.dY[base - m] = 2 * Y * pr * S[m]! + p * dS_dY;
          grad.dZ[base - m] = (pz + 2 * Z * pr) * S[m]!;
        }
      }
    }
  }
}

function checkInput(x: ArrayLike<number>): number {
  if (x.length % 3 !== 0) throw new RangeError(`sphericalHarmonics: input length ${x.length} is not a multiple of 3 (expected [n, 3])`);
  return x.length / 3;
}

/** The (possibly normalised) vector that is evaluated, and its norm. */
function prepare(x: ArrayLike<number>, i: number, normalize: boolean): { vx: number; vy: number; vz: number; r: number } {
  let vx = x[3 * i]!;
  let vy = x[3 * i + 1]!;
  let vz = x[3 * i + 2]!;
  const r = Math.hypot(vx, vy, vz);
  if (normalize) {
    if (r > 0) {
      vx /= r;
      vy /= r;
      vz /= r;
    } else {
      vx = 0;
      vy = 0;
      vz = 0;
    }
  }
  return { vx, vy, vz, r };
}

/**
 * Spherical harmonics of `n` vectors: `x` is [n, 3] row-major, the result is [n, shDim(degrees)]
 * with the degrees concatenated in order (for a number `lmax`: l = 0..lmax, `(lmax+1)²` columns),
 * each degree in e3nn's order `m = -l..l`.
 *
 * Matches `e3nn.o3.spherical_harmonics(ls, x, normalize, normalization)`; note that a plain number
 * here means `lmax`, whereas e3nn's integer argument means the single degree l (use `[l]`).
 */
export function sphericalHarmonics(degrees: ShDegrees, x: ArrayLike<number>, options: ShOptions): Float64Array {
  const ls = degreeList(degrees);
  const n = checkInput(x);
  const normalization = options.normalization ?? 'integral';
  const lmax = Math.max(...ls);
  const width = ls.reduce((s, l) => s + 2 * l + 1, 0);
  const factors = ls.map((l) => normalizationFactor(l, normalization));
  const out = new Float64Array(n * width);
  const all = new Float64Array((lmax + 1) * (lmax + 1));
  for (let i = 0; i < n; i++) {
    const { vx, vy, vz } = prepare(x, i, options.normalize);
    evaluate(lmax, vz, vx, vy, all);
    let col = i * width;
    ls.forEach((l, k) => {
      const f = factors[k]!;
      for (let j = 0; j < 2 * l + 1; j++) out[col + j] = f * all[l * l + j]!;
      col += 2 * l + 1;
    });
  }
  return out;
}

/**
 * Vector–Jacobian product of `sphericalHarmonics`: given `gradOut` ([n, shDim(degrees)]), returns
 * `∂L/∂x` ([n, 3]) with `∂L/∂x = Σ gradOut · ∂Y/∂x`. With `normalize`, the chain rule through
 * `x / |x|` is applied (`(I − x̂x̂ᵀ)/|x|`); the gradient at a zero vector is defined as 0.
 */
export function sphericalHarmonicsBackward(
  degrees: ShDegrees,
  x: ArrayLike<number>,
  gradOut: ArrayLike<number>,
  options: ShOptions,
): Float64Array {
  const ls = degreeList(degrees);
  const n = checkInput(x);
  const normalization = options.normalization ?? 'integral';
  const lmax = Math.max(...ls);
  const width = ls.reduce((s, l) => s + 2 * l + 1, 0);
  if (gradOut.length !== n * width) {
    throw new RangeError(`sphericalHarmonicsBackward: gradOut has length ${gradOut.length}, expected ${n} x ${width}`);
  }
  const factors = ls.map((l) => normalizationFactor(l, normalization));
  const size = (lmax + 1) * (lmax + 1);
  const values = new Float64Array(size);
  const grad = { dX: new Float64Array(size), dY: new Float64Array(size), dZ: new Float64Array(size) };
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const { vx, vy, vz, r } = prepare(x, i, options.normalize);
    if (options.normalize && !(r > 0)) continue; // zero vector: gradient defined as 0
    evaluate(lmax, vz, vx, vy, values, grad);
    // Accumulate in (X, Y, Z) = (z, x, y).
    let gX = 0;
    let gY = 0;
    let gZ = 0;
    let col = i * width;
    ls.forEach((l, k) => {
      const f = factors[k]!;
      for (let j = 0; j < 2 * l + 1; j++) {
        const g = f * gradOut[col + j]!;
        const idx = l * l + j;
        gX += g * grad.dX[idx]!;
        gY += g * grad.dY[idx]!;
        gZ += g * grad.dZ[idx]!;
      }
      col += 2 * l + 1;
    });
    // Back to e3nn's (x, y, z) = (Y, Z, X).
    let gx = gY;
    let gy = gZ;
    let gz = gX;
    if (options.normalize) {
      const dot = gx * vx + gy * vy + gz * vz;
      gx = (gx - dot * vx) / r;
      gy = (gy - dot * vy) / r;
      gz = (gz - dot * vz) / r;
    }
    out[3 * i] = gx;
    out[3 * i + 1] = gy;
    out[3 * i + 2] = gz;
  }
  return out;
}
