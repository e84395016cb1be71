import { describe, expect, it } from 'vitest';
import { add, concat, indexSelect, matmul, mul, Rng, scatterSum, silu, sqrt, sub, sum, tensor, type Tensor } from '@equigraph/core';
import { assertClose, assertEquivariant, checkGrads } from '@equigraph/core/testing';
import { irrepsD, makeRng, randomRotation, sphericalHarmonics } from '@equigraph/geometry';
import { POLYHEDRA, kFoldStructure, regularPolyhedron, type Polyhedron } from '@equigraph/data';
import { EGNN, GraphIndex, HEGNN, degreeRange, type EGCL } from '@equigraph/models';

const backend = 'reference';
const opts = { dtype: 'float64' as const, backend };
const rng = new Rng(17);
const randn = (shape: number[], scale = 1) => tensor(rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1)), 0, scale), shape, opts);

/** A Haar-random rotation, or (reflect) minus one: every det −1 orthogonal matrix is −R. */
function orthogonal(seed: number, reflect: boolean): Float64Array {
  const R = randomRotation(makeRng(seed));
  return reflect ? R.map((v) => -v) : R;
}
/** Row vectors: x ↦ x·Qᵀ (+ t). */
const rotate = (x: Tensor, q: Float64Array) => matmul(x, tensor(q, [3, 3], opts), { transposeB: true });
const shift = (x: Tensor, t: number[]) => add(x, tensor(t, [1, 3], opts));
/** χ ↦ χ·D(Q)ᵀ with D the block-diagonal representation of 1x0e+1x1o+1x2e+… (parity (−1)^l). */
const actOnChi = (model: HEGNN, chi: Tensor, q: Float64Array) => {
  const dim = model.irreps.dim;
  return matmul(chi, tensor(irrepsD(model.irreps, q), [dim, dim], opts), { transposeB: true });
};

/** Two complete graphs (5 and 3 nodes) plus an isolated node. */
function smallGraph(): GraphIndex {
  const target: number[] = [];
  const source: number[] = [];
  for (const g of [[0, 1, 2, 3, 4], [5, 6, 7]]) for (const i of g) for (const j of g) if (i !== j) { target.push(i); source.push(j); }
  return new GraphIndex(9, Int32Array.from(target), Int32Array.from(source), { backend });
}

/** Invariant N-body edge attributes [q_i q_j, ‖x_i − x_j‖²], recomputed from x so that they follow every transformation. */
function edgeAttr(graph: GraphIndex, x: Tensor, q: Tensor): Tensor {
  const d = sub(indexSelect(x, graph.target), indexSelect(x, graph.source));
  return concat([mul(indexSelect(q, graph.target), indexSelect(q, graph.source)), sum(mul(d, d), 1, true)], 1);
}

const slice = (arr: Float64Array, rows: number, cols: number, c0: number, c1: number) => {
  const out = new Float64Array(rows * (c1 - c0));
  for (let r = 0; r < rows; r++) for (let c = c0; c < c1; c++) out[r * (c1 - c0) + c - c0] = arr[r * cols + c];
  return out;
};

