// Runs a module of plain JavaScript on backend 'wasm' in headless Chromium
// (Debian's, driven by playwright-core): a local server hands out the built ES
// modules of core, geometry and wasm through an import map, as a bundler-free
// page would, and the page calls `run(core, geometry, wasm)` of the module
// after `await initWasm()`. Used by browser.test.ts and tools/bench/browser.ts.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM = process.env.EQUIGRAPH_CHROMIUM ?? '/usr/bin/chromium';
const BUILT = ['packages/core/dist/index.js', 'packages/geometry/dist/index.js', 'packages/wasm/dist/index.js', 'packages/wasm/dist-wasm/equigraph-wasm.mjs'];

/** Why pages cannot run here (Chromium or a build is missing), or undefined. */
export function browserUnavailable(): string | undefined {
  const missing = [CHROMIUM, ...BUILT.map((f) => join(REPO_ROOT, f))].find((f) => !existsSync(f));
  return missing && `${missing} is missing (install Debian's chromium; build with npm run build)`;
}

const IMPORT_MAP = {
  imports: {
    '@equigraph/core': '/packages/core/dist/index.js',
    '@equigraph/geometry': '/packages/geometry/dist/index.js',
    '@equigraph/wasm': '/packages/wasm/dist/index.js',
    'pure-rand/generator/xoroshiro128plus': '/node_modules/pure-rand/lib/esm/generator/xoroshiro128plus.js',
    'pure-rand/generator/mersenne': '/node_modules/pure-rand/lib/esm/generator/mersenne.js',
  },
  // package.json "imports" of @equigraph/wasm, browser condition
  scopes: { '/packages/wasm/': { '#load': '/packages/wasm/dist/load-web.js' } },
};

/** The page: loads the packages, the wasm module, then `run` of the module at `modulePath` (repository-relative). */
const page = (modulePath: string) => `<!doctype html><meta charset="utf-8">
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<script type="module">
try {
  const core = await import('@equigraph/core');
  const geometry = await import('@equigraph/geometry');
  const wasm = await import('@equigraph/wasm');
  await wasm.initWasm();
  core.setBackend('wasm');
  const { run } = await import(${JSON.stringify(`/${modulePath}`)});
  window.__result = { backend: core.getBackend().name, build: wasm.wasmBuild(), threads: wasm.getWasmThreads(),
    cores: navigator.hardwareConcurrency, workers: wasm.getWasmModule().PThread?.runningWorkers.filter((w) => w.loaded).length ?? 0,
    values: await run(core, geometry, wasm) };
} catch (err) {
  window.__result = { error: String((err && err.stack) || err) };
}
</script>`;

/** What makes a page cross-origin isolated (SharedArrayBuffer, hence wasm threads). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' };

export type PageKind = 'plain' | 'isolated';

export interface PageResult<V> {
  error?: string;
  backend?: string;
  build?: { simd: string; threads: boolean; why: string };
  threads?: number;
  cores?: number;
  /** pthread workers up and running */
  workers?: number;
  values?: V;
}

/** Opens one page per kind, each running `run` of `modulePath`, and returns what each page reported. */
export async function runInChromium<V>(modulePath: string, kinds: readonly PageKind[], timeoutMs = 60_000): Promise<Record<PageKind, PageResult<V>>> {
  const html = page(modulePath);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/plain' || path === '/isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...(path === '/isolated' ? ISOLATION : {}) }).end(html);
      return;
    }
    const file = normalize(join(REPO_ROOT, path));
    if (!file.startsWith(REPO_ROOT) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { chromium } = await import('playwright-core');
  // Flags of .library/env: no sandbox as root, and no background traffic on a closed network.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const results = {} as Record<PageKind, PageResult<V>>;
  try {
    for (const kind of kinds) {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${kind}`);
      await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: timeoutMs });
      results[kind] = (await tab.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageResult<V>;
      await tab.close();
    }
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return results;
}
