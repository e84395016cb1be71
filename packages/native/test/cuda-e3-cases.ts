// The E(3) kernels of backend 'cuda' (spherical harmonics, tensor products,
// the fused convolution) compared with backend 'cpu': values and gradients of
// order 1, 2 (and 3 for the spherical harmonics), float32 and float64, and a
// check that no device tensor was read back to the host on the way (the
// '*' fallback of @equigraph/geometry would do that). Shared by
// cuda.test.ts (the real device, GPU machines only) and cuda-sim.test.ts (the
// TypeScript routing over a simulated device, every machine).
import { Rng, findBackend, gradients, mul, sum, tensor, type DType, type Tensor } from '@equigraph/core';
import {
  channelwiseTensorProduct,
  elementwiseTensorProduct,
  fullTensorProduct,
  fullyConnectedTensorProduct,
  linearOnIrreps,
  sphericalHarmonicsOp,
  tensorProduct,
  tensorProductDescriptor,
  tpConvolution,
  type ShNormalization,
  type TensorProductDescriptor,
} from '@equigraph/geometry';
import { expect } from 'vitest';

interface Runner {
  describe(name: string, fn: () => void): void;
  it: ((name: string, fn: () => void) => void) & { skipIf(cond: boolean): (name: string, fn: () => void) => void };
}

const DTYPES: DType[] = ['float64', 'float32'];
/** Relative to the largest magnitude of the expected tensor. */
const TOL: Record<string, number> = { float64: 1e-10, float32: 2e-4 };

function values(rng: Rng, n: number): Float64Array {
  return rng.fillNormal(new Float64Array(n));
}

/** The same values on both backends. */
function twin(rng: Rng, shape: number[], dtype: DType, target: string): [Tensor, Tensor] {
  const v = values(rng, shape.reduce((a, b) => a * b, 1));
  return [tensor(v, shape, { dtype, backend: target }), tensor(v, shape, { dtype, backend: 'cpu' })];
}

function expectNear(got: Tensor | undefined, want: Tensor | undefined, target: string, tol: number, label: string): void {
  if (got === undefined && want === undefined) return; // an input the output does not depend on
  expect(got, label).toBeDefined();
  expect(want, label).toBeDefined();
  expect(got!.backend.name, label).toBe(target);
  expect(got!.shape, label).toEqual(want!.shape);
  const a = got!.toArray();
  const b = want!.toArray();
  let scale = 1;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!(Math.abs(x - y) <= tol * scale)) expect.fail(`${label}: element ${i} is ${x}, expected ${y} (tolerance ${tol} x ${scale})`);
  }
}

/**
 * Runs `body` with the target backend's `read` counted; the E(3) ops must not download device
 * tensors (reads done for the comparisons happen after `body`).
 */
function withoutReads<T>(target: string, body: () => T): T {
  const backend = findBackend(target) as { read: (...args: never[]) => unknown };
  const own = Object.prototype.hasOwnProperty.call(backend, 'read');
  const read = backend.read;
  let reads = 0;
  backend.read = function (this: unknown, ...args: never[]) {
    reads++;
    return read.apply(this, args);
  };
  try {
    const result = body();
    expect(reads, `device reads while running the E(3) ops on '${target}'`).toBe(0);
    return result;
  } finally {
    if (own) backend.read = read;
    else delete (backend as { read?: unknown }).read;
  }
}

