import { describe, expect, it } from 'vitest';
import {
  Irreps,
  applyRotation,
  irrepsD,
  makeRng,
  randomNormal,
  randomOrthogonal,
  randomRotation,
  shDim,
  sphereQuadrature,
  sphericalHarmonics,
  sphericalHarmonicsBackward,
  wignerDUpTo,
  type ShNormalization,
} from '../src/index.js';
import { expectClose, matvec } from './helpers.js';

const SQ = Math.sqrt;

/** e3nn's closed forms for l <= 3, 'component' normalisation, unit input (x, y, z). */
function closedForm(x: number, y: number, z: number): number[] {
  return [
    1,
    // l = 1: sqrt(3) (x, y, z)
    SQ(3) * x, SQ(3) * y, SQ(3) * z,
    // l = 2
    SQ(15) * x * z,
    SQ(15) * x * y,
    SQ(5) * (y * y - 0.5 * (x * x + z * z)),
    SQ(15) * y * z,
    (SQ(15) / 2) * (z * z - x * x),
    // l = 3
    (SQ(70) / 4) * x * (3 * z * z - x * x),
    SQ(105) * x * y * z,
    (SQ(42) / 4) * x * (4 * y * y - x * x - z * z),
    (SQ(7) / 2) * y * (2 * y * y - 3 * x * x - 3 * z * z),
    (SQ(42) / 4) * z * (4 * y * y - x * x - z * z),
    (SQ(105) / 2) * y * (z * z - x * x),
    (SQ(70) / 4) * z * (z * z - 3 * x * x),
  ];
}

function randomVectors(rng: () => number, n: number): Float64Array {
  return Float64Array.from({ length: 3 * n }, () => randomNormal(rng));
}

