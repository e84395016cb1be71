// Backend 'cuda'. Without a GPU (or without CUDA in the build) only the
// availability checks run and everything that needs a device is skipped with
// the reason. The E(3) kernels (spherical harmonics, tensor products, fused
// convolution) have NOT yet run on a GPU; these tests are what checks them
// there. On a GPU machine:
//   npm run build:addon -w @equigraph/native && npx vitest run packages/native/test/cuda.test.ts
import { Rng, backendReport, findBackend, type Tensor } from '@equigraph/core';
import * as ops from '@equigraph/core';
import { runKernelSuite } from '@equigraph/core/testing';
import { fullyConnectedTensorProduct, sphericalHarmonicsOp, tensorProduct } from '@equigraph/geometry';
import { describe, expect, it } from 'vitest';
import { CUDA_PRIORITY, NO_CUDA_BUILD_REASON, loadAddon, type CudaAddon, type CudaBuffer, type CudaProbe } from '../src/index.js';
import { runE3Comparison } from './cuda-e3-cases.js';

const addon = loadAddon() as ReturnType<typeof loadAddon> & CudaProbe & Partial<CudaAddon>;

let unavailable: string | undefined;
try {
  findBackend('cuda');
} catch (err) {
  unavailable = (err as Error).message;
}
const hasGpu = unavailable === undefined;

describe('cuda availability', () => {
  it('the addon loads and reports CUDA without crashing', () => {
    expect(typeof addon.cuda).toBe('boolean');
    const count = addon.cudaDeviceCount();
    expect(Number.isInteger(count) && count >= 0).toBe(true);
    if (count === 0) expect(addon.cudaLastError()).not.toBe('');
    if (!addon.cuda) {
      expect(count).toBe(0);
      expect(addon.cudaLastError()).toMatch(/addon built without CUDA/);
      expect(addon.cudaAlloc).toBeUndefined();
    } else {
      for (const fn of [
        'cudaAlloc', 'cudaFree', 'cudaUpload', 'cudaDownload', 'cudaUnary', 'cudaBinary', 'cudaReduce', 'cudaTranspose', 'cudaMatmul', 'cudaGather', 'cudaScatter', 'cudaCopyBox', 'cudaCast',
        'cudaSphericalHarmonics', 'cudaSphericalHarmonicsBackward', 'cudaSphericalHarmonicsDoubleBackward', 'cudaSphericalHarmonicsTripleBackward', 'cudaSegmentedTensorProduct', 'cudaTpConvolution',
      ] as const) {
        expect(typeof addon[fn], fn).toBe('function');
      }
    }
  });

  it("the registry lists 'cuda' at priority 400, skipped with the reason when it cannot run", () => {
    const entry = backendReport().find((b) => b.name === 'cuda');
    expect(entry?.priority).toBe(CUDA_PRIORITY);
    expect(CUDA_PRIORITY).toBe(400);
    if (hasGpu) {
      expect(entry?.state === 'active' || entry?.state === 'available').toBe(true);
      return;
    }
    expect(entry?.state).toBe('skipped');
    if (!addon.cuda) expect(entry?.reason).toBe(NO_CUDA_BUILD_REASON);
    else if (addon.cudaDeviceCount() === 0) expect(entry?.reason).toMatch(/^no CUDA device: \S/);
    expect(() => findBackend('cuda')).toThrow(/backend 'cuda' failed to load: /);
  });

  it.skipIf(!addon.cuda || hasGpu)('without a device, the E(3) kernels check their arguments and then fail with an error', () => {
    const a = addon as CudaAddon;
    const empty = a.cudaAlloc(1, 0);
    // Argument errors are found before any device is needed.
    expect(() => a.cudaSphericalHarmonics([65], true, 0, empty, empty)).toThrow(/above the supported maximum 64/);
    expect(() => a.cudaSphericalHarmonics([1], true, 0, new Float64Array(3) as unknown as CudaBuffer, empty)).toThrow(/must be a CUDA buffer/);
    const none = new Int32Array(0);
    expect(() => a.cudaSegmentedTensorProduct(none, none, none, new Float64Array(0), [0, 3, 0, 3], [null, empty, null, null], [0, 3, 0, 3], 1, 3, empty)).toThrow(RangeError);
    // Zero vectors need no device; work does.
    a.cudaSphericalHarmonics([0, 1], true, 0, empty, empty);
    a.cudaFree(empty);
  });

  it.skipIf(!addon.cuda || hasGpu)('without a device, device calls fail with an error instead of crashing', () => {
    const a = addon as CudaAddon;
    expect(() => a.cudaAlloc(0, 4)).toThrow(/no CUDA device/);
    expect(() => a.cudaSynchronize()).toThrow(/no CUDA device/);
    expect(() => a.cudaEmptyCache()).toThrow(/no CUDA device/);
    // Empty buffers need no device; they are valid handles until freed.
    const empty = a.cudaAlloc(1, 0);
    a.cudaUnary(0, empty, empty);
    a.cudaFree(empty);
    a.cudaFree(empty);
    expect(() => a.cudaUnary(0, empty, empty)).toThrow(/disposed CUDA buffer/);
    expect(() => a.cudaUnary(0, {} as CudaBuffer, empty)).toThrow(TypeError);
    expect(() => a.cudaUnary(0, new Float32Array(1) as unknown as CudaBuffer, empty)).toThrow(/must be a CUDA buffer/);
    expect(a.cudaMemoryStats()).toEqual({ inUse: 0, cached: 0 });
  });
});

