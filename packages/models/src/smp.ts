/**
 * Structural Message Passing (SMP): C. Vignac, A. Loukas, P. Frossard,
 * "Building powerful and equivariant graph neural networks with structural
 * message-passing", NeurIPS 2020 (arXiv:2006.15107); authors' code
 * github.com/cvignac/SMP (`models/smp_cycles.py`, `models/smp_layers.py`,
 * `models/utils/layers.py`, `models/utils/misc.py`).
 *
 * Instead of a feature vector, every node i carries a local context matrix
 * U_i ∈ R^{n×c} with one row per node of its graph.
 *
 * 1. Initialisation (§3; the authors' `map_x_to_u`): a one-hot identifier plus
 *    the node's features on its own row,
 *        U_i^{(0)}[k] = δ_ik · [1, x_i]   ∈ R^{1+F},
 *    then a row-wise linear embedding to the hidden width (`initial_lin`).
 * 2. L SMP layers U_i ← u(U_i, Σ_{j∈N(i)} m(U_i, U_j, y_ij)) ({@link SMPLayer}).
 *    After l layers, row k of U_i sees the walks of length ≤ l from k to i
 *    (a sum of messages is a product with the adjacency matrix), which is what
 *    lets SMP count cycles and separate graphs that 1-WL message passing cannot.
 * 3. Readout, from the node's own row and the mean over the rows (the
 *    authors' `NodeExtractor` / `UtoGlobal`, without their max over rows):
 *    - equivariant node output: head([U_i[i], mean_k U_i[k]]);
 *    - invariant graph output: head([mean_i U_i[i], mean_{i,k} U_i[k]]) (the
 *      normalised trace and total sum of the order-2 tensor U).
 *
 * Permutation equivariance: relabelling the nodes by π maps U_i[k] to
 * U'_{π(i)}[π(k)]: U transforms as an order-2 tensor; node outputs are
 * permuted, graph outputs unchanged (Theorem 1 of the paper; tested).
 *
 * Complexity per layer: O(Σ_g n_g² c²) for the row-wise linear maps and
 * O(Σ_g E_g n_g c) for propagating the contexts along edges (plus
 * O(Σ_g E_g n_g c²) for the order-2 message term); memory O(Σ_g n_g² c).
 * The flattened layout is described in `smp-context.ts`.
 */
import { concat, deriveSeed, indexSelect, mul, ones, scatterSum, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { Linear, Module } from '@equigraph/layers';
import type { ContextIndex } from './smp-context.js';
import { SMPLayer } from './smp-layer.js';

export interface SMPOptions {
  /** Node feature width F (placed on the identifier row); default 0 (structure only). */
  inFeatures?: number;
  /** Edge attribute width; default 0. */
  edgeFeatures?: number;
  /** Context channels c; default 32. */
  hiddenFeatures?: number;
  /** Number of SMP layers; default 3. */
  numLayers?: number;
  outFeatures: number;
  /** `'graph'`: invariant `[numGraphs, out]`; `'node'`: equivariant `[numNodes, out]`. Default graph. */
  readout?: 'graph' | 'node';
  activation?: UnaryOp;
  aggregation?: 'sum' | 'mean' | 'averageDegree';
  residual?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

export interface SMPInputs {
  /** Node features `[N, inFeatures]`. */
  x?: Tensor;
  /** Edge attributes `[E, edgeFeatures]`. */
  edgeAttr?: Tensor;
}

export class SMP extends Module {
  readonly embedding: Linear;
  readonly layers: SMPLayer[];
  readonly head: [Linear, Linear];
  readonly inFeatures: number;
  readonly hiddenFeatures: number;
  readonly readout: 'graph' | 'node';
  readonly activation: UnaryOp;
  readonly dtype: FloatDType;

  constructor(options: SMPOptions) {
    super();
    const seed = options.seed ?? 0;
    const H = options.hiddenFeatures ?? 32;
    const L = options.numLayers ?? 3;
    this.inFeatures = options.inFeatures ?? 0;
    this.hiddenFeatures = H;
    this.readout = options.readout ?? 'graph';
    this.activation = options.activation ?? 'silu';
    this.dtype = options.dtype ?? 'float32';
    const common = { dtype: this.dtype, backend: options.backend };
    this.embedding = new Linear(1 + this.inFeatures, H, { ...common, seed: deriveSeed(seed, 'embedding') });
    this.layers = Array.from({ length: L }, (_, l) => new SMPLayer(H, H, {
      edgeFeatures: options.edgeFeatures,
      activation: this.activation,
      aggregation: options.aggregation,
      residual: options.residual,
      ...common,
      seed: deriveSeed(seed, 'layer', l),
    }));
    this.head = [
      new Linear(2 * H, H, { ...common, seed: deriveSeed(seed, 'head.0') }),
      new Linear(H, options.outFeatures, { ...common, seed: deriveSeed(seed, 'head.1') }),
    ];
  }

  /** U^{(0)}: `[R, 1 + F]` with [1, x_i] on row (i, i) and zeros elsewhere. */
  initialContexts(index: ContextIndex, x?: Tensor): Tensor {
    const N = index.numNodes;
    const id = ones([N, 1], { dtype: this.dtype, backend: index.backend });
    let self = id;
    if (this.inFeatures > 0) {
      if (!x || x.rank !== 2 || x.shape[0] !== N || x.shape[1] !== this.inFeatures) {
        throw new RangeError(`SMP: 'x' must be [${N}, ${this.inFeatures}], got ${x ? `[${x.shape.join(', ')}]` : 'none'}`);
      }
      self = concat([id, x], 1);
    }
    return scatterSum(self, index.selfRow, index.numRows);
  }

  /** The local context matrices after the last layer, `[R, hiddenFeatures]` (order-2 equivariant). */
  contexts(index: ContextIndex, inputs: SMPInputs = {}): Tensor {
    let u = this.embedding.forward(this.initialContexts(index, inputs.x));
    for (const layer of this.layers) u = layer.forward(u, index, { edgeAttr: inputs.edgeAttr });
    return u;
  }

  /** Graph outputs `[numGraphs, out]` (readout 'graph') or node outputs `[numNodes, out]` (readout 'node'). */
  forward(index: ContextIndex, inputs: SMPInputs = {}): Tensor {
    const u = this.contexts(index, inputs);
    const dtype = this.dtype;
    const self = indexSelect(u, index.selfRow);
    const rowSum = scatterSum(u, index.rowOwner, index.numNodes);
    let features: Tensor;
    if (this.readout === 'node') {
      features = concat([self, mul(rowSum, index.inverseNodeGraphSize(dtype))], 1);
    } else {
      const trace = mul(scatterSum(self, index.nodeGraphIndex, index.numGraphs), index.inverseGraphSize(dtype));
      const total = mul(scatterSum(rowSum, index.nodeGraphIndex, index.numGraphs), index.inverseGraphRows(dtype));
      features = concat([trace, total], 1);
    }
    return this.head[1].forward(runUnary(this.activation, this.head[0].forward(features)));
  }
}
