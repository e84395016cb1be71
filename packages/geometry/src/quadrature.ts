/**
 * Quadrature on [-1, 1] and on the sphere, used to check orthonormality of the spherical
 * harmonics (and useful for S² grids).
 */

/**
 * Gauss–Legendre nodes and weights on [-1, 1] (n points, exact for polynomials of degree
 * ≤ 2n − 1), by Newton's method on P_n from Chebyshev initial guesses.
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`gaussLegendre: n must be a positive integer, got ${n}`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // P_n(t) and P_n'(t) by the three-term recurrence.
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      if (n === 1) [p0, p1] = [1, t];
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    nodes[i] = -t;
    nodes[n - 1 - i] = t;
    const w = 2 / ((1 - t * t) * dp * dp);
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  return { nodes, weights };
}

/**
 * Product quadrature on the unit sphere: Gauss–Legendre in the polar cosine (along y, e3nn's polar
 * axis) × `nPhi` uniform azimuths. Exact for spherical polynomials of degree ≤ min(2 nTheta − 1,
 * nPhi − 1). Returns points [N, 3] and weights [N] summing to 4π.
 */
export function sphereQuadrature(nTheta: number, nPhi: number): { points: Float64Array; weights: Float64Array } {
  const { nodes, weights: w } = gaussLegendre(nTheta);
  const points = new Float64Array(nTheta * nPhi * 3);
  const weights = new Float64Array(nTheta * nPhi);
  let k = 0;
  for (let i = 0; i < nTheta; i++) {
    const y = nodes[i]!;
    const s = Math.sqrt(Math.max(0, 1 - y * y));
    for (let j = 0; j < nPhi; j++) {
      const phi = (2 * Math.PI * j) / nPhi;
      points[3 * k] = s * Math.sin(phi);
      points[3 * k + 1] = y;
      points[3 * k + 2] = s * Math.cos(phi);
      weights[k] = (w[i]! * 2 * Math.PI) / nPhi;
      k++;
    }
  }
  return { points, weights };
}