function tpDescriptors(): [string, TensorProductDescriptor][] {
  return [
    ['uvw (fully connected)', fullyConnectedTensorProduct('2x0e+1x1o+1x2e', '1x0e+2x1o', '1x0e+2x1o+1x1e+1x2e')],
    ['uvu (channelwise)', channelwiseTensorProduct('2x0e+2x1o', '0e+1o+2e', '0e+1o+1e+2e')],
    ['uvu, mul2 > 1', channelwiseTensorProduct('2x1o', '2x0e+1x1o')],
    ['uuu (elementwise)', elementwiseTensorProduct('2x0e+1x1o+1x2e', '1x1o+1x0e+2x1e')],
    ['uvuv (full)', fullTensorProduct('2x0e+1x1o', '1x1o+1x2e')],
    ['linear (no x2)', linearOnIrreps('2x0e+2x1o+1x2e', '1x0e+3x1o+1x2e')],
    ['weighted uuu + uvuv, unweighted uvu', tensorProductDescriptor('2x1o+2x0e', '2x1o', '2x0e+4x1e+2x1o', [
      { i1: 0, i2: 0, iOut: 0, mode: 'uuu', hasWeight: true },
      { i1: 0, i2: 0, iOut: 1, mode: 'uvuv', hasWeight: true },
      { i1: 1, i2: 0, iOut: 2, mode: 'uvu', hasWeight: false, pathWeight: 0.5 },
    ])],
    ['larger uvw (two tiles of threads per sample)', fullyConnectedTensorProduct('8x0e+8x1o+8x2e', '0e+1o+2e', '8x0e+8x1o+8x2e')],
  ];
}

function convDescriptors(): [string, TensorProductDescriptor][] {
  return [
    ['channelwise 2x0e+2x1o+1x2e ⊗ 0e+1o+2e', channelwiseTensorProduct('2x0e+2x1o+1x2e', '0e+1o+2e')],
    ['channelwise, mul 9, filtered', channelwiseTensorProduct('9x0e+9x1o', '0e+1o+2e', '0e+1o+2e')],
    ['uvu, mul2 > 1', channelwiseTensorProduct('2x1o', '2x0e+1x1o')],
    ['uvu with unweighted paths', tensorProductDescriptor('2x0e+2x1o', '0e+1o', '2x0e+2x1o+2x1e', [
      { i1: 0, i2: 0, iOut: 0, mode: 'uvu', hasWeight: true },
      { i1: 1, i2: 1, iOut: 0, mode: 'uvu', hasWeight: false },
      { i1: 1, i2: 0, iOut: 1, mode: 'uvu', hasWeight: true },
      { i1: 1, i2: 1, iOut: 2, mode: 'uvu', hasWeight: false, pathWeight: 0.5 },
    ])],
  ];
}

/** A multigraph with duplicate edges, a self-loop, an isolated node (6), unsorted; and a random larger one. */
function graphs(rng: Rng): [string, Int32Array, number][] {
  const edges: [number, number][] = [[0, 1], [1, 0], [2, 1], [3, 1], [2, 1], [4, 4], [5, 3], [0, 5], [1, 2], [3, 0], [5, 2]];
  const small = Int32Array.from([...edges.map((e) => e[0]), ...edges.map((e) => e[1])]);
  const n = 40;
  const E = 600;
  const big = new Int32Array(2 * E).map(() => rng.integer(n));
  return [['11-edge multigraph', small, 7], ['random graph, 40 nodes, 600 edges', big, n]];
}

const SH_CASES: [string, number | number[]][] = [
  ['lmax 0', 0],
  ['lmax 1', 1],
  ['lmax 3 (polynomials)', 3],
  ['[3, 1, 1, 0] (repeated, unsorted)', [3, 1, 1, 0]],
  ['[2] alone', [2]],
  ['lmax 6 (recurrences)', 6],
  ['[12]', [12]],
  ['[0, 5, 12, 3]', [0, 5, 12, 3]],
  ['lmax 20', 20],
];

