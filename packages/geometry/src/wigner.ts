/**
 * Wigner D matrices in e3nn's real basis (`e3nn/o3/_wigner.py`), for any degree `l`.
 *
 * e3nn defines `D^l(α, β, γ) = exp(α X_y) exp(β X_x) exp(γ X_y)` with the real generators
 * `X = Q^† J Q` (J: SU(2) generators, Q: `changeBasisRealToComplex`). In that basis `D^1(R) = R`
 * exactly (the l = 1 basis is (x, y, z)), so here `D^l(R)` is computed directly from the matrix,
 * without Euler angles, by the exact recursion
 *
 *   D^l(R) = Bᵀ (D^{l-1}(R) ⊗ R) B,   B = √(2l+1) · wigner3j(l-1, 1, l)  (reshaped to (3(2l-1), 2l+1)),
 *
 * which holds because B is an isometry onto the l-component of (l-1) ⊗ 1 and intertwines it
 * (`(D^{l-1} ⊗ D^1) B = B D^l`). Being polynomial in R it has no gimbal-lock singularities.
 * `wignerDFromAngles` (Euler angles) is provided too and agrees with e3nn's `wigner_D`.
 */
import { changeBasisRealToComplex, wigner3jShared } from './clebsch-gordan.js';
import type { Irrep, IrrepsLike } from './irreps.js';
import { Irreps } from './irreps.js';
import { det3, matrixX, type Mat3 } from './rotations.js';

// ---------------------------------------------------------------------------------------------
// Small dense helpers (row-major square matrices).

/** `a @ b` for n×n row-major matrices. */
export function matmulSquare(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j]!;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generators.

const generatorCache = new Map<number, readonly [Float64Array, Float64Array, Float64Array]>();

/**
 * e3nn's `so3_generators(l)`: real antisymmetric (2l+1)² matrices `[X_x, X_y, X_z]` with
 * `D^l(rotation by t about axis a) = exp(t X_a)`. For l = 1 they are the usual
 * `(L_a)_{bc} = -ε_{abc}`. Computed as `Q^† J Q` from the SU(2) generators exactly as e3nn.
 * Returned arrays are shared: do not mutate.
 */
export function so3Generators(l: number): readonly [Float64Array, Float64Array, Float64Array] {
  const hit = generatorCache.get(l);
  if (hit !== undefined) return hit;
  const n = 2 * l + 1;
  // SU(2) generators in the complex basis (e3nn's su2_generators), index m + l.
  // raising[i+1, i] = -sqrt(l(l+1) - m(m+1)) for m = -l..l-1 at i = m + l
  // lowering[i-1, i] = sqrt(l(l+1) - m(m-1)) for m = -l+1..l at i = m + l
  const raising = new Float64Array(n * n);
  const lowering = new Float64Array(n * n);
  for (let m = -l; m < l; m++) raising[(m + l + 1) * n + (m + l)] = -Math.sqrt(l * (l + 1) - m * (m + 1));
  for (let m = -l + 1; m <= l; m++) lowering[(m + l - 1) * n + (m + l)] = Math.sqrt(l * (l + 1) - m * (m - 1));
  // J0 = (raising + lowering)/2 (real); J1 = i diag(m); J2 = -i/2 (raising - lowering)
  const J: { re: Float64Array; im: Float64Array }[] = [0, 1, 2].map(() => ({ re: new Float64Array(n * n), im: new Float64Array(n * n) }));
  for (let i = 0; i < n * n; i++) {
    J[0]!.re[i] = 0.5 * (raising[i]! + lowering[i]!);
    J[2]!.im[i] = -0.5 * (raising[i]! - lowering[i]!);
  }
  for (let m = -l; m <= l; m++) J[1]!.im[(m + l) * n + (m + l)] = m;
  const Q = changeBasisRealToComplex(l);
  const out = J.map(({ re, im }) => {
    // X = Q^† J Q ; keep the real part (the imaginary part vanishes).
    const X = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let sr = 0;
        for (let r = 0; r < n; r++) {
          const qr = Q.re[r * n + a]!;
          const qi = -Q.im[r * n + a]!; // conj(Q[r, a]) = (Q^†)[a, r]
          if (qr === 0 && qi === 0) continue;
          for (let c = 0; c < n; c++) {
            const jr = re[r * n + c]!;
            const ji = im[r * n + c]!;
            if (jr === 0 && ji === 0) continue;
            const pr = qr * jr - qi * ji;
            const pi = qr * ji + qi * jr;
            sr += pr * Q.re[c * n + b]! - pi * Q.im[c * n + b]!;
          }
        }
        X[a * n + b] = sr;
      }
    }
    return X;
  }) as [Float64Array, Float64Array, Float64Array];
  const frozen = Object.freeze(out) as readonly [Float64Array, Float64Array, Float64Array];
  generatorCache.set(l, frozen);
  return frozen;
}

