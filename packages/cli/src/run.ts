/** Training and scoring runs: the run directory, weights with their config, the dispatch over tasks. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { noGrad } from '@equigraph/core';
import { decodeSafetensors, encodeSafetensors, loadStateDict, stateDict, type NamedArray } from '@equigraph/layers';
import {
  Adam,
  AdamW,
  BEST_FILE,
  CHECKPOINT_FILE,
  CosineSchedule,
  CURVE_FILE,
  METRICS_FILE,
  readCheckpoint,
  ReduceLROnPlateau,
  SGD,
  Trainer,
  type LRSchedule,
  type Optimizer,
} from '@equigraph/train';
import { parseConfig, runDirOf, type Config, type LoadedConfig } from './config.js';
import { UserError } from './errors.js';
import type { CliIO } from './io.js';
import { prepareEnergyForces, type EnergyForcesStats } from './tasks/energy-forces.js';
import { prepareNBody } from './tasks/nbody.js';
import { prepareQm9, type Qm9Stats } from './tasks/qm9.js';
import { aggregate, type DataOverride, type PreparedTask } from './tasks/types.js';

export const RUN_CONFIG_FILE = 'config.json';
export const MODEL_FILE = 'model.safetensors';
export const RESULTS_FILE = 'results.json';

/** What a run directory's config.json holds. */
export interface RunRecord {
  format: 'equigraph.run';
  config: Config;
  /** Directory the config's data paths are relative to (absolute). */
  baseDir: string;
  stats: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = PreparedTask<any>;

/** Builds the task's data and model. `stats` (from a run) replace those computed from the training data. */
export function prepareTask(loaded: LoadedConfig, io: CliIO, override?: DataOverride, stats?: Record<string, unknown>): AnyTask {
  const c = loaded.config;
  switch (c.task) {
    case 'nbody':
      return prepareNBody(loaded, c, (l) => io.err(l), override);
    case 'energy-forces':
      return prepareEnergyForces(loaded, c, override, stats as EnergyForcesStats | undefined);
    case 'qm9':
      return prepareQm9(loaded, c, override, stats as Qm9Stats | undefined);
  }
}

function makeOptimizer(config: Config, task: AnyTask): Optimizer {
  const o = config.optimizer;
  const params = task.module.parameters();
  if (o.name === 'sgd') return new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  if (o.name === 'adamw') return new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay, fused: true });
  return new Adam(params, { lr: o.lr, weightDecay: o.weightDecay, fused: true });
}

function makeSchedule(config: Config, optimizer: Optimizer, stepsPerEpoch: number): LRSchedule | undefined {
  const s = config.schedule;
  if (s.name === 'cosine') return new CosineSchedule(optimizer, { totalSteps: Math.max(1, config.trainer.epochs * stepsPerEpoch), warmupSteps: s.warmupSteps, minLr: s.minLr });
  if (s.name === 'plateau') return new ReduceLROnPlateau(optimizer, { factor: s.factor, patience: s.patience, minLr: s.minLr });
  return undefined;
}

function stepsPerEpoch(config: Config, task: AnyTask): number {
  const n = (task as { trainSize?: number }).trainSize;
  if (config.task === 'nbody') return Math.floor(config.data.numTrain / config.trainer.batchSize);
  return Math.ceil((n ?? config.data.numTrain) / config.trainer.batchSize);
}

export interface TrainOptions {
  resume?: boolean;
  /** Print the test metrics at the end (default true). */
  test?: boolean;
}

export interface TrainOutcome {
  runDir: string;
  history: { epoch: number; train_loss: number; [k: string]: number }[];
  best: { value: number; epoch: number; monitor: string } | null;
  test: Record<string, number> | null;
  graphsPerSecond: number;
}