describe('HEGNN (Cen et al. 2024)', () => {
  const graph = smallGraph();
  const N = graph.numNodes;
  const q = tensor(Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? -1 : 1)), [N, 1], opts);

  it("matches a literal transcription of the authors' SH_INIT and HEGNN_Layer (models/HEGNN.py)", () => {
    const L = 3;
    const H = 6;
    const model = new HEGNN({ inFeatures: 2, hiddenFeatures: H, maxDegree: L, numLayers: 1, edgeFeatures: 2, velocity: true, ...opts, seed: 3 });
    const h0 = randn([N, 2]);
    const x = randn([N, 3], 1.5);
    const v = randn([N, 3]);
    const a = randn([graph.numEdges, 2]);
    const got = model.forward(h0, x, graph, { vel: v, edgeAttr: a });

    const E = graph.numEdges;
    const D = (L + 1) ** 2;
    const [row, col] = [graph.target, graph.source];
    const rowA = row.toArray();
    const lin = (t: Tensor, l: { weight: { value: Tensor }; bias?: { value: Tensor } }) => (l.bias ? add(matmul(t, l.weight.value), l.bias.value) : matmul(t, l.weight.value));
    const full = (t: Tensor, w: { weight: Float64Array; bias: Float64Array }, fanIn: number) => add(matmul(t, tensor(w.weight, [fanIn, H], opts)), tensor(w.bias, [H], opts));
    const counts = new Float64Array(N);
    for (const i of rowA) counts[i]++;
    const mean = (t: Tensor) => mul(scatterSum(t, row, N), tensor(counts.map((c) => 1 / Math.max(c, 1)), [N, 1], opts));
    /** e3nn FullyConnectedTensorProduct(sh, 1x0e, sh) with one copy per degree: w^{(l)} times the degree-l block. */
    const perDegree = (feat: Float64Array, w: Float64Array) => {
      const out = new Float64Array(E * D);
      for (let e = 0; e < E; e++) for (let l = 0; l <= L; l++) for (let c = l * l; c < (l + 1) ** 2; c++) out[e * D + c] = w[e * (L + 1) + l] * feat[e * D + c];
      return tensor(out, [E, D], opts);
    };

    // embedding + SH_INIT: msg = cat([dist, h_row, h_col, edge_attr]); mlp_sh (last_act=True); sh of diff_pos ('norm', normalize)
    const h = lin(h0, model.embedding);
    const diff = sub(indexSelect(x, row), indexSelect(x, col));
    const dist = sqrt(sum(mul(diff, diff), 1, true));
    const init = model.shInit;
    // our split layer stores rows in the order [h_i, h_j | dist, e, bias]; the authors' concatenation is [dist, h_i, h_j, e]
    const sp = init.edgeIn.toLinear();
    const s = silu(lin(silu(full(concat([indexSelect(h, row), indexSelect(h, col), dist, a], 1), sp, 2 * H + 1 + 2)), init.edgeOut));
    const Y = sphericalHarmonics(L, diff.toArray(), { normalize: true, normalization: 'norm' });
    const chi0 = mean(perDegree(Y, s.toArray() as Float64Array));

    // HEGNN_Layer: Msg, Agg (mean), Upd
    const layer = model.layers[0];
    const prod = mul(indexSelect(chi0, row), indexSelect(chi0, col)).toArray();
    const ip = new Float64Array(E * (L + 1));
    for (let e = 0; e < E; e++) for (let l = 0; l <= L; l++) for (let c = l * l; c < (l + 1) ** 2; c++) ip[e * (L + 1) + l] += prod[e * D + c];
    const radial = sum(mul(diff, diff), 1, true);
    const mp = layer.msgIn.toLinear();
    const msg = silu(lin(silu(full(concat([indexSelect(h, row), indexSelect(h, col), a, radial, tensor(ip, [E, L + 1], opts)], 1), mp, 2 * H + 2 + 1 + L + 1)), layer.msgOut));
    const mlp = (pair: [typeof layer.msgOut, typeof layer.msgOut], t: Tensor) => lin(silu(lin(t, pair[0])), pair[1]);
    const dPos = mul(diff, mlp(layer.posMlp, msg));
    const dSh = perDegree(sub(indexSelect(chi0, row), indexSelect(chi0, col)).toArray() as Float64Array, mlp(layer.shMlp, msg).toArray() as Float64Array);
    const chi1 = add(chi0, mean(dSh));
    const x1 = add(add(x, mean(dPos)), mul(mlp(layer.velMlp!, h), v));
    const h1 = mlp(layer.nodeMlp, concat([h, mean(msg)], 1));
    assertClose(got.chi, chi1, { atol: 1e-12, rtol: 1e-12 }, 'chi');
    assertClose(got.x, x1, { atol: 1e-12, rtol: 1e-12 }, 'x');
    assertClose(got.h, h1, { atol: 1e-12, rtol: 1e-12 }, 'h');
  });

  it('layout: χ is [N, (L+1)²] with irreps 1x0e+1x1o+…; degreeRange; input checks', () => {
    const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 4, maxDegree: 4, numLayers: 1, ...opts });
    expect(String(model.irreps)).toBe('1x0e+1x1o+1x2e+1x3o+1x4e');
    expect(model.forward(randn([N, 1]), randn([N, 3]), graph).chi.shape).toEqual([N, 25]);
    expect(degreeRange(0)).toEqual([0, 1]);
    expect(degreeRange(3)).toEqual([9, 16]);
    const vel = new HEGNN({ inFeatures: 1, hiddenFeatures: 4, numLayers: 1, velocity: true, edgeFeatures: 2, ...opts });
    expect(() => vel.forward(randn([N, 1]), randn([N, 3]), graph, { edgeAttr: randn([graph.numEdges, 2]) })).toThrow(/vel/);
    expect(() => vel.forward(randn([N, 1]), randn([N, 3]), graph, { vel: randn([N, 3]) })).toThrow(/edgeAttr/);
    expect(() => vel.forward(randn([N, 2]), randn([N, 3]), graph, { vel: randn([N, 3]), edgeAttr: randn([graph.numEdges, 2]) })).toThrow(/'h'/);
    expect(() => new HEGNN({ inFeatures: 1, maxDegree: -1 })).toThrow(/maxDegree/);
  });

  // E(3) = O(3) ⋉ R³: x ↦ Qx + t, v ↦ Qv, χ^{(l)} ↦ D_{l,(−1)^l}(Q) χ^{(l)}, h invariant, for det Q = ±1.
  const nodeGraph = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 2]);
  for (const [L, centroidInit, extra] of [[1, false, false], [3, true, false], [6, false, true]] as const) {
    const label = `L = ${L}${centroidInit ? ', centroid init' : ''}${extra ? ', normalizeInnerProducts + coordsGain + residual' : ''}`;
    describe(`E(3) equivariance, ${label} (float64, 1e-9)`, () => {
      const flags = extra ? { normalizeInnerProducts: true, coordsGain: 0.5, residual: true } : {};
      const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 8, maxDegree: L, numLayers: 3, edgeFeatures: 2, velocity: true, centroidInit, ...flags, ...opts, seed: 20 + L });
      const x = randn([N, 3], 1.5);
      const v = randn([N, 3]);
      const assignment = { nodeGraph, numGraphs: 3 };
      const f = (xx: Tensor, vv: Tensor) => model.forward(sqrt(sum(mul(vv, vv), 1, true)), xx, graph, { vel: vv, edgeAttr: edgeAttr(graph, xx, q), assignment });
      for (const reflect of [false, true]) {
        it(`${reflect ? 'improper (det −1)' : 'proper'} orthogonal Q + translation: x, χ equivariant, h invariant`, () => {
          const Q = orthogonal(100 + L, reflect);
          const t = [0.7, -1.3, 2.1];
          const act = (xx: Tensor, vv: Tensor) => [shift(rotate(xx, Q), t), rotate(vv, Q)];
          assertEquivariant((xx, vv) => f(xx, vv).x, [x, v], act, (y) => shift(rotate(y, Q), t), { label: 'x' });
          assertEquivariant((xx, vv) => f(xx, vv).chi, [x, v], act, (y) => actOnChi(model, y, Q), { label: 'chi' });
          assertEquivariant((xx, vv) => f(xx, vv).h, [x, v], act, (y) => y, { label: 'h' });
        });
      }
      it('inversion x ↦ −x: χ^{(l)} ↦ (−1)^l χ^{(l)} (the model is O(3)-, not only SO(3)-equivariant; χ has the parity of Y^{(l)})', () => {
        const base = f(x, v).chi.toArray() as Float64Array;
        const inv = f(mul(x, -1), mul(v, -1)).chi.toArray() as Float64Array;
        const D = (L + 1) ** 2;
        for (let l = 0; l <= L; l++) {
          const [c0, c1] = degreeRange(l);
          assertClose(slice(inv, N, D, c0, c1), slice(base, N, D, c0, c1).map((y) => (l % 2 ? -y : y)), { atol: 1e-9, rtol: 1e-9 }, `degree ${l}`);
        }
        // and χ^{(l)} is not trivially zero (odd degrees included), so the check has teeth
        expect(Math.max(...slice(base, N, D, 1, 4).map(Math.abs))).toBeGreaterThan(1e-4);
      });
      it('translating x alone moves x and leaves χ, h unchanged; translating v is not a symmetry', () => {
        const t = [3, -1, 0.25];
        assertEquivariant((xx, vv) => f(xx, vv).x, [x, v], (xx, vv) => [shift(xx, t), vv], (y) => shift(y, t), { label: 'x' });
        assertEquivariant((xx, vv) => f(xx, vv).chi, [x, v], (xx, vv) => [shift(xx, t), vv], (y) => y, { label: 'chi' });
        const moved = f(x, shift(v, t)).x.toArray();
        const base = f(x, v).x.toArray();
        expect(Math.max(...moved.map((m, i) => Math.abs(m - base[i])))).toBeGreaterThan(1e-6);
      });
      it('node permutations (relabelled nodes, reordered edges) permute every output', () => {
        const perm = rng.permutation(N); // new node k is old node perm[k]
        const inv = new Int32Array(N);
        perm.forEach((old, k) => (inv[old] = k));
        const order = rng.permutation(graph.numEdges);
        const tOld = graph.target.toArray();
        const sOld = graph.source.toArray();
        const pg = new GraphIndex(N, Int32Array.from(order, (e) => inv[tOld[e]]), Int32Array.from(order, (e) => inv[sOld[e]]), { backend });
        const ref = f(x, v);
        const xp = indexSelect(x, perm);
        const vp = indexSelect(v, perm);
        const got = model.forward(sqrt(sum(mul(vp, vp), 1, true)), xp, pg, { vel: vp, edgeAttr: edgeAttr(pg, xp, indexSelect(q, perm)), assignment: { nodeGraph: Int32Array.from(perm, (old) => nodeGraph[old]), numGraphs: 3 } });
        for (const k of ['x', 'chi', 'h'] as const) assertClose(got[k], indexSelect(ref[k], perm), { atol: 1e-9, rtol: 1e-9 }, k);
      });
    });
  }

  describe('gradients (finite differences, float64)', () => {
    it('d (x, χ, h) / d (h, x, v, e) with differentiable harmonics (edge and centroid terms)', () => {
      const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 4, maxDegree: 3, numLayers: 2, edgeFeatures: 2, velocity: true, detachHarmonics: false, centroidInit: true, ...opts, seed: 8 });
      checkGrads((h, x, v, a) => {
        const out = model.forward(h, x, graph, { vel: v, edgeAttr: a, assignment: { nodeGraph, numGraphs: 3 } });
        return concat([out.x, out.chi, out.h], 1);
      }, [randn([N, 1]), randn([N, 3], 1.5), randn([N, 3]), randn([graph.numEdges, 2])]);
    });
    it('parameters: φ_s (init), φ_m first layer, φ_χ and φ_x', () => {
      const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 4, maxDegree: 2, numLayers: 1, ...opts, seed: 9 });
      const h = randn([N, 1]);
      const x = randn([N, 3], 1.5);
      const layer = model.layers[0];
      checkGrads((ws, wm, wc, wx) => {
        model.shInit.edgeOut.weight.value = ws;
        layer.msgIn.edgeWeight.value = wm;
        layer.shMlp[1].weight.value = wc;
        layer.posMlp[1].weight.value = wx;
        const out = model.forward(h, x, graph);
        return concat([out.x, out.chi], 1);
      }, [model.shInit.edgeOut.weight.value.detach(), layer.msgIn.edgeWeight.value.detach(), layer.shMlp[1].weight.value.detach(), layer.posMlp[1].weight.value.detach()]);
    });
    it('detachHarmonics (the authors\' default) stops the gradient through Y(x̂_ij) only', () => {
      const make = (detach: boolean) => new HEGNN({ inFeatures: 1, hiddenFeatures: 4, maxDegree: 2, numLayers: 1, detachHarmonics: detach, ...opts, seed: 10 });
      const h = randn([N, 1]);
      const x = randn([N, 3]);
      const a = make(true).forward(h, x, graph);
      const b = make(false).forward(h, x, graph);
      assertClose(a.chi, b.chi, { atol: 0, rtol: 0 }, 'same forward');
    });
  });
});