// ---------------------------------------------------------------------------------------------
// D(R) by the Clebsch–Gordan recursion.

/** Column k of B = √(2l+1) C(l-1, 1, l): list of (a, b, weight). */
type SparseColumns = { a: Int32Array; b: Int32Array; w: Float64Array }[];
const recursionCache = new Map<number, SparseColumns>();

function recursionColumns(l: number): SparseColumns {
  const hit = recursionCache.get(l);
  if (hit !== undefined) return hit;
  const C = wigner3jShared(l - 1, 1, l);
  const nPrev = 2 * l - 1;
  const n = 2 * l + 1;
  const scale = Math.sqrt(n);
  const cols: SparseColumns = [];
  for (let k = 0; k < n; k++) {
    const a: number[] = [];
    const b: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < nPrev; i++) {
      for (let j = 0; j < 3; j++) {
        const v = C[(i * 3 + j) * n + k]!;
        if (Math.abs(v) > 1e-15) {
          a.push(i);
          b.push(j);
          w.push(v * scale);
        }
      }
    }
    cols.push({ a: Int32Array.from(a), b: Int32Array.from(b), w: Float64Array.from(w) });
  }
  recursionCache.set(l, cols);
  return cols;
}

function assertProper(R: Mat3, who: string): void {
  if (R.length !== 9) throw new RangeError(`${who}: expected a 3x3 matrix (9 numbers), got ${R.length}`);
  const d = det3(R);
  if (!(d > 0)) throw new RangeError(`${who}: expected a proper rotation (det > 0), got det = ${d}; use irrepD / irrepsD for O(3)`);
}

/**
 * All of `D^0(R), ..., D^lmax(R)` for a proper rotation R (det +1), in e3nn's real basis:
 * `D^l` is (2l+1)×(2l+1) row-major, `D^1(R) = R`, `D^l(R1 R2) = D^l(R1) D^l(R2)`,
 * `D^l(R)ᵀ = D^l(R)^{-1}`, and `Y^l(R x) = D^l(R) Y^l(x)` for the spherical harmonics.
 */
export function wignerDUpTo(lmax: number, R: Mat3): Float64Array[] {
  assertProper(R, 'wignerD');
  const out: Float64Array[] = [Float64Array.of(1)];
  if (lmax >= 1) out.push(Float64Array.from(R));
  for (let l = 2; l <= lmax; l++) {
    const prev = out[l - 1]!;
    const nPrev = 2 * l - 1;
    const n = 2 * l + 1;
    const cols = recursionColumns(l);
    const D = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const ck = cols[k]!;
      for (let kk = 0; kk < n; kk++) {
        const ckk = cols[kk]!;
        let s = 0;
        for (let p = 0; p < ck.w.length; p++) {
          const rowPrev = ck.a[p]! * nPrev;
          const rowR = ck.b[p]! * 3;
          let t = 0;
          for (let q = 0; q < ckk.w.length; q++) t += ckk.w[q]! * prev[rowPrev + ckk.a[q]!]! * R[rowR + ckk.b[q]!]!;
          s += ck.w[p]! * t;
        }
        D[k * n + kk] = s;
      }
    }
    out.push(D);
  }
  return out;
}

