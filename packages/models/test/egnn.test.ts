import { describe, expect, it } from 'vitest';
import { add, concat, indexSelect, matmul, mul, Rng, scatterSum, silu, sub, sum, tensor, type Tensor } from '@equigraph/core';
import { assertClose, assertEquivariant, checkGrads } from '@equigraph/core/testing';
import { EGCL, EGNN, EGNNVel, GraphIndex } from '@equigraph/models';
import { energyDrift, randomOrthogonal, runNVE, thermalVelocities } from './helpers.js';

const backend = 'reference';
const opts = { dtype: 'float64' as const, backend };
const rng = new Rng(7);
const randn = (shape: number[], scale = 1) => tensor(rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1)), 0, scale), shape, opts);

const orthogonal = (reflect: boolean) => randomOrthogonal(rng, reflect);

/** Row vectors: x ↦ x·Qᵀ (+ t). */
const rotate = (x: Tensor, q: Float64Array) => matmul(x, tensor(q, [3, 3], opts), { transposeB: true });
const shift = (x: Tensor, t: number[]) => add(x, tensor(t, [1, 3], opts));

/** Two graphs (4 and 3 nodes), complete, plus one extra isolated node with no edges. */
function smallGraph(): { graph: GraphIndex; numNodes: number; nodeGraph: Int32Array } {
  const target: number[] = [];
  const source: number[] = [];
  const groups = [[0, 1, 2, 3], [4, 5, 6]];
  for (const g of groups) for (const i of g) for (const j of g) if (i !== j) { target.push(i); source.push(j); }
  const numNodes = 8;
  return { graph: new GraphIndex(numNodes, Int32Array.from(target), Int32Array.from(source), { backend }), numNodes, nodeGraph: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2]) };
}

/** Xavier gain 0.001 makes fresh coordinate updates ~1e-3: enlarge them so the symmetry checks see O(1) updates. */
function boostCoordinates(layers: EGCL[]): void {
  for (const layer of layers) layer.coordMlp![1].weight.value = randn(layer.coordMlp![1].weight.value.shape as number[], 0.5).withGrad();
}

/** The N-body edge attributes of main_nbody.py: [q_i q_j, ‖x_i − x_j‖²] (invariant). */
function nbodyEdgeAttr(graph: GraphIndex, x: Tensor, q: Tensor): Tensor {
  const d = sub(indexSelect(x, graph.target), indexSelect(x, graph.source));
  return concat([mul(indexSelect(q, graph.target), indexSelect(q, graph.source)), sum(mul(d, d), 1, true)], 1);
}

