import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ELEMENT_SYMBOLS, readExtxyz, readXyz, writeExtxyz, type Graph, type XyzFrame } from '@equigraph/data';
import { selectBackend } from '../backends.js';
import { loadConfig, type EnergyForcesConfig, type LoadedConfig, type Qm9Config } from '../config.js';
import { UserError } from '../errors.js';
import { formatTable, type CliIO } from '../io.js';
import { loadInto, prepareTask, resolveModelSource } from '../run.js';
import { AtomsBatcher, structureEdges, type Structure } from '../tasks/atoms.js';
import { buildEnergyForceModel, type EnergyForcesStats } from '../tasks/energy-forces.js';
import { buildQm9Model, qm9Structures, readQm9Molecules, type Qm9Stats } from '../tasks/qm9.js';
import type { PreparedTask } from '../tasks/types.js';

export interface PredictOptions {
  runDir?: string;
  weights?: string;
  config?: string;
  out?: string;
  perAtom?: boolean;
  backend?: string;
  batchSize?: number;
}

export interface Prediction {
  frames: XyzFrame[];
  /** Graph-level outputs per frame (energy, or the QM9 targets). */
  values: Record<string, number>[];
  /** Forces per frame `[n, 3]` (energy-forces). */
  forces?: Float64Array[];
  units: Record<string, string>;
}

/** Reads xyz / extxyz (or a QM9-format file): structures with positions and elements. */
export function readStructures(path: string): XyzFrame[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code})`);
  }
  const second = text.split(/\r?\n/, 2)[1] ?? '';
  if (/^\s*gdb\s/.test(second)) return readQm9Molecules(path);
  const frames = second.includes('=') || extname(path) === '.extxyz' ? readExtxyz(text, path) : readXyz(text, path);
  if (frames.length === 0) throw new UserError(`${path}: no structures`);
  frames.forEach((f, i) => {
    if (!f.atomicNumbers) throw new UserError(`${path}: structure ${i + 1} has species that are not element symbols`);
  });
  return frames;
}

const formula = (z: Int32Array) => {
  const counts = new Map<number, number>();
  for (const v of z) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => (a[0] === 6 ? -1 : b[0] === 6 ? 1 : a[0] === 1 ? -1 : b[0] === 1 ? 1 : a[0] - b[0])).map(([v, c]) => `${ELEMENT_SYMBOLS[v]}${c > 1 ? c : ''}`).join('');
};

/** Runs the model of a run / weights file on structures. */
export async function predictStructures(loaded: LoadedConfig, weights: ReturnType<typeof resolveModelSource>['weights'], stats: Record<string, unknown> | undefined, frames: XyzFrame[], io: CliIO, batchSize = 32): Promise<Prediction> {
  const config = loaded.config;
  if (config.task === 'nbody') throw new UserError("predict works on molecular tasks (energy-forces, qm9); score N-body models with 'equigraph eval'");
  let resolvedStats = stats && Object.keys(stats).length > 0 ? stats : undefined;
  if (!resolvedStats) {
    io.err(`note: the weights carry no normalisation constants; computing them from the config's training data`);
    resolvedStats = (prepareTask(loaded, io) as PreparedTask<unknown>).stats;
  }
  if (config.task === 'energy-forces') {
    const s = resolvedStats as unknown as EnergyForcesStats;
    const model = buildEnergyForceModel(config as EnergyForcesConfig, s);
    loadInto({ module: model.net.module } as PreparedTask<unknown>, weights);
    model.net.module.eval();
    const structures: Structure[] = frames.map((f) => ({ z: f.atomicNumbers!, pos: f.positions, edges: structureEdges(f.positions, config.data.cutoff), y: Float64Array.of(NaN) }));
    const batcher = new AtomsBatcher(s.species, config.dtype);
    const values: Record<string, number>[] = [];
    const forces: Float64Array[] = [];
    for (const b of batcher.batches(structures, batchSize)) {
      const out = model.energyAndForces(b, false);
      const e = out.energy.dataSync();
      const f = out.forces.dataSync();
      let o = 0;
      for (let g = 0; g < b.numGraphs; g++) {
        values.push({ energy: e[g] });
        forces.push(Float64Array.from(f.subarray(3 * o, 3 * (o + b.numAtoms[g]))));
        o += b.numAtoms[g];
      }
    }
    const unit = config.data.energyUnit;
    return { frames, values, forces, units: { energy: unit, forces: `${unit}/Å` } };
  }
  const s = resolvedStats as unknown as Qm9Stats;
  const model = buildQm9Model(config as Qm9Config, s);
  loadInto({ module: model.net.module } as PreparedTask<unknown>, weights);
  model.net.module.eval();
  const structures = qm9Structures(frames, s.targets, (config as Qm9Config).data.cutoff, 'input').map((st) => ({ ...st, y: new Float64Array(s.targets.length) }));
  const batcher = new AtomsBatcher(s.species, config.dtype);
  const values: Record<string, number>[] = [];
  for (const b of batcher.batches(structures, batchSize)) {
    const p = model.predict(b);
    for (let g = 0; g < b.numGraphs; g++) values.push(Object.fromEntries(s.targets.map((t, j) => [t, p[g * s.targets.length + j]])));
  }
  return { frames, values, units: Object.fromEntries(s.targets.map((t) => [t, t === 'mu' ? 'D' : 'eV'])) };
}

