/**
 * Equivariant nonlinearities on irreps, built from core ops (slices, elementwise products,
 * reductions), so they are differentiable to any order on every backend. Conventions of e3nn's
 * `nn.Gate`, `nn.NormActivation`, `nn.Activation` (with `normalize2mom`) and `o3.Norm`.
 */
import { concat, mul, reshape, sliceAxis, sqrt, square, sum, maximum, div, tensor, type Tensor } from '@equigraph/core';
import { gaussLegendre } from './quadrature.js';
import { Irrep, Irreps, MulIrrep, type IrrepsLike } from './irreps.js';

export type Activation = (x: Tensor) => Tensor;

/** Splits the last axis of x into the blocks of `irreps` (each [..., mul·dim]). */
function blocks(x: Tensor, irreps: Irreps, op: string, arg = 'x'): Tensor[] {
  if (x.rank < 1 || x.shape[x.rank - 1] !== irreps.dim) {
    throw new RangeError(`${op}: '${arg}' has shape [${x.shape.join(', ')}], but irreps "${irreps}" need a last axis of ${irreps.dim}`);
  }
  return irreps.slices().map((s) => sliceAxis(x, -1, s.start, s.stop));
}

/** Reshapes a block [..., mul·dim] to [..., mul, dim]. */
function split(block: Tensor, term: MulIrrep): Tensor {
  return reshape(block, [...block.shape.slice(0, -1), term.mul, term.ir.dim]);
}

/**
 * Per-irrep norms (e3nn's `o3.Norm`): x [..., irreps.dim] → [..., irreps.numIrreps], the
 * Euclidean norm of every irrep copy in order (`squared` returns |x|² instead, which stays
 * differentiable at 0).
 */
export function irrepsNorm(x: Tensor, irreps: IrrepsLike, options: { squared?: boolean } = {}): Tensor {
  const ir = Irreps.from(irreps);
  const parts = blocks(x, ir, 'irrepsNorm').map((b, i) => sum(square(split(b, ir.at(i))), -1));
  const sq = parts.length === 1 ? parts[0]! : concat(parts, -1);
  return options.squared ? sq : sqrt(sq);
}

// 2nd moment E[f(z)²], z ~ N(0, 1), by Gauss–Legendre on z = t/(1−t²), t ∈ (−1, 1) (deterministic).
function secondMoment(f: Activation): number {
  const { nodes, weights } = gaussLegendre(200);
  const z = new Float64Array(nodes.length);
  const jac = new Float64Array(nodes.length);
  nodes.forEach((t, i) => {
    z[i] = t / (1 - t * t);
    jac[i] = (1 + t * t) / (1 - t * t) ** 2;
  });
  const fz = f(tensor(z, [z.length], { dtype: 'float64', backend: 'reference' })).toArray();
  let m = 0;
  for (let i = 0; i < z.length; i++) m += weights[i]! * jac[i]! * fz[i]! ** 2 * Math.exp(-0.5 * z[i]! ** 2);
  return m / Math.sqrt(2 * Math.PI);
}

/**
 * e3nn's `normalize2mom`: the constant c with E[(c·f(z))²] = 1 for z ~ N(0, 1) (1 when already
 * within 1e-4). e3nn estimates it from 10⁶ samples; we integrate by quadrature, so the constants
 * agree to ~1e-3 relative and ours are deterministic.
 */
export function normalize2momConstant(f: Activation): number {
  const c = 1 / Math.sqrt(secondMoment(f));
  return Math.abs(c - 1) < 1e-4 ? 1 : c;
}

/** Parity of an activation as e3nn's `Activation` decides it: 1 even, −1 odd, 0 neither. */
export function activationParity(f: Activation): 0 | 1 | -1 {
  const n = 256;
  const xs = Float64Array.from({ length: n }, (_, i) => (10 * i) / (n - 1));
  const t = (v: Float64Array) => f(tensor(v, [n], { dtype: 'float64', backend: 'reference' })).toArray();
  const a = t(xs);
  const b = t(xs.map((v) => -v));
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    even = Math.max(even, Math.abs(a[i]! - b[i]!));
    odd = Math.max(odd, Math.abs(a[i]! + b[i]!));
  }
  return even < 1e-5 ? 1 : odd < 1e-5 ? -1 : 0;
}

