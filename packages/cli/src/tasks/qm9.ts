/**
 * QM9 properties (Ramakrishnan et al. 2014 file format): one model with one output per target,
 * trained on (y − ref − mean)/std per target (statistics of the training split, saved with the run).
 * For U0, `ref` is a least-squares per-element reference energy (Σ_Z n_Z e_Z): the total energy
 * is dominated by the atom count and composition, which a model should not have to learn.
 * Energies (U0, homo, lumo, gap) are converted from Hartree to eV on reading; mu stays in Debye.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, Rng, tensor, type Tensor } from '@equigraph/core';
import { fitElementReferences, readQm9XyzMulti, referenceEnergy, type ElementReferences, type XyzFrame } from '@equigraph/data';
import { huberLoss, maeLoss, mseLoss, regressionMetrics } from '@equigraph/train';
import { QM9_TARGETS, resolveDataPath, type LoadedConfig, type Qm9Config } from '../config.js';
import { UserError } from '../errors.js';
import { findModel, type GraphNet } from '../models.js';
import { AtomsBatcher, meanNeighbours, speciesOf, splitStructures, structureEdges, type AtomsBatch, type Structure } from './atoms.js';
import type { DataOverride, PreparedTask } from './types.js';

export const HARTREE_EV = 27.211386245988;
type Target = (typeof QM9_TARGETS)[number];
const ENERGY: ReadonlySet<string> = new Set(['U0', 'homo', 'lumo', 'gap']);

export interface Qm9Stats {
  species: number[];
  targets: Target[];
  mean: number[];
  std: number[];
  /** Per-element reference energies (eV) of the extensive targets, by target name. */
  references?: Record<string, ElementReferences>;
  /** Mean number of neighbours per atom of the training set (models that normalise their convolutions by it); absent in runs of older versions. */
  avgNumNeighbors?: number;
}

/** Targets that grow with the molecule: fitted with per-element references first. */
const EXTENSIVE: ReadonlySet<string> = new Set(['U0']);

/** Σ_Z n_Z e_Z of each target for one molecule (0 where a target has no references). */
function referenceRow(stats: Qm9Stats, z: ArrayLike<number>): number[] {
  return stats.targets.map((t) => (stats.references?.[t] ? referenceEnergy(stats.references[t], z) : 0));
}

