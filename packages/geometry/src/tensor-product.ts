/**
 * Tensor products on irreps as data: a segmented tensor product descriptor in the spirit of
 * cuEquivariance, with e3nn's conventions (`e3nn/o3/_tensor_product/_tensor_product.py`, `_sub.py`,
 * `_linear.py`).
 *
 * A descriptor has four operand slots — 0 weights, 1 x1, 2 x2, 3 out — each a list of segments
 * (an irreps block `mul × (2l+1)` at an offset, or a flat weight block), and paths. A path picks
 * one segment per slot (−1: the slot is absent and acts as the constant 1), a channel mode, and
 * sparse coefficients `c[i, j, k]` = Clebsch–Gordan (`wigner3j`) × e3nn's path normalisation:
 *
 * ```
 * uvw:   out[w, k] += Σ c[i,j,k] W[u, v, w] x1[u, i] x2[v, j]
 * uvu:   out[u, k] += Σ c[i,j,k] W[u, v]    x1[u, i] x2[v, j]
 * uuu:   out[u, k] += Σ c[i,j,k] W[u]       x1[u, i] x2[u, j]
 * uvuv:  out[u·V+v, k] += Σ c[i,j,k] W[u, v] x1[u, i] x2[v, j]
 * ```
 *
 * Each path is a multilinear form in the four slots, so computing any slot from the other three
 * is the same kernel with the output role moved: that is the transposed descriptor, and the
 * gradient with respect to a slot is the kernel with that slot as output and the upstream gradient
 * in slot 3. The flat encoding (`segments`, `paths`, `coeffIndex`, `coeffValue`, `operandSizes`) is
 * shared by the TypeScript reference, the C++ kernel and its wasm build
 * (`eg_segmented_tensor_product` in native/include/equigraph.h).
 */
import { wigner3j } from './clebsch-gordan.js';
import { Irrep, Irreps, type IrrepsLike } from './irreps.js';

export type TpMode = 'uvw' | 'uvu' | 'uuu' | 'uvuv';
/** eg_tp_mode codes of the C ABI. */
export const TP_MODE_CODES: Readonly<Record<TpMode, number>> = { uvw: 0, uvu: 1, uuu: 2, uvuv: 3 };
/** Operand slots of a descriptor. */
export const TP_SLOT = { weights: 0, x1: 1, x2: 2, out: 3 } as const;
export const TP_SLOT_NAMES = ['weights', 'x1', 'x2', 'out'] as const;

export type IrrepNormalization = 'component' | 'norm' | 'none';
export type PathNormalization = 'element' | 'path' | 'none';

/** One instruction as in e3nn: `(i_in1, i_in2, i_out, connection_mode, has_weight, path_weight)`. */
export interface TpInstructionSpec {
  readonly i1: number;
  readonly i2: number;
  readonly iOut: number;
  readonly mode: TpMode;
  readonly hasWeight: boolean;
  /** Extra multiplier under the square root (e3nn's `path_weight`), default 1. */
  readonly pathWeight?: number;
}

/** A resolved instruction: the normalisation applied and where its weights live. */
export interface TpInstruction extends Required<TpInstructionSpec> {
  /** √alpha: e3nn's normalised `path_weight`, already folded into the coefficients. */
  readonly normalization: number;
  /** Weight block [offset, offset + count) in the flat weight vector (count 0 when unweighted). */
  readonly weightOffset: number;
  readonly weightCount: number;
  /** e3nn's `path_shape`. */
  readonly weightShape: readonly number[];
}

export interface TensorProductOptions {
  irrepNormalization?: IrrepNormalization;
  pathNormalization?: PathNormalization;
  in1Var?: readonly number[];
  in2Var?: readonly number[];
  outVar?: readonly number[];
}

/** The flat arrays a kernel interprets (see the module comment). */
export interface FlatTpDescriptor {
  /** Rows of 4: slot, offset, mul, dim. */
  readonly segments: Int32Array;
  /** Rows of 8: mode, segment of slots 0..3 (−1 absent), first coefficient, coefficient count, 0. */
  readonly paths: Int32Array;
  /** Rows of 3: (i, j, k). */
  readonly coeffIndex: Int32Array;
  readonly coeffValue: Float64Array;
  /** Elements per sample of each slot (0: absent). */
  readonly operandSizes: readonly number[];
}

