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
 * - {@link GaussianBasis}: SchNet's Gaussian smearing (Schütt et al. 2017):
 *     e_k(d) = exp(−γ (d − μ_k)²), μ_k evenly spaced on [0, c], γ = ½ / Δμ²,
 *   as torch_geometric's `GaussianSmearing`; optionally times the cosine cutoff.
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

/** One constant row [1, K] per (dtype, backend), built once: bases are called every step. */
class ConstantRows {
  private readonly cache = new Map<string, Tensor>();
  constructor(private readonly values: Float64Array) {}
  get(dtype: FloatDType, backend: Tensor['backend']): Tensor {
    const key = `${dtype}/${backend.name}`;
    let t = this.cache.get(key);
    if (!t) {
      t = tensor(this.values, [1, this.values.length], { dtype, backend });
      this.cache.set(key, t);
    }
    return t;
  }
}

function checkNumBasis(op: string, numBasis: number): void {
  if (!Number.isInteger(numBasis) || numBasis < 1) throw new RangeError(`${op}: 'numBasis' must be a positive integer, got ${numBasis}`);
}

/** torch.linspace(start, end, n). */
const linspace = (start: number, end: number, n: number) =>
  Float64Array.from({ length: n }, (_, k) => (n === 1 ? start : start + ((end - start) * k) / (n - 1)));

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
  private readonly meanRows: ConstantRows;
  private readonly betaRows: ConstantRows;

  constructor(
    readonly numBasis: number,
    readonly cutoff: number,
  ) {
    checkNumBasis('ExpNormalBasis', numBasis);
    checkCutoff('ExpNormalBasis', cutoff);
    const start = Math.exp(-cutoff);
    const end = 1; // exp(−soft_cutoff_lower), lower = 0
    this.means = linspace(start, end, numBasis);
    this.betas = new Float64Array(numBasis).fill(((2 / numBasis) * (end - start)) ** -2);
    this.meanRows = new ConstantRows(this.means);
    this.betaRows = new ConstantRows(this.betas);
  }

  /** distances `[E]` or `[E, 1]` → `[E, numBasis]`. */
  forward(distances: Tensor): Tensor {
    const d = column(distances, 'ExpNormalBasis.forward');
    const dtype = d.dtype as FloatDType;
    const g = exp(mul(square(sub(exp(d.neg()), this.meanRows.get(dtype, d.backend))), this.betaRows.get(dtype, d.backend)).neg());
    return mul(g, cosineCutoff(d, this.cutoff));
  }
}

/** SchNet / PyG `GaussianSmearing`: exp(−γ (d − μ_k)²), μ_k on [0, c], γ = ½/Δμ². */
export class GaussianBasis {
  readonly means: Float64Array;
  readonly gamma: number;
  readonly cutoffEnvelope: boolean;
  private readonly meanRows: ConstantRows;

  constructor(
    readonly numBasis: number,
    readonly cutoff: number,
    options: RadialBasisOptions = {},
  ) {
    checkNumBasis('GaussianBasis', numBasis);
    checkCutoff('GaussianBasis', cutoff);
    this.means = linspace(0, cutoff, numBasis);
    const spacing = numBasis > 1 ? this.means[1] - this.means[0] : cutoff;
    this.gamma = 0.5 / (spacing * spacing);
    this.cutoffEnvelope = options.cutoffEnvelope ?? false;
    this.meanRows = new ConstantRows(this.means);
  }

  /** distances `[E]` or `[E, 1]` → `[E, numBasis]`. */
  forward(distances: Tensor): Tensor {
    const d = column(distances, 'GaussianBasis.forward');
    const g = exp(mul(square(sub(d, this.meanRows.get(d.dtype as FloatDType, d.backend))), -this.gamma));
    return this.cutoffEnvelope ? mul(g, cosineCutoff(d, this.cutoff)) : g;
  }
}

/** DimeNet radial Bessel functions √(2/c) sin(nπd/c)/d, n = 1…K (frequencies fixed, not trained). */
export class BesselBasis {
  readonly cutoffEnvelope: boolean;
  private readonly frequencyRows: ConstantRows;

  constructor(
    readonly numBasis: number,
    readonly cutoff: number,
    options: RadialBasisOptions = {},
  ) {
    checkNumBasis('BesselBasis', numBasis);
    checkCutoff('BesselBasis', cutoff);
    this.cutoffEnvelope = options.cutoffEnvelope ?? true;
    this.frequencyRows = new ConstantRows(Float64Array.from({ length: numBasis }, (_, k) => ((k + 1) * Math.PI) / cutoff));
  }

  /** distances `[E]` or `[E, 1]` (> 0) → `[E, numBasis]`. */
  forward(distances: Tensor): Tensor {
    const d = column(distances, 'BesselBasis.forward');
    const w = this.frequencyRows.get(d.dtype as FloatDType, d.backend);
    const b = mul(sin(mul(d, w)).div(d), Math.sqrt(2 / this.cutoff));
    return this.cutoffEnvelope ? mul(b, cosineCutoff(d, this.cutoff)) : b;
  }
}