// ───────────────────────────── the paper's theorem ─────────────────────────────
//
// Cen et al. 2024, §3: if a geometric graph is invariant under a finite group G ⊂ O(3) (its
// point group, with nodes permuted and identical node features), every E(3)-equivariant graph
// function f of degree l satisfies f = ρ_l(g) f for all g ∈ G, so f lies in the G-invariant
// subspace of the degree-l representation; where that subspace is {0}, f ≡ 0 ("degenerates to a
// zero function"). For the rotation groups the dimension of that subspace is
// (1/|G|) Σ_g χ_l(θ_g), χ_l(θ) = sin((2l+1)θ/2)/sin(θ/2); it vanishes for
//   tetrahedron (T):                 l ∈ {1, 2, 5}
//   cube, octahedron (O):            l ∈ {1, 2, 3, 5, 7, 11}
//   dodecahedron, icosahedron (I):   l ∈ {1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 14, 17, 19, 23, 29}
//   k-fold planar structure (D_k):   l odd and l < k
// (Molien series (1+t⁶)/((1−t³)(1−t⁴)), (1+t⁹)/((1−t⁴)(1−t⁶)), (1+t¹⁵)/((1−t⁶)(1−t¹⁰))).
// With the spherical harmonics' parity (−1)^l (how χ transforms under reflections) the full
// point groups T_d, O_h, I_h, D_kh act, and more degrees vanish: every odd l for the
// centrosymmetric cube, octahedron, dodecahedron, icosahedron and even-k structures. The
// structure's own test vector is Σ_vertices Y^{(l)}(v̂): it is non-zero exactly for the degrees below.

