// The molecular models of the registry through the CLI: the NequIP-style network (energy-forces
// training, predict = the library model with the run's weights and constants, several QM9
// targets), LEFTNet with several QM9 targets, and the EGNN radial-embedding option.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradients, neg, noGrad, sum, tensor } from '@equigraph/core';
import { readExtxyzFile } from '@equigraph/data';
import { loadWeights } from '@equigraph/layers';
import { EGNN, LEFTNet, NequIP, GraphIndex } from '@equigraph/models';
import { buildEnergyForceModel, buildQm9Model, MODEL_ENTRIES, parseConfig, selectBackend, type EnergyForcesConfig, type Qm9Config } from '../src/index.js';
import { run, tmp, toyExtxyz, toyQm9, writeJson } from './helpers.js';

await selectBackend();

const metricsOf = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

describe('model registry', () => {
  const inputs = () => ({
    z: Int32Array.of(8, 1, 1),
    onehot: tensor([[0, 1], [1, 0], [1, 0]]),
    pos: tensor([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]]),
    graph: new GraphIndex(3, Int32Array.of(0, 0, 1, 2), Int32Array.of(1, 2, 0, 0)),
    assignment: { nodeGraph: new Int32Array(3), numGraphs: 1 },
  });
  const graphModels = MODEL_ENTRIES.filter((e) => e.graph).map((e) => e.name);

  it('registers egnn, leftnet and nequip for the molecular tasks', () => {
    expect(graphModels).toEqual(['egnn', 'leftnet', 'nequip']);
  });

  it.each(graphModels)('%s gives one output per target for energy-forces (1) and qm9 (3)', (name) => {
    const entry = MODEL_ENTRIES.find((e) => e.name === name)!;
    const opts = (entry.options as { parse(v: unknown): Record<string, unknown> }).parse({ name, hidden: 8, layers: 1 });
    for (const [task, k] of [['energy-forces', 1], ['qm9', 3]] as const) {
      const net = entry.graph!(opts as never, { dtype: 'float32', seed: 0, species: [1, 8], numOutputs: k, cutoff: 3, task, avgNumNeighbors: 1.3 });
      expect(noGrad(() => net.predict(inputs())).shape).toEqual([1, k]);
    }
  });
});

describe('egnn: radial embedding', () => {
  const ef = (model: Record<string, unknown>) => parseConfig({ task: 'energy-forces', data: { path: 'x.extxyz' }, model: { name: 'egnn', hidden: 8, layers: 2, ...model } }) as EnergyForcesConfig;
  const qm9 = (model: Record<string, unknown>) => parseConfig({ task: 'qm9', data: { path: 'x.xyz', targets: ['homo'] }, model: { name: 'egnn', hidden: 8, layers: 2, ...model } }) as Qm9Config;
  const efStats = { species: [1, 8], e0: -5, scale: 1.2, avgNumNeighbors: 2 };
  const qStats = { species: [1, 8], targets: ['homo' as const], mean: [0], std: [1] };
  const layer0 = (m: { net: { module: unknown } }) => (m.net.module as EGNN).layers[0];

  it("auto: Gaussians (32) and summed coordinate messages for energy-forces; the authors' EGNN for qm9", () => {
    const auto = buildEnergyForceModel(ef({}), efStats);
    expect((auto.net.module as EGNN).radial?.basis.constructor.name).toBe('GaussianBasis');
    expect(layer0(auto).edgeFeatures).toBe(32);
    expect(layer0(auto).coordsAgg).toBe('sum');
    const authors = buildQm9Model(qm9({}), qStats);
    expect((authors.net.module as EGNN).radial).toBeUndefined();
    expect(layer0(authors).edgeFeatures).toBe(0);
    expect(layer0(authors).coordsAgg).toBe('mean');
  });

  it('explicit choices win: none for energy-forces, bessel for qm9, the radial cutoff and the aggregation', () => {
    const none = buildEnergyForceModel(ef({ radial: 'none' }), efStats);
    expect(layer0(none).edgeFeatures).toBe(0);
    expect(layer0(none).coordsAgg).toBe('mean');
    const bessel = buildQm9Model(qm9({ radial: 'bessel', numRadial: 6, radialCutoff: 4, coordsAgg: 'mean' }), qStats);
    const m = bessel.net.module as EGNN;
    expect(m.radial?.basis.constructor.name).toBe('BesselBasis');
    expect(m.radial?.cutoff).toBe(4);
    expect(layer0(bessel).edgeFeatures).toBe(6);
    expect(layer0(bessel).coordsAgg).toBe('mean');
  });
});