describe('EGNN (Satorras et al. 2021)', () => {
  const { graph, numNodes: N, nodeGraph } = smallGraph();

  it('EGCL matches a literal transcription of the authors E_GCL / E_GCL_vel', () => {
    const layer = new EGCL({ inFeatures: 5, hiddenFeatures: 6, edgeFeatures: 2, velocity: true, coordClamp: 100, ...opts, seed: 3 });
    const h = randn([N, 5]);
    const x = randn([N, 3]);
    const v = randn([N, 3]);
    const a = randn([graph.numEdges, 2]);
    const got = layer.forward(h, x, graph, { edgeAttr: a, vel: v });

    // gcl.py, line by line, with the concatenated first edge layer.
    const { weight, bias } = layer.edgeIn.toLinear();
    const lin = (t: Tensor, l: { weight: { value: Tensor }; bias?: { value: Tensor } }) => (l.bias ? add(matmul(t, l.weight.value), l.bias.value) : matmul(t, l.weight.value));
    const [row, col] = [graph.target, graph.source];
    const coordDiff = sub(indexSelect(x, row), indexSelect(x, col));
    const radial = sum(mul(coordDiff, coordDiff), 1, true);
    const edgeIn = concat([indexSelect(h, row), indexSelect(h, col), radial, a], 1);
    const m0 = silu(add(matmul(edgeIn, tensor(weight, [2 * 5 + 1 + 2, 6], opts)), tensor(bias, [6], opts)));
    const m = silu(lin(m0, layer.edgeOut));
    const trans = mul(coordDiff, lin(silu(lin(m, layer.coordMlp![0])), layer.coordMlp![1]));
    const count = scatterSum(tensor(new Float64Array(graph.numEdges).fill(1), [graph.numEdges, 1], opts), row, N);
    const counts = count.toArray().map((c) => 1 / Math.max(c, 1));
    let coord = add(x, mul(scatterSum(trans, row, N), tensor(counts, [N, 1], opts)));
    coord = add(coord, mul(lin(silu(lin(h, layer.velMlp![0])), layer.velMlp![1]), v));
    const hOut = add(h, lin(silu(lin(concat([h, scatterSum(m, row, N)], 1), layer.nodeMlp[0])), layer.nodeMlp[1]));
    assertClose(got.x, coord, { atol: 1e-12, rtol: 1e-12 }, 'x');
    assertClose(got.h, hOut, { atol: 1e-12, rtol: 1e-12 }, 'h');
  });

  it('initialises the last coordinate layer with Xavier-uniform gain 0.001', () => {
    const layer = new EGCL({ inFeatures: 64, hiddenFeatures: 64, ...opts });
    const w = layer.coordMlp![1].weight.value.toArray();
    const bound = 0.001 * Math.sqrt(6 / 65);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound / 2);
    expect(layer.coordMlp![1].bias).toBeUndefined();
  });

  it('output shapes: EGNN (h, x, graph head) and EGNN_vel', () => {
    const model = new EGNN({ inFeatures: 3, hiddenFeatures: 8, outFeatures: 2, edgeFeatures: 1, numLayers: 2, graphHead: { outFeatures: 4 }, ...opts });
    const out = model.forward(randn([N, 3]), randn([N, 3]), graph, randn([graph.numEdges, 1]));
    expect(out.h.shape).toEqual([N, 2]);
    expect(out.x.shape).toEqual([N, 3]);
    const y = model.predictGraph(randn([N, 3]), randn([N, 3]), graph, { nodeGraph, numGraphs: 3 }, randn([graph.numEdges, 1]));
    expect(y.shape).toEqual([3, 4]);
    const vel = new EGNNVel({ hiddenFeatures: 8, numLayers: 2, ...opts });
    expect(vel.forward(randn([N, 1]), randn([N, 3]), graph, randn([N, 3]), randn([graph.numEdges, 2])).shape).toEqual([N, 3]);
    expect(model.numParameters()).toBeGreaterThan(0);
  });

  it('rejects mismatched inputs with a message naming the argument', () => {
    const model = new EGNNVel({ hiddenFeatures: 8, numLayers: 1, ...opts });
    expect(() => model.forward(randn([N, 1]), randn([N, 3]), graph, randn([N, 3]))).toThrow(/edgeAttr/);
    expect(() => model.forward(randn([N, 2]), randn([N, 3]), graph, randn([N, 3]), randn([graph.numEdges, 2]))).toThrow(/Linear|h/);
    expect(() => new GraphIndex(3, Int32Array.from([0, 5]), Int32Array.from([1, 2]))).toThrow(/target/);
  });

  // E(n): rotations and reflections, translations, node permutations — for every option combination worth testing.
  const variants: Array<[string, ConstructorParameters<typeof EGNN>[0]]> = [
    ['default (mean)', { inFeatures: 3, hiddenFeatures: 8, outFeatures: 3, edgeFeatures: 1, numLayers: 3 }],
    ['sum + attention + normalize + tanh', { inFeatures: 3, hiddenFeatures: 8, outFeatures: 3, edgeFeatures: 1, numLayers: 3, coordsAgg: 'sum', attention: true, normalize: true, tanh: true, coordsRange: 3 }],
  ];
  for (const [name, options] of variants) {
    describe(`EGNN ${name}`, () => {
      const model = new EGNN({ ...options, ...opts, seed: 11, graphHead: { outFeatures: 2, pooling: 'mean' } });
      boostCoordinates(model.layers);
      const h = randn([N, 3]);
      const x = randn([N, 3], 2);
      const a = randn([graph.numEdges, 1]);
      for (const reflect of [false, true]) {
        it(`x is equivariant and h invariant under ${reflect ? 'reflections' : 'rotations'} + translations (1e-9)`, () => {
          const q = orthogonal(reflect);
          const t = [0.7, -1.3, 2.1];
          assertEquivariant((xx) => model.forward(h, xx, graph, a).x, [x], (xx) => [shift(rotate(xx, q), t)], (y) => shift(rotate(y, q), t), { label: 'x' });
          assertEquivariant((xx) => model.forward(h, xx, graph, a).h, [x], (xx) => [shift(rotate(xx, q), t)], (y) => y, { label: 'h' });
          assertEquivariant((xx) => model.predictGraph(h, xx, graph, { nodeGraph, numGraphs: 3 }, a), [x], (xx) => [shift(rotate(xx, q), t)], (y) => y, { label: 'graph head' });
        });
      }
      it('is permutation equivariant (relabelled nodes and reordered edges)', () => {
        const perm = rng.permutation(N); // new node k is old node perm[k]
        const inv = new Int32Array(N);
        perm.forEach((old, k) => (inv[old] = k));
        const E = graph.numEdges;
        const edgeOrder = rng.permutation(E);
        const tOld = graph.target.toArray();
        const sOld = graph.source.toArray();
        const pg = new GraphIndex(N, Int32Array.from(edgeOrder, (e) => inv[tOld[e]]), Int32Array.from(edgeOrder, (e) => inv[sOld[e]]), { backend });
        const ref = model.forward(h, x, graph, a);
        const got = model.forward(indexSelect(h, perm), indexSelect(x, perm), pg, indexSelect(a, edgeOrder));
        assertClose(got.x, indexSelect(ref.x, perm), { atol: 1e-9, rtol: 1e-9 }, 'x');
        assertClose(got.h, indexSelect(ref.h, perm), { atol: 1e-9, rtol: 1e-9 }, 'h');
      });
    });
  }

  describe('EGNN_vel (N-body model)', () => {
    const model = new EGNNVel({ hiddenFeatures: 8, numLayers: 3, ...opts, seed: 5, coordClamp: undefined });
    boostCoordinates(model.layers);
    const x = randn([N, 3], 2);
    const v = randn([N, 3]);
    const q = tensor(Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? -1 : 1)), [N, 1], opts);
    const f = (xx: Tensor, vv: Tensor) => {
      const speed = sum(mul(vv, vv), 1, true).sqrt();
      return model.forward(speed, xx, graph, vv, nbodyEdgeAttr(graph, xx, q));
    };
    for (const reflect of [false, true]) {
      it(`f(Qx + t, Qv) = Q f(x, v) + t, ${reflect ? 'reflection' : 'rotation'} (1e-9)`, () => {
        const Q = orthogonal(reflect);
        const t = [-2, 0.5, 1];
        assertEquivariant(f, [x, v], (xx, vv) => [shift(rotate(xx, Q), t), rotate(vv, Q)], (y) => shift(rotate(y, Q), t));
      });
    }
    it("with the authors' init the gcl.py ±100 clamp (EGNNVel default) stays inactive, so the model is equivariant", () => {
      // The clamp is per component, so it would break E(n) symmetry if it ever fired.
      const clamped = new EGNNVel({ hiddenFeatures: 8, numLayers: 3, ...opts, seed: 5 });
      const g = (xx: Tensor, vv: Tensor) => clamped.forward(sum(mul(vv, vv), 1, true).sqrt(), xx, graph, vv, nbodyEdgeAttr(graph, xx, q));
      const Q = orthogonal(true);
      assertEquivariant(g, [x, v], (xx, vv) => [shift(rotate(xx, Q), [1, 2, 3]), rotate(vv, Q)], (y) => shift(rotate(y, Q), [1, 2, 3]));
    });
    it('translating x moves the prediction; v does not translate', () => {
      const t = [3, -1, 0.25];
      assertEquivariant(f, [x, v], (xx, vv) => [shift(xx, t), vv], (y) => shift(y, t));
      // A constant added to v is not a symmetry: the output must change.
      const moved = f(x, shift(v, t)).toArray();
      const base = f(x, v).toArray();
      expect(Math.max(...moved.map((m, i) => Math.abs(m - base[i])))).toBeGreaterThan(1e-6);
    });
  });

  describe('gradients (finite differences, float64)', () => {
    const tiny = smallGraph();
    it('EGNN_vel: d x_out / d (h, x, v)', () => {
      const model = new EGNNVel({ hiddenFeatures: 4, numLayers: 2, ...opts, seed: 2 });
      boostCoordinates(model.layers);
      const a = randn([tiny.graph.numEdges, 2]);
      checkGrads((h, x, v) => model.forward(h, x, tiny.graph, v, a), [randn([N, 1]), randn([N, 3]), randn([N, 3])]);
    });
    it('EGNN with attention, normalize (norm not detached), tanh: d (h, x) / d (h, x, a)', () => {
      const model = new EGNN({ inFeatures: 2, hiddenFeatures: 4, outFeatures: 2, edgeFeatures: 1, numLayers: 2, attention: true, normalize: true, detachNorm: false, tanh: true, coordsRange: 2, ...opts, seed: 9 });
      checkGrads((h, x, a) => {
        const out = model.forward(h, x, tiny.graph, a);
        return concat([out.h, out.x], 1);
      }, [randn([N, 2]), randn([N, 3]), randn([tiny.graph.numEdges, 1])]);
    });
    it('parameters: d loss / d W of the split first edge layer and of φ_x', () => {
      const model = new EGNNVel({ hiddenFeatures: 4, numLayers: 1, ...opts, seed: 4 });
      const layer = model.layers[0];
      const h = randn([N, 1]);
      const x = randn([N, 3]);
      const v = randn([N, 3]);
      const a = randn([tiny.graph.numEdges, 2]);
      const run = () => model.forward(h, x, tiny.graph, v, a);
      checkGrads((w1, we, wc) => {
        layer.edgeIn.nodeWeight.value = w1;
        layer.edgeIn.edgeWeight.value = we;
        layer.coordMlp![1].weight.value = wc;
        return run();
      }, [layer.edgeIn.nodeWeight.value.detach(), layer.edgeIn.edgeWeight.value.detach(), randn([4, 1], 0.5)]);
    });
  });

