/**
 * The NequIP / MACE interaction convolution: 1e4 nodes of 32x0e+32x1o+32x2e, 1e5 edges (sorted by
 * target, as a radius graph lists them), edge spherical harmonics 0e+1o+2e, per-edge weights from a
 * radial MLP 8 → 64 → 352 (SiLU), gather → channelwise tensor product (uvu, 11 paths filtered to
 * 0e+1o+2e) → sum at the target, fused in `tpConvolution` (no [E, 1120] per-edge output). float32.
 * Forward, and forward + backward (gradients of the node features, the spherical harmonics and
 * the MLP's parameters for a fixed upstream gradient), per backend: cpu with 2 threads and 1
 * thread, wasm, the TypeScript reference (1e2 nodes / 1e3 edges, scaled ×100), and the unfused
 * composition (indexSelect → tensorProduct → scatterSum) on cpu for comparison. Peak RSS deltas
 * come from one fresh child process per case (setup excluded). Ratios against e3nn 0.5.6's
 * 5.4 s forward / 15.9 s forward + backward for the same convolution on this machine kind
 * (shared/README.md, best of 5, 2 threads).
 *
 *   npx tsx --conditions=source tools/bench/tp-convolution.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gradients, indexSelect, scatterSum, tensor, type Tensor } from '@equigraph/core';
import { channelwiseTensorProduct, convolutionEdges, tensorProduct, tpConvolution, type TensorProductDescriptor } from '@equigraph/geometry';
import { MLP } from '@equigraph/layers';
import { loadBackends } from '../backends.js';
import { availableTargets, measure, randomArray, setThreads, type Target } from './harness.js';

/** e3nn 0.5.6 (PyTorch 1.13 CPU, 2 threads) on this machine kind, from shared/README.md (best of 5). */
export const E3NN_REFERENCE = {
  /** gather → TensorProduct(uvu) → index_add with radial-MLP weights, forward: 5.4 s. */
  forwardMs: 5400,
  /** The same, forward + backward: 15.9 s. */
  forwardBackwardMs: 15900,
  /** shared/README.md's arithmetic count of the forward convolution, per edge. */
  flopsPerEdge: 21_000,
} as const;

const NODES = 10_000;
const EDGES = 100_000;
const IRREPS = ['32x0e+32x1o+32x2e', '0e+1o+2e', '0e+1o+2e'] as const;
const RADIAL = 8;
const HIDDEN = 64;

/** Random graph with `edges` edges, sorted by target (stable counting sort), PyG layout. */
function randomGraph(nodes: number, edges: number): Int32Array {
  const r = randomArray(2 * edges, 7);
  const node = (v: number) => Math.min(nodes - 1, Math.floor(((v + 1) / 2) * nodes));
  const start = new Int32Array(nodes + 1);
  for (let e = 0; e < edges; e++) start[node(r[edges + e]!) + 1]++;
  for (let n = 0; n < nodes; n++) start[n + 1] += start[n]!;
  const out = new Int32Array(2 * edges);
  for (let e = 0; e < edges; e++) {
    const i = node(r[edges + e]!);
    const at = start[i]!++;
    out[at] = node(r[e]!);
    out[edges + at] = i;
  }
  return out;
}

interface Case {
  forward(): void;
  forwardBackward(): void;
}

/** `weights`: from the radial MLP (the benchmark), or a leaf input (the convolution alone, for its memory). */
function setup(d: TensorProductDescriptor, nodes: number, edges: number, backend: string, fused: boolean, weights: 'mlp' | 'leaf' = 'mlp'): Case {
  const t = (v: Float32Array, shape: number[]) => tensor(v, shape, { dtype: 'float32', backend });
  const edgeIndex = randomGraph(nodes, edges);
  const conv = convolutionEdges(edgeIndex, nodes);
  const src = tensor(conv.src, [edges], { dtype: 'int32', backend });
  const dst = tensor(conv.dst, [edges], { dtype: 'int32', backend });
  const x = t(randomArray(nodes * d.irreps1.dim, 1), [nodes, d.irreps1.dim]).withGrad();
  const sh = t(randomArray(edges * d.irreps2!.dim, 2), [edges, d.irreps2!.dim]).withGrad();
  const radial = t(randomArray(edges * RADIAL, 3), [edges, RADIAL]);
  const g = t(randomArray(nodes * d.irrepsOut.dim, 4), [nodes, d.irrepsOut.dim]);
  const mlp = new MLP([RADIAL, HIDDEN, d.numWeights], { dtype: 'float32', backend, seed: 5 });
  const leaf = weights === 'leaf' ? t(randomArray(edges * d.numWeights, 5), [edges, d.numWeights]).withGrad() : undefined;
  const params = leaf ? [leaf] : mlp.parameters().map((p) => p.value);
  const run = (): Tensor => {
    const w = leaf ?? mlp.forward(radial);
    if (fused) return tpConvolution(d, x, sh, w, conv, nodes);
    return scatterSum(tensorProduct(d, indexSelect(x, src), sh, w), dst, nodes);
  };
  return {
    forward: () => void run().dataSync(),
    forwardBackward: () => {
      for (const gr of gradients(run(), [x, sh, ...params], { gradOutput: g })) gr!.dataSync();
    },
  };
}

