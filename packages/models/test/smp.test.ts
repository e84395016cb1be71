import { describe, expect, it } from 'vitest';
import { add, indexSelect, matmul, relu, Rng, scatterSum, sum, tensor, type Tensor } from '@equigraph/core';
import { assertClose, checkGrads } from '@equigraph/core/testing';
import { ContextIndex, SMP, type SMPOptions } from '@equigraph/models';

const backend = 'reference';
const opts = { dtype: 'float64' as const, backend };
const rng = new Rng(23);
const randn = (shape: number[], scale = 1) => tensor(rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1)), 0, scale), shape, opts);

interface Graph {
  numNodes: number;
  edges: Array<[number, number]>;
}

/** A connected-ish random undirected graph as directed edges both ways. */
function randomGraph(n: number, p = 0.45): Graph {
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || rng.random() < p) edges.push([i, j], [j, i]);
    }
  }
  return { numNodes: n, edges };
}

const cycle = (n: number, offset = 0): Array<[number, number]> => Array.from({ length: n }, (_, i): Array<[number, number]> => [[offset + i, offset + ((i + 1) % n)], [offset + ((i + 1) % n), offset + i]]).flat();
const twoTriangles: Graph = { numNodes: 6, edges: [...cycle(3), ...cycle(3, 3)] };
const hexagon: Graph = { numNodes: 6, edges: cycle(6) };

/** The disjoint union as flat arrays (node numbering graph after graph). */
function union(graphs: Graph[]): { nodeGraph: number[]; target: number[]; source: number[] } {
  const nodeGraph: number[] = [];
  const target: number[] = [];
  const source: number[] = [];
  graphs.forEach((g, id) => {
    const off = nodeGraph.length;
    for (const [s, t] of g.edges) {
      source.push(off + s);
      target.push(off + t);
    }
    for (let i = 0; i < g.numNodes; i++) nodeGraph.push(id);
  });
  return { nodeGraph, target, source };
}

/**
 * Relabels nodes by π (node i becomes π[i]) and shuffles the edge order by σ:
 * returns the new index and the row maps to carry node and edge tensors along.
 */
function relabel(u: ReturnType<typeof union>, numGraphs: number, perm: Int32Array, edgePerm: Int32Array) {
  const N = perm.length;
  const inv = new Int32Array(N);
  perm.forEach((p, i) => (inv[p] = i));
  const nodeGraph = Array.from({ length: N }, (_, q) => u.nodeGraph[inv[q]]);
  const target = Array.from(edgePerm, (e) => perm[u.target[e]]);
  const source = Array.from(edgePerm, (e) => perm[u.source[e]]);
  return { index: new ContextIndex(nodeGraph, numGraphs, target, source, { backend }), nodeRows: inv, edgeRows: edgePerm };
}

const baseOptions = (extra: Partial<SMPOptions> = {}): SMPOptions => ({ inFeatures: 2, edgeFeatures: 3, hiddenFeatures: 5, numLayers: 3, outFeatures: 4, ...opts, seed: 4, ...extra });

