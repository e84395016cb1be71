// sphericalHarmonicsOp on every host backend: values and derivatives of
// every order against the TypeScript references, backends against each
// other, autograd against finite differences, equivariance.
import { findBackend, gradients, matmul, mul, runKernel, sum, tensor, type DType, type Tensor } from '@equigraph/core';
import { assertClose, backendMissing, checkGrads } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import {
  Irreps,
  SH_MAX_L,
  applyRotation,
  irrepsD,
  makeRng,
  randomRotation,
  shDim,
  sphericalHarmonics,
  sphericalHarmonicsBackward,
  sphericalHarmonicsDoubleBackward,
  sphericalHarmonicsOp,
  sphericalHarmonicsTripleBackward,
  type E3HostPrimitives,
  type ShDegrees,
  type ShNormalization,
} from '../src/index.js';

const cpuMissing = await backendMissing('cpu');
const wasmMissing = await backendMissing('wasm');
const BACKENDS: Array<[string, string | undefined]> = [
  ['reference', undefined],
  ['cpu', cpuMissing],
  ['wasm', wasmMissing],
];
const NORMALIZATIONS: ShNormalization[] = ['integral', 'component', 'norm'];

/** n vectors with norms in [0.5, 1.5]; with `zeros`, rows 0 and 3 are zero vectors. */
function vectors(seed: number, n: number, zeros = false): Float64Array {
  const rng = makeRng(seed);
  const x = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const v = [rng() - 0.5, rng() - 0.5, rng() - 0.5];
    const s = (0.5 + rng()) / Math.hypot(v[0]!, v[1]!, v[2]!);
    for (let c = 0; c < 3; c++) x[3 * i + c] = zeros && (i === 0 || i === 3) ? 0 : v[c]! * s;
  }
  return x;
}

function values(seed: number, n: number): Float64Array {
  const rng = makeRng(seed);
  return new Float64Array(n).map(() => 2 * rng() - 1);
}

const on = (values: Float64Array, shape: number[], dtype: DType, backend: string) => tensor(values, shape, { dtype, backend });
const f64 = (t: Tensor) => Float64Array.from(t.toArray());
const rounded = (a: Float64Array, dtype: DType) => (dtype === 'float32' ? Float64Array.from(Float32Array.from(a)) : a);
const tolerance = (dtype: DType) => (dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-5, rtol: 1e-5 });

/** Splits a packed [3n + nD] kernel result. */
function split(t: Tensor, n: number): [Float64Array, Float64Array] {
  const a = f64(t);
  return [a.slice(0, 3 * n), a.slice(3 * n)];
}

