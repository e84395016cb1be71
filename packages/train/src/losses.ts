import { abs, formatShape, mean, minimum, shapesEqual, square, sub, tensor, Tensor, type FloatArray } from '@equigraph/core';

function checkPair(op: string, prediction: Tensor, target: Tensor): void {
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new RangeError(`${op}: 'prediction' has shape ${formatShape(prediction.shape)} but 'target' has ${formatShape(target.shape)}`);
  }
}

/** Mean squared error over all elements. */
export function mseLoss(prediction: Tensor, target: Tensor): Tensor {
  checkPair('mseLoss', prediction, target);
  return mean(square(sub(prediction, target)));
}

/** Mean absolute error over all elements. */
export function maeLoss(prediction: Tensor, target: Tensor): Tensor {
  checkPair('maeLoss', prediction, target);
  return mean(abs(sub(prediction, target)));
}

/**
 * Huber loss, mean over all elements, as torch.nn.HuberLoss:
 * 0.5·x² where |x| < delta, delta·(|x| − 0.5·delta) elsewhere.
 */
export function huberLoss(prediction: Tensor, target: Tensor, delta = 1): Tensor {
  checkPair('huberLoss', prediction, target);
  if (!(delta > 0)) throw new RangeError(`huberLoss: 'delta' must be > 0, got ${delta}`);
  const a = abs(sub(prediction, target));
  const quadratic = minimum(a, delta);
  const linear = sub(a, quadratic);
  return mean(square(quadratic).mul(0.5).add(linear.mul(delta)));
}

export type PointwiseLoss = 'mse' | 'mae' | 'huber';

function pointwise(kind: PointwiseLoss, prediction: Tensor, target: Tensor, delta: number): Tensor {
  if (kind === 'mse') return mseLoss(prediction, target);
  if (kind === 'mae') return maeLoss(prediction, target);
  if (kind === 'huber') return huberLoss(prediction, target, delta);
  throw new Error(`energyForceLoss: unknown loss '${String(kind)}'`);
}

/** Energies `[B]` or `[B, 1]` and forces `[N, 3]` of a batch of B structures with N atoms in all. */
export interface EnergyForces {
  energy: Tensor;
  forces: Tensor;
}

export interface EnergyForceLossOptions {
  /** Weight of the energy term. Default 1. */
  energyWeight?: number;
  /** Weight of the force term. Default 1. */
  forceWeight?: number;
  /**
   * Compare energies per atom, (E_pred − E_true)/n (NequIP's PerAtomMSELoss, MACE's
   * weighted energy loss). Needs `numAtoms`. Default false.
   */
  perAtom?: boolean;
  /** Atoms per structure `[B]` (e.g. the differences of a batch's `ptr`). */
  numAtoms?: ArrayLike<number> | Tensor;
  /** Pointwise loss of both terms. Default 'mse'. */
  loss?: PointwiseLoss;
  /** Huber delta when loss is 'huber'. Default 1. */
  huberDelta?: number;
}

export interface EnergyForceLossTerms {
  /** energyWeight·energy + forceWeight·forces. */
  total: Tensor;
  energy: Tensor;
  forces: Tensor;
}

/** As {@link energyForceLoss}, with the two unweighted terms too (for logging). */
export function energyForceLossTerms(prediction: EnergyForces, target: EnergyForces, options: EnergyForceLossOptions = {}): EnergyForceLossTerms {
  const kind = options.loss ?? 'mse';
  const delta = options.huberDelta ?? 1;
  const wE = options.energyWeight ?? 1;
  const wF = options.forceWeight ?? 1;
  const flat = (t: Tensor, what: string): Tensor => {
    if (t.rank === 1) return t;
    if (t.rank === 2 && t.shape[1] === 1) return t.reshape([t.shape[0]]);
    throw new RangeError(`energyForceLoss: '${what}.energy' has shape ${formatShape(t.shape)}, expected [B] or [B, 1]`);
  };
  let ePred = flat(prediction.energy, 'prediction');
  let eTrue = flat(target.energy, 'target');
  checkPair('energyForceLoss (energy)', ePred, eTrue);
  checkPair('energyForceLoss (forces)', prediction.forces, target.forces);
  if (options.perAtom) {
    if (options.numAtoms === undefined) throw new Error("energyForceLoss: 'perAtom' needs 'numAtoms' (atoms per structure)");
    const counts = options.numAtoms instanceof Tensor ? options.numAtoms.toArray() : options.numAtoms;
    if (counts.length !== ePred.shape[0]) throw new RangeError(`energyForceLoss: 'numAtoms' has ${counts.length} entries for ${ePred.shape[0]} structures`);
    const inv = new Float64Array(counts.length);
    for (let i = 0; i < counts.length; i++) {
      if (!(counts[i] > 0)) throw new RangeError(`energyForceLoss: 'numAtoms'[${i}] is ${counts[i]}, expected > 0`);
      inv[i] = 1 / counts[i];
    }
    const scale = tensor(inv, [inv.length], { dtype: ePred.dtype, backend: ePred.backend });
    ePred = ePred.mul(scale);
    eTrue = eTrue.mul(scale);
  }
  const energy = pointwise(kind, ePred, eTrue, delta);
  const forces = pointwise(kind, prediction.forces, target.forces, delta);
  return { total: energy.mul(wE).add(forces.mul(wF)), energy, forces };
}

