/**
 * The main job (`npm start`): train EGNN_vel on the charged N-body task of
 * Satorras et al. 2021 and report the test MSE at the best validation MSE.
 *
 *   npx tsx --conditions=source tools/train/nbody.ts --train 3000 --epochs 1000 --backend cpu
 *
 * The paper's setting is 3000 training trajectories (Table 2: EGNN 0.0071
 * after up to 10 000 epochs); the default is a small run that finishes in a
 * few minutes on the cpu backend and shows the loss going down.
 */
import { Command, InvalidArgumentError } from 'commander';
import { backendReport, getBackend, setBackend } from '@equigraph/core';
import { loadBackends } from '../backends.js';
import { trainNBody } from './nbody-task.js';


const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
  return n;
};

const program = new Command()
  .name('nbody')
  .description('Train EGNN_vel on the charged N-body task (Satorras et al. 2021, §5.1)')
  .option('--train <n>', 'training trajectories (paper: 3000)', int('--train', 1), 500)
  .option('--valid <n>', 'validation trajectories (paper: 2000)', int('--valid', 1), 500)
  .option('--test <n>', 'test trajectories (paper: 2000)', int('--test', 1), 500)
  .option('--epochs <n>', 'training epochs (paper: up to 10000)', int('--epochs', 1), 250)
  .option('--eval-every <k>', 'evaluate on valid/test every k epochs (authors: 5)', int('--eval-every', 1), 25)
  .option('--seed <s>', 'seed of the data and of the model', int('--seed', 0), 1)
  .option('--backend <name>', 'cpu | wasm | reference (default: the best that loads)')
  .option('--lr <x>', 'Adam learning rate', (v) => Number(v), 5e-4)
  .option('--hidden <n>', 'hidden features', int('--hidden', 1), 64)
  .option('--layers <n>', 'EGCL layers', int('--layers', 1), 4)
  .option('--threads <n>', 'worker threads of the cpu backend (default: all cores)', int('--threads', 1));

program.parse();
const o = program.opts<{ train: number; valid: number; test: number; epochs: number; evalEvery: number; seed: number; backend?: string; lr: number; hidden: number; layers: number; threads?: number }>();

await loadBackends();
if (o.backend) setBackend(o.backend);
const backend = getBackend();
if (backend.name === 'cpu' && o.threads) (await import('@equigraph/native')).setNumThreads(o.threads);
console.log(`backend: ${backend.name}`);
for (const s of backendReport()) if (s.state === 'skipped') console.log(`  skipped ${s.name}: ${s.reason}`);

const result = trainNBody({
  numTrain: o.train,
  numValid: o.valid,
  numTest: o.test,
  epochs: o.epochs,
  evalEvery: o.evalEvery,
  seed: o.seed,
  lr: o.lr,
  hidden: o.hidden,
  layers: o.layers,
});

const first = result.history[0].train;
const last = result.history[result.history.length - 1].train;
console.log(
  `done: ${result.steps} steps in ${result.trainSeconds.toFixed(1)} s of training (${result.msPerStep.toFixed(1)} ms/step, ${result.graphsPerSecond.toFixed(0)} graphs/s) on '${backend.name}'`,
);
console.log(`train MSE ${first.toFixed(5)} → ${last.toFixed(5)}; best valid MSE ${result.best.valid.toFixed(5)} at epoch ${result.best.epoch}, test MSE there ${result.best.test.toFixed(5)}`);
if (!(last < first)) {
  console.error('training did not reduce the loss');
  process.exit(1);
}