/** Degrees l ≤ 12 where Σ_v Y^{(l)}(v̂) ≠ 0 (and where an O(3)-equivariant degree-l output can be non-zero). */
const NONZERO: Record<Polyhedron, number[]> = {
  tetrahedron: [0, 3, 4, 6, 7, 8, 9, 10, 11, 12], // T_d: 1/((1−t³)(1−t⁴)); first non-trivial degree 3
  cube: [0, 4, 6, 8, 10, 12], // O_h: 1/((1−t⁴)(1−t⁶)); first 4
  octahedron: [0, 4, 6, 8, 10, 12],
  dodecahedron: [0, 6, 10, 12], // I_h: 1/((1−t⁶)(1−t¹⁰)); first 6
  icosahedron: [0, 6, 10, 12],
};
/** k-fold (D_kh): every even l (l = 2 is the structure's quadrupole), and odd l ≥ k when k is odd. */
const kFoldNonzero = (k: number, l: number) => l % 2 === 0 || (k % 2 === 1 && l >= k);
const LMAX = 12;

/** ‖Σ_rows Y^{(l)}‖ of a flat [n, (L+1)²] array, per degree. */
function pooledNorms(features: Float64Array, rows: number, L: number): number[] {
  const D = (L + 1) ** 2;
  return Array.from({ length: L + 1 }, (_, l) => {
    let s2 = 0;
    for (let c = l * l; c < (l + 1) ** 2; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += features[r * D + c];
      s2 += s * s;
    }
    return Math.sqrt(s2);
  });
}

