import { describe, expect, it } from 'vitest';
import { gradients, Rng, sum, tensor, type Tensor } from '@equigraph/core';
import { assertClose, assertEquivariant, checkGrads } from '@equigraph/core/testing';
import { radiusGraph } from '@equigraph/data';
import { energyForceLoss } from '@equigraph/train';
import { cross, edgeFrames, GraphIndex, LEFTNet, type LEFTNetInputs, type LEFTNetOptions } from '@equigraph/models';
import { energyDrift, randomOrthogonal, runNVE, thermalVelocities } from './helpers.js';

const backend = 'reference';
const opts = { dtype: 'float64' as const, backend };
const rng = new Rng(11);

const orthogonal = (reflect: boolean) => randomOrthogonal(rng, reflect);

/** Row vectors x ↦ x·Qᵀ + t on rows [from, to) of a flat [N, 3] array (other rows unchanged). */
function transform(x: Float64Array, q: Float64Array, t: number[], from = 0, to = x.length / 3): Float64Array {
  const out = x.slice();
  for (let i = from; i < to; i++) {
    for (let r = 0; r < 3; r++) out[3 * i + r] = q[3 * r] * x[3 * i] + q[3 * r + 1] * x[3 * i + 1] + q[3 * r + 2] * x[3 * i + 2] + t[r];
  }
  return out;
}

const CUTOFF = 2.6;

/**
 * Two random "molecules" (6 and 5 atoms) in one batch; at this cutoff neither radius graph is
 * complete (on a complete graph the node frames of fteScalars 'frame' are degenerate, see docs).
 */
function batch(): { x: Float64Array; z: Int32Array; nodeGraph: Int32Array } {
  const sizes = [6, 5];
  const N = sizes[0] + sizes[1];
  const x = rng.fillNormal(new Float64Array(3 * N), 0, 1.3);
  for (let i = sizes[0]; i < N; i++) x[3 * i] += 20; // far apart (the radius graph keeps them separate anyway)
  const z = Int32Array.from({ length: N }, () => [1, 6, 7, 8][Math.floor(rng.uniform(0, 4))]);
  const nodeGraph = Int32Array.from({ length: N }, (_, i) => (i < sizes[0] ? 0 : 1));
  return { x, z, nodeGraph };
}

function inputs(x: Float64Array, z: Int32Array, nodeGraph?: Int32Array, cutoff = CUTOFF): LEFTNetInputs {
  const N = z.length;
  const g = radiusGraph(x, cutoff, nodeGraph ? { batch: nodeGraph } : {});
  return {
    z,
    pos: tensor(x, [N, 3], opts),
    graph: GraphIndex.fromEdgeIndex(g.edgeIndex, N, { backend }),
    batch: nodeGraph ? { nodeGraph, numGraphs: Math.max(...nodeGraph) + 1 } : undefined,
  };
}

const small: LEFTNetOptions = { hiddenChannels: 16, numLayers: 2, numRadial: 8, cutoff: CUTOFF, vectorHead: true, ...opts };

