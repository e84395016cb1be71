import { describe, expect, it } from 'vitest';
import { findBackend, Rng, tensor } from '@equigraph/core';
import { GraphIndex, LEFTNet, type LEFTNetInputs } from '@equigraph/models';

// A separate file: importing @equigraph/native makes 'cpu' the active backend for the whole process.
let cpuLoads = false;
try {
  await import('@equigraph/native');
  findBackend('cpu');
  cpuLoads = true;
} catch {
  cpuLoads = false;
}

/** All pairs j → i of the same structure closer than the cutoff (brute force, sorted by target then source). */
function radiusEdges(x: Float64Array, nodeGraph: Int32Array, cutoff: number): { target: Int32Array; source: Int32Array } {
  const target: number[] = [];
  const source: number[] = [];
  const N = nodeGraph.length;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (i === j || nodeGraph[i] !== nodeGraph[j]) continue;
      if (Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]) < cutoff) {
        target.push(i);
        source.push(j);
      }
    }
  }
  return { target: Int32Array.from(target), source: Int32Array.from(source) };
}

describe('LEFTNet on the native backend', () => {
  it.skipIf(!cpuLoads)("matches the reference backend on 'cpu' (@equigraph/native), energies and forces", () => {
    const rng = new Rng(12);
    const N = 11;
    const x = rng.fillNormal(new Float64Array(3 * N), 0, 1.3);
    const z = Int32Array.from({ length: N }, (_, i) => [1, 6, 7, 8][i % 4]);
    const nodeGraph = Int32Array.from({ length: N }, (_, i) => (i < 6 ? 0 : 1));
    const { target, source } = radiusEdges(x, nodeGraph, 2.6);
    const make = (backend: string): LEFTNetInputs => ({
      z,
      pos: tensor(x, [N, 3], { dtype: 'float64', backend }),
      graph: new GraphIndex(N, target, source, { backend }),
      batch: { nodeGraph, numGraphs: 2 },
    });
    const small = { hiddenChannels: 16, numLayers: 2, numRadial: 8, cutoff: 2.6, vectorHead: true, dtype: 'float64' as const, seed: 10 };
    const a = new LEFTNet({ ...small, backend: 'reference' }).energyAndForces(make('reference'));
    const b = new LEFTNet({ ...small, backend: 'cpu' }).energyAndForces(make('cpu'));
    const be = b.energy.toArray();
    const bf = b.forces.toArray();
    a.energy.toArray().forEach((v, i) => expect(be[i]).toBeCloseTo(v, 10));
    a.forces.toArray().forEach((v, i) => expect(bf[i]).toBeCloseTo(v, 10));
  });
});
