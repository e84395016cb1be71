/**
 * The main job's former entry point, kept for its flags: translates them into
 * `equigraph train --config configs/nbody-egnn-small.json --set …` (what
 * `npm start` runs) and runs the CLI in-process.
 *
 *   npx tsx --conditions=source tools/train/nbody.ts --train 3000 --epochs 1000 --backend cpu
 */
import { Command, InvalidArgumentError } from 'commander';
import { main } from '@equigraph/cli';

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
  return n;
};

const program = new Command()
  .name('nbody')
  .description('Train EGNN_vel on the charged N-body task (Satorras et al. 2021, §5.1) through equigraph train')
  .option('--train <n>', 'training trajectories (paper: 3000)', int('--train', 1))
  .option('--valid <n>', 'validation trajectories (paper: 2000)', int('--valid', 1))
  .option('--test <n>', 'test trajectories (paper: 2000)', int('--test', 1))
  .option('--epochs <n>', 'training epochs (paper: up to 10000)', int('--epochs', 1))
  .option('--eval-every <k>', 'validate every k epochs (authors: 5)', int('--eval-every', 1))
  .option('--seed <s>', 'seed of the data and of the model', int('--seed', 0))
  .option('--backend <name>', 'cpu | wasm | reference (default: the best that loads)')
  .option('--lr <x>', 'Adam learning rate', (v) => Number(v))
  .option('--hidden <n>', 'hidden features', int('--hidden', 1))
  .option('--layers <n>', 'EGCL layers', int('--layers', 1))
  .option('--threads <n>', 'worker threads of the cpu backend (default: all cores)', int('--threads', 1))
  .option('--run-dir <dir>', 'run directory (default: runs/nbody-egnn-small/version_<k>)');

program.parse();
const o = program.opts<{ train?: number; valid?: number; test?: number; epochs?: number; evalEvery?: number; seed?: number; backend?: string; lr?: number; hidden?: number; layers?: number; threads?: number; runDir?: string }>();

const fields: [string, unknown][] = [
  ['data.numTrain', o.train],
  ['data.numValid', o.valid],
  ['data.numTest', o.test],
  ['trainer.epochs', o.epochs],
  ['trainer.evalEvery', o.evalEvery],
  ['seed', o.seed],
  ['backend', o.backend],
  ['optimizer.lr', o.lr],
  ['model.hidden', o.hidden],
  ['model.layers', o.layers],
  ['threads', o.threads],
  ['runDir', o.runDir],
];
const argv = ['train', '--config', new URL('../../configs/nbody-egnn-small.json', import.meta.url).pathname];
for (const [k, v] of fields) if (v !== undefined) argv.push('--set', `${k}=${JSON.stringify(v)}`);
process.exitCode = await main(argv);