/** A segmented tensor product on irreps. Immutable; build it with the functions below. */
export class TensorProductDescriptor implements FlatTpDescriptor {
  readonly segments: Int32Array;
  readonly paths: Int32Array;
  readonly coeffIndex: Int32Array;
  readonly coeffValue: Float64Array;
  readonly operandSizes: readonly number[];
  /**
   * The same descriptor restricted to the weighted paths. An unweighted path makes the product
   * affine, not linear, in the weights; once the weights have been an output (a gradient with
   * respect to them), every further transpose must use only the weighted paths.
   */
  readonly weightedPaths: FlatTpDescriptor;

  constructor(
    /** Short description for messages, e.g. "fullyConnectedTensorProduct(…)". */
    readonly name: string,
    readonly irreps1: Irreps,
    /** null for a linear map (no second input). */
    readonly irreps2: Irreps | null,
    readonly irrepsOut: Irreps,
    readonly instructions: readonly TpInstruction[],
    readonly numWeights: number,
    flat: FlatTpDescriptor,
  ) {
    this.segments = flat.segments;
    this.paths = flat.paths;
    this.coeffIndex = flat.coeffIndex;
    this.coeffValue = flat.coeffValue;
    this.operandSizes = Object.freeze([...flat.operandSizes]);
    const numPaths = flat.paths.length / 8;
    const weighted = Array.from({ length: numPaths }, (_, p) => p).filter((p) => flat.paths[8 * p + 1]! >= 0);
    this.weightedPaths =
      weighted.length === numPaths
        ? flat
        : { ...flat, paths: Int32Array.from(weighted.flatMap((p) => Array.from(flat.paths.subarray(8 * p, 8 * p + 8)))), operandSizes: this.operandSizes };
    Object.freeze(this);
  }

  /** Slots the descriptor uses, in order (weights only when numWeights > 0, x2 only with irreps2). */
  get presentSlots(): number[] {
    return [0, 1, 2, 3].filter((s) => this.operandSizes[s]! > 0 || (s === 1 || s === 3));
  }

  /** Multiply-adds per sample of the forward pass, counted as the kernel factors each path (2 flops each). */
  get flopsPerSample(): number {
    let flops = 0;
    for (let p = 0; p < this.paths.length / 8; p++) {
      const ins = this.instructions[p]!;
      const m1 = this.irreps1.at(ins.i1).mul;
      const m2 = this.irreps2 ? this.irreps2.at(ins.i2).mul : 1;
      const mo = this.irrepsOut.at(ins.iOut).mul;
      const d3 = this.irrepsOut.at(ins.iOut).ir.dim;
      const nnz = this.paths[8 * p + 6]!;
      const pairs = ins.mode === 'uuu' ? m1 : m1 * m2;
      flops += 3 * nnz * pairs + (ins.mode === 'uvw' ? 2 * m1 * m2 * mo * d3 : 0);
    }
    return flops;
  }

  toString(): string {
    return `${this.name}: ${this.irreps1}${this.irreps2 ? ` ⊗ ${this.irreps2}` : ''} → ${this.irrepsOut} (${this.instructions.length} paths, ${this.numWeights} weights)`;
  }
}

const CG_EPS = 1e-13;

/** e3nn's `num_elements` of an instruction: how many products one output component sums. */
function numElements(mode: TpMode, mul1: number, mul2: number): number {
  switch (mode) {
    case 'uvw':
      return mul1 * mul2;
    case 'uvu':
      return mul2;
    case 'uuu':
    case 'uvuv':
      return 1;
  }
}

function weightShape(mode: TpMode, mul1: number, mul2: number, mulOut: number): number[] {
  switch (mode) {
    case 'uvw':
      return [mul1, mul2, mulOut];
    case 'uvu':
      return [mul1, mul2];
    case 'uuu':
      return [mul1];
    case 'uvuv':
      return [mul1, mul2];
  }
}

