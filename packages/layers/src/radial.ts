/**
 * Radial bases and smooth cutoffs for interatomic distances.
 *
 * - {@link cosineCutoff}: f_c(d) = ½(cos(π d / c) + 1) for d < c, 0 beyond
 *   (Behler 2011; SchNet, PhysNet, TorchMD-Net, LEFTNet). f_c(c) = f_c′(c) = 0,
 *   so a quantity multiplied by it goes to zero smoothly (value and first
 *   derivative) as a neighbour leaves the cutoff sphere.
 * - {@link ExpNormalBasis}: the "exponential normal" functions of PhysNet
 *   (Unke & Meuwly 2019, eq. 7) as written in LEFTNet's `rbf_emb` (Du et al.,
 *   NeurIPS 2023, github.com/yuanqidu/LeftNet `model.py`) and TorchMD-Net's
 *   `ExpNormalSmearing`:
 *     e_k(d) = f_c(d) · exp(−β_k (exp(−d) − μ_k)²),
 *   μ_k evenly spaced on [exp(−c), 1], β_k = (2/K · (1 − exp(−c)))⁻².
 * - {@link BesselBasis}: DimeNet's radial Bessel functions (Gasteiger et al.,
 *   ICLR 2020, eq. 7), e_n(d) = √(2/c) · sin(n π d / c) / d, n = 1…K,
 *   optionally multiplied by the cosine cutoff.
 *
 * All take distances `[E]` or `[E, 1]` and return `[E, K]` (cutoff: `[E, 1]`),
 * are made of differentiable ops (twice differentiable: forces and force
 * training), and hold no parameters (the authors register μ, β as buffers).
 */
import { cos, exp, mul, reshape, sin, square, step, sub, tensor, type FloatDType, type Tensor } from '@equigraph/core';

function column(d: Tensor, op: string): Tensor {
  if (d.rank === 1) return reshape(d, [d.shape[0], 1]);
  if (d.rank === 2 && d.shape[1] === 1) return d;
  throw new RangeError(`${op}: 'distances' has shape [${d.shape.join(', ')}], expected [E] or [E, 1]`);
}

function checkCutoff(op: string, cutoff: number): void {
  if (!(Number.isFinite(cutoff) && cutoff > 0)) throw new RangeError(`${op}: 'cutoff' must be a finite number > 0, got ${cutoff}`);
}

/**
 * ½(cos(π d / c) + 1) · [d < c], `[E, 1]`. The indicator is a step function
 * (zero gradient); within a radius graph of the same cutoff it is always 1.
 */
export function cosineCutoff(distances: Tensor, cutoff: number): Tensor {
  checkCutoff('cosineCutoff', cutoff);
  const d = column(distances, 'cosineCutoff');
  const smooth = mul(cos(mul(d, Math.PI / cutoff)).add(1), 0.5);
  return mul(smooth, step(sub(cutoff, d)));
}

export interface RadialBasisOptions {
  /** Multiply every function by {@link cosineCutoff} (ExpNormal: always, as the authors). */
  cutoffEnvelope?: boolean;
}

/** PhysNet / LEFTNet `rbf_emb` exponential-normal functions with the cosine cutoff. */
export class ExpNormalBasis {
  /** μ_k, evenly spaced on [exp(−c), 1]. */
  readonly means: Float64Array;
  /** β_k = (2/K · (1 − exp(−c)))⁻² (all equal). */
  readonly betas: Float64Array;
  private readonly cache = new Map<string, { means: Tensor; betas: Tensor }>();

  constructor(
    readonly numBasis: number,
    readonly cutoff: number,
  ) {
    if (!Number.isInteger(numBasis) || numBasis < 1) throw new RangeError(`ExpNormalBasis: 'numBasis' must be a positive integer, got ${numBasis}`);
    checkCutoff('ExpNormalBasis', cutoff);
    const start = Math.exp(-cutoff);
    const end = 1; // exp(−soft_cutoff_lower), lower = 0
    // torch.linspace(start, end, K)
    this.means = Float64Array.from({ length: numBasis }, (_, k) => (numBasis === 1 ? start : start + ((end - start) * k) / (numBasis - 1)));
    this.betas = new Float64Array(numBasis).fill(((2 / numBasis) * (end - start)) ** -2);
  }

  private constants(dtype: FloatDType, backend: Tensor['backend']): { means: Tensor; betas: Tensor } {
    const key = `${dtype}/${backend.name}`;
    let c = this.cache.get(key);
    if (!c) {
      c = {
        means: tensor(this.means, [1, this.numBasis], { dtype, backend }),
        betas: tensor(this.betas, [1, this.numBasis], { dtype, backend }),
      };
      this.cache.set(key, c);
    }
    return c;
  }

  /** distances `[E]` or `[E, 1]` → `[E, numBasis]`. */
  forward(distances: Tensor): Tensor {
    const d = column(distances, 'ExpNormalBasis.forward');
    const { means, betas } = this.constants(d.dtype as FloatDType, d.backend);
    const g = exp(mul(square(sub(exp(d.neg()), means)), betas).neg());
    return mul(g, cosineCutoff(d, this.cutoff));
  }
}

/** DimeNet radial Bessel functions √(2/c) sin(nπd/c)/d, n = 1…K (frequencies fixed, not trained). */
export class BesselBasis {
  private readonly cache = new Map<string, Tensor>();
  readonly cutoffEnvelope: boolean;

  constructor(
    readonly numBasis: number,
    readonly cutoff: number,
    options: RadialBasisOptions = {},
  ) {
    if (!Number.isInteger(numBasis) || numBasis < 1) throw new RangeError(`BesselBasis: 'numBasis' must be a positive integer, got ${numBasis}`);
    checkCutoff('BesselBasis', cutoff);
    this.cutoffEnvelope = options.cutoffEnvelope ?? true;
  }

  private frequencies(dtype: FloatDType, backend: Tensor['backend']): Tensor {
    const key = `${dtype}/${backend.name}`;
    let t = this.cache.get(key);
    if (!t) {
      t = tensor(Float64Array.from({ length: this.numBasis }, (_, k) => ((k + 1) * Math.PI) / this.cutoff), [1, this.numBasis], { dtype, backend });
      this.cache.set(key, t);
    }
    return t;
  }

  /** distances `[E]` or `[E, 1]` (> 0) → `[E, numBasis]`. */
  forward(distances: Tensor): Tensor {
    const d = column(distances, 'BesselBasis.forward');
    const w = this.frequencies(d.dtype as FloatDType, d.backend);
    const b = mul(sin(mul(d, w)).div(d), Math.sqrt(2 / this.cutoff));
    return this.cutoffEnvelope ? mul(b, cosineCutoff(d, this.cutoff)) : b;
  }
}