/** Output irreps of scalar activations (e3nn's `Activation`): 0o through an even act becomes 0e. */
function activatedIrreps(irreps: Irreps, acts: readonly (Activation | null)[], op: string): Irreps {
  return Irreps.from(
    irreps.terms.map((t, i) => {
      const f = acts[i];
      if (!f) return t;
      if (t.ir.l !== 0) throw new RangeError(`${op}: activation on non-scalar irrep ${t.ir}`);
      if (t.ir.p === 1) return t;
      const pa = activationParity(f);
      if (pa === 0) throw new RangeError(`${op}: activation on odd scalars ${t} must be even or odd`);
      return new MulIrrep(t.mul, new Irrep(0, pa));
    }),
  );
}

export interface GateOptions {
  /** Rescale activations to unit second moment (e3nn's `normalize2mom`); default true. */
  normalize?: boolean;
}

/**
 * e3nn's `Gate`: the input is `irrepsScalars + irrepsGates + irrepsGated`; the output is
 * `act(scalars) ⊕ actGates(gates) · gated`, each gate scalar scaling one irrep copy of `gated`.
 * Activations are one per term or one for all; e3nn normalises them to unit second moment.
 */
export class Gate {
  readonly irrepsScalars: Irreps;
  readonly irrepsGates: Irreps;
  readonly irrepsGated: Irreps;
  readonly irrepsIn: Irreps;
  readonly irrepsOut: Irreps;
  private readonly acts: Activation[];
  private readonly gateActs: Activation[];

  constructor(irrepsScalars: IrrepsLike, act: Activation | readonly Activation[], irrepsGates: IrrepsLike, actGates: Activation | readonly Activation[], irrepsGated: IrrepsLike, options: GateOptions = {}) {
    this.irrepsScalars = Irreps.from(irrepsScalars);
    this.irrepsGates = Irreps.from(irrepsGates);
    this.irrepsGated = Irreps.from(irrepsGated);
    for (const t of [...this.irrepsScalars, ...this.irrepsGates]) {
      if (t.ir.l !== 0) throw new RangeError(`Gate: scalars and gates must be l = 0 irreps, got ${t}`);
    }
    if (this.irrepsGates.numIrreps !== this.irrepsGated.numIrreps) {
      throw new RangeError(`Gate: irrepsGates "${this.irrepsGates}" has ${this.irrepsGates.numIrreps} irreps but irrepsGated "${this.irrepsGated}" has ${this.irrepsGated.numIrreps}; they must be equal`);
    }
    const perTerm = (f: Activation | readonly Activation[], ir: Irreps, what: string): Activation[] => {
      const list = typeof f === 'function' ? ir.terms.map(() => f) : [...f];
      if (list.length !== ir.length) throw new RangeError(`Gate: ${what} needs one activation per term of "${ir}" (${ir.length}), got ${list.length}`);
      const normalize = options.normalize ?? true;
      return list.map((g) => {
        if (!normalize) return g;
        const c = normalize2momConstant(g);
        return c === 1 ? g : (x: Tensor) => mul(g(x), c);
      });
    };
    this.acts = perTerm(act, this.irrepsScalars, 'act');
    this.gateActs = perTerm(actGates, this.irrepsGates, 'actGates');
    const scalarsOut = activatedIrreps(this.irrepsScalars, this.acts, 'Gate');
    const gatesOut = activatedIrreps(this.irrepsGates, this.gateActs, 'Gate');
    // Each gated copy takes the parity of its (activated) gate.
    const gateParity: number[] = [];
    for (const t of gatesOut) for (let i = 0; i < t.mul; i++) gateParity.push(t.ir.p);
    const gatedOut: MulIrrep[] = [];
    let g = 0;
    for (const t of this.irrepsGated) {
      for (let i = 0; i < t.mul; i++) {
        const ir = new Irrep(t.ir.l, t.ir.p * gateParity[g++]!);
        const last = gatedOut[gatedOut.length - 1];
        if (last && last.ir.equals(ir) && i > 0) gatedOut[gatedOut.length - 1] = new MulIrrep(last.mul + 1, ir);
        else gatedOut.push(new MulIrrep(1, ir));
      }
    }
    this.irrepsIn = this.irrepsScalars.concat(this.irrepsGates).concat(this.irrepsGated);
    this.irrepsOut = scalarsOut.concat(Irreps.from(gatedOut).simplify());
    Object.freeze(this);
  }