describe('EGNN as an energy model', () => {
  const { graph, numNodes, nodeGraph } = smallGraph();
  const model = new EGNN({ inFeatures: 3, hiddenFeatures: 8, numLayers: 2, graphHead: { outFeatures: 1 }, ...opts, seed: 5 });
  const h = randn([numNodes, 3]);
  const assignment = { nodeGraph, numGraphs: 3 };

  it('forces are −∂E/∂x (finite differences) and rotate with the input', () => {
    const x0 = randn([numNodes, 3]);
    const { energy, forces } = model.energyAndForces(h, x0, graph, assignment);
    expect(energy.shape).toEqual([3]);
    const base = x0.toArray() as Float64Array;
    const eps = 1e-6;
    const fd = base.map((_, k) => {
      const at = (d: number) => {
        const moved = base.slice();
        moved[k] += d;
        return sum(model.predictGraph(h, tensor(moved, [numNodes, 3], opts), graph, assignment)).item();
      };
      return -(at(eps) - at(-eps)) / (2 * eps);
    });
    assertClose(forces, fd, { atol: 1e-7, rtol: 1e-6 });
    const q = orthogonal(true);
    const turned = model.energyAndForces(h, rotate(x0, q), graph, assignment);
    assertClose(turned.energy, energy, { atol: 1e-10 });
    assertClose(turned.forces, rotate(forces, q), { atol: 1e-10 });
    expect(() => new EGNN({ inFeatures: 3, ...opts }).energyAndForces(h, x0, graph, assignment)).toThrow(/needs a graphHead with outFeatures 1/);
  });

  it('conserves energy along a velocity-Verlet NVE run driven by its forces', () => {
    const masses = new Float64Array(numNodes).fill(1);
    const positions = rng.fillNormal(new Float64Array(numNodes * 3));
    const velocities = thermalVelocities(rng, masses, 0.3);
    const ef = (xs: Float64Array) => {
      const r = model.energyAndForces(h, tensor(xs, [numNodes, 3], opts), graph, assignment);
      return { energy: sum(r.energy).item(), forces: r.forces.toArray() as Float64Array };
    };
    const { drift, worst, kineticStd } = energyDrift(runNVE(ef, positions, velocities, masses, 150, 0.01));
    expect(kineticStd).toBeGreaterThan(1e-6);
    expect(drift).toBeLessThan(2e-2 * kineticStd);
    expect(worst).toBeLessThan(5e-2 * kineticStd);
  });
});
});

