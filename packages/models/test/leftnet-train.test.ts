import { describe, expect, it } from 'vitest';
import { Rng, tensor } from '@equigraph/core';
import { radiusGraph } from '@equigraph/data';
import { Adam, energyForceLoss } from '@equigraph/train';
import { GraphIndex, LEFTNet } from '@equigraph/models';

const backend = 'reference';
const opts = { dtype: 'float64' as const, backend };

/** Morse pair potential Σ_{i<j} D[(1 − e^{−a(r − r0)})² − 1] and its forces, the training targets. */
function morse(x: Float64Array, n: number, offset: number, energy: number[], forces: Float64Array): void {
  const D = 1, a = 1.5, r0 = 1.2;
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = [0, 1, 2].map((c) => x[3 * (offset + i) + c] - x[3 * (offset + j) + c]);
      const r = Math.hypot(d[0], d[1], d[2]);
      const ex = Math.exp(-a * (r - r0));
      e += D * ((1 - ex) ** 2 - 1);
      const dEdr = 2 * D * a * (1 - ex) * ex;
      for (let c = 0; c < 3; c++) {
        forces[3 * (offset + i) + c] -= (dEdr * d[c]) / r;
        forces[3 * (offset + j) + c] += (dEdr * d[c]) / r;
      }
    }
  }
  energy.push(e);
}

describe('LEFTNet training smoke test', () => {
  it('fits energies and forces of a few Morse configurations with Adam (loss decreases)', () => {
    const rng = new Rng(21);
    const configs = 4;
    const n = 4;
    const N = configs * n;
    const x = new Float64Array(3 * N);
    const nodeGraph = Int32Array.from({ length: N }, (_, i) => Math.floor(i / n));
    // jittered tetrahedra, well separated from each other
    const tet = [[0, 0, 0], [1.2, 0, 0], [0.6, 1.04, 0], [0.6, 0.35, 0.98]];
    for (let g = 0; g < configs; g++) for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) x[3 * (g * n + i) + c] = tet[i][c] + rng.normal(0, 0.12) + (c === 0 ? 10 * g : 0);
    const energies: number[] = [];
    const forces = new Float64Array(3 * N);
    for (let g = 0; g < configs; g++) morse(x, n, g * n, energies, forces);
    const meanE = energies.reduce((a, b) => a + b, 0) / configs;

    const z = new Int32Array(N).fill(6);
    const graph = GraphIndex.fromEdgeIndex(radiusGraph(x, 3, { batch: nodeGraph }).edgeIndex, N, { backend });
    const model = new LEFTNet({ hiddenChannels: 16, numLayers: 2, numRadial: 8, cutoff: 3, yMean: meanE, ...opts, seed: 4 });
    const optimizer = new Adam(model.parameters(), { lr: 3e-3, fused: true });
    const target = { energy: tensor(energies, [configs, 1], opts), forces: tensor(forces, [N, 3], opts) };
    const inputs = { z, pos: tensor(x, [N, 3], opts), graph, batch: { nodeGraph, numGraphs: configs } };
    const losses: number[] = [];
    for (let step = 0; step < 40; step++) {
      const pred = model.energyAndForces(inputs); // training mode: createGraph, so the force loss reaches the weights
      losses.push(optimizer.step(energyForceLoss(pred, target, { energyWeight: 1, forceWeight: 10 })));
    }
    const first = losses[0];
    const last = losses[losses.length - 1];
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(0.3 * first);
    expect(Math.min(...losses.slice(-5))).toBeLessThan(Math.min(...losses.slice(0, 5)));
  });
});
