/**
 * LEFTNet of
 *
 *   Y. Du, L. Wang, D. Feng, G. Wang, S. Ji, C. P. Gomes, Z.-M. Ma.
 *   "A new perspective on building efficient and expressive 3D equivariant
 *   graph neural networks". NeurIPS 2023, arXiv:2304.04757.
 *
 * following the authors' code (github.com/yuanqidu/LeftNet, `model.py`:
 * `rbf_emb`, `NeighborEmb`, `S_vector`, `EquiMessagePassing`, `FTE`,
 * `GatedEquivariantBlock`, `LEFTNet`). Edge j → i: target i, source j (the
 * authors' PyG `edge_index` is (j, i), so their `i, j = edge_index` names the
 * source `i` and the target `j`; the formulas below use our names).
 *
 * Per structure, positions are first centred on the structure's centroid (the
 * authors' `posc`); the cross products of the frames depend on the origin, so
 * without centring the model would not be translation invariant.
 *
 *   radial     e_ij = RBF(d_ij) (ExpNormal · cosine cutoff f_c, `rbf_emb`),
 *              r_ij = f_c(d_ij) · MLP(e_ij)                          (`radial_lin`, H wide)
 *   embedding  s_i = Emb(z_i) + Σ_j r_ij ⊙ Emb′(z_j)                   (`NeighborEmb`)
 *   frames     F_ij = (e1, e2, e3): e1 = (x_j − x_i)/‖·‖, e2 = x_j × x_i/‖·‖, e3 = e1 × e2   (eq. 3)
 *   LSE        S_i = Σ_j r_ij ⊙ SiLU(W s_j) ⊗ e1_ij  ∈ R^{3×H}        (`S_vector`, the local substructure)
 *              a_ij = [ψ(F_ij·S_j), ψ(F_ij·S_i)] · f_c(d_ij),  ψ(p) = MLP(p_1, |p_2|, p_3) + p_1 per channel
 *              A_ij = [a_ij, r_ij, e_ij]                              (the LSE scalars of §4.2)
 *   layer ℓ    (EquiMessagePassing, §4.3)
 *              [m, m2, m3]_ij = φ_x(s_j) ⊙ W_rbf e_ij ⊙ φ_dir(A_ij)
 *              s_i += Σ_j m_ij,   v_i += Σ_j (v_j ⊙ m2_ij/√3 + e1_ij ⊗ m3_ij)/√H
 *              (FTE, frame transition encoding)
 *              [u, w] = W_v v_i,   [t1, t2, t3] = φ_xv([s_i, ‖u‖])
 *              s_i += (t1 + t2 + ⟨u, w⟩/√H)/√2,   v_i += t3 ⊙ w
 *   outputs    E = yStd · Σ_i W_out s_i + yMean per structure (invariant);
 *              F = −∂E/∂x by autograd (`energyAndForces`); an optional
 *              equivariant vector per node from a gated equivariant block
 *              (`EquiOutput`, Schütt et al. 2021) on (s, v).
 *
 * Symmetry. Projections on e1 and e3 = e1 × e2 are invariant under all of
 * O(3), the one on the pseudo-vector e2 changes sign under reflections; the
 * authors take its absolute value (`scalrization[:, 1, :].abs()`), which makes
 * every scalar, and so E, invariant under E(3) (reflections included) and F,
 * v and the vector head E(3)-equivariant. With `absCross: false` the e2
 * projection keeps its sign: the model is then SE(3)-invariant/equivariant
 * only (a chirality-sensitive variant). Both are tested.
 *
 * Degenerate frames. When x_j × x_i = 0 (x_i, x_j and the centroid
 * collinear, e.g. an atom at the centroid), the authors' `_normalize` gives
 * NaN, replaced by 0: e2 = e3 = 0 and only the e1 projection remains. We
 * normalise by √(‖v‖² + ε²) (`epsilon`, default 1e-8), which gives the same 0
 * at the degenerate point, agrees to relative ε²/2‖v‖² elsewhere, and is
 * smooth (differentiable twice) in between. The same ε regularises the norms
 * ‖u‖ of FTE and of the output block (zero for isolated atoms).
 *
 * In the authors' `FTE.forward` the node-frame projection of u is computed and
 * then unused: the scalars come from ‖u‖ (`fteScalars: 'norm'`, the default
 * here). `fteScalars: 'frame'` uses the projections on the node frame
 * (e1 = x_i − mean_j x_j, e2 = x_i × mean_j x_j, e3 = e1 × e2; |·| on e2) and ‖u‖.
 * Caveat: on a complete graph mean_j x_j = −x_i/(n − 1) after centring, so
 * every node frame is degenerate (e2 = e3 ≈ round-off / ε); see docs/models.md.
 *
 * Forces: `main_md17.py` trains −∂E/∂posc + 10⁻³·(vector head) with the centred
 * positions as a leaf; `energyAndForces` returns −∂E/∂x through the centring
 * (their force minus its per-structure mean) and keeps the vector head apart,
 * so the forces are exactly conservative.
 */