/** dim of the G-invariant subspace of D^l for a rotation group given as [count, angle] classes. */
function invariantDim(classes: Array<[number, number]>, l: number): number {
  let total = 0;
  let order = 0;
  for (const [count, theta] of classes) {
    order += count;
    total += count * (theta === 0 ? 2 * l + 1 : Math.sin(((2 * l + 1) * theta) / 2) / Math.sin(theta / 2));
  }
  return Math.round(total / order);
}
const deg = (d: number) => (d * Math.PI) / 180;
const ROTATION_GROUPS: Record<'T' | 'O' | 'I', Array<[number, number]>> = {
  T: [[1, 0], [8, deg(120)], [3, deg(180)]],
  O: [[1, 0], [6, deg(90)], [3, deg(180)], [8, deg(120)], [6, deg(180)]],
  I: [[1, 0], [12, deg(72)], [12, deg(144)], [20, deg(120)], [15, deg(180)]],
};
const dihedral = (k: number): Array<[number, number]> => [[1, 0], ...Array.from({ length: k - 1 }, (_, j) => [1, (2 * Math.PI * (j + 1)) / k] as [number, number]), [k, Math.PI]];
const GROUP_OF: Record<Polyhedron, 'T' | 'O' | 'I'> = { tetrahedron: 'T', cube: 'O', octahedron: 'O', dodecahedron: 'I', icosahedron: 'I' };
/** The paper's degenerate degrees (rotation groups). */
const DEGENERATE = { T: [1, 2, 5], O: [1, 2, 3, 5, 7, 11], I: [1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 14, 17, 19, 23, 29] };

const structures: Array<{ name: string; points: Float64Array; nonzero: (l: number) => boolean; degenerate: (l: number) => boolean }> = [
  ...POLYHEDRA.map((p) => ({ name: p, points: regularPolyhedron(p), nonzero: (l: number) => NONZERO[p].includes(l), degenerate: (l: number) => DEGENERATE[GROUP_OF[p]].includes(l) })),
  ...[3, 4, 5, 6, 7].map((k) => ({ name: `${k}-fold`, points: kFoldStructure(k), nonzero: (l: number) => kFoldNonzero(k, l), degenerate: (l: number) => l % 2 === 1 && l < k })),
];