describe('egnn runs saved before the radial option', () => {
  it("a run record without model.radial is the authors' EGNN: eval and predict of such a run still load its weights", async () => {
    const dir = tmp();
    toyExtxyz(join(dir, 'toy.extxyz'), 16);
    const config = writeJson(join(dir, 'old.json'), {
      task: 'energy-forces',
      data: { path: 'toy.extxyz', numTrain: 8, numValid: 4, cutoff: 3 },
      model: { name: 'egnn', hidden: 8, layers: 1, radial: 'none' },
      trainer: { epochs: 1, batchSize: 4, progress: 'none' },
      runDir: join(dir, 'run'),
    });
    expect((await run('train', '--config', config)).code).toBe(0);
    // what an earlier version wrote: no radial embedding fields (and no neighbour count)
    const recordPath = join(dir, 'run', 'config.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    for (const k of ['radial', 'numRadial', 'radialCutoff', 'coordsAgg']) delete record.config.model[k];
    delete record.stats.avgNumNeighbors;
    writeFileSync(recordPath, JSON.stringify(record));
    unlinkSync(join(dir, 'run', 'model.safetensors')); // the weights come from best.safetensors and the config from config.json
    const results = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8'));
    const e = await run('eval', '--run-dir', join(dir, 'run'), '--json');
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).forces_mae).toBeCloseTo(results.test.forces_mae, 9);
    // a user config without the field gets the new default
    expect(parseConfig({ task: 'energy-forces', data: { path: 'x' }, model: { name: 'egnn' } }).model).toMatchObject({ radial: 'auto' });
  });
});

describe('nequip through the CLI', () => {
  it('energy-forces: training lowers the loss; predict equals the library model with the run weights, shift, scale and neighbour count', async () => {
    const dir = tmp();
    toyExtxyz(join(dir, 'toy.extxyz'), 30);
    const model = { name: 'nequip', hidden: 4, lmax: 1, layers: 2, numBasis: 4, radialHidden: [8] };
    const config = writeJson(join(dir, 'nq.json'), {
      task: 'energy-forces',
      dtype: 'float64',
      data: { path: 'toy.extxyz', numTrain: 20, numValid: 5, cutoff: 3 },
      model,
      optimizer: { lr: 0.01 },
      trainer: { epochs: 6, batchSize: 4, progress: 'none' },
      runDir: join(dir, 'run'),
    });
    let r = await run('train', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('model: nequip');
    const m = metricsOf(join(dir, 'run'));
    expect(m[5].train_loss).toBeLessThan(0.5 * m[0].train_loss);
    expect(m[5].val_forces_mae).toBeLessThan(0.5 * m[0].val_forces_mae);

    const input = toyExtxyz(join(dir, 'in.extxyz'), 3, 77);
    r = await run('predict', '--run-dir', join(dir, 'run'), input, '--out', join(dir, 'out.extxyz'));
    expect(r.code, r.err).toBe(0);
    const out = readExtxyzFile(join(dir, 'out.extxyz'));
    const { e0, scale, species, avgNumNeighbors } = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')).stats;
    expect(species).toEqual([1, 8]);
    expect(avgNumNeighbors).toBe(2); // complete graphs of 3 atoms
    const direct = new NequIP({ numTypes: 2, mul: 4, lmax: 1, numLayers: 2, numBasis: 4, radialHidden: [8], cutoff: 3, avgNumNeighbors, dtype: 'float64', seed: 1 });
    loadWeights(direct, join(dir, 'run', 'model.safetensors'));
    readExtxyzFile(input).forEach((f, i) => {
      const n = f.atomicNumbers!.length;
      const src: number[] = [];
      const dst: number[] = [];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) (src.push(b), dst.push(a));
      const pos = tensor(f.positions, [n, 3], { dtype: 'float64' }).withGrad();
      const E = direct.energy({ positions: pos, atomTypes: Int32Array.from(f.atomicNumbers!, (z) => species.indexOf(z)), edgeIndex: Int32Array.from([...src, ...dst]) }).mul(scale).add(e0 * n);
      const F = neg(gradients(sum(E), [pos])[0]!).dataSync();
      expect(out[i].targets.energy as number).toBeCloseTo(E.item(), 9);
      Array.from(F).forEach((v, k) => expect(out[i].nodeTargets!.forces[k]).toBeCloseTo(v, 9));
    });
  });

  it.each([
    ['nequip', { hidden: 4, lmax: 1, layers: 1, numBasis: 4, radialHidden: [8], pooling: 'mean' }],
    ['leftnet', { hidden: 8, layers: 1, numRadial: 4 }],
  ])('qm9: %s predicts several targets with one model', async (name, options) => {
    const dir = tmp();
    toyQm9(join(dir, 'qm9.xyz'), 12);
    const config = writeJson(join(dir, 'q.json'), {
      task: 'qm9',
      data: { path: 'qm9.xyz', targets: ['U0', 'HOMO', 'dipole'], numTrain: 8, numValid: 2, cutoff: 3 },
      model: { name, ...options },
      trainer: { epochs: 2, batchSize: 4, progress: 'none' },
      runDir: join(dir, 'run'),
    });
    let r = await run('train', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/test \(best weights\): U0_mae .* homo_mae .* mu_mae/);
    r = await run('predict', '--run-dir', join(dir, 'run'), join(dir, 'qm9.xyz'));
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/U0 \[eV\]\s+homo \[eV\]\s+mu \[D\]/);
    if (name === 'leftnet') {
      const m = new LEFTNet({ hiddenChannels: 8, numLayers: 1, numRadial: 4, cutoff: 3, numOutputs: 3, dtype: 'float32', seed: 1 });
      loadWeights(m, join(dir, 'run', 'model.safetensors'));
      expect(m.lastLayer.outFeatures).toBe(3);
    }
  });
});