/**
 * Weighted energy + force loss as NequIP and MACE train with:
 * energyWeight · L(E_pred, E_true) + forceWeight · L(F_pred, F_true), L the mean
 * pointwise loss (MSE by default; the force term averages over all N·3 components),
 * energies optionally per atom.
 */
export function energyForceLoss(prediction: EnergyForces, target: EnergyForces, options: EnergyForceLossOptions = {}): Tensor {
  return energyForceLossTerms(prediction, target, options).total;
}

// ---------------------------------------------------------------------------------------------
// Metrics in physical units.

export interface TargetUnit {
  /** Label printed after values, e.g. 'meV', 'meV/Å'. */
  unit: string;
  /** Multiplier from model units to `unit` (e.g. 1000 for eV → meV, or the std of a normalised target). Default 1. */
  scale?: number;
}

/** Per-target error sums; MAE and RMSE over everything seen since the last reset. */
export class RegressionMetrics {
  private readonly sums = new Map<string, { abs: number; sq: number; n: number }>();

  constructor(readonly targets: Record<string, TargetUnit>) {}

  /** Adds the errors of one batch for `name` (values in model units; optional per-row divisor, e.g. atoms per structure). */
  update(name: string, prediction: Tensor | ArrayLike<number>, target: Tensor | ArrayLike<number>, divideBy?: ArrayLike<number>): void {
    const spec = this.targets[name];
    if (!spec) throw new Error(`RegressionMetrics.update: unknown target '${name}'; known: ${Object.keys(this.targets).join(', ')}`);
    const p = prediction instanceof Tensor ? (prediction.dataSync() as FloatArray) : prediction;
    const t = target instanceof Tensor ? (target.dataSync() as FloatArray) : target;
    if (p.length !== t.length) throw new RangeError(`RegressionMetrics.update('${name}'): ${p.length} predictions for ${t.length} targets`);
    const per = divideBy ? p.length / divideBy.length : 1;
    if (divideBy && !Number.isInteger(per)) throw new RangeError(`RegressionMetrics.update('${name}'): ${p.length} values do not split into ${divideBy.length} rows`);
    const scale = spec.scale ?? 1;
    const acc = this.sums.get(name) ?? { abs: 0, sq: 0, n: 0 };
    for (let k = 0; k < p.length; k++) {
      let e = (p[k] - t[k]) * scale;
      if (divideBy) e /= divideBy[Math.floor(k / per)];
      acc.abs += Math.abs(e);
      acc.sq += e * e;
    }
    acc.n += p.length;
    this.sums.set(name, acc);
  }

  reset(): void {
    this.sums.clear();
  }

  /** `{ '<name>_mae': …, '<name>_rmse': … }` in physical units, for targets seen since the last reset. */
  compute(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.sums) {
      out[`${name}_mae`] = s.abs / s.n;
      out[`${name}_rmse`] = Math.sqrt(s.sq / s.n);
    }
    return out;
  }

  /** The unit label of every key compute() returns. */
  units(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, spec] of Object.entries(this.targets)) {
      out[`${name}_mae`] = spec.unit;
      out[`${name}_rmse`] = spec.unit;
    }
    return out;
  }

  /** e.g. "energy MAE 12.3 meV RMSE 15.8 meV, forces MAE 41.2 meV/Å RMSE 60.1 meV/Å". */
  format(digits = 4): string {
    const values = this.compute();
    return [...this.sums.keys()]
      .map((name) => {
        const u = this.targets[name].unit;
        return `${name} MAE ${values[`${name}_mae`].toPrecision(digits)} ${u} RMSE ${values[`${name}_rmse`].toPrecision(digits)} ${u}`;
      })
      .join(', ');
  }
}

/** MAE and RMSE of one batch in physical units: `{ '<name>_mae', '<name>_rmse' }` (the Trainer averages `_rmse` keys as a root mean square). */
export function regressionMetrics(name: string, prediction: Tensor | ArrayLike<number>, target: Tensor | ArrayLike<number>, unit: TargetUnit = { unit: '' }): Record<string, number> {
  const m = new RegressionMetrics({ [name]: unit });
  m.update(name, prediction, target);
  return m.compute();
}
