/**
 * Cost of building a batch (collate) against a training step, to decide
 * whether the DataLoader should prefetch on a worker thread: it should only
 * when collation is a noticeable share of the step.
 *   npx tsx --conditions=source tools/bench/collate.ts
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { collate, fullyConnectedGraph, generateChargedNBody, readQm9XyzMulti, type Graph } from '@equigraph/data';
import { measure } from './harness.js';

const QM9 = new URL('../../packages/data/datasets/qm9-xtb/qm9_xtb.xyz', import.meta.url);

export async function run(): Promise<void> {
  const sims = generateChargedNBody({ numTrajectories: 100, seed: 1 });
  const { edgeIndex } = fullyConnectedGraph(5);
  const frame = 30 * 5 * 3;
  const nbody: Graph[] = Array.from({ length: 100 }, (_, s) => {
    const at = s * 49 * 15 + frame;
    return { positions: sims.loc.slice(at, at + 15), nodeAttrs: sims.vel.slice(at, at + 15), edgeIndex, edgeAttrs: new Float64Array(20), targets: {}, nodeTargets: { next: sims.loc.slice(at, at + 15) } };
  });
  const molecules = readQm9XyzMulti(readFileSync(QM9, 'utf8'), QM9.pathname).slice(0, 100);
  const rows: Array<[string, number]> = [
    ['collate 100 N-body graphs (5 nodes, 20 edges)', await measure(() => void collate(nbody))],
    ['collate 100 QM9-style molecules', await measure(() => void collate(molecules))],
  ];
  for (const [name, ms] of rows) console.log(`${name}: ${(ms * 1000).toFixed(0)} µs`);
  console.log('compare: one EGNN N-body training step ≈ 20–30 ms on cpu (npm run bench -- egnn)');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