describe('LEFTNet (Du et al. 2023)', () => {
  const { x, z, nodeGraph } = batch();
  const base = inputs(x, z, nodeGraph);

  it('builds a non-trivial batched radius graph and returns per-structure energies', () => {
    const model = new LEFTNet({ ...small, seed: 1 });
    const E = base.graph.numEdges;
    expect(E).toBeGreaterThan(0);
    const degree = new Int32Array(11);
    for (const t of base.graph.target.toArray()) degree[t]++;
    expect(Math.min(...degree.slice(0, 6))).toBeLessThan(5); // neither structure is a complete graph
    expect(Math.min(...degree.slice(6))).toBeLessThan(4);
    const out = model.forward(base);
    expect(out.energy.shape).toEqual([2, 1]);
    expect(out.scalars.shape).toEqual([11, 16]);
    expect(out.vectors.shape).toEqual([11, 3, 16]);
    expect(out.nodeVectors!.shape).toEqual([11, 3]);
    for (const v of out.energy.toArray()) expect(Number.isFinite(v)).toBe(true);
    // the batch gives the energies of its structures run one by one
    const first = inputs(x.slice(0, 18), z.slice(0, 6));
    const second = inputs(x.slice(18), z.slice(6));
    const e = out.energy.toArray();
    expect(model.energy(first).item()).toBeCloseTo(e[0], 12);
    expect(model.energy(second).item()).toBeCloseTo(e[1], 12);
    expect(model.numParameters()).toBeGreaterThan(0);
  });

  it('edge frames: orthonormal (e1, e2 = x_j × x_i / ‖·‖, e3 = e1 × e2); degenerate cross product gives e2 = e3 = 0 and finite gradients', () => {
    const pos = tensor([0.3, -0.2, 0.5, 1.1, 0.4, -0.3, -0.7, 0.9, 0.2], [3, 3], opts);
    const g = new GraphIndex(3, Int32Array.from([0, 1, 2]), Int32Array.from([1, 2, 0]), { backend });
    const { frame } = edgeFrames(pos, g, 1e-8);
    const f = frame.toArray();
    for (let e = 0; e < 3; e++) {
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          let dot = 0;
          for (let c = 0; c < 3; c++) dot += f[9 * e + 3 * a + c] * f[9 * e + 3 * b + c];
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
        }
      }
    }
    assertClose(cross(tensor([[1, 0, 0]], undefined, opts), tensor([[0, 1, 0]], undefined, opts)), tensor([[0, 0, 1]], undefined, opts), { atol: 0, rtol: 0 }, 'cross');

    // x_i at the origin (an atom on the centroid): x_j × x_i = 0, as the authors' nan_to_num
    const degenerate = tensor([0, 0, 0, 1, 0.5, 0.2], [2, 3], opts).withGrad();
    const g2 = new GraphIndex(2, Int32Array.from([0]), Int32Array.from([1]), { backend });
    const fr = edgeFrames(degenerate, g2, 1e-8).frame;
    const vals = fr.toArray();
    for (let c = 3; c < 9; c++) expect(vals[c]).toBe(0);
    const [grad] = gradients(sum(fr.square()), [degenerate]);
    for (const v of grad!.toArray()) expect(Number.isFinite(v)).toBe(true);

    // a whole model on a configuration with an atom exactly at the centroid and a collinear triple
    const model = new LEFTNet({ ...small, seed: 2 });
    const xs = Float64Array.from([0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1.1, 0.3, 0, -1.1, -0.3]);
    const { energy, forces } = model.energyAndForces(inputs(xs, Int32Array.from([6, 1, 1, 8, 8])));
    for (const v of [...energy.toArray(), ...forces.toArray()]) expect(Number.isFinite(v)).toBe(true);
  });

  it('energy is invariant and forces / node vectors equivariant under rotations + translations (per structure)', () => {
    const model = new LEFTNet({ ...small, seed: 3 });
    const ref = model.energyAndForces(base);
    const q0 = orthogonal(false);
    const q1 = orthogonal(false);
    const moved = transform(transform(x, q0, [0.4, -1.2, 2.5], 0, 6), q1, [-3, 0.7, 0.1], 6, 11);
    const got = model.energyAndForces(inputs(moved, z, nodeGraph));
    assertClose(got.energy, ref.energy, { atol: 1e-10, rtol: 1e-10 }, 'energy');
    const expectF = transform(transform(ref.forces.toArray() as Float64Array, q0, [0, 0, 0], 0, 6), q1, [0, 0, 0], 6, 11);
    assertClose(got.forces, tensor(expectF, [11, 3], opts), { atol: 1e-10, rtol: 1e-8 }, 'forces');
    const expectV = transform(transform(ref.nodeVectors!.toArray() as Float64Array, q0, [0, 0, 0], 0, 6), q1, [0, 0, 0], 6, 11);
    assertClose(got.nodeVectors!, tensor(expectV, [11, 3], opts), { atol: 1e-10, rtol: 1e-8 }, 'node vectors');
    // Newton's third law: translation invariance makes the forces of each structure sum to zero
    const f = ref.forces.toArray();
    for (const [from, to] of [[0, 6], [6, 11]]) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = from; i < to; i++) s += f[3 * i + c];
        expect(Math.abs(s)).toBeLessThan(1e-10);
      }
    }
  });

  it('numOutputs: several graph-level outputs per structure, invariant under rotations, reflections and translations', () => {
    const model = new LEFTNet({ ...small, vectorHead: false, numOutputs: 3, seed: 4 });
    const ref = model.energy(base);
    expect(ref.shape).toEqual([2, 3]);
    const q = orthogonal(true);
    const moved = transform(transform(x, q, [1.5, -0.3, 0.2], 0, 6), orthogonal(false), [0, 2, -1], 6, 11);
    assertClose(model.energy(inputs(moved, z, nodeGraph)), ref, { atol: 1e-10, rtol: 1e-10 }, 'outputs');
    const cols = ref.toArray();
    expect(Math.abs(cols[0] - cols[1])).toBeGreaterThan(1e-6); // the columns are different functions
    expect(() => new LEFTNet({ ...small, numOutputs: 0 })).toThrow(/numOutputs/);
  });

  it('with the authors |e2 projection| the model is E(3)-invariant: reflections included', () => {
    for (const fteScalars of ['norm', 'frame'] as const) {
      const model = new LEFTNet({ ...small, fteScalars, seed: 4 });
      const q = orthogonal(true);
      const t = [1.5, -0.3, 0.8];
      const f = (pos: Tensor) => model.energyAndForces({ ...base, pos }).forces;
      const rot = (p: Tensor) => tensor(transform(p.toArray() as Float64Array, q, t), [11, 3], opts);
      const rotF = (p: Tensor) => tensor(transform(p.toArray() as Float64Array, q, [0, 0, 0]), [11, 3], opts);
      assertEquivariant((pos) => model.energy({ ...base, pos }), [base.pos], (p) => [rot(p)], (e) => e, { atol: 1e-10, rtol: 1e-10, label: `energy, reflection (${fteScalars})` });
      assertEquivariant(f, [base.pos], (p) => [rot(p)], rotF, { atol: 1e-10, rtol: 1e-8, label: `forces, reflection (${fteScalars})` });
      assertEquivariant((pos) => model.forward({ ...base, pos }).nodeVectors!, [base.pos], (p) => [rot(p)], rotF, { atol: 1e-10, rtol: 1e-8, label: `vectors, reflection (${fteScalars})` });
    }
  });

  it('with absCross: false (signed e2 projection) it is SE(3)- but not E(3)-invariant: reflections change the energy', () => {
    for (const fteScalars of ['norm', 'frame'] as const) {
      const model = new LEFTNet({ ...small, absCross: false, fteScalars, seed: 5 });
      const e0 = model.energy(base).toArray();
      const rotated = model.energy(inputs(transform(x, orthogonal(false), [0.2, 0.1, -0.5]), z, nodeGraph)).toArray();
      const reflected = model.energy(inputs(transform(x, orthogonal(true), [0.2, 0.1, -0.5]), z, nodeGraph)).toArray();
      for (let g = 0; g < 2; g++) {
        expect(Math.abs(rotated[g] - e0[g])).toBeLessThan(1e-10);
        expect(Math.abs(reflected[g] - e0[g])).toBeGreaterThan(1e-8);
        expect(Math.abs(reflected[g] - e0[g])).toBeGreaterThan(1e3 * Math.abs(rotated[g] - e0[g]));
      }
    }
  });

  it('node permutations (edges rebuilt in the new order) permute forces and vectors and keep energies', () => {
    const model = new LEFTNet({ ...small, seed: 6 });
    const ref = model.energyAndForces(base);
    // shuffle nodes across the batch
    const N = 11;
    const perm = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform(0, i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    // new node k is old node perm[k]
    const xp = new Float64Array(3 * N);
    perm.forEach((old, k) => xp.set(x.subarray(3 * old, 3 * old + 3), 3 * k));
    const got = model.energyAndForces(inputs(xp, Int32Array.from(perm, (old) => z[old]), Int32Array.from(perm, (old) => nodeGraph[old])));
    assertClose(got.energy, ref.energy, { atol: 1e-10, rtol: 1e-10 }, 'energy');
    const f = ref.forces.toArray();
    const v = ref.nodeVectors!.toArray();
    const pf = new Float64Array(3 * N);
    const pv = new Float64Array(3 * N);
    perm.forEach((old, k) => {
      pf.set(f.subarray(3 * old, 3 * old + 3), 3 * k);
      pv.set(v.subarray(3 * old, 3 * old + 3), 3 * k);
    });
    assertClose(got.forces, tensor(pf, [N, 3], opts), { atol: 1e-10, rtol: 1e-8 }, 'forces');
    assertClose(got.nodeVectors!, tensor(pv, [N, 3], opts), { atol: 1e-10, rtol: 1e-8 }, 'vectors');
  });

  it('forces equal minus the finite-difference gradient of the energy', () => {
    for (const radialBasis of ['expnormal', 'bessel'] as const) {
      const model = new LEFTNet({ ...small, radialBasis, seed: 7 });
      const { forces } = model.energyAndForces(base, { createGraph: false });
      const total = (xs: Float64Array) => sum(model.energy({ ...base, pos: tensor(xs, [11, 3], opts) })).item();
      const h = 1e-5;
      const fd = new Float64Array(33);
      for (let k = 0; k < 33; k++) {
        const p = x.slice();
        const m = x.slice();
        p[k] += h;
        m[k] -= h;
        fd[k] = -(total(p) - total(m)) / (2 * h);
      }
      assertClose(forces, tensor(fd, [11, 3], opts), { atol: 1e-8, rtol: 1e-6 }, `forces vs −dE/dx (${radialBasis})`);
    }
  });

  it('second order: the Hessian of E and the force loss w.r.t. weights match finite differences', () => {
    const model = new LEFTNet({ ...small, hiddenChannels: 8, numRadial: 6, seed: 8 });
    const one = inputs(x.slice(0, 18), z.slice(0, 6));
    // ∂²E/∂x² (checkGrads order 2 differentiates ⟨∇E, v⟩ again)
    checkGrads((pos) => model.energy({ ...one, pos }), [one.pos], { order: 2, atol: 1e-7, rtol: 1e-5 });
    // ∂ loss(E, F = −∂E/∂x) / ∂w: the double backward used by force training
    const target = { energy: tensor([[0.3]], undefined, opts), forces: tensor(rng.fillNormal(new Float64Array(18), 0, 0.5), [6, 3], opts) };
    for (const param of [model.frameLin[0].weight, model.messageLayers[1].rbfProj.bias!, model.ftes[0].xvecProj[0].weight]) {
      const saved = param.value;
      const lossOf = (w: Tensor) => {
        param.value = w;
        const { energy, forces } = model.energyAndForces(one, { createGraph: true });
        return energyForceLoss({ energy, forces }, target, { forceWeight: 10 });
      };
      checkGrads(lossOf, [saved.detach()], { atol: 1e-7, rtol: 1e-5 });
      param.value = saved;
    }
  });

  it('conserves energy along a 200-step velocity-Verlet NVE run driven by its forces', () => {
    const model = new LEFTNet({ hiddenChannels: 16, numLayers: 2, numRadial: 8, cutoff: 5, ...opts, seed: 9 }).eval();
    const N = 5;
    const local = new Rng(3);
    const pos = local.fillNormal(new Float64Array(3 * N), 0, 0.8);
    const zs = Int32Array.from([6, 1, 8, 7, 1]);
    const mass = Float64Array.from(zs, (zi) => (zi === 1 ? 1 : 4)); // light and heavy atoms
    const vel = thermalVelocities(local, mass, 0.3);
    const ef = (xs: Float64Array) => {
      const r = model.energyAndForces(inputs(xs, zs, undefined, 5)); // the graph is rebuilt every step
      return { energy: r.energy.item(), forces: r.forces.toArray() as Float64Array };
    };
    const { drift, worst, kineticStd } = energyDrift(runNVE(ef, pos, vel, mass, 200, 0.01));
    expect(kineticStd).toBeGreaterThan(1e-3); // the potential does move the atoms
    expect(drift).toBeLessThan(1e-2 * kineticStd);
    expect(worst).toBeLessThan(5e-2 * kineticStd);
  });

  it('rejects malformed inputs with messages naming the argument', () => {
    const model = new LEFTNet({ ...small, seed: 1 });
    expect(() => model.energy({ ...base, pos: tensor(new Float64Array(30), [10, 3], opts) })).toThrow("LEFTNet: 'pos' has shape [10, 3], expected [11, 3]");
    expect(() => model.energy({ ...base, z: z.slice(1) })).toThrow("LEFTNet: 'z' has 10 entries, expected 11");
    expect(() => new LEFTNet({ fteScalars: 'x' as 'norm' })).toThrow("LEFTNet: 'fteScalars' must be 'norm' or 'frame'");
  });
});
