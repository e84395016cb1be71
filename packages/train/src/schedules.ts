/**
 * Learning-rate schedules, following torch.optim.lr_scheduler: a schedule is
 * built on an optimiser (whose current lr becomes the base lr), sets the lr for
 * step 0 at once, and `step()` advances it and sets the next lr. Each has a
 * JSON state for checkpoints.
 */

/** What a schedule drives: anything with a settable learning rate (every Optimizer). */
export interface HasLearningRate {
  lr: number;
}

/**
 * When the Trainer advances a schedule: after every optimiser step ('step'),
 * after every epoch ('epoch'), or after every validation with the monitored
 * metric ('eval', ReduceLROnPlateau).
 */
export type ScheduleInterval = 'step' | 'epoch' | 'eval';

/** JSON snapshot of a schedule. */
export interface ScheduleState {
  kind: string;
  [key: string]: unknown;
}

export abstract class LRSchedule {
  abstract readonly kind: string;
  abstract readonly interval: ScheduleInterval;
  constructor(readonly optimizer: HasLearningRate) {}
  /** Advances the schedule (ReduceLROnPlateau needs the metric). */
  abstract step(metric?: number): void;
  abstract getState(): ScheduleState;
  abstract setState(state: ScheduleState, source?: string): void;
  /** The current learning rate. */
  get lr(): number {
    return this.optimizer.lr;
  }
  protected checkKind(state: ScheduleState, source: string): void {
    if (state.kind !== this.kind) throw new Error(`${source}: schedule state is for ${state.kind}, this schedule is ${this.kind}`);
  }
}

/** A schedule given in closed form, lr(t) for the step count t. */
abstract class ClosedFormSchedule extends LRSchedule {
  /** Number of step() calls so far (torch's `last_epoch`). */
  t = 0;
  readonly baseLr: number;
  readonly interval: ScheduleInterval;

  constructor(optimizer: HasLearningRate, interval: ScheduleInterval) {
    super(optimizer);
    this.baseLr = optimizer.lr;
    this.interval = interval;
  }

  /** The learning rate after t steps. */
  abstract lrAt(t: number): number;

  /** Must be called at the end of subclass constructors. */
  protected init(): void {
    this.optimizer.lr = this.lrAt(0);
  }

  step(): void {
    this.t++;
    this.optimizer.lr = this.lrAt(this.t);
  }

  getState(): ScheduleState {
    return { kind: this.kind, t: this.t, baseLr: this.baseLr };
  }

  setState(state: ScheduleState, source = 'schedule state'): void {
    this.checkKind(state, source);
    const t = state.t;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) throw new Error(`${source}: invalid schedule step ${String(t)}`);
    if (state.baseLr !== this.baseLr) throw new Error(`${source}: schedule base lr ${String(state.baseLr)} differs from this one's ${this.baseLr}`);
    this.t = t;
    this.optimizer.lr = this.lrAt(t);
  }
}

export interface LinearWarmupOptions {
  /** Steps over which the factor goes from startFactor to endFactor (torch's `total_iters`). */
  warmupSteps: number;
  /** Factor of the base lr at step 0 (torch LinearLR default 1/3). */
  startFactor?: number;
  /** Factor reached at warmupSteps and kept after. Default 1. */
  endFactor?: number;
  interval?: ScheduleInterval;
}

/**
 * Linear warm-up, torch's LinearLR:
 * lr(t) = base · (s + (e − s) · min(t, T) / T).
 */
export class LinearWarmup extends ClosedFormSchedule {
  readonly kind = 'LinearWarmup';
  readonly warmupSteps: number;
  readonly startFactor: number;
  readonly endFactor: number;

  constructor(optimizer: HasLearningRate, options: LinearWarmupOptions) {
    super(optimizer, options.interval ?? 'step');
    this.warmupSteps = options.warmupSteps;
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    if (!(Number.isInteger(this.warmupSteps) && this.warmupSteps > 0)) throw new RangeError(`LinearWarmup: 'warmupSteps' must be a positive integer, got ${this.warmupSteps}`);
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new RangeError(`LinearWarmup: 'startFactor' must lie in (0, 1], got ${this.startFactor}`);
    this.init();
  }

  lrAt(t: number): number {
    const { startFactor: s, endFactor: e, warmupSteps: T } = this;
    return this.baseLr * (s + ((e - s) * Math.min(t, T)) / T);
  }
}

