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

export interface NVERun {
  /** Total energy (potential + kinetic) at every step, step 0 included. */
  totals: number[];
  kinetic: number[];
}

/**
 * Velocity-Verlet NVE dynamics driven by a model's energy and forces;
 * positions and velocities are updated in place (flat [N·3]).
 */
export function runNVE(
  energyAndForces: (positions: Float64Array) => { energy: number; forces: Float64Array },
  positions: Float64Array,
  velocities: Float64Array,
  masses: Float64Array,
  steps: number,
  dt: number,
): NVERun {
  const kineticEnergy = () => velocities.reduce((k, v, i) => k + 0.5 * masses[Math.floor(i / 3)] * v * v, 0);
  let { energy, forces } = energyAndForces(positions);
  const run: NVERun = { totals: [], kinetic: [] };
  for (let step = 0; ; step++) {
    const k = kineticEnergy();
    run.kinetic.push(k);
    run.totals.push(energy + k);
    if (step === steps) return run;
    for (let i = 0; i < positions.length; i++) {
      velocities[i] += (0.5 * dt * forces[i]) / masses[Math.floor(i / 3)];
      positions[i] += dt * velocities[i];
    }
    ({ energy, forces } = energyAndForces(positions));
    for (let i = 0; i < positions.length; i++) velocities[i] += (0.5 * dt * forces[i]) / masses[Math.floor(i / 3)];
  }
}

/** Random velocities with zero total momentum. */
export function thermalVelocities(rng: Rng, masses: Float64Array, std: number): Float64Array {
  const n = masses.length;
  const vel = rng.fillNormal(new Float64Array(3 * n), 0, std);
  const total = masses.reduce((a, b) => a + b, 0);
  for (let c = 0; c < 3; c++) {
    let p = 0;
    for (let i = 0; i < n; i++) p += masses[i] * vel[3 * i + c];
    for (let i = 0; i < n; i++) vel[3 * i + c] -= p / total;
  }
  return vel;
}

/** Energy drift bounds relative to the kinetic-energy fluctuation (which must be non-trivial). */
export function energyDrift(run: NVERun): { drift: number; worst: number; kineticStd: number } {
  const mean = run.kinetic.reduce((a, b) => a + b, 0) / run.kinetic.length;
  const kineticStd = Math.sqrt(run.kinetic.reduce((a, b) => a + (b - mean) ** 2, 0) / run.kinetic.length);
  const first = run.totals[0];
  return { drift: Math.abs(run.totals[run.totals.length - 1] - first), worst: Math.max(...run.totals.map((t) => Math.abs(t - first))), kineticStd };
}
