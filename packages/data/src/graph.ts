/**
 * Graph construction: complete graphs, k-nearest-neighbour graphs and radius graphs with periodic
 * boundaries in any triclinic cell.
 *
 * Conventions (PyG's `flow='source_to_target'`):
 * - `edgeIndex` is `[2, E]` flat: `edgeIndex[e]` is the source j, `edgeIndex[E + e]` the target
 *   (centre) i; a message flows j → i.
 * - Edges are sorted by target, then source, then shift (x, y, z) — or, for k-NN, by target then
 *   distance. The order depends only on the input.
 * - Periodic shifts: `shifts` is `[E, 3]` of integers with
 *       edgeVector = pos[dst] − pos[src] + shift · cell        (cell rows = lattice vectors, as ASE)
 *   computed from the positions as given (not wrapped). The source's periodic image sits at
 *   `pos[src] − shift·cell`, and `edgeVector` points from that image to the target. This is the
 *   NequIP/ASE `(i, j, S)` relation `D = pos[j] − pos[i] + S·cell` with i = src, j = dst.
 * - The radius test is strict: an edge exists when `distance < cutoff` (ASE's rule).
 *
 * `radiusGraph` runs natively (`eg_radius_graph_count` / `_fill` of the C++ core) when the active
 * host backend ('cpu' or 'wasm') offers the primitive, else in TypeScript; both give identical
 * output (the same edges in the same order, bit-identical vectors and distances).
 */
import { HostBackend, findBackend, getBackend, type Backend } from '@equigraph/core';

export type Pbc = boolean | readonly [boolean, boolean, boolean];

export interface EdgeList {
  /** `[2, E]`: row 0 sources, row 1 targets. */
  edgeIndex: Int32Array;
  numEdges: number;
}

export interface RadiusGraph extends EdgeList {
  /** `[E, 3]` integer cell shifts (all zero without periodicity). */
  shifts: Int32Array;
  /** `[E, 3]`: pos[dst] − pos[src] + shift·cell. */
  edgeVectors: Float64Array;
  /** `[E]`. */
  distances: Float64Array;
  /** With `onOverflow: 'truncate'`: how many edges were dropped in all, and for which atoms. */
  dropped: { total: number; atoms: { atom: number; found: number; kept: number }[] };
}

export interface RadiusGraphOptions {
  /** Lattice vectors as rows, `[3, 3]`; or `[B, 3, 3]` with one cell per graph of `batch`. */
  cell?: ArrayLike<number>;
  /** Periodicity per axis (lattice vector); `true` = all three. Default: false. Needs `cell`. */
  pbc?: Pbc;
  /** Graph id of every atom (`[N]`); no edge joins different graphs. Need not be sorted. */
  batch?: Int32Array | ArrayLike<number>;
  /** Cap on the number of neighbours (incoming edges) of an atom. */
  maxNeighbors?: number;
  /** What to do when an atom exceeds `maxNeighbors`: throw (default) or keep the nearest ones. */
  onOverflow?: 'error' | 'truncate';
  /** Include the zero-shift self edge i → i. Periodic self-images (non-zero shift) are always kept. */
  selfLoops?: boolean;
  /**
   * Which implementation builds the graph (the output is identical):
   * - 'auto' (default): the native primitive of the host backend when it has one, else TypeScript;
   * - 'native': the native primitive; an error when the backend has none;
   * - 'typescript': the TypeScript cell list.
   */
  implementation?: 'auto' | 'native' | 'typescript';
  /** Host backend whose native primitive to use (default: the active backend, `getBackend()`). */
  backend?: string;
}

/** The result of the native primitive (the `radiusGraph` of `RadiusGraphHostPrimitives`). */
export interface NativeRadiusGraphResult {
  numEdges: number;
  /** Present unless an atom exceeded `maxNeighbors` without truncation. */
  edgeIndex?: Int32Array;
  shifts?: Int32Array;
  edgeVectors?: Float64Array;
  distances?: Float64Array;
  droppedTotal?: number;
  /** Truncated atoms, ascending, and their neighbour counts before truncation. */
  droppedAtoms?: Int32Array;
  droppedFound?: Int32Array;
  /** First atom over `maxNeighbors` without truncation (no edges are returned then), else -1. */
  overflowAtom: number;
  overflowFound: number;
}