describe.each(BACKENDS)('sphericalHarmonicsOp on %s', (backend, missing) => {
  const degreeSets: ShDegrees[] = [0, 1, 2, 3, [3, 1, 1], [2, 0], 12, [3, 0, 7, 12, 1]];

  it.skipIf(missing !== undefined)('matches the TypeScript reference for l <= 12, every normalisation, zero vectors included', () => {
    const n = 9;
    for (const dtype of ['float64', 'float32'] as DType[]) {
      for (const degrees of degreeSets) {
        for (const normalization of NORMALIZATIONS) {
          for (const normalize of [true, false]) {
            const x = rounded(vectors(7, n, normalize), dtype);
            const opts = { normalize, normalization };
            const y = sphericalHarmonicsOp(degrees, on(x, [n, 3], dtype, backend), opts);
            expect(y.shape).toEqual([n, shDim(degrees)]);
            expect(y.dtype).toBe(dtype);
            const label = `${backend} ${dtype} ${JSON.stringify(degrees)} ${normalization} normalize=${normalize}`;
            assertClose(f64(y), sphericalHarmonics(degrees, x, opts), tolerance(dtype), label);
          }
        }
      }
    }
  });

  it.skipIf(missing !== undefined)('backward, double and triple backward kernels match the TypeScript references', () => {
    const n = 6;
    for (const dtype of ['float64', 'float32'] as DType[]) {
      for (const degrees of degreeSets) {
        for (const normalize of [true, false]) {
          const normalization: ShNormalization = normalize ? 'component' : 'norm';
          const opts = { normalize, normalization };
          const attrs = { ls: typeof degrees === 'number' ? Array.from({ length: degrees + 1 }, (_, l) => l) : [...degrees], normalize, normalization };
          const d = shDim(degrees);
          const x = rounded(vectors(11, n, normalize), dtype);
          const g = rounded(values(12, n * d), dtype);
          const a = rounded(values(13, 3 * n), dtype);
          const b = rounded(values(14, 3 * n), dtype);
          const [xt, gt, at, bt] = [on(x, [n, 3], dtype, backend), on(g, [n, d], dtype, backend), on(a, [n, 3], dtype, backend), on(b, [n, 3], dtype, backend)];
          const label = `${backend} ${dtype} ${JSON.stringify(degrees)} normalize=${normalize}`;
          // Derivatives scale with |Y| times the degree per order: compare relative to that.
          const scale = (v: Float64Array) => Math.max(1, ...Array.from(v, Math.abs));
          const close = (got: Float64Array, want: Float64Array, what: string) => {
            const tol = tolerance(dtype);
            assertClose(got, want, { atol: tol.atol * scale(want), rtol: tol.rtol }, `${label} ${what}`);
          };
          close(f64(runKernel('SphericalHarmonicsBackward', [xt, gt], attrs)), sphericalHarmonicsBackward(degrees, x, g, opts), 'backward');
          const db = sphericalHarmonicsDoubleBackward(degrees, x, g, a, opts);
          const [dbx, dbg] = split(runKernel('SphericalHarmonicsDoubleBackward', [xt, gt, at], attrs), n);
          close(dbx, db.gradX, 'double backward (H g a)');
          close(dbg, db.gradGradOut, 'double backward (J a)');
          const tb = sphericalHarmonicsTripleBackward(degrees, x, g, a, b, opts);
          const [tbx, tbh] = split(runKernel('SphericalHarmonicsTripleBackward', [xt, gt, at, bt], attrs), n);
          close(tbx, tb.gradX, 'triple backward (grad)');
          close(tbh, tb.hess, 'triple backward (aᵀHb)');
        }
      }
    }
  });

  it.skipIf(missing !== undefined)('zero vectors with normalize: Y⁰ constant, l > 0 zero, derivatives 0', () => {
    const x = new Float64Array(6); // two zero vectors
    for (const normalization of NORMALIZATIONS) {
      const xt = on(x, [2, 3], 'float64', backend).withGrad();
      const y = sphericalHarmonicsOp(4, xt, { normalize: true, normalization });
      const y0 = normalization === 'integral' ? 1 / Math.sqrt(4 * Math.PI) : 1;
      const want = new Float64Array(50);
      want[0] = want[25] = y0;
      assertClose(f64(y), want, { atol: 0, rtol: 0 });
      const w = on(values(3, 50), [2, 25], 'float64', backend);
      const [g] = gradients(sum(mul(mul(y, w), y)), [xt], { createGraph: true });
      assertClose(f64(g!), new Float64Array(6), { atol: 0, rtol: 0 });
      const [h] = gradients(sum(mul(g!, on(values(4, 6), [2, 3], 'float64', backend))), [xt]);
      assertClose(f64(h ?? on(new Float64Array(6), [2, 3], 'float64', backend)), new Float64Array(6), { atol: 0, rtol: 0 });
    }
  });

  it.skipIf(missing !== undefined)('checkGrads: first and second order through the op and through Σ (SH(x)·w)²', () => {
    const n = 4;
    for (const lmax of [3, 5]) {
      for (const normalize of [true, false]) {
        const x = on(vectors(21 + lmax, n), [n, 3], 'float64', backend);
        const d = shDim(lmax);
        const w = on(values(22, d * 2), [d, 2], 'float64', backend);
        const opts = { normalize, normalization: 'integral' as const };
        checkGrads((v) => sphericalHarmonicsOp(lmax, v, opts), [x], { order: 2 });
        // An energy quadratic in the harmonics: its Hessian needs Σ g_k H_k and JᵀJ terms.
        const energy = (v: Tensor) => {
          const f = matmul(sphericalHarmonicsOp(lmax, v, opts), w);
          return sum(mul(f, f));
        };
        checkGrads(energy, [x], { order: 2 });
      }
    }
  });

  it.skipIf(missing !== undefined)('third order and force training: ∂ loss(F) / ∂θ with F = −∂E/∂x', () => {
    const n = 3;
    const lmax = 4;
    const d = shDim(lmax);
    const opts = { normalize: true, normalization: 'component' as const };
    const x = on(vectors(31, n), [n, 3], 'float64', backend);
    const theta = on(values(32, d * 2), [d, 2], 'float64', backend);
    const energy = (v: Tensor, th: Tensor) => {
      const f = matmul(sphericalHarmonicsOp(lmax, v, opts), th);
      return sum(mul(f, f));
    };
    const forces = (v: Tensor, th: Tensor) => {
      const tracked = v.requiresGrad ? v : v.withGrad();
      const [g] = gradients(energy(tracked, th), [tracked], { createGraph: true });
      return g!.neg();
    };
    // Forces as a function of θ (needs d/dg of the backward: J gg) and of x (Hessian terms) …
    checkGrads((th) => forces(x, th), [theta], { order: 2 });
    // … and the force field differentiated twice in x: third derivatives of the harmonics.
    checkGrads((v) => forces(v, theta), [x], { order: 2 });
  });
});

