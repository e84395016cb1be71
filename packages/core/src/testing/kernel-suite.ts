import { UNARY_GRAD_OPS, type BinaryOp, type UnaryOp } from '../backend.js';
import { gradients } from '../autograd.js';
import type { FloatDType } from '../dtype.js';
import * as ops from '../ops/index.js';
import { Rng } from '../random.js';
import { findBackend } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { assertClose } from './compare.js';

/** The bits of a test runner the suite needs (vitest, node:test, …). */
export interface SuiteRunner {
  describe(name: string, fn: () => void): void;
  it: ((name: string, fn: () => void) => void) & { skip(name: string, fn: () => void): void };
}

interface Case {
  name: string;
  /** Builds inputs with the given generator; the same seed gives the same values on every backend. */
  inputs(rng: Rng, dtype: FloatDType): Array<{ values: Float64Array | Int32Array; shape: number[]; int?: boolean; low?: number; high?: number }>;
  run(...xs: Tensor[]): Tensor;
  /** Skip the gradient comparison (non-differentiable or integer output). */
  noGrad?: boolean;
  /** Rounds through float32, so float64 finite differences do not apply. */
  lossy?: boolean;
  /** Sized to exercise blocked native paths; too many inputs for finite differences. */
  large?: boolean;
}

const normal = (rng: Rng, shape: number[]) => ({ values: rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1))), shape });
const uniform = (rng: Rng, shape: number[], low: number, high: number) => ({
  values: new Float64Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.uniform(low, high)),
  shape,
});
/** Normal values rounded to multiples of 1/4 (exact products and sums in float32). */
const quarters = (rng: Rng, shape: number[]) => {
  const n = normal(rng, shape);
  return { values: n.values.map((v) => Math.round(v * 4) / 4), shape };
};
const index = (rng: Rng, length: number, bound: number) => ({ values: new Int32Array(length).map(() => rng.integer(bound)), shape: [length], int: true });

const POSITIVE: UnaryOp[] = ['log', 'sqrt', 'reciprocal'];
const UNARY_CASES: Case[] = (['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'square', 'reciprocal', 'sigmoid', 'tanh', 'relu', 'silu', 'softplus', 'step', 'sin', 'cos'] as UnaryOp[]).map((op) => ({
  name: `unary ${op}`,
  inputs: (rng) => [POSITIVE.includes(op) ? uniform(rng, [7, 13], 0.2, 3) : normal(rng, [7, 13])],
  run: (x) => ops.runUnary(op, x),
  noGrad: op === 'sign' || op === 'step',
}));

// The fused activation gradient dy·f'(x) (y = f(x) from the forward op); its own
// gradient (double backward) is checked to second order by the gradient tests.
const UNARY_GRAD_CASES: Case[] = UNARY_GRAD_OPS.flatMap((op) => [
  {
    name: `unaryGrad ${op}`,
    inputs: (rng: Rng) => [normal(rng, [7, 13]), normal(rng, [7, 13])],
    run: (x: Tensor, dy: Tensor) => ops.unaryGrad(op, x, ops.runUnary(op, x), dy),
  },
  // Past the vectorised range (|x| >= 40) float32 falls back to libm.
  {
    name: `unaryGrad ${op} wide range`,
    inputs: (rng: Rng) => [uniform(rng, [5, 21], -50, 50), normal(rng, [5, 21])],
    run: (x: Tensor, dy: Tensor) => ops.unaryGrad(op, x, ops.runUnary(op, x), dy),
  },
]);

