/**
 * EGNN_vel on the charged N-body setting (Satorras et al. 2021): a batch of
 * 100 graphs × 5 nodes, complete graphs (2000 edges), 64 features, 4 layers.
 * Forward (inference) and one training step (forward + backward + Adam), per
 * backend, against the authors' PyTorch code timed on this machine kind
 * (../shared/README.md).
 *   npx tsx --conditions=source tools/bench/egnn.ts
 */
import { Bench } from 'tinybench';
import { noGrad, Rng, setBackend, tensor } from '@equigraph/core';
import { EGNNVel, GraphIndex } from '@equigraph/models';
import { Adam, mseLoss } from '@equigraph/train';
import { availableTargets, setThreads, type Target } from './harness.js';

/** The authors' EGNN_vel in PyTorch 1.13 (CPU, this machine kind), ../shared/README.md; ms. */
export const PYTORCH_EGNN_VEL = {
  forwardBest: 9.6,
  forwardMedian: 12.4,
  stepBest: 31,
  stepMedian: 108,
  /** Forward + backward + Adam with 1 thread (as fast or faster than 2 for these shapes). */
  stepBest1Thread: 21,
};

const GRAPHS = 100;
const NODES = 5;

interface Stats {
  min: number;
  p50: number;
}

async function time(fn: () => void, ms: number): Promise<Stats> {
  const bench = new Bench({ time: ms, iterations: 10, warmupIterations: 3, warmupTime: 0 });
  bench.add('x', fn);
  await bench.run();
  const r = bench.tasks[0].result as unknown as { error?: unknown; latency?: { min: number; p50?: number; mean: number } };
  if (!r.latency) throw r.error ?? new Error('benchmark produced no timings');
  return { min: r.latency.min, p50: r.latency.p50 ?? r.latency.mean };
}

/** The N-body batch and model on one backend; `graphs` graphs of 5 nodes. */
function setup(backend: string, graphs: number) {
  setBackend(backend);
  const N = graphs * NODES;
  const graph = GraphIndex.fullyConnected(graphs, NODES);
  const rng = new Rng(3);
  const r = (shape: number[], s = 1) => tensor(rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1)), 0, s), shape, { dtype: 'float32' });
  const x = r([N, 3]);
  const v = r([N, 3], 0.3);
  const h = tensor(Float64Array.from({ length: N }, () => 0.5), [N, 1], { dtype: 'float32' });
  const edgeAttr = r([graph.numEdges, 2]);
  const target = r([N, 3]);
  const model = new EGNNVel({ hiddenFeatures: 64, numLayers: 4, seed: 0 });
  const adam = new Adam(model.parameters(), { lr: 5e-4, fused: true });
  return {
    forward: () => void noGrad(() => model.forward(h, x, graph, v, edgeAttr)),
    step: () => void adam.step(mseLoss(model.forward(h, x, graph, v, edgeAttr), target)),
  };
}

export async function run(): Promise<void> {
  const targets: Target[] = await availableTargets();
  console.log(`EGNN_vel N-body step: ${GRAPHS} graphs × ${NODES} nodes, ${GRAPHS * NODES * (NODES - 1)} edges, 64 features, 4 layers, float32`);
  console.log(
    `PyTorch reference (authors' EGNN_vel, PyTorch 1.13 CPU, 2 threads, ../shared/README.md): forward ${PYTORCH_EGNN_VEL.forwardBest} ms best / ${PYTORCH_EGNN_VEL.forwardMedian} ms median; ` +
      `step ${PYTORCH_EGNN_VEL.stepBest} ms best / ${PYTORCH_EGNN_VEL.stepMedian} ms median; step with 1 thread ${PYTORCH_EGNN_VEL.stepBest1Thread} ms best`,
  );
  console.log('target | case | best ms | median ms | graphs/s (median) | best / PyTorch best');
  for (const target of targets) {
    await setThreads(target);
    const scale = target.scale ?? 1;
    const graphs = Math.max(1, Math.round(GRAPHS / scale));
    const work = setup(target.backend, graphs);
    for (const [name, fn, torchBest] of [
      ['forward', work.forward, PYTORCH_EGNN_VEL.forwardBest],
      ['fwd+bwd+Adam', work.step, PYTORCH_EGNN_VEL.stepBest],
    ] as const) {
      const s = await time(fn, scale > 1 ? 1500 : 1000);
      const best = s.min * scale;
      const p50 = s.p50 * scale;
      const label = `${target.label}${scale > 1 ? ` (${graphs} graphs, ×${scale})` : ''}`;
      console.log(`${label} | ${name} | ${best.toFixed(2)} | ${p50.toFixed(2)} | ${((GRAPHS / p50) * 1000).toFixed(0)} | ${(best / torchBest).toFixed(2)}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
