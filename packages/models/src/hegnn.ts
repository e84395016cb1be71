/**
 * HEGNN, the high-degree extension of EGNN of
 *
 *   J. Cen, A. Li, N. Lin, Y. Ren, Z. Wang, W. Huang. "Are High-Degree
 *   Representations Really Unnecessary in Equivariant Graph Neural Networks?"
 *   NeurIPS 2024, arXiv:2410.11443.
 *
 * following the authors' code (github.com/GLAD-RUC/HEGNN, `models/HEGNN.py`:
 * `SH_INIT`, `SH_Msg`, `HEGNN_Layer`, `HEGNN`; the N-body model of `main_nbody.py`).
 * Besides the invariant h_i and the coordinates x_i, every node carries steerable
 * features χ_i = (χ_i^{(0)}, χ_i^{(1)}, …, χ_i^{(L)}), one copy of every degree
 * l = 0..L (the authors' `sh_irreps = Irreps.spherical_harmonics(L)`, i.e.
 * `1x0e + 1x1o + 1x2e + …`), stored flat as `[N, (L+1)²]` in e3nn's layout:
 * degree l occupies columns l² … l² + 2l, components m = −l..l (geometry's
 * conventions; for l = 1 the components are (x, y, z)). For an edge j → i
 * (target i = the authors' `row`, source j = `col`), x_ij = x_i − x_j,
 * mean_j = (1/|N(i)|) Σ_{j ∈ N(i)} (torch_scatter `reduce='mean'`):
 *
 * Initialisation (`SH_INIT`), from spherical harmonics of the relative positions:
 *   (i1)  s_ij         = φ_s(‖x_ij‖, h_i, h_j, e_ij) ∈ R^{L+1}          (Linear, act, Linear, act)
 *   (i2)  χ_i^{(l)}    = mean_j s_ij^{(l)} Y^{(l)}(x_ij / ‖x_ij‖)      ('norm' normalisation: ‖Y^{(l)}(x̂)‖ = 1)
 *   (i3)  χ_i^{(l)}   += φ_c^{(l)}(h_i) Y^{(l)}((x_i − x̄)/‖x_i − x̄‖)   (option `centroidInit`: the expressivity
 *                         experiments' `SH_INIT`, expressivity/models/hegnn.py; x̄ the mean of i's graph)
 *
 * Layer (`HEGNN_Layer`), the scalarisation trick of EGNN extended to every degree:
 *   (m)   m_ij         = φ_m(h_i, h_j, e_ij, ‖x_ij‖², {⟨χ_i^{(l)}, χ_j^{(l)}⟩}_{l=0..L})   (Linear, act, Linear, act)
 *   (x)   x_i'         = x_i + mean_j x_ij φ_x(m_ij) [+ φ_v(h_i) v_i]     (N-body: the velocity term, `mlp_vel`)
 *   (χ)   χ_i^{(l)}'   = χ_i^{(l)} + mean_j φ_χ^{(l)}(m_ij) (χ_i^{(l)} − χ_j^{(l)})
 *   (h)   h_i'         = φ_h(h_i, mean_j m_ij)                          (no residual in the authors' code)
 *
 * with φ_x, φ_v: Linear(H → H), act, Linear(H → 1); φ_χ: Linear(H → H), act,
 * Linear(H → L+1); φ_h: Linear(2H → H), act, Linear(H → H) (`BaseMLP`, PyTorch
 * default initialisation, SiLU). x, χ and h are all updated from the layer's
 * inputs. The model is `embedding` (Linear(F_in → H)), `SH_INIT`, then L_layers ×
 * `HEGNN_Layer`.
 *
 * The per-degree scalings s_ij^{(l)} Y^{(l)} and φ_χ^{(l)}(m_ij)(χ_i^{(l)} − χ_j^{(l)})
 * are what the code writes as `e3nn.o3.FullyConnectedTensorProduct(sh_irreps,
 * '1x0e', sh_irreps, shared_weights=False)(·, 1, w)`: with one copy per degree
 * its paths are l ⊗ 0e → l, each with wigner_3j(l, 0, l) = δ/√(2l+1) times the
 * 'component' factor √(2l+1) and path weight 1/√(fan-in = 1), i.e. exactly w^{(l)} · (·)^{(l)}.
 *
 * Symmetry: h is invariant and x, χ equivariant under E(3) = O(3) ⋉ translations,
 * reflections included, with χ^{(l)} transforming as the irrep (l, (−1)^l)
 * (the spherical harmonics' parity: Y^{(l)}(−x̂) = (−1)^l Y^{(l)}(x̂)); i.e. χ
 * transforms with `irrepsD(Irreps.sphericalHarmonics(L), Q)` for every orthogonal Q.
 * The inner products ⟨χ_i^{(l)}, χ_j^{(l)}⟩ are O(3)-invariant because these
 * matrices are orthogonal.
 *
 * Implementation: as in {@link EGCL}, the 2H-wide part of the first layers of φ_m
 * and φ_s runs on nodes ({@link EdgeInputLinear}); the per-degree inner products
 * and scalings are matmuls with a constant `[(L+1)², L+1]` degree-indicator matrix.
 */