/**
 * Optional primitive of a host backend (matched structurally on `HostBackend.primitives`: the
 * native and wasm packages do not depend on data). Arguments: positions [n, 3]; cutoff; `cells`
 * null (no periodic axis) or 1 or numGraphs cells [3, 3]; pbcMask bit a = periodic along lattice
 * vector a; batch [n] or null; maxNeighbors (negative: unlimited); flags 1 = self loops,
 * 2 = truncate. See eg_radius_graph_count in native/include/equigraph.h.
 */
export interface RadiusGraphHostPrimitives {
  radiusGraph?(
    positions: Float64Array, cutoff: number, cells: Float64Array | null, pbcMask: number,
    batch: Int32Array | null, maxNeighbors: number, flags: number,
  ): NativeRadiusGraphResult;
}

// ---------------------------------------------------------------------------------------------
// small helpers

function checkFinite(positions: ArrayLike<number>, what = 'positions'): number {
  if (positions.length % 3 !== 0) throw new Error(`${what}: length ${positions.length} is not a multiple of 3`);
  const n = positions.length / 3;
  for (let i = 0; i < positions.length; i++) {
    if (!Number.isFinite(positions[i])) {
      throw new Error(`${what}: atom ${Math.floor(i / 3)} has a non-finite coordinate (${positions[i]} at component ${i % 3})`);
    }
  }
  return n;
}

function normPbc(pbc: Pbc | undefined): [boolean, boolean, boolean] {
  if (pbc === undefined || pbc === false) return [false, false, false];
  if (pbc === true) return [true, true, true];
  if (pbc.length !== 3) throw new Error('pbc must be a boolean or three booleans');
  return [!!pbc[0], !!pbc[1], !!pbc[2]];
}

/** Groups of atom indices per graph id (ascending atom order inside a group). */
function groupByBatch(n: number, batch: ArrayLike<number> | undefined): { graphOf: Int32Array; groups: Int32Array[] } {
  const graphOf = new Int32Array(n);
  if (!batch) return { graphOf, groups: [Int32Array.from({ length: n }, (_, i) => i)] };
  if (batch.length !== n) throw new Error(`batch has length ${batch.length} but there are ${n} atoms`);
  let numGraphs = 0;
  for (let i = 0; i < n; i++) {
    const b = batch[i];
    if (!Number.isInteger(b) || b < 0) throw new Error(`batch[${i}] = ${b} is not a non-negative integer`);
    graphOf[i] = b;
    if (b + 1 > numGraphs) numGraphs = b + 1;
  }
  const counts = new Int32Array(numGraphs);
  for (let i = 0; i < n; i++) counts[graphOf[i]]++;
  const groups = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(numGraphs);
  for (let i = 0; i < n; i++) groups[graphOf[i]][fill[graphOf[i]]++] = i;
  return { graphOf, groups };
}

/** Growable typed buffers for edges. */
class EdgeBuffer {
  src = new Int32Array(1024);
  dst = new Int32Array(1024);
  shift = new Int32Array(3 * 1024);
  vec = new Float64Array(3 * 1024);
  dist = new Float64Array(1024);
  size = 0;
  push(s: number, d: number, sx: number, sy: number, sz: number, vx: number, vy: number, vz: number, r: number): void {
    if (this.size === this.src.length) this.grow();
    const e = this.size++;
    this.src[e] = s;
    this.dst[e] = d;
    this.shift[3 * e] = sx; this.shift[3 * e + 1] = sy; this.shift[3 * e + 2] = sz;
    this.vec[3 * e] = vx; this.vec[3 * e + 1] = vy; this.vec[3 * e + 2] = vz;
    this.dist[e] = r;
  }
  private grow(): void {
    const cap = this.src.length * 2;
    const g = <T extends Int32Array | Float64Array>(a: T, m: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * m);
      b.set(a);
      return b;
    };
    this.src = g(this.src, 1); this.dst = g(this.dst, 1); this.shift = g(this.shift, 3);
    this.vec = g(this.vec, 3); this.dist = g(this.dist, 1);
  }
  clear(): void {
    this.size = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// complete graph and k-NN

/** All ordered pairs j → i of `n` nodes (`selfLoops` adds i → i), sorted by target then source. */
export function fullyConnectedGraph(n: number, opts: { selfLoops?: boolean } = {}): EdgeList {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const self = opts.selfLoops ?? false;
  const E = self ? n * n : n * (n - 1);
  const ei = new Int32Array(2 * E);
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j && !self) continue;
      ei[e] = j;
      ei[E + e] = i;
      e++;
    }
  }
  return { edgeIndex: ei, numEdges: E };
}

