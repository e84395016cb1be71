import { Rng, tensor, type FloatDType, type Tensor } from '@equigraph/core';

/** U(−bound, bound) values of `shape` from a seeded generator. */
export function uniform(rng: Rng, shape: readonly number[], bound: number, dtype: FloatDType, backend?: string): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-bound, bound);
  return tensor(values, shape, { dtype, backend });
}

/** PyTorch's `nn.Linear` default: weight and bias U(±1/√fan_in). */
export const linearBound = (fanIn: number) => 1 / Math.sqrt(fanIn);

/** `torch.nn.init.xavier_uniform_(w, gain)`: U(±gain·√(6 / (fan_in + fan_out))). */
export const xavierBound = (fanIn: number, fanOut: number, gain = 1) => gain * Math.sqrt(6 / (fanIn + fanOut));