runKernelSuite('cuda', { describe, it });

// Spherical harmonics (orders 1 to 3), every tensor-product mode and the fused
// convolution against backend 'cpu' in float32 and float64, with no device
// tensor read back on the way (cuda-e3-cases.ts; cuda-sim.test.ts runs the
// same cases over a simulated device on every machine).
runE3Comparison('cuda', { describe, it }, !hasGpu);

// ------------------------------------------------------------- GPU only --
// Larger shapes than the kernel suite, so multi-tile GEMMs, both reduction
// schedules and many-segment scatters run, compared with backend 'cpu'.

const DTYPES = ['float32', 'float64'] as const;
const TOL = { float32: { atol: 1e-4, rtol: 1e-4 }, float64: { atol: 1e-10, rtol: 1e-10 } };

function pair(rng: Rng, shape: number[], dtype: 'float32' | 'float64'): [Tensor, Tensor] {
  const values = rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1)));
  return [ops.tensor(values, shape, { dtype, backend: 'cuda' }), ops.tensor(values, shape, { dtype, backend: 'cpu' })];
}

function indexPair(rng: Rng, n: number, bound: number): [Tensor, Tensor] {
  const values = new Int32Array(n).map(() => rng.integer(bound));
  return [ops.tensor(values, [n], { dtype: 'int32', backend: 'cuda' }), ops.tensor(values, [n], { dtype: 'int32', backend: 'cpu' })];
}

function expectClose(got: Tensor, want: Tensor, tol: { atol: number; rtol: number }, label: string): void {
  expect(got.backend.name).toBe('cuda');
  expect(got.shape).toEqual(want.shape);
  const a = got.toArray();
  const b = want.toArray();
  for (let i = 0; i < a.length; i++) {
    const ok = a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])) || Math.abs(a[i] - b[i]) <= tol.atol + tol.rtol * Math.abs(b[i]);
    if (!ok) expect.fail(`${label}: element ${i} is ${a[i]}, expected ${b[i]}`);
  }
}

function expectSame(got: Tensor, want: Tensor, label: string): void {
  expectClose(got, want, { atol: 0, rtol: 0 }, label);
}