describe("symmetric structures: the paper's degeneration theorem", () => {
  it('the degenerate degrees are those without a G-invariant (character formula, l ≤ 40)', () => {
    for (const G of ['T', 'O', 'I'] as const) {
      const zero = Array.from({ length: 41 }, (_, l) => l).filter((l) => l > 0 && invariantDim(ROTATION_GROUPS[G], l) === 0);
      expect(zero, G).toEqual(DEGENERATE[G]);
    }
    for (const k of [3, 4, 5, 6, 7, 8]) {
      const zero = Array.from({ length: 41 }, (_, l) => l).filter((l) => l > 0 && invariantDim(dihedral(k), l) === 0);
      expect(zero, `D_${k}`).toEqual(Array.from({ length: 41 }, (_, l) => l).filter((l) => l % 2 === 1 && l < k));
    }
  });

  for (const s of structures) {
    it(`${s.name}: Σ_v Y^{(l)}(v̂) ≠ 0 exactly for l ∈ {${Array.from({ length: LMAX + 1 }, (_, l) => l).filter(s.nonzero).join(', ')}} (l ≤ ${LMAX})`, () => {
      const n = s.points.length / 3;
      const norms = pooledNorms(sphericalHarmonics(LMAX, s.points, { normalize: true, normalization: 'norm' }), n, LMAX);
      for (let l = 0; l <= LMAX; l++) {
        if (s.nonzero(l)) expect(norms[l], `l = ${l}`).toBeGreaterThan(1e-3);
        else expect(norms[l], `l = ${l}`).toBeLessThan(1e-12);
        // the theorem's degenerate degrees are always among the vanishing ones
        if (s.degenerate(l)) expect(s.nonzero(l), `l = ${l}`).toBe(false);
      }
    });
  }
});

