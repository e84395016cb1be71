import { gradients } from '../autograd.js';
import { formatShape } from '../shape.js';
import { tensor } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';

export interface CheckGradsOptions {
  /** Central-difference step (float64). */
  eps?: number;
  /** Allowed |analytic − numeric| ≤ atol + rtol·|numeric|. */
  atol?: number;
  rtol?: number;
  /** Also check second derivatives: the gradient of ⟨∇f, v⟩ for a random v, by differences of the gradient. */
  order?: 1 | 2;
  rng?: Rng;
}

/**
 * Checks the autograd gradient of f (any output shape) against central finite
 * differences in float64. The output is contracted with a fixed random-ish
 * weight so every output element contributes. Throws with the worst entry.
 */
export function checkGrads(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: CheckGradsOptions = {}): void {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-7;
  const rtol = options.rtol ?? 1e-5;
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64') throw new TypeError(`checkGrads: input ${i} is ${x.dtype}; finite differences need float64`);
  }
  // A fixed, non-uniform contraction weight makes the scalar sensitive to every output element.
  const probe = (y: Tensor) => {
    const w = new Float64Array(y.size).map((_, k) => 1 + 0.37 * Math.sin(1.3 * k + 0.5));
    return sum(mul(y, tensor(w, y.shape, { dtype: 'float64', backend: y.backend })));
  };
  const scalarF = (...xs: Tensor[]) => probe(f(...xs));
  compareWithDifferences(scalarF, inputs, eps, atol, rtol, 'first');
  if ((options.order ?? 1) >= 2) {
    // Second order: differentiate g(x) = ⟨∇_x scalarF(x), v⟩, itself computed by autograd.
    const vs = inputs.map((x) => tensor(new Float64Array(x.size).map((_, k) => Math.cos(0.7 * k + 0.2)), x.shape, { dtype: 'float64', backend: x.backend }));
    const secondF = (...xs: Tensor[]) => {
      const tracked = xs.map((x) => (x.requiresGrad ? x : x.withGrad()));
      const grads = gradients(scalarF(...tracked), tracked, { createGraph: true });
      return grads.reduce<Tensor>((acc, g, k) => (g ? (acc ? acc.add(sum(mul(g, vs[k]))) : sum(mul(g, vs[k]))) : acc), undefined as unknown as Tensor);
    };
    compareWithDifferences(secondF, inputs, Math.sqrt(eps) * 1e-2, atol * 100, rtol * 100, 'second');
  }
}

function compareWithDifferences(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], eps: number, atol: number, rtol: number, order: string): void {
  const tracked = inputs.map((x) => x.withGrad());
  const y = f(...tracked);
  // An output that autograd sees as constant (e.g. the second derivative of a linear op) has zero gradient.
  const analytic = y.requiresGrad ? gradients(y, tracked) : tracked.map(() => undefined);
  inputs.forEach((x, i) => {
    const base = x.toArray() as Float64Array;
    const numeric = new Float64Array(x.size);
    for (let k = 0; k < x.size; k++) {
      const at = (delta: number) => {
        const moved = base.slice();
        moved[k] += delta;
        const args = inputs.map((t, j) => (j === i ? tensor(moved, x.shape, { dtype: 'float64', backend: x.backend }) : t));
        return f(...args).item();
      };
      numeric[k] = (at(eps) - at(-eps)) / (2 * eps);
    }
    const got = analytic[i]?.toArray() ?? new Float64Array(x.size);
    // Central differences lose about ε_machine·|f|/eps to roundoff: scale atol with |f|.
    const scaledAtol = atol * Math.max(1, Math.abs(y.item()));
    let worst = -1;
    let worstExcess = 0;
    for (let k = 0; k < x.size; k++) {
      const excess = Math.abs(got[k] - numeric[k]) - (scaledAtol + rtol * Math.abs(numeric[k]));
      if (!(excess <= worstExcess)) {
        worst = k;
        worstExcess = excess;
      }
    }
    if (worst >= 0) {
      throw new Error(`checkGrads: ${order}-order gradient of input ${i} ${formatShape(x.shape)} at flat index ${worst}: autograd ${got[worst]}, finite differences ${numeric[worst]}`);
    }
  });
}