/**
 * e3nn's `TensorProduct(irreps_in1, irreps_in2, irreps_out, instructions, …)`: the general
 * constructor every other builder calls. Normalisation (default 'component' / 'element') follows
 * e3nn exactly: `alpha = dim(out)` ('component') or `dim1·dim2` ('norm'), divided by
 * `Σ in1Var·in2Var·num_elements` over the paths into the same output ('element') or by the path's
 * own `num_elements` times the number of such paths ('path'), times `outVar·path_weight`; the
 * coefficients are `√alpha · wigner3j(l1, l2, l_out)`.
 */
export function tensorProductDescriptor(
  irreps1: IrrepsLike,
  irreps2: IrrepsLike,
  irrepsOut: IrrepsLike,
  instructions: readonly TpInstructionSpec[],
  options: TensorProductOptions & { name?: string } = {},
): TensorProductDescriptor {
  const in1 = Irreps.from(irreps1);
  const in2 = Irreps.from(irreps2);
  const out = Irreps.from(irrepsOut);
  return build(options.name ?? 'tensorProductDescriptor', in1, in2, out, instructions, options);
}

function build(name: string, in1: Irreps, in2: Irreps | null, out: Irreps, specs: readonly TpInstructionSpec[], options: TensorProductOptions, linear = false): TensorProductDescriptor {
  const irrepNorm = options.irrepNormalization ?? 'component';
  const pathNorm = options.pathNormalization ?? 'element';
  const in1Var = options.in1Var ?? in1.terms.map(() => 1);
  const in2Var = options.in2Var ?? (in2 ? in2.terms.map(() => 1) : [1]);
  const outVar = options.outVar ?? out.terms.map(() => 1);
  const term2 = (i: number) => (in2 ? in2.at(i) : { mul: 1, ir: new Irrep(0, 1) });
  for (const [k, s] of specs.entries()) {
    const where = `${name}: instruction ${k} (${s.i1}, ${s.i2}, ${s.iOut}, '${s.mode}')`;
    if (!(s.i1 >= 0 && s.i1 < in1.length)) throw new RangeError(`${where}: i1 is not a term of irreps1 "${in1}"`);
    if (in2 && !(s.i2 >= 0 && s.i2 < in2.length)) throw new RangeError(`${where}: i2 is not a term of irreps2 "${in2}"`);
    if (!(s.iOut >= 0 && s.iOut < out.length)) throw new RangeError(`${where}: iOut is not a term of irrepsOut "${out}"`);
    const [a, b, c] = [in1.at(s.i1), term2(s.i2), out.at(s.iOut)];
    if (a.ir.p * b.ir.p !== c.ir.p || c.ir.l < Math.abs(a.ir.l - b.ir.l) || c.ir.l > a.ir.l + b.ir.l) {
      throw new RangeError(`${where}: ${c.ir} is not in ${a.ir} ⊗ ${b.ir}`);
    }
    const wantOut = s.mode === 'uvw' ? c.mul : s.mode === 'uvuv' ? a.mul * b.mul : a.mul;
    if (c.mul !== wantOut) throw new RangeError(`${where}: output multiplicity ${c.mul}, mode '${s.mode}' needs ${wantOut}`);
    if (s.mode === 'uuu' && a.mul !== b.mul) throw new RangeError(`${where}: mode 'uuu' needs equal multiplicities, got ${a.mul} and ${b.mul}`);
    if (s.mode === 'uvw' && !s.hasWeight) throw new RangeError(`${where}: mode 'uvw' needs weights`);
  }
  // Normalisation (e3nn's TensorProduct.__init__).
  const nel = (s: TpInstructionSpec) => numElements(s.mode, in1.at(s.i1).mul, term2(s.i2).mul);
  const resolved: TpInstruction[] = [];
  let weightOffset = 0;
  for (const s of specs) {
    const [a, b, c] = [in1.at(s.i1), term2(s.i2), out.at(s.iOut)];
    let alpha = irrepNorm === 'component' ? c.ir.dim : irrepNorm === 'norm' ? a.ir.dim * b.ir.dim : 1;
    let x = 1;
    if (linear) {
      // e3nn's Linear: 'element' divides by the fan-in Σ mul_in over the paths into the output.
      x = pathNorm === 'element' ? specs.filter((t) => t.iOut === s.iOut).reduce((acc, t) => acc + in1.at(t.i1).mul, 0) : pathNorm === 'path' ? a.mul * specs.filter((t) => t.iOut === s.iOut).length : 1;
      alpha = 1;
    } else if (pathNorm === 'element') {
      x = specs.filter((t) => t.iOut === s.iOut).reduce((acc, t) => acc + in1Var[t.i1]! * in2Var[t.i2]! * nel(t), 0);
    } else if (pathNorm === 'path') {
      x = in1Var[s.i1]! * in2Var[s.i2]! * nel(s) * specs.filter((t) => t.iOut === s.iOut).length;
    }
    if (x > 0) alpha /= x;
    alpha *= outVar[s.iOut]! * (s.pathWeight ?? 1);
    const shape = s.hasWeight ? weightShape(s.mode, a.mul, b.mul, c.mul) : [];
    const count = s.hasWeight ? shape.reduce((p, d) => p * d, 1) : 0;
    resolved.push(Object.freeze({ i1: s.i1, i2: s.i2, iOut: s.iOut, mode: s.mode, hasWeight: s.hasWeight, pathWeight: s.pathWeight ?? 1, normalization: Math.sqrt(alpha), weightOffset, weightCount: count, weightShape: Object.freeze(shape) }));
    weightOffset += count;
  }
  const numWeights = weightOffset;

  // Flat encoding: segments of x1, x2, out (one per irreps term), then one weight block per weighted path.
  const segRows: number[] = [];
  const segOf: number[][] = [[], [], [], []];
  const addTerms = (slot: number, irreps: Irreps) => {
    let offset = 0;
    for (const t of irreps) {
      segOf[slot]!.push(segRows.length / 4);
      segRows.push(slot, offset, t.mul, t.ir.dim);
      offset += t.dim;
    }
  };
  addTerms(1, in1);
  if (in2) addTerms(2, in2);
  addTerms(3, out);
  const pathRows: number[] = [];
  const cIdx: number[] = [];
  const cVal: number[] = [];
  for (const ins of resolved) {
    let wSeg = -1;
    if (ins.hasWeight) {
      wSeg = segRows.length / 4;
      segRows.push(0, ins.weightOffset, ins.weightCount, 1);
    }
    const [a, b, c] = [in1.at(ins.i1).ir, term2(ins.i2).ir, out.at(ins.iOut).ir];
    const start = cVal.length;
    if (linear) {
      for (let i = 0; i < a.dim; i++) {
        cIdx.push(i, 0, i);
        cVal.push(ins.normalization);
      }
    } else {
      const C = wigner3j(a.l, b.l, c.l);
      const [d2, d3] = [b.dim, c.dim];
      for (let i = 0; i < a.dim; i++)
        for (let j = 0; j < d2; j++)
          for (let k = 0; k < d3; k++) {
            const v = C[(i * d2 + j) * d3 + k]!;
            if (Math.abs(v) > CG_EPS) {
              cIdx.push(i, j, k);
              cVal.push(ins.normalization * v);
            }
          }
    }
    pathRows.push(TP_MODE_CODES[ins.mode], wSeg, segOf[1]![ins.i1]!, in2 ? segOf[2]![ins.i2]! : -1, segOf[3]![ins.iOut]!, start, cVal.length - start, 0);
  }
  const flat: FlatTpDescriptor = {
    segments: Int32Array.from(segRows),
    paths: Int32Array.from(pathRows),
    coeffIndex: Int32Array.from(cIdx),
    coeffValue: Float64Array.from(cVal),
    operandSizes: [numWeights, in1.dim, in2 ? in2.dim : 0, out.dim],
  };
  return new TensorProductDescriptor(name, in1, in2, out, resolved, numWeights, flat);
}