/** Molecules of a QM9-format file holding one or more records, or of every .xyz file in a directory. */
export function readQm9Molecules(path: string): XyzFrame[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`${path}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const files = readdirSync(path).filter((f) => f.endsWith('.xyz')).sort();
    if (files.length === 0) throw new UserError(`${path}: no .xyz files in the directory`);
    return files.flatMap((f) => readQm9Records(readFileSync(join(path, f), 'utf8'), join(path, f)));
  }
  return readQm9Records(readFileSync(path, 'utf8'), path);
}

function readQm9Records(text: string, source: string): XyzFrame[] {
  const out = readQm9XyzMulti(text, source);
  if (out.length === 0) throw new UserError(`${source}: no molecules`);
  return out;
}

/** Target values of a molecule in the CLI's units (eV, D). */
export function qm9Values(f: XyzFrame, targets: readonly Target[]): Float64Array {
  return Float64Array.from(targets, (t) => {
    const v = f.targets[t];
    if (typeof v !== 'number') return NaN;
    return ENERGY.has(t) ? v * HARTREE_EV : v;
  });
}

export function qm9Structures(frames: XyzFrame[], targets: readonly Target[], cutoff: number | null, source: string): Structure[] {
  return frames.map((f, i) => {
    if (!f.atomicNumbers) throw new UserError(`${source}: molecule ${i + 1} has unknown element symbols`);
    return { z: f.atomicNumbers, pos: f.positions, edges: structureEdges(f.positions, cutoff), y: qm9Values(f, targets) };
  });
}

export function qm9Stats(train: Structure[], targets: Target[]): Qm9Stats {
  const k = targets.length;
  const references: Record<string, ElementReferences> = {};
  targets.forEach((t, j) => {
    if (!EXTENSIVE.has(t)) return;
    const graphs = train.map((s) => ({ positions: s.pos, atomicNumbers: s.z, targets: { [t]: s.y[j] } }));
    // A tiny ridge keeps the fit defined when two elements always appear in a fixed ratio.
    references[t] = fitElementReferences(graphs, t, 1e-8);
  });
  const stats: Qm9Stats = { species: speciesOf(train), targets, mean: new Array<number>(k).fill(0), std: [], references, avgNumNeighbors: meanNeighbours(train) };
  const residuals = train.map((s) => {
    const ref = referenceRow(stats, s.z);
    return s.y.map((v, j) => v - ref[j]);
  });
  for (const r of residuals) for (let j = 0; j < k; j++) stats.mean[j] += r[j] / train.length;
  const sq = new Array<number>(k).fill(0);
  for (const r of residuals) for (let j = 0; j < k; j++) sq[j] += (r[j] - stats.mean[j]) ** 2 / train.length;
  stats.std = sq.map((v) => (v > 0 ? Math.sqrt(v) : 1));
  return stats;
}

/** Per-graph reference offsets `[B, k]` of a batch (from each molecule's atoms). */
function batchReferences(stats: Qm9Stats, b: AtomsBatch): Float64Array {
  const k = stats.targets.length;
  const out = new Float64Array(b.numGraphs * k);
  if (!stats.references || Object.keys(stats.references).length === 0) return out;
  const atoms: number[][] = Array.from({ length: b.numGraphs }, () => []);
  b.inputs.assignment.nodeGraph.forEach((g, i) => atoms[g].push(b.inputs.z[i]));
  atoms.forEach((z, g) => referenceRow(stats, z).forEach((v, j) => (out[g * k + j] = v)));
  return out;
}

/** A graph model whose outputs are de-normalised: y = mean + std · out. */
export class Qm9Model {
  constructor(
    readonly net: GraphNet,
    readonly stats: Qm9Stats,
  ) {}

  /** Normalised outputs `[B, k]`. */
  normalised(b: AtomsBatch): Tensor {
    return this.net.predict(b.inputs);
  }

  /** Outputs in eV / D, `[B, k]` as a flat array. */
  predict(b: AtomsBatch): Float64Array {
    const out = noGrad(() => this.normalised(b)).dataSync();
    const k = this.stats.targets.length;
    const refs = batchReferences(this.stats, b);
    return Float64Array.from(out, (v, i) => refs[i] + this.stats.mean[i % k] + this.stats.std[i % k] * v);
  }

  /** Training targets of a batch in normalised units, `[B, k]`. */
  normalisedTargets(b: AtomsBatch, dtype: Tensor['dtype']): Tensor {
    const k = this.stats.targets.length;
    const refs = batchReferences(this.stats, b);
    return tensor(Float64Array.from(b.y, (v, i) => (v - refs[i] - this.stats.mean[i % k]) / this.stats.std[i % k]), [b.numGraphs, k], { dtype });
  }
}

export function buildQm9Model(config: Qm9Config, stats: Qm9Stats): Qm9Model {
  const entry = findModel(config.model.name as string);
  if (!entry.graph) throw new UserError(`model '${entry.name}' does not support task 'qm9'`);
  const net = entry.graph(config.model as never, { dtype: config.dtype, seed: config.seed, species: stats.species, numOutputs: stats.targets.length, cutoff: config.data.cutoff, task: 'qm9', avgNumNeighbors: stats.avgNumNeighbors ?? 1 });
  return new Qm9Model(net, stats);
}

export const qm9Unit = (t: string) => (ENERGY.has(t) ? 'meV' : 'D');

export function prepareQm9(loaded: LoadedConfig, config: Qm9Config, override?: DataOverride, savedStats?: Qm9Stats): PreparedTask<AtomsBatch> & { model: Qm9Model } {
  const d = config.data;
  const targets = d.targets as Target[];
  const t0 = performance.now();
  const path = override?.path ?? resolveDataPath(loaded, d.path);
  const structures = qm9Structures(readQm9Molecules(path), targets, d.cutoff, path);
  const { train, valid, test } = splitStructures(structures, d, new Rng(d.splitSeed ?? config.seed), path, override);
  const stats = savedStats ?? qm9Stats(train, targets);
  const model = buildQm9Model(config, stats);
  const batcher = new AtomsBatcher(stats.species, config.dtype);
  const bs = config.trainer.batchSize;
  const ebs = config.trainer.evalBatchSize ?? bs;
  const k = targets.length;
  const pointwise = config.loss.kind === 'mae' ? maeLoss : config.loss.kind === 'huber' ? (p: Tensor, t: Tensor) => huberLoss(p, t) : mseLoss;
  const units: Record<string, string> = {};
  for (const t of targets) units[`${t}_mae`] = units[`${t}_rmse`] = qm9Unit(t);
  return {
    model,
    module: model.net.module,
    summary: [
      `data: ${train.length}/${valid.length}/${test.length} molecules (train/valid/test) from ${path}, elements Z = ${stats.species.join(', ')}, ${d.cutoff === null ? 'complete graphs' : `radius graph ${d.cutoff} Å`}, read in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      `targets: ${targets.map((t, j) => `${t} (${stats.references?.[t] ? 'after per-element references, ' : ''}mean ${stats.mean[j].toPrecision(6)}, std ${stats.std[j].toPrecision(4)} ${ENERGY.has(t) ? 'eV' : 'D'})`).join(', ')}`,
      `model: ${config.model.name}, ${model.net.module.numParameters()} parameters; ${config.optimizer.name} lr ${config.optimizer.lr}, batch ${bs}; ${config.loss.kind} loss on normalised targets`,
    ],
    train: override ? null : (_e, rng) => batcher.shuffled(train, bs, rng),
    validation: override ? null : batcher.batches(valid, ebs),
    test: test.length > 0 ? batcher.batches(test, ebs) : null,
    loss: (b) => pointwise(model.normalised(b), model.normalisedTargets(b, config.dtype)),
    metrics: (b) => {
      const pred = model.predict(b);
      const out: Record<string, number> = {};
      targets.forEach((t, j) => {
        const p = Float64Array.from({ length: b.numGraphs }, (_, g) => pred[g * k + j]);
        const y = Float64Array.from({ length: b.numGraphs }, (_, g) => b.y[g * k + j]);
        Object.assign(out, regressionMetrics(t, p, y, { unit: qm9Unit(t), scale: ENERGY.has(t) ? 1000 : 1 }));
      });
      return out;
    },
    weight: (b) => b.numGraphs,
    evalWithGrad: false,
    stats: stats as unknown as Record<string, unknown>,
    units,
  };
}
