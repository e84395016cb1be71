/**
 * The run configuration: JSON validated with zod. Every field has a default
 * and a description; docs/cli.md's reference tables are generated from these
 * schemas (`equigraph config docs`), and a test keeps them in sync.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from './errors.js';
import { modelsFor, type ModelFamily } from './models.js';

// ---------------------------------------------------------------------------------------------
// Shared sections (with per-task defaults)

const positiveInt = () => z.int().min(1);
const nullableCount = (d: number | null, what: string) => z.int().min(1).nullable().default(d).describe(what);

function optimizerSchema(lr: number) {
  return z
    .strictObject({
      name: z.enum(['adam', 'adamw', 'sgd']).default('adam').describe('optimiser: adam (torch.optim.Adam), adamw (decoupled weight decay), sgd'),
      lr: z.number().positive().default(lr).describe('learning rate'),
      weightDecay: z.number().min(0).default(0).describe('weight decay (L2 for adam/sgd, decoupled for adamw)'),
      momentum: z.number().min(0).max(1).default(0.9).describe('momentum (sgd only)'),
    })
    .prefault({});
}

const scheduleSchema = z
  .strictObject({
    name: z.enum(['none', 'cosine', 'plateau']).default('none').describe('learning-rate schedule: none, cosine (per step, over all epochs), plateau (ReduceLROnPlateau on the monitored metric)'),
    warmupSteps: z.int().min(0).default(0).describe('linear warm-up steps (cosine)'),
    minLr: z.number().min(0).default(0).describe('lowest learning rate (cosine, plateau)'),
    factor: z.number().gt(0).lt(1).default(0.5).describe('lr multiplier on a plateau'),
    patience: z.int().min(0).default(10).describe('evaluations without improvement before the lr drops (plateau)'),
  })
  .prefault({});

function trainerSchema(d: { epochs: number; batchSize: number; evalEvery: number }) {
  return z
    .strictObject({
      epochs: positiveInt().default(d.epochs).describe('training epochs (a resumed run continues up to this)'),
      batchSize: positiveInt().default(d.batchSize).describe('structures per training batch'),
      evalBatchSize: nullableCount(null, 'structures per validation/test batch (null: batchSize)'),
      evalEvery: positiveInt().default(d.evalEvery).describe('validate every k epochs (and after the last); best weights are chosen on validation'),
      checkpointEvery: positiveInt().default(1).describe('write checkpoint.safetensors every k epochs (and after the last)'),
      clipNorm: z.number().positive().nullable().default(null).describe('clip gradients to this global L2 norm (null: no clipping)'),
      emaDecay: z.number().gt(0).lt(1).nullable().default(null).describe('exponential moving average of the weights (e.g. 0.99; null: off); validation uses the averages'),
      earlyStoppingPatience: z.int().min(1).nullable().default(null).describe('stop after this many evaluations without improvement (null: never)'),
      progress: z.enum(['auto', 'bar', 'log', 'none']).default('auto').describe('progress output on stderr: a bar on a terminal, lines otherwise (auto)'),
    })
    .prefault({});
}

function common<T extends string>(task: T, d: { epochs: number; batchSize: number; evalEvery: number; lr: number }) {
  return {
    task: z.literal(task).describe('task type: nbody, energy-forces or qm9'),
    name: z.string().min(1).nullable().default(null).describe('run name (null: the config file name without .json)'),
    seed: z.int().min(0).max(2 ** 32 - 1).default(1).describe('seed of the model initialisation, shuffling and (unless data.seed) the data'),
    backend: z.enum(['cuda', 'cpu', 'wasm', 'reference']).nullable().default(null).describe('backend (null: the best that loads; see `equigraph info`)'),
    threads: z.int().min(1).nullable().default(null).describe('worker threads of the cpu backend (null: all cores)'),
    dtype: z.enum(['float32', 'float64']).default('float32').describe('floating-point type of the model and the data'),
    runDir: z.string().min(1).nullable().default(null).describe('output directory, relative to the working directory (null: runs/<name>/version_<k>, a new k per run; --resume takes the latest)'),
    optimizer: optimizerSchema(d.lr),
    schedule: scheduleSchema,
    trainer: trainerSchema(d),
  };
}

function modelSchema(family: ModelFamily, defaultName: string) {
  const entries = modelsFor(family).map((e) => e.options);
  const [first, ...rest] = entries;
  return z.discriminatedUnion('name', [first, ...rest] as [z.ZodObject, ...z.ZodObject[]]).prefault({ name: defaultName });
}

const pointwiseLoss = (d: 'mse' | 'mae') => z.enum(['mse', 'mae', 'huber']).default(d).describe('pointwise loss: mse, mae or huber');

// ---------------------------------------------------------------------------------------------
// Tasks

export const NBODY_SUFFIX = '_charged5_initvel1small';

const nbodyData = z
  .strictObject({
    source: z.enum(['generate', 'npy']).default('generate').describe("'generate': simulate with data.seed; 'npy': read the EGNN authors' .npy files (loc_<split><suffix>.npy, vel_…, charges_…) from data.dir"),
    dir: z.string().min(1).nullable().default(null).describe('directory of the .npy files (source npy), relative to the config file'),
    suffix: z.string().default(NBODY_SUFFIX).describe('file-name suffix of the .npy files'),
    numTrain: positiveInt().default(3000).describe('training trajectories (npy: the first n of the file, as the authors\' max_samples)'),
    numValid: positiveInt().default(2000).describe('validation trajectories (npy: the first n)'),
    numTest: positiveInt().default(2000).describe('test trajectories (npy: the first n)'),
    numBodies: z.int().min(2).default(5).describe('particles per system (generate)'),
    frameIn: z.int().min(0).default(30).describe('input frame (positions, velocities, charges)'),
    frameOut: z.int().min(0).default(40).describe('target frame (positions); 10 frames of 100 steps = the 1000-step horizon of the paper'),
    preset: z.enum(['egnn', 'hegnn']).default('egnn').describe('simulation preset (generate): egnn (NRI/EGNN script) or hegnn (GMN script)'),
    rngKind: z.enum(['pure-rand', 'numpy']).default('pure-rand').describe("generator (generate): 'numpy' replays the authors' NumPy stream (their files: seed 43)"),
    seed: z.int().min(0).nullable().default(null).describe('seed of the simulation (null: the run seed)'),
  })
  .prefault({})
  .superRefine((d, ctx) => {
    if (d.source === 'npy' && !d.dir) ctx.addIssue({ code: 'custom', path: ['dir'], message: "data.source 'npy' needs data.dir (the directory of the .npy files)" });
    if (d.frameOut <= d.frameIn) ctx.addIssue({ code: 'custom', path: ['frameOut'], message: `must be after frameIn (${d.frameIn})` });
  });

export const nbodyConfig = z.strictObject({
  ...common('nbody', { epochs: 1000, batchSize: 100, evalEvery: 5, lr: 5e-4 }),
  data: nbodyData,
  model: modelSchema('nbody', 'egnn_vel'),
  loss: z.strictObject({ kind: pointwiseLoss('mse') }).prefault({}),
});

const splitCounts = (train: number, valid: number) => ({
  numTrain: positiveInt().default(train).describe('training structures (taken after a seeded shuffle)'),
  numValid: positiveInt().default(valid).describe('validation structures'),
  numTest: nullableCount(null, 'test structures (null: all the rest)'),
  splitSeed: z.int().min(0).nullable().default(null).describe('seed of the shuffle (null: the run seed)'),
});

const efData = z
  .strictObject({
    path: z.string().min(1).describe('extxyz file with energies and forces (MD17-style), relative to the config file'),
    energyKey: z.string().default('energy').describe('comment-line key of the energy'),
    forcesKey: z.string().default('forces').describe('per-atom column of the forces'),
    ...splitCounts(950, 50),
    cutoff: z.number().positive().nullable().default(5).describe('radius-graph cutoff in Å (null: complete graphs)'),
    energyUnit: z.string().default('eV').describe('unit of the energies in the file (labels only; forces are energyUnit/Å)'),
  });

export const energyForcesConfig = z.strictObject({
  ...common('energy-forces', { epochs: 100, batchSize: 5, evalEvery: 1, lr: 1e-3 }),
  data: efData,
  model: modelSchema('graph', 'egnn'),
  loss: z
    .strictObject({
      kind: pointwiseLoss('mse'),
      energyWeight: z.number().min(0).default(1).describe('weight of the energy term'),
      forceWeight: z.number().min(0).default(10).describe('weight of the force term'),
      perAtom: z.boolean().default(true).describe('energy term per atom, (E − Ê)/n'),
    })
    .prefault({}),
});

export const QM9_TARGETS = ['U0', 'homo', 'lumo', 'gap', 'mu'] as const;
const qm9Alias: Record<string, (typeof QM9_TARGETS)[number]> = { u0: 'U0', homo: 'homo', lumo: 'lumo', gap: 'gap', mu: 'mu', dipole: 'mu' };

const qm9Data = z.strictObject({
  path: z.string().min(1).describe('QM9-format .xyz: one file of concatenated molecules, or a directory of dsgdb9nsd_*.xyz; relative to the config file'),
  targets: z
    .array(z.string().transform((s, ctx) => {
      const t = qm9Alias[s.toLowerCase()];
      if (!t) {
        ctx.addIssue({ code: 'custom', message: `unknown QM9 target '${s}' (expected one of U0, HOMO, LUMO, gap, dipole/mu)` });
        return z.NEVER;
      }
      return t;
    }))
    .min(1)
    .default([...QM9_TARGETS])
    .describe('properties to predict (one model, one output each): U0, homo, lumo, gap (eV after conversion from Ha), mu (D)'),
  ...splitCounts(100, 20),
  cutoff: z.number().positive().nullable().default(null).describe('radius-graph cutoff in Å (null: complete graphs, as the EGNN QM9 model)'),
});

export const qm9Config = z.strictObject({
  ...common('qm9', { epochs: 100, batchSize: 32, evalEvery: 1, lr: 5e-4 }),
  data: qm9Data,
  model: modelSchema('graph', 'egnn'),
  loss: z.strictObject({ kind: pointwiseLoss('mae') }).prefault({}).describe('loss on the normalised targets ((y − mean)/std per target)'),
});

export const configSchema = z.discriminatedUnion('task', [nbodyConfig, energyForcesConfig, qm9Config]);
export const TASK_SCHEMAS = { nbody: nbodyConfig, 'energy-forces': energyForcesConfig, qm9: qm9Config } as const;

export type Config = z.output<typeof configSchema>;
export type NBodyConfig = z.output<typeof nbodyConfig>;
export type EnergyForcesConfig = z.output<typeof energyForcesConfig>;
export type Qm9Config = z.output<typeof qm9Config>;

/** A validated config with where it came from. */
export interface LoadedConfig {
  config: Config;
  /** Directory data paths are relative to. */
  baseDir: string;
  /** The file (or '<inline>'). */
  source: string;
}