/**
 * e3nn's `FullyConnectedTensorProduct`: every path `(i1, i2, iOut)` with `out ∈ in1 ⊗ in2`, mode
 * 'uvw', weighted; instructions in e3nn's loop order (i1, then i2, then iOut), irreps as given.
 */
export function fullyConnectedTensorProduct(irreps1: IrrepsLike, irreps2: IrrepsLike, irrepsOut: IrrepsLike, options: TensorProductOptions = {}): TensorProductDescriptor {
  const [a, b, c] = [Irreps.from(irreps1), Irreps.from(irreps2), Irreps.from(irrepsOut)];
  const ins: TpInstructionSpec[] = [];
  a.terms.forEach((t1, i1) =>
    b.terms.forEach((t2, i2) =>
      c.terms.forEach((to, iOut) => {
        if (t1.ir.p * t2.ir.p === to.ir.p && to.ir.l >= Math.abs(t1.ir.l - t2.ir.l) && to.ir.l <= t1.ir.l + t2.ir.l) ins.push({ i1, i2, iOut, mode: 'uvw', hasWeight: true });
      }),
    ),
  );
  return build(`fullyConnectedTensorProduct(${a}, ${b}, ${c})`, a, b, c, ins, options);
}

/**
 * The channelwise ('uvu') tensor product of NequIP / MACE convolutions
 * (`tp_out_irreps_with_instructions` in MACE): for every x1 term `mul×ir1`, every x2 term `ir2`
 * and every `ir ∈ ir1 ⊗ ir2` (kept when in `filterOut`, when given) one output `mul×ir`; the
 * outputs are then sorted by irrep (stable, not simplified) and the instructions ordered by
 * output, as MACE does, which also fixes the weight layout. Weighted (shape [mul1, mul2] per path).
 */