/** Legendre polynomial P_l(t). */
function legendre(l: number, t: number): number {
  let [p0, p1] = [1, t];
  if (l === 0) return 1;
  for (let k = 2; k <= l; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
  return p1;
}

describe('spherical harmonics', () => {
  const rng = makeRng(2024);

  it("equal e3nn's closed forms for l <= 3 (component)", () => {
    for (const v of [
      [0.3, -0.5, 0.8],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [-0.7, 0.2, 0.4],
      [2, -3, 6],
    ]) {
      const r = Math.hypot(v[0]!, v[1]!, v[2]!);
      const expected = closedForm(v[0]! / r, v[1]! / r, v[2]! / r);
      expectClose(sphericalHarmonics(3, v, { normalize: true, normalization: 'component' }), expected, 1e-14, `${v}`);
    }
    // l = 1 is (x, y, z) in this order: no (y, z, x) permutation in e3nn >= 0.2
    expectClose(sphericalHarmonics([1], [0.6, 0, 0.8], { normalize: true, normalization: 'norm' }), [0.6, 0, 0.8], 2e-16);
  });

  it("equal e3nn's generated l = 4 polynomial (values from e3nn's code)", () => {
    const cases: [number[], number[]][] = [
      [[0.3, -0.5, 0.8], [1.219683253909, -1.79349628241, 0.645395713622, 0.440805832731, -0.890761661808, 1.175482220617, 0.739515921859, -0.966985245161, 0.166551444331]],
      [[-0.7, 0.2, 0.4], [1.722261411337, 0.018451859438, 0.808760566531, 1.248372371831, 0.516934467549, -0.713355641046, 0.476591048134, -1.381253477958, -0.953860689666]],
    ];
    for (const [v, expected] of cases) expectClose(sphericalHarmonics([4], v, { normalize: true, normalization: 'component' }), expected, 1e-11);
  });

  it('normalisations: component ‖Y_l‖² = 2l+1, norm ‖Y_l‖ = 1, integral = component / sqrt(4π)', () => {
    const x = randomVectors(rng, 20);
    const lmax = 12;
    const comp = sphericalHarmonics(lmax, x, { normalize: true, normalization: 'component' });
    const norm = sphericalHarmonics(lmax, x, { normalize: true, normalization: 'norm' });
    const integral = sphericalHarmonics(lmax, x, { normalize: true, normalization: 'integral' });
    const def = sphericalHarmonics(lmax, x, { normalize: true });
    expectClose(def, integral, 0); // e3nn's default is 'integral'
    const w = (lmax + 1) ** 2;
    for (let i = 0; i < 20; i++) {
      for (let l = 0; l <= lmax; l++) {
        let s = 0;
        let sn = 0;
        for (let j = l * l; j < (l + 1) * (l + 1); j++) {
          s += comp[i * w + j]! ** 2;
          sn += norm[i * w + j]! ** 2;
          expect(integral[i * w + j]).toBeCloseTo(comp[i * w + j]! / SQ(4 * Math.PI), 14);
        }
        expect(s).toBeCloseTo(2 * l + 1, 12);
        expect(sn).toBeCloseTo(1, 13);
      }
    }
  });

  it('without normalize they are homogeneous polynomials: Y_l(c x) = c^l Y_l(x̂) |x|^l', () => {
    const x = randomVectors(rng, 10);
    const raw = sphericalHarmonics(6, x, { normalize: false, normalization: 'component' });
    const unit = sphericalHarmonics(6, x, { normalize: true, normalization: 'component' });
    for (let i = 0; i < 10; i++) {
      const r = Math.hypot(x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!);
      for (let l = 0; l <= 6; l++) {
        for (let j = l * l; j < (l + 1) * (l + 1); j++) expect(raw[i * 49 + j]! / r ** l).toBeCloseTo(unit[i * 49 + j]!, 12);
      }
    }
    // closed form without normalisation: l = 2 term sqrt(15) x z on (2, -3, 6)
    expect(sphericalHarmonics([2], [2, -3, 6], { normalize: false, normalization: 'component' })[0]).toBeCloseTo(SQ(15) * 12, 12);
  });

  it('zero vectors give Y_0 and zeros (never NaN), with zero gradient', () => {
    for (const normalize of [true, false]) {
      const y = sphericalHarmonics(3, [0, 0, 0], { normalize, normalization: 'integral' });
      expect(Array.from(y)).toEqual([1 / SQ(4 * Math.PI), ...new Array(15).fill(0)]);
    }
    const g = sphericalHarmonicsBackward(3, [0, 0, 0], new Float64Array(16).fill(1), { normalize: true });
    expect(Array.from(g)).toEqual([0, 0, 0]);
  });

  it('are equivariant for l <= 12: Y(R x) = D(R) Y(x), including reflections and parity', () => {
    const lmax = 12;
    const irreps = Irreps.sphericalHarmonics(lmax);
    const n = irreps.dim;
    for (let trial = 0; trial < 6; trial++) {
      const R = trial < 3 ? randomRotation(rng) : randomOrthogonal(rng);
      const D = irrepsD(irreps, R);
      const x = randomVectors(rng, 5);
      for (const normalization of ['component', 'integral', 'norm'] as ShNormalization[]) {
        for (const normalize of [true, false]) {
          for (let i = 0; i < 5; i++) {
            const v = x.slice(3 * i, 3 * i + 3);
            const lhs = sphericalHarmonics(lmax, applyRotation(R, v), { normalize, normalization });
            const rhs = matvec(D, sphericalHarmonics(lmax, v, { normalize, normalization }), n, n);
            expectClose(lhs, rhs, normalize ? 1e-12 : 1e-10 * Math.max(1, Math.hypot(...v) ** lmax), `trial ${trial}`);
          }
        }
      }
    }
    // parity: Y_l(-x) = (-1)^l Y_l(x); with the rotation-only D for proper rotations
    const v = [0.2, -1.1, 0.7];
    const y = sphericalHarmonics(lmax, v, { normalize: true });
    const ym = sphericalHarmonics(lmax, v.map((t) => -t), { normalize: true });
    for (let l = 0; l <= lmax; l++) {
      for (let j = l * l; j < (l + 1) * (l + 1); j++) expect(ym[j]).toBeCloseTo((-1) ** l * y[j]!, 14);
    }
    const R = randomRotation(rng);
    const Ds = wignerDUpTo(lmax, R);
    const yr = sphericalHarmonics([lmax], applyRotation(R, v), { normalize: true });
    expectClose(yr, matvec(Ds[lmax]!, sphericalHarmonics([lmax], v, { normalize: true }), 2 * lmax + 1, 2 * lmax + 1), 1e-12);
  });

  it("are orthonormal on the sphere for l <= 12 ('integral', product quadrature)", () => {
    const lmax = 12;
    const { points, weights } = sphereQuadrature(lmax + 2, 2 * lmax + 3);
    const Y = sphericalHarmonics(lmax, points, { normalize: true, normalization: 'integral' });
    const w = (lmax + 1) ** 2;
    let worst = 0;
    for (let a = 0; a < w; a++) {
      for (let b = a; b < w; b++) {
        let s = 0;
        for (let k = 0; k < weights.length; k++) s += weights[k]! * Y[k * w + a]! * Y[k * w + b]!;
        worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it("satisfy the addition theorem Σ_m Y_lm(x) Y_lm(y) = (2l+1)/(4π) P_l(x·y) ('integral')", () => {
    const lmax = 12;
    for (let trial = 0; trial < 10; trial++) {
      const x = randomVectors(rng, 2);
      const y1 = sphericalHarmonics(lmax, x.slice(0, 3), { normalize: true });
      const y2 = sphericalHarmonics(lmax, x.slice(3, 6), { normalize: true });
      const r1 = Math.hypot(x[0]!, x[1]!, x[2]!);
      const r2 = Math.hypot(x[3]!, x[4]!, x[5]!);
      const t = (x[0]! * x[3]! + x[1]! * x[4]! + x[2]! * x[5]!) / (r1 * r2);
      for (let l = 0; l <= lmax; l++) {
        let s = 0;
        for (let j = l * l; j < (l + 1) * (l + 1); j++) s += y1[j]! * y2[j]!;
        expect(s).toBeCloseTo(((2 * l + 1) / (4 * Math.PI)) * legendre(l, t), 13);
      }
    }
  });

  it('concatenate a list of degrees in order', () => {
    const x = randomVectors(rng, 4);
    const all = sphericalHarmonics(5, x, { normalize: true, normalization: 'norm' });
    const some = sphericalHarmonics([2, 0, 5, 2], x, { normalize: true, normalization: 'norm' });
    expect(shDim([2, 0, 5, 2])).toBe(5 + 1 + 11 + 5);
    expect(shDim(5)).toBe(36);
    for (let i = 0; i < 4; i++) {
      const row = all.slice(i * 36, (i + 1) * 36);
      const expected = [...row.slice(4, 9), ...row.slice(0, 1), ...row.slice(25, 36), ...row.slice(4, 9)];
      expectClose(some.slice(i * 22, (i + 1) * 22), expected, 0);
    }
    expect(() => sphericalHarmonics([], x, { normalize: true })).toThrow(RangeError);
    expect(() => sphericalHarmonics(2, [1, 2], { normalize: true })).toThrow(/multiple of 3/);
  });

  it('stay finite and normalised for large l (40)', () => {
    const x = randomVectors(rng, 5);
    const y = sphericalHarmonics([40], x, { normalize: true, normalization: 'component' });
    for (let i = 0; i < 5; i++) {
      let s = 0;
      for (let j = 0; j < 81; j++) s += y[i * 81 + j]! ** 2;
      expect(s).toBeCloseTo(81, 9);
    }
  });

  it('backward equals finite differences (float64, 1e-7)', () => {
    const h = 1e-6;
    for (const normalize of [true, false]) {
      for (const normalization of ['component', 'integral', 'norm'] as ShNormalization[]) {
        for (const degrees of [12, [3, 1, 7]] as (number | number[])[]) {
          const n = 4;
          // Without normalisation keep |x| ~ 1 so that |x|^12 does not swamp the finite differences.
          const x = randomVectors(rng, n);
          if (!normalize) {
            for (let i = 0; i < n; i++) {
              const r = Math.hypot(x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!) / (0.6 + 0.6 * rng());
              for (let c = 0; c < 3; c++) x[3 * i + c] = x[3 * i + c]! / r;
            }
          }
          const width = shDim(degrees);
          const gOut = Float64Array.from({ length: n * width }, () => randomNormal(rng));
          const options = { normalize, normalization };
          const grad = sphericalHarmonicsBackward(degrees, x, gOut, options);
          const loss = (xx: Float64Array) => sphericalHarmonics(degrees, xx, options).reduce((s, v, i) => s + v * gOut[i]!, 0);
          for (let k = 0; k < 3 * n; k++) {
            const xp = x.slice();
            const xm = x.slice();
            xp[k] = xp[k]! + h;
            xm[k] = xm[k]! - h;
            const fd = (loss(xp) - loss(xm)) / (2 * h);
            const scale = Math.max(1, Math.abs(fd));
            if (!(Math.abs(fd - grad[k]!) <= 1e-7 * scale)) {
              throw new Error(`normalize=${normalize} ${normalization} ${degrees} k=${k}: analytic ${grad[k]} vs fd ${fd}`);
            }
          }
        }
      }
    }
  });
});
