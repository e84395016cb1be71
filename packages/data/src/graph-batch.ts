/**
 * Graph records, PyG-style collation into one disconnected batch graph, a seeded data loader and
 * reproducible random splits.
 */
import { Rng, deriveSeed } from './random.js';

/** One graph (molecule, crystal, particle system). All arrays are flat, row-major. */
export interface Graph {
  /** `[n, 3]`. */
  positions: Float64Array;
  /** `[n, F]` node features. */
  nodeAttrs?: Float64Array;
  /** `[n]` atomic numbers, when known. */
  atomicNumbers?: Int32Array;
  /** `[n]` element symbols / species labels, when known. */
  species?: string[];
  /** `[2, E]` local node indices (row 0 sources, row 1 targets). */
  edgeIndex?: Int32Array;
  /** `[E, D]` edge features. */
  edgeAttrs?: Float64Array;
  /** `[E, 3]` integer periodic shifts of the edges (see graph.ts). */
  shifts?: Int32Array;
  /** `[3, 3]` lattice vectors as rows. */
  cell?: Float64Array;
  pbc?: [boolean, boolean, boolean];
  /** Graph-level targets (energy, dipole …): a number or a fixed-length array per graph. */
  targets: Record<string, Float64Array | number>;
  /** Node-level targets (forces `[n, 3]` …): length a multiple of n. */
  nodeTargets?: Record<string, Float64Array>;
  /** Other per-node columns (e.g. extxyz properties), `[n, k]` each. */
  nodeArrays?: Record<string, Float64Array>;
}

/** A collated batch: the graphs as one disconnected graph. */
export interface Batch {
  numGraphs: number;
  numNodes: number;
  numEdges: number;
  /** `[N, 3]`. */
  positions: Float64Array;
  /** `[N]` graph id of every node. */
  batch: Int32Array;
  /** `[B + 1]` node offsets (PyG's `ptr`): graph g owns nodes ptr[g] … ptr[g+1]−1. */
  ptr: Int32Array;
  /** `[B + 1]` edge offsets. */
  edgePtr: Int32Array;
  nodeAttrs?: Float64Array;
  atomicNumbers?: Int32Array;
  species?: string[];
  /** `[2, E]` with node offsets added. */
  edgeIndex?: Int32Array;
  edgeAttrs?: Float64Array;
  shifts?: Int32Array;
  /** `[B, 3, 3]`. */
  cell?: Float64Array;
  /** `[B, 3]` 0/1. */
  pbc?: Uint8Array;
  /** Graph-level targets stacked: `[B, k]` (k = 1 for numbers). */
  targets: Record<string, Float64Array>;
  /** Node-level targets concatenated: `[N, k]`. */
  nodeTargets: Record<string, Float64Array>;
  nodeArrays: Record<string, Float64Array>;
  /** Which graph-level targets were plain numbers (so `uncollate` gives numbers back). */
  scalarTargets: string[];
}

function numNodesOf(g: Graph, idx: number): number {
  if (g.positions.length % 3 !== 0) throw new Error(`graph ${idx}: positions length ${g.positions.length} is not a multiple of 3`);
  return g.positions.length / 3;
}

function sameKeys(graphs: Graph[], pick: (g: Graph) => Record<string, unknown> | undefined, what: string): string[] {
  const keys = Object.keys(pick(graphs[0]) ?? {}).sort();
  graphs.forEach((g, i) => {
    const k = Object.keys(pick(g) ?? {}).sort();
    if (k.join('\u0000') !== keys.join('\u0000')) {
      throw new Error(`collate: graph ${i} has ${what} [${k.join(', ')}] but graph 0 has [${keys.join(', ')}]`);
    }
  });
  return keys;
}

function allOrNone(graphs: Graph[], has: (g: Graph) => boolean, what: string): boolean {
  const first = has(graphs[0]);
  graphs.forEach((g, i) => {
    if (has(g) !== first) throw new Error(`collate: graph ${i} ${has(g) ? 'has' : 'lacks'} ${what} but graph 0 ${first ? 'has' : 'lacks'} it`);
  });
  return first;
}

