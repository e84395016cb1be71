import { describe, expect, it } from 'vitest';
import { Rng, tensor } from '@equigraph/core';
import { assertClose, checkGrads } from '@equigraph/core/testing';
import { edgeVectors } from '@equigraph/geometry';
import { radiusGraph } from '@equigraph/data';

const f64 = { dtype: 'float64' as const, backend: 'reference' };

describe('differentiable edge vectors', () => {
  const rng = new Rng(5);
  const cell = [3.1, 0, 0, 0.7, 2.9, 0, -0.4, 0.5, 3.3];
  const positions = new Float64Array(8 * 3).map(() => rng.uniform(0, 3));
  const graph = radiusGraph(positions, 2.2, { cell, pbc: true });

  it('match the radius graph edge vectors (periodic, triclinic)', () => {
    const vectors = edgeVectors(tensor(positions, [8, 3], f64), graph.edgeIndex, { shifts: graph.shifts, cell: tensor(cell, [3, 3], f64) });
    expect(graph.edgeIndex.length / 2).toBeGreaterThan(20);
    assertClose(vectors, graph.edgeVectors, { atol: 1e-12 });
  });

  it('are differentiable in positions and cell (forces and stress), also per-graph cells', () => {
    const few = { edgeIndex: graph.edgeIndex.slice(), shifts: graph.shifts };
    checkGrads((pos, c) => edgeVectors(pos, few.edgeIndex, { shifts: few.shifts, cell: c }), [tensor(positions, [8, 3], f64), tensor(cell, [3, 3], f64)]);
    const numEdges = graph.edgeIndex.length / 2;
    const edgeGraph = new Int32Array(numEdges).map((_, e) => e % 2);
    const cells = tensor([...cell, ...cell.map((v) => v * 1.1)], [2, 3, 3], f64);
    checkGrads((pos, c) => edgeVectors(pos, few.edgeIndex, { shifts: few.shifts, cell: c, edgeGraph }), [tensor(positions, [8, 3], f64), cells]);
  });

  it('reject inconsistent arguments', () => {
    const pos = tensor(positions, [8, 3], f64);
    expect(() => edgeVectors(tensor(positions, [24], f64), graph.edgeIndex)).toThrow("edgeVectors: 'positions' has shape [24], expected [N, 3]");
    expect(() => edgeVectors(pos, graph.edgeIndex, { shifts: graph.shifts })).toThrow(/'shifts' and 'cell' go together/);
  });
});