/** `D^l(R)` for a proper rotation R (see `wignerDUpTo`). Throws for det R <= 0. */
export function wignerD(l: number, R: Mat3): Float64Array {
  if (!Number.isInteger(l) || l < 0) throw new RangeError(`wignerD: l must be a non-negative integer, got ${l}`);
  return wignerDUpTo(l, R)[l]!;
}

/**
 * `D^l` of a rotation by `angle` about the y axis (closed form, e3nn's `exp(angle X_y)`):
 * `D[l+m, l+m] = cos(m angle)` for all m, and for m > 0 `D[l-m, l+m] = sin(m angle)`,
 * `D[l+m, l-m] = -sin(m angle)`.
 */
export function wignerDRotY(l: number, angle: number): Float64Array {
  const n = 2 * l + 1;
  const D = new Float64Array(n * n);
  D[l * n + l] = 1;
  for (let m = 1; m <= l; m++) {
    const c = Math.cos(m * angle);
    const s = Math.sin(m * angle);
    D[(l + m) * n + (l + m)] = c;
    D[(l - m) * n + (l - m)] = c;
    D[(l - m) * n + (l + m)] = s;
    D[(l + m) * n + (l - m)] = -s;
  }
  return D;
}

/** e3nn's `wigner_D(l, alpha, beta, gamma)` = `D^l(Ry(alpha) Rx(beta) Ry(gamma))`. */
export function wignerDFromAngles(l: number, alpha: number, beta: number, gamma: number): Float64Array {
  const n = 2 * l + 1;
  return matmulSquare(matmulSquare(wignerDRotY(l, alpha), wignerD(l, matrixX(beta)), n), wignerDRotY(l, gamma), n);
}

/**
 * Representation matrix of an O(3) irrep `(l, p)` for an orthogonal matrix R (e3nn's
 * `Irrep.D_from_matrix`): with `d = sign(det R)`, `D_{l,p}(R) = p^{(1-d)/2} D^l(d R)`; in particular
 * the inversion `-I` acts as `p · I`.
 */
export function irrepD(ir: Irrep, R: Mat3): Float64Array {
  const d = det3(R) < 0 ? -1 : 1;
  const proper = d === 1 ? R : R.map((v) => -v);
  const D = wignerD(ir.l, proper);
  if (d === -1 && ir.p === -1) for (let i = 0; i < D.length; i++) D[i] = -D[i]!;
  return D;
}

/**
 * Block-diagonal representation matrix (dim × dim, row-major) of a direct sum of irreps for an
 * orthogonal matrix R (e3nn's `Irreps.D_from_matrix`), handling det R = -1 through the parities.
 */
export function irrepsD(irreps: IrrepsLike, R: Mat3): Float64Array {
  const ir = Irreps.from(irreps);
  const dim = ir.dim;
  const out = new Float64Array(dim * dim);
  if (ir.length === 0) return out;
  const d = det3(R) < 0 ? -1 : 1;
  const proper = d === 1 ? R : R.map((v) => -v);
  const lmax = Math.max(0, ...ir.terms.map((t) => t.ir.l));
  const Ds = wignerDUpTo(lmax, proper);
  let offset = 0;
  for (const { mul, ir: irrep } of ir) {
    const n = irrep.dim;
    const sign = d === -1 && irrep.p === -1 ? -1 : 1;
    const D = Ds[irrep.l]!;
    for (let copy = 0; copy < mul; copy++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) out[(offset + i) * dim + offset + j] = sign * D[i * n + j]!;
      }
      offset += n;
    }
  }
  return out;
}