const BINARY_SHAPES: Array<[number[], number[]]> = [
  [[5, 6], [5, 6]],
  [[3, 1, 4], [2, 4]],
  [[4, 1], [1, 5]],
  [[], [3, 2]],
  [[2, 3, 4, 5], [5]],
];
const BINARY_CASES: Case[] = (['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'greater'] as BinaryOp[]).flatMap((op) =>
  BINARY_SHAPES.map(([sa, sb]) => ({
    name: `binary ${op} [${sa}]·[${sb}]`,
    inputs: (rng: Rng) => (op === 'pow' || op === 'div' ? [uniform(rng, sa, 0.5, 2), uniform(rng, sb, 0.5, 2)] : [normal(rng, sa), normal(rng, sb)]),
    run: (a: Tensor, b: Tensor) => ops.runBinary(op, a, b),
    noGrad: op === 'equal' || op === 'greater',
  })),
);

const OTHER_CASES: Case[] = [
  { name: 'sum all', inputs: (r) => [normal(r, [4, 5, 6])], run: (x) => ops.sum(x) },
  { name: 'sum axis 1', inputs: (r) => [normal(r, [4, 5, 6])], run: (x) => ops.sum(x, 1) },
  { name: 'sum axes [0, 2] keepDims', inputs: (r) => [normal(r, [4, 5, 6])], run: (x) => ops.sum(x, [0, 2], true) },
  { name: 'mean axis -1', inputs: (r) => [normal(r, [3, 7])], run: (x) => ops.mean(x, -1) },
  { name: 'max axis 0', inputs: (r) => [normal(r, [6, 5])], run: (x) => ops.max(x, 0) },
  { name: 'max axes [0, 2]', inputs: (r) => [normal(r, [3, 4, 5])], run: (x) => ops.max(x, [0, 2]) },
  { name: 'transpose 2d', inputs: (r) => [normal(r, [7, 9])], run: (x) => ops.transpose(x) },
  { name: 'transpose 4d', inputs: (r) => [normal(r, [2, 3, 4, 5])], run: (x) => ops.transpose(x, [2, 0, 3, 1]) },
  ...[false, true].flatMap((tA) =>
    [false, true].map((tB) => ({
      name: `matmul transA=${tA} transB=${tB}`,
      inputs: (r: Rng) => [normal(r, tA ? [9, 6] : [6, 9]), normal(r, tB ? [5, 9] : [9, 5])],
      run: (a: Tensor, b: Tensor) => ops.matmul(a, b, { transposeA: tA, transposeB: tB }),
    })),
  ),
  { name: 'matmul batched', inputs: (r) => [normal(r, [3, 4, 6]), normal(r, [3, 6, 5])], run: (a, b) => ops.matmul(a, b) },
  { name: 'matmul shared right', inputs: (r) => [normal(r, [3, 4, 6]), normal(r, [6, 5])], run: (a, b) => ops.matmul(a, b) },
  { name: 'matmul shared left, transB', inputs: (r) => [normal(r, [4, 6]), normal(r, [2, 3, 5, 6])], run: (a, b) => ops.matmul(a, b, { transposeB: true }) },
  { name: 'matmul large', inputs: (r) => [normal(r, [67, 45]), normal(r, [45, 71])], run: (a, b) => ops.matmul(a, b), large: true },
  // Fast paths of the native kernel: matrix-vector (n = 1, m = 1) and split-K (small output, long k).
  ...[false, true].flatMap((tA) =>
    [false, true].flatMap((tB) => [
      {
        name: `matmul vector n=1 transA=${tA} transB=${tB}`,
        inputs: (r: Rng) => [normal(r, tA ? [11, 21] : [21, 11]), normal(r, tB ? [1, 11] : [11, 1])],
        run: (a: Tensor, b: Tensor) => ops.matmul(a, b, { transposeA: tA, transposeB: tB }),
      },
      {
        name: `matmul vector m=1 transA=${tA} transB=${tB}`,
        inputs: (r: Rng) => [normal(r, tA ? [11, 1] : [1, 11]), normal(r, tB ? [21, 11] : [11, 21])],
        run: (a: Tensor, b: Tensor) => ops.matmul(a, b, { transposeA: tA, transposeB: tB }),
      },
    ]),
  ),
  { name: 'matmul batched vector', inputs: (r) => [normal(r, [3, 9, 6]), normal(r, [3, 6, 1])], run: (a, b) => ops.matmul(a, b) },
  // Long k: values on a 1/4 grid make every float32 sum exact, so the blocked
  // and split-K orders must match the reference bit for bit.
  { name: 'matmul split-K (weight gradient)', inputs: (r) => [quarters(r, [700, 20]), quarters(r, [700, 24])], run: (a, b) => ops.matmul(a, b, { transposeA: true }), large: true },
  { name: 'indexSelect axis 0', inputs: (r) => [normal(r, [6, 3]), index(r, 10, 6)], run: (x, i) => ops.indexSelect(x, i) },
  { name: 'indexSelect axis 1', inputs: (r) => [normal(r, [2, 6, 3]), index(r, 4, 6)], run: (x, i) => ops.indexSelect(x, i, 1) },
  { name: 'scatterSum', inputs: (r) => [normal(r, [20, 3]), index(r, 20, 7)], run: (x, i) => ops.scatterSum(x, i, 9) },
  { name: 'scatterMean', inputs: (r) => [normal(r, [20, 2, 2]), index(r, 20, 5)], run: (x, i) => ops.scatterMean(x, i, 6) },
  { name: 'scatterMax', inputs: (r) => [normal(r, [20, 3]), index(r, 20, 7)], run: (x, i) => ops.scatterMax(x, i, 9) },
  { name: 'segmentSoftmax', inputs: (r) => [normal(r, [15, 2]), index(r, 15, 4)], run: (x, i) => ops.segmentSoftmax(x, i, 4) },
  { name: 'slice', inputs: (r) => [normal(r, [5, 6, 7])], run: (x) => ops.slice(x, [1, 0, 2], [3, 6, 4]) },
  { name: 'pad', inputs: (r) => [normal(r, [3, 4])], run: (x) => ops.pad(x, [1, 0], [2, 3]) },
  { name: 'concat axis 1', inputs: (r) => [normal(r, [3, 2]), normal(r, [3, 5])], run: (a, b) => ops.concat([a, b], 1) },
  { name: 'stack', inputs: (r) => [normal(r, [3, 2]), normal(r, [3, 2])], run: (a, b) => ops.stack([a, b], 1) },
  { name: 'cast to other float', inputs: (r) => [normal(r, [4, 3])], run: (x) => ops.cast(ops.cast(x, x.dtype === 'float32' ? 'float64' : 'float32'), x.dtype), lossy: true },
  { name: 'cast to int32', inputs: (r) => [uniform(r, [4, 3], -5, 5)], run: (x) => ops.cast(x, 'int32'), noGrad: true },
];

export const KERNEL_CASES: readonly Case[] = [...UNARY_CASES, ...UNARY_GRAD_CASES, ...BINARY_CASES, ...OTHER_CASES];

const TOLERANCE: Record<FloatDType, { atol: number; rtol: number }> = {
  float32: { atol: 1e-5, rtol: 1e-5 },
  float64: { atol: 1e-12, rtol: 1e-12 },
};

function build(specs: ReturnType<Case['inputs']>, dtype: FloatDType, backend: string, track: boolean): Tensor[] {
  return specs.map((s) => {
    const t = ops.tensor(s.values, s.shape, { dtype: s.int ? 'int32' : dtype, backend });
    return track && !s.int ? t.withGrad() : t;
  });
}

/**
 * Runs every kernel through the op layer on `backend` and on the reference
 * backend with identical inputs, comparing outputs and input gradients in
 * float32 and float64.
 */
export function runKernelSuite(backend: string, runner: SuiteRunner): void {
  let unavailable: string | undefined;
  try {
    findBackend(backend);
  } catch (err) {
    unavailable = (err as Error).message;
  }
  if (unavailable !== undefined) {
    runner.describe(`kernel suite: ${backend}`, () => runner.it.skip(`skipped: ${unavailable}`, () => {}));
    return;
  }
  runner.describe(`kernel suite: ${backend} vs reference`, () => {
    for (const dtype of ['float32', 'float64'] as const) {
      KERNEL_CASES.forEach((c, k) => {
        runner.it(`${c.name} (${dtype})`, () => {
          const specs = c.inputs(new Rng(1000 + k), dtype);
          const withGrad = !c.noGrad;
          const got = build(specs, dtype, backend, withGrad);
          const want = build(specs, dtype, 'reference', withGrad);
          const y = c.run(...got);
          const yRef = c.run(...want);
          const tol = TOLERANCE[dtype];
          assertClose(y, yRef, tol, `${c.name} output`);
          if (!withGrad) return;
          // The gradient path exercises the backward kernels on this backend too.
          const w = (t: Tensor, name: string) => ops.tensor(new Float64Array(t.size).map((_, i) => Math.sin(i + 1)), t.shape, { dtype, backend: name });
          const grads = gradients(ops.sum(ops.mul(y, w(y, backend))), got.filter((t) => t.requiresGrad));
          const gradsRef = gradients(ops.sum(ops.mul(yRef, w(yRef, 'reference'))), want.filter((t) => t.requiresGrad));
          grads.forEach((g, i) => {
            if (g && gradsRef[i]) assertClose(g, gradsRef[i]!, { atol: tol.atol * 10, rtol: tol.rtol * 10 }, `${c.name} gradient ${i}`);
            else if (!!g !== !!gradsRef[i]) throw new Error(`${c.name}: gradient ${i} present on one backend only`);
          });
        });
      });
    }
  });
}
