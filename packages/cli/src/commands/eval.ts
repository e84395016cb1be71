import { selectBackend } from '../backends.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { UserError } from '../errors.js';
import { formatTable, type CliIO } from '../io.js';
import { loadInto, prepareTask, resolveModelSource, scoreTask } from '../run.js';

export interface EvalOptions {
  runDir?: string;
  weights?: string;
  config?: string;
  data?: string;
  split?: 'train' | 'valid' | 'test';
  backend?: string;
  json?: boolean;
}

/** `equigraph eval`: metrics of trained weights on a split of the config's data or on other data (--data). */
export async function evalCommand(io: CliIO, o: EvalOptions): Promise<Record<string, number>> {
  const given: LoadedConfig | undefined = o.config ? loadConfig(o.config) : undefined;
  const src = resolveModelSource({ runDir: o.runDir, weights: o.weights, config: given });
  const c = src.loaded.config;
  await selectBackend(o.backend ?? c.backend, c.threads);
  const task = prepareTask(src.loaded, io, { path: o.data, split: o.split ?? 'test' }, src.stats);
  for (const l of task.summary) io.err(l);
  loadInto(task, src.weights);
  if (!task.test || task.test.length === 0) throw new UserError(`no ${o.split ?? 'test'} data to evaluate on`);
  const metrics = scoreTask(task, task.test);
  if (o.json) io.out(JSON.stringify(metrics, null, 2));
  else io.out(formatTable(['metric', 'value', 'unit'], Object.entries(metrics).map(([k, v]) => [k, v, task.units[k] ?? ''])));
  return metrics;
}
