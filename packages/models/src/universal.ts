/**
 * Invariant and equivariant graph networks on order-2 (adjacency / edge
 * feature) tensors:
 *
 * - {@link EquivariantLinear}: the general linear permutation-equivariant layer
 *   R^{n^l × c} → R^{n^k × c'} of Maron, Ben-Hamu, Shamir & Lipman, "Invariant
 *   and Equivariant Graph Networks" (ICLR 2019): L(X) = Σ_γ B_γ(X) W_γ + Σ_β C_β b_β,
 *   one coefficient matrix W_γ ∈ R^{c×c'} per basis operator (eq. 6 of the
 *   paper with channels, `equi_2_to_2` in the authors' code) and one bias
 *   vector per constant equivariant pattern C_β (bell(k) of them: for k = 2 the
 *   all-ones matrix and the identity, the authors' `all_bias` and `diag_bias`).
 * - {@link UniversalGraphNetwork}: the one-hidden-layer network of Keriven &
 *   Peyré, "Universal Invariant and Equivariant Graph Neural Networks"
 *   (NeurIPS 2019), eq. (3) (invariant) and eq. (5) (equivariant):
 *
 *       f(G)  = Σ_s H_s[ ρ(F_s[G] + B_s) ] + b,   F_s : R^{n^2} → R^{n^{k_s}} equivariant linear,
 *                                                 H_s : R^{n^{k_s}} → R (invariant) or → R^n (equivariant),
 *
 *   with ρ a pointwise non-polynomial nonlinearity. Keriven & Peyré prove
 *   universality as the hidden orders k_s grow; with order k_s = 2 only, the
 *   network is bounded by the 2-WL test (≡ 1-WL; Maron et al. 2019b, Chen et
 *   al. 2020), so it cannot tell apart, e.g., two regular graphs with the same
 *   degree and size. Hidden order 3 already separates graphs by their triangle
 *   counts. The hidden orders are an option (default `[2]`).
 *
 * Graphs of different sizes: every basis operator is defined for any n and is
 * normalised to an average (divide by n for every summed index), as Keriven &
 * Peyré do to make the operators size-independent; see `equivariant-basis.ts`.
 * A batch is a disjoint list of graphs, each its own n_g × n_g block, flattened
 * to rows `[Σ_g n_g², c]` (rows of graph g in row-major (i, j) order): no
 * padding, and a graph's output depends only on its own block.
 */
import { add, deriveSeed, matmul, Rng, tensor, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { Module, Parameter } from '@equigraph/layers';
import { applyBasis, EquivariantBasis, rowOffsets } from './equivariant-basis.js';

export interface EquivariantLinearOptions {
  /** Learnable biases on the bell(k) constant equivariant patterns; default true. */
  bias?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/**
 * Linear permutation-equivariant map from order-l to order-k tensors with
 * channels: x `[Σ_g n_g^l, inChannels]` → `[Σ_g n_g^k, outChannels]`.
 * Coefficients `[bell(l+k), inChannels, outChannels]` start N(0, 2/(c + c'))
 * as in the authors' code; biases `[bell(k), outChannels]` start at 0.
 */
export class EquivariantLinear extends Module {
  readonly basis: EquivariantBasis;
  readonly biasBasis: EquivariantBasis | undefined;
  readonly coeffs: Parameter;
  readonly bias: Parameter | undefined;
  readonly dtype: FloatDType;

  constructor(
    readonly inOrder: number,
    readonly outOrder: number,
    readonly inChannels: number,
    readonly outChannels: number,
    options: EquivariantLinearOptions = {},
  ) {
    super();
    this.basis = new EquivariantBasis(inOrder, outOrder);
    this.dtype = options.dtype ?? 'float32';
    const rng = new Rng(options.seed ?? 0);
    const B = this.basis.numOps;
    const std = Math.sqrt(2 / (inChannels + outChannels));
    const values = rng.fillNormal(new Float64Array(B * inChannels * outChannels), 0, std);
    this.coeffs = new Parameter(tensor(values, [B, inChannels, outChannels], { dtype: this.dtype, backend: options.backend }));
    if (options.bias !== false) {
      this.biasBasis = new EquivariantBasis(0, outOrder);
      this.bias = new Parameter(tensor(new Float64Array(this.biasBasis.numOps * outChannels), [this.biasBasis.numOps, outChannels], { dtype: this.dtype, backend: options.backend }));
    }
  }

  /** x `[Σ_g n_g^l, inChannels]` for graphs of `sizes` → `[Σ_g n_g^k, outChannels]`. */
  forward(x: Tensor, sizes: readonly number[]): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inChannels) {
      throw new RangeError(`EquivariantLinear.forward: 'x' has shape [${x.shape.join(', ')}], expected [rows, ${this.inChannels}]`);
    }
    const B = this.basis.numOps;
    const ops = applyBasis(this.basis, x, sizes);
    let y = matmul(ops, this.coeffs.value.reshape([B * this.inChannels, this.outChannels]));
    if (this.bias && this.biasBasis) y = add(y, matmul(this.biasPatterns(sizes, x), this.bias.value));
    return y;
  }

  /** The bell(k) constant patterns `[Σ_g n_g^k, bell(k)]` (the bias basis applied to a 1 per graph). */
  private biasPatterns(sizes: readonly number[], like: Tensor): Tensor {
    const ones = tensor(new Float64Array(sizes.length).fill(1), [sizes.length, 1], { dtype: like.dtype, backend: like.backend });
    return applyBasis(this.biasBasis!, ones, sizes);
  }
}