export function channelwiseTensorProduct(irreps1: IrrepsLike, irreps2: IrrepsLike, filterOut?: IrrepsLike, options: TensorProductOptions & { weighted?: boolean } = {}): TensorProductDescriptor {
  const [a, b] = [Irreps.from(irreps1), Irreps.from(irreps2)];
  const keep = filterOut === undefined ? null : Irreps.from(filterOut);
  const outTerms: [number, Irrep][] = [];
  const raw: { i1: number; i2: number; k: number }[] = [];
  a.terms.forEach((t1, i1) =>
    b.terms.forEach((t2, i2) => {
      for (let l = Math.abs(t1.ir.l - t2.ir.l); l <= t1.ir.l + t2.ir.l; l++) {
        const ir = new Irrep(l, t1.ir.p * t2.ir.p);
        if (keep && !keep.contains(ir)) continue;
        raw.push({ i1, i2, k: outTerms.length });
        outTerms.push([t1.mul, ir]);
      }
    }),
  );
  const sorted = Irreps.from(outTerms).sort();
  const ins = raw.map((r) => ({ i1: r.i1, i2: r.i2, iOut: sorted.p[r.k]!, mode: 'uvu' as const, hasWeight: options.weighted ?? true }));
  ins.sort((x, y) => x.iOut - y.iOut);
  return build(`channelwiseTensorProduct(${a}, ${b}${keep ? `, ${keep}` : ''})`, a, b, sorted.irreps, ins, options);
}

/**
 * e3nn's `ElementwiseTensorProduct` ('uuu', no weights): both inputs are simplified and split
 * so their multiplicities line up (they need the same number of irreps), then each pair
 * `mul×ir1, mul×ir2` gives `mul×ir` for every `ir ∈ ir1 ⊗ ir2` (kept when in `filterOut`).
 * Outputs in that order, unsorted. x1/x2 keep their flat layout (splitting changes no offsets).
 */
