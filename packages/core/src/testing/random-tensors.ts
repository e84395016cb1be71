import type { FloatDType } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';

/** A tensor of standard normals from a seeded generator, on the given backend. */
export function randomTensor(rng: Rng, shape: readonly number[], dtype: FloatDType = 'float64', backend?: string): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(values);
  return tensor(values, shape, { dtype, backend });
}

/** Uniform values in [low, high): for ops with restricted domains (log, sqrt, pow). */
export function randomUniformTensor(rng: Rng, shape: readonly number[], low: number, high: number, dtype: FloatDType = 'float64', backend?: string): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(low, high);
  return tensor(values, shape, { dtype, backend });
}

/** Random int32 indices in [0, bound). */
export function randomIndex(rng: Rng, length: number, bound: number, backend?: string): Tensor {
  const values = new Int32Array(length);
  for (let i = 0; i < length; i++) values[i] = rng.integer(bound);
  return tensor(values, [length], { dtype: 'int32', backend });
}