describe('sphericalHarmonicsOp across backends', () => {
  it.skipIf(cpuMissing !== undefined || wasmMissing !== undefined)('cpu and wasm give the same numbers for the same inputs', () => {
    const n = 50;
    for (const dtype of ['float64', 'float32'] as DType[]) {
      for (const degrees of [3, 8, [2, 5]] as ShDegrees[]) {
        const d = shDim(degrees);
        const x = vectors(41, n, true);
        const g = values(42, n * d);
        const results = ['cpu', 'wasm'].map((backend) => {
          const xt = on(x, [n, 3], dtype, backend).withGrad();
          const y = sphericalHarmonicsOp(degrees, xt, { normalize: true, normalization: 'integral' });
          const [gx] = gradients(y, [xt], { gradOutput: on(g, [n, d], dtype, backend) });
          return [f64(y), f64(gx!)];
        });
        const tol = dtype === 'float64' ? { atol: 1e-14, rtol: 1e-14 } : { atol: 1e-6, rtol: 1e-6 };
        assertClose(results[1]![0]!, results[0]![0]!, tol, `${dtype} ${JSON.stringify(degrees)} values`);
        assertClose(results[1]![1]!, results[0]![1]!, tol, `${dtype} ${JSON.stringify(degrees)} gradients`);
      }
    }
  });

  it.skipIf(cpuMissing !== undefined)('is equivariant on cpu: SH(R x) = D(R) SH(x)', () => {
    const lmax = 6;
    const n = 5;
    const irreps = Irreps.sphericalHarmonics(lmax);
    const dim = irreps.dim;
    const rng = makeRng(51);
    const x = vectors(52, n);
    for (let trial = 0; trial < 3; trial++) {
      const R = randomRotation(rng);
      const D = irrepsD(irreps, R);
      const rx = new Float64Array(3 * n);
      for (let i = 0; i < n; i++) rx.set(applyRotation(R, x.subarray(3 * i, 3 * i + 3)), 3 * i);
      for (const normalize of [true, false]) {
        const opts = { normalize, normalization: 'component' as const };
        const lhs = sphericalHarmonicsOp(lmax, on(rx, [n, 3], 'float64', 'cpu'), opts);
        const y = sphericalHarmonicsOp(lmax, on(x, [n, 3], 'float64', 'cpu'), opts);
        // rows: (D y_i)ᵀ = y_iᵀ Dᵀ
        const rhs = matmul(y, on(D, [dim, dim], 'float64', 'cpu'), { transposeB: true });
        assertClose(lhs, rhs, { atol: 1e-12, rtol: 1e-12 }, `trial ${trial} normalize=${normalize}`);
      }
    }
  });
});