/** `equigraph predict`. */
export async function predictCommand(io: CliIO, file: string, o: PredictOptions): Promise<Prediction> {
  const given = o.config ? loadConfig(o.config) : undefined;
  const src = resolveModelSource({ runDir: o.runDir, weights: o.weights, config: given });
  await selectBackend(o.backend ?? src.loaded.config.backend, src.loaded.config.threads);
  const frames = readStructures(file);
  const p = await predictStructures(src.loaded, src.weights, src.stats, frames, io, o.batchSize);
  if (o.out) {
    const graphs: Graph[] = frames.map((f, i) => {
      const g: XyzFrame = { positions: f.positions, species: f.species ?? Array.from(f.atomicNumbers!, (z) => ELEMENT_SYMBOLS[z]), targets: { ...p.values[i] }, info: { ...f.info } };
      delete g.info.comment;
      if (p.forces) g.nodeTargets = { forces: p.forces[i] };
      if (f.cell) g.cell = f.cell;
      if (f.pbc) g.pbc = f.pbc;
      return g;
    });
    writeFileSync(o.out, writeExtxyz(graphs));
    io.err(`wrote ${frames.length} structures with predicted ${Object.keys(p.values[0]).join(', ')}${p.forces ? ' and forces' : ''} to ${o.out}`);
    return p;
  }
  const keys = Object.keys(p.values[0]);
  const header = ['structure', 'atoms', 'formula', ...keys.map((k) => `${k} [${p.units[k]}]`)];
  if (p.forces) header.push(`max |F| [${p.units.forces}]`);
  const rows = frames.map((f, i) => {
    const r: (string | number)[] = [i + 1, f.atomicNumbers!.length, formula(f.atomicNumbers!), ...keys.map((k) => p.values[i][k])];
    if (p.forces) {
      const F = p.forces[i];
      let m = 0;
      for (let a = 0; a < F.length / 3; a++) m = Math.max(m, Math.hypot(F[3 * a], F[3 * a + 1], F[3 * a + 2]));
      r.push(m);
    }
    return r;
  });
  io.out(formatTable(header, rows));
  if (o.perAtom && p.forces) {
    const atomRows: (string | number)[][] = [];
    frames.forEach((f, i) => {
      for (let a = 0; a < f.atomicNumbers!.length; a++) atomRows.push([i + 1, a + 1, ELEMENT_SYMBOLS[f.atomicNumbers![a]], p.forces![i][3 * a], p.forces![i][3 * a + 1], p.forces![i][3 * a + 2]]);
    });
    io.out('');
    io.out(formatTable(['structure', 'atom', 'element', `Fx [${p.units.forces}]`, `Fy [${p.units.forces}]`, `Fz [${p.units.forces}]`], atomRows));
  }
  return p;
}
