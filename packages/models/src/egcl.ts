/**
 * The E(n)-equivariant graph convolutional layer (EGCL) of
 *
 *   V. G. Satorras, E. Hoogeboom, M. Welling. "E(n) Equivariant Graph Neural
 *   Networks". ICML 2021, arXiv:2102.09844.
 *
 * following the authors' code (github.com/vgsatorras/egnn: `models/gcl.py`
 * `E_GCL` / `E_GCL_vel`, and `models/egnn_clean/egnn_clean.py` `E_GCL`).
 * For an edge j → i (target i, source j):
 *
 *   (3)  m_ij  = φ_e(h_i, h_j, ‖x_i − x_j‖², a_ij)
 *   (4)  x_i' = x_i + C Σ_j (x_i − x_j) φ_x(m_ij)          C = 1/|N(i)| ('mean', the authors' default) or 1 ('sum')
 *   (5)  m_i   = Σ_j m_ij   (optionally  e_ij m_ij,  e_ij = σ(φ_inf(m_ij)), §3 "inferring the edges")
 *   (6)  h_i' = h_i + φ_h(h_i, m_i)                           (residual, `recurrent=True` in the code)
 *
 * and the velocity variant (eq. 7), `E_GCL_vel`:
 *
 *   (7)  x_i' = x_i + C Σ_j (x_i − x_j) φ_x(m_ij) + φ_v(h_i) v_i     (v_i: the input velocity, fixed across layers)
 *
 * with φ_e = Linear(2F+1+F_e → H), act, Linear(H → H), act; φ_x = Linear(H → H), act,
 * Linear(H → 1, no bias, Xavier-uniform gain 0.001) [, tanh]; φ_h = Linear(H+F → H), act,
 * Linear(H → F_out); φ_v = Linear(F → H), act, Linear(H → 1); φ_inf = Linear(H → 1), sigmoid.
 * The order of the updates is the authors': x is updated from the layer's input h, then h.
 *
 * Implementation: the first layer of φ_e is split as
 *   [h_i, h_j, r_ij, a_ij, 1]·W = (h·W_i)[i] + (h·W_j)[j] + [r_ij, a_ij, 1]·W_e
 * so the 2F-wide part is one node-level matmul (N rows instead of E) followed by
 * two row gathers; the bias is the last row of W_e. The values are those of the
 * authors' `nn.Linear(2F + 1 + F_e, H)`; `edgeInputLinear()` reassembles it.
 */
