/**
 * Bases of the linear permutation-equivariant maps between tensors of order l
 * and order k over the nodes of a graph, R^{n^l} → R^{n^k}, following
 *
 * - H. Maron, H. Ben-Hamu, N. Shamir, Y. Lipman, "Invariant and Equivariant
 *   Graph Networks", ICLR 2019 (arXiv:1812.09902), Theorem 1 / Proposition 2:
 *   the space of such maps has dimension bell(l + k), with one basis element
 *   per partition γ of the l + k indices,
 *
 *       B_γ[i_1..i_l, j_1..j_k] = 1  iff indices in the same block of γ are equal;
 *
 *   bell(4) = 15 maps R^{n×n} → R^{n×n}, bell(2) = 2 invariant maps R^{n×n} → R,
 *   bell(3) = 5 maps R^{n×n} → R^n, and bell(2) = 2 constant (bias) maps R → R^{n×n}.
 *   The authors' code spells out the l, k ≤ 2 cases by hand
 *   (github.com/Haggaim/InvariantGraphNetworks, `layers/equivariant_linear.py`,
 *   `ops_2_to_2`, `ops_2_to_1`, …); the tests check ours against it.
 * - N. Keriven, G. Peyré, "Universal Invariant and Equivariant Graph Neural
 *   Networks", NeurIPS 2019 (arXiv:1905.04943), who use the same bases for any
 *   orders and normalise the sums so that operators are size-independent.
 *
 * Normalisation: a block holding only input indices is summed over (n terms
 * per such block); we divide by n per such block, so every operator is an
 * average rather than a sum (Maron et al.'s `normalization='inf'`, Keriven &
 * Peyré's 1/n^{…} scaling). Values then stay O(1) when n changes, and the same
 * coefficients apply to graphs of any size.
 *
 * Layout. A batch of graphs of sizes n_g holds an order-l tensor flattened to
 * rows `[Σ_g n_g^l, c]`, graph after graph, each graph's block in row-major
 * index order (i_1 slowest). Order 0 is one row per graph. Every basis element
 * is "contract, then expand": sum the input over its input-only blocks into an
 * intermediate T indexed by the mixed blocks (a gather + scatterSum), then
 * place T on the output pattern (a gather). All bell(l + k) operators of the
 * batch are done by one gather, one scatter, one scale and one gather, from
 * int32 index plans built once per list of sizes and cached.
 *
 * Cost per graph: O(bell(l+k) · (n^l + n^k) · c) gathered values, and no
 * operator ever forms an n^l × n^k matrix.
 */
import { concat, indexSelect, mul, scatterSum, tensor, zeros, type Backend, type FloatDType, type Tensor } from '@equigraph/core';

/** Set partitions of {0, …, m − 1} as restricted growth strings (block id of each element, ids in order of first use). */
export function setPartitions(m: number): number[][] {
  if (!Number.isInteger(m) || m < 0) throw new RangeError(`setPartitions: 'm' must be a non-negative integer, got ${m}`);
  const out: number[][] = [];
  const current = new Array<number>(m).fill(0);
  const extend = (pos: number, maxBlock: number) => {
    if (pos === m) {
      out.push(current.slice());
      return;
    }
    for (let b = 0; b <= maxBlock + 1; b++) {
      current[pos] = b;
      extend(pos + 1, Math.max(maxBlock, b));
    }
  };
  extend(0, -1);
  return out;
}

/** The Bell number bell(m): the number of set partitions of m elements (the basis size). */
export function bellNumber(m: number): number {
  return setPartitions(m).length;
}

/**
 * Human-readable form of a partition of l input indices (i1…) and k output
 * indices (j1…), e.g. `{i1,i2,j1,j2}` for "diagonal to diagonal".
 */
export function describePartition(partition: readonly number[], inOrder: number): string {
  const blocks = new Map<number, string[]>();
  partition.forEach((b, a) => {
    const name = a < inOrder ? `i${a + 1}` : `j${a - inOrder + 1}`;
    blocks.set(b, [...(blocks.get(b) ?? []), name]);
  });
  return [...blocks.values()].map((names) => `{${names.join(',')}}`).join('');
}