/**
 * k-nearest-neighbour graph (non-periodic): for every target i, edges from its `k` nearest
 * sources j of the same graph (fewer when the graph is smaller), sorted by target, then distance,
 * then source index. O(N² log k) per graph.
 */
export function knnGraph(
  positions: ArrayLike<number>,
  k: number,
  opts: { batch?: ArrayLike<number>; selfLoops?: boolean } = {},
): EdgeList & { distances: Float64Array } {
  const n = checkFinite(positions);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const self = opts.selfLoops ?? false;
  const { graphOf, groups } = groupByBatch(n, opts.batch);
  const src: number[] = [];
  const dst: number[] = [];
  const dist: number[] = [];
  const bestJ = new Int32Array(k);
  const bestD = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const group = groups[graphOf[i]];
    let m = 0;
    const xi = positions[3 * i], yi = positions[3 * i + 1], zi = positions[3 * i + 2];
    for (let t = 0; t < group.length; t++) {
      const j = group[t];
      if (j === i && !self) continue;
      const dx = positions[3 * j] - xi, dy = positions[3 * j + 1] - yi, dz = positions[3 * j + 2] - zi;
      const d2 = dx * dx + dy * dy + dz * dz;
      // insertion into the sorted top-k (ties keep the smaller j, which is visited first)
      if (m < k || d2 < bestD[m - 1]) {
        let p = m < k ? m++ : m - 1;
        while (p > 0 && bestD[p - 1] > d2) {
          bestD[p] = bestD[p - 1];
          bestJ[p] = bestJ[p - 1];
          p--;
        }
        bestD[p] = d2;
        bestJ[p] = j;
      }
    }
    for (let p = 0; p < m; p++) {
      src.push(bestJ[p]);
      dst.push(i);
      dist.push(Math.sqrt(bestD[p]));
    }
  }
  const E = src.length;
  const ei = new Int32Array(2 * E);
  ei.set(src, 0);
  ei.set(dst, E);
  return { edgeIndex: ei, numEdges: E, distances: Float64Array.from(dist) };
}

// ---------------------------------------------------------------------------------------------
// geometry of a cell

interface Frame {
  /** rows = lattice vectors (or the pseudo-cell for non-periodic data) */
  cell: Float64Array;
  /** inverse of `cell` (s = r · inv) */
  inv: Float64Array;
  /** distance between opposite faces along each lattice direction */
  heights: Float64Array;
}

function makeFrame(cell: ArrayLike<number>, graph: number): Frame {
  const c = Float64Array.from({ length: 9 }, (_, k) => cell[k]);
  for (let k = 0; k < 9; k++) if (!Number.isFinite(c[k])) throw new Error(`cell of graph ${graph} has a non-finite entry`);
  const [a0, a1, a2, b0, b1, b2, c0, c1, c2] = c;
  // cofactors: rows of adj(C)^T are the cross products b×c, c×a, a×b
  const bc = [b1 * c2 - b2 * c1, b2 * c0 - b0 * c2, b0 * c1 - b1 * c0];
  const ca = [c1 * a2 - c2 * a1, c2 * a0 - c0 * a2, c0 * a1 - c1 * a0];
  const ab = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0];
  const det = a0 * bc[0] + a1 * bc[1] + a2 * bc[2];
  const scale = Math.hypot(a0, a1, a2) * Math.hypot(b0, b1, b2) * Math.hypot(c0, c1, c2);
  if (!(Math.abs(det) > 1e-12 * scale)) throw new Error(`cell of graph ${graph} is singular (volume ${det})`);
  // inv = C^{-1}; column k of inv is (row k of cofactor set)/det: s_a = r · (cross_a)/det
  const inv = new Float64Array(9);
  const crosses = [bc, ca, ab];
  for (let a = 0; a < 3; a++) for (let d = 0; d < 3; d++) inv[3 * d + a] = crosses[a][d] / det;
  const vol = Math.abs(det);
  const heights = Float64Array.from(crosses, (x) => vol / Math.hypot(x[0], x[1], x[2]));
  return { cell: c, inv, heights };
}