function concatF64(parts: Float64Array[]): Float64Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Float64Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Collate graphs into one disconnected batch graph (PyG `Batch.from_data_list`). */
export function collate(graphs: Graph[]): Batch {
  if (graphs.length === 0) throw new Error('collate: no graphs');
  const B = graphs.length;
  const ptr = new Int32Array(B + 1);
  graphs.forEach((g, i) => (ptr[i + 1] = ptr[i] + numNodesOf(g, i)));
  const N = ptr[B];
  const batch = new Int32Array(N);
  for (let g = 0; g < B; g++) batch.fill(g, ptr[g], ptr[g + 1]);

  const out: Batch = {
    numGraphs: B,
    numNodes: N,
    numEdges: 0,
    positions: concatF64(graphs.map((g) => g.positions)),
    batch,
    ptr,
    edgePtr: new Int32Array(B + 1),
    targets: {},
    nodeTargets: {},
    nodeArrays: {},
    scalarTargets: [],
  };

  if (allOrNone(graphs, (g) => !!g.nodeAttrs, 'nodeAttrs')) {
    const F = graphs[0].nodeAttrs!.length / Math.max(1, ptr[1] - ptr[0]);
    graphs.forEach((g, i) => {
      const n = ptr[i + 1] - ptr[i];
      if (g.nodeAttrs!.length !== n * F) throw new Error(`collate: graph ${i} nodeAttrs has length ${g.nodeAttrs!.length}, expected ${n}·${F}`);
    });
    out.nodeAttrs = concatF64(graphs.map((g) => g.nodeAttrs!));
  }
  if (allOrNone(graphs, (g) => !!g.atomicNumbers, 'atomicNumbers')) {
    out.atomicNumbers = new Int32Array(N);
    graphs.forEach((g, i) => out.atomicNumbers!.set(g.atomicNumbers!, ptr[i]));
  }
  if (allOrNone(graphs, (g) => !!g.species, 'species')) out.species = graphs.flatMap((g) => g.species!);

  if (allOrNone(graphs, (g) => !!g.edgeIndex, 'edgeIndex')) {
    const edgePtr = out.edgePtr;
    graphs.forEach((g, i) => {
      if (g.edgeIndex!.length % 2 !== 0) throw new Error(`collate: graph ${i} edgeIndex has odd length`);
      edgePtr[i + 1] = edgePtr[i] + g.edgeIndex!.length / 2;
    });
    const E = edgePtr[B];
    out.numEdges = E;
    const ei = new Int32Array(2 * E);
    graphs.forEach((g, i) => {
      const e = g.edgeIndex!.length / 2;
      const n = ptr[i + 1] - ptr[i];
      for (let k = 0; k < e; k++) {
        const s = g.edgeIndex![k], d = g.edgeIndex![e + k];
        if (s < 0 || s >= n || d < 0 || d >= n) throw new Error(`collate: graph ${i} edge ${k} (${s} → ${d}) is outside its ${n} nodes`);
        ei[edgePtr[i] + k] = s + ptr[i];
        ei[E + edgePtr[i] + k] = d + ptr[i];
      }
    });
    out.edgeIndex = ei;
    if (allOrNone(graphs, (g) => !!g.edgeAttrs, 'edgeAttrs')) out.edgeAttrs = concatF64(graphs.map((g) => g.edgeAttrs!));
    if (allOrNone(graphs, (g) => !!g.shifts, 'shifts')) {
      out.shifts = new Int32Array(3 * E);
      graphs.forEach((g, i) => out.shifts!.set(g.shifts!, 3 * edgePtr[i]));
    }
  }
  if (allOrNone(graphs, (g) => !!g.cell, 'a cell')) {
    out.cell = new Float64Array(9 * B);
    graphs.forEach((g, i) => {
      if (g.cell!.length !== 9) throw new Error(`collate: graph ${i} cell has length ${g.cell!.length}, expected 9`);
      out.cell!.set(g.cell!, 9 * i);
    });
  }
  if (allOrNone(graphs, (g) => !!g.pbc, 'pbc')) {
    out.pbc = new Uint8Array(3 * B);
    graphs.forEach((g, i) => g.pbc!.forEach((p, a) => (out.pbc![3 * i + a] = p ? 1 : 0)));
  }

  for (const key of sameKeys(graphs, (g) => g.targets, 'targets')) {
    const first = graphs[0].targets[key];
    const scalar = typeof first === 'number';
    const k = scalar ? 1 : (first as Float64Array).length;
    const t = new Float64Array(B * k);
    graphs.forEach((g, i) => {
      const v = g.targets[key];
      if ((typeof v === 'number') !== scalar || (!scalar && (v as Float64Array).length !== k)) {
        throw new Error(`collate: target '${key}' of graph ${i} does not have the shape of graph 0's`);
      }
      if (scalar) t[i] = v as number;
      else t.set(v as Float64Array, i * k);
    });
    out.targets[key] = t;
    if (scalar) out.scalarTargets.push(key);
  }
  for (const [field, into] of [['nodeTargets', out.nodeTargets], ['nodeArrays', out.nodeArrays]] as const) {
    for (const key of sameKeys(graphs, (g) => g[field], field)) {
      const parts = graphs.map((g) => g[field]![key]);
      const k = parts[0].length / Math.max(1, ptr[1] - ptr[0]);
      parts.forEach((p, i) => {
        if (p.length !== (ptr[i + 1] - ptr[i]) * k) throw new Error(`collate: ${field}.${key} of graph ${i} has length ${p.length}, expected ${(ptr[i + 1] - ptr[i])}·${k}`);
      });
      into[key] = concatF64(parts);
    }
  }
  return out;
}

