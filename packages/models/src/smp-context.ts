/**
 * The flattened layout of Structural Message Passing's local context matrices
 * for a batch of graphs (see `smp.ts`).
 *
 * Every node i of graph g holds U_i ∈ R^{n_g × c}, one row per node k of its own
 * graph. All context rows of the batch are stacked into one `[R, c]` tensor,
 * R = Σ_g n_g², graph after graph, and within graph g node after node:
 *
 *     row(i, k) = rowOffset_g + a(i)·n_g + a(k),
 *
 * where a(·) is the local index of a node in its graph (its rank among the
 * graph's nodes in node order). There is no padding: rows exist only for pairs
 * of nodes of the same graph, so a batch of graphs of different sizes costs
 * exactly the sum of their costs, and a graph's result does not depend on the
 * other graphs in the batch (unlike a `[N, max n_g, c]` padded layout, which
 * needs masks). For a single graph the layout is U as an `[n, n, c]` tensor
 * U[i, k] (an order-2 tensor over the nodes).
 *
 * Everything SMP needs is then a gather or a scatter over precomputed int32
 * indices, built once per batch:
 *
 * - `selfRow[i]` = row(i, i): the diagonal, where the one-hot identifier lives;
 * - `rowOwner[r]` = i for r = row(i, k): pooling over the rows of each U_i;
 * - `ctxSource`, `ctxTarget`, `ctxEdge`: for every edge e = (j → i) and every
 *   node k of the graph, row(j, k) → row(i, k): propagating the whole context
 *   matrix U_j along the edge (Σ_e n_{g(e)} entries).
 */
import { findBackend, getBackend, tensor, type Backend, type FloatDType, type Tensor } from '@equigraph/core';

export interface ContextIndexOptions {
  backend?: string | Backend;
}

export class ContextIndex {
  readonly numNodes: number;
  readonly numGraphs: number;
  readonly numEdges: number;
  /** R = Σ_g n_g². */
  readonly numRows: number;
  /** Σ_e n_{g(e)}: context rows moved along edges per propagation. */
  readonly numContextEdges: number;
  readonly graphSizes: Int32Array;
  /** Directed edge count per graph. */
  readonly graphEdges: Int32Array;
  readonly nodeGraph: Int32Array;
  readonly localIndex: Int32Array;
  readonly inDegree: Int32Array;
  readonly backend: Backend;
  /** Graph of every node, int32 `[N]`. */
  readonly nodeGraphIndex: Tensor;
  /** row(i, i), int32 `[N]`. */
  readonly selfRow: Tensor;
  /** i for every row(i, k), int32 `[R]`. */
  readonly rowOwner: Tensor;
  /** row(j, k) for every (edge j → i, node k), int32 `[Σ_e n]`. */
  readonly ctxSource: Tensor;
  /** row(i, k) for every (edge j → i, node k), int32 `[Σ_e n]`. */
  readonly ctxTarget: Tensor;
  /** The edge of every context edge, int32 `[Σ_e n]`. */
  readonly ctxEdge: Tensor;
  private readonly rowGraph: Int32Array;
  private readonly cache = new Map<string, Tensor>();