/** Fractional coordinates of the atoms of a group, wrapped on periodic axes, with the wrap counts. */
function fractional(positions: ArrayLike<number>, group: Int32Array, fr: Frame, pbc: boolean[]) {
  const m = group.length;
  const s = new Float64Array(3 * m);
  const wrap = new Int32Array(3 * m);
  const { inv } = fr;
  for (let t = 0; t < m; t++) {
    const i = group[t];
    const x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
    for (let a = 0; a < 3; a++) {
      let v = x * inv[a] + y * inv[3 + a] + z * inv[6 + a];
      if (pbc[a]) {
        let k = Math.floor(v);
        v -= k;
        if (v >= 1) { v -= 1; k += 1; } // rounding of a tiny negative v
        if (Math.abs(k) > 2 ** 30) throw new Error(`atom ${i} is ${k} cells away from the origin`);
        wrap[3 * t + a] = k;
      }
      s[3 * t + a] = v;
    }
  }
  return { s, wrap };
}

function graphCell(opts: RadiusGraphOptions, g: number, numGraphs: number): ArrayLike<number> | undefined {
  const cell = opts.cell;
  if (!cell) return undefined;
  if (cell.length === 9) return cell;
  if (cell.length === 9 * numGraphs) return Array.from({ length: 9 }, (_, k) => cell[9 * g + k]);
  throw new Error(`cell has length ${cell.length}; expected 9 or 9·numGraphs = ${9 * numGraphs}`);
}

/** Pseudo-cell for non-periodic data: an orthorhombic box over the bounding box of the group. */
function boundingFrame(positions: ArrayLike<number>, group: Int32Array, cutoff: number): Frame {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const i of group) {
    for (let a = 0; a < 3; a++) {
      const v = positions[3 * i + a];
      if (v < lo[a]) lo[a] = v;
      if (v > hi[a]) hi[a] = v;
    }
  }
  const L = [0, 1, 2].map((a) => Math.max(hi[a] - lo[a], cutoff, 1e-300));
  const cell = new Float64Array([L[0], 0, 0, 0, L[1], 0, 0, 0, L[2]]);
  const inv = new Float64Array([1 / L[0], 0, 0, 0, 1 / L[1], 0, 0, 0, 1 / L[2]]);
  return { cell, inv, heights: Float64Array.from(L) };
}

// ---------------------------------------------------------------------------------------------
// radius graph with cell lists

/**
 * Bins per cutoff length: the cell list searches (2k + 1)³ bins of width ≈ cutoff/k, a volume of
 * ((2k + 1)/k)³ cutoff³: 27 for k = 1, 15.6 for k = 2 (1.7× fewer distance tests, more bins).
 * Must match kBinsPerCutoff in native/src/neighbors.cpp (for speed only: the edges do not depend
 * on the binning).
 */
const BINS_PER_CUTOFF = 2;

/**
 * Radius graph in O(N) (for bounded density) with a cell list in fractional coordinates. Works for
 * any triclinic cell, mixed periodicity, and cutoffs larger than the cell (every periodic image
 * within the cutoff becomes its own edge, including images of the atom itself).
 *
 * Runs natively when the host backend has the primitive (see `implementation`); the TypeScript
 * and native paths return identical graphs and throw the same errors for invalid input.
 */
export function radiusGraph(positions: ArrayLike<number>, cutoff: number, opts: RadiusGraphOptions = {}): RadiusGraph {
  const impl = opts.implementation ?? 'auto';
  if (impl !== 'auto' && impl !== 'native' && impl !== 'typescript') {
    throw new RangeError(`radiusGraph: implementation must be 'auto', 'native' or 'typescript', got ${String(impl)}`);
  }
  if (impl !== 'typescript') {
    const prim = radiusGraphPrimitive(opts.backend, impl === 'native');
    if (prim) return radiusGraphNative(prim, positions, cutoff, opts);
  }
  return radiusGraphTypescript(positions, cutoff, opts);
}

type RadiusGraphPrimitive = NonNullable<RadiusGraphHostPrimitives['radiusGraph']>;

