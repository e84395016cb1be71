/**
 * Layers of Structural Message Passing (Vignac, Loukas & Frossard, "Building
 * powerful and equivariant graph neural networks with structural
 * message-passing", NeurIPS 2020, arXiv:2006.15107), on the flattened context
 * layout of {@link ContextIndex}.
 *
 * The paper's SMP layer (§3) updates every local context matrix U_i ∈ R^{n×c}:
 *
 *     U_i ← u(U_i, Ũ_i),    Ũ_i = φ({ m(U_i, U_j, y_ij) : j ∈ N(i) }),
 *
 * and is permutation equivariant when m and u are equivariant functions of the
 * rows of their matrix arguments (the rows of U_i, U_j are indexed by the same
 * nodes k, so any set-equivariant network acting on the rows qualifies;
 * Theorem 1 of the paper). Our choices, from the authors' code
 * (github.com/cvignac/SMP, `models/smp_layers.py`, `models/utils/layers.py`):
 *
 *     f(U)_i[k]       = U_i[k] W1 + b + mean_l(U_i[l]) W3 + δ_ik · mean_l(U_i[l]) W2      (ContextLinear; the authors' `UtoU`)
 *     m(U_i, U_j, y)[k] = f_m(U)_j[k] + ρ(U_i[k] A + U_j[k] B + y C + a) D                  (f_m: `message_nn`; ρ(…)D: `TypeBSMPLayer`'s order-2 term)
 *     Ũ_i             = s · Σ_{j∈N(i)} m(U_i, U_j, y_ij)                                    (s: 1, 1/deg_i, or 1/average degree as the authors)
 *     U_i ←  ρ(f_u(U)_i + Ũ_i) (+ U_i when widths match)                                   (u)
 *
 * All maps act row-wise with weights shared across rows, plus the row mean and
 * the node's own row (the identifier row U_i[i]); hence equivariance.
 */
import { add, deriveSeed, indexSelect, mul, scatterSum, type FloatDType, type Tensor, type UnaryOp, runUnary } from '@equigraph/core';
import { Linear, Module } from '@equigraph/layers';
import type { ContextIndex } from './smp-context.js';

export interface ContextLinearOptions {
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

/**
 * The permutation-equivariant linear map of one context matrix (DeepSets over
 * its rows, plus the self row): `[R, in]` → `[R, out]`.
 */
export class ContextLinear extends Module {
  readonly row: Linear;
  readonly meanToAll: Linear;
  readonly meanToSelf: Linear;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: ContextLinearOptions = {},
  ) {
    super();
    const seed = options.seed ?? 0;
    const common = { dtype: options.dtype, backend: options.backend };
    this.row = new Linear(inFeatures, outFeatures, { ...common, seed: deriveSeed(seed, 'row') });
    this.meanToAll = new Linear(inFeatures, outFeatures, { ...common, bias: false, seed: deriveSeed(seed, 'meanToAll') });
    this.meanToSelf = new Linear(inFeatures, outFeatures, { ...common, bias: false, seed: deriveSeed(seed, 'meanToSelf') });
  }

  forward(u: Tensor, index: ContextIndex): Tensor {
    const rowMean = mul(scatterSum(u, index.rowOwner, index.numNodes), index.inverseNodeGraphSize(u.dtype as FloatDType));
    const toAll = indexSelect(this.meanToAll.forward(rowMean), index.rowOwner);
    const toSelf = scatterSum(this.meanToSelf.forward(rowMean), index.selfRow, index.numRows);
    return add(add(this.row.forward(u), toAll), toSelf);
  }
}

export interface SMPLayerOptions {
  /** Width of edge attributes y_ij; default 0. */
  edgeFeatures?: number;
  /** Nonlinearity ρ; default silu. */
  activation?: UnaryOp;
  /** Normalisation of the neighbour sum; default 'averageDegree' (the authors'). */
  aggregation?: 'sum' | 'mean' | 'averageDegree';
  /** Add U_i to the output when in = out; default true. */
  residual?: boolean;
  dtype?: FloatDType;
  seed?: number;
  backend?: string;
}