import { add, concat, deriveSeed, indexSelect, matmul, mul, ones, Rng, scatterSum, sqrt, square, sub, sum, tensor, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { Linear, Module } from '@equigraph/layers';
import { Irreps, sphericalHarmonicsOp } from '@equigraph/geometry';
import { uniform, xavierBound } from './init.js';
import { EdgeInputLinear } from './egcl.js';
import type { GraphAssignment } from './egnn.js';
import type { GraphIndex } from './graph.js';

/** Columns of degree l in the flat `[N, (L+1)²]` steerable features: `[l², (l+1)²)`. */
export function degreeRange(l: number): [number, number] {
  return [l * l, (l + 1) * (l + 1)];
}

/** `[(L+1)², L+1]` with a 1 at (l² + m, l): χ·P sums each degree's components, w·Pᵀ repeats a per-degree scalar over them. */
function degreeIndicator(maxDegree: number, dtype: FloatDType, backend?: string): Tensor {
  const D = (maxDegree + 1) ** 2;
  const values = new Float64Array(D * (maxDegree + 1));
  for (let l = 0; l <= maxDegree; l++) for (let c = l * l; c < (l + 1) * (l + 1); c++) values[c * (maxDegree + 1) + l] = 1;
  return tensor(values, [D, maxDegree + 1], { dtype, backend });
}

interface Common {
  dtype: FloatDType;
  backend?: string;
}

export interface HEGNNInitOptions {
  /** Hidden width H (of h and of the MLP). */
  hiddenFeatures: number;
  /** Maximal degree L of the steerable features. */
  maxDegree: number;
  /** Edge attribute width F_e; default 0. */
  edgeFeatures?: number;
  activation?: UnaryOp;
  /** Treat Y(x̂_ij) as constant in backprop, as the authors (`.detach()`); default true. */
  detachHarmonics?: boolean;
  /** Apply the activation after φ_s's last Linear (`last_act`): true in models/HEGNN.py (N-body), false in expressivity/models/hegnn.py; default true. */
  lastActivation?: boolean;
  /**
   * Add the centroid term of expressivity/models/hegnn.py (eq. i3): χ_i^{(l)} += φ_c^{(l)}(h_i) Y^{(l)}(x_i − x̄),
   * x̄ the mean position of i's graph. Without it χ is built from relative vectors only, whose set is
   * inversion-symmetric (x_ji = −x_ij), and on vertex-transitive structures with identical nodes every
   * odd-degree graph-level output cancels (see docs/models.md). Default false (the N-body model).
   */
  centroid?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/** `SH_INIT`: χ_i^{(l)} = mean_j φ_s^{(l)}(‖x_ij‖, h_i, h_j, e_ij) Y^{(l)}(x̂_ij) (eqs. i1–i2 of the file comment). */
export class HEGNNInit extends Module {
  /** First layer of φ_s, split: h_i, h_j on nodes; [‖x_ij‖, e_ij, 1] on edges. */
  readonly edgeIn: EdgeInputLinear;
  readonly edgeOut: Linear;
  readonly maxDegree: number;
  readonly edgeFeatures: number;
  readonly activation: UnaryOp;
  readonly detachHarmonics: boolean;
  readonly lastActivation: boolean;
  /** φ_c of the centroid term (`mlp_sh_CoM`: Linear(H → H), act, Linear(H → L+1)), when enabled. */
  readonly centroidMlp: [Linear, Linear] | undefined;
  readonly dtype: FloatDType;
  private readonly onesCache = new WeakMap<GraphIndex, Tensor>();
  private readonly indicator: Tensor;

  constructor(options: HEGNNInitOptions) {
    super();
    const H = options.hiddenFeatures;
    this.maxDegree = options.maxDegree;
    this.edgeFeatures = options.edgeFeatures ?? 0;
    this.activation = options.activation ?? 'silu';
    this.detachHarmonics = options.detachHarmonics ?? true;
    this.lastActivation = options.lastActivation ?? true;
    this.dtype = options.dtype ?? 'float32';
    const seed = options.seed ?? 0;
    const common: Common = { dtype: this.dtype, backend: options.backend };
    this.edgeIn = new EdgeInputLinear(H, this.edgeFeatures, H, { ...common, seed: deriveSeed(seed, 'mlp_sh.0') });
    this.edgeOut = new Linear(H, this.maxDegree + 1, { ...common, seed: deriveSeed(seed, 'mlp_sh.2') });
    if (options.centroid) {
      this.centroidMlp = [
        new Linear(H, H, { ...common, seed: deriveSeed(seed, 'mlp_sh_CoM.0') }),
        new Linear(H, this.maxDegree + 1, { ...common, seed: deriveSeed(seed, 'mlp_sh_CoM.2') }),
      ];
    }
    this.indicator = degreeIndicator(this.maxDegree, this.dtype, options.backend);
  }

  /**
   * h `[N, H]` (after the embedding), x `[N, 3]`, edge attributes `[E, F_e]` → χ `[N, (L+1)²]`.
   * `assignment` (node → graph) is read by the centroid term only; without it all nodes form one graph.
   */
  forward(h: Tensor, x: Tensor, graph: GraphIndex, edgeAttr?: Tensor, assignment?: GraphAssignment): Tensor {
    const { target, source } = graph;
    const diff = sub(indexSelect(x, target), indexSelect(x, source));
    const dist = sqrt(sum(square(diff), 1, true));
    const cols = edgeAttr && this.edgeFeatures > 0 ? [dist, edgeAttr, onesFor(this.onesCache, graph, this.dtype)] : [dist, onesFor(this.onesCache, graph, this.dtype)];
    let s = this.edgeOut.forward(runUnary(this.activation, this.edgeIn.forward(h, concat(cols, 1), graph)));
    if (this.lastActivation) s = runUnary(this.activation, s);
    const Y = sphericalHarmonicsOp(this.maxDegree, this.detachHarmonics ? diff.detach() : diff, { normalize: true, normalization: 'norm' });
    const weighted = mul(Y, matmul(s, this.indicator, { transposeB: true }));
    const chi = mul(scatterSum(weighted, target, graph.numNodes), graph.inverseDegree(this.dtype));
    if (!this.centroidMlp) return chi;
    const rel = sub(x, centroids(x, graph, assignment));
    const Yc = sphericalHarmonicsOp(this.maxDegree, this.detachHarmonics ? rel.detach() : rel, { normalize: true, normalization: 'norm' });
    const c = this.centroidMlp[1].forward(runUnary(this.activation, this.centroidMlp[0].forward(h)));
    return add(chi, mul(Yc, matmul(c, this.indicator, { transposeB: true })));
  }
}

export interface HEGNNLayerOptions {
  hiddenFeatures: number;
  maxDegree: number;
  edgeFeatures?: number;
  activation?: UnaryOp;
  /** Add φ_v(h_i) v_i to the coordinate update (`mlp_vel`, the N-body model); default false. */
  velocity?: boolean;
  /** h' = h + φ_h(·) instead of the authors' h' = φ_h(·); default false. */
  residual?: boolean;
  /** See {@link HEGNNOptions.coordsGain}. */
  coordsGain?: number;
  /** See {@link HEGNNOptions.normalizeInnerProducts}. */
  normalizeInnerProducts?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

export interface HEGNNInputs {
  /** Edge attributes e_ij `[E, edgeFeatures]`. */
  edgeAttr?: Tensor;
  /** Velocities v_i `[N, 3]` (models built with `velocity`). */
  vel?: Tensor;
  /** Node → graph assignment, read by the centroid initialisation only (default: one graph). */
  assignment?: GraphAssignment;
}

/** `HEGNN_Layer`: eqs. (m), (x), (χ), (h) of the file comment. */
export class HEGNNLayer extends Module {
  /** First layer of φ_m, split: h_i, h_j on nodes; [e_ij, ‖x_ij‖², ⟨χ_i, χ_j⟩_{0..L}, 1] on edges (the authors' column order). */
  readonly msgIn: EdgeInputLinear;
  readonly msgOut: Linear;
  readonly posMlp: [Linear, Linear];
  readonly shMlp: [Linear, Linear];
  readonly nodeMlp: [Linear, Linear];
  readonly velMlp: [Linear, Linear] | undefined;
  readonly hiddenFeatures: number;
  readonly maxDegree: number;
  readonly edgeFeatures: number;
  readonly activation: UnaryOp;
  readonly residual: boolean;
  readonly normalizeInnerProducts: boolean;
  readonly dtype: FloatDType;
  private readonly onesCache = new WeakMap<GraphIndex, Tensor>();
  private readonly indicator: Tensor;

  constructor(options: HEGNNLayerOptions) {
    super();
    const H = options.hiddenFeatures;
    const L = options.maxDegree;
    this.hiddenFeatures = H;
    this.maxDegree = L;
    this.edgeFeatures = options.edgeFeatures ?? 0;
    this.activation = options.activation ?? 'silu';
    this.residual = options.residual ?? false;
    this.normalizeInnerProducts = options.normalizeInnerProducts ?? false;
    this.dtype = options.dtype ?? 'float32';
    const seed = options.seed ?? 0;
    const common: Common = { dtype: this.dtype, backend: options.backend };
    const lin = (i: number, o: number, name: string) => new Linear(i, o, { ...common, seed: deriveSeed(seed, name) });
    // mlp_msg: Linear(2H + F_e + 1 + (L+1) → H); EdgeInputLinear's edge part is 1 + edgeFeatures columns + bias.
    this.msgIn = new EdgeInputLinear(H, this.edgeFeatures + L + 1, H, { ...common, seed: deriveSeed(seed, 'mlp_msg.0') });
    this.msgOut = lin(H, H, 'mlp_msg.2');
    this.posMlp = [lin(H, H, 'mlp_pos.0'), lin(H, 1, 'mlp_pos.2')];
    if (options.coordsGain !== undefined) {
      // EGNN's φ_x initialisation: torch.nn.init.xavier_uniform_(weight, gain) (the bias stays U(±1/√H))
      this.posMlp[1].weight.value = uniform(new Rng(deriveSeed(seed, 'mlp_pos.2.xavier')), [H, 1], xavierBound(H, 1, options.coordsGain), this.dtype, options.backend).withGrad();
    }
    this.shMlp = [lin(H, H, 'mlp_sh.0'), lin(H, L + 1, 'mlp_sh.2')];
    this.nodeMlp = [lin(2 * H, H, 'mlp_node_feat.0'), lin(H, H, 'mlp_node_feat.2')];
    if (options.velocity) this.velMlp = [lin(H, H, 'mlp_vel.0'), lin(H, 1, 'mlp_vel.2')];
    this.indicator = degreeIndicator(L, this.dtype, options.backend);
  }

  private act(t: Tensor): Tensor {
    return runUnary(this.activation, t);
  }

  private mlp(pair: [Linear, Linear], t: Tensor): Tensor {
    return pair[1].forward(this.act(pair[0].forward(t)));
  }

  /** h `[N, H]`, x `[N, 3]`, χ `[N, (L+1)²]` → updated { h, x, chi }. */
  forward(h: Tensor, x: Tensor, chi: Tensor, graph: GraphIndex, inputs: HEGNNInputs = {}): { h: Tensor; x: Tensor; chi: Tensor } {
    const N = graph.numNodes;
    const { target, source } = graph;
    const invDeg = graph.inverseDegree(this.dtype);
    const diff = sub(indexSelect(x, target), indexSelect(x, source));
    const radial = sum(square(diff), 1, true);
    const chiI = indexSelect(chi, target);
    const chiJ = indexSelect(chi, source);
    // SH_Msg: ⟨χ_i^{(l)}, χ_j^{(l)}⟩ for l = 0..L
    let inner = matmul(mul(chiI, chiJ), this.indicator);
    // the authors' commented-out remedy for NaNs in SH_Msg: ip / (‖ip‖.detach() + 1)
    if (this.normalizeInnerProducts) inner = inner.div(add(sqrt(sum(square(inner.detach()), 1, true)), 1));
    const one = onesFor(this.onesCache, graph, this.dtype);
    const cols = inputs.edgeAttr && this.edgeFeatures > 0 ? [inputs.edgeAttr, radial, inner, one] : [radial, inner, one];
    const m = this.act(this.msgOut.forward(this.act(this.msgIn.forward(h, concat(cols, 1), graph))));

    // (x): mean_j x_ij φ_x(m_ij) [+ φ_v(h_i) v_i]
    let xNew = add(x, mul(scatterSum(mul(diff, this.mlp(this.posMlp, m)), target, N), invDeg));
    if (this.velMlp) xNew = add(xNew, mul(this.mlp(this.velMlp, h), inputs.vel!));

    // (χ): mean_j φ_χ^{(l)}(m_ij) (χ_i^{(l)} − χ_j^{(l)})
    const scale = matmul(this.mlp(this.shMlp, m), this.indicator, { transposeB: true });
    const chiNew = add(chi, mul(scatterSum(mul(sub(chiI, chiJ), scale), target, N), invDeg));

    // (h): φ_h(h_i, mean_j m_ij)
    const out = this.mlp(this.nodeMlp, concat([h, mul(scatterSum(m, target, N), invDeg)], 1));
    return { h: this.residual ? add(h, out) : out, x: xNew, chi: chiNew };
  }
}

export interface HEGNNOptions {
  /** Input node features (`node_input_dim`; N-body in the authors' code: 2 = [‖v_i‖, q_i / max q]). */
  inFeatures: number;
  /** `hidden_dim`; default 64. */
  hiddenFeatures?: number;
  /** `num_layer`; default 4. */
  numLayers?: number;
  /** Maximal degree L of the steerable features (`max_ell`, `--ell`); default 2 (the authors' default). */
  maxDegree?: number;
  /** `edge_attr_dim`; default 0. */
  edgeFeatures?: number;
  /** Coordinate update with φ_v(h_i) v_i (the N-body model; `forward` then needs `vel`); default false. */
  velocity?: boolean;
  /** Residual h update (not in the authors' code); default false. */
  residual?: boolean;
  activation?: UnaryOp;
  /** See {@link HEGNNInitOptions.detachHarmonics}; default true (authors). */
  detachHarmonics?: boolean;
  /** See {@link HEGNNInitOptions.lastActivation}; default true (models/HEGNN.py). */
  initLastActivation?: boolean;
  /** See {@link HEGNNInitOptions.centroid}: the centroid term of expressivity/models/hegnn.py; default false. */
  centroidInit?: boolean;
  /**
   * Initialise φ_x's last Linear Xavier-uniform with this gain, as EGNN does with 0.001 (not in the
   * HEGNN code, which keeps PyTorch's default). Off by default. Without it the first coordinate update
   * is O(‖x_ij‖ · φ_x) with φ_x fed ‖x_ij‖²: on N-body inputs with distant pairs the four layers can
   * blow x up at initialisation (seen: ‖x‖ ~ 1e7 for ‖x_ij‖² ~ 200); the N-body tool sets 0.001.
   */
  coordsGain?: number;
  /** Divide the inner products by (‖·‖ + 1), the norm treated as a constant — the line the authors left commented out in `SH_Msg` "for NaN". Default false. */
  normalizeInnerProducts?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/** The HEGNN model (`models/HEGNN.py` `HEGNN`): embedding → SH_INIT → L_layers × HEGNN_Layer. */
export class HEGNN extends Module {
  readonly embedding: Linear;
  readonly shInit: HEGNNInit;
  readonly layers: HEGNNLayer[];
  readonly maxDegree: number;
  readonly velocity: boolean;
  readonly dtype: FloatDType;
  /** The irreps of χ, `1x0e + 1x1o + … + 1xL(±)`: χ transforms with `irrepsD(model.irreps, Q)` for orthogonal Q. */
  readonly irreps: Irreps;

  constructor(options: HEGNNOptions) {
    super();
    const H = options.hiddenFeatures ?? 64;
    const L = options.maxDegree ?? 2;
    const layers = options.numLayers ?? 4;
    for (const [name, v, min] of [['inFeatures', options.inFeatures, 1], ['hiddenFeatures', H, 1], ['numLayers', layers, 0], ['maxDegree', L, 0], ['edgeFeatures', options.edgeFeatures ?? 0, 0]] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`HEGNN: '${name}' must be an integer ≥ ${min}, got ${v}`);
    }
    const seed = options.seed ?? 0;
    this.dtype = options.dtype ?? 'float32';
    this.maxDegree = L;
    this.velocity = options.velocity ?? false;
    this.irreps = Irreps.sphericalHarmonics(L);
    const common = { dtype: this.dtype, backend: options.backend, activation: options.activation, edgeFeatures: options.edgeFeatures ?? 0, hiddenFeatures: H, maxDegree: L };
    this.embedding = new Linear(options.inFeatures, H, { dtype: this.dtype, backend: options.backend, seed: deriveSeed(seed, 'embedding') });
    this.shInit = new HEGNNInit({ ...common, detachHarmonics: options.detachHarmonics, lastActivation: options.initLastActivation, centroid: options.centroidInit, seed: deriveSeed(seed, 'sh_init') });
    this.layers = Array.from({ length: layers }, (_, l) => new HEGNNLayer({
      ...common,
      velocity: this.velocity,
      residual: options.residual,
      coordsGain: options.coordsGain,
      normalizeInnerProducts: options.normalizeInnerProducts,
      seed: deriveSeed(seed, 'layers', l),
    }));
  }

  /**
   * h `[N, inFeatures]`, x `[N, 3]` → h `[N, H]` (E(3)-invariant), x `[N, 3]` and
   * χ `[N, (L+1)²]` (E(3)-equivariant; translation-invariant χ). With `velocity`,
   * `inputs.vel` `[N, 3]` is required.
   */
  forward(h: Tensor, x: Tensor, graph: GraphIndex, inputs: HEGNNInputs = {}): { h: Tensor; x: Tensor; chi: Tensor } {
    this.check(h, x, graph, inputs);
    const hid = this.embedding.forward(h);
    let state = { h: hid, x, chi: this.shInit.forward(hid, x, graph, inputs.edgeAttr, inputs.assignment) };
    for (const layer of this.layers) state = layer.forward(state.h, state.x, state.chi, graph, inputs);
    return state;
  }

  private check(h: Tensor, x: Tensor, graph: GraphIndex, inputs: HEGNNInputs): void {
    const N = graph.numNodes;
    const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
    const F = this.embedding.inFeatures;
    if (h.rank !== 2 || h.shape[0] !== N || h.shape[1] !== F) throw new RangeError(`HEGNN.forward: 'h' has shape ${shape(h)}, expected [${N}, ${F}]`);
    if (x.rank !== 2 || x.shape[0] !== N || x.shape[1] !== 3) throw new RangeError(`HEGNN.forward: 'x' has shape ${shape(x)}, expected [${N}, 3]`);
    if (h.dtype !== this.dtype || x.dtype !== this.dtype) throw new TypeError(`HEGNN.forward: 'h' is ${h.dtype} and 'x' is ${x.dtype}, expected the model's ${this.dtype}`);
    const Fe = this.shInit.edgeFeatures;
    const a = inputs.edgeAttr;
    if (Fe > 0 && (!a || a.rank !== 2 || a.shape[0] !== graph.numEdges || a.shape[1] !== Fe)) {
      throw new RangeError(`HEGNN.forward: 'edgeAttr' has shape ${a ? shape(a) : 'undefined'}, expected [${graph.numEdges}, ${Fe}]`);
    }
    if (this.velocity) {
      const v = inputs.vel;
      if (!v || v.rank !== 2 || v.shape[0] !== N || v.shape[1] !== 3) throw new RangeError(`HEGNN.forward: 'vel' has shape ${v ? shape(v) : 'undefined'}, expected [${N}, 3]`);
    }
  }
}

/** Mean position of every node's graph, `[N, 3]`. */
function centroids(x: Tensor, graph: GraphIndex, assignment?: GraphAssignment): Tensor {
  const N = graph.numNodes;
  const ids = assignment ? (assignment.nodeGraph instanceof Int32Array ? assignment.nodeGraph : (assignment.nodeGraph.toArray() as Int32Array)) : new Int32Array(N);
  const numGraphs = assignment?.numGraphs ?? 1;
  if (ids.length !== N) throw new RangeError(`HEGNN: 'assignment.nodeGraph' has ${ids.length} entries, expected ${N}`);
  const counts = new Float64Array(numGraphs);
  for (const g of ids) {
    if (!Number.isInteger(g) || g < 0 || g >= numGraphs) throw new RangeError(`HEGNN: 'assignment.nodeGraph' holds ${g}, outside [0, ${numGraphs})`);
    counts[g]++;
  }
  const index = tensor(ids, [N], { dtype: 'int32', backend: graph.backend });
  const inv = tensor(counts.map((c) => 1 / Math.max(c, 1)), [numGraphs, 1], { dtype: x.dtype as FloatDType, backend: graph.backend });
  return indexSelect(mul(scatterSum(x, index, numGraphs), inv), index);
}

function onesFor(cache: WeakMap<GraphIndex, Tensor>, graph: GraphIndex, dtype: FloatDType): Tensor {
  let t = cache.get(graph);
  if (!t || t.dtype !== dtype) {
    t = ones([graph.numEdges, 1], { dtype, backend: graph.backend });
    cache.set(graph, t);
  }
  return t;
}