// ---------------------------------------------------------------------------------------------
// Messages

function describeInput(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return String(v);
}

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const pathString = (path: readonly PropertyKey[]) =>
  path.length === 0 ? '(top level)' : path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');

/** One line per issue: `<field path>: <what was expected>, got <value>`. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path;
    const got = at(input, path);
    let msg: string;
    switch (issue.code) {
      case 'invalid_type':
        msg = got === undefined ? `required (${issue.expected})` : `expected ${issue.expected}, got ${describeInput(got)}`;
        break;
      case 'invalid_value':
        msg = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeInput(got)}`;
        break;
      case 'unrecognized_keys':
        msg = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
        break;
      case 'invalid_union': {
        const u = issue as { options?: unknown[]; discriminator?: string };
        if (u.options && u.discriminator) {
          const extra = u.discriminator === 'name' && path[0] === 'model' ? ` (models for task '${currentTask}'; see docs/cli.md)` : '';
          msg = `expected one of ${u.options.map((o) => JSON.stringify(o)).join(', ')}, got ${describeInput(got)}${extra}`;
        } else msg = issue.message;
        break;
      }
      case 'too_small':
      case 'too_big': {
        const rel = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        msg = issue.origin === 'array' || issue.origin === 'string'
          ? `expected ${issue.origin === 'array' ? 'at least' : 'length'} ${rel} ${String(bound)}${issue.origin === 'array' ? ' entries' : ''}, got ${describeInput(got)}`
          : `expected a number ${rel} ${String(bound)}, got ${describeInput(got)}`;
        break;
      }
      default:
        msg = issue.message;
    }
    lines.push(`${pathString(path)}: ${msg}`);
  }
  return lines;
}

let currentTask: string | undefined;

/** Validates a parsed config; a bad one is a UserError listing every problem with its field path. */
export function parseConfig(input: unknown, source = '<config>'): Config {
  currentTask = input && typeof input === 'object' ? String((input as Record<string, unknown>).task) : undefined;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new UserError(`${source}: the config must be a JSON object, got ${describeInput(input)}`);
  const r = configSchema.safeParse(input);
  if (!r.success) {
    const lines = formatIssues(r.error, input);
    throw new UserError(`${source}: invalid config\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
  return r.data;
}

/** Sets `a.b.c` = value in a parsed JSON object (creating objects on the way). */
export function setPath(json: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '')) throw new UserError(`--set ${path}: not a field path like trainer.epochs`);
  let o = json;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (next === undefined || next === null) o[k] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new UserError(`--set ${path}: '${k}' is not an object in the config`);
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** `key=value` of --set: the value as JSON when it parses (numbers, true, null, arrays), else as a string. */
export function parseSet(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${arg}: expected field=value, e.g. --set trainer.epochs=10`);
  const raw = arg.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    /* a plain string */
  }
  return [arg.slice(0, eq), value];
}

