// Fused tensor-product convolution: equals the unfused composition (indexSelect → tensorProduct →
// scatterSum) in value and in every gradient on reference / cpu / wasm in float32 and float64;
// equivariance under O(3); gradients of order 1 and 2 against finite differences; errors.
import { Rng, gradients, indexSelect, matmul, scatterSum, slice, sum, tensor, transpose, type DType, type Tensor } from '@equigraph/core';
import { assertClose, backendMissing, checkGrads } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import {
  Irreps,
  channelwiseTensorProduct,
  fullyConnectedTensorProduct,
  irrepsD,
  makeRng,
  matmul3,
  randomRotation,
  tensorProduct,
  tensorProductDescriptor,
  tpConvolution,
  type TensorProductDescriptor,
} from '../src/index.js';

const cpuMissing = await backendMissing('cpu');
const wasmMissing = await backendMissing('wasm');
const backends: [string, string | undefined][] = [['reference', undefined], ['cpu', cpuMissing], ['wasm', wasmMissing]];

function randn(rng: Rng, shape: number[], dtype: DType = 'float64', backend = 'reference'): Tensor {
  const v = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(v);
  return tensor(v, shape, { dtype, backend });
}

function descriptors(): [string, TensorProductDescriptor][] {
  return [
    ['channelwise 2x0e+2x1o+1x2e ⊗ 0e+1o+2e', channelwiseTensorProduct('2x0e+2x1o+1x2e', '0e+1o+2e')],
    ['channelwise, filtered, mul 9 (vector body + tail)', channelwiseTensorProduct('9x0e+9x1o', '0e+1o+2e', '0e+1o+2e')],
    ['uvu, mul2 > 1', channelwiseTensorProduct('2x1o', '2x0e+1x1o')],
    ['uvu with an unweighted path', tensorProductDescriptor('2x0e+2x1o', '0e+1o', '2x0e+2x1o+2x1e', [
      { i1: 0, i2: 0, iOut: 0, mode: 'uvu', hasWeight: true },
      { i1: 1, i2: 1, iOut: 0, mode: 'uvu', hasWeight: false },
      { i1: 1, i2: 0, iOut: 1, mode: 'uvu', hasWeight: true },
      { i1: 1, i2: 1, iOut: 2, mode: 'uvu', hasWeight: false, pathWeight: 0.5 },
    ])],
  ];
}

/** A small multigraph: duplicate edges, a self-loop, an isolated node (6), unsorted. */
const EDGES: [number, number][] = [[0, 1], [1, 0], [2, 1], [3, 1], [2, 1], [4, 4], [5, 3], [0, 5], [1, 2], [3, 0], [5, 2]];
const N = 7;
const edgeIndex = Int32Array.from([...EDGES.map((e) => e[0]), ...EDGES.map((e) => e[1])]);
const src = edgeIndex.slice(0, EDGES.length);
const dst = edgeIndex.slice(EDGES.length);

function inputs(d: TensorProductDescriptor, rng: Rng, dtype: DType, backend: string) {
  const E = EDGES.length;
  return {
    x: randn(rng, [N, d.irreps1.dim], dtype, backend),
    sh: randn(rng, [E, d.irreps2!.dim], dtype, backend),
    w: d.numWeights > 0 ? randn(rng, [E, d.numWeights], dtype, backend) : null,
    g: randn(rng, [N, d.irrepsOut.dim], dtype, backend),
  };
}

const unfused = (d: TensorProductDescriptor, x: Tensor, sh: Tensor, w: Tensor | null) => scatterSum(tensorProduct(d, indexSelect(x, src), sh, w), dst, N);

describe('tpConvolution equals the unfused composition', () => {
  for (const [backend, missing] of backends) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      it.skipIf(missing !== undefined)(`${backend} ${dtype}: value and gradients`, () => {
        const tol = dtype === 'float64' ? 1e-12 : 2e-5;
        const rng = new Rng(7);
        for (const [name, d] of descriptors()) {
          const { x, sh, w, g } = inputs(d, rng, dtype, backend);
          const fused = tpConvolution(d, x, sh, w, edgeIndex, N);
          expect(fused.shape).toEqual([N, d.irrepsOut.dim]);
          assertClose(fused, unfused(d, x, sh, w), { atol: tol, rtol: tol }, `${name}: value`);
          // Isolated node: exactly zero.
          expect(Array.from(fused.toArray().slice(6 * d.irrepsOut.dim))).toEqual(new Array(d.irrepsOut.dim).fill(0));
          const args = [x.withGrad(), sh.withGrad(), ...(w ? [w.withGrad()] : [])];
          const fa = gradients(tpConvolution(d, args[0]!, args[1]!, args[2] ?? null, edgeIndex, N), args, { gradOutput: g });
          const ua = gradients(unfused(d, args[0]!, args[1]!, args[2] ?? null), args, { gradOutput: g });
          fa.forEach((t, i) => assertClose(t!, ua[i]!, { atol: tol, rtol: tol }, `${name}: gradient of input ${i}`));
        }
      });
    }
  }

  it.skipIf(cpuMissing !== undefined)('cpu: larger random graph equals the reference bit-for-bit in float64 up to rounding, deterministic', () => {
    const rng = new Rng(21);
    const d = channelwiseTensorProduct('16x0e+16x1o+16x2e', '0e+1o+2e', '0e+1o+2e');
    const n = 60;
    const E = 500;
    const ei = new Int32Array(2 * E);
    for (let e = 0; e < 2 * E; e++) ei[e] = rng.integer(n);
    const run = (backend: string, slot: 'out' | 'x' | 'sh' | 'w') => {
      const r = new Rng(5);
      const x = randn(r, [n, d.irreps1.dim], 'float64', backend).withGrad();
      const sh = randn(r, [E, 9], 'float64', backend).withGrad();
      const w = randn(r, [E, d.numWeights], 'float64', backend).withGrad();
      const g = randn(r, [n, d.irrepsOut.dim], 'float64', backend);
      const y = tpConvolution(d, x, sh, w, ei, n);
      if (slot === 'out') return y.toArray();
      const [gx, gsh, gw] = gradients(y, [x, sh, w], { gradOutput: g });
      return (slot === 'x' ? gx : slot === 'sh' ? gsh : gw)!.toArray();
    };
    for (const slot of ['out', 'x', 'sh', 'w'] as const) {
      const a = run('cpu', slot);
      assertClose(a, run('reference', slot), { atol: 1e-11, rtol: 1e-11 }, slot);
      expect(run('cpu', slot)).toEqual(a);
    }
  });
});

