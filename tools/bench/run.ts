/**
 * `npm run bench`: every benchmark in tools/bench, one process, ratios against
 * the native backend measured in the same run. Pass names to run a subset:
 *   npm run bench -- foundation spherical-harmonics
 */
const SUITES = ['foundation', 'spherical-harmonics', 'tensor-product', 'tp-convolution', 'egnn', 'nequip', 'radius-graph', 'browser'] as const;

import { existsSync } from 'node:fs';

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of SUITES) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  if (!existsSync(new URL(`./${name}.ts`, import.meta.url))) continue;
  const suite: { run(): Promise<void> } = await import(`./${name}.js`);
  console.log(`\n# ${name}`);
  await suite.run();
}