/** One hidden block of Keriven & Peyré's network: an order-k hidden tensor with `channels` channels. */
export interface HiddenBlock {
  order: number;
  channels: number;
}

export interface UniversalGraphNetworkOptions {
  /** Channels of the input edge tensor (1 for a plain adjacency matrix). */
  inChannels: number;
  /** Hidden width (order-2 hidden tensor), or a list of hidden blocks of given orders; default 16. */
  hidden?: number | readonly HiddenBlock[];
  outChannels: number;
  /** `'invariant'`: one output row per graph; `'equivariant'`: one per node. Default invariant. */
  output?: 'invariant' | 'equivariant';
  /** Pointwise nonlinearity ρ; default relu (Maron et al.'s code). */
  activation?: UnaryOp;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/**
 * Keriven & Peyré's one-hidden-layer invariant / equivariant network on
 * order-2 inputs (adjacency matrix or edge features, diagonal free for node
 * features): input `[n, n, c]` for one graph or `[Σ_g n_g², c]` with `sizes`
 * for a batch; output `[numGraphs, outChannels]` (invariant) or
 * `[Σ_g n_g, outChannels]` (equivariant).
 */
export class UniversalGraphNetwork extends Module {
  readonly hiddenLayers: EquivariantLinear[];
  readonly outputLayers: EquivariantLinear[];
  readonly outputBias: Parameter;
  readonly blocks: readonly HiddenBlock[];
  readonly output: 'invariant' | 'equivariant';
  readonly activation: UnaryOp;
  readonly inChannels: number;
  readonly outChannels: number;

  constructor(options: UniversalGraphNetworkOptions) {
    super();
    const hidden = options.hidden ?? 16;
    this.blocks = typeof hidden === 'number' ? [{ order: 2, channels: hidden }] : [...hidden];
    if (this.blocks.length === 0) throw new RangeError('UniversalGraphNetwork: needs at least one hidden block');
    this.output = options.output ?? 'invariant';
    this.activation = options.activation ?? 'relu';
    this.inChannels = options.inChannels;
    this.outChannels = options.outChannels;
    const seed = options.seed ?? 0;
    const common = { dtype: options.dtype, backend: options.backend };
    const outOrder = this.output === 'invariant' ? 0 : 1;
    this.hiddenLayers = this.blocks.map((b, s) => new EquivariantLinear(2, b.order, options.inChannels, b.channels, { ...common, seed: deriveSeed(seed, 'hidden', s) }));
    // One shared output bias (the single constant pattern of order 0 or 1) instead of one per block.
    this.outputLayers = this.blocks.map((b, s) => new EquivariantLinear(b.order, outOrder, b.channels, options.outChannels, { ...common, bias: false, seed: deriveSeed(seed, 'output', s) }));
    this.outputBias = new Parameter(tensor(new Float64Array(options.outChannels), [1, options.outChannels], { dtype: options.dtype ?? 'float32', backend: options.backend }));
  }

  /** x `[n, n, c]` (one graph) or `[Σ_g n_g², c]` with the graph sizes. */
  forward(x: Tensor, sizes?: readonly number[]): Tensor {
    let flat = x;
    let graphSizes = sizes;
    if (sizes === undefined) {
      if (x.rank !== 3 || x.shape[0] !== x.shape[1]) throw new RangeError(`UniversalGraphNetwork.forward: without 'sizes', 'x' must be [n, n, c], got [${x.shape.join(', ')}]`);
      graphSizes = [x.shape[0]];
      flat = x.reshape([x.shape[0] * x.shape[1], x.shape[2]]);
    }
    const rows = rowOffsets(graphSizes!, 2).at(-1)!;
    if (flat.rank !== 2 || flat.shape[0] !== rows || flat.shape[1] !== this.inChannels) {
      throw new RangeError(`UniversalGraphNetwork.forward: 'x' has shape [${x.shape.join(', ')}], expected [${rows}, ${this.inChannels}] for sizes [${graphSizes!.join(', ')}]`);
    }
    let out: Tensor | undefined;
    this.blocks.forEach((_, s) => {
      const h = runUnary(this.activation, this.hiddenLayers[s].forward(flat, graphSizes!));
      const y = this.outputLayers[s].forward(h, graphSizes!);
      out = out ? add(out, y) : y;
    });
    return add(out!, this.outputBias.value);
  }
}
