/**
 * Foundation benchmarks (issue: tensors, autograd, both bindings): matmul,
 * scatterSum and an MLP forward+backward, on every backend in one process.
 *   npx tsx --conditions=source tools/bench/foundation.ts
 */
import { gradients, matmul, noGrad, Rng, scatterSum, sum, tensor, type Tensor } from '@equigraph/core';
import { MLP } from '@equigraph/layers';
import { availableTargets, measure, peakGflops, printTable, setThreads, type Row, type Target } from './harness.js';

const rng = new Rng(0);
const normal = (n: number) => rng.fillNormal(new Float64Array(n));
const indices = (n: number, bound: number) => new Int32Array(n).map(() => rng.integer(bound));

interface Case {
  name: string;
  flops?: number;
  /** Builds the inputs on a backend for 1/scale of the work and returns the call to time. */
  setup(backend: string, scale: number): () => void;
}

const onBackend = (values: Float64Array | Int32Array, shape: number[], backend: string, dtype: 'float32' | 'int32' = 'float32') => tensor(values, shape, { dtype, backend });

const CASES: Case[] = [
  {
    name: 'matmul 256x256 · 256x256 f32',
    flops: 2 * 256 ** 3,
    setup: (backend) => {
      const a = onBackend(normal(256 * 256), [256, 256], backend);
      const b = onBackend(normal(256 * 256), [256, 256], backend);
      return () => void noGrad(() => matmul(a, b));
    },
  },
  {
    name: 'matmul 4096x64 · 64x64 f32',
    flops: 2 * 4096 * 64 * 64,
    setup: (backend) => {
      const a = onBackend(normal(4096 * 64), [4096, 64], backend);
      const b = onBackend(normal(64 * 64), [64, 64], backend);
      return () => void noGrad(() => matmul(a, b));
    },
  },
  {
    name: 'scatterSum 1e6 rows x 64 → 1e5 segments f32',
    setup: (backend, scale) => {
      const rows = 1e6 / scale;
      const src = onBackend(normal(rows * 64), [rows, 64], backend);
      const index = onBackend(indices(rows, 1e5 / scale), [rows], backend, 'int32');
      return () => void noGrad(() => scatterSum(src, index, 1e5 / scale));
    },
  },
  {
    name: 'MLP [16,64,64,1] fwd+bwd on 1e5 rows f32',
    flops: 3 * 2 * 1e5 * (16 * 64 + 64 * 64 + 64),
    setup: (backend, scale) => {
      const rows = 1e5 / scale;
      const mlp = new MLP([16, 64, 64, 1], { seed: 1, backend });
      const x = onBackend(normal(rows * 16), [rows, 16], backend);
      const params = mlp.parameters().map((p) => p.value);
      return () => void gradients(sum(mlp.forward(x)), params);
    },
  },
];

export async function run(): Promise<void> {
  const targets = await availableTargets();
  const rows: Row[] = CASES.map((c) => ({ name: c.name, ms: {}, flops: c.flops }));
  for (const target of targets) {
    await setThreads(target);
    for (const [i, c] of CASES.entries()) {
      const scale = c.name.startsWith('matmul 256') ? 1 : (target.scale ?? 1);
      const call = c.setup(target.backend, scale);
      rows[i].ms[target.label] = (await measure(call)) * scale;
    }
  }
  await setThreads({ label: 'cpu', backend: 'cpu' } as Target);
  const peak = peakGflops();
  console.log(`machine: ${peak.cores} cores at ${peak.ghz.toFixed(2)} GHz → fp32 peak ≈ ${peak.gflops.toFixed(0)} GFLOP/s (AVX2, 2 FMA pipes × 8 lanes × 2 flops per cycle per core)`);
  const extra = ['wasm-1t', 'wasm-simd128'].filter((label) => targets.some((t) => t.label === label)).map((label): [string, string] => [label, 'cpu-1t']);
  printTable('foundation ops', rows, targets, [['wasm', 'cpu-1t'], ...extra, ['wasm', 'cpu'], ['reference', 'cpu']]);
  const best = Math.max(...rows.filter((r) => r.flops && r.name.startsWith('matmul')).map((r) => r.flops! / r.ms.cpu / 1e6));
  console.log(`best native matmul: ${best.toFixed(1)} GFLOP/s = peak / ${(peak.gflops / best).toFixed(2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