/** Registers the comparisons of backend `target` with 'cpu'; all skipped when `skip` is set. */
export function runE3Comparison(target: string, runner: Runner, skip: boolean): void {
  const { describe, it } = runner;

  describe(`${target} E(3) kernels vs cpu: spherical harmonics`, () => {
    for (const dtype of DTYPES) {
      it.skipIf(skip)(`values and derivatives of order 1, 2, 3, every degree set and normalisation (${dtype})`, () => {
        const tol = TOL[dtype]!;
        const rng = new Rng(11);
        const n = 33;
        for (const [name, degrees] of SH_CASES) {
          for (const normalize of [true, false]) {
            for (const normalization of ['integral', 'component', 'norm'] as ShNormalization[]) {
              const label = `${name}, normalize ${normalize}, ${normalization}`;
              const xv = values(rng, 3 * n);
              xv.fill(0, 0, 3); // a zero vector: constant Y0, zero derivatives when normalising
              const x = tensor(xv, [n, 3], { dtype, backend: target }).withGrad();
              const xc = tensor(xv, [n, 3], { dtype, backend: 'cpu' }).withGrad();
              const y = withoutReads(target, () => sphericalHarmonicsOp(degrees, x, { normalize, normalization }));
              const yc = sphericalHarmonicsOp(degrees, xc, { normalize, normalization });
              expectNear(y, yc, target, tol, `${label}: value`);
              const [g, gc] = twin(rng, [...yc.shape], dtype, target);
              const [u, uc] = twin(rng, [n, 3], dtype, target);
              const [v, vc] = twin(rng, [n, 3], dtype, target);
              const gt = g.withGrad();
              const gtc = gc.withGrad();
              // order 1 (backward kernel), 2 (double backward, in x and in g), 3 (triple backward)
              const run = (xx: Tensor, yy: Tensor, gg: Tensor, uu: Tensor, vv: Tensor) => {
                const [gx] = gradients(sum(mul(yy, gg)), [xx], { createGraph: true });
                const [gxx, gxg] = gradients(sum(mul(gx!, uu)), [xx, gg], { createGraph: true });
                const [gxxx] = gradients(sum(mul(gxx!, vv)), [xx]);
                return [gx!, gxx!, gxg!, gxxx!];
              };
              const got = withoutReads(target, () => run(x, sphericalHarmonicsOp(degrees, x, { normalize, normalization }), gt, u, v));
              const want = run(xc, yc, gtc, uc, vc);
              const names = ['gradient', 'second derivative (x)', 'second derivative (gradOut)', 'third derivative'];
              got.forEach((t, i) => expectNear(t, want[i], target, tol * 10, `${label}: ${names[i]}`));
            }
          }
        }
      });
    }

    it.skipIf(skip)('lmax 64 (the largest degree) and a degree above it', () => {
      const rng = new Rng(12);
      const [x, xc] = twin(rng, [17, 3], 'float64', target);
      expectNear(sphericalHarmonicsOp([64, 0], x, { normalize: true }), sphericalHarmonicsOp([64, 0], xc, { normalize: true }), target, 1e-9, 'lmax 64');
      expect(() => sphericalHarmonicsOp(65, x, { normalize: true })).toThrow(/exceeds the supported maximum 64/);
    });
  });

  describe(`${target} E(3) kernels vs cpu: tensor products`, () => {
    for (const dtype of DTYPES) {
      it.skipIf(skip)(`every mode, shared and per-sample weights, value and gradients of order 1 and 2 (${dtype})`, () => {
        const tol = TOL[dtype]!;
        const rng = new Rng(21);
        for (const [name, d] of tpDescriptors()) {
          for (const [batchShape, perSample] of [[[7], false], [[2, 3], true], [[1], false], [[300], false]] as [number[], boolean][]) {
            const label = `${name}, batch [${batchShape}], ${perSample ? 'per-sample' : 'shared'} weights`;
            const [x, xc] = twin(rng, [...batchShape, d.irreps1.dim], dtype, target);
            const [y, yc] = d.irreps2 ? twin(rng, [...batchShape, d.irreps2.dim], dtype, target) : [null, null];
            const [w, wc] = d.numWeights > 0 ? twin(rng, perSample ? [...batchShape, d.numWeights] : [d.numWeights], dtype, target) : [null, null];
            const [g, gc] = twin(rng, [...batchShape, d.irrepsOut.dim], dtype, target);
            const run = (xx: Tensor, yy: Tensor | null, ww: Tensor | null, gg: Tensor) => {
              const tracked = [xx.withGrad(), ...(yy ? [yy.withGrad()] : []), ...(ww ? [ww.withGrad()] : [])];
              const out = tensorProduct(d, tracked[0]!, yy ? tracked[1]! : null, ww ? tracked[tracked.length - 1]! : null);
              const first = gradients(out, tracked, { gradOutput: gg, createGraph: true });
              // order 2: the gradient of |dL/dx|^2 with respect to every input: the same kernel with
              // each slot as output (weighted paths only when the weights are the output)
              const second = gradients(sum(mul(first[0]!, first[0]!)), tracked);
              return [out, ...first, ...second] as Tensor[];
            };
            const got = withoutReads(target, () => run(x, y, w, g));
            const want = run(xc, yc, wc, gc);
            got.forEach((t, i) => expectNear(t, want[i], target, tol * 10, `${label}: output ${i}`));
          }
        }
      });
    }
  });

  describe(`${target} E(3) kernels vs cpu: fused tensor-product convolution`, () => {
    for (const dtype of DTYPES) {
      it.skipIf(skip)(`value and gradients of order 1 and 2 (${dtype})`, () => {
        const tol = TOL[dtype]!;
        const rng = new Rng(31);
        for (const [gname, edgeIndex, n] of graphs(rng)) {
          const E = edgeIndex.length / 2;
          for (const [name, d] of convDescriptors()) {
            const label = `${name} on the ${gname}`;
            const [x, xc] = twin(rng, [n, d.irreps1.dim], dtype, target);
            const [sh, shc] = twin(rng, [E, d.irreps2!.dim], dtype, target);
            const [w, wc] = d.numWeights > 0 ? twin(rng, [E, d.numWeights], dtype, target) : [null, null];
            const [g, gc] = twin(rng, [n, d.irrepsOut.dim], dtype, target);
            const run = (xx: Tensor, ss: Tensor, ww: Tensor | null, gg: Tensor) => {
              const tracked = [xx.withGrad(), ss.withGrad(), ...(ww ? [ww.withGrad()] : [])];
              const out = tpConvolution(d, tracked[0]!, tracked[1]!, ww ? tracked[2]! : null, edgeIndex, n);
              const first = gradients(out, tracked, { gradOutput: gg, createGraph: true });
              const second = gradients(sum(mul(first[0]!, first[0]!)), tracked);
              return [out, ...first, ...second] as Tensor[];
            };
            const got = withoutReads(target, () => run(x, sh, w, g));
            const want = run(xc, shc, wc, gc);
            got.forEach((t, i) => expectNear(t, want[i], target, tol * 10, `${label}: output ${i}`));
            // Deterministic: the same call again gives the same bits.
            const again = tpConvolution(d, x, sh, w, edgeIndex, n);
            expect(Array.from(again.toArray())).toEqual(Array.from(got[0]!.toArray()));
          }
        }
      });
    }

    it.skipIf(skip)('no edges: zero node outputs and empty edge gradients', () => {
      const d = channelwiseTensorProduct('2x0e+1x1o', '0e+1o');
      const x = tensor(new Float64Array(3 * d.irreps1.dim).fill(1), [3, d.irreps1.dim], { dtype: 'float64', backend: target }).withGrad();
      const sh = tensor(new Float64Array(0), [0, d.irreps2!.dim], { dtype: 'float64', backend: target }).withGrad();
      const w = tensor(new Float64Array(0), [0, d.numWeights], { dtype: 'float64', backend: target }).withGrad();
      const out = tpConvolution(d, x, sh, w, new Int32Array(0), 3);
      expect(Array.from(out.toArray())).toEqual(new Array(3 * d.irrepsOut.dim).fill(0));
      const [gx, gsh, gw] = gradients(out, [x, sh, w]);
      expect(Array.from(gx!.toArray())).toEqual(new Array(3 * d.irreps1.dim).fill(0));
      expect(gsh!.shape).toEqual([0, d.irreps2!.dim]);
      expect(gw!.shape).toEqual([0, d.numWeights]);
    });
  });
}
