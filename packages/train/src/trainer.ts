import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { noGrad, Rng, type Tensor } from '@equigraph/core';
import { encodeSafetensors, loadStateDict, stateDict, type Module, type NamedArray } from '@equigraph/layers';
import { readCheckpoint, stringifyJSON, writeCheckpoint, type CheckpointContents, type EpochRecord, type TrainerStateJSON } from './checkpoint.js';
import { clipGradNorm } from './clip.js';
import { EMA, type EMAOptions } from './ema.js';
import { learningCurveSvg } from './learning-curve.js';
import type { Optimizer } from './optimizer.js';
import { BarProgress, fmtLoss, LogProgress, NoProgress, type ProgressReporter } from './progress.js';
import type { LRSchedule } from './schedules.js';

/** What the loss and evaluate functions get besides the model and the batch. */
export interface TrainContext {
  /** 1-based epoch. */
  epoch: number;
  /** Optimiser steps taken so far. */
  step: number;
  /** The trainer's seeded generator (its state is checkpointed): use it for noise, augmentation, shuffling. */
  rng: Rng;
  /** True in training steps, false in validation. */
  training: boolean;
}

export interface BatchEndInfo<B> {
  trainer: Trainer<B>;
  batch: B;
  epoch: number;
  batchIndex: number;
  step: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping (when clipNorm is set). */
  gradNorm: number | undefined;
}

export interface EvaluateInfo<B> {
  trainer: Trainer<B>;
  epoch: number;
  /** `val_loss` and `val_<key>` of every key `evaluate` returned (or `train_loss` alone without validation data). */
  metrics: Record<string, number>;
  /** The monitored value improved on the best so far (best weights were kept). */
  improved: boolean;
}

export interface EpochEndInfo<B> {
  trainer: Trainer<B>;
  epoch: number;
  record: EpochRecord;
}

/** Hooks; each may be async. Call `trainer.stop()` from any of them to end training after the current epoch. */
export interface TrainerCallbacks<B> {
  onBatchEnd?(info: BatchEndInfo<B>): void | Promise<void>;
  onEvaluate?(info: EvaluateInfo<B>): void | Promise<void>;
  onEpochEnd?(info: EpochEndInfo<B>): void | Promise<void>;
}

/**
 * Batches of one epoch: an iterable (re-iterated every epoch; one with a
 * `setState({ epoch })` method, such as @equigraph/data's DataLoader, is first
 * positioned at the 0-based epoch so resumed runs see the same shuffles), or a
 * function of the 1-based epoch and the trainer's generator.
 */
export type BatchSource<B> = Iterable<B> | ((epoch: number, rng: Rng) => Iterable<B>);

export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping. */
  patience: number;
  /** Smallest change of the monitored value counted as improvement. Default 0. */
  minDelta?: number;
}

export interface TrainerOptions<B> {
  model: Module;
  optimizer: Optimizer;
  /** Scalar training loss of one batch. */
  loss: (model: Module, batch: B, ctx: TrainContext) => Tensor;
  /** Extra validation metrics of one batch (e.g. from regressionMetrics); reported as `val_<key>`. */
  evaluate?: (model: Module, batch: B, ctx: TrainContext) => Record<string, number>;
  train: BatchSource<B>;
  validation?: BatchSource<B>;
  /** Total epochs (a resumed run continues up to this). */
  epochs: number;
  /** Validate every n epochs (and after the last). Default 1. */
  evalEvery?: number;
  schedule?: LRSchedule;
  /** Clip gradients to this global L2 norm. */
  clipNorm?: number;
  /** EMA of the weights (an EMA over the model's parameters, or its options); validation and best weights use the averages. */
  ema?: EMA | EMAOptions;
  /** Metric for best weights, early stopping and ReduceLROnPlateau. Default 'val_loss' ('train_loss' without validation). */
  monitor?: string;
  /** Whether smaller ('min') or larger ('max') monitored values are better. Default 'min'. */
  mode?: 'min' | 'max';
  earlyStopping?: EarlyStoppingOptions;
  /** Directory for checkpoint.safetensors, best.safetensors, metrics.jsonl and learning-curve.svg; nothing is written without it. */
  runDir?: string;
  /** Write the checkpoint every n epochs (and after the last). Default 1. */
  checkpointEvery?: number;
  /** Seed of the trainer's generator. Default 0. */
  seed?: number;
  callbacks?: TrainerCallbacks<B> | TrainerCallbacks<B>[];
  /** 'auto' (default): a progress bar when stderr is a TTY, plain lines otherwise; or a reporter of your own. */
  progress?: 'auto' | 'bar' | 'log' | 'none' | ProgressReporter;
  /** Where 'log' progress lines go. Default stderr. */
  log?: (line: string) => void;
  /** Weight of a batch in epoch means (e.g. its number of structures). Default 1. */
  batchWeight?: (batch: B) => number;
  /** Run validation with autograd on (needed when the loss takes gradients, e.g. forces = −dE/dx). Default false. */
  evalWithGrad?: boolean;
  /** A NaN/Inf training loss: 'error' (default) stops with an error naming the epoch and batch; 'skip' drops the batch. */
  nonFinite?: 'error' | 'skip';
  /** Free-form run configuration stored in checkpoints (JSON). */
  config?: Record<string, unknown>;
}