/** Index plan of all bell(l + k) basis operators for one list of graph sizes. */
export interface BasisPlan {
  readonly inOrder: number;
  readonly outOrder: number;
  readonly sizes: readonly number[];
  readonly numOps: number;
  /** Σ_g n_g^l and Σ_g n_g^k. */
  readonly inRows: number;
  readonly outRows: number;
  /** Stage 1: T[scatter1[p]] += x[gather1[p]], then T *= scale. */
  readonly gather1: Tensor;
  readonly scatter1: Tensor;
  readonly numT: number;
  readonly scale: Float64Array;
  /** Stage 2: y[(r, b)] = T[gather2[r·B + b]], index numT meaning 0. */
  readonly gather2: Tensor;
}

/** The row offset of each graph's block in a flattened order-`order` batch. */
export function rowOffsets(sizes: readonly number[], order: number): number[] {
  const offsets: number[] = [];
  let acc = 0;
  for (const n of sizes) {
    offsets.push(acc);
    acc += n ** order;
  }
  offsets.push(acc);
  return offsets;
}

/**
 * The operators R^{n^l} → R^{n^k} for every partition of l + k indices, in
 * the order of {@link setPartitions}(l + k); apply them with {@link applyBasis}.
 */
export class EquivariantBasis {
  readonly partitions: number[][];
  private readonly plans = new Map<string, BasisPlan>();
  private readonly scales = new Map<string, Tensor>();

  constructor(
    readonly inOrder: number,
    readonly outOrder: number,
  ) {
    for (const [name, v] of [['inOrder', inOrder], ['outOrder', outOrder]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 4) throw new RangeError(`EquivariantBasis: '${name}' must be an integer in [0, 4], got ${v}`);
    }
    this.partitions = setPartitions(inOrder + outOrder);
  }

  get numOps(): number {
    return this.partitions.length;
  }