interface Row {
  label: string;
  forwardMs: number;
  forwardBackwardMs: number;
  scale: number;
  rssMiB?: number;
}

/** Child mode: one forward + backward of one case, printing the peak RSS growth over the setup. */
async function memoryChild(backend: string, threads: number, fused: boolean, weights: 'mlp' | 'leaf'): Promise<void> {
  await loadBackends();
  await setThreads({ label: backend, backend, threads });
  const d = channelwiseTensorProduct(...IRREPS);
  const c = setup(d, NODES, EDGES, backend, fused, weights);
  // Peak growth over the resident set after setup (the setup's own transient peak is excluded).
  const before = Math.max(process.memoryUsage().rss / 1024, 0);
  c.forwardBackward();
  console.log(`RSS_DELTA_KB ${Math.max(0, process.resourceUsage().maxRSS - before)}`);
}

function peakRss(backend: string, threads: number, fused: boolean, weights: 'mlp' | 'leaf' = 'mlp'): number | undefined {
  const self = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, [...process.execArgv, self, '--memory', backend, String(threads), fused ? 'fused' : 'unfused', weights], { encoding: 'utf8', timeout: 600_000 });
  const m = /RSS_DELTA_KB (\d+)/.exec(res.stdout ?? '');
  return m ? Number(m[1]) / 1024 : undefined;
}