describe('tpConvolution equivariance (O(3))', () => {
  const R0 = randomRotation(makeRng(9));
  const inversion = Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, -1]);
  const act = (x: Tensor, irreps: Irreps, R: Float64Array) => {
    const n = irreps.dim;
    const D = tensor(irrepsD(irreps, R), [n, n], { dtype: x.dtype, backend: x.backend.name });
    return matmul(x, transpose(D, [1, 0]));
  };
  for (const [backend, missing] of backends) {
    it.skipIf(missing !== undefined)(backend, () => {
      const rng = new Rng(2);
      for (const [name, d] of descriptors()) {
        for (const R of [R0, matmul3(inversion, R0)]) {
          const { x, sh, w } = inputs(d, rng, 'float64', backend);
          const lhs = tpConvolution(d, act(x, d.irreps1, R), act(sh, d.irreps2!, R), w, edgeIndex, N);
          const rhs = act(tpConvolution(d, x, sh, w, edgeIndex, N), d.irrepsOut, R);
          assertClose(lhs, rhs, { atol: 1e-10, rtol: 1e-10 }, name);
        }
      }
    });
  }
});

describe('tpConvolution gradients (finite differences)', () => {
  for (const [backend, missing] of backends.filter(([b]) => b !== 'wasm')) {
    for (const [name, d] of descriptors().slice(0, 4)) {
      it.skipIf(missing !== undefined)(`${backend}: ${name}, order 1 and 2`, () => {
        const rng = new Rng(4);
        const { x, sh, w } = inputs(d, rng, 'float64', backend);
        const args = [x, sh, ...(w ? [w] : [])];
        checkGrads((...a: Tensor[]) => tpConvolution(d, a[0]!, a[1]!, a[2] ?? null, edgeIndex, N), args, { order: 2 });
      });
    }
  }
});

describe('tpConvolution arguments', () => {
  const d = channelwiseTensorProduct('2x0e+2x1o', '0e+1o');
  const rng = new Rng(1);
  const { x, sh, w } = inputs(d, rng, 'float64', 'reference');
  it('rejects non-uvu descriptors, bad shapes, bad indices', () => {
    expect(() => tpConvolution(fullyConnectedTensorProduct('1x0e', '1x0e', '1x0e'), x, sh, w, edgeIndex, N)).toThrow(/uvu/);
    expect(() => tpConvolution(d, x, sh, null, edgeIndex, N)).toThrow(/edgeWeights/);
    expect(() => tpConvolution(d, x, slice(sh, [0, 0], [3, sh.shape[1]!]), w, edgeIndex, N)).toThrow(/edgeSH/);
    expect(() => tpConvolution(d, x, sh, w, Int32Array.from(edgeIndex, (v, i) => (i === 3 ? 99 : v)), N)).toThrow(/outside/);
    expect(() => tpConvolution(d, x, sh, w, edgeIndex, N + 1)).toThrow(/nodeFeatures/);
  });
  // Empty per-edge operands (zero-length typed arrays) must reach every kernel as valid operands.
  it.each(backends)('no edges: zeros and zero gradients on %s', (backend, missing) => {
    if (missing) return;
    const on = (t: Tensor) => tensor(t.toArray(), t.shape, { dtype: t.dtype, backend });
    const xb = on(x).withGrad();
    const y = tpConvolution(d, xb, on(slice(sh, [0, 0], [0, sh.shape[1]!])), on(slice(w!, [0, 0], [0, d.numWeights])), new Int32Array(0), N);
    expect(Array.from(y.toArray())).toEqual(new Array(N * d.irrepsOut.dim).fill(0));
    const [gx] = gradients(sum(y), [xb]);
    expect(Array.from(gx.toArray())).toEqual(new Array(N * d.irreps1.dim).fill(0));
  });
});