describe('SMP (Vignac, Loukas & Frossard 2020)', () => {
  it('lays out Σ n_g² context rows with the one-hot identifier and features on the self row', () => {
    const index = ContextIndex.fromGraphs([{ numNodes: 2, edges: [[0, 1], [1, 0]] }, { numNodes: 3, edges: [[0, 2]] }], { backend });
    expect(index.numRows).toBe(4 + 9);
    expect(index.numContextEdges).toBe(2 * 2 + 1 * 3);
    expect(Array.from(index.selfRow.toArray())).toEqual([0, 3, 4, 8, 12]);
    const smp = new SMP(baseOptions({ edgeFeatures: 0 }));
    const x = tensor([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], undefined, opts);
    const u0 = smp.initialContexts(index, x).toNested() as number[][];
    expect(u0[0]).toEqual([1, 1, 2]);
    expect(u0[1]).toEqual([0, 0, 0]);
    expect(u0[3]).toEqual([1, 3, 4]);
    expect(u0[8]).toEqual([1, 7, 8]);
    expect(() => new ContextIndex([0, 1], 2, [0], [1])).toThrow(/edges must stay within one graph/);
  });

  for (const aggregation of ['averageDegree', 'sum', 'mean'] as const) {
    it(`graph output is invariant, node output equivariant, under random relabelling of a batch (${aggregation})`, () => {
      const graphs = [randomGraph(6), randomGraph(4), randomGraph(7)];
      const u = union(graphs);
      const N = u.nodeGraph.length;
      const index = new ContextIndex(u.nodeGraph, graphs.length, u.target, u.source, { backend });
      const x = randn([N, 2]);
      const y = randn([u.target.length, 3]);
      // A global permutation mixes the graphs' nodes: local indices (and context rows) all change.
      const moved = relabel(u, graphs.length, rng.permutation(N), rng.permutation(u.target.length));
      for (const readout of ['graph', 'node'] as const) {
        const smp = new SMP(baseOptions({ readout, aggregation }));
        // f(g·input) on the relabelled graph against g·f(input).
        const before = smp.forward(index, { x, edgeAttr: y });
        const after = smp.forward(moved.index, { x: indexSelect(x, moved.nodeRows), edgeAttr: indexSelect(y, moved.edgeRows) });
        assertClose(after, readout === 'graph' ? before : indexSelect(before, moved.nodeRows), { atol: 1e-10, rtol: 1e-10 }, `${readout} readout`);
      }
    });
  }

  it('the local contexts transform as an order-2 tensor: U′[π(i), π(k)] = U[i, k]', () => {
    const graph = randomGraph(7);
    const u = union([graph]);
    const index = new ContextIndex(u.nodeGraph, 1, u.target, u.source, { backend });
    const perm = rng.permutation(7);
    const moved = relabel(u, 1, perm, rng.permutation(u.target.length));
    const smp = new SMP(baseOptions());
    const x = randn([7, 2]);
    const y = randn([u.target.length, 3]);
    const U = smp.contexts(index, { x, edgeAttr: y }).reshape([7, 7, 5]);
    const Up = smp.contexts(moved.index, { x: indexSelect(x, moved.nodeRows), edgeAttr: indexSelect(y, moved.edgeRows) }).reshape([7, 7, 5]);
    assertClose(Up, indexSelect(indexSelect(U, moved.nodeRows, 0), moved.nodeRows, 1), { atol: 1e-10, rtol: 1e-10 });
  });

  it('batching graphs of different sizes equals running them one by one', () => {
    const graphs = [randomGraph(5), randomGraph(3), { numNodes: 1, edges: [] }, randomGraph(6)];
    const batch = ContextIndex.fromGraphs(graphs, { backend });
    const xs = graphs.map((g) => randn([g.numNodes, 2]));
    const ys = graphs.map((g) => randn([g.edges.length, 3]));
    const cat = (ts: Tensor[]) => tensor(ts.flatMap((t) => Array.from(t.toArray())), [ts.reduce((a, t) => a + t.shape[0], 0), ts[0].shape[1]], opts);
    for (const readout of ['graph', 'node'] as const) {
      const smp = new SMP(baseOptions({ readout }));
      const batched = smp.forward(batch, { x: cat(xs), edgeAttr: cat(ys) });
      const single = cat(graphs.map((g, k) => smp.forward(ContextIndex.fromGraphs([g], { backend }), { x: xs[k], edgeAttr: ys[k] })));
      assertClose(batched, single, { atol: 1e-12, rtol: 1e-12 }, `${readout} readout`);
    }
  });

  it('gradients match finite differences (node features, edge attributes, a weight)', () => {
    const graphs = [randomGraph(4), randomGraph(3)];
    const index = ContextIndex.fromGraphs(graphs, { backend });
    const smp = new SMP(baseOptions({ hiddenFeatures: 3, numLayers: 2, outFeatures: 2 }));
    const weight = smp.layers[1].pairSource.weight;
    checkGrads(
      (x, y, w) => {
        weight.value = w;
        return smp.forward(index, { x, edgeAttr: y });
      },
      [randn([7, 2]), randn([index.numEdges, 3]), weight.value.detach()],
    );
    const nodeModel = new SMP(baseOptions({ hiddenFeatures: 3, numLayers: 2, outFeatures: 2, readout: 'node', aggregation: 'mean' }));
    checkGrads((x, y) => nodeModel.forward(index, { x, edgeAttr: y }), [randn([7, 2]), randn([index.numEdges, 3])]);
  });

  it('separates two triangles from the 6-cycle, which 1-WL message passing cannot', () => {
    const pair = [twoTriangles, hexagon].map((g) => ContextIndex.fromGraphs([g], { backend }));
    // A sum-aggregation MPNN (GIN-like, 1-WL bounded) with constant input features.
    const W1 = randn([4, 4]);
    const W2 = randn([4, 4]);
    const mpnn = (index: ContextIndex, g: Graph) => {
      const target = g.edges.map(([, t]) => t);
      const source = g.edges.map(([s]) => s);
      let h = tensor(new Float64Array(index.numNodes * 4).fill(1), [index.numNodes, 4], opts);
      for (let l = 0; l < 3; l++) h = relu(add(matmul(h, W1), matmul(scatterSum(indexSelect(h, source), target, index.numNodes), W2)));
      return sum(h, 0);
    };
    assertClose(mpnn(pair[0], twoTriangles), mpnn(pair[1], hexagon), { atol: 0, rtol: 0 }, '1-WL embeddings');
    for (const seed of [0, 1, 2]) {
      const smp = new SMP({ hiddenFeatures: 8, numLayers: 3, outFeatures: 4, ...opts, seed });
      const [a, b] = pair.map((index) => smp.forward(index).toArray());
      const gap = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
      expect(gap, `seed ${seed}`).toBeGreaterThan(1e-4);
    }
  });
});
