import { formatShape, shapesEqual, tensor, type FloatArray, type Tensor } from '@equigraph/core';
import { Module, type NamedArray, type Parameter } from '@equigraph/layers';

export interface EMAOptions {
  /** Decay of the average, shadow ← decay·shadow + (1 − decay)·param. Default 0.999. */
  decay?: number;
  /**
   * Warm the decay up as min(decay, (1 + n)/(10 + n)) with n the number of updates so far
   * (torch_ema's `use_num_updates`, used by NequIP). Default true.
   */
  useNumUpdates?: boolean;
}

/** Checkpointable snapshot of an {@link EMA}. */
export interface EMAState {
  decay: number;
  useNumUpdates: boolean;
  numUpdates: number;
  /** Shadow values (float64), one per parameter in order. */
  shadow: NamedArray[];
}

/**
 * Exponential moving average of parameters (as torch_ema.ExponentialMovingAverage,
 * which NequIP and MACE evaluate with). Call `update()` after every optimiser step;
 * `swapIn()` puts the averages into the parameters (for evaluation or saving) and
 * `swapOut()` restores the training values; `apply()` copies the averages in for good.
 * Shadows are kept in float64.
 */
export class EMA {
  readonly decay: number;
  readonly useNumUpdates: boolean;
  numUpdates = 0;
  readonly params: readonly Parameter[];
  private readonly names: string[];
  private shadow: Float64Array[];
  private backup: Tensor[] | undefined;

  constructor(params: Module | readonly Parameter[], options: EMAOptions = {}) {
    if (params instanceof Module) {
      const named = params.namedParameters();
      this.params = named.map(([, p]) => p);
      this.names = named.map(([n]) => n);
    } else {
      this.params = params;
      this.names = params.map((_, i) => String(i));
    }
    this.decay = options.decay ?? 0.999;
    if (!(this.decay >= 0 && this.decay <= 1)) throw new RangeError(`EMA: 'decay' must lie in [0, 1], got ${this.decay}`);
    this.useNumUpdates = options.useNumUpdates ?? true;
    this.shadow = this.params.map((p) => Float64Array.from(p.value.dataSync()));
  }

  /** True between swapIn() and swapOut(). */
  get swapped(): boolean {
    return this.backup !== undefined;
  }

  /** The decay the next update uses. */
  currentDecay(): number {
    return this.useNumUpdates ? Math.min(this.decay, (1 + this.numUpdates) / (10 + this.numUpdates)) : this.decay;
  }

  /** Folds the current parameter values into the averages. */
  update(): void {
    if (this.backup) throw new Error('EMA.update: the averages are swapped in; call swapOut() first');
    const decay = this.currentDecay();
    this.numUpdates++;
    const oneMinus = 1 - decay;
    this.params.forEach((p, i) => {
      const s = this.shadow[i];
      const v = p.value.dataSync() as FloatArray;
      for (let k = 0; k < s.length; k++) s[k] -= oneMinus * (s[k] - v[k]);
    });
  }

  private averagedValue(i: number): Tensor {
    const like = this.params[i].value;
    return tensor(this.shadow[i], like.shape, { dtype: like.dtype, backend: like.backend, requiresGrad: true });
  }

  /** Puts the averages into the parameters, keeping the training values for swapOut(). */
  swapIn(): void {
    if (this.backup) throw new Error('EMA.swapIn: already swapped in');
    this.backup = this.params.map((p) => p.value);
    this.params.forEach((p, i) => (p.value = this.averagedValue(i)));
  }

  /** Restores the training values saved by swapIn(). */
  swapOut(): void {
    if (!this.backup) throw new Error('EMA.swapOut: not swapped in');
    const backup = this.backup;
    this.params.forEach((p, i) => (p.value = backup[i]));
    this.backup = undefined;
  }

  /** Runs fn with the averages swapped in. */
  withAveraged<T>(fn: () => T): T {
    this.swapIn();
    try {
      return fn();
    } finally {
      this.swapOut();
    }
  }

  /** Copies the averages into the parameters for good (e.g. at the end of training). */
  apply(): void {
    if (this.backup) throw new Error('EMA.apply: the averages are swapped in; call swapOut() first');
    this.params.forEach((p, i) => (p.value = this.averagedValue(i)));
  }

  getState(): EMAState {
    return {
      decay: this.decay,
      useNumUpdates: this.useNumUpdates,
      numUpdates: this.numUpdates,
      shadow: this.shadow.map((s, i) => ({ dtype: 'float64', shape: [...this.params[i].value.shape], data: s.slice() })),
    };
  }

  /** Names of the tracked parameters (dotted names when built from a Module). */
  parameterNames(): readonly string[] {
    return this.names;
  }

  setState(state: EMAState, source = 'EMA state'): void {
    if (state.shadow.length !== this.params.length) throw new Error(`${source}: EMA has ${state.shadow.length} shadows, expected ${this.params.length}`);
    state.shadow.forEach((s, i) => {
      const shape = this.params[i].value.shape;
      if (!shapesEqual(s.shape, shape)) throw new Error(`${source}: EMA shadow '${this.names[i]}' has shape ${formatShape(s.shape)}, expected ${formatShape(shape)}`);
    });
    if (state.decay !== this.decay || state.useNumUpdates !== this.useNumUpdates) {
      throw new Error(`${source}: EMA decay ${state.decay} (useNumUpdates ${state.useNumUpdates}) differs from this EMA's ${this.decay} (${this.useNumUpdates})`);
    }
    this.numUpdates = state.numUpdates;
    this.shadow = state.shadow.map((s) => Float64Array.from(s.data));
  }
}
