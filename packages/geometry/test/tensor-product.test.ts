// Tensor products on irreps: literal values from e3nn's definition, normalisation statistics,
// equivariance under O(3) (rotations and reflections), gradients of order 1 and 2 against finite
// differences, every host backend against the TypeScript reference, and argument errors.
import { Rng, gradients, matmul, sum, mul, tensor, transpose, type DType, type Tensor } from '@equigraph/core';
import { assertClose, backendMissing, checkGrads } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import {
  Irreps,
  channelwiseTensorProduct,
  elementwiseTensorProduct,
  fullTensorProduct,
  fullyConnectedTensorProduct,
  irrepsD,
  linearOnIrreps,
  makeRng,
  matmul3,
  randomRotation,
  tensorProduct,
  tensorProductDescriptor,
  type TensorProductDescriptor,
} from '../src/index.js';

const cpuMissing = await backendMissing('cpu');
const wasmMissing = await backendMissing('wasm');

const S3 = Math.sqrt(3);
const S2 = Math.SQRT2;

function randn(rng: Rng, shape: number[], dtype: DType = 'float64', backend = 'reference'): Tensor {
  const v = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(v);
  return tensor(v, shape, { dtype, backend });
}
const t64 = (v: number[], shape?: number[], backend = 'reference') => tensor(Float64Array.from(v), shape ?? [v.length], { dtype: 'float64', backend });
const vals = (t: Tensor) => Array.from(t.toArray());

/** A descriptor of each kind, small enough for finite differences. */
function smallDescriptors(): [string, TensorProductDescriptor][] {
  return [
    ['uvw (fully connected)', fullyConnectedTensorProduct('2x0e+1x1o+1x2e', '1x0e+2x1o', '1x0e+2x1o+1x1e+1x2e')],
    ['uvu (channelwise)', channelwiseTensorProduct('2x0e+2x1o', '0e+1o+2e', '0e+1o+1e+2e')],
    ['uvu, mul2 > 1', channelwiseTensorProduct('2x1o', '2x0e+1x1o')],
    ['uuu (elementwise)', elementwiseTensorProduct('2x0e+1x1o+1x2e', '1x1o+1x0e+2x1e')],
    ['uvuv (full)', fullTensorProduct('2x0e+1x1o', '1x1o+1x2e')],
    ['linear', linearOnIrreps('2x0e+2x1o+1x2e', '1x0e+3x1o+1x2e')],
    ['weighted uuu + uvuv (general)', tensorProductDescriptor('2x1o+2x0e', '2x1o', '2x0e+4x1e+2x1o', [
      { i1: 0, i2: 0, iOut: 0, mode: 'uuu', hasWeight: true },
      { i1: 0, i2: 0, iOut: 1, mode: 'uvuv', hasWeight: true },
      { i1: 1, i2: 0, iOut: 2, mode: 'uvu', hasWeight: false, pathWeight: 0.5 },
    ])],
  ];
}

/** Random inputs for a descriptor: x, y (or null), weights (or null; per-sample when asked). */
function inputs(d: TensorProductDescriptor, rng: Rng, batch: number, perSample: boolean, dtype: DType = 'float64', backend = 'reference'): [Tensor, Tensor | null, Tensor | null] {
  const x = randn(rng, [batch, d.irreps1.dim], dtype, backend);
  const y = d.irreps2 ? randn(rng, [batch, d.irreps2.dim], dtype, backend) : null;
  const w = d.numWeights > 0 ? randn(rng, perSample ? [batch, d.numWeights] : [d.numWeights], dtype, backend) : null;
  return [x, y, w];
}

/** x [batch, n] → x Dᵀ for the block-diagonal D of irreps. */
function act(x: Tensor, irreps: Irreps, R: Float64Array): Tensor {
  const n = irreps.dim;
  const D = tensor(irrepsD(irreps, R), [n, n], { dtype: x.dtype, backend: x.backend.name });
  return matmul(x, transpose(D, [1, 0]));
}

