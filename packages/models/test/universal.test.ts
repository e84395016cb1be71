import { describe, expect, it } from 'vitest';
import { indexSelect, Rng, tensor, type Tensor } from '@equigraph/core';
import { assertClose, assertEquivariant, checkGrads } from '@equigraph/core/testing';
import { applyBasis, bellNumber, describePartition, EquivariantBasis, EquivariantLinear, rowOffsets, setPartitions, UniversalGraphNetwork } from '@equigraph/models';

const backend = 'reference';
const opts = { dtype: 'float64' as const, backend };
const rng = new Rng(11);
const randn = (shape: number[]) => tensor(rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1))), shape, opts);

/** Rows of an order-`order` batch permuted node-wise: out[π(i_1)…π(i_k)] = x[i_1…i_k] for each graph's own π. */
function permuteRows(x: Tensor, sizes: number[], perms: Int32Array[], order: number): Tensor {
  const offsets = rowOffsets(sizes, order);
  const src = new Int32Array(offsets.at(-1)!);
  sizes.forEach((n, g) => {
    const inv = new Int32Array(n);
    perms[g].forEach((p, i) => (inv[p] = i));
    for (let r = 0; r < n ** order; r++) {
      // Output multi-index (digits of r) comes from input multi-index inv(digits).
      let rest = r;
      let from = 0;
      let scale = 1;
      for (let a = 0; a < order; a++) {
        from += inv[rest % n] * scale;
        rest = Math.floor(rest / n);
        scale *= n;
      }
      src[offsets[g] + r] = offsets[g] + from;
    }
  });
  return indexSelect(x, src);
}

/** Numerical rank by Gaussian elimination with partial pivoting. */
function rank(rows: Float64Array[], tol = 1e-9): number {
  const m = rows.map((r) => r.slice());
  let r = 0;
  const cols = m[0]?.length ?? 0;
  for (let c = 0; c < cols && r < m.length; c++) {
    let best = r;
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i][c]) > Math.abs(m[best][c])) best = i;
    if (Math.abs(m[best][c]) <= tol) continue;
    [m[r], m[best]] = [m[best], m[r]];
    for (let i = r + 1; i < m.length; i++) {
      const f = m[i][c] / m[r][c];
      if (f !== 0) for (let j = c; j < cols; j++) m[i][j] -= f * m[r][j];
    }
    r++;
  }
  return r;
}

/** Each operator of the basis as a dense matrix, flattened: apply all of them to every unit input. */
function operatorMatrices(basis: EquivariantBasis, n: number): Float64Array[] {
  const inRows = n ** basis.inOrder;
  const eye = new Float64Array(inRows * inRows);
  for (let i = 0; i < inRows; i++) eye[i * inRows + i] = 1;
  const out = applyBasis(basis, tensor(eye, [inRows, inRows], opts), [n]).toArray() as Float64Array;
  const outRows = n ** basis.outOrder;
  const B = basis.numOps;
  return Array.from({ length: B }, (_, b) => {
    const mat = new Float64Array(outRows * inRows);
    for (let r = 0; r < outRows; r++) for (let d = 0; d < inRows; d++) mat[r * inRows + d] = out[r * B * inRows + b * inRows + d];
    return mat;
  });
}

/**
 * A literal transcription of the authors' `ops_2_to_2(inputs, dim, normalization='inf')`
 * (Haggaim/InvariantGraphNetworks, layers/equivariant_linear.py) for one n×n matrix.
 */