export async function run(): Promise<Row[]> {
  const d = channelwiseTensorProduct(...IRREPS);
  const e3nnFlops = E3NN_REFERENCE.flopsPerEdge * EDGES;
  const kernelFlops = d.flopsPerSample * EDGES;
  const mlpFlops = 2 * EDGES * (RADIAL * HIDDEN + HIDDEN * d.numWeights);
  const targets: (Target & { fused: boolean })[] = (await availableTargets()).map((t) => ({ ...t, fused: true, scale: t.backend === 'reference' ? 100 : t.scale }));
  if (targets.some((t) => t.backend === 'cpu')) targets.push({ label: 'cpu unfused', backend: 'cpu', fused: false });
  console.log(`\n## tpConvolution: ${NODES} nodes of ${IRREPS[0]}, ${EDGES} edges, SH ${IRREPS[1]} → ${d.irrepsOut.dim}-dim output (${d.instructions.length} uvu paths, ${d.numWeights} weights per edge from an MLP ${RADIAL}→${HIDDEN}→${d.numWeights}), float32`);
  console.log(`forward ≈ ${(e3nnFlops / 1e9).toFixed(1)} GFLOP (shared/README.md: 21 kFLOP/edge; the kernel's own count is ${(d.flopsPerSample / 1e3).toFixed(1)} kFLOP/edge) + radial MLP ${(mlpFlops / 1e9).toFixed(1)} GFLOP; GFLOP/s below use the 21 kFLOP/edge convolution count (fwd+bwd: 4×)`);
  const rows: Row[] = [];
  for (const target of targets) {
    await setThreads(target);
    const scale = target.scale ?? 1;
    const c = setup(d, NODES / scale, EDGES / scale, target.backend, target.fused);
    const time = scale > 1 || !target.fused ? 300 : 1500;
    const iterations = scale > 1 || !target.fused ? 2 : 5;
    const fwd = (await measure(c.forward, { time, iterations })) * scale;
    const fb = (await measure(c.forwardBackward, { time, iterations })) * scale;
    rows.push({ label: target.label, forwardMs: fwd, forwardBackwardMs: fb, scale });
  }
  await setThreads({ label: 'cpu', backend: 'cpu' });
  // Peak memory of one forward + backward in a fresh process per case (full size; not for the reference).
  for (const r of rows) {
    const target = targets.find((t) => t.label === r.label)!;
    if (target.backend === 'reference' || target.backend === 'wasm-simd128') continue; // the child process has no 'wasm-simd128'
    r.rssMiB = peakRss(target.backend, target.threads ?? 0, target.fused);
  }

  const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  const gf = (ms: number, f: number) => (f / ms / 1e6).toFixed(1);
  console.log('backend | forward ms (GFLOP/s) | fwd+bwd ms (GFLOP/s) | peak RSS Δ fwd+bwd MiB | e3nn/ours fwd | e3nn/ours fwd+bwd');
  for (const r of rows) {
    console.log(
      [
        `${r.label}${r.scale > 1 ? ` (${NODES / r.scale} nodes, ${EDGES / r.scale} edges, ×${r.scale})` : ''}`,
        `${fmt(r.forwardMs)} (${gf(r.forwardMs, e3nnFlops)})`,
        `${fmt(r.forwardBackwardMs)} (${gf(r.forwardBackwardMs, 4 * e3nnFlops)})`,
        r.rssMiB === undefined ? '-' : r.rssMiB.toFixed(0),
        (E3NN_REFERENCE.forwardMs / r.forwardMs).toFixed(1),
        (E3NN_REFERENCE.forwardBackwardMs / r.forwardBackwardMs).toFixed(1),
      ].join(' | '),
    );
  }
  console.log(`e3nn 0.5.6, shared/README.md (2 threads, best of 5) | ${E3NN_REFERENCE.forwardMs} | ${E3NN_REFERENCE.forwardBackwardMs} | - | 1.0 | 1.0`);
  const perEdgeOut = (EDGES * d.irrepsOut.dim * 4) / 2 ** 20;
  console.log(`(the unfused composition materialises [E, ${d.irrepsOut.dim}] per-edge outputs: ${perEdgeOut.toFixed(0)} MiB in float32, and as much again for their gradient; inputs: weights [E, ${d.numWeights}] ${((EDGES * d.numWeights * 4) / 2 ** 20).toFixed(0)} MiB, node features ${((NODES * d.irreps1.dim * 4) / 2 ** 20).toFixed(0)} MiB, output ${((NODES * d.irrepsOut.dim * 4) / 2 ** 20).toFixed(0)} MiB)`);
  const cpu1 = rows.find((r) => r.label === 'cpu-1t');
  for (const w of rows.filter((r) => r.label.startsWith('wasm'))) {
    if (cpu1) console.log(`${w.label}/native (1 thread): forward ${(w.forwardMs / cpu1.forwardMs).toFixed(2)}, fwd+bwd ${(w.forwardBackwardMs / cpu1.forwardBackwardMs).toFixed(2)}`);
  }
  if (targets.some((t) => t.backend === 'cpu')) {
    // The memory target of #3 for the convolution alone: weights a leaf input, so the growth over
    // the inputs (x, sh, weights, upstream gradient) may hold the outputs (out, dx, dsh, dW) and one
    // per-edge buffer of the output width.
    const MiB = (floats: number) => (4 * floats) / 2 ** 20;
    const outputs = MiB(NODES * d.irrepsOut.dim + NODES * d.irreps1.dim + EDGES * d.irreps2!.dim + EDGES * d.numWeights);
    const perEdge = MiB(EDGES * d.irrepsOut.dim);
    const inputs = MiB(NODES * d.irreps1.dim + EDGES * d.irreps2!.dim + EDGES * d.numWeights + NODES * d.irrepsOut.dim);
    for (const fused of [true, false]) {
      const delta = peakRss('cpu', 0, fused, 'leaf');
      const verdict = delta === undefined ? 'not measured' : delta <= outputs + perEdge ? 'within' : 'over';
      console.log(`convolution alone (${fused ? 'fused' : 'unfused'}, cpu), fwd+bwd: peak RSS Δ ${delta?.toFixed(0) ?? '?'} MiB over the inputs (${inputs.toFixed(0)} MiB); allowed: outputs ${outputs.toFixed(0)} + one per-edge buffer ${perEdge.toFixed(0)} = ${(outputs + perEdge).toFixed(0)} MiB → ${verdict}`);
    }
  }
  const target = E3NN_REFERENCE.forwardBackwardMs / 30;
  const cpu = rows.find((r) => r.label === 'cpu');
  if (cpu) console.log(`target: ≥ 30× e3nn fwd+bwd, i.e. ≤ ${target.toFixed(0)} ms; cpu (2 threads): ${fmt(cpu.forwardBackwardMs)} ms → ${(E3NN_REFERENCE.forwardBackwardMs / cpu.forwardBackwardMs).toFixed(1)}×`);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--memory');
  if (at >= 0) await memoryChild(process.argv[at + 1]!, Number(process.argv[at + 2]), process.argv[at + 3] === 'fused', process.argv[at + 4] === 'leaf' ? 'leaf' : 'mlp');
  else await run();
}