describe('tensor product descriptors', () => {
  it("fully connected '1o ⊗ 1o → 0e' is w·(x·y)/√3, and → 1e is w·(x × y)/√2", () => {
    const x = [0.3, -1.2, 0.7];
    const y = [1.1, 0.4, -0.5];
    const dot = x[0]! * y[0]! + x[1]! * y[1]! + x[2]! * y[2]!;
    const d0 = fullyConnectedTensorProduct('1o', '1o', '0e');
    expect(d0.numWeights).toBe(1);
    const out0 = tensorProduct(d0, t64(x, [1, 3]), t64(y, [1, 3]), t64([2]));
    assertClose(out0.toArray(), Float64Array.from([(2 * dot) / S3]), { atol: 1e-14, rtol: 1e-14 });
    const d1 = fullyConnectedTensorProduct('1o', '1o', '1e');
    const cross = [x[1]! * y[2]! - x[2]! * y[1]!, x[2]! * y[0]! - x[0]! * y[2]!, x[0]! * y[1]! - x[1]! * y[0]!];
    const out1 = tensorProduct(d1, t64(x, [1, 3]), t64(y, [1, 3]), t64([-0.5]));
    assertClose(out1.toArray(), Float64Array.from(cross.map((c) => (-0.5 * c) / S2)), { atol: 1e-14, rtol: 1e-14 });
  });

  it("'element' normalisation shares 1/√(Σ mul1·mul2) between the paths into one output", () => {
    // 0e⊗0e→0e and 1o⊗1o→0e: out = (w1 x0 y0 + w2 (x·y)/√3) / √2
    const d = fullyConnectedTensorProduct('0e+1o', '0e+1o', '0e');
    expect(d.numWeights).toBe(2);
    const x = [0.5, 1, 2, -1];
    const y = [-2, 0.25, -0.5, 3];
    const out = tensorProduct(d, t64(x, [1, 4]), t64(y, [1, 4]), t64([1.5, -0.7]));
    const dot = 1 * 0.25 + 2 * -0.5 + -1 * 3;
    assertClose(out.toArray(), Float64Array.from([(1.5 * 0.5 * -2 + (-0.7 * dot) / S3) / S2]), { atol: 1e-14, rtol: 1e-14 });
    // multiplicities: 2x0e ⊗ 0e → 0e: (w0 x0 + w1 x1) y / √2; weights [u, v, w] row-major
    const d2 = fullyConnectedTensorProduct('2x0e', '0e', '0e');
    const out2 = tensorProduct(d2, t64([3, -1], [1, 2]), t64([2], [1, 1]), t64([0.5, 4]));
    assertClose(out2.toArray(), Float64Array.from([((0.5 * 3 + 4 * -1) * 2) / S2]), { atol: 1e-14, rtol: 1e-14 });
    // 'path': divide by num_elements of the path times the number of paths: 1·2 here as well
    const dp = fullyConnectedTensorProduct('0e+1o', '0e+1o', '0e', { pathNormalization: 'path' });
    expect(Array.from(dp.instructions, (i) => i.normalization)).toEqual([expect.closeTo(1 / S2, 14), expect.closeTo(1 / S2, 14)]);
    // 'norm' irrep normalisation: alpha = dim1·dim2 instead of dim(out)
    const dn = fullyConnectedTensorProduct('1o', '1o', '0e', { irrepNormalization: 'norm' });
    expect(dn.instructions[0]!.normalization).toBeCloseTo(3, 14);
  });

  it('channelwise (uvu) builds the output irreps of MACE/NequIP and w_u (x_u·y)/√3', () => {
    const d = channelwiseTensorProduct('16x0e+16x1o', '0e+1o');
    expect(d.irrepsOut.toString()).toBe('16x0e+16x0e+16x1o+16x1o+16x1e+16x2e');
    expect(d.numWeights).toBe(6 * 16);
    expect(channelwiseTensorProduct('4x0e+4x1o', '0e+1o+2e', '0e+1o').irrepsOut.toString()).toBe('4x0e+4x0e+4x1o+4x1o+4x1o');
    const d1 = channelwiseTensorProduct('2x1o', '1o', '0e');
    expect(d1.irrepsOut.toString()).toBe('2x0e');
    const x = [1, 2, 3, -1, 0.5, 2];
    const y = [0.2, -1, 0.4];
    const out = tensorProduct(d1, t64(x, [1, 6]), t64(y, [1, 3]), t64([2, -3]));
    const dots = [0.2 - 2 + 1.2, -0.2 - 0.5 + 0.8];
    assertClose(out.toArray(), Float64Array.from([(2 * dots[0]!) / S3, (-3 * dots[1]!) / S3]), { atol: 1e-14, rtol: 1e-14 });
  });

  it('elementwise (uuu), full (uvuv) and linear match their definitions', () => {
    const e = elementwiseTensorProduct('2x1o', '1x1o+1x1o');
    expect(e.irrepsOut.toString()).toBe('2x0e+2x1e+2x2e');
    expect(e.numWeights).toBe(0);
    const ee = elementwiseTensorProduct('5x0e+5x1e', '4x0e+6x1e');
    expect(ee.irreps1.toString()).toBe('4x0e+1x0e+5x1e');
    expect(ee.irreps2.toString()).toBe('4x0e+1x1e+5x1e');
    expect(ee.irrepsOut.toString()).toBe('4x0e+1x1e+5x0e+5x1e+5x2e');
    const x = [1, 2, 3, -1, 0.5, 2];
    const y = [0.2, -1, 0.4, 1, 1, 1];
    const out = vals(tensorProduct(e, t64(x, [1, 6]), t64(y, [1, 6])));
    expect(out[0]).toBeCloseTo((0.2 - 2 + 1.2) / S3, 14);
    expect(out[1]).toBeCloseTo((-1 + 0.5 + 2) / S3, 14);
    const f = fullTensorProduct('2x0e+1x1o', '1o');
    expect(f.irrepsOut.toString()).toBe('1x0e+2x1o+1x1e+1x2e');
    // 2x0e ⊗ 1o → 2x1o is x_u·y (component: √3 · δ/√3)
    const fo = vals(tensorProduct(f, t64([2, -1, 1, 0, 0], [1, 5]), t64([0.5, 1, -2], [1, 3])));
    expect(fo.slice(1, 7)).toEqual([1, 2, -4, -0.5, -1, 2].map((v) => expect.closeTo(v, 14)));
    expect(fo[0]).toBeCloseTo(0.5 / S3, 14); // 1o ⊗ 1o → 0e: (x·y)/√3
    const l = linearOnIrreps('2x0e+1x1o', '1x0e+1x1o');
    expect(l.numWeights).toBe(3);
    const lo = vals(tensorProduct(l, t64([3, -1, 1, 2, 3], [1, 5]), null, t64([0.5, 4, -2])));
    expect(lo).toEqual([(0.5 * 3 + 4 * -1) / S2, -2, -4, -6].map((v) => expect.closeTo(v, 14)));
  });

  it("'component' normalisation: unit second moment out of unit-variance inputs and weights", () => {
    const rng = new Rng(7);
    const cases: TensorProductDescriptor[] = [
      fullyConnectedTensorProduct('8x0e+8x1o+8x2e', '0e+1o+2e', '8x0e+8x1o+8x2e'),
      channelwiseTensorProduct('8x0e+8x1o+8x2e', '0e+1o+2e'),
      elementwiseTensorProduct('8x0e+8x1o+8x2e', '8x0e+8x1o+8x2e'),
      fullTensorProduct('4x0e+4x1o', '0e+1o+2e'),
      linearOnIrreps('16x0e+8x1o', '8x0e+8x1o'),
    ];
    for (const d of cases) {
      // Average over several weight draws: a single draw fluctuates by ~1/√fan_in.
      let m = 0;
      const draws = 6;
      for (let k = 0; k < draws; k++) {
        const [x, y, w] = inputs(d, rng, 400, false);
        const out = tensorProduct(d, x, y, w).toArray();
        m += out.reduce((a, v) => a + v * v, 0) / out.length / draws;
      }
      expect(Math.abs(m - 1), `${d.name}: second moment ${m}`).toBeLessThan(0.12);
    }
  });

  it('exposes numWeights and the e3nn weight layout per instruction', () => {
    const d = fullyConnectedTensorProduct('16x0e+16x1o+16x2e', '0e+1o+2e', '16x0e+16x1o+16x2e');
    expect(d.instructions.length).toBe(11);
    expect(d.numWeights).toBe(11 * 256);
    expect(d.instructions[1]!.weightOffset).toBe(256);
    expect(d.instructions[0]!.weightShape).toEqual([16, 1, 16]);
  });
});