/** The native primitive of the named (or active) backend, if it is a host backend that has one. */
function radiusGraphPrimitive(backendName: string | undefined, required: boolean): RadiusGraphPrimitive | undefined {
  let backend: Backend;
  try {
    backend = backendName !== undefined ? findBackend(backendName) : getBackend();
  } catch (err) {
    if (required || backendName !== undefined) throw err;
    return undefined;
  }
  const prims = backend instanceof HostBackend ? (backend.primitives as RadiusGraphHostPrimitives) : undefined;
  const fn = prims?.radiusGraph;
  if (typeof fn === 'function') return fn.bind(prims);
  if (required) {
    throw new Error(
      `radiusGraph: implementation 'native' needs a host backend with a native radius graph ('cpu' or 'wasm'); ` +
        `backend '${backend.name}' has none`,
    );
  }
  return undefined;
}

function maxNeighborsOf(opts: RadiusGraphOptions): number {
  const maxNb = opts.maxNeighbors ?? Infinity;
  if (!(maxNb === Infinity || (Number.isInteger(maxNb) && maxNb >= 0))) {
    throw new RangeError(`maxNeighbors must be a non-negative integer or Infinity, got ${maxNb}`);
  }
  return maxNb;
}

function overflowError(atom: number, found: number, cutoff: number, maxNb: number): Error {
  return new Error(
    `radiusGraph: atom ${atom} has ${found} neighbours within cutoff ${cutoff}, more than maxNeighbors = ${maxNb} ` +
      `(raise maxNeighbors, or pass onOverflow: 'truncate' to keep the nearest ones)`,
  );
}

/**
 * The native path: the TypeScript path's validation (same errors, same order), then both passes
 * of the kernel in one primitive call.
 */
function radiusGraphNative(prim: RadiusGraphPrimitive, positions: ArrayLike<number>, cutoff: number, opts: RadiusGraphOptions): RadiusGraph {
  const n = checkFinite(positions);
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new RangeError(`cutoff must be a positive finite number, got ${cutoff}`);
  const pbc = normPbc(opts.pbc);
  const anyPbc = pbc[0] || pbc[1] || pbc[2];
  if (anyPbc && !opts.cell) throw new Error('periodic boundaries need a cell');
  const maxNb = maxNeighborsOf(opts);
  const truncate = (opts.onOverflow ?? 'error') === 'truncate';
  // batch: validated as groupByBatch does, without building the groups
  let batch: Int32Array | null = null;
  let numGraphs = 1;
  let graphSize: Int32Array | null = null;
  if (opts.batch) {
    const b = opts.batch;
    if (b.length !== n) throw new Error(`batch has length ${b.length} but there are ${n} atoms`);
    numGraphs = 0;
    for (let i = 0; i < n; i++) {
      const v = b[i];
      if (!Number.isInteger(v) || v < 0) throw new Error(`batch[${i}] = ${v} is not a non-negative integer`);
      if (v + 1 > numGraphs) numGraphs = v + 1;
    }
    batch = b instanceof Int32Array ? b : Int32Array.from(b);
    graphSize = new Int32Array(numGraphs);
    for (let i = 0; i < n; i++) graphSize[batch[i]]++;
  }
  if (n === 0) return finish(new EdgeBuffer(), { total: 0, atoms: [] });
  // cells of the non-empty graphs, in graph order (errors as in the TypeScript path)
  for (let g = 0; g < numGraphs; g++) {
    if (graphSize && graphSize[g] === 0) continue;
    const cellG = graphCell(opts, g, numGraphs);
    if (anyPbc && cellG) makeFrame(cellG, g);
  }
  let cells: Float64Array | null = null;
  if (anyPbc) {
    const c = opts.cell!;
    cells = c instanceof Float64Array ? c : Float64Array.from(c);
  }
  const pos = positions instanceof Float64Array ? positions : Float64Array.from(positions);
  const pbcMask = (pbc[0] ? 1 : 0) | (pbc[1] ? 2 : 0) | (pbc[2] ? 4 : 0);
  const flags = (opts.selfLoops ? 1 : 0) | (truncate ? 2 : 0);
  const r = prim(pos, cutoff, cells, pbcMask, batch, maxNb === Infinity || maxNb >= 2147483647 ? -1 : maxNb, flags);
  if (r.overflowAtom >= 0) throw overflowError(r.overflowAtom, r.overflowFound, cutoff, maxNb);
  const dropped: RadiusGraph['dropped'] = { total: r.droppedTotal ?? 0, atoms: [] };
  const da = r.droppedAtoms, df = r.droppedFound;
  if (da && df) for (let k = 0; k < da.length; k++) dropped.atoms.push({ atom: da[k], found: df[k], kept: maxNb });
  return {
    edgeIndex: r.edgeIndex!,
    numEdges: r.numEdges,
    shifts: r.shifts!,
    edgeVectors: r.edgeVectors!,
    distances: r.distances!,
    dropped,
  };
}

