/**
 * Energies and forces of molecules (MD17-style extxyz): E = scale · model + e0 · n_atoms,
 * F = −∂E/∂x by autograd; loss = energyWeight · ℓ(E) + forceWeight · ℓ(F) (energyForceLoss).
 * e0 is the mean energy per atom and scale the RMS force component of the training set
 * (NequIP-style shift and scale; both saved with the run).
 */
import { gradients, neg, noGrad, Rng, sum, tensor, type Tensor } from '@equigraph/core';
import { readExtxyzFile, type XyzFrame } from '@equigraph/data';
import { energyForceLoss, regressionMetrics } from '@equigraph/train';
import { resolveDataPath, type EnergyForcesConfig, type LoadedConfig } from '../config.js';
import { UserError } from '../errors.js';
import { findModel, type GraphNet } from '../models.js';
import { AtomsBatcher, meanNeighbours, speciesOf, splitStructures, structureEdges, type AtomsBatch, type Structure } from './atoms.js';
import type { DataOverride, PreparedTask } from './types.js';

export interface EnergyForcesStats {
  species: number[];
  /** Mean energy per atom of the training set. */
  e0: number;
  /** RMS force component of the training set. */
  scale: number;
  /** Mean number of neighbours per atom of the training set (models that normalise their convolutions by it); absent in runs of older versions. */
  avgNumNeighbors?: number;
}

/** Frames of an extxyz file as structures with energy and forces. */
export function readEnergyForces(path: string, energyKey: string, forcesKey: string, cutoff: number | null, requireLabels = true): { structures: Structure[]; frames: XyzFrame[] } {
  const frames = readExtxyzFile(path, { nodeTargetKeys: [forcesKey] });
  if (frames.length === 0) throw new UserError(`${path}: no frames`);
  const structures = frames.map((f, i) => {
    if (!f.atomicNumbers) throw new UserError(`${path}: frame ${i + 1} has species that are not element symbols (${(f.species ?? []).slice(0, 3).join(', ')})`);
    const e = f.targets[energyKey];
    const forces = f.nodeTargets?.[forcesKey];
    if (requireLabels && typeof e !== 'number') throw new UserError(`${path}: frame ${i + 1} has no '${energyKey}=' on its comment line (data.energyKey)`);
    if (requireLabels && !forces) throw new UserError(`${path}: frame ${i + 1} has no '${forcesKey}' column in Properties (data.forcesKey)`);
    return {
      z: f.atomicNumbers,
      pos: f.positions,
      edges: structureEdges(f.positions, cutoff),
      y: Float64Array.of(typeof e === 'number' ? e : NaN),
      forces: forces ?? new Float64Array(f.positions.length).fill(NaN),
    };
  });
  return { structures, frames };
}

export function energyForcesStats(train: Structure[]): EnergyForcesStats {
  let perAtom = 0;
  let f2 = 0;
  let nf = 0;
  for (const s of train) {
    perAtom += s.y[0] / s.z.length;
    for (const f of s.forces!) {
      f2 += f * f;
      nf++;
    }
  }
  const scale = Math.sqrt(f2 / Math.max(nf, 1));
  return { species: speciesOf(train), e0: perAtom / train.length, scale: scale > 0 ? scale : 1, avgNumNeighbors: meanNeighbours(train) };
}

/** A graph model turned into E = scale · out + e0 · n and F = −∂E/∂x. */
export class EnergyForceModel {
  constructor(
    readonly net: GraphNet,
    readonly stats: EnergyForcesStats,
  ) {}

  energy(b: AtomsBatch, pos: Tensor): Tensor {
    const raw = this.net.predict({ ...b.inputs, pos });
    const shift = tensor(Float64Array.from(b.numAtoms, (n) => n * this.stats.e0), [b.numGraphs, 1], { dtype: raw.dtype });
    return raw.mul(this.stats.scale).add(shift);
  }

  /** Energies `[B, 1]` and forces `[N, 3]`; `createGraph` keeps the forces differentiable (training). */
  energyAndForces(b: AtomsBatch, createGraph: boolean): { energy: Tensor; forces: Tensor } {
    const pos = b.inputs.pos.withGrad();
    const energy = this.energy(b, pos);
    const [g] = gradients(sum(energy), [pos], { createGraph });
    return { energy, forces: g ? neg(g) : tensor(new Float64Array(pos.size), pos.shape, { dtype: pos.dtype }) };
  }
}