describe.skipIf(!hasGpu)('cuda vs cpu on larger shapes', () => {
  for (const dtype of DTYPES) {
    it(`matmul, every transpose and batch layout (${dtype})`, () => {
      const rng = new Rng(1);
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const [a, aCpu] = pair(rng, tA ? [70, 130] : [130, 70], dtype);
        const [b, bCpu] = pair(rng, tB ? [150, 70] : [70, 150], dtype);
        expectClose(ops.matmul(a, b, { transposeA: tA, transposeB: tB }), ops.matmul(aCpu, bCpu, { transposeA: tA, transposeB: tB }), TOL[dtype], `matmul ${tA} ${tB}`);
      }
      const [a, aCpu] = pair(rng, [5, 33, 17], dtype);
      const [b, bCpu] = pair(rng, [17, 65], dtype);
      expectClose(ops.matmul(a, b), ops.matmul(aCpu, bCpu), TOL[dtype], 'batched, shared right');
      const [c, cCpu] = pair(rng, [1, 0], dtype);
      const [d, dCpu] = pair(rng, [0, 3], dtype);
      expectSame(ops.matmul(c, d), ops.matmul(cCpu, dCpu), 'k = 0 gives zeros');
    });

    it(`sum and max on both reduction schedules (${dtype})`, () => {
      const rng = new Rng(2);
      for (const [shape, axis] of [[[3, 100000], 1], [[100000, 3], 0], [[5000, 300], 1], [[40000, 8], 1], [[2, 0, 3], 1]] as const) {
        const [x, xCpu] = pair(rng, [...shape], dtype);
        expectClose(ops.sum(x, axis), ops.sum(xCpu, axis), { atol: TOL[dtype].atol * 10, rtol: TOL[dtype].rtol }, `sum ${shape} axis ${axis}`);
        if (shape[axis] > 0) expectSame(ops.max(x, axis), ops.max(xCpu, axis), `max ${shape} axis ${axis}`);
      }
    });

    it(`scatter sum/max match the cpu bit for bit and are deterministic (${dtype})`, () => {
      const rng = new Rng(3);
      const [src, srcCpu] = pair(rng, [50000, 16], dtype);
      const [idx, idxCpu] = indexPair(rng, 50000, 1000);
      const first = ops.scatterSum(src, idx, 1003); // 3 empty segments at the end
      expectSame(first, ops.scatterSum(srcCpu, idxCpu, 1003), 'scatterSum');
      expectSame(ops.scatterSum(src, idx, 1003), first, 'scatterSum run twice');
      expectSame(ops.scatterMax(src, idx, 1003), ops.scatterMax(srcCpu, idxCpu, 1003), 'scatterMax');
      const [g, gCpu] = indexPair(rng, 7000, 50000);
      expectSame(ops.indexSelect(src, g), ops.indexSelect(srcCpu, gCpu), 'gather');
    });

    it(`transpose, slice, pad, concat, unary and binary on larger tensors (${dtype})`, () => {
      const rng = new Rng(4);
      const [x, xCpu] = pair(rng, [6, 35, 17, 9], dtype);
      expectSame(ops.transpose(x, [3, 1, 0, 2]), ops.transpose(xCpu, [3, 1, 0, 2]), 'transpose');
      expectSame(ops.slice(x, [1, 3, 0, 2], [4, 30, 17, 5]), ops.slice(xCpu, [1, 3, 0, 2], [4, 30, 17, 5]), 'slice');
      expectSame(ops.pad(x, [0, 2, 1, 0], [1, 0, 3, 2]), ops.pad(xCpu, [0, 2, 1, 0], [1, 0, 3, 2]), 'pad');
      expectSame(ops.concat([x, x], 2), ops.concat([xCpu, xCpu], 2), 'concat');
      expectClose(ops.runUnary('silu', x), ops.runUnary('silu', xCpu), TOL[dtype], 'silu');
      const [y, yCpu] = pair(rng, [35, 1, 9], dtype);
      expectSame(ops.runBinary('mul', x, y), ops.runBinary('mul', xCpu, yCpu), 'broadcast mul');
    });
  }

  it('cast and special values agree with the cpu', () => {
    const specials = new Float64Array([0, -0, NaN, Infinity, -Infinity, 1.5, -1.5, 3e9, -3e9, 2 ** 31, -(2 ** 31) - 0.5, 1e300]);
    const x = ops.tensor(specials, [specials.length], { dtype: 'float64', backend: 'cuda' });
    const xCpu = ops.tensor(specials, [specials.length], { dtype: 'float64', backend: 'cpu' });
    expectSame(ops.cast(x, 'int32'), ops.cast(xCpu, 'int32'), 'float64 -> int32');
    expectSame(ops.cast(x, 'float32'), ops.cast(xCpu, 'float32'), 'float64 -> float32');
    for (const op of ['exp', 'log', 'sqrt', 'sign', 'sigmoid', 'tanh', 'softplus', 'reciprocal'] as const) {
      expectClose(ops.runUnary(op, x), ops.runUnary(op, xCpu), TOL.float64, op);
    }
    // CUDA's pow is within 2 ulp, glibc's within 1: close, not identical.
    const y = ops.tensor(specials.slice().reverse(), [specials.length], { dtype: 'float64', backend: 'cuda' });
    const yCpu = ops.tensor(specials.slice().reverse(), [specials.length], { dtype: 'float64', backend: 'cpu' });
    expectClose(ops.runBinary('pow', x, y), ops.runBinary('pow', xCpu, yCpu), TOL.float64, 'pow');
  });
});