import { abs, concat, deriveSeed, gradients, indexSelect, isGradEnabled, matmul, mul, neg, Rng, scatterSum, sliceAxis, sqrt, square, sub, sum, tensor, transpose, zerosLike, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { BesselBasis, cosineCutoff, ExpNormalBasis, Linear, Module, Parameter } from '@equigraph/layers';
import type { GraphAssignment } from './egnn.js';
import type { GraphIndex } from './graph.js';
import { uniform, xavierBound } from './init.js';
import { edgeFrames, nodeFrames, safeNorm } from './leftnet-frames.js';

export interface LEFTNetOptions {
  /** Hidden width H (`hidden_channels`); default 128. */
  hiddenChannels?: number;
  /** Number of message passing + FTE blocks (`num_layers`); default 4. */
  numLayers?: number;
  /** Number of radial basis functions (`num_radial`); default 32. */
  numRadial?: number;
  /** Cutoff radius (`cutoff`), in the units of the positions; default 5. */
  cutoff?: number;
  /** 'expnormal' (the authors' `rbf_emb`, default) or 'bessel' (DimeNet, × cosine cutoff). */
  radialBasis?: 'expnormal' | 'bessel';
  /** Size of the atom-type embeddings; atomic numbers must be < this. Default 95 (as the code). */
  numElements?: number;
  /** Graph-level outputs per structure: 1 (the energy, default) or one per target (`last_layer` H → numOutputs, each summed over the atoms). */
  numOutputs?: number;
  /** E = yStd · Σ_i W s_i + yMean (`y_std`, `y_mean`); defaults 1 and 0. */
  yMean?: number;
  yStd?: number;
  /** Build the equivariant vector head (`EquiOutput`: one gated equivariant block). Default false. */
  vectorHead?: boolean;
  /** FTE scalars: 'norm' (‖u‖, what the authors' code computes; default) or 'frame' (node-frame projections and ‖u‖). */
  fteScalars?: 'norm' | 'frame';
  /** |projection on e2| as the authors (E(3)-invariant); false keeps the sign (SE(3) only). Default true. */
  absCross?: boolean;
  /** ε of the frame normalisation and of the feature norms; default 1e-8. */
  epsilon?: number;
  /** Activation of every MLP; default 'silu' (the authors' SiLU / swish). */
  activation?: UnaryOp;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

export interface LEFTNetInputs {
  /** Atomic numbers, int `[N]` (Int32Array, numbers, or an int32 tensor). */
  z: Tensor | Int32Array | readonly number[];
  /** Positions `[N, 3]`. */
  pos: Tensor;
  /** Edges j → i, e.g. a radius graph of the model's cutoff (`GraphIndex.fromEdgeIndex(radiusGraph(...).edgeIndex, N)`); edges must stay within a structure. */
  graph: GraphIndex;
  /** Structure of every node (the batch vector); default: one structure. */
  batch?: GraphAssignment;
}

export interface LEFTNetOutputs {
  /** Per-structure energy `[numGraphs, 1]` (`[numGraphs, numOutputs]`; E(3)-invariant). */
  energy: Tensor;
  /** Invariant node features s `[N, H]` after the last block. */
  scalars: Tensor;
  /** Equivariant node features v `[N, 3, H]` after the last block. */
  vectors: Tensor;
  /** With `vectorHead`: one equivariant vector per node `[N, 3]`. */
  nodeVectors?: Tensor;
}

type Common = { dtype: FloatDType; backend?: string };

/** `nn.Linear` initialised as the authors' `reset_parameters`: Xavier-uniform weight, zero bias. */
function xavierLinear(inF: number, outF: number, common: Common, seed: number, bias = true): Linear {
  const lin = new Linear(inF, outF, { ...common, bias, seed });
  lin.weight.value = uniform(new Rng(deriveSeed(seed, 'xavier')), [inF, outF], xavierBound(inF, outF), common.dtype, common.backend).withGrad();
  if (lin.bias) lin.bias.value = tensor(new Float64Array(outF), [outF], common).withGrad();
  return lin;
}

/** `nn.Embedding(n, H)`: N(0, 1) rows, looked up by index. */
function embedding(n: number, width: number, common: Common, seed: number): Parameter {
  const values = new Rng(seed).fillNormal(new Float64Array(n * width));
  return new Parameter(tensor(values, [n, width], common));
}

const mlp2 = (layers: [Linear, Linear], act: UnaryOp, x: Tensor) => layers[1].forward(runUnary(act, layers[0].forward(x)));

/** `EquiMessagePassing`: scalar and vector messages from the LSE scalars A_ij (§4.3). */
export class LEFTNetMessage extends Module {
  readonly dirProj: [Linear, Linear];
  readonly xProj: [Linear, Linear];
  readonly rbfProj: Linear;

  constructor(
    readonly hidden: number,
    readonly numRadial: number,
    common: Common,
    seed: number,
    readonly activation: UnaryOp = 'silu',
  ) {
    super();
    const H = hidden;
    const s = (name: string) => deriveSeed(seed, name);
    this.dirProj = [new Linear(3 * H + numRadial, 3 * H, { ...common, seed: s('dir_proj.0') }), new Linear(3 * H, 3 * H, { ...common, seed: s('dir_proj.2') })];
    this.xProj = [xavierLinear(H, H, common, s('x_proj.0')), xavierLinear(H, 3 * H, common, s('x_proj.2'))];
    this.rbfProj = xavierLinear(numRadial, 3 * H, common, s('rbf_proj'));
  }

  /** Returns (Δs `[N, H]`, Δv `[N, 3, H]`). `vec` undefined means zeros (the first block). */
  forward(s: Tensor, vec: Tensor | undefined, graph: GraphIndex, rbf: Tensor, lse: Tensor, e1: Tensor): { ds: Tensor; dvec: Tensor } {
    const H = this.hidden;
    const E = graph.numEdges;
    const xh = mlp2(this.xProj, this.activation, s);
    const rbfh = mul(this.rbfProj.forward(rbf), mlp2(this.dirProj, this.activation, lse));
    const m = mul(indexSelect(xh, graph.source), rbfh);
    const x = sliceAxis(m, 1, 0, H);
    // the 1/√3 of xh2 and the 1/√H of the vector message folded into the [E, H] factors
    const m2 = mul(sliceAxis(m, 1, H, 2 * H), 1 / Math.sqrt(3 * H)).reshape([E, 1, H]);
    const m3 = mul(sliceAxis(m, 1, 2 * H, 3 * H), 1 / Math.sqrt(H)).reshape([E, 1, H]);
    let vecMsg = mul(m3, e1.reshape([E, 3, 1]));
    if (vec) vecMsg = vecMsg.add(mul(indexSelect(vec, graph.source), m2));
    return { ds: scatterSum(x, graph.target, graph.numNodes), dvec: scatterSum(vecMsg, graph.target, graph.numNodes) };
  }
}

/** `FTE`, frame transition encoding: exchanges information between s and v (§4.3). */
export class LEFTNetFTE extends Module {
  readonly vecProj: Linear;
  readonly xvecProj: [Linear, Linear];

  constructor(
    readonly hidden: number,
    common: Common,
    seed: number,
    readonly scalars: 'norm' | 'frame' = 'norm',
    readonly absCross = true,
    readonly epsilon = 1e-8,
    readonly activation: UnaryOp = 'silu',
  ) {
    super();
    const H = hidden;
    const s = (name: string) => deriveSeed(seed, name);
    this.vecProj = xavierLinear(H, 2 * H, common, s('vec_proj'), false);
    this.xvecProj = [xavierLinear((scalars === 'frame' ? 5 : 2) * H, H, common, s('xvec_proj.0')), xavierLinear(H, 3 * H, common, s('xvec_proj.2'))];
  }

  forward(s: Tensor, vec: Tensor, nodeFrame?: Tensor): { ds: Tensor; dvec: Tensor } {
    const H = this.hidden;
    const N = s.shape[0];
    const uw = this.vecProj.forward(vec);
    const u = sliceAxis(uw, 2, 0, H);
    const w = sliceAxis(uw, 2, H, 2 * H);
    const columns = [s, safeNorm(u, 1, this.epsilon)];
    if (this.scalars === 'frame') {
      if (!nodeFrame) throw new Error("LEFTNetFTE.forward: fteScalars 'frame' needs the node frames");
      const p = matmul(nodeFrame, u); // [N, 3, H]: row k = e_k · u
      const p2 = sliceAxis(p, 1, 1, 2).reshape([N, H]);
      columns.push(sliceAxis(p, 1, 0, 1).reshape([N, H]), this.absCross ? abs(p2) : p2, sliceAxis(p, 1, 2, 3).reshape([N, H]));
    }
    const vecDot = mul(sum(mul(u, w), 1), 1 / Math.sqrt(H));
    const t = mlp2(this.xvecProj, this.activation, concat(columns, 1));
    const ds = mul(sliceAxis(t, 1, 0, H).add(sliceAxis(t, 1, H, 2 * H)).add(vecDot), Math.SQRT1_2);
    const dvec = mul(sliceAxis(t, 1, 2 * H, 3 * H).reshape([N, 1, H]), w);
    return { ds, dvec };
  }
}

/** Gated equivariant block (Schütt et al. 2021, PaiNN; TorchMD-Net's code, as the authors use it). */
export class GatedEquivariantBlock extends Module {
  readonly vec1Proj: Linear;
  readonly vec2Proj: Linear;
  readonly updateNet: [Linear, Linear];

  constructor(
    readonly hidden: number,
    readonly outChannels: number,
    common: Common,
    seed: number,
    readonly epsilon = 1e-8,
    readonly activation: UnaryOp = 'silu',
  ) {
    super();
    const s = (name: string) => deriveSeed(seed, name);
    this.vec1Proj = xavierLinear(hidden, hidden, common, s('vec1_proj'), false);
    this.vec2Proj = xavierLinear(hidden, outChannels, common, s('vec2_proj'), false);
    this.updateNet = [xavierLinear(2 * hidden, hidden, common, s('update_net.0')), xavierLinear(hidden, 2 * outChannels, common, s('update_net.2'))];
  }

  /** s `[N, H]`, v `[N, 3, H]` → s′ `[N, out]` (after SiLU), v′ `[N, 3, out]`. */
  forward(s: Tensor, v: Tensor): { s: Tensor; v: Tensor } {
    const O = this.outChannels;
    const n1 = safeNorm(this.vec1Proj.forward(v), 1, this.epsilon);
    const v2 = this.vec2Proj.forward(v);
    const out = mlp2(this.updateNet, this.activation, concat([s, n1], 1));
    const gate = sliceAxis(out, 1, O, 2 * O).reshape([s.shape[0], 1, O]);
    return { s: runUnary(this.activation, sliceAxis(out, 1, 0, O)), v: mul(gate, v2) };
  }
}

/** LEFTNet: invariant energy, conservative forces and an optional equivariant vector per node. */
export class LEFTNet extends Module {
  readonly zEmb: Parameter;
  readonly neighborEmb: Parameter;
  readonly radialLin: [Linear, Linear];
  /** `S_vector.lin1`. */
  readonly sLin: Linear;
  /** `lin`: Linear(3, H/4), SiLU, Linear(H/4, 1) on the three frame projections. */
  readonly frameLin: [Linear, Linear];
  readonly messageLayers: LEFTNetMessage[];
  readonly ftes: LEFTNetFTE[];
  readonly lastLayer: Linear;
  readonly outVector: GatedEquivariantBlock | undefined;

  readonly hidden: number;
  readonly numLayers: number;
  readonly numRadial: number;
  readonly cutoff: number;
  readonly numElements: number;
  readonly yMean: number;
  readonly yStd: number;
  readonly numOutputs: number;
  readonly fteScalars: 'norm' | 'frame';
  readonly absCross: boolean;
  readonly epsilon: number;
  readonly activation: UnaryOp;
  readonly dtype: FloatDType;
  private readonly basis: ExpNormalBasis | BesselBasis;
  private readonly centring = new WeakMap<object, Tensor>();

  constructor(options: LEFTNetOptions = {}) {
    super();
    const H = (this.hidden = options.hiddenChannels ?? 128);
    const L = (this.numLayers = options.numLayers ?? 4);
    const R = (this.numRadial = options.numRadial ?? 32);
    this.cutoff = options.cutoff ?? 5;
    this.numElements = options.numElements ?? 95;
    for (const [name, v] of [['hiddenChannels', H], ['numLayers', L], ['numRadial', R], ['numElements', this.numElements]] as const) {
      if (!Number.isInteger(v) || v < (name === 'numLayers' ? 0 : 1)) throw new RangeError(`LEFTNet: '${name}' must be a ${name === 'numLayers' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
    if (!(this.cutoff > 0 && Number.isFinite(this.cutoff))) throw new RangeError(`LEFTNet: 'cutoff' must be a finite number > 0, got ${this.cutoff}`);
    this.numOutputs = options.numOutputs ?? 1;
    if (!Number.isInteger(this.numOutputs) || this.numOutputs < 1) throw new RangeError(`LEFTNet: 'numOutputs' must be a positive integer, got ${this.numOutputs}`);
    this.yMean = options.yMean ?? 0;
    this.yStd = options.yStd ?? 1;
    this.fteScalars = options.fteScalars ?? 'norm';
    if (this.fteScalars !== 'norm' && this.fteScalars !== 'frame') throw new RangeError(`LEFTNet: 'fteScalars' must be 'norm' or 'frame', got ${String(this.fteScalars)}`);
    this.absCross = options.absCross ?? true;
    this.epsilon = options.epsilon ?? 1e-8;
    this.activation = options.activation ?? 'silu';
    this.dtype = options.dtype ?? 'float32';
    const radial = options.radialBasis ?? 'expnormal';
    if (radial !== 'expnormal' && radial !== 'bessel') throw new RangeError(`LEFTNet: 'radialBasis' must be 'expnormal' or 'bessel', got ${String(radial)}`);
    this.basis = radial === 'expnormal' ? new ExpNormalBasis(R, this.cutoff) : new BesselBasis(R, this.cutoff);
    const seed = options.seed ?? 0;
    const common: Common = { dtype: this.dtype, backend: options.backend };
    const s = (name: string, l?: number) => deriveSeed(seed, name, ...(l === undefined ? [] : [l]));
    const lin = (i: number, o: number, name: string) => new Linear(i, o, { ...common, seed: s(name) });

    this.zEmb = embedding(this.numElements, H, common, s('z_emb'));
    this.neighborEmb = embedding(this.numElements, H, common, s('neighbor_emb.embedding'));
    this.radialLin = [lin(R, H, 'radial_lin.0'), lin(H, H, 'radial_lin.2')];
    this.sLin = lin(H, H, 'S_vector.lin1.0');
    const q = Math.max(1, Math.floor(H / 4));
    this.frameLin = [lin(3, q, 'lin.0'), lin(q, 1, 'lin.2')];
    this.messageLayers = Array.from({ length: L }, (_, l) => new LEFTNetMessage(H, R, common, s('message_layers', l), this.activation));
    this.ftes = Array.from({ length: L }, (_, l) => new LEFTNetFTE(H, common, s('FTEs', l), this.fteScalars, this.absCross, this.epsilon, this.activation));
    this.lastLayer = lin(H, this.numOutputs, 'last_layer');
    if (options.vectorHead) this.outVector = new GatedEquivariantBlock(H, 1, common, s('out_forces'), this.epsilon, this.activation);
  }

  private act(x: Tensor): Tensor {
    return runUnary(this.activation, x);
  }

  /** Node → structure ids as an int32 array, and 1/count per structure `[G, 1]` (cached per batch object). */
  private structureMeans(pos: Tensor, batch: GraphAssignment | undefined): { ids: Int32Array | Tensor; numGraphs: number; invCount: Tensor } {
    const N = pos.shape[0];
    if (!batch) return { ids: new Int32Array(N), numGraphs: 1, invCount: tensor([1 / Math.max(N, 1)], [1, 1], { dtype: pos.dtype, backend: pos.backend }) };
    const key = batch.nodeGraph as object;
    let invCount = this.centring.get(key);
    if (!invCount || invCount.dtype !== pos.dtype) {
      const ids = batch.nodeGraph instanceof Int32Array ? batch.nodeGraph : (batch.nodeGraph.toArray() as Int32Array);
      if (ids.length !== N) throw new RangeError(`LEFTNet: 'batch.nodeGraph' has ${ids.length} entries for ${N} nodes`);
      const counts = new Float64Array(batch.numGraphs);
      for (const g of ids) counts[g]++;
      invCount = tensor(counts.map((c) => 1 / Math.max(c, 1)), [batch.numGraphs, 1], { dtype: pos.dtype, backend: pos.backend });
      this.centring.set(key, invCount);
    }
    return { ids: batch.nodeGraph, numGraphs: batch.numGraphs, invCount };
  }

  private check(inputs: LEFTNetInputs): void {
    const { pos, graph } = inputs;
    if (pos.rank !== 2 || pos.shape[1] !== 3 || pos.shape[0] !== graph.numNodes) {
      throw new RangeError(`LEFTNet: 'pos' has shape [${pos.shape.join(', ')}], expected [${graph.numNodes}, 3] (graph.numNodes, 3)`);
    }
    if (pos.dtype !== this.dtype) throw new TypeError(`LEFTNet: 'pos' is ${pos.dtype}, expected the model's ${this.dtype}`);
    const nz = inputs.z instanceof Array || inputs.z instanceof Int32Array ? inputs.z.length : (inputs.z as Tensor).size;
    if (nz !== graph.numNodes) throw new RangeError(`LEFTNet: 'z' has ${nz} entries, expected ${graph.numNodes}`);
  }

  /** s `[N, H]` and v `[N, 3, H]` after the last block, and the structure assignment used. */
  encode(inputs: LEFTNetInputs): { s: Tensor; vec: Tensor; ids: Int32Array | Tensor; numGraphs: number } {
    this.check(inputs);
    const { pos, graph } = inputs;
    const N = graph.numNodes;
    const E = graph.numEdges;
    const H = this.hidden;
    const z = inputs.z instanceof Array ? Int32Array.from(inputs.z) : (inputs.z as Tensor | Int32Array);

    // centre each structure on its centroid (the authors' posc)
    const { ids, numGraphs, invCount } = this.structureMeans(pos, inputs.batch);
    const centroid = mul(scatterSum(pos, ids, numGraphs), invCount);
    const pc = sub(pos, indexSelect(centroid, ids));

    // radial embedding
    const diff = sub(indexSelect(pc, graph.source), indexSelect(pc, graph.target)); // x_j − x_i
    const dist = sqrt(sum(square(diff), 1, true));
    const rbf = this.basis.forward(dist);
    const fc = cosineCutoff(dist, this.cutoff);
    const radialHidden = mul(mlp2(this.radialLin, this.activation, rbf), fc);

    // NeighborEmb: s_i = Emb(z_i) + Σ_j r_ij ⊙ Emb′(z_j)
    const neighbor = indexSelect(this.neighborEmb.value, z);
    let s = indexSelect(this.zEmb.value, z).add(scatterSum(mul(radialHidden, indexSelect(neighbor, graph.source)), graph.target, N));

    // frames (eq. 3)
    const { e1, frame } = edgeFrames(pc, graph, this.epsilon);
    const nodeFrame = this.fteScalars === 'frame' ? nodeFrames(pc, graph, this.epsilon) : undefined;

    // LSE: S_i = Σ_j r_ij ⊙ SiLU(W s_j) ⊗ e1_ij, then frame projections of S_j and S_i on F_ij
    const sv = this.act(this.sLin.forward(s));
    const weights = mul(radialHidden, indexSelect(sv, graph.source)).reshape([E, 1, H]);
    const S = scatterSum(mul(e1.reshape([E, 3, 1]), weights), graph.target, N); // [N, 3, H]
    const scalarise = (Se: Tensor): Tensor => {
      const p = matmul(frame, Se); // [E, 3, H], row k = e_k · S
      const p1 = sliceAxis(p, 1, 0, 1);
      const p2 = sliceAxis(p, 1, 1, 2);
      const stacked = concat([p1, this.absCross ? abs(p2) : p2, sliceAxis(p, 1, 2, 3)], 1);
      const perChannel = transpose(stacked, [0, 2, 1]).reshape([E * H, 3]);
      return mlp2(this.frameLin, this.activation, perChannel).reshape([E, H]).add(p1.reshape([E, H]));
    };
    const a = mul(concat([scalarise(indexSelect(S, graph.source)), scalarise(indexSelect(S, graph.target))], 1), fc);
    const lse = concat([a, radialHidden, rbf], 1);

    // blocks: equivariant message passing, then FTE
    let vec: Tensor | undefined;
    for (let l = 0; l < this.numLayers; l++) {
      const msg = this.messageLayers[l].forward(s, vec, graph, rbf, lse, e1);
      s = s.add(msg.ds);
      vec = vec ? vec.add(msg.dvec) : msg.dvec;
      const fte = this.ftes[l].forward(s, vec, nodeFrame);
      s = s.add(fte.ds);
      vec = vec.add(fte.dvec);
    }
    vec ??= tensor(new Float64Array(N * 3 * H), [N, 3, H], { dtype: this.dtype, backend: pos.backend });
    return { s, vec, ids, numGraphs };
  }

  /** Energy `[numGraphs, 1]`, the final features, and with `vectorHead` the node vectors `[N, 3]`. */
  forward(inputs: LEFTNetInputs): LEFTNetOutputs {
    const { s, vec, ids, numGraphs } = this.encode(inputs);
    let energy = scatterSum(this.lastLayer.forward(s), ids, numGraphs);
    if (this.yStd !== 1) energy = mul(energy, this.yStd);
    if (this.yMean !== 0) energy = energy.add(this.yMean);
    const out: LEFTNetOutputs = { energy, scalars: s, vectors: vec };
    if (this.outVector) out.nodeVectors = this.outVector.forward(s, vec).v.reshape([s.shape[0], 3]);
    return out;
  }

  /** Per-structure energy `[numGraphs, 1]`. */
  energy(inputs: LEFTNetInputs): Tensor {
    return this.forward(inputs).energy;
  }

  /**
   * Energy `[numGraphs, 1]` and conservative forces F = −∂E/∂x `[N, 3]` by
   * autograd. With `createGraph` (default: `this.training`) the forces stay
   * differentiable, so a force loss trains the weights through the double
   * backward; set it false (or call `eval()`) for MD and inference. Must run
   * with gradient recording on (not inside `noGrad`).
   */
  energyAndForces(inputs: LEFTNetInputs, options: { createGraph?: boolean } = {}): { energy: Tensor; forces: Tensor; nodeVectors?: Tensor } {
    if (!isGradEnabled()) throw new Error('LEFTNet.energyAndForces: forces come from autograd; call it outside noGrad (pass createGraph: false for inference)');
    const pos = inputs.pos.requiresGrad ? inputs.pos : inputs.pos.withGrad();
    const out = this.forward({ ...inputs, pos });
    const [g] = gradients(sum(out.energy), [pos], { createGraph: options.createGraph ?? this.training });
    const forces = g ? neg(g) : zerosLike(inputs.pos);
    return out.nodeVectors ? { energy: out.energy, forces, nodeVectors: out.nodeVectors } : { energy: out.energy, forces };
  }
}
