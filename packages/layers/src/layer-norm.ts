import { add, div, mean, mul, ones, sqrt, square, sub, zeros, type FloatDType, type Tensor } from '@equigraph/core';
import { Module, Parameter } from './module.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learnable per-feature gain and bias (PyTorch's elementwise_affine). Default true. */
  affine?: boolean;
  dtype?: FloatDType;
  backend?: string;
}

/**
 * Layer normalisation over the last axis (Ba, Kiros & Hinton 2016):
 * y = (x − mean) / √(var + ε) · γ + β, with the biased variance as PyTorch.
 * For invariant (scalar) features only; equivariant features use the norm-based
 * layers of @equigraph/geometry, which keep directions.
 */
export class LayerNorm extends Module {
  readonly gain: Parameter | undefined;
  readonly bias: Parameter | undefined;
  private readonly eps: number;

  constructor(
    readonly features: number,
    options: LayerNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    const init = { dtype: options.dtype ?? 'float32', backend: options.backend } as const;
    if (options.affine !== false) {
      this.gain = new Parameter(ones([features], init));
      this.bias = new Parameter(zeros([features], init));
    }
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.features) {
      throw new RangeError(`LayerNorm.forward: 'x' has shape [${x.shape.join(', ')}], expected last axis ${this.features}`);
    }
    const centred = sub(x, mean(x, -1, true));
    const normalised = div(centred, sqrt(add(mean(square(centred), -1, true), this.eps)));
    return this.gain && this.bias ? add(mul(normalised, this.gain.value), this.bias.value) : normalised;
  }
}