export interface FitResult {
  history: EpochRecord[];
  /** Best monitored value and its epoch (null if never evaluated). */
  best: { value: number; epoch: number; monitor: string } | null;
  stoppedEarly: boolean;
  /** Epochs completed. */
  epoch: number;
  globalStep: number;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const BEST_FILE = 'best.safetensors';
export const METRICS_FILE = 'metrics.jsonl';
export const CURVE_FILE = 'learning-curve.svg';

/** Weighted means of per-batch values; keys ending in 'rmse' are combined as root mean squares. */
class MeanAccumulator {
  private readonly sums = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  add(values: Record<string, number>, w: number): void {
    for (const [k, v] of Object.entries(values)) {
      const x = /rmse$/i.test(k) ? v * v : v;
      this.sums.set(k, (this.sums.get(k) ?? 0) + w * x);
      this.weights.set(k, (this.weights.get(k) ?? 0) + w);
    }
  }
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) {
      const m = s / this.weights.get(k)!;
      out[k] = /rmse$/i.test(k) ? Math.sqrt(m) : m;
    }
    return out;
  }
}

/**
 * A seeded, checkpointed training loop in the manner of PyTorch Lightning:
 * `await new Trainer({ model, optimizer, loss, train, validation, epochs, runDir }).fit()`.
 * Same seed and backend give the same loss curve; `resume()` from a checkpoint
 * continues bit-for-bit.
 */
export class Trainer<B> {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly schedule: LRSchedule | undefined;
  readonly ema: EMA | undefined;
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  rng: Rng;
  /** Epochs completed. */
  epoch = 0;
  globalStep = 0;
  history: EpochRecord[] = [];
  best: { value: number; epoch: number; monitor: string } | null = null;
  /** Best-on-validation weights (EMA averages when EMA is on), kept in memory. */
  bestWeights: Map<string, NamedArray> | null = null;
  stoppedEarly = false;
  private earlyStopping: { best: number; badEvaluations: number } | null;
  private stopRequested = false;
  private resumed = false;
  private readonly callbacks: TrainerCallbacks<B>[];
  private readonly reporter: ProgressReporter;
  private batchesPerEpoch: number | undefined;