/** `equigraph train`. */
export async function trainRun(loaded: LoadedConfig, io: CliIO, opts: TrainOptions = {}): Promise<TrainOutcome> {
  const config = loaded.config;
  const runDir = runDirOf(config, { resume: opts.resume });
  const recordPath = join(runDir, RUN_CONFIG_FILE);
  let saved: RunRecord | undefined;
  if (opts.resume) {
    if (!existsSync(join(runDir, CHECKPOINT_FILE))) throw new UserError(`--resume: no ${CHECKPOINT_FILE} in ${runDir} (train without --resume first, or pass --run-dir)`);
    if (existsSync(recordPath)) {
      saved = readRunRecord(runDir);
      const strip = (c: Config) => JSON.stringify({ ...c, trainer: { ...c.trainer, epochs: 0, progress: 'auto' }, backend: null, threads: null, runDir: null });
      if (strip(saved.config) !== strip(config)) {
        io.err(`warning: ${loaded.source} differs from the config the run in ${runDir} was started with (beyond trainer.epochs/progress, backend, threads); resuming with the new one`);
      }
    }
  } else if (existsSync(join(runDir, CHECKPOINT_FILE))) {
    throw new UserError(`${runDir} already holds a run (${CHECKPOINT_FILE}); pass --resume to continue it, or --run-dir for a new one`);
  }
  const task = prepareTask(loaded, io, undefined, saved?.stats);
  for (const l of task.summary) io.err(l);
  mkdirSync(runDir, { recursive: true });
  const record: RunRecord = { format: 'equigraph.run', config, baseDir: loaded.baseDir, stats: task.stats };
  writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  const optimizer = makeOptimizer(config, task);
  const schedule = makeSchedule(config, optimizer, stepsPerEpoch(config, task));
  const t = config.trainer;
  // training throughput: time between batch ends (validation and checkpoints excluded)
  let trainMs = 0;
  let graphs = 0;
  let mark = performance.now();
  const trainer = new Trainer({
    model: task.module,
    optimizer,
    schedule,
    loss: (_m, b, ctx) => task.loss(b, ctx),
    evaluate: (_m, b) => task.metrics(b, false),
    train: task.train!,
    validation: task.validation ?? undefined,
    epochs: t.epochs,
    evalEvery: t.evalEvery,
    checkpointEvery: t.checkpointEvery,
    clipNorm: t.clipNorm ?? undefined,
    ema: t.emaDecay !== null ? { decay: t.emaDecay } : undefined,
    earlyStopping: t.earlyStoppingPatience !== null ? { patience: t.earlyStoppingPatience } : undefined,
    runDir,
    seed: config.seed,
    progress: t.progress,
    log: (l) => io.err(l),
    batchWeight: (b) => task.weight(b),
    evalWithGrad: task.evalWithGrad,
    config: { run: record as unknown as Record<string, unknown> },
    callbacks: {
      onBatchEnd: ({ batch }) => {
        const now = performance.now();
        trainMs += now - mark;
        mark = now;
        graphs += task.weight(batch);
      },
      onEpochEnd: () => {
        mark = performance.now();
      },
    },
  });
  if (opts.resume) {
    trainer.resume();
    io.err(`resumed ${runDir} at epoch ${trainer.epoch}/${t.epochs}`);
  }
  mark = performance.now();
  const fit = await trainer.fit();
  if (trainer.bestWeights) trainer.loadBestWeights();
  writeModelFile(join(runDir, MODEL_FILE), trainer.bestWeights ?? stateDict(task.module), record);
  const test = opts.test !== false && task.test ? scoreTask(task, task.test) : null;
  writeFileSync(join(runDir, RESULTS_FILE), `${JSON.stringify({ best: fit.best, epochs: fit.epoch, steps: fit.globalStep, stoppedEarly: fit.stoppedEarly, test }, null, 2)}\n`);
  return {
    runDir,
    history: fit.history as TrainOutcome['history'],
    best: fit.best,
    test,
    graphsPerSecond: trainMs > 0 ? graphs / (trainMs / 1000) : NaN,
  };
}

/** Metrics of the model over batches (sample-weighted; `rmse` keys as root mean squares). */
export function scoreTask(task: AnyTask, batches: unknown[]): Record<string, number> {
  task.module.eval();
  try {
    return aggregate(task, batches, (b) => (task.evalWithGrad ? task.metrics(b, false) : noGrad(() => task.metrics(b, false))));
  } finally {
    task.module.train();
  }
}

// ---------------------------------------------------------------------------------------------
// Weights and run records

export function writeModelFile(path: string, weights: Map<string, NamedArray>, record: RunRecord): void {
  const bytes = encodeSafetensors(weights, { format: 'equigraph.model', 'equigraph.run': JSON.stringify(record) });
  writeFileSync(path, bytes);
}

/**
 * A config saved with a run by an earlier version, with the fields added since set to the values
 * that rebuild the saved model: `egnn` on the molecular tasks had no radial embedding before
 * `model.radial` (whose default, auto, now adds one for energy-forces).
 */
