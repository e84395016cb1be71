/**
 * Radius graph of 1e5 atoms at liquid-water density (0.1 atoms/Å³: random positions in a cubic
 * periodic box of side (1e5 / 0.1)^(1/3) = 100 Å) with a 5 Å cutoff, per implementation: the
 * native kernel through backend 'cpu' (2 threads and 1 thread), through 'wasm', and the
 * TypeScript cell list. Every implementation returns the identical graph (checked here once).
 *
 *   npx tsx --conditions=source tools/bench/radius-graph.ts
 */
import { findBackend } from '@equigraph/core';
import { Rng, radiusGraph, type RadiusGraph, type RadiusGraphOptions } from '@equigraph/data';
import { Bench } from 'tinybench';
import { pathToFileURL } from 'node:url';

const N = 100_000;
const DENSITY = 0.1;
const CUTOFF = 5;

export interface RadiusGraphBenchRow {
  label: string;
  /** Median ms per call. */
  ms: number;
  edges: number;
  edgesPerSecond: number;
}

function system(): { positions: Float64Array; cell: number[] } {
  const L = Math.cbrt(N / DENSITY);
  const rng = new Rng(2024);
  const positions = new Float64Array(3 * N);
  for (let i = 0; i < 3 * N; i++) positions[i] = rng.uniform(0, L);
  return { positions, cell: [L, 0, 0, 0, L, 0, 0, 0, L] };
}

async function time(name: string, fn: () => void, iterations: number): Promise<number> {
  const bench = new Bench({ name, time: 1000, iterations, warmupIterations: 0, warmupTime: 0 });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`${name}: ${result.state}${'error' in result ? `: ${String(result.error)}` : ''}`);
  return result.latency.p50; // median ms per call
}

function sameGraph(a: RadiusGraph, b: RadiusGraph): boolean {
  if (a.numEdges !== b.numEdges) return false;
  const eq = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    for (let k = 0; k < x.length; k++) if (!Object.is(x[k], y[k])) return false;
    return x.length === y.length;
  };
  return eq(a.edgeIndex, b.edgeIndex) && eq(a.shifts, b.shifts) && eq(a.edgeVectors, b.edgeVectors) && eq(a.distances, b.distances);
}

/** Runs the benchmark, prints a table and returns the rows. */
export async function run(): Promise<RadiusGraphBenchRow[]> {
  const { positions, cell } = system();
  const base: RadiusGraphOptions = { cell, pbc: true };
  const targets: Array<{ label: string; opts: RadiusGraphOptions; threads?: number }> = [];
  let native: typeof import('@equigraph/native') | undefined;
  try {
    native = await import('@equigraph/native');
    findBackend('cpu');
    targets.push({ label: 'cpu (2 threads)', opts: { ...base, implementation: 'native', backend: 'cpu' }, threads: 2 });
    targets.push({ label: 'cpu (1 thread)', opts: { ...base, implementation: 'native', backend: 'cpu' }, threads: 1 });
  } catch (err) {
    native = undefined;
    console.log(`cpu backend unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    await import('@equigraph/wasm');
    findBackend('wasm');
    targets.push({ label: 'wasm', opts: { ...base, implementation: 'native', backend: 'wasm' } });
  } catch (err) {
    console.log(`wasm backend unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  targets.push({ label: 'typescript', opts: { ...base, implementation: 'typescript' } });

  const reference = radiusGraph(positions, CUTOFF, { ...base, implementation: 'typescript' });
  const rows: RadiusGraphBenchRow[] = [];
  const threadsBefore = native?.getNumThreads();
  try {
    for (const t of targets) {
      if (t.threads !== undefined) native!.setNumThreads(t.threads);
      const g = radiusGraph(positions, CUTOFF, t.opts); // also the warm-up
      if (!sameGraph(g, reference)) throw new Error(`${t.label}: the graph differs from the TypeScript one`);
      const ms = await time(t.label, () => {
        radiusGraph(positions, CUTOFF, t.opts);
      }, t.label === 'typescript' ? 3 : 7);
      rows.push({ label: t.label, ms, edges: g.numEdges, edgesPerSecond: g.numEdges / (ms / 1000) });
    }
  } finally {
    if (native && threadsBefore !== undefined) native.setNumThreads(threadsBefore);
  }

  const ts = rows.find((r) => r.label === 'typescript')!.ms;
  const cpu2 = rows.find((r) => r.label === 'cpu (2 threads)')?.ms;
  console.log(
    `radius graph: ${N} atoms, ${DENSITY} atoms/Å³ (box ${Math.cbrt(N / DENSITY).toFixed(1)} Å, periodic), cutoff ${CUTOFF} Å, ` +
      `${reference.numEdges} edges (${(reference.numEdges / N).toFixed(1)} per atom); identical graphs on every target`,
  );
  console.log(['implementation'.padEnd(18), 'ms/call'.padStart(9), 'Medges/s'.padStart(9), 'vs TS'.padStart(7), 'vs cpu 2t'.padStart(10)].join(' '));
  for (const r of rows) {
    console.log(
      [
        r.label.padEnd(18),
        r.ms.toFixed(1).padStart(9),
        (r.edgesPerSecond / 1e6).toFixed(1).padStart(9),
        `${(ts / r.ms).toFixed(2)}×`.padStart(7),
        (cpu2 ? `${(r.ms / cpu2).toFixed(2)}×` : '-').padStart(10),
      ].join(' '),
    );
  }
  console.log('(vs TS: speed-up over the TypeScript cell list; vs cpu 2t: time relative to the native 2-thread run; medians)');
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
