import { describe, expect, it } from 'vitest';
import { DataLoader, Rng, collate, deriveSeed, randomSplit, randomSplitFromSpec, radiusGraph, uncollate, type Graph } from '../src/index.js';

function randomGraph(rng: Rng, n: number, withCell: boolean): Graph {
  const positions = rng.fillUniform(new Float64Array(3 * n)).map((x) => 3 * x);
  const cell = withCell ? new Float64Array([3, 0, 0, 0, 3, 0, 0, 0, 3]) : undefined;
  const rg = radiusGraph(positions, 1.5, cell ? { cell, pbc: true } : {});
  return {
    positions,
    nodeAttrs: rng.fillNormal(new Float64Array(2 * n)),
    atomicNumbers: Int32Array.from({ length: n }, () => 1 + rng.integer(9)),
    edgeIndex: rg.edgeIndex,
    edgeAttrs: rg.distances,
    shifts: rg.shifts,
    ...(cell ? { cell, pbc: [true, true, true] as [boolean, boolean, boolean] } : {}),
    targets: { energy: rng.normal(), dipole: rng.fillNormal(new Float64Array(3)) },
    nodeTargets: { forces: rng.fillNormal(new Float64Array(3 * n)) },
  };
}

describe('collate / DataLoader / splits', () => {
  it('collate then uncollate returns every graph unchanged', () => {
    const rng = new Rng(4);
    const graphs = [5, 1, 9, 3].map((n) => randomGraph(rng, n, true));
    const b = collate(graphs);
    expect(b.numGraphs).toBe(4);
    expect(Array.from(b.ptr)).toEqual([0, 5, 6, 15, 18]);
    expect(b.batch[5]).toBe(1);
    expect(b.targets.energy.length).toBe(4);
    expect(b.targets.dipole.length).toBe(12);
    expect(b.nodeTargets.forces.length).toBe(54);
    const E = b.numEdges;
    for (let e = 0; e < E; e++) expect(b.batch[b.edgeIndex![e]]).toBe(b.batch[b.edgeIndex![E + e]]);
    expect(uncollate(b)).toEqual(graphs);
  });

  it('collate rejects inconsistent graphs with the graph index', () => {
    const rng = new Rng(4);
    const a = randomGraph(rng, 3, true);
    const c = randomGraph(rng, 3, false);
    expect(() => collate([a, c])).toThrow(/graph 1/);
  });

  it('DataLoader: batch size, drop-last, reproducible shuffles, resumable', () => {
    const rng = new Rng(8);
    const data: Graph[] = Array.from({ length: 10 }, (_, i) => ({ ...randomGraph(rng, 2, false), targets: { id: i } }));
    const loader = new DataLoader(data, { batchSize: 4, shuffle: true, seed: 3, dropLast: true });
    expect(loader.length).toBe(2);
    const ids = (l: DataLoader<Graph>) => [...l].map((b) => Array.from(b.targets.id));
    const e0 = ids(loader);
    const e1 = ids(loader);
    expect(e0.flat().length).toBe(8);
    expect(e0).not.toEqual(e1);
    const again = new DataLoader(data, { batchSize: 4, shuffle: true, seed: 3, dropLast: true });
    again.setState({ epoch: 1 });
    expect(ids(again)).toEqual(e1);
    const all = new DataLoader(data, { batchSize: 4 });
    expect(ids(all)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it('randomSplit: sizes or fractions, disjoint, reproducible from its JSON spec', () => {
    const { indices, spec } = randomSplit(100, [0.8, 0.1, 0.1], 5);
    expect(indices.map((x) => x.length)).toEqual([80, 10, 10]);
    expect(new Set(indices.flatMap((x) => Array.from(x))).size).toBe(100);
    const back = randomSplitFromSpec(JSON.parse(JSON.stringify(spec)));
    expect(back).toEqual(indices);
    expect(randomSplit(100, [0.8, 0.1, 0.1], 6).indices[0]).not.toEqual(indices[0]);
    expect(randomSplit(10, [3, 3], 1).indices.map((x) => x.length)).toEqual([3, 3]);
    expect(randomSplit(7, [0.5, 0.5], 1).indices.map((x) => x.length)).toEqual([4, 3]);
  });

  it('Rng: state round-trips through JSON; numpy mode matches RandomState(43)', () => {
    const r = new Rng(123);
    r.normal();
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const a = [r.normal(), r.random(), r.integer(10)];
    const b = Rng.fromState(saved);
    expect([b.normal(), b.random(), b.integer(10)]).toEqual(a);
    const np = new Rng(43, 'mt19937-numpy');
    // np.random.RandomState(43): random_sample(2) then randn(3)
    expect(np.random()).toBeCloseTo(0.11505457, 8);
    expect(np.random()).toBeCloseTo(0.60906654, 8);
    expect([np.normal(), np.normal(), np.normal()].map((x) => +x.toFixed(8))).toEqual([-0.37850311, -0.5349156, 0.85807335]);
    expect(deriveSeed(1, 'train')).not.toBe(deriveSeed(1, 'valid'));
    // nearby seeds give unrelated first draws
    expect(Math.abs(new Rng(1).random() - new Rng(2).random())).toBeGreaterThan(1e-6);
    const counts = [0, 0, 0];
    const u = new Rng(77);
    for (let i = 0; i < 30000; i++) counts[u.integer(3)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });
});