/** The TypeScript cell list (the specification the native kernel follows line by line). */
function radiusGraphTypescript(positions: ArrayLike<number>, cutoff: number, opts: RadiusGraphOptions): RadiusGraph {
  const n = checkFinite(positions);
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new RangeError(`cutoff must be a positive finite number, got ${cutoff}`);
  const pbc = normPbc(opts.pbc);
  const anyPbc = pbc[0] || pbc[1] || pbc[2];
  if (anyPbc && !opts.cell) throw new Error('periodic boundaries need a cell');
  const selfLoops = opts.selfLoops ?? false;
  const maxNb = maxNeighborsOf(opts);
  const truncate = (opts.onOverflow ?? 'error') === 'truncate';
  const { graphOf, groups } = groupByBatch(n, opts.batch);
  const c2 = cutoff * cutoff;

  // per graph: frame, bins, local data
  interface Prep {
    fr: Frame;
    s: Float64Array;
    wrap: Int32Array;
    nb: number[];
    range: number[];
    origin: number[];
    span: number[];
    binStart: Int32Array;
    binAtoms: Int32Array; // local indices
    binOf: Int32Array; // [m, 3]
  }
  const local = new Int32Array(n); // atom → index inside its group
  const preps: (Prep | null)[] = groups.map((group, g) => {
    if (group.length === 0) return null;
    for (let t = 0; t < group.length; t++) local[group[t]] = t;
    const cellG = graphCell(opts, g, groups.length);
    const fr = anyPbc && cellG ? makeFrame(cellG, g) : boundingFrame(positions, group, cutoff);
    const gp = anyPbc ? pbc : [false, false, false];
    const { s, wrap } = fractional(positions, group, fr, gp);
    const m = group.length;
    const nb = [1, 1, 1];
    const origin = [0, 0, 0];
    const span = [1, 1, 1];
    for (let a = 0; a < 3; a++) {
      if (!gp[a]) {
        let lo = Infinity, hi = -Infinity;
        for (let t = 0; t < m; t++) {
          const v = s[3 * t + a];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        origin[a] = lo;
        span[a] = Math.max(hi - lo, 0);
      }
      const width = span[a] * fr.heights[a]; // perpendicular extent covered by the bins
      // bins a little wider than cutoff / BINS_PER_CUTOFF, so the search range is exactly
      // BINS_PER_CUTOFF bins each way (bins of exactly cutoff/k would need k + 1: see `range`)
      nb[a] = Math.max(1, Math.floor((width * BINS_PER_CUTOFF) / (cutoff * (1 + 1e-8))));
    }
    // keep the number of bins O(m)
    const maxBins = Math.max(8, 2 * m);
    while (nb[0] * nb[1] * nb[2] > maxBins) {
      const a = nb.indexOf(Math.max(...nb));
      nb[a] = Math.max(1, Math.floor(nb[a] / 2));
    }
    const range = [0, 1, 2].map((a) => {
      const binWidth = (span[a] * fr.heights[a]) / nb[a];
      const r = binWidth > 0 ? Math.ceil(cutoff / binWidth + 1e-9) : 0;
      return gp[a] ? r : Math.min(r, nb[a] - 1);
    });
    const binOf = new Int32Array(3 * m);
    const numBins = nb[0] * nb[1] * nb[2];
    const counts = new Int32Array(numBins + 1);
    const flat = new Int32Array(m);
    for (let t = 0; t < m; t++) {
      for (let a = 0; a < 3; a++) {
        const u = span[a] > 0 ? (s[3 * t + a] - origin[a]) / span[a] : 0;
        let b = Math.floor(u * nb[a]);
        if (b >= nb[a]) b = nb[a] - 1;
        if (b < 0) b = 0;
        binOf[3 * t + a] = b;
      }
      flat[t] = (binOf[3 * t] * nb[1] + binOf[3 * t + 1]) * nb[2] + binOf[3 * t + 2];
      counts[flat[t] + 1]++;
    }
    for (let b = 0; b < numBins; b++) counts[b + 1] += counts[b];
    const binStart = counts.slice();
    const fill = counts.slice(0, numBins);
    const binAtoms = new Int32Array(m);
    for (let t = 0; t < m; t++) binAtoms[fill[flat[t]]++] = t;
    return { fr, s, wrap, nb, range, origin, span, binStart, binAtoms, binOf };
  });

  const out = new EdgeBuffer();
  const cand = new EdgeBuffer();
  const dropped: RadiusGraph['dropped'] = { total: 0, atoms: [] };
  let order = new Int32Array(64);

  for (let i = 0; i < n; i++) {
    const g = graphOf[i];
    const P = preps[g]!;
    const group = groups[g];
    const ti = local[i];
    const C = P.fr.cell;
    const xi = positions[3 * i], yi = positions[3 * i + 1], zi = positions[3 * i + 2];
    const [nbx, nby, nbz] = P.nb;
    const [rx, ry, rz] = P.range;
    const bx = P.binOf[3 * ti], by = P.binOf[3 * ti + 1], bz = P.binOf[3 * ti + 2];
    cand.clear();
    for (let dx = -rx; dx <= rx; dx++) {
      let cx = bx + dx;
      let ix = 0;
      if (pbc[0] && anyPbc) { ix = Math.floor(cx / nbx); cx -= ix * nbx; } else if (cx < 0 || cx >= nbx) continue;
      for (let dy = -ry; dy <= ry; dy++) {
        let cy = by + dy;
        let iy = 0;
        if (pbc[1] && anyPbc) { iy = Math.floor(cy / nby); cy -= iy * nby; } else if (cy < 0 || cy >= nby) continue;
        for (let dz = -rz; dz <= rz; dz++) {
          let cz = bz + dz;
          let iz = 0;
          if (pbc[2] && anyPbc) { iz = Math.floor(cz / nbz); cz -= iz * nbz; } else if (cz < 0 || cz >= nbz) continue;
          const b = (cx * nby + cy) * nbz + cz;
          for (let p = P.binStart[b]; p < P.binStart[b + 1]; p++) {
            const tj = P.binAtoms[p];
            const j = group[tj];
            // source image j + S (in wrapped frame) → shift = k_j − k_i − S relative to given positions
            const sx = P.wrap[3 * tj] - P.wrap[3 * ti] - ix;
            const sy = P.wrap[3 * tj + 1] - P.wrap[3 * ti + 1] - iy;
            const sz = P.wrap[3 * tj + 2] - P.wrap[3 * ti + 2] - iz;
            if (j === i && sx === 0 && sy === 0 && sz === 0 && !selfLoops) continue;
            const vx = xi - positions[3 * j] + sx * C[0] + sy * C[3] + sz * C[6];
            const vy = yi - positions[3 * j + 1] + sx * C[1] + sy * C[4] + sz * C[7];
            const vz = zi - positions[3 * j + 2] + sx * C[2] + sy * C[5] + sz * C[8];
            const d2 = vx * vx + vy * vy + vz * vz;
            if (d2 < c2) cand.push(j, i, sx, sy, sz, vx, vy, vz, Math.sqrt(d2));
          }
        }
      }
    }
    const m = cand.size;
    if (order.length < m) order = new Int32Array(2 * m);
    const ord = order.subarray(0, m);
    for (let e = 0; e < m; e++) ord[e] = e;
    const byKey = (a: number, b: number) =>
      cand.src[a] - cand.src[b] ||
      cand.shift[3 * a] - cand.shift[3 * b] ||
      cand.shift[3 * a + 1] - cand.shift[3 * b + 1] ||
      cand.shift[3 * a + 2] - cand.shift[3 * b + 2];
    let keep = m;
    if (m > maxNb) {
      if (!truncate) throw overflowError(i, m, cutoff, maxNb);
      ord.sort((a, b) => cand.dist[a] - cand.dist[b] || byKey(a, b));
      keep = maxNb;
      dropped.total += m - maxNb;
      dropped.atoms.push({ atom: i, found: m, kept: maxNb });
    }
    const kept = ord.subarray(0, keep).sort(byKey);
    for (const e of kept) {
      out.push(
        cand.src[e], i,
        cand.shift[3 * e], cand.shift[3 * e + 1], cand.shift[3 * e + 2],
        cand.vec[3 * e], cand.vec[3 * e + 1], cand.vec[3 * e + 2], cand.dist[e],
      );
    }
  }
  return finish(out, dropped);
}

function finish(buf: EdgeBuffer, dropped: RadiusGraph['dropped']): RadiusGraph {
  const E = buf.size;
  const edgeIndex = new Int32Array(2 * E);
  edgeIndex.set(buf.src.subarray(0, E), 0);
  edgeIndex.set(buf.dst.subarray(0, E), E);
  return {
    edgeIndex,
    numEdges: E,
    shifts: buf.shift.slice(0, 3 * E),
    edgeVectors: buf.vec.slice(0, 3 * E),
    distances: buf.dist.slice(0, E),
    dropped,
  };
}

/**
 * Brute-force radius graph: every pair of atoms of a graph and every periodic image that can be
 * within the cutoff. O(N² · images). The test oracle for {@link radiusGraph}; same output order.
 * No `maxNeighbors`.
 */
export function radiusGraphBruteForce(
  positions: ArrayLike<number>,
  cutoff: number,
  opts: Omit<RadiusGraphOptions, 'maxNeighbors' | 'onOverflow'> = {},
): RadiusGraph {
  const n = checkFinite(positions);
  const pbc = normPbc(opts.pbc);
  const anyPbc = pbc[0] || pbc[1] || pbc[2];
  if (anyPbc && !opts.cell) throw new Error('periodic boundaries need a cell');
  const { graphOf, groups } = groupByBatch(n, opts.batch);
  const out = new EdgeBuffer();
  const frames = groups.map((_, g) => (anyPbc ? makeFrame(graphCell(opts, g, groups.length)!, g) : null));
  for (let i = 0; i < n; i++) {
    const g = graphOf[i];
    const fr = frames[g];
    // image range: |Δs_a| ≤ cutoff/h_a for a neighbour; with unwrapped positions add |s_i − s_j|
    const rows: { j: number; s: number[]; v: number[]; d: number }[] = [];
    for (const j of groups[g]) {
      const ranges = [0, 1, 2].map((a) => {
        if (!fr || !pbc[a]) return [0, 0];
        const sa = (k: number) =>
          positions[3 * k] * fr.inv[a] + positions[3 * k + 1] * fr.inv[3 + a] + positions[3 * k + 2] * fr.inv[6 + a];
        const ds = sa(i) - sa(j); // shift m must satisfy |ds + m| ≤ cutoff / h_a
        const r = cutoff / fr.heights[a];
        return [Math.floor(-ds - r) - 1, Math.ceil(-ds + r) + 1];
      });
      for (let sx = ranges[0][0]; sx <= ranges[0][1]; sx++) {
        for (let sy = ranges[1][0]; sy <= ranges[1][1]; sy++) {
          for (let sz = ranges[2][0]; sz <= ranges[2][1]; sz++) {
            if (i === j && sx === 0 && sy === 0 && sz === 0 && !opts.selfLoops) continue;
            const C = fr?.cell ?? new Float64Array(9);
            const v = [0, 1, 2].map(
              (a) => positions[3 * i + a] - positions[3 * j + a] + sx * C[a] + sy * C[3 + a] + sz * C[6 + a],
            );
            const d2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
            if (d2 < cutoff * cutoff) rows.push({ j, s: [sx, sy, sz], v, d: Math.sqrt(d2) });
          }
        }
      }
    }
    rows.sort((a, b) => a.j - b.j || a.s[0] - b.s[0] || a.s[1] - b.s[1] || a.s[2] - b.s[2]);
    for (const r of rows) out.push(r.j, i, r.s[0], r.s[1], r.s[2], r.v[0], r.v[1], r.v[2], r.d);
  }
  return finish(out, { total: 0, atoms: [] });
}
