// NequIP-style potential: E(3) invariance of the energy and equivariance of the forces
// (rotations, reflections, translations, permutations; float64, 1e-9), forces = −finite-difference
// gradient, stress = finite-difference strain derivative, gradients of a force loss with respect to
// a weight (second derivatives through tpConvolution, spherical harmonics and the radial basis).
import { gradients, matmul, Rng, square, sum, tensor, type Tensor } from '@equigraph/core';
import { assertClose, backendMissing, checkGrads } from '@equigraph/core/testing';
import { makeRng, matmul3, randomRotation } from '@equigraph/geometry';
import { describe, expect, it } from 'vitest';
import { NequIP, polynomialCutoff, type NequIPInputs } from '../src/index.js';
import { energyDrift, runNVE, thermalVelocities } from './helpers.js';

const cpuMissing = await backendMissing('cpu');

const CUTOFF = 3.2;
const N = 6;

function randomPositions(seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: 3 * N }, () => rng.uniform(-1.4, 1.4));
}

/** All ordered pairs i ≠ j closer than the cutoff, PyG layout [sources..., targets...]. */
function radiusEdges(pos: Float64Array): Int32Array {
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      const d = Math.hypot(pos[3 * i]! - pos[3 * j]!, pos[3 * i + 1]! - pos[3 * j + 1]!, pos[3 * i + 2]! - pos[3 * j + 2]!);
      if (d < CUTOFF) {
        src.push(j);
        dst.push(i);
      }
    }
  return Int32Array.from([...src, ...dst]);
}

const TYPES = Int32Array.from([0, 1, 2, 0, 1, 0]);

function model(backend = 'reference') {
  return new NequIP({ numTypes: 3, mul: 4, lmax: 2, numLayers: 2, numBasis: 6, cutoff: CUTOFF, radialHidden: [8], avgNumNeighbors: 4, dtype: 'float64', seed: 3, backend });
}

function inputs(pos: Float64Array, backend = 'reference', types = TYPES): NequIPInputs {
  return { positions: tensor(pos, [N, 3], { dtype: 'float64', backend }), atomTypes: types, edgeIndex: radiusEdges(pos) };
}

