/**
 * FullyConnectedTensorProduct 16x0e+16x1o+16x2e ⊗ 0e+1o+2e → 16x0e+16x1o+16x2e, batch 1e4,
 * float32, shared weights: forward, and forward + backward (gradients of x, y and the weights for
 * a fixed upstream gradient), per backend: cpu with 2 threads and 1 thread, wasm, and the
 * TypeScript reference (batch 1e3, scaled ×10). Ratios: wasm/native and e3nn/ours, e3nn's times
 * being the shared/README.md figures for this machine kind (best of its 1- and 2-thread series).
 *
 *   npx tsx --conditions=source tools/bench/tensor-product.ts
 */
import { gradients, tensor, type Tensor } from '@equigraph/core';
import { fullyConnectedTensorProduct, tensorProduct, type TensorProductDescriptor } from '@equigraph/geometry';
import { pathToFileURL } from 'node:url';
import { availableTargets, measure, randomArray, setThreads, type Target } from './harness.js';

/** e3nn 0.5.6 (PyTorch 1.13 CPU) on this machine kind, from shared/README.md (1 thread, the better series). */
export const E3NN_REFERENCE = {
  /** FullyConnectedTensorProduct above, batch 1e4, forward: 27 ms. */
  forwardMs: 27,
  /** The same, forward + backward: 64 ms. */
  forwardBackwardMs: 64,
} as const;

const IRREPS = ['16x0e+16x1o+16x2e', '0e+1o+2e', '16x0e+16x1o+16x2e'] as const;
const BATCH = 10_000;

function setup(d: TensorProductDescriptor, batch: number, backend: string) {
  const t = (v: Float32Array, shape: number[]) => tensor(v, shape, { dtype: 'float32', backend });
  return {
    x: t(randomArray(batch * d.irreps1.dim, 1), [batch, d.irreps1.dim]),
    y: t(randomArray(batch * d.irreps2!.dim, 2), [batch, d.irreps2!.dim]),
    w: t(randomArray(d.numWeights, 3), [d.numWeights]),
    g: t(randomArray(batch * d.irrepsOut.dim, 4), [batch, d.irrepsOut.dim]),
  };
}

export interface TpBenchRow {
  label: string;
  forwardMs: number;
  forwardBackwardMs: number;
  scale: number;
}

export async function run(): Promise<TpBenchRow[]> {
  const d = fullyConnectedTensorProduct(...IRREPS);
  // Forward flops as the kernel factors the paths; the backward computes three such products.
  const flops = d.flopsPerSample * BATCH;
  const targets: Target[] = await availableTargets();
  const rows: TpBenchRow[] = [];
  console.log(`\n## FullyConnectedTensorProduct ${IRREPS[0]} ⊗ ${IRREPS[1]} → ${IRREPS[2]}, batch ${BATCH}, float32, ${d.instructions.length} paths, ${d.numWeights} shared weights`);
  console.log(`forward ≈ ${(flops / 1e6).toFixed(0)} MFLOP (kernel's factored count); forward+backward ≈ 4× that`);
  for (const target of targets) {
    await setThreads(target);
    const scale = target.scale ?? 1;
    const batch = BATCH / scale;
    const { x, y, w, g } = setup(d, batch, target.backend);
    const forward = () => void tensorProduct(d, x, y, w).dataSync();
    const [xt, yt, wt] = [x.withGrad(), y.withGrad(), w.withGrad()];
    const forwardBackward = () => {
      const out: Tensor = tensorProduct(d, xt, yt, wt);
      for (const gr of gradients(out, [xt, yt, wt], { gradOutput: g })) gr!.dataSync();
    };
    const time = scale > 1 ? 300 : 800;
    const fwd = (await measure(forward, { time, iterations: 5 })) * scale;
    const fb = (await measure(forwardBackward, { time, iterations: 5 })) * scale;
    rows.push({ label: target.label, forwardMs: fwd, forwardBackwardMs: fb, scale });
  }
  await setThreads({ label: 'cpu', backend: 'cpu' });

  const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
  console.log('backend | forward ms (GFLOP/s) | fwd+bwd ms (GFLOP/s) | e3nn/ours fwd | e3nn/ours fwd+bwd');
  for (const r of rows) {
    const gf = (ms: number, f: number) => (f / ms / 1e6).toFixed(1);
    console.log(
      [
        `${r.label}${r.scale > 1 ? ` (batch ${BATCH / r.scale}, ×${r.scale})` : ''}`,
        `${fmt(r.forwardMs)} (${gf(r.forwardMs, flops)})`,
        `${fmt(r.forwardBackwardMs)} (${gf(r.forwardBackwardMs, 4 * flops)})`,
        (E3NN_REFERENCE.forwardMs / r.forwardMs).toFixed(2),
        (E3NN_REFERENCE.forwardBackwardMs / r.forwardBackwardMs).toFixed(2),
      ].join(' | '),
    );
  }
  console.log(`e3nn, shared/README.md | ${E3NN_REFERENCE.forwardMs} | ${E3NN_REFERENCE.forwardBackwardMs} | 1.00 | 1.00`);
  const cpu = rows.find((r) => r.label === 'cpu');
  const wasm = rows.find((r) => r.label === 'wasm');
  if (cpu && wasm) {
    console.log(`wasm/native (2 threads): forward ${(wasm.forwardMs / cpu.forwardMs).toFixed(2)}, fwd+bwd ${(wasm.forwardBackwardMs / cpu.forwardBackwardMs).toFixed(2)}`);
  }
  const cpu1 = rows.find((r) => r.label === 'cpu-1t');
  for (const w of rows.filter((r) => r.label.startsWith('wasm'))) {
    if (cpu1) console.log(`${w.label}/native (1 thread): forward ${(w.forwardMs / cpu1.forwardMs).toFixed(2)}, fwd+bwd ${(w.forwardBackwardMs / cpu1.forwardBackwardMs).toFixed(2)}`);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