export function elementwiseTensorProduct(irreps1: IrrepsLike, irreps2: IrrepsLike, filterOut?: IrrepsLike, options: TensorProductOptions = {}): TensorProductDescriptor {
  const a = Irreps.from(irreps1).simplify();
  const b = Irreps.from(irreps2).simplify();
  if (a.numIrreps !== b.numIrreps) throw new RangeError(`elementwiseTensorProduct: irreps1 "${a}" has ${a.numIrreps} irreps, irreps2 "${b}" has ${b.numIrreps}; they must be equal`);
  const t1 = a.terms.map((t) => [t.mul, t.ir] as [number, Irrep]);
  const t2 = b.terms.map((t) => [t.mul, t.ir] as [number, Irrep]);
  for (let i = 0; i < t1.length; i++) {
    const [m1, ir1] = t1[i]!;
    const [m2, ir2] = t2[i]!;
    if (m1 < m2) {
      t2[i] = [m1, ir2];
      t2.splice(i + 1, 0, [m2 - m1, ir2]);
    } else if (m2 < m1) {
      t1[i] = [m2, ir1];
      t1.splice(i + 1, 0, [m1 - m2, ir1]);
    }
  }
  const keep = filterOut === undefined ? null : Irreps.from(filterOut);
  const outTerms: [number, Irrep][] = [];
  const ins: TpInstructionSpec[] = [];
  t1.forEach(([mul, ir1], i) => {
    const ir2 = t2[i]![1];
    for (let l = Math.abs(ir1.l - ir2.l); l <= ir1.l + ir2.l; l++) {
      const ir = new Irrep(l, ir1.p * ir2.p);
      if (keep && !keep.contains(ir)) continue;
      ins.push({ i1: i, i2: i, iOut: outTerms.length, mode: 'uuu', hasWeight: false });
      outTerms.push([mul, ir]);
    }
  });
  return build(`elementwiseTensorProduct(${a}, ${b})`, Irreps.from(t1), Irreps.from(t2), Irreps.from(outTerms), ins, options);
}

/**
 * e3nn's `FullTensorProduct` ('uvuv', no weights): every `ir ∈ ir1 ⊗ ir2` of every pair of
 * terms gives `(mul1·mul2)×ir`; the outputs are sorted (stable, not simplified) as in e3nn.
 */
export function fullTensorProduct(irreps1: IrrepsLike, irreps2: IrrepsLike, filterOut?: IrrepsLike, options: TensorProductOptions = {}): TensorProductDescriptor {
  const [a, b] = [Irreps.from(irreps1), Irreps.from(irreps2)];
  const keep = filterOut === undefined ? null : Irreps.from(filterOut);
  const outTerms: [number, Irrep][] = [];
  const raw: TpInstructionSpec[] = [];
  a.terms.forEach((x, i1) =>
    b.terms.forEach((y, i2) => {
      for (let l = Math.abs(x.ir.l - y.ir.l); l <= x.ir.l + y.ir.l; l++) {
        const ir = new Irrep(l, x.ir.p * y.ir.p);
        if (keep && !keep.contains(ir)) continue;
        raw.push({ i1, i2, iOut: outTerms.length, mode: 'uvuv', hasWeight: false });
        outTerms.push([x.mul * y.mul, ir]);
      }
    }),
  );
  const sorted = Irreps.from(outTerms).sort();
  const ins = raw.map((r) => ({ ...r, iOut: sorted.p[r.iOut]! }));
  return build(`fullTensorProduct(${a}, ${b})`, a, b, sorted.irreps, ins, options);
}

/**
 * e3nn's `o3.Linear` without biases: channel mixing per irrep, `out[w] = Σ_u W[u, w] x[u] / √fan_in`
 * for every pair of terms with the same irrep (instructions in order i_in, then i_out); fan_in is
 * the total input multiplicity feeding the output term ('element'). A two-operand descriptor:
 * slot x2 is absent.
 */
export function linearOnIrreps(irrepsIn: IrrepsLike, irrepsOut: IrrepsLike, options: { pathNormalization?: PathNormalization } = {}): TensorProductDescriptor {
  const [a, c] = [Irreps.from(irrepsIn), Irreps.from(irrepsOut)];
  const ins: TpInstructionSpec[] = [];
  a.terms.forEach((x, i1) =>
    c.terms.forEach((y, iOut) => {
      if (x.ir.equals(y.ir)) ins.push({ i1, i2: 0, iOut, mode: 'uvw', hasWeight: true });
    }),
  );
  return build(`linearOnIrreps(${a}, ${c})`, a, null, c, ins, { pathNormalization: options.pathNormalization }, true);
}
