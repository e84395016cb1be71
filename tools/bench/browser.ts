/**
 * The wasm backend in headless Chromium against Node: tools/bench/browser-cases.js
 * runs on a plain page (unthreaded build) and on a cross-origin-isolated one
 * (threaded build), and in this process on wasm (every core, then 1 thread)
 * and on cpu with 1 thread, the baseline of the ratios. Float32, median ms.
 *   npx tsx --conditions=source tools/bench/browser.ts   (or npm run bench -- browser)
 */
import { setBackend } from '@equigraph/core';
import * as core from '@equigraph/core';
import * as geometry from '@equigraph/geometry';
import { pathToFileURL } from 'node:url';
import { browserUnavailable, runInChromium } from '../../packages/wasm/test/browser-harness.js';
import { run as cases } from './browser-cases.js';
import { availableTargets, setThreads } from './harness.js';

export async function run(): Promise<void> {
  const unavailable = browserUnavailable();
  if (unavailable) {
    console.log(`browser benchmark skipped: ${unavailable}`);
    return;
  }
  const targets = await availableTargets({ reference: false });
  const columns: Array<[string, Record<string, number>]> = [];
  for (const label of ['cpu-1t', 'wasm', 'wasm-1t']) {
    const target = targets.find((t) => t.label === label);
    if (!target) continue;
    await setThreads(target);
    setBackend(target.backend);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let a threaded module's workers come up
    columns.push([`node ${label}`, cases(core, geometry)]);
  }
  await setThreads({ label: 'cpu', backend: 'cpu' });
  const pages = await runInChromium<Record<string, number>>('tools/bench/browser-cases.js', ['isolated', 'plain'], 600_000);
  for (const kind of ['isolated', 'plain'] as const) {
    const r = pages[kind];
    if (r.error || !r.values) throw new Error(`Chromium, ${kind} page: ${r.error ?? 'no result'}`);
    columns.push([`chromium ${kind} (${r.build!.simd}, ${r.threads} thread${r.threads === 1 ? '' : 's'})`, r.values]);
  }
  const base = columns.find(([label]) => label === 'node cpu-1t');
  console.log('\n## wasm in headless Chromium and in Node: median ms per call, float32');
  console.log(['case', ...columns.map(([label]) => label), ...(base ? columns.filter((c) => c !== base).map(([label]) => `${label} / cpu-1t`) : [])].join(' | '));
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
  for (const name of Object.keys(columns[0]![1])) {
    const cells = columns.map(([, v]) => fmt(v[name]!));
    const ratios = base ? columns.filter((c) => c !== base).map(([, v]) => (v[name]! / base[1][name]!).toFixed(2)) : [];
    console.log([name, ...cells, ...ratios].join(' | '));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
