/**
 * EGNN models of Satorras, Hoogeboom & Welling, "E(n) Equivariant Graph Neural
 * Networks" (ICML 2021, arXiv:2102.09844), following the authors' code
 * (github.com/vgsatorras/egnn):
 *
 * - {@link EGNN}: `models/egnn_clean/egnn_clean.py` `EGNN` — embedding_in,
 *   L × E_GCL (eqs. 3–6), embedding_out; returns (h, x). Optional invariant
 *   graph-level head as in the QM9 model (`qm9/models.py`: node_dec, sum
 *   pooling, graph_dec).
 * - {@link EGNNVel}: `n_body_system/model.py` `EGNN_vel` — embedding, L ×
 *   E_GCL_vel (eq. 7: x_i += φ_v(h_i) v_i), returns x; the model of the
 *   charged N-body experiment (§5.1, Table 2).
 */
import { concat, deriveSeed, gradients, indexSelect, isGradEnabled, mul, reshape, scatterSum, sqrt, square, sub, sum, tensor, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { BesselBasis, cosineCutoff, GaussianBasis, Linear, Module } from '@equigraph/layers';
import { EGCL, type EGCLOptions } from './egcl.js';
import type { GraphIndex } from './graph.js';

type LayerFlags = Pick<EGCLOptions, 'activation' | 'residual' | 'attention' | 'normalize' | 'normEpsilon' | 'detachNorm' | 'coordsAgg' | 'tanh' | 'coordsRange' | 'coordClamp'>;

export interface EGNNOptions extends LayerFlags {
  /** Input node features (`in_node_nf`). */
  inFeatures: number;
  /** Hidden width (`hidden_nf`); default 64. */
  hiddenFeatures?: number;
  /** Output node features (`out_node_nf`); default `hiddenFeatures`. */
  outFeatures?: number;
  /** Edge attribute width (`in_edge_nf`); default 0. */
  edgeFeatures?: number;
  /** Number of E_GCL layers (`n_layers`); default 4. */
  numLayers?: number;
  /** Invariant graph-level head: node_dec → pooling over each graph's nodes → graph_dec (QM9 model). */
  graphHead?: { outFeatures: number; pooling?: 'sum' | 'mean' };
  /**
   * Smooth radial embedding of the input distances (not in the paper; the usual remedy for
   * force fields): see {@link EGNNRadialOptions}. Default: none (the authors' EGNN).
   */
  radial?: EGNNRadialOptions;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/**
 * Radial embedding of EGNN's edges: e_k(d_ij) of the input distances d_ij = ‖x_i − x_j‖,
 * appended to the edge attributes a_ij of every layer (so φ_e sees a smooth, localised basis of
 * the distance instead of ‖x_i − x_j‖² alone), and, with `weightMessages`, the cosine cutoff
 * f_c(d_ij) multiplying the messages and coordinate messages of every layer (outputs continuous
 * when an edge crosses the cutoff of a radius graph).
 */
export interface EGNNRadialOptions {
  /** 'gaussian': SchNet's Gaussians on [0, c] times the cosine cutoff; 'bessel': DimeNet's sin(nπd/c)/d times the cosine cutoff. Default 'gaussian'. */
  basis?: 'gaussian' | 'bessel';
  /** Number of functions; default 32. */
  numBasis?: number;
  /** Cutoff c in the units of x (the radius graph's). */
  cutoff: number;
  /** Multiply the messages by f_c(d_ij); default true. */
  weightMessages?: boolean;
}

/** Node → graph assignment for graph-level readout. */
export interface GraphAssignment {
  /** Graph id of every node, int32 `[N]` (or an Int32Array). */
  nodeGraph: Tensor | Int32Array;
  numGraphs: number;
}

/** The general EGNN (egnn_clean.py): h ← embedding_in(h); L × EGCL; h ← embedding_out(h). */
export class EGNN extends Module {
  readonly embeddingIn: Linear;
  readonly layers: EGCL[];
  readonly embeddingOut: Linear;
  readonly nodeDec: [Linear, Linear] | undefined;
  readonly graphDec: [Linear, Linear] | undefined;
  readonly pooling: 'sum' | 'mean';
  readonly activation: UnaryOp;
  readonly dtype: FloatDType;
  /** The radial embedding (`radial` option), or undefined. */
  readonly radial: { basis: GaussianBasis | BesselBasis; numBasis: number; cutoff: number; weightMessages: boolean } | undefined;
  /** Width of the user's edge attributes (`edgeFeatures`; the layers' is this plus the radial basis). */
  readonly edgeFeatures: number;

  constructor(options: EGNNOptions) {
    super();
    const H = options.hiddenFeatures ?? 64;
    const L = options.numLayers ?? 4;
    const seed = options.seed ?? 0;
    this.dtype = options.dtype ?? 'float32';
    this.activation = options.activation ?? 'silu';
    const common = { dtype: this.dtype, backend: options.backend };
    const lin = (i: number, o: number, name: string) => new Linear(i, o, { ...common, seed: deriveSeed(seed, name) });
    this.edgeFeatures = options.edgeFeatures ?? 0;
    if (options.radial) {
      const r = options.radial;
      const K = r.numBasis ?? 32;
      const kind = r.basis ?? 'gaussian';
      if (kind !== 'gaussian' && kind !== 'bessel') throw new RangeError(`EGNN: 'radial.basis' must be 'gaussian' or 'bessel', got ${String(kind)}`);
      const basis = kind === 'gaussian' ? new GaussianBasis(K, r.cutoff, { cutoffEnvelope: true }) : new BesselBasis(K, r.cutoff, { cutoffEnvelope: true });
      this.radial = { basis, numBasis: K, cutoff: r.cutoff, weightMessages: r.weightMessages ?? true };
    }
    this.embeddingIn = lin(options.inFeatures, H, 'embedding_in');
    this.layers = Array.from({ length: L }, (_, l) => new EGCL({
      ...pickFlags(options),
      inFeatures: H,
      hiddenFeatures: H,
      outFeatures: H,
      edgeFeatures: this.edgeFeatures + (this.radial?.numBasis ?? 0),
      ...common,
      seed: deriveSeed(seed, 'gcl', l),
    }));
    this.embeddingOut = lin(H, options.outFeatures ?? H, 'embedding_out');
    this.pooling = options.graphHead?.pooling ?? 'sum';
    if (options.graphHead) {
      this.nodeDec = [lin(H, H, 'node_dec.0'), lin(H, H, 'node_dec.2')];
      this.graphDec = [lin(H, H, 'graph_dec.0'), lin(H, options.graphHead.outFeatures, 'graph_dec.2')];
    }
  }

  /** Hidden node features after the last layer (before embedding_out) and the updated coordinates. */
  encode(h: Tensor, x: Tensor, graph: GraphIndex, edgeAttr?: Tensor): { h: Tensor; x: Tensor } {
    const inputs = this.edgeInputs(x, graph, edgeAttr);
    let state = { h: this.embeddingIn.forward(h), x };
    for (const layer of this.layers) state = layer.forward(state.h, state.x, graph, inputs);
    return state;
  }

  /**
   * The layers' edge inputs: the user's a_ij, with the radial option [a_ij, e(d_ij)] and the
   * message weights f_c(d_ij) of the input distances.
   */
  edgeInputs(x: Tensor, graph: GraphIndex, edgeAttr?: Tensor): { edgeAttr?: Tensor; messageWeight?: Tensor } {
    if (!this.radial) return { edgeAttr };
    if (this.edgeFeatures > 0 && (!edgeAttr || edgeAttr.rank !== 2 || edgeAttr.shape[0] !== graph.numEdges || edgeAttr.shape[1] !== this.edgeFeatures)) {
      throw new RangeError(`EGNN: 'edgeAttr' has shape ${edgeAttr ? `[${edgeAttr.shape.join(', ')}]` : 'undefined'}, expected [${graph.numEdges}, ${this.edgeFeatures}] (numEdges, edgeFeatures)`);
    }
    if (this.edgeFeatures === 0 && edgeAttr && edgeAttr.size > 0) throw new RangeError(`EGNN: got 'edgeAttr' [${edgeAttr.shape.join(', ')}] but the model was built with edgeFeatures 0`);
    const d = sqrt(sum(square(sub(indexSelect(x, graph.target), indexSelect(x, graph.source))), 1, true));
    const e = this.radial.basis.forward(d);
    return {
      edgeAttr: this.edgeFeatures > 0 ? concat([edgeAttr!, e], 1) : e,
      messageWeight: this.radial.weightMessages ? cosineCutoff(d, this.radial.cutoff) : undefined,
    };
  }

  /** h `[N, inFeatures]`, x `[N, 3]` → h `[N, outFeatures]` (E(n)-invariant), x `[N, 3]` (E(n)-equivariant). */
  forward(h: Tensor, x: Tensor, graph: GraphIndex, edgeAttr?: Tensor): { h: Tensor; x: Tensor } {
    const state = this.encode(h, x, graph, edgeAttr);
    return { h: this.embeddingOut.forward(state.h), x: state.x };
  }

  /**
   * Graph-level invariant prediction `[numGraphs, graphHead.outFeatures]`:
   * graph_dec(pool_i node_dec(h_i)) with the hidden h of the last layer.
   */
  predictGraph(h: Tensor, x: Tensor, graph: GraphIndex, assignment: GraphAssignment, edgeAttr?: Tensor): Tensor {
    if (!this.nodeDec || !this.graphDec) throw new Error("EGNN.predictGraph: the model was built without 'graphHead'");
    const act = (t: Tensor) => runUnary(this.activation, t);
    const hidden = this.encode(h, x, graph, edgeAttr).h;
    const nodeOut = this.nodeDec[1].forward(act(this.nodeDec[0].forward(hidden)));
    const index = assignment.nodeGraph;
    let pooled = scatterSum(nodeOut, index, assignment.numGraphs);
    if (this.pooling === 'mean') {
      const ids = index instanceof Int32Array ? index : (index.toArray() as Int32Array);
      const counts = new Float64Array(assignment.numGraphs);
      for (const g of ids) counts[g]++;
      pooled = mul(pooled, tensor(counts.map((c) => 1 / Math.max(c, 1)), [assignment.numGraphs, 1], { dtype: this.dtype, backend: pooled.backend }));
    }
    return this.graphDec[1].forward(act(this.graphDec[0].forward(pooled)));
  }

  /**
   * An energy model from the invariant graph head (`graphHead.outFeatures` = 1):
   * E per graph `[numGraphs]` and forces F = −∂E/∂x `[N, 3]` by autograd.
   * `createGraph` keeps the forces differentiable for force losses.
   */
  energyAndForces(h: Tensor, x: Tensor, graph: GraphIndex, assignment: GraphAssignment, edgeAttr?: Tensor, options: { createGraph?: boolean } = {}): { energy: Tensor; forces: Tensor } {
    if (this.graphDec?.[1].outFeatures !== 1) throw new Error("EGNN.energyAndForces: needs a graphHead with outFeatures 1 (the energy)");
    if (!isGradEnabled()) throw new Error('EGNN.energyAndForces: forces come from autograd; call it outside noGrad');
    const positions = x.requiresGrad ? x : x.withGrad();
    const energy = reshape(this.predictGraph(h, positions, graph, assignment, edgeAttr), [assignment.numGraphs]);
    const [g] = gradients(sum(energy), [positions], { createGraph: options.createGraph ?? false });
    return { energy, forces: g!.neg() };
  }
}

export interface EGNNVelOptions extends Omit<LayerFlags, 'coordsAgg' | 'attention'> {
  /** Input node features (`in_node_nf`; 1 for N-body: ‖v_i‖). */
  inFeatures?: number;
  /** Edge attribute width (`in_edge_nf`; 2 for N-body: q_i q_j and the input ‖x_i − x_j‖²). */
  edgeFeatures?: number;
  /** `hidden_nf`; default 64. */
  hiddenFeatures?: number;
  /** `n_layers`; default 4. */
  numLayers?: number;
  /** `coords_weight`; default 1. */
  coordsWeight?: number;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/**
 * EGNN_vel of the N-body experiment: h ← embedding(‖v‖); L × E_GCL_vel; returns x.
 * Defaults follow `main_nbody.py`: `EGNN_vel(in_node_nf=1, in_edge_nf=2, hidden_nf=64,
 * n_layers=4, recurrent=True)` with gcl.py's layer (mean aggregation, messages
 * clamped to ±100, `norm_diff` dividing by ‖x_i − x_j‖ + 1 when enabled).
 */
export class EGNNVel extends Module {
  readonly embedding: Linear;
  readonly layers: EGCL[];
  readonly dtype: FloatDType;

  constructor(options: EGNNVelOptions = {}) {
    super();
    const H = options.hiddenFeatures ?? 64;
    const L = options.numLayers ?? 4;
    const seed = options.seed ?? 0;
    this.dtype = options.dtype ?? 'float32';
    const common = { dtype: this.dtype, backend: options.backend };
    this.embedding = new Linear(options.inFeatures ?? 1, H, { ...common, seed: deriveSeed(seed, 'embedding') });
    this.layers = Array.from({ length: L }, (_, l) => new EGCL({
      activation: options.activation,
      residual: options.residual ?? true,
      normalize: options.normalize,
      normEpsilon: options.normEpsilon ?? 1,
      detachNorm: options.detachNorm ?? false,
      tanh: options.tanh,
      coordsRange: options.coordsRange,
      coordClamp: 'coordClamp' in options ? options.coordClamp : 100,
      coordsWeight: options.coordsWeight,
      coordsAgg: 'mean',
      velocity: true,
      inFeatures: H,
      hiddenFeatures: H,
      outFeatures: H,
      edgeFeatures: options.edgeFeatures ?? 2,
      ...common,
      seed: deriveSeed(seed, 'gcl', l),
    }));
  }

  /** h `[N, inFeatures]`, x `[N, 3]`, vel `[N, 3]`, edgeAttr `[E, edgeFeatures]` → predicted x `[N, 3]`. */
  forward(h: Tensor, x: Tensor, graph: GraphIndex, vel: Tensor, edgeAttr?: Tensor): Tensor {
    let state = { h: this.embedding.forward(h), x };
    for (const layer of this.layers) state = layer.forward(state.h, state.x, graph, { vel, edgeAttr });
    return state.x;
  }
}

function pickFlags(o: LayerFlags): LayerFlags {
  return {
    activation: o.activation,
    residual: o.residual,
    attention: o.attention,
    normalize: o.normalize,
    normEpsilon: o.normEpsilon,
    detachNorm: o.detachNorm,
    coordsAgg: o.coordsAgg,
    tanh: o.tanh,
    coordsRange: o.coordsRange,
    coordClamp: o.coordClamp,
  };
}