describe.skipIf(!hasGpu)('cuda E(3) kernels: errors and large inputs', () => {
  const a = addon as CudaAddon;

  it('bad descriptors and bad edges give errors, and the device keeps working', () => {
    const f64 = (n: number) => a.cudaAlloc(1, n);
    const x1 = f64(6);
    const out = f64(6);
    // One uvu path 1x1o (x) 1x0e -> 1x1o, unweighted, with a coefficient index outside the segment.
    const segments = Int32Array.from([1, 0, 1, 3, 2, 0, 1, 1, 3, 0, 1, 3]);
    const paths = Int32Array.from([1, -1, 0, 1, 2, 0, 1, 0]);
    const bad = Int32Array.from([0, 0, 5]);
    const good = Int32Array.from([0, 0, 0]);
    const x2 = f64(2);
    const operands = [null, x1, x2, null];
    expect(() => a.cudaSegmentedTensorProduct(segments, paths, bad, Float64Array.of(1), [0, 3, 1, 3], operands, [0, 3, 1, 3], 2, 3, out)).toThrow(/coefficient 0 index \(0, 0, 5\) outside/);
    expect(() => a.cudaSegmentedTensorProduct(segments, Int32Array.from([7, -1, 0, 1, 2, 0, 1, 0]), good, Float64Array.of(1), [0, 3, 1, 3], operands, [0, 3, 1, 3], 2, 3, out)).toThrow(/unknown mode 7/);
    a.cudaSegmentedTensorProduct(segments, paths, good, Float64Array.of(1), [0, 3, 1, 3], operands, [0, 3, 1, 3], 2, 3, out);
    const src = a.cudaAlloc(2, 3);
    const dst = a.cudaAlloc(2, 3);
    a.cudaUpload(src, Int32Array.from([0, 1, 0]));
    a.cudaUpload(dst, Int32Array.from([1, 2, 1]));
    const sh = f64(3);
    expect(() => a.cudaTpConvolution(segments, paths, good, Float64Array.of(1), [0, 3, 1, 3], [null, x1, sh, null], src, dst, 2, 3, out)).toThrow(RangeError);
    expect(() => a.cudaTpConvolution(segments, paths, good, Float64Array.of(1), [0, 3, 1, 3], [null, x1, sh, null], src, dst, 2, 3, out)).toThrow(/edge 1 \(1 -> 2\) has a node outside \[0, 2\)/);
    const x9 = f64(9);
    const conv = f64(9);
    expect(() => a.cudaTpConvolution(segments, Int32Array.from([0, -1, 0, 1, 2, 0, 1, 0]), good, Float64Array.of(1), [0, 3, 1, 3], [null, x9, sh, null], src, dst, 3, 3, conv)).toThrow(/supports 'uvu' \(1\) only/);
    a.cudaTpConvolution(segments, paths, good, Float64Array.of(1), [0, 3, 1, 3], [null, x9, sh, null], src, dst, 3, 3, conv);
    a.cudaSynchronize();
    for (const b of [x1, out, x2, src, dst, sh, x9, conv]) a.cudaFree(b);
  });

  it('large batches: spherical harmonics of 200 000 vectors and a 100 000-sample tensor product match the cpu', () => {
    const rng = new Rng(41);
    const [x, xc] = pair(rng, [200000, 3], 'float32');
    expectClose(sphericalHarmonicsOp(3, x, { normalize: true }), sphericalHarmonicsOp(3, xc, { normalize: true }), TOL.float32, 'sh lmax 3');
    const d = fullyConnectedTensorProduct('4x0e+4x1o', '0e+1o', '4x0e+4x1o');
    const [u, uc] = pair(rng, [100000, d.irreps1.dim], 'float64');
    const [v, vc] = pair(rng, [100000, d.irreps2!.dim], 'float64');
    const [w, wc] = pair(rng, [d.numWeights], 'float64');
    const [wt, wtc, wt2] = [w.withGrad(), wc.withGrad(), w.withGrad()];
    const y = tensorProduct(d, u, v, wt);
    const yc = tensorProduct(d, uc, vc, wtc);
    expectClose(y, yc, TOL.float64, 'tp value');
    // The shared-weight gradient sums over 100 000 samples in fixed ranges: deterministic.
    const gw = ops.gradients(ops.sum(y), [wt])[0]!;
    const gwc = ops.gradients(ops.sum(yc), [wtc])[0]!;
    expectClose(gw, gwc, { atol: 1e-8, rtol: 1e-10 }, 'tp shared-weight gradient');
    const gw2 = ops.gradients(ops.sum(tensorProduct(d, u, v, wt2)), [wt2])[0]!;
    expectSame(gw2, gw, 'tp shared-weight gradient, run twice');
  });
});

