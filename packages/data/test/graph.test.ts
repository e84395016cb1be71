import { describe, expect, it } from 'vitest';
import { Rng, fullyConnectedGraph, knnGraph, radiusGraph, radiusGraphBruteForce, type RadiusGraph } from '../src/index.js';

function sameGraph(a: RadiusGraph, b: RadiusGraph) {
  expect(a.numEdges).toBe(b.numEdges);
  expect(Array.from(a.edgeIndex)).toEqual(Array.from(b.edgeIndex));
  expect(Array.from(a.shifts)).toEqual(Array.from(b.shifts));
  let err = 0;
  for (let e = 0; e < a.numEdges; e++) err = Math.max(err, Math.abs(a.distances[e] - b.distances[e]));
  expect(err).toBeLessThan(1e-10);
}

function checkVectors(pos: Float64Array, g: RadiusGraph, cell?: number[]) {
  const E = g.numEdges;
  let err = 0;
  for (let e = 0; e < E; e++) {
    const s = g.edgeIndex[e], d = g.edgeIndex[E + e];
    let d2 = 0;
    for (let a = 0; a < 3; a++) {
      let v = pos[3 * d + a] - pos[3 * s + a];
      if (cell) for (let k = 0; k < 3; k++) v += g.shifts[3 * e + k] * cell[3 * k + a];
      err = Math.max(err, Math.abs(g.edgeVectors[3 * e + a] - v));
      d2 += v * v;
    }
    err = Math.max(err, Math.abs(Math.sqrt(d2) - g.distances[e]));
  }
  expect(err).toBeLessThan(1e-9);
}

function randomPositions(rng: Rng, n: number, cell: number[], spill = 0.3): Float64Array {
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const f = [0, 1, 2].map(() => rng.uniform(-spill, 1 + spill)); // some atoms outside the home cell
    for (let a = 0; a < 3; a++) pos[3 * i + a] = f[0] * cell[a] + f[1] * cell[3 + a] + f[2] * cell[6 + a];
  }
  return pos;
}