describe('symmetric structures: l = 1 models degenerate, HEGNN with high degrees does not', () => {
  /** Complete graph on the structure, all node features identical. */
  const setup = (points: Float64Array) => {
    const n = points.length / 3;
    return { n, graph: GraphIndex.fullyConnected(1, n, { backend }), x: tensor(points, [n, 3], opts), h: tensor(new Float64Array(n).fill(1), [n, 1], opts) };
  };
  /**
   * Graph-level equivariant readout Σ_i ψ(h_i') f_i with f_i = x_i' − x̄' (degree 1) or χ_i^{(l)}, and
   * ψ(h) = 2 + tanh(h·w) an arbitrary invariant node weight. (Plain sums Σ_i Δx_i cancel on any complete
   * graph with identical nodes, symmetric or not, since x_ji = −x_ij; the weights make the readout
   * non-trivial so that the vanishing is the theorem's, as the control on a random cloud shows.)
   */
  const readout = (hOut: Tensor, f: Tensor) => {
    const H = hOut.shape[1]!;
    const w = tensor(Float64Array.from({ length: H }, (_, k) => Math.sin(1.7 * k + 0.3)), [H, 1], opts);
    return sum(mul(add(matmul(hOut, w).tanh(), 2), f), 0).toArray() as Float64Array;
  };
  const centred = (xOut: Tensor) => sub(xOut, mul(sum(xOut, 0, true), 1 / xOut.shape[0]!));
  const norm = (v: ArrayLike<number>, c0 = 0, c1 = v.length) => Math.hypot(...Array.from(v).slice(c0, c1));
  /** EGNN's φ_x ends with Xavier gain 0.001: enlarge it so that the vanishing is not a small-weight effect. */
  const boost = (layers: EGCL[]) => {
    for (const layer of layers) layer.coordMlp![1].weight.value = randn(layer.coordMlp![1].weight.value.shape as number[], 0.5).withGrad();
  };
  const egnn = new EGNN({ inFeatures: 1, hiddenFeatures: 16, numLayers: 3, ...opts, seed: 1 });
  boost(egnn.layers);
  const hegnn1 = new HEGNN({ inFeatures: 1, hiddenFeatures: 16, maxDegree: 1, numLayers: 3, centroidInit: true, ...opts, seed: 2 });
  const egnnOut = (points: Float64Array) => {
    const { graph, x, h } = setup(points);
    const o = egnn.forward(h, x, graph);
    return readout(o.h, centred(o.x));
  };
  const hegnn1Out = (points: Float64Array) => {
    const { graph, x, h } = setup(points);
    const o = hegnn1.forward(h, x, graph);
    return [readout(o.h, centred(o.x)), readout(o.h, o.chi).slice(1, 4)];
  };

  it('control: on a random (asymmetric) cloud the same readouts are non-zero', () => {
    const cloud = randn([12, 3]).toArray() as Float64Array;
    expect(norm(egnnOut(cloud))).toBeGreaterThan(1e-4);
    const [x, chi1] = hegnn1Out(cloud);
    expect(norm(x)).toBeGreaterThan(1e-4);
    expect(norm(chi1)).toBeGreaterThan(1e-4);
  });

  for (const s of structures) {
    it(`${s.name}: EGNN and HEGNN (L = 1) have a zero degree-1 output (≤ 1e-10) though every node moves`, () => {
      expect(norm(egnnOut(s.points))).toBeLessThan(1e-10);
      const [x, chi1] = hegnn1Out(s.points);
      expect(norm(x)).toBeLessThan(1e-10);
      expect(norm(chi1)).toBeLessThan(1e-10);
      const { graph, x: x0, h } = setup(s.points);
      expect(Math.max(...sub(egnn.forward(h, x0, graph).x, x0).toArray().map(Math.abs))).toBeGreaterThan(1e-3);
    });
  }

  for (const s of structures) {
    // enough degrees to reach the structure's first non-trivial degree (6 for the icosahedral solids)
    const L = Math.max(6, Array.from({ length: LMAX + 1 }, (_, l) => l).find((l) => l > 0 && s.nonzero(l))!);
    it(`${s.name}: HEGNN (L = ${L}, centroid init) has a non-zero degree-l output exactly where Σ_v Y^{(l)} ≠ 0; its x output still vanishes`, () => {
      const { graph, x, h } = setup(s.points);
      const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 16, maxDegree: L, numLayers: 3, centroidInit: true, ...opts, seed: 3 });
      const o = model.forward(h, x, graph);
      const chi = readout(o.h, o.chi);
      for (let l = 1; l <= L; l++) {
        const [c0, c1] = degreeRange(l);
        if (s.nonzero(l)) expect(norm(chi, c0, c1), `l = ${l}`).toBeGreaterThan(1e-4);
        else expect(norm(chi, c0, c1), `l = ${l}`).toBeLessThan(1e-10);
      }
      // the theorem holds for every equivariant model: no degree-1 output on these structures
      expect(norm(readout(o.h, centred(o.x)))).toBeLessThan(1e-10);
    });
  }

  it("without the centroid term (the N-body model's init) odd degrees cancel too: relative vectors come in ± pairs", () => {
    // tetrahedron (l = 3 allowed by T_d) and 3-fold (l = 3 allowed by D_3h): zero; even degrees survive
    for (const [points, l] of [[regularPolyhedron('tetrahedron'), 3], [kFoldStructure(3), 3]] as const) {
      const { graph, x, h } = setup(points);
      const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 16, maxDegree: 4, numLayers: 3, ...opts, seed: 6 });
      const o = model.forward(h, x, graph);
      const chi = readout(o.h, o.chi);
      expect(norm(chi, ...degreeRange(l))).toBeLessThan(1e-10);
      expect(norm(chi, ...degreeRange(4))).toBeGreaterThan(1e-4);
    }
  });

  it('icosahedron: HEGNN (L = 6) tells the structure from a rotated copy (pooled χ^{(6)} = D_6(R)·…); EGNN cannot (both outputs 0)', () => {
    const ico = regularPolyhedron('icosahedron');
    const R = randomRotation(makeRng(5));
    const { graph, x, h } = setup(ico);
    const xr = rotate(x, R);
    const model = new HEGNN({ inFeatures: 1, hiddenFeatures: 16, maxDegree: 6, numLayers: 2, ...opts, seed: 4 });
    const [c0, c1] = degreeRange(6);
    const pooled6 = (xx: Tensor) => {
      const o = model.forward(h, xx, graph);
      return readout(o.h, o.chi).slice(c0, c1);
    };
    const a = pooled6(x);
    const b = pooled6(xr);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-4);
    const D6 = irrepsD('1x6e', R);
    const rotated = a.map((_, i) => a.reduce((acc, v, j) => acc + D6[i * 13 + j] * v, 0));
    assertClose(b, rotated, { atol: 1e-10, rtol: 1e-9 }, 'D_6(R) · pooled χ^(6)');
    expect(norm(egnnOut(ico))).toBeLessThan(1e-10);
    expect(norm(egnnOut(xr.toArray() as Float64Array))).toBeLessThan(1e-10);
  });
});