describe.skipIf(!hasGpu)('cuda buffers and errors', () => {
  const a = addon as CudaAddon;

  it('round-trips every dtype and frees on dispose', () => {
    const before = a.cudaMemoryStats().inUse;
    for (const values of [new Float32Array([1, 2.5, -3]), new Float64Array([Math.PI, -0, 1e300]), new Int32Array([7, -8, 2 ** 31 - 1])]) {
      const t = ops.tensor(values, [3], { backend: 'cuda' });
      expect(Array.from(t.toArray())).toEqual(Array.from(values));
      t.dispose();
      t.dispose(); // idempotent
    }
    expect(a.cudaMemoryStats().inUse).toBe(before);
  });

  it('checks indices on the device and reports out of memory as an error', () => {
    const x = a.cudaAlloc(0, 12);
    const index = a.cudaAlloc(2, 3);
    a.cudaUpload(index, new Int32Array([0, 4, 1]));
    const out = a.cudaAlloc(0, 9);
    expect(() => a.cudaGather(x, index, out, 3)).toThrow(RangeError);
    expect(() => a.cudaGather(x, index, out, 3)).toThrow(/index 4 at position 1 is outside \[0, 4\)/);
    expect(() => a.cudaScatter(0, x, index, out, 3, 3)).toThrow(/outside \[0, 3\)/);
    expect(() => a.cudaAlloc(0, 2 ** 50)).toThrow(/out of memory/);
    const after = a.cudaAlloc(1, 1000); // the device still works
    a.cudaFree(after);
    for (const b of [x, index, out]) a.cudaFree(b);
    a.cudaSynchronize();
    a.cudaEmptyCache();
    expect(a.cudaMemoryStats().cached).toBe(0);
  });
});