describe('sphericalHarmonicsOp argument checks', () => {
  const x = tensor(new Float64Array(6), [2, 3], { dtype: 'float64', backend: 'reference' });
  it('rejects bad shapes, dtypes, degrees and options, naming the argument', () => {
    expect(() => sphericalHarmonicsOp(2, tensor(new Float64Array(4), [2, 2], { dtype: 'float64' }), { normalize: true })).toThrow(/'vectors' has shape \[2, 2\], expected \[n, 3\]/);
    expect(() => sphericalHarmonicsOp(2, tensor(new Float64Array(3), [3], { dtype: 'float64' }), { normalize: true })).toThrow(/'vectors'/);
    expect(() => sphericalHarmonicsOp(2, tensor(new Int32Array(6), [2, 3], { dtype: 'int32' }), { normalize: true })).toThrow(/'vectors' must be float32 or float64/);
    expect(() => sphericalHarmonicsOp(SH_MAX_L + 1, x, { normalize: true })).toThrow(/'degrees'.*exceeds the supported maximum 64/);
    expect(() => sphericalHarmonicsOp([1, 70], x, { normalize: true })).toThrow(/degree 70 in 'degrees'/);
    expect(() => sphericalHarmonicsOp([1, -1], x, { normalize: true })).toThrow(/'degrees'/);
    expect(() => sphericalHarmonicsOp([], x, { normalize: true })).toThrow(/'degrees'/);
    expect(() => sphericalHarmonicsOp(2, x, { normalize: true, normalization: 'bogus' as ShNormalization })).toThrow(/'options.normalization'/);
    expect(() => sphericalHarmonicsOp(2, x, {} as { normalize: boolean })).toThrow(/'options.normalize'/);
  });

  it('accepts the maximum degree and n = 0', () => {
    const y = sphericalHarmonicsOp([SH_MAX_L], tensor(new Float64Array([0.3, -0.4, 0.5]), [1, 3], { dtype: 'float64' }), { normalize: true });
    expect(y.shape).toEqual([1, 2 * SH_MAX_L + 1]);
    expect(sphericalHarmonicsOp(3, tensor(new Float64Array(0), [0, 3], { dtype: 'float64' }), { normalize: true }).shape).toEqual([0, 16]);
  });

  it.each(BACKENDS.filter(([b]) => b !== 'reference'))('%s primitives reject bad arguments with errors, never a crash', async (backend, missing) => {
    if (missing !== undefined) return;
    const prims = (findBackend(backend) as unknown as { primitives: E3HostPrimitives }).primitives;
    const xs = new Float64Array(6);
    expect(() => prims.sphericalHarmonics!([SH_MAX_L + 1], true, 'integral', xs, new Float64Array(2 * 131))).toThrow(/64/);
    expect(() => prims.sphericalHarmonics!([1], true, 'bogus' as ShNormalization, xs, new Float64Array(6))).toThrow(/normalization/);
    expect(() => prims.sphericalHarmonics!([1], true, 'integral', new Float64Array(5), new Float64Array(6))).toThrow(/multiple of 3/);
    expect(() => prims.sphericalHarmonics!([1], true, 'integral', xs, new Float32Array(6))).toThrow();
    expect(() => prims.sphericalHarmonics!([1], true, 'integral', xs, new Float64Array(5))).toThrow(/5 elements, needs at least 6/);
    if (backend === 'wasm') {
      // The C ABI itself answers bad arguments with status codes and a reason.
      const { getWasmModule } = await import('@equigraph/wasm');
      const mod = getWasmModule();
      const reason = () => mod.UTF8ToString(mod._eg_last_error());
      const ls = mod._malloc(8);
      const buf = mod._malloc(64);
      mod.HEAP32[ls >>> 2] = 2;
      mod.HEAP32[(ls >>> 2) + 1] = 65;
      expect(mod._eg_spherical_harmonics(1, ls, 2, 1, 0, buf, 1n, buf)).toBe(1);
      expect(reason()).toMatch(/ls\[1\] = 65 is outside \[0, 64\]/);
      expect(mod._eg_spherical_harmonics(1, ls, 0, 1, 0, buf, 1n, buf)).toBe(1);
      expect(mod._eg_spherical_harmonics(1, ls, 1, 1, 5, buf, 1n, buf)).toBe(1);
      expect(reason()).toMatch(/normalization/);
      expect(mod._eg_spherical_harmonics(2, ls, 1, 1, 0, buf, 1n, buf)).toBe(3);
      expect(mod._eg_spherical_harmonics(1, ls, 1, 1, 0, buf, -1n, buf)).toBe(1);
      expect(mod._eg_spherical_harmonics_backward(1, ls, 1, 1, 0, buf, 1n, 0, buf)).toBe(1);
      expect(reason()).toMatch(/null buffer/);
      mod._free(ls);
      mod._free(buf);
    }
    if (backend === 'cpu') {
      expect(() => prims.sphericalHarmonicsBackward!([2], false, 'norm', xs, new Float64Array(9), new Float64Array(6))).toThrow(/'gradOut'/);
    }
  });
});