describe('graphs', () => {
  it('fully connected graph (PyG order: row 0 source, row 1 target)', () => {
    const g = fullyConnectedGraph(3);
    expect(Array.from(g.edgeIndex)).toEqual([1, 2, 0, 2, 0, 1, 0, 0, 1, 1, 2, 2]);
    expect(fullyConnectedGraph(4, { selfLoops: true }).numEdges).toBe(16);
  });

  it('knn graph matches a sort, respects batches', () => {
    const rng = new Rng(5);
    const n = 40;
    const pos = rng.fillNormal(new Float64Array(3 * n));
    const batch = Int32Array.from({ length: n }, (_, i) => (i < 25 ? 0 : 1));
    const k = 4;
    const g = knnGraph(pos, k, { batch });
    expect(g.numEdges).toBe(n * k);
    for (let i = 0; i < n; i++) {
      const cands = [];
      for (let j = 0; j < n; j++) if (j !== i && batch[j] === batch[i]) cands.push({ j, d: Math.hypot(pos[3 * i] - pos[3 * j], pos[3 * i + 1] - pos[3 * j + 1], pos[3 * i + 2] - pos[3 * j + 2]) });
      cands.sort((a, b) => a.d - b.d);
      const got = Array.from(g.edgeIndex.subarray(i * k, (i + 1) * k));
      expect(got).toEqual(cands.slice(0, k).map((c) => c.j));
      expect(Array.from(g.edgeIndex.subarray(n * k + i * k, n * k + (i + 1) * k))).toEqual([i, i, i, i]);
    }
  });

  it('radius graph = brute force, non-periodic', () => {
    const rng = new Rng(1);
    for (const n of [1, 2, 50, 150]) {
      const pos = randomPositions(rng, n, [4, 0, 0, 0, 4, 0, 0, 0, 4], 0);
      for (const cutoff of [0.5, 1.3, 10]) {
        const g = radiusGraph(pos, cutoff);
        sameGraph(g, radiusGraphBruteForce(pos, cutoff));
        checkVectors(pos, g);
      }
    }
  });

  const cells: Record<string, number[]> = {
    cubic: [5, 0, 0, 0, 5, 0, 0, 0, 5],
    skewed: [4, 0, 0, 2.9, 3.1, 0, -1.7, 1.3, 3.6],
    veryskewed: [3, 0, 0, 2.8, 0.6, 0, 1.1, 1.4, 2.2],
    tiny: [0.9, 0, 0, 0.3, 0.8, 0, 0.2, -0.1, 1.1],
  };
  for (const [name, cell] of Object.entries(cells)) {
    it(`radius graph = brute force, periodic ${name} cell`, () => {
      const rng = new Rng(name.length * 17);
      for (const pbc of [true, [true, false, true]] as const) {
        for (const n of name === 'tiny' ? [1, 3, 12] : [1, 7, 40]) {
          const pos = randomPositions(rng, n, cell);
          for (const cutoff of name === 'tiny' ? [0.3, 1.2, 2.1] : [0.7, 1.9, 3.3]) {
            for (const selfLoops of [false, true]) {
              const opts = { cell, pbc, selfLoops };
              const g = radiusGraph(pos, cutoff, opts);
              sameGraph(g, radiusGraphBruteForce(pos, cutoff, opts));
              checkVectors(pos, g, cell);
            }
          }
        }
      }
    });
  }

  it('cutoff larger than the cell: images of neighbours and of the atom itself', () => {
    const cell = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const pos = new Float64Array([0.1, 0.1, 0.1]);
    const g = radiusGraph(pos, 1.5, { cell, pbc: true });
    // images at |shift| < 1.5: 6 faces, 12 edges (√2) → 18; corners √3 > 1.5
    expect(g.numEdges).toBe(18);
    for (const d of g.distances) expect(d).toBeGreaterThan(0.99);
    const withSelf = radiusGraph(pos, 1.5, { cell, pbc: true, selfLoops: true });
    expect(withSelf.numEdges).toBe(19);
  });

  it('batched input: no edges across graphs, per-graph cells', () => {
    const rng = new Rng(9);
    const cellA = [3, 0, 0, 0, 3, 0, 0, 0, 3];
    const cellB = [2.5, 0, 0, 1, 2.4, 0, 0.3, 0.5, 2.2];
    const posA = randomPositions(rng, 20, cellA);
    const posB = randomPositions(rng, 15, cellB);
    const pos = new Float64Array([...posA, ...posB]);
    // interleaved batch ids to check that it need not be sorted
    const batch = new Int32Array(35);
    const order: number[] = [];
    const posI = new Float64Array(105);
    let a = 0, b = 0;
    for (let i = 0; i < 35; i++) {
      const takeA = (i % 2 === 0 && a < 20) || b >= 15;
      const src = takeA ? a++ : 20 + b++;
      batch[i] = takeA ? 0 : 1;
      order.push(src);
      posI.set(pos.subarray(3 * src, 3 * src + 3), 3 * i);
    }
    const opts = { cell: [...cellA, ...cellB], pbc: true, batch };
    const g = radiusGraph(posI, 2.1, opts);
    sameGraph(g, radiusGraphBruteForce(posI, 2.1, opts));
    const E = g.numEdges;
    for (let e = 0; e < E; e++) expect(batch[g.edgeIndex[e]]).toBe(batch[g.edgeIndex[E + e]]);
    const gA = radiusGraph(posA, 2.1, { cell: cellA, pbc: true });
    expect(Array.from(batch).filter((x) => x === 0).length).toBe(20);
    const edgesToA = Array.from({ length: E }, (_, e) => batch[g.edgeIndex[E + e]]).filter((x) => x === 0).length;
    expect(edgesToA).toBe(gA.numEdges);
  });

  it('maxNeighbors: error names the atom; truncate keeps the nearest and reports drops', () => {
    const pos = new Float64Array([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0.5]);
    expect(() => radiusGraph(pos, 3, { maxNeighbors: 2 })).toThrow(/atom 0 has 3 neighbours/);
    const g = radiusGraph(pos, 3, { maxNeighbors: 2, onOverflow: 'truncate' });
    expect(g.dropped.total).toBeGreaterThan(0);
    expect(g.dropped.atoms[0]).toEqual({ atom: 0, found: 3, kept: 2 });
    const E = g.numEdges;
    const srcOf0 = Array.from({ length: E }, (_, e) => e).filter((e) => g.edgeIndex[E + e] === 0).map((e) => g.edgeIndex[e]);
    expect(srcOf0).toEqual([1, 3]);
  });

  it('non-finite positions: error names the atom', () => {
    const pos = new Float64Array([0, 0, 0, 1, NaN, 0]);
    expect(() => radiusGraph(pos, 1)).toThrow(/atom 1/);
    expect(() => knnGraph(new Float64Array([0, 0, Infinity]), 1)).toThrow(/atom 0/);
  });

  it('scales linearly (prints timing)', () => {
    const rng = new Rng(2);
    const L = 30;
    const n = 27000; // density 1
    const pos = new Float64Array(3 * n);
    for (let i = 0; i < 3 * n; i++) pos[i] = rng.uniform(0, L);
    const t0 = performance.now();
    const g = radiusGraph(pos, 2.0, { cell: [L, 0, 0, 0, L, 0, 0, 0, L], pbc: true });
    console.log(`radiusGraph: ${n} atoms, ${g.numEdges} edges in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(g.numEdges / n).toBeGreaterThan(25);
  });
});
