/**
 * The tensor-product network (NequIP-style) on a 1000-atom periodic system:
 * energy (forward) and energy + forces + stress (forward + backward) per call,
 * per backend, in one process.
 *   npx tsx --conditions=source tools/bench/nequip.ts
 */
import { pathToFileURL } from 'node:url';
import { noGrad, Rng, tensor } from '@equigraph/core';
import { radiusGraph } from '@equigraph/data';
import { NequIP } from '@equigraph/models';
import { availableTargets, measure, printTable, setThreads, type Row } from './harness.js';

const ATOMS = 1000;
const DENSITY = 0.1; // atoms per Å³, liquid-water-like
const CUTOFF = 4;

export async function run(): Promise<void> {
  const rng = new Rng(7);
  const side = Math.cbrt(ATOMS / DENSITY);
  const positions = new Float64Array(ATOMS * 3).map(() => rng.uniform(0, side));
  const cell = [side, 0, 0, 0, side, 0, 0, 0, side];
  const graph = radiusGraph(positions, CUTOFF, { cell, pbc: true, implementation: 'typescript' });
  const atomTypes = new Int32Array(ATOMS).map(() => rng.integer(3));
  const edges = graph.edgeIndex.length / 2;
  console.log(`NequIP-style network (3 layers, 16x0e+16x1o+16x2e hidden, lmax 2, cutoff ${CUTOFF} Å) on ${ATOMS} atoms in a periodic ${side.toFixed(1)} Å box: ${edges} edges, float32`);

  // The reference backend would take minutes per structure here; it is measured by the kernel suites.
  const targets = await availableTargets({ reference: false });
  const rows: Row[] = [
    { name: 'energy (forward)', ms: {} },
    { name: 'energy + forces + stress (fwd + bwd)', ms: {} },
  ];
  for (const target of targets) {
    await setThreads(target);
    const model = new NequIP({ numTypes: 3, cutoff: CUTOFF, avgNumNeighbors: edges / ATOMS, seed: 1, backend: target.backend });
    const inputs = {
      positions: tensor(positions, [ATOMS, 3], { dtype: 'float32', backend: target.backend }),
      atomTypes,
      edgeIndex: graph.edgeIndex,
      shifts: graph.shifts,
      cell: tensor(cell, [3, 3], { dtype: 'float32', backend: target.backend }),
    };
    const options = { iterations: 3, time: 300 };
    rows[0].ms[target.label] = await measure(() => void noGrad(() => model.energy(inputs)).dataSync(), options);
    rows[1].ms[target.label] = await measure(() => void model.energyAndForces(inputs).forces.dataSync(), options);
  }
  printTable('NequIP-style network, 1000-atom periodic system (ms per structure)', rows, targets, [['wasm', 'cpu'], ['cpu-1t', 'cpu']]);
  for (const label of ['cpu', 'wasm']) {
    const ms = rows[1].ms[label];
    if (ms) console.log(`${label}: ${(1000 / ms).toFixed(1)} structures/s with forces and stress`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