export function buildEnergyForceModel(config: EnergyForcesConfig, stats: EnergyForcesStats): EnergyForceModel {
  const entry = findModel(config.model.name as string);
  if (!entry.graph) throw new UserError(`model '${entry.name}' does not support task 'energy-forces'`);
  const net = entry.graph(config.model as never, { dtype: config.dtype, seed: config.seed, species: stats.species, numOutputs: 1, cutoff: config.data.cutoff, task: 'energy-forces', avgNumNeighbors: stats.avgNumNeighbors ?? 1 });
  return new EnergyForceModel(net, stats);
}

export function prepareEnergyForces(
  loaded: LoadedConfig,
  config: EnergyForcesConfig,
  override?: DataOverride,
  savedStats?: EnergyForcesStats,
): PreparedTask<AtomsBatch> & { model: EnergyForceModel } {
  const d = config.data;
  const t0 = performance.now();
  const path = override?.path ?? resolveDataPath(loaded, d.path);
  const { structures } = readEnergyForces(path, d.energyKey, d.forcesKey, d.cutoff);
  const { train, valid, test } = splitStructures(structures, d, new Rng(d.splitSeed ?? config.seed), path, override);
  const stats = savedStats ?? energyForcesStats(train);
  const model = buildEnergyForceModel(config, stats);
  const batcher = new AtomsBatcher(stats.species, config.dtype);
  const bs = config.trainer.batchSize;
  const ebs = config.trainer.evalBatchSize ?? bs;
  const meV = d.energyUnit === 'eV';
  const unitE = meV ? 'meV' : d.energyUnit;
  const unitF = `${unitE}/Å`;
  const lossOpts = { energyWeight: config.loss.energyWeight, forceWeight: config.loss.forceWeight, perAtom: config.loss.perAtom, loss: config.loss.kind };
  const targetsOf = (b: AtomsBatch) => ({
    energy: tensor(b.y, [b.numGraphs, 1], { dtype: config.dtype }),
    forces: tensor(b.forces!, [b.forces!.length / 3, 3], { dtype: config.dtype }),
  });
  const summary = [
    `data: ${train.length}/${valid.length}/${test.length} structures (train/valid/test) from ${path}, elements Z = ${stats.species.join(', ')}, ${d.cutoff === null ? 'complete graphs' : `radius graph ${d.cutoff} Å`}, read in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    `energy shift ${stats.e0.toPrecision(8)} ${d.energyUnit}/atom, scale ${stats.scale.toPrecision(6)} ${d.energyUnit} (RMS force component)`,
    `model: ${config.model.name}, ${model.net.module.numParameters()} parameters; ${config.optimizer.name} lr ${config.optimizer.lr}, batch ${bs}; loss ${config.loss.kind}, energy × ${config.loss.energyWeight}${config.loss.perAtom ? ' (per atom)' : ''} + forces × ${config.loss.forceWeight}`,
  ];
  return {
    model,
    module: model.net.module,
    summary,
    train: override ? null : (_e, rng) => batcher.shuffled(train, bs, rng),
    validation: override ? null : batcher.batches(valid, ebs),
    test: test.length > 0 ? batcher.batches(test, ebs) : null,
    loss: (b, ctx) => {
      const pred = model.energyAndForces(b, ctx.training);
      return energyForceLoss(pred, targetsOf(b), { ...lossOpts, numAtoms: b.numAtoms });
    },
    metrics: (b) => {
      const pred = model.energyAndForces(b, false);
      return noGrad(() => ({
        ...regressionMetrics('energy', pred.energy, b.y, { unit: unitE, scale: meV ? 1000 : 1 }),
        ...regressionMetrics('forces', pred.forces, b.forces!, { unit: unitF, scale: meV ? 1000 : 1 }),
      }));
    },
    weight: (b) => b.numGraphs,
    evalWithGrad: true,
    stats: stats as unknown as Record<string, unknown>,
    units: { energy_mae: unitE, energy_rmse: unitE, forces_mae: unitF, forces_rmse: unitF },
  };
}