export interface SMPLayerInputs {
  /** Edge attributes `[E, edgeFeatures]`, one row per edge of the index. */
  edgeAttr?: Tensor;
}

/** One SMP layer: `[R, in]` → `[R, out]` on a {@link ContextIndex}. */
export class SMPLayer extends Module {
  readonly message: ContextLinear;
  readonly pairTarget: Linear;
  readonly pairSource: Linear;
  readonly pairEdge: Linear | undefined;
  readonly pairOut: Linear;
  readonly update: ContextLinear;
  readonly activation: UnaryOp;
  readonly aggregation: 'sum' | 'mean' | 'averageDegree';
  readonly residual: boolean;
  readonly edgeFeatures: number;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: SMPLayerOptions = {},
  ) {
    super();
    const seed = options.seed ?? 0;
    const common = { dtype: options.dtype, backend: options.backend };
    this.edgeFeatures = options.edgeFeatures ?? 0;
    this.activation = options.activation ?? 'silu';
    this.aggregation = options.aggregation ?? 'averageDegree';
    this.residual = (options.residual ?? true) && inFeatures === outFeatures;
    this.message = new ContextLinear(inFeatures, outFeatures, { ...common, seed: deriveSeed(seed, 'message') });
    this.pairTarget = new Linear(inFeatures, outFeatures, { ...common, seed: deriveSeed(seed, 'pairTarget') });
    this.pairSource = new Linear(inFeatures, outFeatures, { ...common, bias: false, seed: deriveSeed(seed, 'pairSource') });
    this.pairEdge = this.edgeFeatures > 0 ? new Linear(this.edgeFeatures, outFeatures, { ...common, bias: false, seed: deriveSeed(seed, 'pairEdge') }) : undefined;
    this.pairOut = new Linear(outFeatures, outFeatures, { ...common, bias: false, seed: deriveSeed(seed, 'pairOut') });
    this.update = new ContextLinear(inFeatures, outFeatures, { ...common, seed: deriveSeed(seed, 'update') });
  }

  forward(u: Tensor, index: ContextIndex, inputs: SMPLayerInputs = {}): Tensor {
    if (u.rank !== 2 || u.shape[0] !== index.numRows || u.shape[1] !== this.inFeatures) {
      throw new RangeError(`SMPLayer.forward: 'u' has shape [${u.shape.join(', ')}], expected [${index.numRows}, ${this.inFeatures}]`);
    }
    const dtype = u.dtype as FloatDType;
    const act = (t: Tensor) => runUnary(this.activation, t);
    // Row-wise terms are computed once per context row, then moved along the context edges.
    let pre = add(indexSelect(this.pairTarget.forward(u), index.ctxTarget), indexSelect(this.pairSource.forward(u), index.ctxSource));
    if (this.pairEdge) {
      const y = inputs.edgeAttr;
      if (!y || y.rank !== 2 || y.shape[0] !== index.numEdges || y.shape[1] !== this.edgeFeatures) {
        throw new RangeError(`SMPLayer.forward: 'edgeAttr' must be [${index.numEdges}, ${this.edgeFeatures}], got ${y ? `[${y.shape.join(', ')}]` : 'none'}`);
      }
      pre = add(pre, indexSelect(this.pairEdge.forward(y), index.ctxEdge));
    }
    const messages = add(indexSelect(this.message.forward(u, index), index.ctxSource), this.pairOut.forward(act(pre)));
    let aggregated = scatterSum(messages, index.ctxTarget, index.numRows);
    if (this.aggregation !== 'sum') aggregated = mul(aggregated, index.aggregationScale(this.aggregation, dtype));
    const out = act(add(this.update.forward(u, index), aggregated));
    return this.residual ? add(out, u) : out;
  }
}
