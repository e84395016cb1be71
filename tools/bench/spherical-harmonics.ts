/**
 * Spherical harmonics l = 0..3 ('integral', normalize = true: e3nn's setting in the shared
 * figures) of 1e6 float32 vectors through `sphericalHarmonicsOp`, forward and forward + backward
 * (gradient for a fixed upstream), per backend. The reference backend runs 1e5 vectors and is
 * scaled ×10.
 *
 *   npx tsx --conditions=source tools/bench/spherical-harmonics.ts
 */
import { findBackend, gradients, tensor, type Tensor } from '@equigraph/core';
import { sphericalHarmonicsOp, makeRng } from '@equigraph/geometry';
import { Bench } from 'tinybench';
import { pathToFileURL } from 'node:url';

/** e3nn on this machine kind, from shared/README.md (2 cores; best of the 1- and 2-thread series). */
export const E3NN_REFERENCE = {
  /** e3nn spherical harmonics l = 0..3, 1e6 vectors, normalised, forward: best 0.15 s (2 threads). */
  forwardSeconds: 0.15,
  /** The same, forward + backward: best 0.12 s. */
  forwardBackwardSeconds: 0.12,
} as const;

const N = 1_000_000;
const LMAX = 3;
const OPTIONS = { normalize: true, normalization: 'integral' as const };

export interface ShBenchRow {
  backend: string;
  vectors: number;
  /** Factor applied to scale the timing to 1e6 vectors. */
  scale: number;
  forwardMs: number;
  forwardBackwardMs: number;
}

function inputs(n: number, backend: string): { x: Tensor; g: Tensor } {
  const rng = makeRng(1234);
  const x = new Float32Array(3 * n).map(() => 2 * rng() - 1);
  const g = new Float32Array(16 * n).map(() => 2 * rng() - 1);
  return { x: tensor(x, [n, 3], { dtype: 'float32', backend }), g: tensor(g, [n, 16], { dtype: 'float32', backend }) };
}

async function time(name: string, fn: () => void): Promise<number> {
  const bench = new Bench({ name, time: 1500, iterations: 5, warmupIterations: 2 });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`${name}: ${result.state}${'error' in result ? `: ${String(result.error)}` : ''}`);
  return result.latency.p50; // median ms per call
}

async function measure(label: string, backend: string, n: number, before?: () => void): Promise<ShBenchRow> {
  const { x, g } = inputs(n, backend);
  const xg = x.withGrad();
  before?.();
  const forwardMs = await time(`${label} forward`, () => {
    sphericalHarmonicsOp(LMAX, x, OPTIONS);
  });
  before?.();
  const forwardBackwardMs = await time(`${label} forward+backward`, () => {
    const y = sphericalHarmonicsOp(LMAX, xg, OPTIONS);
    gradients(y, [xg], { gradOutput: g });
  });
  const scale = N / n;
  return { backend: label, vectors: n, scale, forwardMs: forwardMs * scale, forwardBackwardMs: forwardBackwardMs * scale };
}

/** Runs the benchmark, prints a table and returns the rows (times per 1e6 vectors, ms). */
export async function run(): Promise<ShBenchRow[]> {
  const rows: ShBenchRow[] = [];
  let native: typeof import('@equigraph/native') | undefined;
  try {
    native = await import('@equigraph/native');
    findBackend('cpu');
  } catch (err) {
    native = undefined;
    console.log(`cpu backend unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  let wasmOk = false;
  try {
    await import('@equigraph/wasm');
    findBackend('wasm');
    wasmOk = true;
  } catch (err) {
    console.log(`wasm backend unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }

  if (native) {
    const threads = native.getNumThreads();
    rows.push(await measure('cpu (2 threads)', 'cpu', N, () => native!.setNumThreads(2)));
    rows.push(await measure('cpu (1 thread)', 'cpu', N, () => native!.setNumThreads(1)));
    native.setNumThreads(threads === 0 ? 0 : threads);
  }
  if (wasmOk) rows.push(await measure('wasm', 'wasm', N));
  rows.push(await measure('reference (1e5, ×10)', 'reference', N / 10));

  const e3nn = E3NN_REFERENCE;
  console.log(`\nspherical harmonics l = 0..${LMAX}, ${N.toExponential(0)} float32 vectors, normalize, 'integral' (median per call)`);
  console.log(`e3nn on this machine kind, from shared/README.md: forward ${e3nn.forwardSeconds * 1000} ms, forward+backward ${e3nn.forwardBackwardSeconds * 1000} ms`);
  const pad = (s: string, w: number) => s.padEnd(w);
  console.log(`${pad('backend', 24)}${pad('forward ms', 13)}${pad('e3nn/this', 12)}${pad('fwd+bwd ms', 13)}e3nn/this`);
  for (const r of rows) {
    console.log(
      `${pad(r.backend, 24)}${pad(r.forwardMs.toFixed(1), 13)}${pad(`${(e3nn.forwardSeconds * 1000 / r.forwardMs).toFixed(2)}×`, 12)}` +
        `${pad(r.forwardBackwardMs.toFixed(1), 13)}${(e3nn.forwardBackwardSeconds * 1000 / r.forwardBackwardMs).toFixed(2)}×`,
    );
  }
  const cpu = rows.find((r) => r.backend === 'cpu (2 threads)');
  const wasm = rows.find((r) => r.backend === 'wasm');
  if (cpu && wasm) {
    console.log(`wasm / native (2 threads): forward ${(wasm.forwardMs / cpu.forwardMs).toFixed(2)}×, fwd+bwd ${(wasm.forwardBackwardMs / cpu.forwardBackwardMs).toFixed(2)}×`);
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
