// Shared by the model tests.
import type { Rng } from '@equigraph/core';

/** A random orthogonal matrix (Gram–Schmidt of a Gaussian matrix drawn from `rng`), row-major; det −1 when `reflect`. */
export function randomOrthogonal(rng: Rng, reflect: boolean): Float64Array {
  const a = rng.fillNormal(new Float64Array(9));
  const q = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    const v = [a[3 * r], a[3 * r + 1], a[3 * r + 2]];
    for (let p = 0; p < r; p++) {
      const d = v[0] * q[3 * p] + v[1] * q[3 * p + 1] + v[2] * q[3 * p + 2];
      for (let c = 0; c < 3; c++) v[c] -= d * q[3 * p + c];
    }
    const n = Math.hypot(v[0], v[1], v[2]);
    for (let c = 0; c < 3; c++) q[3 * r + c] = v[c] / n;
  }
  const det = q[0] * (q[4] * q[8] - q[5] * q[7]) - q[1] * (q[3] * q[8] - q[5] * q[6]) + q[2] * (q[3] * q[7] - q[4] * q[6]);
  if ((det < 0) !== reflect) for (let c = 0; c < 3; c++) q[6 + c] = -q[6 + c];
  return q;
}