describe('tensor product equivariance (O(3), rotations and reflections)', () => {
  const rng = new Rng(11);
  const R0 = randomRotation(makeRng(5));
  const inversion = Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, -1]);
  const mirrors = [R0, matmul3(inversion, R0)];
  const backends: [string, string | undefined][] = [['reference', undefined], ['cpu', cpuMissing], ['wasm', wasmMissing]];
  for (const [backend, missing] of backends) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      it.skipIf(missing !== undefined || (backend === 'reference' && dtype === 'float32'))(`${backend} ${dtype}`, () => {
        const tol = dtype === 'float64' ? 1e-10 : 1e-5;
        for (const [name, d] of smallDescriptors()) {
          for (const R of mirrors) {
            const [x, y, w] = inputs(d, rng, 5, false, dtype, backend);
            const f = (a: Tensor, b: Tensor | null) => tensorProduct(d, a, b, w);
            const lhs = f(act(x, d.irreps1, R), y && act(y, d.irreps2!, R));
            const rhs = act(f(x, y), d.irrepsOut, R);
            assertClose(lhs, rhs, { atol: tol, rtol: tol }, `${name} on ${backend}`);
          }
        }
      });
    }
  }
});

describe('tensor product gradients (finite differences, order 2)', () => {
  for (const perSample of [false, true]) {
    for (const [name, d] of smallDescriptors()) {
      it(`${name}, ${perSample ? 'per-sample' : 'shared'} weights`, () => {
        const rng = new Rng(3);
        const [x, y, w] = inputs(d, rng, 2, perSample);
        const args = [x, ...(y ? [y] : []), ...(w ? [w] : [])];
        const f = (...a: Tensor[]) => tensorProduct(d, a[0]!, y ? a[1]! : null, w ? a[y ? 2 : 1]! : null);
        checkGrads(f, args, { order: 2 });
      });
    }
  }
});

