/**
 * The charged N-body experiment of Satorras et al. 2021 (§5.1, Table 2), as the
 * authors' `main_nbody.py`: 5 charged particles, input frame 30 (positions,
 * velocities, charges), target positions at frame 40; node feature ‖v_i‖, edge
 * attributes [q_i q_j, ‖x_i − x_j‖²] of the input frame, complete graphs;
 * training batches drop the remainder (the authors' loader); MSE on positions;
 * model selection on the validation split.
 */
import { existsSync } from 'node:fs';
import { noGrad, tensor, type FloatDType, type Tensor } from '@equigraph/core';
import { chargedNBodySplits, chargedNBodyTask, readEgnnNBodyFiles, type ChargedNBodyData, type NBodyArrays } from '@equigraph/data';
import { GraphIndex } from '@equigraph/models';
import { huberLoss, maeLoss, mseLoss } from '@equigraph/train';
import { resolveDataPath, type LoadedConfig, type NBodyConfig } from '../config.js';
import { UserError } from '../errors.js';
import { findModel, type NBodyInputs, type NBodyNet } from '../models.js';
import type { DataOverride, PreparedTask } from './types.js';

export interface NBodySplit {
  /** Input positions, velocities `[S, n, 3]`, charges `[S, n]`, target positions `[S, n, 3]` (flat). */
  loc: Float64Array;
  vel: Float64Array;
  charges: Float64Array;
  target: Float64Array;
  numSamples: number;
  numBodies: number;
}

export interface NBodyBatch extends NBodyInputs {
  target: Tensor;
  numGraphs: number;
}

type Trajectories = Pick<ChargedNBodyData, 'numTrajectories' | 'numFrames' | 'numBodies' | 'loc' | 'vel' | 'charges'>;

export function toSplit(data: Trajectories, frameIn = 30, frameOut = 40): NBodySplit {
  if (frameIn >= data.numFrames || frameOut >= data.numFrames) {
    throw new UserError(`data.frameIn ${frameIn} / data.frameOut ${frameOut}: the trajectories have ${data.numFrames} frames (0..${data.numFrames - 1})`);
  }
  return { ...chargedNBodyTask(data as ChargedNBodyData, frameIn, frameOut), numSamples: data.numTrajectories, numBodies: data.numBodies };
}

/** Generates the three splits (independent seeded streams; see `chargedNBodySplits`). */
export function makeSplits(
  seed: number,
  sizes: { train: number; valid: number; test: number },
  opts: { numBodies?: number; preset?: 'egnn' | 'hegnn'; rngKind?: 'pure-rand' | 'numpy'; frameIn?: number; frameOut?: number } = {},
): { train: NBodySplit; valid: NBodySplit; test: NBodySplit } {
  const s = chargedNBodySplits(seed, { numTrain: sizes.train, numValid: sizes.valid, numTest: sizes.test, numBodies: opts.numBodies, preset: opts.preset, rngKind: opts.rngKind });
  const f = (d: ChargedNBodyData) => toSplit(d, opts.frameIn, opts.frameOut);
  return { train: f(s.train), valid: f(s.valid), test: f(s.test) };
}

/** The first `count` trajectories of arrays read from .npy (count null: all). */
function firstTrajectories(a: NBodyArrays, count: number | null): Trajectories {
  const S = count === null ? a.numTrajectories : Math.min(count, a.numTrajectories);
  const w = a.numFrames * a.numBodies * 3;
  return {
    numTrajectories: S,
    numFrames: a.numFrames,
    numBodies: a.numBodies,
    loc: a.loc.subarray(0, S * w),
    vel: a.vel.subarray(0, S * w),
    charges: a.charges.subarray(0, S * a.numBodies),
  };
}

/** Reads one split of the EGNN authors' files (`loc_<split><suffix>.npy`, …) from `dir`. */
export function readNpySplit(dir: string, split: 'train' | 'valid' | 'test', suffix: string, count: number | null, frames: { frameIn: number; frameOut: number }): NBodySplit {
  if (!existsSync(dir)) throw new UserError(`${dir}: no such directory (expected the N-body .npy files loc_${split}${suffix}.npy, vel_…, charges_…)`);
  const a = readEgnnNBodyFiles(dir, split, suffix);
  return toSplit(firstTrajectories(a, count), frames.frameIn, frames.frameOut);
}

/** Builds batches; the graph index of a batch size is made once and reused. */
export class Batcher {
  private readonly graphs = new Map<number, GraphIndex>();
  constructor(
    readonly numBodies: number,
    readonly dtype: FloatDType = 'float32',
    readonly backend?: string,
  ) {}

