import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIO, configReference, loadConfig, MODEL_ENTRIES, parseConfig, prepareTask, resolveDataPath, selectBackend } from '../src/index.js';
import { REPO, run, tmp, writeJson } from './helpers.js';

const CONFIGS = readdirSync(join(REPO, 'configs')).filter((f) => f.endsWith('.json'));

describe('configs', () => {
  it('ships the N-body configs', () => {
    expect(CONFIGS).toContain('nbody-egnn-small.json');
    expect(CONFIGS).toContain('nbody-egnn-paper.json');
  });

  it.each(CONFIGS)('configs/%s validates', (file) => {
    const { config } = loadConfig(join(REPO, 'configs', file));
    expect(config.name).toBe(file.replace(/\.json$/, ''));
  });

  it('ships the reproduction configs of the molecular tasks (EGNN, LEFTNet, NequIP)', () => {
    for (const f of ['md-ethanol-egnn', 'md-ethanol-leftnet', 'md-ethanol-nequip', 'qm9-egnn', 'qm9-leftnet']) expect(CONFIGS).toContain(`${f}.json`);
  });

  const molecular = CONFIGS.filter((f) => loadConfig(join(REPO, 'configs', f)).config.task !== 'nbody');

  it.each(molecular)('configs/%s: its data file exists, and its model builds and scores a validation batch', async (file) => {
    await selectBackend();
    const loaded = loadConfig(join(REPO, 'configs', file));
    const c = loaded.config;
    if (c.task === 'nbody') throw new Error('task');
    expect(existsSync(resolveDataPath(loaded, c.data.path)), c.data.path).toBe(true);
    const task = prepareTask(loaded, bufferIO());
    expect(task.module.numParameters()).toBeGreaterThan(1000);
    const metrics = task.metrics(task.validation![0], false);
    for (const [k, v] of Object.entries(metrics)) expect(Number.isFinite(v), k).toBe(true);
  });

  it('configs/nbody-egnn-paper.json is the paper setup', () => {
    const { config } = loadConfig(join(REPO, 'configs', 'nbody-egnn-paper.json'));
    if (config.task !== 'nbody') throw new Error('task');
    expect(config.data).toMatchObject({ numTrain: 3000, frameIn: 30, frameOut: 40 });
    expect(config.model).toMatchObject({ name: 'egnn_vel', hidden: 64, layers: 4 });
    expect(config.optimizer).toMatchObject({ name: 'adam', lr: 5e-4 });
    expect(config.trainer.batchSize).toBe(100);
  });

  it('`config validate` accepts every shipped config', async () => {
    const r = await run('config', 'validate', ...CONFIGS.map((f) => join(REPO, 'configs', f)));
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(CONFIGS.length);
  });

  it('fills every default', () => {
    const c = parseConfig({ task: 'nbody' });
    expect(c).toMatchObject({ seed: 1, dtype: 'float32', model: { name: 'egnn_vel', hidden: 64, layers: 4 }, trainer: { batchSize: 100 } });
    const q = parseConfig({ task: 'qm9', data: { path: 'x', targets: ['HOMO', 'dipole'] } });
    if (q.task !== 'qm9') throw new Error('task');
    expect(q.data.targets).toEqual(['homo', 'mu']);
  });
});

describe('bad configs', () => {
  const dir = tmp();
  const bad = (name: string, value: unknown) => writeJson(join(dir, `${name}.json`), value);

  it('names the field and what was expected', async () => {
    const r = await run('train', '--config', bad('hidden', { task: 'nbody', model: { name: 'egnn_vel', hidden: -3 }, trainer: { epochs: 'ten' } }));
    expect(r.code).toBe(1);
    expect(r.err).toContain('model.hidden: expected a number ≥ 1, got -3');
    expect(r.err).toContain('trainer.epochs: expected number, got "ten"');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('rejects unknown fields, tasks and models', async () => {
    let r = await run('config', 'validate', bad('typo', { task: 'nbody', trainer: { epoch: 3 } }));
    expect(r.code).toBe(1);
    expect(r.err).toContain("trainer: unknown field 'epoch'");
    r = await run('config', 'validate', bad('task', { task: 'md' }));
    expect(r.err).toContain('task: expected one of "nbody", "energy-forces", "qm9", got "md"');
    r = await run('config', 'validate', bad('model', { task: 'nbody', model: { name: 'leftnet' } }));
    expect(r.err).toContain('model.name: expected one of "egnn_vel", "egnn", "hegnn", got "leftnet"');
    r = await run('config', 'validate', bad('path', { task: 'energy-forces' }));
    expect(r.err).toContain('data: required (object)');
    r = await run('config', 'validate', bad('npy', { task: 'nbody', data: { source: 'npy' } }));
    expect(r.err).toContain("data.dir: data.source 'npy' needs data.dir");
  });

  it('reports a missing file and broken JSON without a stack trace', async () => {
    let r = await run('train', '--config', join(dir, 'nope.json'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: ${join(dir, 'nope.json')}: no such config file`);
    writeFileSync(join(dir, 'broken.json'), '{ "task": ');
    r = await run('config', 'validate', join(dir, 'broken.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.json: not valid JSON/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('rejects bad flags with a usage message', async () => {
    const r = await run('train', '--config', 'x.json', '--backend', 'gpu');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Allowed choices are cuda, cpu, wasm, reference/);
  });
});

describe('docs/cli.md', () => {
  it('holds the config reference generated from the schema (regenerate: npm run equigraph -- config docs --write docs/cli.md)', () => {
    const doc = readFileSync(join(REPO, 'docs', 'cli.md'), 'utf8');
    expect(doc).toContain(configReference());
  });

  it('documents every model', () => {
    for (const m of MODEL_ENTRIES) expect(configReference()).toContain(`#### \`${m.name}\``);
  });
});