function maronOps2to2(x: Float64Array, n: number): Float64Array[] {
  const at = (i: number, j: number) => x[i * n + j];
  const diag = Array.from({ length: n }, (_, i) => at(i, i));
  const sumDiag = diag.reduce((a, b) => a + b, 0);
  const sumRows = Array.from({ length: n }, (_, i) => diag.reduce((acc, _v, j) => acc + at(i, j), 0)); // Σ_j x[i, j]
  const sumCols = Array.from({ length: n }, (_, j) => diag.reduce((acc, _v, i) => acc + at(i, j), 0)); // Σ_i x[i, j]
  const sumAll = sumRows.reduce((a, b) => a + b, 0);
  const mat = (f: (i: number, j: number) => number) => {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = f(i, j);
    return m;
  };
  const onDiag = (v: (i: number) => number) => mat((i, j) => (i === j ? v(i) : 0));
  return [
    onDiag((i) => diag[i]), // op1: extract diag
    onDiag(() => sumDiag / n), // op2: sum of diag on diag
    onDiag((i) => sumRows[i] / n), // op3: sum of row i on diag ii
    onDiag((i) => sumCols[i] / n), // op4: sum of col i on diag ii
    onDiag(() => sumAll / n ** 2), // op5: sum of all on diag
    mat((i) => sumCols[i] / n), // op6: sum of col i on row i
    mat((i) => sumRows[i] / n), // op7: sum of row i on row i
    mat((_i, j) => sumCols[j] / n), // op8: sum of col j on col j
    mat((_i, j) => sumRows[j] / n), // op9: sum of row j on col j
    mat((i, j) => at(i, j)), // op10: identity
    mat((i, j) => at(j, i)), // op11: transpose
    mat((i) => diag[i]), // op12: ii element in row i
    mat((_i, j) => diag[j]), // op13: jj element in col j
    mat(() => sumDiag / n), // op14: sum of diag everywhere
    mat(() => sumAll / n ** 2), // op15: sum of all everywhere
  ];
}

/** Adjacency matrices as `[n², 1]` blocks of a batch. */
function adjacency(n: number, edges: Array<[number, number]>): Float64Array {
  const a = new Float64Array(n * n);
  for (const [i, j] of edges) {
    a[i * n + j] = 1;
    a[j * n + i] = 1;
  }
  return a;
}
const twoTriangles = adjacency(6, [[0, 1], [1, 2], [2, 0], [3, 4], [4, 5], [5, 3]]);
const hexagon = adjacency(6, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 0]]);

describe('equivariant bases (Maron et al. 2019)', () => {
  it('has bell(l + k) operators: 15 (2→2), 5 (2→1), 2 (2→0), 2 biases (0→2), 52 (2→3), 5 (3→0)', () => {
    expect([2, 3, 4, 5].map(bellNumber)).toEqual([2, 5, 15, 52]);
    expect(new EquivariantBasis(2, 2).numOps).toBe(15);
    expect(new EquivariantBasis(2, 1).numOps).toBe(5);
    expect(new EquivariantBasis(2, 0).numOps).toBe(2);
    expect(new EquivariantBasis(0, 2).numOps).toBe(2);
    expect(new EquivariantBasis(2, 3).numOps).toBe(52);
    expect(new EquivariantBasis(3, 0).numOps).toBe(5);
    expect(setPartitions(4).map((p) => describePartition(p, 2))).toContain('{i1,j2}{i2,j1}'); // the transpose
  });

  it('the 15 operators R^{n×n} → R^{n×n} are those of the authors ops_2_to_2, one to one', () => {
    const n = 5;
    const x = rng.fillNormal(new Float64Array(n * n));
    const ours = applyBasis(new EquivariantBasis(2, 2), tensor(x, [n * n, 1], opts), [n]).toArray() as Float64Array;
    const oursOps = Array.from({ length: 15 }, (_, b) => Float64Array.from({ length: n * n }, (_v, r) => ours[r * 15 + b]));
    const used = new Set<number>();
    maronOps2to2(x, n).forEach((op, m) => {
      const match = oursOps.findIndex((o) => o.every((v, r) => Math.abs(v - op[r]) < 1e-12));
      expect(match, `Maron op${m + 1} has no equal among ours`).toBeGreaterThanOrEqual(0);
      used.add(match);
    });
    expect(used.size).toBe(15);
  });

  it.each([
    [2, 2, 15],
    [2, 1, 5],
    [2, 0, 2],
    [0, 2, 2],
    [2, 3, 52],
    [3, 0, 5],
  ])('the %i→%i operators are linearly independent for n = 5 (rank %i)', (l, k, B) => {
    const basis = new EquivariantBasis(l, k);
    expect(rank(operatorMatrices(basis, 5))).toBe(B);
  });

  it.each([
    [2, 2],
    [2, 1],
    [2, 0],
    [2, 3],
    [3, 1],
  ])('every %i→%i operator commutes with node permutations (batch of graphs)', (l, k) => {
    const basis = new EquivariantBasis(l, k);
    const sizes = [5, 3, 4];
    const x = randn([rowOffsets(sizes, l).at(-1)!, 2]);
    const perms = sizes.map((n) => rng.permutation(n));
    // Column b·c + d is operator b on channel d: permuting rows commutes with every column.
    assertEquivariant(
      (t) => applyBasis(basis, t, sizes),
      [x],
      (t) => [permuteRows(t, sizes, perms, l)],
      (y) => permuteRows(y, sizes, perms, k),
      { atol: 1e-12, rtol: 1e-12, label: `${l}→${k} basis` },
    );
  });

  it('normalises every summed index by n (Keriven & Peyré): the all-ones input gives ones on each pattern, for any n', () => {
    const basis = new EquivariantBasis(2, 2);
    for (const n of [2, 7]) {
      const y = applyBasis(basis, tensor(new Float64Array(n * n).fill(1), [n * n, 1], opts), [n]).toArray();
      for (const v of y) expect([0, 1]).toContain(Math.round(v * 1e12) / 1e12);
    }
  });
});