describe('tensor product backends agree with the reference', () => {
  const rng = new Rng(21);
  const cases = [
    ...smallDescriptors(),
    ['benchmark shape', fullyConnectedTensorProduct('4x0e+4x1o+4x2e', '0e+1o+2e', '4x0e+4x1o+4x2e')] as [string, TensorProductDescriptor],
  ];
  for (const [backend, missing] of [['cpu', cpuMissing], ['wasm', wasmMissing]] as const) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      it.skipIf(missing !== undefined)(`${backend} ${dtype}: forward and gradients of x, y, weights (shared and per sample)`, () => {
        const tol = dtype === 'float64' ? 1e-12 : 2e-5;
        for (const [name, d] of cases) {
          for (const perSample of [false, true]) {
            const [x, y, w] = inputs(d, rng, 67, perSample, 'float64');
            const g = randn(rng, [67, d.irrepsOut.dim]);
            const run = (be: string, dt: DType) => {
              const move = (t: Tensor | null) => (t ? tensor(t.toArray(), t.shape, { dtype: dt, backend: be }).withGrad() : null);
              const [xb, yb, wb] = [move(x)!, move(y), move(w)];
              const out = tensorProduct(d, xb, yb, wb);
              const tracked = [xb, ...(yb ? [yb] : []), ...(wb ? [wb] : [])];
              const grads = gradients(sum(mul(out, tensor(g.toArray(), g.shape, { dtype: dt, backend: be }))), tracked);
              return [out, ...grads.map((t) => t!)];
            };
            const ref = run('reference', 'float64');
            const got = run(backend, dtype);
            got.forEach((t, i) => {
              const scale = Math.max(1, ...Array.from(ref[i]!.toArray(), Math.abs));
              assertClose(tensor(t.toArray(), t.shape, { dtype: 'float64' }), ref[i]!, { atol: tol * scale, rtol: tol }, `${name} ${perSample ? 'per-sample' : 'shared'} ${['out', 'grad x', 'grad y', 'grad w'][i]} on ${backend}`);
            });
          }
        }
      });
    }
  }

  // Empty operands (zero-length typed arrays) must reach the kernels as valid operands.
  for (const [backend, missing] of [['reference', undefined], ['cpu', cpuMissing], ['wasm', wasmMissing]] as const) {
    it.skipIf(missing !== undefined)(`${backend}: an empty batch gives an empty output and zero weight gradients`, () => {
      const d = fullyConnectedTensorProduct('2x0e+2x1o', '0e+1o', '2x0e+2x1o');
      const [x, y, w] = inputs(d, rng, 0, false, 'float64', backend).map((t) => t!.withGrad());
      const out = tensorProduct(d, x!, y, w);
      expect(out.shape).toEqual([0, d.irrepsOut.dim]);
      const [gw] = gradients(sum(out), [w!]);
      expect(Array.from(gw!.toArray())).toEqual(new Array(d.numWeights).fill(0));
    });
  }

  it.skipIf(cpuMissing !== undefined)('cpu: double backward equals the reference', () => {
    const d = fullyConnectedTensorProduct('2x0e+2x1o', '0e+1o', '2x0e+2x1o');
    const second = (backend: string) => {
      const r = new Rng(9);
      const [x, y, w] = inputs(d, r, 4, true, 'float64', backend).map((t) => t!.withGrad());
      const out = tensorProduct(d, x!, y, w);
      const [gx] = gradients(sum(mul(out, out)), [x!], { createGraph: true });
      return gradients(sum(mul(gx!, gx!)), [x!, y!, w!]).map((t) => t!.toArray());
    };
    const ref = second('reference');
    second('cpu').forEach((v, i) => assertClose(v, ref[i]!, { atol: 1e-10, rtol: 1e-10 }));
  });
});