  graph(numGraphs: number): GraphIndex {
    let g = this.graphs.get(numGraphs);
    if (!g) {
      g = GraphIndex.fullyConnected(numGraphs, this.numBodies, { backend: this.backend });
      this.graphs.set(numGraphs, g);
    }
    return g;
  }

  /** The samples `ids` of a split as one batch of disjoint graphs (main_nbody.py's inputs). */
  batch(split: NBodySplit, ids: ArrayLike<number>): NBodyBatch {
    const n = this.numBodies;
    const B = ids.length;
    const N = B * n;
    const x = new Float64Array(N * 3);
    const v = new Float64Array(N * 3);
    const y = new Float64Array(N * 3);
    const speed = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      const s = ids[b];
      x.set(split.loc.subarray(s * n * 3, (s + 1) * n * 3), b * n * 3);
      v.set(split.vel.subarray(s * n * 3, (s + 1) * n * 3), b * n * 3);
      y.set(split.target.subarray(s * n * 3, (s + 1) * n * 3), b * n * 3);
    }
    for (let i = 0; i < N; i++) speed[i] = Math.hypot(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
    const graph = this.graph(B);
    const E = graph.numEdges;
    const attr = new Float64Array(E * 2);
    const target = graph.target.dataSync();
    const source = graph.source.dataSync();
    for (let e = 0; e < E; e++) {
      const i = target[e];
      const j = source[e];
      const gi = Math.floor(i / n);
      const q = split.charges[ids[gi] * n + (i % n)] * split.charges[ids[gi] * n + (j % n)];
      const dx = x[3 * i] - x[3 * j];
      const dy = x[3 * i + 1] - x[3 * j + 1];
      const dz = x[3 * i + 2] - x[3 * j + 2];
      attr[2 * e] = q;
      attr[2 * e + 1] = dx * dx + dy * dy + dz * dz;
    }
    const opts = { dtype: this.dtype, backend: this.backend };
    return {
      h: tensor(speed, [N, 1], opts),
      x: tensor(x, [N, 3], opts),
      vel: tensor(v, [N, 3], opts),
      edgeAttr: tensor(attr, [E, 2], opts),
      target: tensor(y, [N, 3], opts),
      graph,
      numGraphs: B,
    };
  }

  /** All batches of a split in order (the last one may be smaller), for evaluation. */
  evalBatches(split: NBodySplit, batchSize: number): NBodyBatch[] {
    const out: NBodyBatch[] = [];
    for (let start = 0; start < split.numSamples; start += batchSize) {
      const ids = Int32Array.from({ length: Math.min(batchSize, split.numSamples - start) }, (_, k) => start + k);
      out.push(this.batch(split, ids));
    }
    return out;
  }
}

/** MSE of two trivial predictors: x(t+Δ) = x(t) and x(t) + v(t)·Δt with Δt = (frameOut − frameIn) · 100 steps · 0.001. */
export function baselines(split: NBodySplit, frames = 10): { static: number; linear: number } {
  let s = 0;
  let l = 0;
  const dt = frames * 100 * 0.001;
  for (let k = 0; k < split.loc.length; k++) {
    const d0 = split.loc[k] - split.target[k];
    const d1 = split.loc[k] + split.vel[k] * dt - split.target[k];
    s += d0 * d0;
    l += d1 * d1;
  }
  return { static: s / split.loc.length, linear: l / split.loc.length };
}

/** Mean squared error of a model over batches (sample-weighted, as the authors' `res['loss'] / res['counter']`). */
export function evaluateMse(net: NBodyNet, batches: NBodyBatch[]): number {
  return noGrad(() => {
    let total = 0;
    let count = 0;
    for (const b of batches) {
      total += mseLoss(net.predict(b), b.target).item() * b.numGraphs;
      count += b.numGraphs;
    }
    return total / count;
  });
}

export function buildNBodyNet(config: NBodyConfig): NBodyNet {
  const entry = findModel(config.model.name as string);
  if (!entry.nbody) throw new UserError(`model '${entry.name}' does not support task 'nbody'`);
  return entry.nbody(config.model as never, { dtype: config.dtype, seed: config.seed });
}