describe('UniversalGraphNetwork (Keriven & Peyré 2019)', () => {
  const configs = [
    { name: 'order-2 hidden, invariant', hidden: 6, output: 'invariant' as const },
    { name: 'order-2 hidden, equivariant', hidden: 6, output: 'equivariant' as const },
    { name: 'orders 2 and 3, invariant', hidden: [{ order: 2, channels: 4 }, { order: 3, channels: 3 }], output: 'invariant' as const },
    { name: 'orders 2 and 3, equivariant', hidden: [{ order: 2, channels: 4 }, { order: 3, channels: 3 }], output: 'equivariant' as const },
  ];

  it.each(configs)('is permutation invariant / equivariant to 1e-10 ($name)', ({ hidden, output }) => {
    const net = new UniversalGraphNetwork({ inChannels: 2, hidden, outChannels: 3, output, activation: 'silu', ...opts, seed: 5 });
    randomiseBiases(net);
    const sizes = [6, 4, 5];
    const x = randn([rowOffsets(sizes, 2).at(-1)!, 2]);
    const perms = sizes.map((n) => rng.permutation(n));
    assertEquivariant(
      (t) => net.forward(t, sizes),
      [x],
      (t) => [permuteRows(t, sizes, perms, 2)],
      (y) => (output === 'invariant' ? y : permuteRows(y, sizes, perms, 1)),
      { atol: 1e-10, rtol: 1e-10 },
    );
  });

  it('takes one graph as [n, n, c]', () => {
    const net = new UniversalGraphNetwork({ inChannels: 2, hidden: 4, outChannels: 2, ...opts, seed: 1 });
    const x = randn([5, 5, 2]);
    assertClose(net.forward(x), net.forward(x.reshape([25, 2]), [5]), { atol: 0, rtol: 0 });
    expect(() => net.forward(randn([5, 4, 2]))).toThrow(/\[n, n, c\]/);
  });

  it.each(configs)('batching graphs of different sizes equals running them one by one ($name)', ({ hidden, output }) => {
    const net = new UniversalGraphNetwork({ inChannels: 2, hidden, outChannels: 3, output, activation: 'tanh', ...opts, seed: 9 });
    randomiseBiases(net);
    const sizes = [3, 6, 1, 4];
    const parts = sizes.map((n) => randn([n * n, 2]));
    const batched = net.forward(concatRows(parts), sizes);
    const single = concatRows(parts.map((p, g) => net.forward(p, [sizes[g]])));
    assertClose(batched, single, { atol: 1e-12, rtol: 1e-12 });
  });

  it('gradients match finite differences (input and coefficients, orders 2 and 3)', () => {
    const net = new UniversalGraphNetwork({ inChannels: 2, hidden: [{ order: 2, channels: 3 }, { order: 3, channels: 2 }], outChannels: 2, activation: 'silu', ...opts, seed: 2 });
    randomiseBiases(net);
    const sizes = [3, 2];
    const x = randn([13, 2]);
    const hidden = net.hiddenLayers[1];
    const readout = net.outputLayers[0];
    checkGrads(
      (input, c1, c2) => {
        hidden.coeffs.value = c1;
        readout.coeffs.value = c2;
        return net.forward(input, sizes);
      },
      [x, hidden.coeffs.value.detach(), readout.coeffs.value.detach()],
    );
    const eq = new UniversalGraphNetwork({ inChannels: 2, hidden: 3, outChannels: 2, output: 'equivariant', activation: 'tanh', ...opts, seed: 3 });
    checkGrads((input) => eq.forward(input, sizes), [x]);
  });

  it('two triangles vs the 6-cycle: order-2 hidden tensors cannot separate them (2-WL bound), order 3 does', () => {
    const pair = (net: UniversalGraphNetwork) => [twoTriangles, hexagon].map((a) => net.forward(tensor(a, [36, 1], opts), [6]).toArray() as Float64Array);
    const maxDiff = ([a, b]: Float64Array[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    for (const seed of [0, 1, 2]) {
      // Every entry of an order-2 equivariant map of a 2-regular graph depends only on (A_ij, A_ji, δ_ij)
      // and graph-level constants equal for both graphs, so any order-2 network sees the same multiset.
      const order2 = new UniversalGraphNetwork({ inChannels: 1, hidden: 16, outChannels: 4, ...opts, seed });
      randomiseBiases(order2);
      expect(maxDiff(pair(order2))).toBeLessThan(1e-12);
      // An order-3 hidden tensor sees triples (A_ij, A_jk, A_ki): triangles.
      const order3 = new UniversalGraphNetwork({ inChannels: 1, hidden: [{ order: 2, channels: 4 }, { order: 3, channels: 8 }], outChannels: 4, ...opts, seed });
      randomiseBiases(order3);
      expect(maxDiff(pair(order3))).toBeGreaterThan(1e-3);
    }
  });

  it('EquivariantLinear biases are the bell(k) constant patterns (all-ones and identity for k = 2)', () => {
    const lin = new EquivariantLinear(2, 2, 1, 1, { ...opts, seed: 0 });
    lin.coeffs.value = tensor(new Float64Array(15), [15, 1, 1], opts).withGrad();
    lin.bias!.value = tensor([2, 3], [2, 1], opts).withGrad();
    const y = lin.forward(randn([9, 1]), [3]).toArray();
    // Partitions of {j1, j2}: {j1,j2} (diagonal) first, then {j1}{j2} (all entries).
    expect(Array.from(y)).toEqual([5, 3, 3, 3, 5, 3, 3, 3, 5]);
  });
});

function concatRows(parts: Tensor[]): Tensor {
  const values = parts.flatMap((p) => Array.from(p.toArray()));
  return tensor(values, [values.length / parts[0].shape[1], parts[0].shape[1]], opts);
}

/** Biases start at 0: give them random values so the tests exercise them. */
function randomiseBiases(net: UniversalGraphNetwork): void {
  for (const layer of [...net.hiddenLayers, ...net.outputLayers]) if (layer.bias) layer.bias.value = randn([...layer.bias.value.shape]).withGrad();
  net.outputBias.value = randn([...net.outputBias.value.shape]).withGrad();
}