import { add, concat, deriveSeed, indexSelect, matmul, maximum, minimum, mul, ones, Rng, scatterSum, sigmoid, sqrt, square, sub, sum, tanh, tensor, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { Linear, Module, Parameter } from '@equigraph/layers';
import type { GraphIndex } from './graph.js';
import { linearBound, uniform, xavierBound } from './init.js';

export interface EGCLOptions {
  /** Node feature width F of the input h. */
  inFeatures: number;
  /** Hidden width H of the MLPs (and of the messages m_ij). */
  hiddenFeatures: number;
  /** Width of the output h; default `inFeatures`. */
  outFeatures?: number;
  /** Width F_e of the edge attributes a_ij (`edges_in_d`); default 0. */
  edgeFeatures?: number;
  /** Activation of every MLP (`act_fn`); default 'silu' (`nn.SiLU()`). */
  activation?: UnaryOp;
  /** h' = h + φ_h(·) (`residual` / `recurrent`); default true. Needs outFeatures = inFeatures. */
  residual?: boolean;
  /** Soft edge weights e_ij = σ(φ_inf(m_ij)) multiplying m_ij (`attention`); default false. */
  attention?: boolean;
  /** Divide x_i − x_j by (‖x_i − x_j‖ + normEpsilon) in eq. 4 (`normalize` / `norm_diff`); default false. */
  normalize?: boolean;
  /** ε of `normalize`: 1e-8 in egnn_clean.py (default), 1 in gcl.py's `norm_diff`. */
  normEpsilon?: number;
  /** Treat the norm of `normalize` as a constant in backprop (egnn_clean.py detaches it; gcl.py does not). Default true. */
  detachNorm?: boolean;
  /** Aggregation of the coordinate messages (`coords_agg`): 'mean' (default, the N-body setting) or 'sum'. */
  coordsAgg?: 'mean' | 'sum';
  /** Append tanh to φ_x (`tanh`), bounding each coordinate message; default false. */
  tanh?: boolean;
  /** With `tanh`, φ_x = coordsRange · tanh(·); default 1 (egnn_clean.py: no range factor). */
  coordsRange?: number;
  /** Clamp every (x_i − x_j) φ_x(m_ij) to ±coordClamp (gcl.py clamps at 100); default off. */
  coordClamp?: number;
  /** Factor on the aggregated coordinate update (`coords_weight` of gcl.py); default 1. */
  coordsWeight?: number;
  /** Add φ_v(h_i) v_i (eq. 7, `E_GCL_vel`); default false. */
  velocity?: boolean;
  /** Update x at all (false gives an invariant GNN layer that returns x unchanged); default true. */
  updateCoords?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

export interface EGCLInputs {
  /** Edge attributes a_ij, `[E, edgeFeatures]`. */
  edgeAttr?: Tensor;
  /** Velocities v_i `[N, 3]` (velocity layers only). */
  vel?: Tensor;
  /**
   * Edge weights w_ij `[E, 1]` multiplying the messages m_ij (eq. 5) and the coordinate
   * messages (x_i − x_j) φ_x(m_ij) (eq. 4): a smooth cutoff envelope here makes the outputs
   * continuous when an edge enters or leaves a radius graph. Not in the paper.
   */
  messageWeight?: Tensor;
}

/** The first layer of φ_e, stored split for the node-level matmul (see the file comment). */
export class EdgeInputLinear extends Module {
  /** `[F, 2H]`: columns [0, H) act on h_i (target), [H, 2H) on h_j (source). */
  readonly nodeWeight: Parameter;
  /** `[2 + F_e, H]`: row 0 acts on ‖x_i − x_j‖², rows 1…F_e on a_ij, the last row is the bias. */
  readonly edgeWeight: Parameter;

  constructor(
    readonly nodeFeatures: number,
    readonly edgeFeatures: number,
    readonly outFeatures: number,
    options: { dtype: FloatDType; seed: number; backend?: string },
  ) {
    super();
    const F = nodeFeatures;
    const H = outFeatures;
    const fanIn = 2 * F + 1 + edgeFeatures;
    // Drawn in the authors' layout: weight [fanIn, H] (our Linear's [in, out]) then bias [H].
    const rng = new Rng(options.seed);
    const full = uniform(rng, [fanIn, H], linearBound(fanIn), 'float64').toArray();
    const bias = uniform(rng, [H], linearBound(fanIn), 'float64').toArray();
    const nodeW = new Float64Array(F * 2 * H);
    for (let r = 0; r < F; r++) {
      for (let c = 0; c < H; c++) {
        nodeW[r * 2 * H + c] = full[r * H + c];
        nodeW[r * 2 * H + H + c] = full[(F + r) * H + c];
      }
    }
    const edgeW = new Float64Array((2 + edgeFeatures) * H);
    edgeW.set(full.subarray(2 * F * H), 0);
    edgeW.set(bias, (1 + edgeFeatures) * H);
    this.nodeWeight = new Parameter(tensor(nodeW, [F, 2 * H], { dtype: options.dtype, backend: options.backend }));
    this.edgeWeight = new Parameter(tensor(edgeW, [2 + edgeFeatures, H], { dtype: options.dtype, backend: options.backend }));
  }

  /** The equivalent `nn.Linear(2F + 1 + F_e, H)`: weight `[2F + 1 + F_e, H]` ([in, out]) and bias `[H]`, as float64 arrays. */
  toLinear(): { weight: Float64Array; bias: Float64Array } {
    const F = this.nodeFeatures;
    const H = this.outFeatures;
    const Fe = this.edgeFeatures;
    const nodeW = this.nodeWeight.value.toArray();
    const edgeW = this.edgeWeight.value.toArray();
    const weight = new Float64Array((2 * F + 1 + Fe) * H);
    for (let r = 0; r < F; r++) {
      for (let c = 0; c < H; c++) {
        weight[r * H + c] = nodeW[r * 2 * H + c];
        weight[(F + r) * H + c] = nodeW[r * 2 * H + H + c];
      }
    }
    weight.set(edgeW.subarray(0, (1 + Fe) * H), 2 * F * H);
    return { weight, bias: Float64Array.from(edgeW.subarray((1 + Fe) * H)) };
  }

  /** Pre-activation of φ_e's first layer for every edge, `[E, H]`. `radialAttr1` is [r_ij, a_ij, 1] `[E, 2 + F_e]`. */
  forward(h: Tensor, radialAttr1: Tensor, graph: GraphIndex): Tensor {
    const q = matmul(h, this.nodeWeight.value).reshape([2 * graph.numNodes, this.outFeatures]);
    const nodePart = add(indexSelect(q, graph.targetPair), indexSelect(q, graph.sourcePair));
    return add(nodePart, matmul(radialAttr1, this.edgeWeight.value));
  }
}

/** One E(n)-equivariant graph convolutional layer (eqs. 3–6; eq. 7 with `velocity`). */
export class EGCL extends Module {
  readonly edgeIn: EdgeInputLinear;
  readonly edgeOut: Linear;
  readonly nodeMlp: [Linear, Linear];
  readonly coordMlp: [Linear, Linear] | undefined;
  readonly velMlp: [Linear, Linear] | undefined;
  readonly attMlp: Linear | undefined;

  readonly inFeatures: number;
  readonly hiddenFeatures: number;
  readonly outFeatures: number;
  readonly edgeFeatures: number;
  readonly activation: UnaryOp;
  readonly residual: boolean;
  readonly normalize: boolean;
  readonly normEpsilon: number;
  readonly detachNorm: boolean;
  readonly coordsAgg: 'mean' | 'sum';
  readonly tanh: boolean;
  readonly coordsRange: number;
  readonly coordClamp: number | undefined;
  readonly coordsWeight: number;
  readonly velocity: boolean;
  readonly dtype: FloatDType;
  private readonly onesCache = new WeakMap<GraphIndex, Tensor>();

  constructor(options: EGCLOptions) {
    super();
    const F = options.inFeatures;
    const H = options.hiddenFeatures;
    const Fout = options.outFeatures ?? F;
    const Fe = options.edgeFeatures ?? 0;
    for (const [name, v] of [['inFeatures', F], ['hiddenFeatures', H], ['outFeatures', Fout], ['edgeFeatures', Fe]] as const) {
      if (!Number.isInteger(v) || v < (name === 'edgeFeatures' ? 0 : 1)) throw new RangeError(`EGCL: '${name}' must be a ${name === 'edgeFeatures' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
    this.inFeatures = F;
    this.hiddenFeatures = H;
    this.outFeatures = Fout;
    this.edgeFeatures = Fe;
    this.activation = options.activation ?? 'silu';
    this.residual = options.residual ?? true;
    if (this.residual && Fout !== F) throw new RangeError(`EGCL: 'residual' needs outFeatures (${Fout}) = inFeatures (${F})`);
    this.normalize = options.normalize ?? false;
    this.normEpsilon = options.normEpsilon ?? 1e-8;
    this.detachNorm = options.detachNorm ?? true;
    this.coordsAgg = options.coordsAgg ?? 'mean';
    if (this.coordsAgg !== 'mean' && this.coordsAgg !== 'sum') throw new RangeError(`EGCL: 'coordsAgg' must be 'mean' or 'sum', got ${String(this.coordsAgg)}`);
    this.tanh = options.tanh ?? false;
    this.coordsRange = options.coordsRange ?? 1;
    this.coordClamp = options.coordClamp;
    this.coordsWeight = options.coordsWeight ?? 1;
    this.velocity = options.velocity ?? false;
    this.dtype = options.dtype ?? 'float32';
    const seed = options.seed ?? 0;
    const common = { dtype: this.dtype, backend: options.backend };
    const lin = (inF: number, outF: number, name: string, bias = true) => new Linear(inF, outF, { ...common, bias, seed: deriveSeed(seed, name) });

    this.edgeIn = new EdgeInputLinear(F, Fe, H, { ...common, seed: deriveSeed(seed, 'edge_mlp.0') });
    this.edgeOut = lin(H, H, 'edge_mlp.2');
    this.nodeMlp = [lin(H + F, H, 'node_mlp.0'), lin(H, Fout, 'node_mlp.2')];
    if (options.updateCoords ?? true) {
      const last = lin(H, 1, 'coord_mlp.2', false);
      // torch.nn.init.xavier_uniform_(layer.weight, gain=0.001)
      last.weight.value = uniform(new Rng(deriveSeed(seed, 'coord_mlp.2.xavier')), [H, 1], xavierBound(H, 1, 0.001), this.dtype, options.backend).withGrad();
      this.coordMlp = [lin(H, H, 'coord_mlp.0'), last];
    }
    if (this.velocity) {
      if (!this.coordMlp) throw new RangeError("EGCL: 'velocity' needs updateCoords");
      this.velMlp = [lin(F, H, 'coord_mlp_vel.0'), lin(H, 1, 'coord_mlp_vel.2')];
    }
    if (options.attention) this.attMlp = lin(H, 1, 'att_mlp.0');
  }

  private act(x: Tensor): Tensor {
    return runUnary(this.activation, x);
  }

  /** [1]·E cached per graph, the bias column of the first edge layer. */
  private onesFor(graph: GraphIndex): Tensor {
    let t = this.onesCache.get(graph);
    if (!t || t.dtype !== this.dtype) {
      t = ones([graph.numEdges, 1], { dtype: this.dtype, backend: graph.backend });
      this.onesCache.set(graph, t);
    }
    return t;
  }

  /**
   * h `[N, F]`, x `[N, 3]` (any dimension n works: `[N, n]`), the graph, and
   * edge attributes / velocities. Returns the updated h `[N, F_out]` and x.
   */
  forward(h: Tensor, x: Tensor, graph: GraphIndex, inputs: EGCLInputs = {}): { h: Tensor; x: Tensor } {
    this.check(h, x, graph, inputs);
    const N = graph.numNodes;
    const { target, source } = graph;

    // coord2radial: x_i − x_j and ‖x_i − x_j‖²
    let diff = sub(indexSelect(x, target), indexSelect(x, source));
    const radial = sum(square(diff), 1, true);
    if (this.normalize) {
      const norm = add(sqrt(this.detachNorm ? radial.detach() : radial), this.normEpsilon);
      diff = diff.div(norm);
    }

    // edge model, eq. 3 (+ attention)
    const columns = inputs.edgeAttr && this.edgeFeatures > 0 ? [radial, inputs.edgeAttr, this.onesFor(graph)] : [radial, this.onesFor(graph)];
    const pre = this.edgeIn.forward(h, concat(columns, 1), graph);
    let m = this.act(this.edgeOut.forward(this.act(pre)));
    if (this.attMlp) m = mul(m, sigmoid(this.attMlp.forward(m)));
    if (inputs.messageWeight) m = mul(m, inputs.messageWeight);

    // coordinate model, eq. 4 (+ eq. 7)
    let xNew = x;
    if (this.coordMlp) {
      let phi = this.coordMlp[1].forward(this.act(this.coordMlp[0].forward(m)));
      if (this.tanh) {
        phi = tanh(phi);
        if (this.coordsRange !== 1) phi = mul(phi, this.coordsRange);
      }
      if (inputs.messageWeight) phi = mul(phi, inputs.messageWeight);
      let trans = mul(diff, phi);
      if (this.coordClamp !== undefined) trans = minimum(maximum(trans, -this.coordClamp), this.coordClamp);
      let agg = scatterSum(trans, target, N);
      if (this.coordsAgg === 'mean') agg = mul(agg, graph.inverseDegree(this.dtype));
      if (this.coordsWeight !== 1) agg = mul(agg, this.coordsWeight);
      xNew = add(x, agg);
      if (this.velMlp) {
        const scale = this.velMlp[1].forward(this.act(this.velMlp[0].forward(h)));
        xNew = add(xNew, mul(scale, inputs.vel!));
      }
    }

    // node model, eqs. 5–6
    const aggM = scatterSum(m, target, N);
    const out = this.nodeMlp[1].forward(this.act(this.nodeMlp[0].forward(concat([h, aggM], 1))));
    return { h: this.residual ? add(h, out) : out, x: xNew };
  }

  private check(h: Tensor, x: Tensor, graph: GraphIndex, inputs: EGCLInputs): void {
    const N = graph.numNodes;
    const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
    if (h.rank !== 2 || h.shape[0] !== N || h.shape[1] !== this.inFeatures) {
      throw new RangeError(`EGCL.forward: 'h' has shape ${shape(h)}, expected [${N}, ${this.inFeatures}] (numNodes, inFeatures)`);
    }
    if (x.rank !== 2 || x.shape[0] !== N) throw new RangeError(`EGCL.forward: 'x' has shape ${shape(x)}, expected [${N}, 3]`);
    if (h.dtype !== this.dtype || x.dtype !== this.dtype) throw new TypeError(`EGCL.forward: 'h' is ${h.dtype} and 'x' is ${x.dtype}, expected the layer's ${this.dtype}`);
    const a = inputs.edgeAttr;
    if (this.edgeFeatures > 0) {
      if (!a || a.rank !== 2 || a.shape[0] !== graph.numEdges || a.shape[1] !== this.edgeFeatures) {
        throw new RangeError(`EGCL.forward: 'edgeAttr' has shape ${a ? shape(a) : 'undefined'}, expected [${graph.numEdges}, ${this.edgeFeatures}] (numEdges, edgeFeatures)`);
      }
    } else if (a && a.shape[1] !== 0) {
      throw new RangeError(`EGCL.forward: got 'edgeAttr' ${shape(a)} but the layer was built with edgeFeatures 0`);
    }
    const w = inputs.messageWeight;
    if (w && (w.rank !== 2 || w.shape[0] !== graph.numEdges || w.shape[1] !== 1)) {
      throw new RangeError(`EGCL.forward: 'messageWeight' has shape ${shape(w)}, expected [${graph.numEdges}, 1] (numEdges, 1)`);
    }
    if (this.velocity) {
      const v = inputs.vel;
      if (!v || v.rank !== 2 || v.shape[0] !== N || v.shape[1] !== x.shape[1]) {
        throw new RangeError(`EGCL.forward: 'vel' has shape ${v ? shape(v) : 'undefined'}, expected [${N}, ${x.shape[1]}] like 'x'`);
      }
    }
  }
}