/** Split a batch back into its graphs (inverse of {@link collate}). */
export function uncollate(b: Batch): Graph[] {
  const graphs: Graph[] = [];
  const N = b.numNodes;
  for (let g = 0; g < b.numGraphs; g++) {
    const n0 = b.ptr[g], n1 = b.ptr[g + 1];
    const node = (a: Float64Array) => {
      const k = a.length / Math.max(1, N);
      return a.slice(n0 * k, n1 * k);
    };
    const graph: Graph = { positions: b.positions.slice(3 * n0, 3 * n1), targets: {} };
    if (b.nodeAttrs) graph.nodeAttrs = node(b.nodeAttrs);
    if (b.atomicNumbers) graph.atomicNumbers = b.atomicNumbers.slice(n0, n1);
    if (b.species) graph.species = b.species.slice(n0, n1);
    if (b.edgeIndex) {
      const E = b.numEdges, e0 = b.edgePtr[g], e1 = b.edgePtr[g + 1], e = e1 - e0;
      const ei = new Int32Array(2 * e);
      for (let k = 0; k < e; k++) {
        ei[k] = b.edgeIndex[e0 + k] - n0;
        ei[e + k] = b.edgeIndex[E + e0 + k] - n0;
      }
      graph.edgeIndex = ei;
      if (b.edgeAttrs) {
        const d = b.edgeAttrs.length / Math.max(1, E);
        graph.edgeAttrs = b.edgeAttrs.slice(e0 * d, e1 * d);
      }
      if (b.shifts) graph.shifts = b.shifts.slice(3 * e0, 3 * e1);
    }
    if (b.cell) graph.cell = b.cell.slice(9 * g, 9 * g + 9);
    if (b.pbc) graph.pbc = [!!b.pbc[3 * g], !!b.pbc[3 * g + 1], !!b.pbc[3 * g + 2]];
    for (const [key, t] of Object.entries(b.targets)) {
      const k = t.length / b.numGraphs;
      graph.targets[key] = b.scalarTargets.includes(key) ? t[g] : t.slice(g * k, (g + 1) * k);
    }
    const nt = Object.entries(b.nodeTargets);
    if (nt.length) graph.nodeTargets = Object.fromEntries(nt.map(([k, v]) => [k, node(v)]));
    const na = Object.entries(b.nodeArrays);
    if (na.length) graph.nodeArrays = Object.fromEntries(na.map(([k, v]) => [k, node(v)]));
    graphs.push(graph);
  }
  return graphs;
}

// ---------------------------------------------------------------------------------------------

export interface DataLoaderOptions<T, B> {
  batchSize: number;
  shuffle?: boolean;
  /** Seed of the shuffling; epoch e uses the permutation of `deriveSeed(seed, e)`. */
  seed?: number;
  dropLast?: boolean;
  /** Default: {@link collate}. */
  collateFn?: (items: T[]) => B;
}

/** Anything indexable: an array, or `{ length, get(i) }` for lazy datasets. */
export type Dataset<T> = ArrayLike<T> | { length: number; get(i: number): T };

