import { findBackend, getBackend, tensor, type Backend, type FloatDType, type Tensor } from '@equigraph/core';

/**
 * The edge structure a message-passing layer needs, built once per graph (or
 * per batch of graphs with the same structure) and reused across layers and
 * steps: the int32 index tensors are range-checked once by core (the check is
 * cached per tensor), and the inverse degrees for mean aggregation are made
 * once per dtype.
 *
 * Convention (PyG `flow='source_to_target'`, as `@equigraph/data`): an edge
 * j → i carries a message from its source j to its target i, and messages are
 * aggregated at the target. In the EGNN authors' code the target is `row` and
 * the source is `col` (`edges = [rows, cols]`, `unsorted_segment_sum(m, row)`).
 */
export class GraphIndex {
  /** Target i of every edge (the authors' `row`), int32 `[E]`. */
  readonly target: Tensor;
  /** Source j of every edge (the authors' `col`), int32 `[E]`. */
  readonly source: Tensor;
  /**
   * `2·target` and `2·source + 1`: rows of a node table laid out `[2N, F]`
   * (node n's "as target" row at 2n, its "as source" row at 2n + 1), which
   * lets one node-level matmul serve both halves of the first edge layer.
   */
  readonly targetPair: Tensor;
  readonly sourcePair: Tensor;
  readonly numEdges: number;
  readonly backend: Backend;
  /** In-degree of every node (number of edges whose target it is). */
  readonly inDegree: Int32Array;
  private readonly invDegree = new Map<FloatDType, Tensor>();

  constructor(
    readonly numNodes: number,
    target: Int32Array,
    source: Int32Array,
    options: { backend?: string | Backend } = {},
  ) {
    if (!Number.isInteger(numNodes) || numNodes < 0) throw new RangeError(`GraphIndex: 'numNodes' must be a non-negative integer, got ${numNodes}`);
    if (target.length !== source.length) {
      throw new RangeError(`GraphIndex: 'target' has ${target.length} entries but 'source' has ${source.length}`);
    }
    const E = target.length;
    this.inDegree = new Int32Array(numNodes);
    for (let e = 0; e < E; e++) {
      for (const [name, idx] of [['target', target], ['source', source]] as const) {
        const v = idx[e];
        if (!Number.isInteger(v) || v < 0 || v >= numNodes) throw new RangeError(`GraphIndex: '${name}'[${e}] = ${v} is outside [0, ${numNodes})`);
      }
      this.inDegree[target[e]]++;
    }
    this.backend = options.backend === undefined ? getBackend() : typeof options.backend === 'string' ? findBackend(options.backend) : options.backend;
    const make = (values: Int32Array) => tensor(values, [E], { dtype: 'int32', backend: this.backend });
    this.numEdges = E;
    this.target = make(target);
    this.source = make(source);
    this.targetPair = make(target.map((i) => 2 * i));
    this.sourcePair = make(source.map((j) => 2 * j + 1));
  }

  /** From a PyG-style `[2, E]` edge index (row 0 sources j, row 1 targets i), as `@equigraph/data` builds it. */
  static fromEdgeIndex(edgeIndex: Int32Array | ArrayLike<number>, numNodes: number, options: { backend?: string | Backend } = {}): GraphIndex {
    if (edgeIndex.length % 2 !== 0) throw new RangeError(`GraphIndex.fromEdgeIndex: 'edgeIndex' has odd length ${edgeIndex.length}; expected [2, E] flat`);
    const E = edgeIndex.length / 2;
    const flat = Int32Array.from(edgeIndex as ArrayLike<number>);
    return new GraphIndex(numNodes, flat.slice(E), flat.slice(0, E), options);
  }

  /**
   * The authors' batched complete graph (`get_edges_batch` in egnn_clean.py,
   * `NBodyDataset.get_edges`): `numGraphs` graphs of `nodesPerGraph` nodes,
   * nodes of graph b numbered b·n … b·n + n − 1, and for every graph the edges
   * (i, j) for i, then j ≠ i, in increasing order (target i = `row`, source j = `col`).
   */
  static fullyConnected(numGraphs: number, nodesPerGraph: number, options: { backend?: string | Backend } = {}): GraphIndex {
    const n = nodesPerGraph;
    const perGraph = n * (n - 1);
    const target = new Int32Array(numGraphs * perGraph);
    const source = new Int32Array(numGraphs * perGraph);
    let e = 0;
    for (let b = 0; b < numGraphs; b++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          target[e] = b * n + i;
          source[e] = b * n + j;
          e++;
        }
      }
    }
    return new GraphIndex(numGraphs * n, target, source, options);
  }

  /** 1 / max(in-degree, 1) as `[N, 1]`: `scatterSum(·) · invDegree` is the authors' `unsorted_segment_mean`. */
  inverseDegree(dtype: FloatDType): Tensor {
    let t = this.invDegree.get(dtype);
    if (!t) {
      const values = Float64Array.from(this.inDegree, (d) => 1 / Math.max(d, 1));
      t = tensor(values, [this.numNodes, 1], { dtype, backend: this.backend });
      this.invDegree.set(dtype, t);
    }
    return t;
  }
}