export interface CosineScheduleOptions {
  /** Total steps, warm-up included; the lr reaches minLr there and stays. */
  totalSteps: number;
  /** Linear warm-up steps before the decay. Default 0. */
  warmupSteps?: number;
  /** Warm-up start factor (as LinearLR). Default 1/3. */
  warmupStartFactor?: number;
  /** Floor of the decay (torch's `eta_min`). Default 0. */
  minLr?: number;
  interval?: ScheduleInterval;
}

/**
 * Cosine decay with optional linear warm-up, the closed forms of torch's
 * SequentialLR([LinearLR(start_factor=s, total_iters=W), CosineAnnealingLR(T_max=N−W, eta_min)], milestones=[W]):
 * t < W: lr = base · (s + (1 − s) · t / W);
 * t ≥ W: lr = minLr + (base − minLr) · (1 + cos(π · min(t − W, N − W) / (N − W))) / 2.
 */
export class CosineSchedule extends ClosedFormSchedule {
  readonly kind = 'CosineSchedule';
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly warmupStartFactor: number;
  readonly minLr: number;

  constructor(optimizer: HasLearningRate, options: CosineScheduleOptions) {
    super(optimizer, options.interval ?? 'step');
    this.totalSteps = options.totalSteps;
    this.warmupSteps = options.warmupSteps ?? 0;
    this.warmupStartFactor = options.warmupStartFactor ?? 1 / 3;
    this.minLr = options.minLr ?? 0;
    if (!(Number.isInteger(this.warmupSteps) && this.warmupSteps >= 0)) throw new RangeError(`CosineSchedule: 'warmupSteps' must be an integer ≥ 0, got ${this.warmupSteps}`);
    if (!(Number.isInteger(this.totalSteps) && this.totalSteps > this.warmupSteps)) {
      throw new RangeError(`CosineSchedule: 'totalSteps' must be an integer > warmupSteps (${this.warmupSteps}), got ${this.totalSteps}`);
    }
    this.init();
  }

  lrAt(t: number): number {
    const W = this.warmupSteps;
    if (t < W) {
      const s = this.warmupStartFactor;
      return this.baseLr * (s + ((1 - s) * t) / W);
    }
    const T = this.totalSteps - W;
    const progress = Math.min(t - W, T);
    return this.minLr + ((this.baseLr - this.minLr) * (1 + Math.cos((Math.PI * progress) / T))) / 2;
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (loss) or 'max' (accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** lr ← max(lr · factor, minLr). Default 0.1. */
  factor?: number;
  /** Evaluations without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** Smallest change counted as improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel' (best · (1 ∓ threshold)) or 'abs' (best ∓ threshold). Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Evaluations to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Floor of the lr. Default 0. */
  minLr?: number;
  /** Reductions smaller than eps are skipped. Default 1e-8. */
  eps?: number;
}

/** torch.optim.lr_scheduler.ReduceLROnPlateau, step by step. Stepped with the monitored metric after each validation. */
export class ReduceLROnPlateau extends LRSchedule {
  readonly kind = 'ReduceLROnPlateau';
  readonly interval = 'eval' as const;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(optimizer: HasLearningRate, options: ReduceLROnPlateauOptions = {}) {
    super(optimizer);
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.eps = options.eps ?? 1e-8;
    if (!(this.factor < 1 && this.factor >= 0)) throw new RangeError(`ReduceLROnPlateau: 'factor' must be < 1, got ${this.factor}`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** torch's is_better. */
  isBetter(a: number, best: number): boolean {
    const rel = this.thresholdMode === 'rel';
    if (this.mode === 'min') return rel ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return rel ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  step(metric?: number): void {
    if (metric === undefined) throw new Error('ReduceLROnPlateau.step: needs the monitored metric');
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getState(): ScheduleState {
    return { kind: this.kind, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch, lr: this.optimizer.lr };
  }

  setState(state: ScheduleState, source = 'schedule state'): void {
    this.checkKind(state, source);
    for (const key of ['best', 'numBadEpochs', 'cooldownCounter', 'lastEpoch', 'lr']) {
      if (typeof state[key] !== 'number') throw new Error(`${source}: ReduceLROnPlateau state lacks '${key}'`);
    }
    this.best = state.best as number;
    this.numBadEpochs = state.numBadEpochs as number;
    this.cooldownCounter = state.cooldownCounter as number;
    this.lastEpoch = state.lastEpoch as number;
    this.optimizer.lr = state.lr as number;
  }
}