export function upgradeSavedConfig(raw: unknown): unknown {
  const c = raw as { task?: unknown; model?: Record<string, unknown> } | null;
  if (c && typeof c === 'object' && c.task !== 'nbody' && c.model && typeof c.model === 'object' && c.model.name === 'egnn' && !('radial' in c.model)) {
    return { ...c, model: { ...c.model, radial: 'none' } };
  }
  return raw;
}

export function readRunRecord(runDir: string): RunRecord {
  const path = join(runDir, RUN_CONFIG_FILE);
  if (!existsSync(path)) throw new UserError(`${runDir}: no ${RUN_CONFIG_FILE} (is this a run directory of 'equigraph train'?)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const r = json as Partial<RunRecord>;
  if (r.format !== 'equigraph.run' || !r.config) throw new UserError(`${path}: not an equigraph run record`);
  return { format: 'equigraph.run', config: parseConfig(upgradeSavedConfig(r.config), path), baseDir: r.baseDir ?? resolve(runDir), stats: r.stats ?? {} };
}

export interface LoadedWeights {
  weights: Map<string, NamedArray>;
  /** The run record stored in the file's metadata (model.safetensors), if any. */
  record?: RunRecord;
  source: string;
}

/** Reads weights from a .safetensors file: model.safetensors, best.safetensors, or a training checkpoint. */
export function readWeights(path: string): LoadedWeights {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path}: no such weights file` : `${path}: cannot read (${code})`);
  }
  let decoded;
  try {
    decoded = decodeSafetensors(bytes, path);
  } catch (e) {
    throw new UserError(`${path}: not a safetensors file (${(e as Error).message})`);
  }
  if (decoded.metadata.format === 'equigraph.checkpoint') {
    const c = readCheckpoint(path);
    const run = (c.trainer.config as { run?: RunRecord }).run;
    return { weights: c.bestWeights ?? c.model, record: run ? { ...run, config: parseConfig(upgradeSavedConfig(run.config), path) } : undefined, source: path };
  }
  const meta = decoded.metadata['equigraph.run'];
  let record: RunRecord | undefined;
  if (meta) {
    const r = JSON.parse(meta) as RunRecord;
    record = { ...r, config: parseConfig(upgradeSavedConfig(r.config), `${path} (metadata)`) };
  }
  return { weights: decoded.arrays, record, source: path };
}

/** Weights and config for eval/predict from `--run-dir` or `--weights` (+ `--config`). */
export function resolveModelSource(o: { runDir?: string; weights?: string; config?: LoadedConfig }): { loaded: LoadedConfig; weights: LoadedWeights; stats?: Record<string, unknown> } {
  if (o.runDir) {
    const record = readRunRecord(o.runDir);
    // --weights picks a file (e.g. best.safetensors of a resumed run stopped before writing model.safetensors).
    const file = o.weights ?? [MODEL_FILE, BEST_FILE, CHECKPOINT_FILE].map((f) => join(o.runDir!, f)).find((p) => existsSync(p));
    if (!file) throw new UserError(`${o.runDir}: no ${MODEL_FILE}, ${BEST_FILE} or ${CHECKPOINT_FILE}`);
    const weights = readWeights(file);
    const loaded = o.config ?? { config: record.config, baseDir: record.baseDir, source: join(o.runDir, RUN_CONFIG_FILE) };
    return { loaded, weights, stats: record.stats };
  }
  if (!o.weights) throw new UserError('give --run-dir D, or --weights W (with --config C unless W is a model.safetensors of equigraph train)');
  const weights = readWeights(o.weights);
  let record = weights.record;
  if (!record) {
    const sibling = join(dirname(o.weights), RUN_CONFIG_FILE);
    if (existsSync(sibling)) record = readRunRecord(dirname(o.weights));
  }
  const loaded = o.config ?? (record ? { config: record.config, baseDir: record.baseDir, source: o.weights } : undefined);
  if (!loaded) throw new UserError(`${o.weights} carries no config: pass --config C (the config it was trained with)`);
  return { loaded, weights, stats: record?.stats };
}

/** Loads weights into a prepared task's model (an error names the mismatching parameter). */
export function loadInto(task: AnyTask, weights: LoadedWeights): void {
  try {
    loadStateDict(task.module, weights.weights, weights.source);
  } catch (e) {
    throw new UserError(`${(e as Error).message} (do the weights and the config's model match?)`);
  }
}

export const RUN_FILES = { config: RUN_CONFIG_FILE, checkpoint: CHECKPOINT_FILE, best: BEST_FILE, metrics: METRICS_FILE, curve: CURVE_FILE, model: MODEL_FILE, results: RESULTS_FILE };
