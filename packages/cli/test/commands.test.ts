import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradients, neg, noGrad, sum, tensor } from '@equigraph/core';
import { readEgnnNBodyFiles, readExtxyzFile, chargedNBodySplits } from '@equigraph/data';
import { loadWeights, saveWeights } from '@equigraph/layers';
import { EGNN, EGNNVel, GraphIndex } from '@equigraph/models';
import { Batcher, evaluateMse, loadConfig, MODEL_ENTRIES, readNpySplit, selectBackend, type NBodyNet } from '../src/index.js';
import { REPO, run, tmp, toyExtxyz, toyQm9, writeJson } from './helpers.js';

await selectBackend();

describe('equigraph info', () => {
  it('prints the backend chosen and the others', async () => {
    const r = await run('info');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^backend: (cuda|cpu|wasm|reference)$/m);
    expect(r.out).toMatch(/reference\s+priority 100/);
    expect(r.out).toContain('@equigraph/core');
    const j = JSON.parse((await run('info', '--json')).out);
    expect(j.node).toBe(process.version);
    expect(j.backend.backends.length).toBeGreaterThanOrEqual(1);
  });
});

describe('data generate nbody → eval', () => {
  it("writes the authors' .npy layout, which reads back, and eval scores a model on it", async () => {
    const dir = tmp();
    const data = join(dir, 'nbody');
    const g = await run('data', 'generate', 'nbody', '--out', data, '--train', '12', '--valid', '6', '--test', '10', '--seed', '5');
    expect(g.code).toBe(0);
    for (const what of ['loc', 'vel', 'charges', 'edges']) expect(existsSync(join(data, `${what}_test_charged5_initvel1small.npy`))).toBe(true);
    // round trip: the files hold exactly the simulation
    const sim = chargedNBodySplits(5, { numTrain: 12, numValid: 6, numTest: 10 });
    const back = readEgnnNBodyFiles(data, 'test');
    expect(back.numTrajectories).toBe(10);
    expect(Array.from(back.loc)).toEqual(Array.from(sim.test.loc));
    expect(Array.from(back.charges)).toEqual(Array.from(sim.test.charges));

    // a tiny model, saved as plain weights, scored through the CLI and directly
    const config = writeJson(join(dir, 'tiny.json'), { task: 'nbody', model: { name: 'egnn_vel', hidden: 8, layers: 1 }, trainer: { batchSize: 4 } });
    const model = new EGNNVel({ hiddenFeatures: 8, numLayers: 1, seed: 1 });
    saveWeights(model, join(dir, 'w.safetensors'));
    const r = await run('eval', '--weights', join(dir, 'w.safetensors'), '--config', config, '--data', data, '--json');
    expect(r.code).toBe(0);
    const metrics = JSON.parse(r.out);
    const split = readNpySplit(data, 'test', '_charged5_initvel1small', null, { frameIn: 30, frameOut: 40 });
    const net: NBodyNet = { module: model, predict: (b) => model.forward(b.h, b.x, b.graph, b.vel, b.edgeAttr) };
    expect(metrics.mse).toBeCloseTo(evaluateMse(net, new Batcher(5).evalBatches(split, 4)), 10);
    // a config with source 'npy' reads the same files
    const npy = writeJson(join(dir, 'npy.json'), { task: 'nbody', data: { source: 'npy', dir: 'nbody', numTest: 10 }, model: { name: 'egnn_vel', hidden: 8, layers: 1 }, trainer: { batchSize: 4 } });
    const r2 = await run('eval', '--weights', join(dir, 'w.safetensors'), '--config', npy, '--json');
    expect(JSON.parse(r2.out).mse).toBe(metrics.mse);
  });

  it('names a missing .npy directory', async () => {
    const dir = tmp();
    const config = writeJson(join(dir, 'c.json'), { task: 'nbody', model: { name: 'egnn_vel', hidden: 4, layers: 1 } });
    saveWeights(new EGNNVel({ hiddenFeatures: 4, numLayers: 1 }), join(dir, 'w.safetensors'));
    const r = await run('eval', '--weights', join(dir, 'w.safetensors'), '--config', config, '--data', join(dir, 'missing'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('missing: no such directory');
  });

  it('refuses weights of another model shape, naming the parameter', async () => {
    const dir = tmp();
    const config = writeJson(join(dir, 'c.json'), { task: 'nbody', data: { numTest: 4 }, model: { name: 'egnn_vel', hidden: 8, layers: 1 } });
    saveWeights(new EGNNVel({ hiddenFeatures: 4, numLayers: 1 }), join(dir, 'w.safetensors'));
    const r = await run('eval', '--weights', join(dir, 'w.safetensors'), '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/parameter 'embedding\.weight' has shape/);
  });
});

describe('equigraph train', () => {
  const base = { task: 'nbody', seed: 3, data: { numTrain: 20, numValid: 10, numTest: 10 }, model: { name: 'egnn_vel', hidden: 8, layers: 1 }, trainer: { epochs: 2, batchSize: 10, evalEvery: 1, progress: 'none' } };

  it('writes checkpoint, metrics, learning curve; --resume continues to the same numbers as one straight run', async () => {
    const dir = tmp();
    const config = writeJson(join(dir, 'tiny.json'), base);
    const a = join(dir, 'a');
    let r = await run('train', '--config', config, '--run-dir', a);
    expect(r.code, r.err).toBe(0);
    for (const f of ['checkpoint.safetensors', 'best.safetensors', 'model.safetensors', 'metrics.jsonl', 'learning-curve.svg', 'config.json', 'results.json']) expect(existsSync(join(a, f)), f).toBe(true);
    expect(readFileSync(join(a, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(a, 'learning-curve.svg'), 'utf8')).toMatch(/^<svg/);
    // a second plain train into the same directory is refused
    r = await run('train', '--config', config, '--run-dir', a);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass --resume');
    r = await run('train', '--config', config, '--run-dir', a, '--resume', '--epochs', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('resumed');
    const lines = readFileSync(join(a, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    const b = join(dir, 'b');
    r = await run('train', '--config', config, '--run-dir', b, '--epochs', '3');
    expect(r.code, r.err).toBe(0);
    const straight = readFileSync(join(b, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.train_loss)).toEqual(straight.map((l) => l.train_loss));
    expect(lines.map((l) => l.val_loss)).toEqual(straight.map((l) => l.val_loss));
    // eval of the run directory reproduces results.json
    const results = JSON.parse(readFileSync(join(a, 'results.json'), 'utf8'));
    const e = await run('eval', '--run-dir', a, '--json');
    expect(JSON.parse(e.out).mse).toBeCloseTo(results.test.mse, 12);
    // --weights picks the file within a run directory (it was once ignored there)
    const missing = await run('eval', '--run-dir', a, '--weights', join(dir, 'nope.safetensors'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope.safetensors');
  });

  it('puts runs without runDir in runs/<name>/version_<k>', async () => {
    const dir = tmp();
    const config = writeJson(join(dir, 'v.json'), { ...base, trainer: { ...base.trainer, epochs: 1 } });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await run('train', '-c', config)).code).toBe(0);
      expect((await run('train', '-c', config)).code).toBe(0);
      expect(existsSync(join(dir, 'runs', 'v', 'version_1', 'checkpoint.safetensors'))).toBe(true);
      const r = await run('train', '-c', config, '--resume', '--epochs', '2');
      expect(r.err).toContain(join('runs', 'v', 'version_1'));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('equigraph predict', () => {
  it('energy-forces: the extxyz it writes holds what the model gives when called directly', async () => {
    const dir = tmp();
    const data = toyExtxyz(join(dir, 'toy.extxyz'), 24);
    const config = writeJson(join(dir, 'ef.json'), {
      task: 'energy-forces',
      dtype: 'float64',
      data: { path: 'toy.extxyz', numTrain: 16, numValid: 4, cutoff: 3 },
      model: { name: 'egnn', hidden: 8, layers: 2 },
      trainer: { epochs: 1, batchSize: 4, progress: 'none' },
      runDir: join(dir, 'run'),
    });
    let r = await run('train', '--config', config);
    expect(r.code, r.err).toBe(0);
    const input = toyExtxyz(join(dir, 'in.extxyz'), 3, 99);
    r = await run('predict', '--weights', join(dir, 'run', 'model.safetensors'), input, '--out', join(dir, 'out.extxyz'));
    expect(r.code, r.err).toBe(0);
    const out = readExtxyzFile(join(dir, 'out.extxyz'));
    // direct: the library model with the run's weights and shift/scale
    const run0 = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8'));
    const { e0, scale, species } = run0.stats;
    expect(species).toEqual([1, 8]);
    // the CLI's default EGNN for energies and forces: 32 Gaussians of the distance up to the data cutoff, summed coordinate messages
    const model = new EGNN({ inFeatures: 2, hiddenFeatures: 8, numLayers: 2, graphHead: { outFeatures: 1, pooling: 'sum' }, radial: { basis: 'gaussian', numBasis: 32, cutoff: 3 }, coordsAgg: 'sum', dtype: 'float64', seed: 1 });
    loadWeights(model, join(dir, 'run', 'model.safetensors'));
    model.eval();
    readExtxyzFile(input).forEach((f, i) => {
      const n = f.atomicNumbers!.length;
      const onehot = tensor(Float64Array.from({ length: 2 * n }, (_, k) => (species[k % 2] === f.atomicNumbers![Math.floor(k / 2)] ? 1 : 0)), [n, 2], { dtype: 'float64' });
      const pos = tensor(f.positions, [n, 3], { dtype: 'float64' }).withGrad();
      const src: number[] = [];
      const dst: number[] = [];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) (src.push(b), dst.push(a));
      const graph = new GraphIndex(n, Int32Array.from(dst), Int32Array.from(src));
      const E = model.predictGraph(onehot, pos, graph, { nodeGraph: new Int32Array(n), numGraphs: 1 }).mul(scale).add(e0 * n);
      const F = neg(gradients(sum(E), [pos])[0]!);
      expect(out[i].targets.energy as number).toBeCloseTo(E.item(), 9);
      const Fo = out[i].nodeTargets!.forces;
      Array.from(F.dataSync()).forEach((v, k) => expect(Fo[k]).toBeCloseTo(v, 9));
    });
    // the table form prints the same energies
    r = await run('predict', '--run-dir', join(dir, 'run'), input);
    expect(r.code).toBe(0);
    expect(r.out).toContain('energy [eV]');
    expect(r.out.split('\n')).toHaveLength(2 + 3);
    void noGrad;
  });

  it('qm9: one model for several targets; predict prints the properties', async () => {
    const dir = tmp();
    toyQm9(join(dir, 'qm9.xyz'), 12);
    const config = writeJson(join(dir, 'q.json'), {
      task: 'qm9',
      data: { path: 'qm9.xyz', targets: ['HOMO', 'gap', 'dipole'], numTrain: 8, numValid: 2 },
      model: { name: 'egnn', hidden: 8, layers: 1 },
      trainer: { epochs: 2, batchSize: 4, progress: 'none' },
      runDir: join(dir, 'run'),
    });
    let r = await run('train', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/test \(best weights\): homo_mae/);
    r = await run('predict', '--run-dir', join(dir, 'run'), join(dir, 'qm9.xyz'));
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/homo \[eV\]\s+gap \[eV\]\s+mu \[D\]/);
    expect(r.out.split('\n')).toHaveLength(2 + 12);
  });

  it('nbody models are not for predict', async () => {
    const dir = tmp();
    const config = writeJson(join(dir, 'c.json'), { task: 'nbody', model: { name: 'egnn_vel', hidden: 4, layers: 1 } });
    saveWeights(new EGNNVel({ hiddenFeatures: 4, numLayers: 1 }), join(dir, 'w.safetensors'));
    const r = await run('predict', '--weights', join(dir, 'w.safetensors'), '--config', config, toyExtxyz(join(dir, 'x.extxyz'), 1));
    expect(r.code).toBe(1);
    expect(r.err).toContain("score N-body models with 'equigraph eval'");
  });
});

describe('model registry', () => {
  it.each(MODEL_ENTRIES.map((e) => e.name))('%s builds and runs for each task family it declares', (name) => {
    const entry = MODEL_ENTRIES.find((e) => e.name === name)!;
    const opts = (entry.options as { parse(v: unknown): Record<string, unknown> }).parse({ name, hidden: 8, layers: 1 });
    if (entry.nbody) {
      const net = entry.nbody(opts as never, { dtype: 'float32', seed: 0 });
      const split = { loc: new Float64Array(30).map((_, i) => Math.sin(i)), vel: new Float64Array(30).map((_, i) => Math.cos(i)), charges: Float64Array.of(1, -1, 1, 1, -1, -1), target: new Float64Array(30), numSamples: 2, numBodies: 3 };
      const b = new Batcher(3).batch(split, [0, 1]);
      expect(noGrad(() => net.predict(b)).shape).toEqual([6, 3]);
    }
    if (entry.graph) {
      const net = entry.graph(opts as never, { dtype: 'float32', seed: 0, species: [1, 8], numOutputs: 1, cutoff: 3, task: 'energy-forces', avgNumNeighbors: 2 });
      const src = Int32Array.of(1, 2, 0, 0);
      const dst = Int32Array.of(0, 0, 1, 2);
      const out = noGrad(() =>
        net.predict({
          z: Int32Array.of(8, 1, 1),
          onehot: tensor([[0, 1], [1, 0], [1, 0]]),
          pos: tensor([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]]),
          graph: new GraphIndex(3, dst, src),
          assignment: { nodeGraph: new Int32Array(3), numGraphs: 1 },
        }),
      );
      expect(out.shape).toEqual([1, 1]);
    }
  });
});

describe('subprocess', () => {
  it('runs as a program: npx tsx --conditions=source packages/cli/src/bin.ts', () => {
    const bin = ['tsx', '--conditions=source', 'packages/cli/src/bin.ts'];
    let p = spawnSync('npx', [...bin, 'config', 'validate', 'configs/nbody-egnn-small.json'], { cwd: REPO, encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toContain('configs/nbody-egnn-small.json: ok');
    p = spawnSync('npx', [...bin, 'eval', '--run-dir', 'no/such/run'], { cwd: REPO, encoding: 'utf8' });
    expect(p.status).toBe(1);
    expect(p.stderr.trim()).toBe('error: no/such/run: no config.json (is this a run directory of \'equigraph train\'?)');
    p = spawnSync('npx', [...bin, 'frobnicate'], { cwd: REPO, encoding: 'utf8' });
    expect(p.status).toBe(1);
    expect(p.stderr).toContain("unknown command 'frobnicate'");
  });
});

void loadConfig;
void REPO;
