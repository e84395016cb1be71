import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { backendReport, findBackend, registerHostBackend } from '@equigraph/core';
import { loadBackends } from '../backends.js';

/** A backend configuration to measure: a registered backend plus an optional thread count (cpu). */
export interface Target {
  label: string;
  backend: string;
  threads?: number;
  /** Work is scaled down by this factor on slow targets; times are scaled back up and marked. */
  scale?: number;
}

export interface Row {
  name: string;
  /** Median milliseconds per call, per target label (already scaled back to the full problem). */
  ms: Record<string, number>;
  /** Floating-point operations of the full problem, for GFLOP/s. */
  flops?: number;
}

/** Loads the backend packages and returns the targets that can run here. */
export async function availableTargets(options: { reference?: boolean } = {}): Promise<Target[]> {
  await loadBackends();
  const targets: Target[] = [];
  const loads = (name: string) => {
    try {
      findBackend(name);
      return true;
    } catch {
      return false;
    }
  };
  if (loads('cpu')) targets.push({ label: 'cpu', backend: 'cpu' }, { label: 'cpu-1t', backend: 'cpu', threads: 1 });
  if (loads('wasm')) {
    targets.push({ label: 'wasm', backend: 'wasm' });
    if ((await import('@equigraph/wasm')).getWasmThreads() > 1) targets.push({ label: 'wasm-1t', backend: 'wasm', threads: 1 });
    const simd128 = await wasmSimd128Target();
    if (simd128) targets.push(simd128);
  }
  if (options.reference !== false) targets.push({ label: 'reference', backend: 'reference', scale: 10 });
  for (const s of backendReport()) if (s.state === 'skipped') console.log(`(backend ${s.name} skipped: ${s.reason})`);
  return targets;
}

/** Set to 1: with the relaxed-SIMD wasm build active, also measure the SIMD128 build ('wasm-simd128'), in the same process. */
export const WASM_SIMD128_ENV = 'EQUIGRAPH_BENCH_WASM_SIMD128';

/** Prints which wasm build runs; registers the SIMD128 build as backend 'wasm-simd128' when asked for (see WASM_SIMD128_ENV). */
async function wasmSimd128Target(): Promise<Target | undefined> {
  const wasm = await import('@equigraph/wasm');
  const build = wasm.wasmBuild();
  if (build) console.log(`(wasm: ${build.simd} build${build.threads ? ', threaded' : ''}, ${build.why})`);
  if (process.env[WASM_SIMD128_ENV] !== '1' || build?.simd !== 'relaxed-simd') return undefined;
  const mod = wasm.loadWasmBuild('simd128');
  registerHostBackend('wasm-simd128', () => wasm.createWasmPrimitives(mod), 0);
  return { label: 'wasm-simd128', backend: 'wasm-simd128' };
}

/** Applies the target's thread count (cpu and wasm; default: one per core). */
export async function setThreads(target: Target): Promise<void> {
  if (target.backend === 'cpu') (await import('@equigraph/native')).setNumThreads(target.threads ?? cpus().length);
  if (target.backend === 'wasm') (await import('@equigraph/wasm')).setWasmThreads(target.threads ?? 0);
}

/** `n` deterministic float32 values in [−1, 1) from a 32-bit LCG seeded with `seed` (the same inputs on every run and backend). */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Median ms of fn measured with tinybench (at least `iterations` runs and `time` ms). */
export async function measure(fn: () => void, options: { time?: number; iterations?: number } = {}): Promise<number> {
  const bench = new Bench({ time: options.time ?? 400, iterations: options.iterations ?? 5, warmupIterations: 1, warmupTime: 0 });
  bench.add('x', fn);
  await bench.run();
  const latency = bench.tasks[0].result as unknown as { latency?: { p50?: number; mean?: number } };
  return latency.latency?.p50 ?? latency.latency?.mean ?? NaN;
}

/** Theoretical fp32 peak: cores × clock × 32 flop/cycle (AVX2: two 8-wide FMA pipes). */
export function peakGflops(): { gflops: number; ghz: number; cores: number } {
  const info = cpus();
  let mhz = info[0]?.speed ?? 0;
  if (!mhz) {
    // Some VMs report 0 through os.cpus(); /proc/cpuinfo still has the nominal clock.
    const match = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    mhz = match ? Number(match[1]) : 0;
  }
  const ghz = mhz / 1000;
  return { gflops: info.length * ghz * 32, ghz, cores: info.length };
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));

/** Prints one table: time per call per target, then ratios against the first (native) target. */
export function printTable(title: string, rows: Row[], targets: Target[], ratios: Array<[string, string]>): void {
  console.log(`\n## ${title}`);
  const head = ['case', ...targets.map((t) => `${t.label} ms${t.scale ? ` (×${t.scale} scaled)` : ''}`), ...ratios.map(([a, b]) => `${a}/${b}`)];
  console.log(head.join(' | '));
  for (const row of rows) {
    const cells = targets.map((t) => {
      const ms = row.ms[t.label];
      if (ms === undefined) return '-';
      const gf = row.flops ? ` (${(row.flops / ms / 1e6).toFixed(1)} GF/s)` : '';
      return fmt(ms) + gf;
    });
    const r = ratios.map(([a, b]) => (row.ms[a] && row.ms[b] ? (row.ms[a] / row.ms[b]).toFixed(2) : '-'));
    console.log([row.name, ...cells, ...r].join(' | '));
  }
}