export function prepareNBody(loaded: LoadedConfig, config: NBodyConfig, log: (l: string) => void, override?: DataOverride): PreparedTask<NBodyBatch> {
  const d = config.data;
  const frames = { frameIn: d.frameIn, frameOut: d.frameOut };
  const t0 = performance.now();
  const evalOnly = override !== undefined;
  let splits: { train: NBodySplit | null; valid: NBodySplit | null; test: NBodySplit | null };
  let origin: string;
  const want = override?.split ?? 'test';
  if (override?.path) {
    splits = { train: null, valid: null, test: readNpySplit(override.path, want, d.suffix, null, frames) };
    origin = `${override.path} (${want} split, all trajectories)`;
  } else if (d.source === 'npy') {
    const dir = resolveDataPath(loaded, d.dir!);
    const counts = { train: d.numTrain, valid: d.numValid, test: d.numTest };
    if (evalOnly) splits = { train: null, valid: null, test: readNpySplit(dir, want, d.suffix, counts[want], frames) };
    else {
      splits = {
        train: readNpySplit(dir, 'train', d.suffix, d.numTrain, frames),
        valid: readNpySplit(dir, 'valid', d.suffix, d.numValid, frames),
        test: readNpySplit(dir, 'test', d.suffix, d.numTest, frames),
      };
    }
    origin = `${dir}/*${d.suffix}.npy${evalOnly ? ` (${want} split)` : ''}`;
  } else {
    // With 'pure-rand' the splits are independent streams: an evaluation only simulates the split it scores.
    const skip = evalOnly && d.rngKind === 'pure-rand';
    const size = (s: 'train' | 'valid' | 'test', n: number) => (!skip || want === s ? n : 0);
    const s = makeSplits(d.seed ?? config.seed, { train: size('train', d.numTrain), valid: size('valid', d.numValid), test: size('test', d.numTest) }, { numBodies: d.numBodies, preset: d.preset, rngKind: d.rngKind, ...frames });
    splits = evalOnly ? { train: null, valid: null, test: s[want] } : s;
    origin = `generated (seed ${d.seed ?? config.seed}, preset ${d.preset}, ${d.numBodies} bodies)${evalOnly ? ` (${want} split)` : ''}`;
  }
  const any = (splits.train ?? splits.valid ?? splits.test)!;
  const batchSize = config.trainer.batchSize;
  const evalBatch = config.trainer.evalBatchSize ?? batchSize;
  const batcher = new Batcher(any.numBodies, config.dtype);
  const net = buildNBodyNet(config);
  const summary: string[] = [];
  const count = (s: NBodySplit | null) => (s ? String(s.numSamples) : '-');
  summary.push(`data: ${count(splits.train)}/${count(splits.valid)}/${count(splits.test)} trajectories (train/valid/test) from ${origin}, ${any.numBodies} bodies, frame ${d.frameIn} → ${d.frameOut}, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (splits.test) {
    const base = baselines(splits.test, d.frameOut - d.frameIn);
    summary.push(`test MSE of trivial predictors: x(t) ${base.static.toFixed(5)}, x(t) + v·Δt ${base.linear.toFixed(5)} (paper, Table 2: Linear 0.0819, EGNN 0.0071)`);
  }
  summary.push(`model: ${config.model.name}, ${net.module.numParameters()} parameters; ${config.optimizer.name} lr ${config.optimizer.lr}, batch ${batchSize}`);
  const train = splits.train;
  if (train && Math.floor(train.numSamples / batchSize) < 1) {
    throw new UserError(`data.numTrain (${train.numSamples}) is smaller than one batch (trainer.batchSize ${batchSize}); training batches drop the remainder`);
  }
  const pointwise = config.loss.kind === 'mae' ? maeLoss : config.loss.kind === 'huber' ? (p: Tensor, t: Tensor) => huberLoss(p, t) : mseLoss;
  void log;
  return {
    module: net.module,
    summary,
    train: train
      ? (_epoch, rng) => {
          const perEpoch = Math.floor(train.numSamples / batchSize);
          const order = rng.permutation(train.numSamples);
          return (function* () {
            for (let b = 0; b < perEpoch; b++) yield batcher.batch(train, order.subarray(b * batchSize, (b + 1) * batchSize));
          })();
        }
      : null,
    validation: splits.valid ? batcher.evalBatches(splits.valid, evalBatch) : null,
    test: splits.test ? batcher.evalBatches(splits.test, evalBatch) : null,
    loss: (b) => pointwise(net.predict(b), b.target),
    metrics: (b) => ({ mse: mseLoss(net.predict(b), b.target).item() }),
    weight: (b) => b.numGraphs,
    evalWithGrad: false,
    stats: {},
    units: { mse: '' },
  };
}
