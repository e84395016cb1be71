import type { Tensor } from '../tensor.js';
import { assertClose } from './compare.js';

export interface EquivarianceOptions {
  atol?: number;
  rtol?: number;
  label?: string;
}

/**
 * Checks f(g·x) = g·f(x) for one group element g, given how g acts on the
 * inputs and on the output (rotation, reflection, translation, permutation…).
 * For invariance, let `actOnOutput` be the identity.
 */
export function assertEquivariant(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  actOnInputs: (...xs: Tensor[]) => Tensor[],
  actOnOutput: (y: Tensor) => Tensor,
  options: EquivarianceOptions = {},
): void {
  const transformedFirst = f(...actOnInputs(...inputs));
  const transformedAfter = actOnOutput(f(...inputs));
  assertClose(transformedFirst, transformedAfter, { atol: options.atol ?? 1e-9, rtol: options.rtol ?? 1e-9 }, options.label ?? 'equivariance');
}