describe('tensor product argument errors', () => {
  const d = fullyConnectedTensorProduct('2x0e+1x1o', '0e+1o', '1x0e+1x1o');
  const rng = new Rng(1);
  const x = randn(rng, [3, 5]);
  const y = randn(rng, [3, 4]);
  const w = randn(rng, [d.numWeights]);
  it('names the argument and the irreps', () => {
    expect(() => tensorProduct(d, randn(rng, [3, 6]), y, w)).toThrow(/'x' has shape \[3, 6\].*irreps1 "2x0e\+1x1o" needs a last axis of 5/);
    expect(() => tensorProduct(d, x, randn(rng, [3, 3]), w)).toThrow(/'y' has shape \[3, 3\].*irreps2 "1x0e\+1x1o"/);
    expect(() => tensorProduct(d, x, randn(rng, [2, 4]), w)).toThrow(/'y'.*leading axes/);
    expect(() => tensorProduct(d, x, y, randn(rng, [d.numWeights + 1]))).toThrow(new RegExp(`'weights' has shape \\[${d.numWeights + 1}\\].*needs ${d.numWeights} weights`));
    expect(() => tensorProduct(d, x, y, randn(rng, [2, d.numWeights]))).toThrow(/'weights'.*per sample/);
    expect(() => tensorProduct(d, x, y)).toThrow(/'weights' is required/);
    expect(() => tensorProduct(d, x, null, w)).toThrow(/'y' is required/);
    expect(() => tensorProduct(elementwiseTensorProduct('1o', '1o'), randn(rng, [3, 3]), randn(rng, [3, 3]), w)).toThrow(/'weights' must be omitted/);
    expect(() => tensorProduct(d, x, tensor(new Float32Array(12), [3, 4]), w)).toThrow(/'x' is float64 but 'y' is float32/);
    expect(() => elementwiseTensorProduct('2x0e', '3x0e')).toThrow(/same|equal/);
    expect(() => tensorProductDescriptor('1o', '1o', '1o', [{ i1: 0, i2: 0, iOut: 0, mode: 'uvw', hasWeight: true }])).toThrow(/1o is not in 1o ⊗ 1o/);
  });

  it.skipIf(cpuMissing !== undefined)('the native kernel rejects a corrupt descriptor cleanly', async () => {
    const { loadAddon } = await import('@equigraph/native');
    const addon = loadAddon();
    const bad = new Int32Array(d.coeffIndex);
    bad[0] = 99;
    const ops = [new Float64Array(d.numWeights), new Float64Array(5), new Float64Array(4), null];
    expect(() => addon.segmentedTensorProduct(d.segments, d.paths, bad, d.coeffValue, d.operandSizes, ops, [0, 5, 4, 4], 1, 3, new Float64Array(4))).toThrow(/coefficient .* index/);
    expect(() => addon.segmentedTensorProduct(d.segments, d.paths, d.coeffIndex, d.coeffValue, d.operandSizes, [ops[0]!, new Float64Array(4), ops[2]!, null], [0, 5, 4, 4], 1, 3, new Float64Array(4))).toThrow(/x1.*needs at least 5/);
  });
});
