/**
 * `equigraph`: train, eval, predict, data generate, info, config. `main(argv)` runs one command
 * in-process and resolves to the exit code; user errors (missing files, bad configs, bad flags)
 * print one message and give a non-zero code, never a stack trace.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { getBackend } from '@equigraph/core';
import { backendLines, selectBackend } from './backends.js';
import { loadConfig, parseSet, runDirOf } from './config.js';
import { configReference, spliceReference } from './docs.js';
import { isUserFacing, UserError } from './errors.js';
import { fmtNumber, processIO, type CliIO } from './io.js';
import { evalCommand } from './commands/eval.js';
import { predictCommand } from './commands/predict.js';
import { generateNBody, generateSymmetric } from './commands/data.js';
import { infoCommand } from './commands/info.js';
import { trainRun } from './run.js';

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];
const BACKENDS = ['cuda', 'cpu', 'wasm', 'reference'];

function buildProgram(io: CliIO): Command {
  const program = new Command()
    .name('equigraph')
    .description('E(3)-equivariant graph neural networks: train, evaluate and run models from JSON configs')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });

  program
    .command('train')
    .description('train a model from a config; writes checkpoint, best weights, metrics.jsonl, learning-curve.svg, model.safetensors, results.json to the run directory')
    .requiredOption('-c, --config <file>', 'config file (JSON)')
    .option('--resume', 'continue the run in the run directory from its checkpoint')
    .option('--run-dir <dir>', 'run directory (overrides runDir of the config)')
    .addOption(new Option('--backend <name>', 'backend (overrides backend of the config)').choices(BACKENDS))
    .option('--seed <s>', 'seed (overrides seed of the config)', int('--seed', 0))
    .option('--epochs <n>', 'epochs (overrides trainer.epochs)', int('--epochs', 1))
    .option('--threads <n>', 'threads of the cpu backend (overrides threads)', int('--threads', 1))
    .option('--set <field=value>', 'override any config field, e.g. --set data.numTrain=3000 (repeatable)', collect, [])
    .action(async (o: { config: string; resume?: boolean; runDir?: string; backend?: string; seed?: number; epochs?: number; threads?: number; set: string[] }) => {
      const sets = o.set.map(parseSet);
      if (o.runDir !== undefined) sets.push(['runDir', o.runDir]);
      if (o.backend !== undefined) sets.push(['backend', o.backend]);
      if (o.seed !== undefined) sets.push(['seed', o.seed]);
      if (o.epochs !== undefined) sets.push(['trainer.epochs', o.epochs]);
      if (o.threads !== undefined) sets.push(['threads', o.threads]);
      const loaded = loadConfig(o.config, sets);
      const c = loaded.config;
      await selectBackend(c.backend, c.threads);
      for (const l of backendLines()) io.err(l);
      io.err(`run: ${c.name} (${c.task}) → ${runDirOf(c, { resume: o.resume })}`);
      const r = await trainRun(loaded, io, { resume: o.resume });
      const h = r.history;
      const steps = h.length ? h[h.length - 1].step : 0;
      io.out(`done: ${h.length} epochs, ${steps} steps, ${fmtNumber(Math.round(r.graphsPerSecond))} graphs/s of training on '${getBackend().name}'`);
      if (h.length) io.out(`train loss ${fmtNumber(h[0].train_loss)} (epoch ${h[0].epoch}) → ${fmtNumber(h[h.length - 1].train_loss)} (epoch ${h[h.length - 1].epoch})`);
      if (r.best) io.out(`best ${r.best.monitor} ${fmtNumber(r.best.value)} at epoch ${r.best.epoch}`);
      if (r.test) io.out(`test (best weights): ${Object.entries(r.test).map(([k, v]) => `${k} ${fmtNumber(v)}`).join(', ')}`);
      io.out(`run directory: ${r.runDir}`);
    });

  program
    .command('eval')
    .description("score trained weights: on the config's test split, another split (--split), or other data (--data: a directory of the EGNN authors' N-body .npy files, or an extxyz / QM9 file)")
    .option('--run-dir <dir>', 'a run directory of equigraph train')
    .option('-w, --weights <file>', 'weights (.safetensors: model.safetensors, best.safetensors or a checkpoint)')
    .option('-c, --config <file>', 'the config the weights were trained with (not needed for a run directory or model.safetensors)')
    .option('--data <path>', "data to score instead of the config's (N-body: the directory of loc_test<suffix>.npy …)")
    .addOption(new Option('--split <name>', 'split to score').choices(['train', 'valid', 'test']).default('test'))
    .addOption(new Option('--backend <name>', 'backend').choices(BACKENDS))
    .option('--json', 'print the metrics as JSON')
    .action(async (o) => {
      if (!o.runDir && !o.weights) throw new UserError('eval needs --run-dir D, or --weights W (and --config C)');
      await evalCommand(io, o);
    });

  program
    .command('predict')
    .description('run a trained model on structures (xyz, extxyz or QM9 format): energies and forces, or QM9 properties, as a table or an extxyz file')
    .argument('<file>', 'structures (.xyz, .extxyz, or QM9 .xyz)')
    .option('--run-dir <dir>', 'a run directory of equigraph train')
    .option('-w, --weights <file>', 'weights (.safetensors)')
    .option('-c, --config <file>', 'the config the weights were trained with')
    .option('-o, --out <file>', 'write the structures with the predictions as extxyz instead of printing a table')
    .option('--per-atom', 'also print the force on every atom')
    .option('--batch-size <n>', 'structures per batch', int('--batch-size', 1), 32)
    .addOption(new Option('--backend <name>', 'backend').choices(BACKENDS))
    .action(async (file: string, o) => {
      if (!o.runDir && !o.weights) throw new UserError('predict needs --run-dir D, or --weights W (and --config C)');
      await predictCommand(io, file, o);
    });

  const data = program.command('data').description('data sets');
  data
    .command('generate')
    .description("simulate data: 'nbody' writes the charged N-body splits as the EGNN authors' .npy files (loc/vel (sims, frames, 3, n), charges (sims, n, 1), edges (sims, n, n)); 'symmetric' writes HEGNN's symmetric structures as extxyz")
    .argument('<kind>', 'nbody | symmetric')
    .option('-o, --out <dir>', 'output directory', 'data')
    .option('--sims <n>', 'trajectories per split (nbody)', int('--sims', 1), 1000)
    .option('--train <n>', 'training trajectories (default: --sims)', int('--train', 1))
    .option('--valid <n>', 'validation trajectories (default: --sims)', int('--valid', 1))
    .option('--test <n>', 'test trajectories (default: --sims)', int('--test', 1))
    .option('--bodies <n>', 'particles per system', int('--bodies', 2), 5)
    .option('--seed <s>', 'seed', int('--seed', 0), 1)
    .addOption(new Option('--preset <name>', 'simulation preset').choices(['egnn', 'hegnn']).default('egnn'))
    .addOption(new Option('--rng <kind>', "generator: pure-rand, or numpy (the authors' NumPy stream; their files use seed 43)").choices(['pure-rand', 'numpy']).default('pure-rand'))
    .option('--suffix <s>', 'file-name suffix (default _charged<bodies>_initvel1small)')
    .option('--max-fold <k>', 'largest k of the k-fold structures (symmetric)', int('--max-fold', 2), 10)
    .action(async (kind: string, o) => {
      if (kind === 'nbody') {
        generateNBody(io, { out: o.out, train: o.train ?? o.sims, valid: o.valid ?? o.sims, test: o.test ?? o.sims, bodies: o.bodies, seed: o.seed, preset: o.preset, rngKind: o.rng, suffix: o.suffix });
      } else if (kind === 'symmetric') {
        generateSymmetric(io, { out: o.out, maxFold: o.maxFold });
      } else throw new UserError(`data generate: unknown kind '${kind}' (expected nbody or symmetric)`);
    });

  program
    .command('info')
    .description('backends (the one chosen and why others were skipped), native addon features, versions')
    .option('--json', 'print as JSON')
    .action(async (o) => infoCommand(io, o));

  const config = program.command('config').description('config files');
  config
    .command('validate')
    .description('check config files; prints the problems with their field paths')
    .argument('<files...>')
    .action((files: string[]) => {
      for (const f of files) {
        loadConfig(f);
        io.out(`${f}: ok`);
      }
    });
  config
    .command('show')
    .description('print a config with every default filled in')
    .argument('<file>')
    .action((file: string) => io.out(JSON.stringify(loadConfig(file).config, null, 2)));
  config
    .command('docs')
    .description('print the config reference (Markdown) generated from the schema, or write it into a file between its markers')
    .option('--write <file>', 'update the generated section of this Markdown file')
    .action((o: { write?: string }) => {
      if (!o.write) return io.out(configReference());
      const old = existsSync(o.write) ? readFileSync(o.write, 'utf8') : '';
      writeFileSync(o.write, spliceReference(old));
      io.err(`updated the config reference in ${o.write}`);
    });
  return program;
}

/** Runs the CLI with `argv` (the arguments after the program name); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are exits with code 0; usage errors were already printed by commander
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (isUserFacing(err)) {
      io.err(`error: ${message}`);
      return err instanceof UserError ? err.exitCode : 1;
    }
    if (process.env.EQUIGRAPH_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    else io.err(`error: ${message}\n(an internal error; set EQUIGRAPH_DEBUG=1 for the stack trace)`);
    return 70;
  }
}