  /** The index plan for a batch of graphs with these sizes (built once, cached). */
  plan(sizes: readonly number[], backend: Backend): BasisPlan {
    const key = `${backend.name}:${sizes.join(',')}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = this.build(sizes, backend);
      if (this.plans.size > 64) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }

  private build(sizes: readonly number[], backend: Backend): BasisPlan {
    sizes.forEach((n, g) => {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`EquivariantBasis: graph ${g} has size ${n}; sizes must be positive integers`);
    });
    const l = this.inOrder;
    const k = this.outOrder;
    const B = this.numOps;
    const inOff = rowOffsets(sizes, l);
    const outOff = rowOffsets(sizes, k);
    const g1: number[] = [];
    const s1: number[] = [];
    const scale: number[] = [];
    // T rows: per (graph, op), n^{|mixed blocks|} of them.
    const tOffsets: number[][] = [];
    const info = this.partitions.map((p) => {
      const numBlocks = Math.max(-1, ...p) + 1;
      const touchesIn = new Array<boolean>(numBlocks).fill(false);
      const touchesOut = new Array<boolean>(numBlocks).fill(false);
      p.forEach((b, a) => (a < l ? (touchesIn[b] = true) : (touchesOut[b] = true)));
      const inBlocks = [...Array(numBlocks).keys()].filter((b) => touchesIn[b]);
      const mixed = inBlocks.filter((b) => touchesOut[b]);
      const inputOnly = inBlocks.length - mixed.length;
      return { numBlocks, inBlocks, mixed, inputOnly };
    });
    let numT = 0;
    sizes.forEach((n, g) => {
      const offs: number[] = [];
      this.partitions.forEach((p, b) => {
        const { numBlocks, inBlocks, mixed, inputOnly } = info[b];
        const tOff = numT;
        offs.push(tOff);
        const tSize = n ** mixed.length;
        numT += tSize;
        const w = 1 / n ** inputOnly;
        for (let t = 0; t < tSize; t++) scale.push(w);
        // Every assignment of values to the blocks that touch the input.
        const values = new Array<number>(numBlocks).fill(0);
        const count = n ** inBlocks.length;
        for (let c = 0; c < count; c++) {
          let rest = c;
          for (let q = inBlocks.length - 1; q >= 0; q--) {
            values[inBlocks[q]] = rest % n;
            rest = Math.floor(rest / n);
          }
          let idx = 0;
          for (let a = 0; a < l; a++) idx = idx * n + values[p[a]];
          let m = 0;
          for (const blk of mixed) m = m * n + values[blk];
          g1.push(inOff[g] + idx);
          s1.push(tOff + m);
        }
      });
      tOffsets.push(offs);
    });
    const g2 = new Int32Array(outOff[sizes.length] * B).fill(numT);
    sizes.forEach((n, g) => {
      const rowsOut = n ** k;
      const digits = new Array<number>(k).fill(0);
      this.partitions.forEach((p, b) => {
        const { numBlocks, mixed } = info[b];
        const values = new Array<number>(numBlocks);
        for (let j = 0; j < rowsOut; j++) {
          let rest = j;
          for (let a = k - 1; a >= 0; a--) {
            digits[a] = rest % n;
            rest = Math.floor(rest / n);
          }
          values.fill(-1);
          let ok = true;
          for (let a = 0; a < k && ok; a++) {
            const blk = p[l + a];
            if (values[blk] === -1) values[blk] = digits[a];
            else ok = values[blk] === digits[a];
          }
          if (!ok) continue;
          let m = 0;
          for (const blk of mixed) m = m * n + values[blk];
          g2[(outOff[g] + j) * B + b] = tOffsets[g][b] + m;
        }
      });
    });
    const idx = (values: ArrayLike<number>) => tensor(Int32Array.from(values), [values.length], { dtype: 'int32', backend });
    return {
      inOrder: l,
      outOrder: k,
      sizes: [...sizes],
      numOps: B,
      inRows: inOff[sizes.length],
      outRows: outOff[sizes.length],
      gather1: idx(g1),
      scatter1: idx(s1),
      numT,
      scale: Float64Array.from(scale),
      gather2: idx(g2),
    };
  }

  /** The per-T-row normalisation as a `[numT, 1]` tensor in `dtype` (cached). */
  scaleTensor(plan: BasisPlan, dtype: FloatDType, backend: Backend): Tensor {
    const key = `${backend.name}:${dtype}:${plan.sizes.join(',')}`;
    let t = this.scales.get(key);
    if (!t) {
      t = tensor(plan.scale, [plan.numT, 1], { dtype, backend });
      if (this.scales.size > 64) this.scales.clear();
      this.scales.set(key, t);
    }
    return t;
  }
}

/**
 * All basis operators applied to x `[Σ_g n_g^l, c]`: returns `[Σ_g n_g^k, B·c]`,
 * column b·c + d holding operator b applied to channel d (B = bell(l + k)).
 */
export function applyBasis(basis: EquivariantBasis, x: Tensor, sizes: readonly number[]): Tensor {
  const plan = basis.plan(sizes, x.backend);
  if (x.rank !== 2 || x.shape[0] !== plan.inRows) {
    throw new RangeError(`applyBasis: 'x' has shape [${x.shape.join(', ')}], expected [${plan.inRows}, c] for order ${basis.inOrder} and sizes [${sizes.join(', ')}]`);
  }
  const c = x.shape[1];
  const dtype = x.dtype as FloatDType;
  let t = scatterSum(indexSelect(x, plan.gather1), plan.scatter1, plan.numT);
  t = mul(t, basis.scaleTensor(plan, dtype, x.backend));
  const padded = concat([t, zeros([1, c], { dtype, backend: x.backend })], 0);
  return indexSelect(padded, plan.gather2).reshape([plan.outRows, plan.numOps * c]);
}
