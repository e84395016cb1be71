import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chargedNBodySplits, kFoldStructure, POLYHEDRA, regularPolyhedron, toEgnnAxisOrder, writeExtxyz, writeNpy, type ChargedNBodyData } from '@equigraph/data';
import type { CliIO } from '../io.js';

export interface GenerateNBodyOptions {
  out: string;
  train: number;
  valid: number;
  test: number;
  bodies: number;
  seed: number;
  preset: 'egnn' | 'hegnn';
  rngKind: 'pure-rand' | 'numpy';
  /** File-name suffix; default `_charged<bodies>_initvel1small` as the authors' nbody_small. */
  suffix?: string;
}

export const defaultSuffix = (bodies: number) => `_charged${bodies}_initvel1small`;

/** Writes loc/vel `(sims, frames, 3, n)`, charges `(sims, n, 1)`, edges `(sims, n, n)` float64 per split, as the EGNN authors' generate_dataset.py. */
export function writeNBodySplit(dir: string, split: string, suffix: string, d: ChargedNBodyData): string[] {
  const { numTrajectories: S, numFrames: T, numBodies: n } = d;
  const edges = new Float64Array(S * n * n);
  for (let s = 0; s < S; s++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) edges[(s * n + i) * n + j] = d.charges[s * n + i] * d.charges[s * n + j];
  const files: [string, Float64Array, number[]][] = [
    ['loc', toEgnnAxisOrder(d.loc, S, T, n), [S, T, 3, n]],
    ['vel', toEgnnAxisOrder(d.vel, S, T, n), [S, T, 3, n]],
    ['charges', d.charges, [S, n, 1]],
    ['edges', edges, [S, n, n]],
  ];
  return files.map(([what, data, shape]) => {
    const path = join(dir, `${what}_${split}${suffix}.npy`);
    writeFileSync(path, writeNpy({ data, shape, dtype: 'float64' }));
    return path;
  });
}

export function generateNBody(io: CliIO, o: GenerateNBodyOptions): string[] {
  const suffix = o.suffix ?? defaultSuffix(o.bodies);
  mkdirSync(o.out, { recursive: true });
  const t0 = performance.now();
  const s = chargedNBodySplits(o.seed, { numTrain: o.train, numValid: o.valid, numTest: o.test, numBodies: o.bodies, preset: o.preset, rngKind: o.rngKind });
  const files = [...writeNBodySplit(o.out, 'train', suffix, s.train), ...writeNBodySplit(o.out, 'valid', suffix, s.valid), ...writeNBodySplit(o.out, 'test', suffix, s.test)];
  io.err(`generated ${o.train}/${o.valid}/${o.test} trajectories (train/valid/test) of ${o.bodies} charged bodies, ${s.train.numFrames} frames each, preset ${o.preset}, seed ${o.seed}, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of files) io.out(f);
  return files;
}

/** The symmetric structures of HEGNN (k-fold, regular polyhedra) as one extxyz file. */
export function generateSymmetric(io: CliIO, o: { out: string; maxFold: number }): string {
  mkdirSync(o.out, { recursive: true });
  const graphs = [];
  for (let k = 2; k <= o.maxFold; k++) {
    const pos = kFoldStructure(k);
    graphs.push({ positions: pos, species: Array.from({ length: k }, () => 'C'), targets: {}, info: { name: `${k}-fold` } });
  }
  for (const p of POLYHEDRA) {
    const pos = regularPolyhedron(p);
    graphs.push({ positions: pos, species: Array.from({ length: pos.length / 3 }, () => 'C'), targets: {}, info: { name: p } });
  }
  const path = join(o.out, 'symmetric.extxyz');
  writeFileSync(path, writeExtxyz(graphs));
  io.err(`wrote ${graphs.length} structures (k-fold for k = 2..${o.maxFold}, ${POLYHEDRA.join(', ')}), centred, unit circumradius`);
  io.out(path);
  return path;
}
