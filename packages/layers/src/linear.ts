import { add, matmul, Rng, tensor, type FloatDType, type Tensor } from '@equigraph/core';
import { Module, Parameter } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: FloatDType;
  /** Seed of the deterministic initialisation. */
  seed?: number;
  /** Backend name; defaults to the active backend. */
  backend?: string;
}

/** Uniform(−bound, bound) values from a seeded generator. */
export function uniformInit(rng: Rng, shape: number[], bound: number, dtype: FloatDType, backend?: string): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.uniform(-bound, bound));
  return tensor(values, shape, { dtype, backend });
}

/** y = x·W + b over the last axis, W of shape [in, out]; PyTorch's default init, U(±1/√in). */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const rng = new Rng(options.seed ?? 0);
    const dtype = options.dtype ?? 'float32';
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = new Parameter(uniformInit(rng, [inFeatures, outFeatures], bound, dtype, options.backend));
    this.bias = options.bias === false ? undefined : new Parameter(uniformInit(rng, [outFeatures], bound, dtype, options.backend));
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new RangeError(`Linear.forward: 'x' has shape [${x.shape.join(', ')}], expected last axis ${this.inFeatures}`);
    }
    const flat = x.rank === 2 ? x : x.reshape([-1, this.inFeatures]);
    let y = matmul(flat, this.weight.value);
    if (this.bias) y = add(y, this.bias.value);
    return x.rank === 2 ? y : y.reshape([...x.shape.slice(0, -1), this.outFeatures]);
  }
}