  /** x [..., irrepsIn.dim] → [..., irrepsOut.dim]. */
  apply(x: Tensor): Tensor {
    const op = 'Gate';
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.irrepsIn.dim) {
      throw new RangeError(`${op}: 'x' has shape [${x.shape.join(', ')}], but irrepsIn "${this.irrepsIn}" need a last axis of ${this.irrepsIn.dim}`);
    }
    const ds = this.irrepsScalars.dim;
    const dg = this.irrepsGates.dim;
    const lead = x.shape.slice(0, -1);
    const out: Tensor[] = [];
    if (ds > 0) {
      const s = sliceAxis(x, -1, 0, ds);
      blocks(s, this.irrepsScalars, op).forEach((b, i) => out.push(this.acts[i]!(b)));
    }
    if (dg > 0) {
      const gates = blocks(sliceAxis(x, -1, ds, ds + dg), this.irrepsGates, op).map((b, i) => this.gateActs[i]!(b));
      const gateAll = gates.length === 1 ? gates[0]! : concat(gates, -1);
      const gated = sliceAxis(x, -1, ds + dg, this.irrepsIn.dim);
      let k = 0;
      blocks(gated, this.irrepsGated, op).forEach((b, i) => {
        const term = this.irrepsGated.at(i);
        if (term.mul === 0) return;
        const gi = reshape(sliceAxis(gateAll, -1, k, k + term.mul), [...lead, term.mul, 1]);
        k += term.mul;
        out.push(reshape(mul(split(b, term), gi), [...lead, term.dim]));
      });
    }
    if (out.length === 0) return sliceAxis(x, -1, 0, 0);
    return out.length === 1 ? out[0]! : concat(out, -1);
  }
}

/** Functional form of `Gate`: `gate(x, irrepsScalars, act, irrepsGates, actGates, irrepsGated)`. */
export function gate(x: Tensor, irrepsScalars: IrrepsLike, act: Activation | readonly Activation[], irrepsGates: IrrepsLike, actGates: Activation | readonly Activation[], irrepsGated: IrrepsLike, options: GateOptions = {}): Tensor {
  return new Gate(irrepsScalars, act, irrepsGates, actGates, irrepsGated, options).apply(x);
}

export interface NormActivationOptions {
  /** Divide by the norm, so the output is x · act(|x|)/|x| (e3nn's default, true). */
  normalize?: boolean;
  /** Norms are clamped below at epsilon (e3nn: `epsilon`, applied to |x|²); default none. */
  epsilon?: number;
  /** Per-irrep-copy biases [numIrreps] added to the norms before the activation (e3nn's `bias=True`). */
  bias?: Tensor;
}

/**
 * e3nn's `NormActivation`: every irrep copy is scaled by `act(|x|)/|x|` (or `act(|x|)` without
 * `normalize`), which preserves its direction and so its equivariance.
 */
export function normActivation(x: Tensor, irreps: IrrepsLike, act: Activation, options: NormActivationOptions = {}): Tensor {
  const ir = Irreps.from(irreps);
  let sq = irrepsNorm(x, ir, { squared: true });
  if (options.epsilon !== undefined) sq = maximum(sq, options.epsilon * options.epsilon);
  const norms = sqrt(sq);
  const arg = options.bias ? norms.add(options.bias) : norms;
  let scale = act(arg);
  if (options.normalize ?? true) scale = div(scale, norms);
  const lead = x.shape.slice(0, -1);
  const out: Tensor[] = [];
  let k = 0;
  blocks(x, ir, 'normActivation').forEach((b, i) => {
    const term = ir.at(i);
    if (term.mul === 0) return;
    const s = reshape(sliceAxis(scale, -1, k, k + term.mul), [...lead, term.mul, 1]);
    k += term.mul;
    out.push(reshape(mul(split(b, term), s), [...lead, term.dim]));
  });
  return out.length === 1 ? out[0]! : concat(out, -1);
}