  constructor(readonly options: TrainerOptions<B>) {
    const o = options;
    if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw new RangeError(`Trainer: 'epochs' must be an integer ≥ 0, got ${o.epochs}`);
    for (const key of ['evalEvery', 'checkpointEvery'] as const) {
      const v = o[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new RangeError(`Trainer: '${key}' must be a positive integer, got ${v}`);
    }
    if (o.clipNorm !== undefined && !(o.clipNorm > 0)) throw new RangeError(`Trainer: 'clipNorm' must be > 0, got ${o.clipNorm}`);
    if (o.earlyStopping && !(Number.isInteger(o.earlyStopping.patience) && o.earlyStopping.patience >= 1)) {
      throw new RangeError(`Trainer: 'earlyStopping.patience' must be a positive integer, got ${o.earlyStopping.patience}`);
    }
    this.model = o.model;
    this.optimizer = o.optimizer;
    this.schedule = o.schedule;
    if (this.schedule && this.schedule.optimizer !== this.optimizer) throw new Error("Trainer: 'schedule' drives a different optimizer than 'optimizer'");
    this.ema = o.ema === undefined ? undefined : o.ema instanceof EMA ? o.ema : new EMA(o.model, o.ema);
    this.monitor = o.monitor ?? (o.validation ? 'val_loss' : 'train_loss');
    this.mode = o.mode ?? 'min';
    this.rng = new Rng(o.seed ?? 0);
    this.earlyStopping = o.earlyStopping ? { best: this.mode === 'min' ? Infinity : -Infinity, badEvaluations: 0 } : null;
    this.callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
    const p = o.progress ?? 'auto';
    if (typeof p === 'object') this.reporter = p;
    else if (p === 'none') this.reporter = new NoProgress();
    else if (p === 'bar' || (p === 'auto' && process.stderr.isTTY && !process.env.CI)) this.reporter = new BarProgress();
    else this.reporter = new LogProgress(o.log);
    const len = (typeof o.train === 'function' ? undefined : (o.train as { length?: unknown }).length) as number | undefined;
    if (typeof len === 'number' && Number.isInteger(len)) this.batchesPerEpoch = len;
  }

  /** Path of a file in the run directory (undefined without one). */
  runFile(name: string): string | undefined {
    return this.options.runDir ? join(this.options.runDir, name) : undefined;
  }

  /** Ends training after the current epoch (for callbacks). */
  stop(): void {
    this.stopRequested = true;
  }

  private better(a: number, b: number): boolean {
    return this.mode === 'min' ? a < b : a > b;
  }

  private batchesOf(source: BatchSource<B>, epoch: number): Iterable<B> {
    if (typeof source === 'function') return source(epoch, this.rng);
    const s = source as { setState?: (state: { epoch: number }) => void };
    if (typeof s.setState === 'function') s.setState({ epoch: epoch - 1 });
    return source;
  }

  private async call<K extends keyof TrainerCallbacks<B>>(name: K, info: Parameters<NonNullable<TrainerCallbacks<B>[K]>>[0]): Promise<void> {
    for (const cb of this.callbacks) {
      const fn = cb[name] as ((i: typeof info) => void | Promise<void>) | undefined;
      if (fn) await fn.call(cb, info);
    }
  }

  /** Runs fn with the weights that are evaluated (EMA averages when EMA is on). */
  private withEvalWeights<T>(fn: () => T): T {
    return this.ema ? this.ema.withAveraged(fn) : fn();
  }

  private async trainEpoch(epoch: number): Promise<number> {
    const o = this.options;
    this.model.train();
    const acc = new MeanAccumulator();
    let batchIndex = 0;
    for (const batch of this.batchesOf(o.train, epoch)) {
      const ctx: TrainContext = { epoch, step: this.globalStep, rng: this.rng, training: true };
      const loss = o.loss(this.model, batch, ctx);
      if (loss.size !== 1) throw new Error(`Trainer: the loss of epoch ${epoch}, batch ${batchIndex} has shape [${loss.shape.join(', ')}], expected a scalar`);
      const value = loss.item();
      if (!Number.isFinite(value)) {
        if ((o.nonFinite ?? 'error') === 'error') {
          throw new Error(`Trainer: the training loss is ${value} at epoch ${epoch}, batch ${batchIndex} (step ${this.globalStep}); lower the lr, set clipNorm, or pass nonFinite: 'skip'`);
        }
        this.reporter.log(`epoch ${epoch} batch ${batchIndex}: loss ${value}, batch skipped`);
        batchIndex++;
        continue;
      }
      const grads = this.optimizer.computeGradients(loss);
      const gradNorm = o.clipNorm !== undefined ? clipGradNorm(grads, o.clipNorm) : undefined;
      this.optimizer.apply(grads);
      this.globalStep++;
      this.ema?.update();
      if (this.schedule?.interval === 'step') this.schedule.step();
      acc.add({ loss: value }, o.batchWeight ? o.batchWeight(batch) : 1);
      this.reporter.batch(epoch, batchIndex, value);
      await this.call('onBatchEnd', { trainer: this, batch, epoch, batchIndex, step: this.globalStep, loss: value, lr: this.optimizer.lr, gradNorm });
      batchIndex++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (batchIndex === 0) throw new Error(`Trainer: the training data gave no batches in epoch ${epoch}`);
    if (this.batchesPerEpoch === undefined) {
      this.batchesPerEpoch = batchIndex;
      this.reporter.setBatchesPerEpoch(batchIndex);
    }
    return acc.result().loss ?? NaN;
  }

  /** Loss and metrics over the validation data (`val_loss`, `val_<key>`), with the evaluation weights in place. */
  private validate(epoch: number, source: BatchSource<B>): Record<string, number> {
    const o = this.options;
    const acc = new MeanAccumulator();
    this.model.eval();
    try {
      for (const batch of this.batchesOf(source, epoch)) {
        const ctx: TrainContext = { epoch, step: this.globalStep, rng: this.rng, training: false };
        const run = () => {
          const values: Record<string, number> = { loss: o.loss(this.model, batch, ctx).item() };
          if (o.evaluate) Object.assign(values, o.evaluate(this.model, batch, ctx));
          return values;
        };
        acc.add(o.evalWithGrad ? run() : noGrad(run), o.batchWeight ? o.batchWeight(batch) : 1);
      }
    } finally {
      this.model.train();
    }
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(acc.result())) out[`val_${k}`] = v;
    if (out.val_loss === undefined) throw new Error(`Trainer: the validation data gave no batches in epoch ${epoch}`);
    return out;
  }

  /** Records the monitored value, keeps the best weights; returns whether it improved. Call with the evaluation weights in place. */
  private trackBest(epoch: number, metrics: Record<string, number>): boolean {
    const value = metrics[this.monitor];
    if (value === undefined) {
      throw new Error(`Trainer: monitored metric '${this.monitor}' is not among [${Object.keys(metrics).join(', ')}]; set 'monitor' to one of them`);
    }
    if (Number.isNaN(value) || (this.best && !this.better(value, this.best.value))) return false;
    this.best = { value, epoch, monitor: this.monitor };
    this.bestWeights = stateDict(this.model);
    const path = this.runFile(BEST_FILE);
    if (path) {
      const meta = { epoch: String(epoch), monitor: this.monitor, value: String(value), ema: String(this.ema !== undefined) };
      const bytes = encodeSafetensors(this.bestWeights, meta);
      writeFileAtomic.sync(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    return true;
  }

  /** Loads the best-on-validation weights into the model. */
  loadBestWeights(): void {
    if (!this.bestWeights) throw new Error('Trainer.loadBestWeights: no evaluation has run yet');
    loadStateDict(this.model, this.bestWeights, 'best weights');
  }

  /** Runs the remaining epochs (all of them, or those after a resumed checkpoint). */
  async fit(): Promise<FitResult> {
    const o = this.options;
    const evalEvery = o.evalEvery ?? 1;
    const checkpointEvery = o.checkpointEvery ?? 1;
    if (o.runDir) {
      mkdirSync(o.runDir, { recursive: true });
      // metrics.jsonl always mirrors the history (a resumed run drops lines past its checkpoint).
      writeFileAtomic.sync(this.runFile(METRICS_FILE)!, this.history.map((r) => `${JSON.stringify(r)}\n`).join(''));
    }
    this.resumed = false;
    if (this.stoppedEarly) {
      this.reporter.log(`stopped early at epoch ${this.epoch}; nothing to do`);
      return this.result();
    }
    this.reporter.start(this.epoch, o.epochs, this.batchesPerEpoch);
    try {
      while (this.epoch < o.epochs && !this.stopRequested) {
        const epoch = this.epoch + 1;
        const t0 = performance.now();
        const trainLoss = await this.trainEpoch(epoch);
        const record: EpochRecord = { epoch, step: this.globalStep, lr: this.optimizer.lr, train_loss: trainLoss };
        if (epoch % evalEvery === 0 || epoch === o.epochs) {
          let improved = false;
          const metrics = this.withEvalWeights(() => {
            const m: Record<string, number> = { train_loss: trainLoss, ...(o.validation ? this.validate(epoch, o.validation) : {}) };
            improved = this.trackBest(epoch, m);
            return m;
          });
          Object.assign(record, metrics);
          const value = metrics[this.monitor];
          if (this.schedule?.interval === 'eval') this.schedule.step(value);
          if (this.earlyStopping) {
            const es = this.earlyStopping;
            const minDelta = o.earlyStopping!.minDelta ?? 0;
            const better = this.mode === 'min' ? value < es.best - minDelta : value > es.best + minDelta;
            if (better) {
              es.best = value;
              es.badEvaluations = 0;
            } else if (++es.badEvaluations >= o.earlyStopping!.patience) {
              this.stoppedEarly = true;
            }
          }
          await this.call('onEvaluate', { trainer: this, epoch, metrics, improved });
        }
        if (this.schedule?.interval === 'epoch') this.schedule.step();
        record.lr = this.optimizer.lr;
        this.history.push(record);
        this.epoch = epoch;
        const seconds = (performance.now() - t0) / 1000;
        this.reporter.log(this.formatRecord(record, seconds));
        if (o.runDir) {
          appendFileSync(this.runFile(METRICS_FILE)!, `${JSON.stringify({ ...record, time_s: Math.round(seconds * 1000) / 1000 })}\n`);
          writeFileAtomic.sync(this.runFile(CURVE_FILE)!, this.learningCurve());
        }
        await this.call('onEpochEnd', { trainer: this, epoch, record });
        if (this.stoppedEarly) {
          this.reporter.log(`early stopping: '${this.monitor}' did not improve for ${o.earlyStopping!.patience} evaluations`);
          this.stopRequested = true;
        }
        const last = epoch === o.epochs || this.stopRequested;
        if (o.runDir && (epoch % checkpointEvery === 0 || last)) this.saveCheckpoint();
      }
    } finally {
      this.reporter.stop();
      this.stopRequested = false;
    }
    return this.result();
  }

  private result(): FitResult {
    return { history: this.history, best: this.best, stoppedEarly: this.stoppedEarly, epoch: this.epoch, globalStep: this.globalStep };
  }

  private formatRecord(r: EpochRecord, seconds: number): string {
    const parts = [`epoch ${r.epoch}/${this.options.epochs}`, `train_loss ${fmtLoss(r.train_loss)}`];
    for (const [k, v] of Object.entries(r)) if (k.startsWith('val_') && typeof v === 'number') parts.push(`${k} ${fmtLoss(v)}`);
    parts.push(`lr ${r.lr.toExponential(2)}`, `${seconds.toFixed(1)}s`);
    return parts.join('  ');
  }

  /** SVG of train and validation loss vs epoch (log-scale y). */
  learningCurve(): string {
    const series = [{ label: 'train', color: '#1f77b4', points: this.history.map((r) => [r.epoch, r.train_loss] as [number, number]) }];
    const val = this.history.filter((r) => typeof r.val_loss === 'number').map((r) => [r.epoch, r.val_loss!] as [number, number]);
    if (val.length > 0) series.push({ label: 'validation', color: '#ff7f0e', points: val });
    return learningCurveSvg(series, { title: 'learning curve' });
  }

  /** The full training state. */
  checkpointContents(): CheckpointContents {
    if (this.ema?.swapped) throw new Error('Trainer.checkpointContents: the EMA averages are swapped in');
    const trainer: TrainerStateJSON = {
      epoch: this.epoch,
      globalStep: this.globalStep,
      rng: this.rng.getState(),
      history: this.history,
      best: this.best,
      earlyStopping: this.earlyStopping,
      stopped: this.stoppedEarly,
      config: {
        ...(this.options.config ?? {}),
        trainer: {
          epochs: this.options.epochs,
          evalEvery: this.options.evalEvery ?? 1,
          clipNorm: this.options.clipNorm ?? null,
          seed: this.options.seed ?? 0,
          monitor: this.monitor,
          mode: this.mode,
          earlyStopping: this.options.earlyStopping ?? null,
          optimizer: this.optimizer.kind,
          schedule: this.schedule?.kind ?? null,
        },
      },
    };
    return {
      model: stateDict(this.model),
      optimizer: this.optimizer.getState(),
      schedule: this.schedule ? this.schedule.getState() : null,
      ema: this.ema ? this.ema.getState() : null,
      bestWeights: this.bestWeights,
      trainer,
    };
  }

  /** Writes the checkpoint atomically (default: runDir/checkpoint.safetensors); returns its path. */
  saveCheckpoint(path = this.runFile(CHECKPOINT_FILE)): string {
    if (!path) throw new Error("Trainer.saveCheckpoint: no path given and no 'runDir' set");
    writeCheckpoint(path, this.checkpointContents());
    return path;
  }

  /**
   * Restores everything from a checkpoint (default: runDir/checkpoint.safetensors) so that
   * fit() continues where it stopped, bit-for-bit. A truncated, foreign or mismatched file
   * is an error naming it, and leaves this trainer unchanged.
   */
  resume(path = this.runFile(CHECKPOINT_FILE)): this {
    if (!path) throw new Error("Trainer.resume: no path given and no 'runDir' set");
    const c = readCheckpoint(path);
    if ((c.schedule === null) !== (this.schedule === undefined)) {
      throw new Error(`${path}: the checkpoint ${c.schedule ? `has a ${c.schedule.kind} schedule` : 'has no schedule'}, this trainer ${this.schedule ? `has a ${this.schedule.kind}` : 'has none'}`);
    }
    if ((c.ema === null) !== (this.ema === undefined)) {
      throw new Error(`${path}: the checkpoint ${c.ema ? 'has' : 'has no'} EMA, this trainer ${this.ema ? 'has one' : 'has none'}`);
    }
    const t = c.trainer;
    if (!(Number.isInteger(t.epoch) && Number.isInteger(t.globalStep) && Array.isArray(t.history) && t.rng)) {
      throw new Error(`${path}: not a usable equigraph checkpoint (trainer state incomplete)`);
    }
    if (c.bestWeights) {
      // Same names and shapes as the model, or refuse before changing anything.
      const probe = stateDict(this.model);
      for (const [name, a] of probe) {
        const b = c.bestWeights.get(name);
        if (!b || b.shape.join() !== a.shape.join()) throw new Error(`${path}: best weights lack '${name}' or have another shape`);
      }
    }
    const rng = Rng.fromState(t.rng);
    // Apply all pieces; roll back if any of them refuses.
    const saved = { model: stateDict(this.model), optimizer: this.optimizer.getState(), schedule: this.schedule?.getState(), ema: this.ema?.getState() };
    try {
      loadStateDict(this.model, c.model, path);
      this.optimizer.setState(c.optimizer, path);
      if (this.schedule) this.schedule.setState(c.schedule!, path);
      if (this.ema) this.ema.setState(c.ema!, path);
    } catch (err) {
      loadStateDict(this.model, saved.model);
      this.optimizer.setState(saved.optimizer);
      if (this.schedule) this.schedule.setState(saved.schedule!);
      if (this.ema) this.ema.setState(saved.ema!);
      throw err;
    }
    this.rng = rng;
    this.epoch = t.epoch;
    this.globalStep = t.globalStep;
    this.history = t.history.map((r) => ({ ...r }));
    this.best = t.best;
    this.bestWeights = c.bestWeights;
    this.earlyStopping = this.options.earlyStopping ? (t.earlyStopping ?? { best: this.mode === 'min' ? Infinity : -Infinity, badEvaluations: 0 }) : null;
    this.stoppedEarly = t.stopped;
    this.resumed = true;
    return this;
  }

  /** True after resume() until the next fit(). */
  get isResumed(): boolean {
    return this.resumed;
  }

  /** The config stored with the run (for inspection). */
  static describeCheckpoint(path: string): string {
    const c = readCheckpoint(path);
    return stringifyJSON({ epoch: c.trainer.epoch, globalStep: c.trainer.globalStep, best: c.trainer.best, config: c.trainer.config });
  }
}