/** Reads, parses and validates a config file; `overrides` (field path → value) apply before validation. */
export function loadConfig(path: string, overrides: [string, unknown][] = []): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path}: no such config file` : `${path}: cannot read the config (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    delete (json as Record<string, unknown>).$schema;
    for (const [k, v] of overrides) setPath(json as Record<string, unknown>, k, v);
  }
  const config = parseConfig(json, path);
  if (config.name === null) config.name = basename(path, extname(path));
  return { config, baseDir: dirname(resolve(path)), source: path };
}

/** A data path resolved against the config file's directory. */
export function resolveDataPath(loaded: { baseDir: string }, p: string): string {
  return isAbsolute(p) ? p : resolve(loaded.baseDir, p);
}

/**
 * The run directory: `runDir` when set; otherwise `runs/<name>/version_<k>` as PyTorch Lightning's
 * logger, a new k for a new run, the latest one holding a checkpoint for `resume`.
 */
export function runDirOf(config: Config, opts: { resume?: boolean } = {}): string {
  if (config.runDir) return config.runDir;
  const base = join('runs', config.name ?? config.task);
  const versions = existsSync(base)
    ? readdirSync(base)
        .map((d) => /^version_(\d+)$/.exec(d))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b)
    : [];
  if (opts.resume) {
    const latest = [...versions].reverse().find((v) => existsSync(join(base, `version_${v}`, 'checkpoint.safetensors')));
    if (latest === undefined) throw new UserError(`--resume: no run of '${config.name}' with a checkpoint under ${base}/ (pass --run-dir)`);
    return join(base, `version_${latest}`);
  }
  return join(base, `version_${versions.length ? versions[versions.length - 1] + 1 : 0}`);
}