  /**
   * @param nodeGraph graph id of every node (any order; ids in [0, numGraphs))
   * @param target target i of every edge j → i (messages flow source → target, as `GraphIndex`)
   * @param source source j of every edge
   */
  constructor(nodeGraph: Int32Array | readonly number[], numGraphs: number, target: Int32Array | readonly number[], source: Int32Array | readonly number[], options: ContextIndexOptions = {}) {
    if (!Number.isInteger(numGraphs) || numGraphs < 0) throw new RangeError(`ContextIndex: 'numGraphs' must be a non-negative integer, got ${numGraphs}`);
    if (target.length !== source.length) throw new RangeError(`ContextIndex: 'target' has ${target.length} entries but 'source' has ${source.length}`);
    const N = nodeGraph.length;
    const E = target.length;
    this.numNodes = N;
    this.numGraphs = numGraphs;
    this.numEdges = E;
    this.nodeGraph = Int32Array.from(nodeGraph);
    this.graphSizes = new Int32Array(numGraphs);
    this.localIndex = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      const g = this.nodeGraph[i];
      if (!Number.isInteger(g) || g < 0 || g >= numGraphs) throw new RangeError(`ContextIndex: 'nodeGraph'[${i}] = ${g} is outside [0, ${numGraphs})`);
      this.localIndex[i] = this.graphSizes[g]++;
    }
    // Members of each graph by local index, and row offsets.
    const members: number[][] = Array.from({ length: numGraphs }, () => []);
    for (let i = 0; i < N; i++) members[this.nodeGraph[i]].push(i);
    const rowOffset = new Int32Array(numGraphs);
    let R = 0;
    for (let g = 0; g < numGraphs; g++) {
      rowOffset[g] = R;
      R += this.graphSizes[g] ** 2;
    }
    this.numRows = R;
    const row = (i: number, k: number) => {
      const g = this.nodeGraph[i];
      return rowOffset[g] + this.localIndex[i] * this.graphSizes[g] + this.localIndex[k];
    };
    const selfRow = new Int32Array(N);
    const rowOwner = new Int32Array(R);
    this.rowGraph = new Int32Array(R);
    for (let i = 0; i < N; i++) {
      selfRow[i] = row(i, i);
      for (const k of members[this.nodeGraph[i]]) {
        rowOwner[row(i, k)] = i;
        this.rowGraph[row(i, k)] = this.nodeGraph[i];
      }
    }
    this.inDegree = new Int32Array(N);
    this.graphEdges = new Int32Array(numGraphs);
    let ctxCount = 0;
    for (let e = 0; e < E; e++) {
      const i = target[e];
      const j = source[e];
      for (const [name, v] of [['target', i], ['source', j]] as const) {
        if (!Number.isInteger(v) || v < 0 || v >= N) throw new RangeError(`ContextIndex: '${name}'[${e}] = ${v} is outside [0, ${N})`);
      }
      if (this.nodeGraph[i] !== this.nodeGraph[j]) {
        throw new RangeError(`ContextIndex: edge ${e} (${j} → ${i}) joins graphs ${this.nodeGraph[j]} and ${this.nodeGraph[i]}; edges must stay within one graph`);
      }
      this.inDegree[i]++;
      this.graphEdges[this.nodeGraph[i]]++;
      ctxCount += this.graphSizes[this.nodeGraph[i]];
    }
    this.numContextEdges = ctxCount;
    const ctxSource = new Int32Array(ctxCount);
    const ctxTarget = new Int32Array(ctxCount);
    const ctxEdge = new Int32Array(ctxCount);
    let p = 0;
    for (let e = 0; e < E; e++) {
      const i = target[e];
      const j = source[e];
      for (const k of members[this.nodeGraph[i]]) {
        ctxSource[p] = row(j, k);
        ctxTarget[p] = row(i, k);
        ctxEdge[p] = e;
        p++;
      }
    }
    this.backend = options.backend === undefined ? getBackend() : typeof options.backend === 'string' ? findBackend(options.backend) : options.backend;
    const make = (values: Int32Array) => tensor(values, [values.length], { dtype: 'int32', backend: this.backend });
    this.nodeGraphIndex = make(this.nodeGraph);
    this.selfRow = make(selfRow);
    this.rowOwner = make(rowOwner);
    this.ctxSource = make(ctxSource);
    this.ctxTarget = make(ctxTarget);
    this.ctxEdge = make(ctxEdge);
  }

  /** From a PyG-style `[2, E]` edge index (row 0 sources, row 1 targets) and node → graph ids. */
  static fromEdgeIndex(edgeIndex: Int32Array | ArrayLike<number>, nodeGraph: Int32Array | readonly number[], numGraphs: number, options: ContextIndexOptions = {}): ContextIndex {
    if (edgeIndex.length % 2 !== 0) throw new RangeError(`ContextIndex.fromEdgeIndex: 'edgeIndex' has odd length ${edgeIndex.length}; expected [2, E] flat`);
    const flat = Int32Array.from(edgeIndex as ArrayLike<number>);
    const E = flat.length / 2;
    return new ContextIndex(nodeGraph, numGraphs, flat.slice(E), flat.slice(0, E), options);
  }

  /**
   * The disjoint union of graphs given as node counts and directed edge lists
   * `[source, target]` in local numbering; graph g's nodes are numbered after
   * those of graphs 0 … g − 1.
   */
  static fromGraphs(graphs: ReadonlyArray<{ numNodes: number; edges: ReadonlyArray<readonly [number, number]> }>, options: ContextIndexOptions = {}): ContextIndex {
    const nodeGraph: number[] = [];
    const target: number[] = [];
    const source: number[] = [];
    graphs.forEach((graph, g) => {
      const offset = nodeGraph.length;
      for (const [s, t] of graph.edges) {
        if (s < 0 || s >= graph.numNodes || t < 0 || t >= graph.numNodes) throw new RangeError(`ContextIndex.fromGraphs: graph ${g} has edge (${s}, ${t}) outside [0, ${graph.numNodes})`);
        source.push(offset + s);
        target.push(offset + t);
      }
      for (let i = 0; i < graph.numNodes; i++) nodeGraph.push(g);
    });
    return new ContextIndex(nodeGraph, graphs.length, target, source, options);
  }

  /** A cached constant `[rows, 1]` tensor. */
  private constant(key: string, dtype: FloatDType, build: () => Float64Array): Tensor {
    const name = `${key}:${dtype}`;
    let t = this.cache.get(name);
    if (!t) {
      const values = build();
      t = tensor(values, [values.length, 1], { dtype, backend: this.backend });
      this.cache.set(name, t);
    }
    return t;
  }

  /** 1/n_{g(i)} per node `[N, 1]`: turns a sum over the rows of U_i into a mean. */
  inverseNodeGraphSize(dtype: FloatDType): Tensor {
    return this.constant('invSizeNode', dtype, () => Float64Array.from(this.nodeGraph, (g) => 1 / this.graphSizes[g]));
  }

  /** 1/n_g per graph `[G, 1]` (empty graphs: 1). */
  inverseGraphSize(dtype: FloatDType): Tensor {
    return this.constant('invSizeGraph', dtype, () => Float64Array.from(this.graphSizes, (n) => 1 / Math.max(n, 1)));
  }

  /** 1/n_g² per graph `[G, 1]`: the mean over all context rows of a graph. */
  inverseGraphRows(dtype: FloatDType): Tensor {
    return this.constant('invRowsGraph', dtype, () => Float64Array.from(this.graphSizes, (n) => 1 / Math.max(n * n, 1)));
  }

  /**
   * The per-row normaliser of aggregated messages `[R, 1]`:
   * `'sum'` 1; `'mean'` 1/max(deg_i, 1) for the rows of U_i;
   * `'averageDegree'` n_g/E_g, one over the graph's average in-degree: the authors'
   * `average_edges` (one constant per graph; 1 for a graph without edges).
   */
  aggregationScale(kind: 'mean' | 'averageDegree', dtype: FloatDType): Tensor {
    if (kind === 'mean') {
      const owner = this.rowOwner.dataSync();
      return this.constant('mean', dtype, () => Float64Array.from(owner, (i) => 1 / Math.max(this.inDegree[i], 1)));
    }
    return this.constant('avgDeg', dtype, () => Float64Array.from(this.rowGraph, (g) => (this.graphEdges[g] > 0 ? this.graphSizes[g] / this.graphEdges[g] : 1)));
  }
}
