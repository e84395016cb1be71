// The native radius graph (eg_radius_graph_count / _fill through the 'cpu' and
// 'wasm' host backends) against the TypeScript cell list: identical output
// (edge order, shifts, bit-identical vectors and distances, drops, errors),
// and both against the brute-force oracle. Backends that do not load here are
// skipped with the reason.
import { availableBackends } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import { Rng, radiusGraph, radiusGraphBruteForce, type RadiusGraph, type RadiusGraphHostPrimitives, type RadiusGraphOptions } from '../src/index.js';

const BACKENDS = await availableBackends(['cpu', 'wasm'], (backend) => {
  const prims = (backend as { primitives?: RadiusGraphHostPrimitives }).primitives;
  if (typeof prims?.radiusGraph !== 'function') return `backend '${backend.name}' has no radiusGraph primitive`;
  prims.radiusGraph(new Float64Array(3), 1, null, 0, null, -1, 0); // a stale binary lacks the kernel
  return undefined;
});

/** Index of the first element that differs (Object.is: bit-level for floats up to NaN payloads), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
}

function identical(got: RadiusGraph, want: RadiusGraph, what: string) {
  expect(got.numEdges, what).toBe(want.numEdges);
  expect(got.edgeIndex).toBeInstanceOf(Int32Array);
  expect(got.shifts).toBeInstanceOf(Int32Array);
  expect(got.edgeVectors).toBeInstanceOf(Float64Array);
  expect(got.distances).toBeInstanceOf(Float64Array);
  expect(firstDiff(got.edgeIndex, want.edgeIndex), `${what}: edgeIndex`).toBe(-1);
  expect(firstDiff(got.shifts, want.shifts), `${what}: shifts`).toBe(-1);
  expect(firstDiff(got.edgeVectors, want.edgeVectors), `${what}: edgeVectors`).toBe(-1);
  expect(firstDiff(got.distances, want.distances), `${what}: distances`).toBe(-1);
  expect(got.dropped, `${what}: dropped`).toEqual(want.dropped);
}

/** Same edges as the oracle, vectors to rounding. */
function matchesOracle(g: RadiusGraph, oracle: RadiusGraph, what: string) {
  expect(g.numEdges, what).toBe(oracle.numEdges);
  expect(firstDiff(g.edgeIndex, oracle.edgeIndex), `${what}: edgeIndex`).toBe(-1);
  expect(firstDiff(g.shifts, oracle.shifts), `${what}: shifts`).toBe(-1);
  let err = 0;
  for (let k = 0; k < g.edgeVectors.length; k++) err = Math.max(err, Math.abs(g.edgeVectors[k] - oracle.edgeVectors[k]));
  for (let e = 0; e < g.numEdges; e++) err = Math.max(err, Math.abs(g.distances[e] - oracle.distances[e]));
  expect(err, what).toBeLessThan(1e-10);
}

function randomPositions(rng: Rng, n: number, cell: number[], spill = 0.3): Float64Array {
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const f = [0, 1, 2].map(() => rng.uniform(-spill, 1 + spill));
    for (let a = 0; a < 3; a++) pos[3 * i + a] = f[0] * cell[a] + f[1] * cell[3 + a] + f[2] * cell[6 + a];
  }
  return pos;
}

const CELLS: Record<string, number[]> = {
  cubic: [5, 0, 0, 0, 5, 0, 0, 0, 5],
  skewed: [4, 0, 0, 2.9, 3.1, 0, -1.7, 1.3, 3.6],
  veryskewed: [3, 0, 0, 2.8, 0.6, 0, 1.1, 1.4, 2.2],
  tiny: [0.9, 0, 0, 0.3, 0.8, 0, 0.2, -0.1, 1.1],
  rotated: [0, 3.2, 0.4, -2.9, 0.1, 0.3, 0.2, -0.5, 3.7], // left-handed-ish order, negative determinant
};
const PBCS: RadiusGraphOptions['pbc'][] = [true, [true, false, true], [false, false, true], [false, true, false]];