/**
 * Mini-batches over a dataset. Each `for … of` pass is one epoch; the shuffle of epoch e depends
 * only on (seed, e), so `state()` / `setState()` resume exactly (checkpoints store two integers).
 */
export class DataLoader<T = Graph, B = Batch> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  private readonly collateFn: (items: T[]) => B;
  private epoch = 0;

  constructor(
    private readonly dataset: Dataset<T>,
    opts: DataLoaderOptions<T, B>,
  ) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    if (this.shuffle && opts.seed === undefined) throw new Error('DataLoader: shuffle needs a seed');
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.collateFn = opts.collateFn ?? (collate as unknown as (items: T[]) => B);
  }

  private item(i: number): T {
    const d = this.dataset as { get?: (i: number) => T };
    return typeof d.get === 'function' ? d.get(i) : (this.dataset as ArrayLike<T>)[i];
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Index order of epoch `e`. */
  order(e: number): Int32Array {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return new Rng(deriveSeed(this.seed, 'epoch', e)).permutation(n);
  }

  state(): { epoch: number; seed: number } {
    return { epoch: this.epoch, seed: this.seed };
  }

  setState(s: { epoch: number; seed?: number }): void {
    if (s.seed !== undefined && s.seed !== this.seed) throw new Error(`DataLoader.setState: seed ${s.seed} ≠ this loader's ${this.seed}`);
    this.epoch = s.epoch;
  }

  /** Batches of the next epoch (advances the epoch counter). */
  *[Symbol.iterator](): Iterator<B> {
    const order = this.order(this.epoch++);
    const numBatches = this.length;
    for (let b = 0; b < numBatches; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      yield this.collateFn(Array.from(idx, (i) => this.item(i)));
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** A split that can be stored as JSON and regenerated. */
export interface SplitSpec {
  n: number;
  sizes: number[];
  seed: number;
  /** Version tag of the shuffling procedure. */
  algorithm: 'xoroshiro128plus-fisher-yates-v1';
}

/**
 * Random split of 0..n−1 into disjoint index sets. `parts` are sizes (integers summing to ≤ n) or
 * fractions (summing to 1 within 1e-9; floors, then the remainder one by one to the first parts,
 * like `torch.utils.data.random_split`). Returns the index sets (each sorted by draw order) and a
 * JSON-able `spec`; `randomSplitFromSpec(spec)` gives the same sets.
 */
export function randomSplit(n: number, parts: number[], seed: number): { indices: Int32Array[]; spec: SplitSpec } {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (parts.length === 0) throw new Error('randomSplit: no parts');
  let sizes: number[];
  const sum = parts.reduce((a, b) => a + b, 0);
  // fractions when any part is fractional or they sum to 1 (e.g. [1, 0]); sizes otherwise
  const fractions = parts.some((p) => !Number.isInteger(p)) || Math.abs(sum - 1) < 1e-9;
  if (!fractions) {
    if (parts.some((p) => p < 0)) throw new RangeError(`randomSplit: negative size in ${parts.join(', ')}`);
    if (sum > n) throw new RangeError(`randomSplit: sizes sum to ${sum} > n = ${n}`);
    sizes = parts.slice();
  } else {
    if (parts.some((p) => !(p >= 0 && p <= 1)) || Math.abs(sum - 1) > 1e-9) {
      throw new RangeError(`randomSplit: fractions must lie in [0, 1] and sum to 1 (got ${parts.join(', ')})`);
    }
    sizes = parts.map((p) => Math.floor(p * n));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
  }
  const spec: SplitSpec = { n, sizes, seed, algorithm: 'xoroshiro128plus-fisher-yates-v1' };
  return { indices: randomSplitFromSpec(spec), spec };
}

export function randomSplitFromSpec(spec: SplitSpec): Int32Array[] {
  if (spec.algorithm !== 'xoroshiro128plus-fisher-yates-v1') throw new Error(`unknown split algorithm ${spec.algorithm}`);
  const perm = new Rng(deriveSeed(spec.seed, 'randomSplit')).permutation(spec.n);
  const out: Int32Array[] = [];
  let o = 0;
  for (const s of spec.sizes) {
    out.push(perm.slice(o, o + s));
    o += s;
  }
  return out;
}