describe('NequIP', () => {
  const m = model();
  const pos = randomPositions(1);

  it('has a sensible structure', () => {
    expect(m.layers).toHaveLength(2);
    expect(m.irrepsHidden.toString()).toBe('4x0e+4x1o+4x2e');
    expect(m.layers[1]!.residual).toBe(true);
    expect(m.numParameters()).toBeGreaterThan(100);
    // The edges of the test are a real radius graph, neither empty nor complete.
    const E = radiusEdges(pos).length / 2;
    expect(E).toBeGreaterThan(6);
  });

  it('energy is invariant and forces equivariant under rotations, reflections and translations (1e-9)', () => {
    const { energy, forces } = m.energyAndForces(inputs(pos));
    const R0 = randomRotation(makeRng(4));
    const inversion = Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, -1]);
    for (const R of [R0, matmul3(inversion, R0)]) {
      const Rt = tensor(R, [3, 3], { dtype: 'float64', backend: 'reference' }).transpose();
      const moved = matmul(tensor(pos, [N, 3], { dtype: 'float64', backend: 'reference' }), Rt).toArray() as Float64Array;
      for (let i = 0; i < N; i++) {
        moved[3 * i] += 0.7;
        moved[3 * i + 1] -= 1.3;
        moved[3 * i + 2] += 2.1;
      }
      const out = m.energyAndForces(inputs(moved));
      assertClose(out.energy, energy, { atol: 1e-9, rtol: 1e-9 }, 'energy');
      assertClose(out.forces, matmul(forces, Rt), { atol: 1e-9, rtol: 1e-9 }, 'forces');
    }
  });

  it('energy is invariant and forces equivariant under permutations of the atoms', () => {
    const { energy, forces } = m.energyAndForces(inputs(pos));
    const perm = [3, 0, 5, 1, 4, 2]; // new atom a is old atom perm[a]
    const p2 = new Float64Array(3 * N);
    const t2 = new Int32Array(N);
    perm.forEach((old, a) => {
      p2.set(pos.subarray(3 * old, 3 * old + 3), 3 * a);
      t2[a] = TYPES[old]!;
    });
    const out = m.energyAndForces(inputs(p2, 'reference', t2));
    assertClose(out.energy, energy, { atol: 1e-9, rtol: 1e-9 }, 'energy');
    const f = forces.toArray();
    const expected = new Float64Array(3 * N);
    perm.forEach((old, a) => expected.set(f.subarray(3 * old, 3 * old + 3), 3 * a));
    assertClose(out.forces.toArray(), expected, { atol: 1e-9, rtol: 1e-9 }, 'forces');
  });

  it('numOutputs: several per-atom outputs, invariant under rotations + reflections + translations; energy() refuses them', () => {
    const multi = new NequIP({ numTypes: 3, mul: 4, lmax: 2, numLayers: 2, numBasis: 6, cutoff: CUTOFF, radialHidden: [8], avgNumNeighbors: 4, numOutputs: 3, dtype: 'float64', seed: 3, backend: 'reference' });
    const out = multi.atomEnergies(inputs(pos));
    expect(out.shape).toEqual([N, 3]);
    const R = matmul3(Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, -1]), randomRotation(makeRng(8)));
    const Rt = tensor(R, [3, 3], { dtype: 'float64', backend: 'reference' }).transpose();
    const moved = matmul(tensor(pos, [N, 3], { dtype: 'float64', backend: 'reference' }), Rt).toArray() as Float64Array;
    for (let i = 0; i < 3 * N; i++) moved[i] += [0.3, -2, 1.1][i % 3]!;
    assertClose(multi.atomEnergies(inputs(moved)), out, { atol: 1e-9, rtol: 1e-9 }, 'per-atom outputs');
    expect(() => multi.energy(inputs(pos))).toThrow(/numOutputs|outputs per atom/);
    expect(() => new NequIP({ numTypes: 3, numOutputs: 0 })).toThrow(/numOutputs/);
  });

  it('forces are minus the finite-difference gradient of the energy', () => {
    const { forces } = m.energyAndForces(inputs(pos));
    const edgeIndex = radiusEdges(pos); // fixed graph: no neighbour crosses the cutoff for a 1e-5 step here
    const E = (p: Float64Array) => m.energy({ positions: tensor(p, [N, 3], { dtype: 'float64', backend: 'reference' }), atomTypes: TYPES, edgeIndex }).item();
    const h = 1e-5;
    const fd = new Float64Array(3 * N);
    for (let k = 0; k < 3 * N; k++) {
      const a = pos.slice();
      const b = pos.slice();
      a[k] += h;
      b[k] -= h;
      fd[k] = -(E(a) - E(b)) / (2 * h);
    }
    assertClose(forces.toArray(), fd, { atol: 1e-7, rtol: 1e-6 }, 'forces vs finite differences');
  });

  it('stress is the strain derivative of the energy over the volume (periodic cell)', () => {
    const cellValues = Float64Array.from([4.0, 0, 0, 0.3, 4.2, 0, -0.2, 0.1, 3.9]);
    const cell = tensor(cellValues, [3, 3], { dtype: 'float64', backend: 'reference' });
    const edgeIndex = radiusEdges(pos);
    const shifts = new Int32Array(3 * (edgeIndex.length / 2));
    // A few edges through the periodic boundary: shift them by a lattice vector (still the same graph for the model).
    shifts[0] = 1;
    shifts[5] = -1;
    const base: NequIPInputs = { positions: tensor(pos, [N, 3], { dtype: 'float64', backend: 'reference' }), atomTypes: TYPES, edgeIndex, shifts, cell };
    const { stress } = m.energyAndForces(base);
    const volume = 4.0 * 4.2 * 3.9;
    const energyAt = (eps: Float64Array) => {
      const F = Float64Array.from([1 + eps[0]!, eps[1]!, eps[2]!, eps[3]!, 1 + eps[4]!, eps[5]!, eps[6]!, eps[7]!, 1 + eps[8]!]);
      const Ft = tensor(F, [3, 3], { dtype: 'float64', backend: 'reference' });
      return m.energy({ ...base, positions: matmul(base.positions, Ft), cell: matmul(cell, Ft) }).item();
    };
    const h = 1e-5;
    const fd = new Float64Array(9);
    for (const [a, b] of [[0, 0], [0, 1], [1, 2], [2, 2]] as const) {
      const e1 = new Float64Array(9);
      const e2 = new Float64Array(9);
      // symmetric strain direction
      e1[3 * a + b] += h / 2;
      e1[3 * b + a] += h / 2;
      e2[3 * a + b] -= h / 2;
      e2[3 * b + a] -= h / 2;
      fd[3 * a + b] = (energyAt(e1) - energyAt(e2)) / (2 * h) / volume;
      expect(stress!.toArray()[3 * a + b]).toBeCloseTo(fd[3 * a + b]!, 7);
    }
  });

  it('gradients of a force loss with respect to a weight match finite differences', () => {
    const inp = inputs(pos);
    const param = m.layers[1]!.linear1.weight;
    const original = param.value;
    try {
      checkGrads(
        (w: Tensor) => {
          param.value = w;
          const { forces } = m.energyAndForces(inp, { createGraph: true });
          return sum(square(forces));
        },
        [original],
        { atol: 1e-6, rtol: 1e-5 },
      );
    } finally {
      param.value = original;
    }
  });

  it.skipIf(cpuMissing !== undefined)('cpu backend agrees with the reference (energy, forces, float64)', () => {
    const mc = model('cpu');
    const a = m.energyAndForces(inputs(pos));
    const b = mc.energyAndForces(inputs(pos, 'cpu'));
    assertClose(b.energy.toArray(), a.energy.toArray(), { atol: 1e-10, rtol: 1e-10 }, 'energy');
    assertClose(b.forces.toArray(), a.forces.toArray(), { atol: 1e-10, rtol: 1e-10 }, 'forces');
  });

  it('polynomial cutoff: 1 at 0, 0 with vanishing derivative at the cutoff', () => {
    const d = tensor(Float64Array.from([0, 1, CUTOFF - 1e-6, CUTOFF, CUTOFF + 1]), [5, 1], { dtype: 'float64', backend: 'reference' }).withGrad();
    const u = polynomialCutoff(d, CUTOFF);
    const values = u.toArray();
    expect(values[0]).toBe(1);
    expect(Math.abs(values[2]!)).toBeLessThan(1e-12);
    expect(Math.abs(values[3]!)).toBe(0);
    expect(Math.abs(values[4]!)).toBe(0);
    const [g] = gradients(sum(u), [d]);
    expect(Math.abs(g!.toArray()[2]!)).toBeLessThan(1e-9);
  });

  it('conserves energy along a velocity-Verlet NVE run driven by its forces (edges rebuilt every step)', () => {
    const masses = Float64Array.from(TYPES, (t) => 1 + t);
    const positions = randomPositions(4);
    const velocities = thermalVelocities(new Rng(5), masses, 0.3);
    const ef = (xs: Float64Array) => {
      const r = m.energyAndForces(inputs(xs));
      return { energy: r.energy.item(), forces: r.forces.toArray() as Float64Array };
    };
    const { drift, worst, kineticStd } = energyDrift(runNVE(ef, positions, velocities, masses, 150, 0.005));
    expect(kineticStd).toBeGreaterThan(1e-5);
    expect(drift).toBeLessThan(2e-2 * kineticStd);
    expect(worst).toBeLessThan(5e-2 * kineticStd);
  });
});