// The `radial` option (not in the paper): a smooth radial embedding of the input distances as
// extra edge attributes and the cosine cutoff on every message — the force-field variant the CLI
// uses for energies and forces.
describe('EGNN with a radial embedding (radial option)', () => {
  const CUT = 2.5;
  /** Radius graph of `cutoff` over the first 4 nodes and the next 3 (two structures), plus an isolated node. */
  function radiusGraphOf(x: Tensor, cutoff = CUT): GraphIndex {
    const p = x.toArray() as Float64Array;
    const target: number[] = [];
    const source: number[] = [];
    for (const g of [[0, 1, 2, 3], [4, 5, 6]]) {
      for (const i of g) {
        for (const j of g) {
          if (i === j) continue;
          const d = Math.hypot(p[3 * i] - p[3 * j], p[3 * i + 1] - p[3 * j + 1], p[3 * i + 2] - p[3 * j + 2]);
          if (d < cutoff) (target.push(i), source.push(j));
        }
      }
    }
    return new GraphIndex(8, Int32Array.from(target), Int32Array.from(source), { backend });
  }
  const nodeGraph = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2]);
  const assignment = { nodeGraph, numGraphs: 3 };
  const x0 = randn([8, 3], 1.1);
  const graph = radiusGraphOf(x0);
  const h = randn([8, 3]);

  it('the test graph is a real radius graph (neither empty nor complete)', () => {
    expect(graph.numEdges).toBeGreaterThan(4);
    expect(graph.numEdges).toBeLessThan(12 + 6);
  });

  for (const basis of ['gaussian', 'bessel'] as const) {
    describe(basis, () => {
      const model = new EGNN({ inFeatures: 3, hiddenFeatures: 8, numLayers: 2, edgeFeatures: 1, radial: { basis, numBasis: 6, cutoff: CUT }, graphHead: { outFeatures: 2 }, ...opts, seed: 13 });
      boostCoordinates(model.layers);
      const a = randn([graph.numEdges, 1]);

      it('the layers see [a_ij, e(d_ij)] (1 + numBasis edge attributes)', () => {
        expect(model.layers.map((l) => l.edgeFeatures)).toEqual([7, 7]);
        expect(model.layers[0].edgeIn.edgeWeight.value.shape).toEqual([2 + 7, 8]);
        expect(() => model.forward(h, x0, graph)).toThrow(/edgeAttr/);
      });

      for (const reflect of [false, true]) {
        it(`x is equivariant, h and the graph head invariant under ${reflect ? 'reflections' : 'rotations'} + translations (1e-9)`, () => {
          const q = orthogonal(reflect);
          const t = [0.4, 2.2, -0.9];
          assertEquivariant((xx) => model.forward(h, xx, graph, a).x, [x0], (xx) => [shift(rotate(xx, q), t)], (y) => shift(rotate(y, q), t), { label: 'x' });
          assertEquivariant((xx) => model.forward(h, xx, graph, a).h, [x0], (xx) => [shift(rotate(xx, q), t)], (y) => y, { label: 'h' });
          assertEquivariant((xx) => model.predictGraph(h, xx, graph, assignment, a), [x0], (xx) => [shift(rotate(xx, q), t)], (y) => y, { label: 'graph head' });
        });
      }

      it('is permutation equivariant (relabelled nodes and reordered edges)', () => {
        const perm = rng.permutation(8);
        const inv = new Int32Array(8);
        perm.forEach((old, k) => (inv[old] = k));
        const edgeOrder = rng.permutation(graph.numEdges);
        const tOld = graph.target.toArray();
        const sOld = graph.source.toArray();
        const pg = new GraphIndex(8, Int32Array.from(edgeOrder, (e) => inv[tOld[e]]), Int32Array.from(edgeOrder, (e) => inv[sOld[e]]), { backend });
        const ref = model.forward(h, x0, graph, a);
        const got = model.forward(indexSelect(h, perm), indexSelect(x0, perm), pg, indexSelect(a, edgeOrder));
        assertClose(got.x, indexSelect(ref.x, perm), { atol: 1e-9, rtol: 1e-9 }, 'x');
        assertClose(got.h, indexSelect(ref.h, perm), { atol: 1e-9, rtol: 1e-9 }, 'h');
      });

      it('gradients: d (h, x) / d (h, x, a), and second order (force training) w.r.t. x', () => {
        checkGrads((hh, xx, aa) => {
          const out = model.forward(hh, xx, graph, aa);
          return concat([out.h, out.x], 1);
        }, [h, x0, a]);
        checkGrads((xx) => model.predictGraph(h, xx, graph, assignment, a), [x0], { order: 2, atol: 1e-6, rtol: 1e-5 });
      });
    });
  }

  describe('as an energy model', () => {
    const model = new EGNN({ inFeatures: 3, hiddenFeatures: 8, numLayers: 2, radial: { cutoff: CUT, numBasis: 8 }, graphHead: { outFeatures: 1 }, ...opts, seed: 21 });

    it('forces are −∂E/∂x (finite differences) and rotate with the input', () => {
      const { energy, forces } = model.energyAndForces(h, x0, graph, assignment);
      const base = x0.toArray() as Float64Array;
      const eps = 1e-6;
      const fd = base.map((_, k) => {
        const at = (d: number) => {
          const moved = base.slice();
          moved[k] += d;
          return sum(model.predictGraph(h, tensor(moved, [8, 3], opts), graph, assignment)).item();
        };
        return -(at(eps) - at(-eps)) / (2 * eps);
      });
      assertClose(forces, fd, { atol: 1e-7, rtol: 1e-6 });
      const q = orthogonal(true);
      const turned = model.energyAndForces(h, rotate(x0, q), graph, assignment);
      assertClose(turned.energy, energy, { atol: 1e-10 });
      assertClose(turned.forces, rotate(forces, q), { atol: 1e-10 });
    });

    it('the gradient of a force loss w.r.t. a weight matches finite differences (double backward)', () => {
      const param = model.layers[1].edgeIn.edgeWeight;
      const original = param.value;
      try {
        checkGrads((w) => {
          param.value = w;
          const { forces } = model.energyAndForces(h, x0, graph, assignment, undefined, { createGraph: true });
          return sum(mul(forces, forces));
        }, [original.detach()], { atol: 1e-6, rtol: 1e-5 });
      } finally {
        param.value = original;
      }
    });

    it('the energy is continuous when an edge crosses the cutoff (messages weighted by f_c); without the weights it jumps', () => {
      // Three atoms: 0–1 bonded, atom 2 on the cutoff sphere of atom 0 (and far from 1).
      const place = (d: number) => tensor([[0, 0, 0], [1.0, 0.2, 0], [-d, 0, 0]], [3, 3], opts);
      const edgesWithin = (d: number) => {
        const p = place(d).toArray() as Float64Array;
        const t: number[] = [];
        const s: number[] = [];
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j && Math.hypot(p[3 * i] - p[3 * j], p[3 * i + 1] - p[3 * j + 1], p[3 * i + 2] - p[3 * j + 2]) < CUT) (t.push(i), s.push(j));
        return new GraphIndex(3, Int32Array.from(t), Int32Array.from(s), { backend });
      };
      const h3 = randn([3, 3]);
      const one = { nodeGraph: new Int32Array(3), numGraphs: 1 };
      const gap = (m: EGNN) => {
        const inside = edgesWithin(CUT - 1e-6);
        const outside = edgesWithin(CUT + 1e-6);
        expect(inside.numEdges).toBe(outside.numEdges + 2);
        return Math.abs(m.predictGraph(h3, place(CUT - 1e-6), inside, one).item() - m.predictGraph(h3, place(CUT + 1e-6), outside, one).item());
      };
      // O(1) coordinate updates, so that the coordinate messages matter too. Summed coordinate
      // messages: the mean (the default) divides by the number of edges, which jumps.
      const build = (weightMessages: boolean, coordsAgg: 'sum' | 'mean' = 'sum') => {
        const m = new EGNN({ inFeatures: 3, hiddenFeatures: 8, numLayers: 2, radial: { cutoff: CUT, numBasis: 8, weightMessages }, coordsAgg, graphHead: { outFeatures: 1 }, ...opts, seed: 21 });
        boostCoordinates(m.layers);
        return m;
      };
      expect(gap(build(true))).toBeLessThan(1e-8);
      expect(gap(build(false))).toBeGreaterThan(1e-4);
      expect(gap(build(true, 'mean'))).toBeGreaterThan(1e-7);
    });
  });

  it('rejects a bad basis and a misshapen message weight', () => {
    expect(() => new EGNN({ inFeatures: 1, radial: { cutoff: 2, basis: 'cosine' as never }, ...opts })).toThrow(/radial\.basis/);
    const layer = new EGCL({ inFeatures: 3, hiddenFeatures: 4, ...opts });
    expect(() => layer.forward(h, x0, graph, { messageWeight: randn([graph.numEdges, 2]) })).toThrow(/messageWeight/);
  });
});
