import { describe, expect, it } from 'vitest';
import { POLYHEDRA, POLYHEDRON_FACTS, kFoldStructure, regularPolyhedron } from '../src/index.js';

describe('symmetric structures', () => {
  for (const name of POLYHEDRA) {
    it(`${name}: unit circumradius, centred, equal edges, right counts`, () => {
      const v = regularPolyhedron(name);
      const n = v.length / 3;
      const f = POLYHEDRON_FACTS[name];
      expect(n).toBe(f.vertices);
      const c = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        expect(Math.hypot(v[3 * i], v[3 * i + 1], v[3 * i + 2])).toBeCloseTo(1, 14);
        for (let a = 0; a < 3; a++) c[a] += v[3 * i + a];
      }
      for (const x of c) expect(Math.abs(x)).toBeLessThan(1e-14);
      const d: number[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d.push(Math.hypot(v[3 * i] - v[3 * j], v[3 * i + 1] - v[3 * j + 1], v[3 * i + 2] - v[3 * j + 2]));
      const min = Math.min(...d);
      const edges = d.filter((x) => Math.abs(x - min) < 1e-12);
      expect(edges.length).toBe(f.edges);
      expect(min).toBeCloseTo(f.edgeLength, 14);
    });
  }
  it('k-fold structures', () => {
    const s = kFoldStructure(4, { center: true });
    expect(Array.from(s)).toEqual([1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0, 0, 0, 0]);
    const s7 = kFoldStructure(7);
    for (let m = 0; m < 7; m++) expect(Math.hypot(s7[3 * m], s7[3 * m + 1])).toBeCloseTo(1, 15);
  });
});
