/** Molecular structures → batched model inputs (one-hot species, radius or complete graphs). */
import { tensor, type FloatDType, type Rng } from '@equigraph/core';
import { fullyConnectedGraph, radiusGraph } from '@equigraph/data';
import { GraphIndex } from '@equigraph/models';
import { UserError } from '../errors.js';
import type { AtomsInputs } from '../models.js';
import type { DataOverride } from './types.js';

export interface Structure {
  z: Int32Array;
  pos: Float64Array;
  /** `[2, E]` local edges (row 0 sources, row 1 targets). */
  edges: Int32Array;
  /** Graph-level targets `[k]`. */
  y: Float64Array;
  /** Per-atom targets `[n, 3]` (forces), when the task has them. */
  forces?: Float64Array;
}

export interface AtomsBatch {
  inputs: AtomsInputs;
  /** `[B, k]`. */
  y: Float64Array;
  /** `[N, 3]`. */
  forces?: Float64Array;
  numAtoms: Int32Array;
  numGraphs: number;
  /** Indices of the structures in their list. */
  ids: Int32Array;
}

/** Edges of one structure: a radius graph of `cutoff` Å, or the complete graph. */
export function structureEdges(pos: Float64Array, cutoff: number | null): Int32Array {
  const n = pos.length / 3;
  return cutoff === null ? fullyConnectedGraph(n).edgeIndex : radiusGraph(pos, cutoff).edgeIndex;
}

/** Mean number of neighbours (edges per atom) of the structures; 1 when there are none. */
export function meanNeighbours(structures: Structure[]): number {
  let edges = 0;
  let atoms = 0;
  for (const s of structures) {
    edges += s.edges.length / 2;
    atoms += s.z.length;
  }
  return atoms > 0 && edges > 0 ? edges / atoms : 1;
}

/** Sorted atomic numbers present in the structures. */
export function speciesOf(structures: Structure[]): number[] {
  const set = new Set<number>();
  for (const s of structures) for (const z of s.z) set.add(z);
  return [...set].sort((a, b) => a - b);
}

export class AtomsBatcher {
  private readonly column: Map<number, number>;
  constructor(
    readonly species: number[],
    readonly dtype: FloatDType,
  ) {
    this.column = new Map(species.map((z, k) => [z, k]));
  }

  batch(structures: Structure[], ids: ArrayLike<number>): AtomsBatch {
    const B = ids.length;
    let N = 0;
    let E = 0;
    for (let b = 0; b < B; b++) {
      N += structures[ids[b]].z.length;
      E += structures[ids[b]].edges.length / 2;
    }
    const S = this.species.length;
    const z = new Int32Array(N);
    const pos = new Float64Array(3 * N);
    const onehot = new Float64Array(N * S);
    const nodeGraph = new Int32Array(N);
    const target = new Int32Array(E);
    const source = new Int32Array(E);
    const k = structures[ids[0]].y.length;
    const y = new Float64Array(B * k);
    const hasForces = structures[ids[0]].forces !== undefined;
    const forces = hasForces ? new Float64Array(3 * N) : undefined;
    const numAtoms = new Int32Array(B);
    let o = 0;
    let e = 0;
    for (let b = 0; b < B; b++) {
      const s = structures[ids[b]];
      const n = s.z.length;
      numAtoms[b] = n;
      for (let i = 0; i < n; i++) {
        const col = this.column.get(s.z[i]);
        if (col === undefined) {
          throw new UserError(`structure ${ids[b]}: element Z=${s.z[i]} was not in the training data (model species: Z = ${this.species.join(', ')})`);
        }
        z[o + i] = s.z[i];
        onehot[(o + i) * S + col] = 1;
        nodeGraph[o + i] = b;
      }
      pos.set(s.pos, 3 * o);
      if (forces) forces.set(s.forces!, 3 * o);
      y.set(s.y, b * k);
      const m = s.edges.length / 2;
      for (let q = 0; q < m; q++) {
        source[e + q] = s.edges[q] + o;
        target[e + q] = s.edges[m + q] + o;
      }
      o += n;
      e += m;
    }
    const opts = { dtype: this.dtype };
    return {
      inputs: {
        z,
        onehot: tensor(onehot, [N, S], opts),
        pos: tensor(pos, [N, 3], opts),
        graph: new GraphIndex(N, target, source),
        assignment: { nodeGraph, numGraphs: B },
      },
      y,
      forces,
      numAtoms,
      numGraphs: B,
      ids: Int32Array.from(ids),
    };
  }

  batches(structures: Structure[], batchSize: number): AtomsBatch[] {
    const out: AtomsBatch[] = [];
    for (let start = 0; start < structures.length; start += batchSize) {
      out.push(this.batch(structures, Int32Array.from({ length: Math.min(batchSize, structures.length - start) }, (_, k) => start + k)));
    }
    return out;
  }

  /** A shuffled epoch (the last batch may be smaller). */
  shuffled(structures: Structure[], batchSize: number, rng: Rng): Iterable<AtomsBatch> {
    const order = rng.permutation(structures.length);
    const self = this;
    return (function* () {
      for (let start = 0; start < order.length; start += batchSize) yield self.batch(structures, order.subarray(start, Math.min(start + batchSize, order.length)));
    })();
  }
}

/** Seeded split into train/valid/test index lists. */
export function splitIndices(n: number, counts: { numTrain: number; numValid: number; numTest: number | null }, rng: Rng, source: string): { train: Int32Array; valid: Int32Array; test: Int32Array } {
  const need = counts.numTrain + counts.numValid + (counts.numTest ?? 0);
  if (need > n || (counts.numTest === null && need >= n && n > 0 && need > n)) {
    throw new UserError(`${source}: ${n} structures, but data.numTrain + data.numValid${counts.numTest !== null ? ' + data.numTest' : ''} = ${need}`);
  }
  const order = rng.permutation(n);
  const train = order.slice(0, counts.numTrain);
  const valid = order.slice(counts.numTrain, counts.numTrain + counts.numValid);
  const test = order.slice(counts.numTrain + counts.numValid, counts.numTest === null ? n : counts.numTrain + counts.numValid + counts.numTest);
  return { train, valid, test };
}

/**
 * The structures of each split: every structure is test data when they were read from
 * `override.path`; otherwise the seeded split of `splitIndices`, with `override.split` choosing the
 * split that is scored as test.
 */
export function splitStructures(structures: Structure[], counts: { numTrain: number; numValid: number; numTest: number | null }, rng: Rng, source: string, override?: DataOverride): { train: Structure[]; valid: Structure[]; test: Structure[] } {
  if (override?.path) return { train: [], valid: [], test: structures };
  const idx = splitIndices(structures.length, counts, rng, source);
  const pick = (ids: Int32Array) => Array.from(ids, (i) => structures[i]);
  const train = pick(idx.train);
  const valid = pick(idx.valid);
  const test = override?.split === 'train' ? train : override?.split === 'valid' ? valid : pick(idx.test);
  return { train, valid, test };
}
