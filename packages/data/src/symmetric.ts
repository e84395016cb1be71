/**
 * Symmetric structures used by HEGNN (Cen et al. 2024, "Are High-Degree Representations Really
 * Unnecessary in Equivariant GNNs?") to show that l = 1 equivariant GNNs degenerate on them:
 * k-fold rotational structures and the five regular polyhedra. Centred at the origin, unit
 * circumradius, exact coordinates (up to the rounding of √5 and the scale 1/R).
 */

/** `k` points on the unit circle in the xy-plane (angle 2πm/k), optionally with a centre point at the origin (appended last). */
export function kFoldStructure(k: number, opts: { center?: boolean; radius?: number } = {}): Float64Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const r = opts.radius ?? 1;
  const n = k + (opts.center ? 1 : 0);
  const out = new Float64Array(3 * n);
  for (let m = 0; m < k; m++) {
    // exact values at the quarter turns
    const q = (4 * m) / k;
    let c: number, s: number;
    if (Number.isInteger(q)) {
      c = [1, 0, -1, 0][q % 4];
      s = [0, 1, 0, -1][q % 4];
    } else {
      const t = (2 * Math.PI * m) / k;
      c = Math.cos(t);
      s = Math.sin(t);
    }
    out[3 * m] = r * c;
    out[3 * m + 1] = r * s;
  }
  return out;
}

export type Polyhedron = 'tetrahedron' | 'cube' | 'octahedron' | 'dodecahedron' | 'icosahedron';

const PHI = (1 + Math.sqrt(5)) / 2;

/** Vertices before scaling (same listings as HEGNN's `reg_poly_coords.py`). */
function rawVertices(name: Polyhedron): number[][] {
  const signs = [1, -1];
  const cube: number[][] = [];
  for (const x of signs) for (const y of signs) for (const z of signs) cube.push([x, y, z]);
  switch (name) {
    case 'tetrahedron':
      return [[1, 1, 1], [-1, -1, 1], [-1, 1, -1], [1, -1, -1]];
    case 'cube':
      return cube;
    case 'octahedron':
      return [[0, 0, 1], [0, 0, -1], [0, 1, 0], [0, -1, 0], [1, 0, 0], [-1, 0, 0]];
    case 'icosahedron': {
      const v: number[][] = [];
      for (const a of signs) for (const b of signs) v.push([0, a, b * PHI], [a, b * PHI, 0], [b * PHI, 0, a]);
      return v;
    }
    case 'dodecahedron': {
      const v: number[][] = [...cube];
      for (const a of signs) for (const b of signs) v.push([0, a * PHI, b / PHI], [b / PHI, 0, a * PHI], [a * PHI, b / PHI, 0]);
      return v;
    }
    default:
      throw new Error(`unknown polyhedron '${String(name)}'`);
  }
}

/** Vertices of a regular polyhedron, `[V, 3]`, centred at the origin, on the unit sphere. */
export function regularPolyhedron(name: Polyhedron): Float64Array {
  const v = rawVertices(name);
  const R = Math.hypot(...v[0]); // √3 (tetra, cube, dodeca), 1 (octa), √(1+φ²) (icosa)
  const out = new Float64Array(3 * v.length);
  v.forEach((p, i) => p.forEach((x, d) => (out[3 * i + d] = x / R)));
  return out;
}

export const POLYHEDRA: readonly Polyhedron[] = ['tetrahedron', 'cube', 'octahedron', 'dodecahedron', 'icosahedron'];

/** Number of vertices, edges and faces, and the edge length at unit circumradius. */
export const POLYHEDRON_FACTS: Record<Polyhedron, { vertices: number; edges: number; faces: number; edgeLength: number }> = {
  tetrahedron: { vertices: 4, edges: 6, faces: 4, edgeLength: Math.sqrt(8 / 3) },
  cube: { vertices: 8, edges: 12, faces: 6, edgeLength: 2 / Math.sqrt(3) },
  octahedron: { vertices: 6, edges: 12, faces: 8, edgeLength: Math.SQRT2 },
  dodecahedron: { vertices: 20, edges: 30, faces: 12, edgeLength: 2 / (Math.sqrt(3) * PHI) },
  icosahedron: { vertices: 12, edges: 30, faces: 20, edgeLength: 2 / Math.sqrt(1 + PHI * PHI) },
};