/** Brute-force and TypeScript graphs, shared by the backends (the inputs are seeded). */
const oracles = new Map<string, RadiusGraph>();
function oracle(key: string, make: () => RadiusGraph): RadiusGraph {
  let g = oracles.get(key);
  if (!g) oracles.set(key, (g = make()));
  return g;
}

/** Runs both implementations and checks them equal; returns the native graph. */
function both(backend: string, pos: ArrayLike<number>, cutoff: number, opts: RadiusGraphOptions, what: string): RadiusGraph {
  const ts = oracle(`ts ${what}`, () => radiusGraph(pos, cutoff, { ...opts, implementation: 'typescript' }));
  const nat = radiusGraph(pos, cutoff, { ...opts, implementation: 'native', backend });
  identical(nat, ts, what);
  return nat;
}

describe.each(BACKENDS)('native radius graph on %s', (backend, missing) => {
  const test = missing ? it.skip : it;
  if (missing) it.skip(`(skipped: ${missing})`, () => {});

  test('non-periodic random systems: identical to TypeScript, equal to brute force', () => {
    const rng = new Rng(11);
    for (const n of [1, 2, 50, 300]) {
      const pos = randomPositions(rng, n, [4, 0, 0, 0, 4, 0, 0, 0, 4], 0);
      for (const cutoff of [0.5, 1.3, 10]) {
        for (const selfLoops of [false, true]) {
          const g = both(backend, pos, cutoff, { selfLoops }, `n=${n} rc=${cutoff} self=${selfLoops}`);
          matchesOracle(g, radiusGraphBruteForce(pos, cutoff, { selfLoops }), `oracle n=${n} rc=${cutoff}`);
        }
      }
    }
    // flat and collinear sets (zero extent on some axes), coincident atoms
    const flat = new Float64Array([0, 0, 0, 1, 0, 0, 2, 0, 0, 2, 0, 0, 0.5, 0, 0]);
    for (const cutoff of [0.6, 1.01, 3]) {
      const g = both(backend, flat, cutoff, {}, `collinear rc=${cutoff}`);
      matchesOracle(g, radiusGraphBruteForce(flat, cutoff), 'collinear oracle');
    }
  });

  for (const [name, cell] of Object.entries(CELLS)) {
    test(`periodic ${name} cell: identical to TypeScript, equal to brute force`, () => {
      const rng = new Rng(name.length * 31 + 7);
      for (const pbc of PBCS) {
        for (const n of name === 'tiny' ? [1, 3, 12] : [1, 7, 60]) {
          const pos = randomPositions(rng, n, cell, name === 'cubic' ? 2.5 : 0.3);
          for (const cutoff of name === 'tiny' ? [0.3, 1.2, 2.1] : name === 'cubic' ? [0.7, 1.9, 3.3, 6.1] : [0.7, 1.9, 3.3]) {
            for (const selfLoops of [false, true]) {
              const opts = { cell, pbc, selfLoops };
              const what = `${name} pbc=${JSON.stringify(pbc)} n=${n} rc=${cutoff} self=${selfLoops}`;
              const g = both(backend, pos, cutoff, opts, what);
              matchesOracle(g, oracle(what, () => radiusGraphBruteForce(pos, cutoff, opts)), `oracle ${what}`);
            }
          }
        }
      }
    });
  }

  test('batched: interleaved ids, per-graph and shared cells, empty graph ids, plain arrays', () => {
    const rng = new Rng(5);
    const cellA = [3, 0, 0, 0, 3, 0, 0, 0, 3];
    const cellB = [2.5, 0, 0, 1, 2.4, 0, 0.3, 0.5, 2.2];
    const cellC = [1.1, 0, 0, 0.2, 1.3, 0, 0, 0.4, 0.9];
    const n = 90;
    const batch = Int32Array.from({ length: n }, () => [0, 1, 3][Math.floor(rng.uniform(0, 3))]); // graph 2 is empty
    const pos = new Float64Array(3 * n);
    const cellOf = [cellA, cellB, cellA, cellC];
    for (let i = 0; i < n; i++) pos.set(randomPositions(rng, 1, cellOf[batch[i]]), 3 * i);
    for (const cutoff of [0.8, 2.1, 3.7]) {
      for (const pbc of [true, [true, true, false]] as const) {
        const opts = { cell: [...cellA, ...cellB, ...cellA, ...cellC], pbc, batch };
        const g = both(backend, pos, cutoff, opts, `batched rc=${cutoff} pbc=${JSON.stringify(pbc)}`);
        matchesOracle(g, radiusGraphBruteForce(pos, cutoff, opts), `batched oracle rc=${cutoff} pbc=${JSON.stringify(pbc)}`);
        both(backend, Array.from(pos), cutoff, { ...opts, batch: Array.from(batch), cell: cellA }, `plain arrays, shared cell rc=${cutoff} pbc=${JSON.stringify(pbc)}`);
      }
      const g = both(backend, pos, cutoff, { batch }, `batched non-periodic rc=${cutoff}`);
      matchesOracle(g, radiusGraphBruteForce(pos, cutoff, { batch }), 'batched non-periodic oracle');
    }
    both(backend, new Float64Array(0), 1, {}, 'no atoms');
    both(backend, new Float64Array(0), 1, { batch: new Int32Array(0), cell: cellA, pbc: true }, 'no atoms, batched');
  });

  test('a larger periodic system (~0.1 atoms/Å³, 5 Å) and thread counts', async () => {
    const rng = new Rng(3);
    const n = 4000;
    const L = Math.cbrt(n / 0.1);
    const pos = new Float64Array(3 * n);
    for (let i = 0; i < 3 * n; i++) pos[i] = rng.uniform(0, L);
    const cell = [L, 0, 0, 0, L, 0, 0, 0, L];
    const g = both(backend, pos, 5, { cell, pbc: true }, 'water density');
    expect(g.numEdges / n).toBeGreaterThan(40);
    if (backend === 'cpu') {
      const native = await import('@equigraph/native');
      const before = native.getNumThreads();
      try {
        for (const t of [1, 2, 3, 7]) {
          native.setNumThreads(t);
          identical(radiusGraph(pos, 5, { cell, pbc: true, implementation: 'native', backend }), g, `${t} threads`);
        }
      } finally {
        native.setNumThreads(before);
      }
    }
  });

  test('maxNeighbors: the same error, the same truncation and drop report', () => {
    const pos = new Float64Array([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0.5]);
    for (const impl of ['native', 'typescript'] as const) {
      expect(() => radiusGraph(pos, 3, { maxNeighbors: 2, implementation: impl, backend })).toThrow(
        "radiusGraph: atom 0 has 3 neighbours within cutoff 3, more than maxNeighbors = 2 (raise maxNeighbors, or pass onOverflow: 'truncate' to keep the nearest ones)",
      );
    }
    const g = both(backend, pos, 3, { maxNeighbors: 2, onOverflow: 'truncate' }, 'truncate small');
    expect(g.dropped.atoms[0]).toEqual({ atom: 0, found: 3, kept: 2 });
    // ties in distance (a lattice) are broken by source, then shift
    const rng = new Rng(8);
    const cell = [2, 0, 0, 0, 2, 0, 0, 0, 2];
    const lattice = new Float64Array([0, 0, 0, 1, 1, 1]);
    for (const k of [0, 1, 5, 8, 13, 30]) {
      both(backend, lattice, 2.5, { cell, pbc: true, maxNeighbors: k, onOverflow: 'truncate' }, `lattice k=${k}`);
    }
    const pos2 = randomPositions(rng, 80, CELLS.skewed!);
    for (const k of [0, 3, 10, 1000]) {
      both(backend, pos2, 3.3, { cell: CELLS.skewed, pbc: true, maxNeighbors: k, onOverflow: 'truncate', selfLoops: true }, `skewed k=${k}`);
    }
    expect(() => radiusGraph(pos2, 3.3, { cell: CELLS.skewed, pbc: true, maxNeighbors: 10, implementation: 'native', backend })).toThrow(/atom 0 has \d+ neighbours/);
    for (const impl of ['native', 'typescript'] as const) {
      expect(() => radiusGraph(pos, 3, { maxNeighbors: -1, implementation: impl, backend })).toThrow(RangeError);
      expect(() => radiusGraph(pos, 3, { maxNeighbors: 1.5, implementation: impl, backend })).toThrow(RangeError);
    }
  });

  test('invalid input: the same errors as the TypeScript path', () => {
    const cases: Array<[ArrayLike<number>, number, RadiusGraphOptions]> = [
      [new Float64Array([0, 0, 0, 1, NaN, 0]), 1, {}],
      [new Float64Array([0, 0, 0, 1, 0, -Infinity]), 1, { cell: CELLS.cubic, pbc: true }],
      [new Float64Array([0, 0, 0, 1]), 1, {}],
      [new Float64Array([0, 0, 0]), 0, {}],
      [new Float64Array([0, 0, 0]), NaN, {}],
      [new Float64Array([0, 0, 0]), 1, { pbc: true }],
      [new Float64Array([0, 0, 0]), 1, { cell: [1, 0, 0, 2, 0, 0, 0, 0, 1], pbc: true }],
      [new Float64Array([0, 0, 0]), 1, { cell: [1, 0, 0, 0, NaN, 0, 0, 0, 1], pbc: true }],
      [new Float64Array([0, 0, 0, 1, 1, 1]), 1, { cell: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1], pbc: true }],
      [new Float64Array([0, 0, 0, 1, 1, 1]), 1, { batch: [0, -1] }],
      [new Float64Array([0, 0, 0, 1, 1, 1]), 1, { batch: [0, 0.5] }],
      [new Float64Array([0, 0, 0, 1, 1, 1]), 1, { batch: [0] }],
      [new Float64Array([0, 0, 0, 1, 1, 1]), 1, { batch: [0, 1], cell: CELLS.cubic!.concat(CELLS.cubic!, CELLS.cubic!), pbc: true }],
      [new Float64Array([0, 0, 0, 1e12, 1, 1]), 1, { cell: [1, 0, 0, 0, 1, 0, 0, 0, 1], pbc: true }],
    ];
    for (const [pos, cutoff, opts] of cases) {
      let want: unknown;
      try {
        radiusGraph(pos, cutoff, { ...opts, implementation: 'typescript' });
      } catch (err) {
        want = err;
      }
      expect(want, JSON.stringify(opts)).toBeInstanceOf(Error);
      expect(() => radiusGraph(pos, cutoff, { ...opts, implementation: 'native', backend })).toThrow((want as Error).message);
    }
  });

  test("implementation 'auto' uses the named backend's primitive; positions of any numeric array type", () => {
    const rng = new Rng(21);
    const cell = CELLS.veryskewed!;
    const pos = randomPositions(rng, 40, cell);
    const want = radiusGraph(pos, 2.2, { cell, pbc: true, implementation: 'typescript' });
    identical(radiusGraph(pos, 2.2, { cell, pbc: true, backend }), want, 'auto');
    identical(radiusGraph(Array.from(pos), 2.2, { cell: Float64Array.from(cell), pbc: true, backend }), want, 'plain array');
    const p32 = Float32Array.from(pos);
    identical(
      radiusGraph(p32, 2.2, { cell, pbc: true, backend }),
      radiusGraph(p32, 2.2, { cell, pbc: true, implementation: 'typescript' }),
      'float32 positions',
    );
  });
});

describe('implementation selection', () => {
  it("'native' on a backend without the primitive is an error; 'auto' falls back to TypeScript", () => {
    const pos = new Float64Array([0, 0, 0, 1, 0, 0]);
    expect(() => radiusGraph(pos, 2, { implementation: 'native', backend: 'reference' })).toThrow(/has none/);
    expect(radiusGraph(pos, 2, { backend: 'reference' }).numEdges).toBe(2);
    expect(() => radiusGraph(pos, 2, { implementation: 'fast' as never })).toThrow(RangeError);
    expect(() => radiusGraph(pos, 2, { backend: 'no-such-backend' })).toThrow(/not registered/);
  });
});
