// The wasm backend in a browser: headless Chromium (Debian's, driven by
// playwright-core) loads the built ES modules of core, geometry and wasm from
// a local server through an import map, as a bundler-free page would, awaits
// initWasm() and runs fixtures/browser-case.js on backend 'wasm'; the result
// must equal the reference backend's in Node. Twice: on a plain page (the
// unthreaded build) and on a cross-origin-isolated one (COOP/COEP headers:
// the threaded build). Skipped, with the reason, where Chromium or the builds
// (`npm run build`) are missing.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@equigraph/core';
import * as geometry from '@equigraph/geometry';
import { browserCase } from './fixtures/browser-case.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const chromium = process.env.EQUIGRAPH_CHROMIUM ?? '/usr/bin/chromium';
const built = ['packages/core/dist/index.js', 'packages/geometry/dist/index.js', 'packages/wasm/dist/index.js', 'packages/wasm/dist-wasm/equigraph-wasm.mjs'];
const missing = [chromium, ...built.map((f) => join(root, f))].find((f) => !existsSync(f));
if (missing) console.info(`[wasm browser test] skipped: ${missing} is missing (install Debian's chromium; build with npm run build)`);

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

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<script type="module">
try {
  const core = await import('@equigraph/core');
  const geometry = await import('@equigraph/geometry');
  const wasm = await import('@equigraph/wasm');
  await wasm.initWasm();
  core.setBackend('wasm');
  const { browserCase } = await import('/packages/wasm/test/fixtures/browser-case.js');
  window.__result = { backend: core.getBackend().name, build: wasm.wasmBuild(), threads: wasm.getWasmThreads(),
    cores: navigator.hardwareConcurrency, workers: wasm.getWasmModule().PThread?.runningWorkers.filter((w) => w.loaded).length ?? 0, values: browserCase(core, geometry) };
} catch (err) {
  window.__result = { error: String((err && err.stack) || err) };
}
</script>`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' };

/** What makes a page cross-origin isolated (SharedArrayBuffer, hence wasm threads). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Serves the page ('/' plain, '/isolated' cross-origin isolated), and files below the repository root. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/' || path === '/isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...(path === '/isolated' ? ISOLATION : {}) }).end(PAGE);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageResult {
  error?: string;
  backend?: string;
  build?: { simd: string; threads: boolean; why: string };
  threads?: number;
  cores?: number;
  /** pthread workers up and running */
  workers?: number;
  values?: Record<string, number[]>;
}

describe.skipIf(missing)('wasm backend in headless Chromium', () => {
  let server: Server;
  const results: Record<'plain' | 'isolated', PageResult> = { plain: {}, isolated: {} };

  beforeAll(async () => {
    server = await serve();
    const { chromium: launcher } = await import('playwright-core');
    // Flags of .library/env: no sandbox as root, and no background traffic on a closed network.
    const browser = await launcher.launch({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      for (const kind of ['plain', 'isolated'] as const) {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${kind === 'isolated' ? 'isolated' : ''}`);
        await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
        results[kind] = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageResult;
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 180_000);

  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('plain page: loads the unthreaded module (relaxed SIMD where Chromium validates it) and selects backend wasm', () => {
    const r = results.plain;
    expect(r.error).toBeUndefined();
    expect(r.backend).toBe('wasm');
    expect(r.build?.threads).toBe(false);
    expect(r.build?.why).toMatch(/not cross-origin isolated/);
    expect(['relaxed-simd', 'simd128']).toContain(r.build?.simd);
  });

  it('cross-origin-isolated page: loads the threaded module, one thread per core, its workers up', () => {
    const r = results.isolated;
    expect(r.error).toBeUndefined();
    expect(r.backend).toBe('wasm');
    expect(r.build, r.build?.why).toMatchObject({ threads: true });
    expect(r.threads).toBe(r.cores);
    expect(r.workers).toBe(r.cores! - 1);
  });

  it.each(['plain', 'isolated'] as const)('%s page computes what the reference backend computes in Node (matmul, spherical harmonics and gradient, tensor product and weight gradient)', (kind) => {
    const previous = core.getBackend().name;
    core.setBackend('reference');
    let expected: Record<string, number[]>;
    try {
      expected = browserCase(core, geometry);
    } finally {
      core.setBackend(previous);
    }
    const values = results[kind].values ?? {};
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      const got = values[name]!;
      expect(got.length, name).toBe(want.length);
      const scale = Math.max(1, ...want.map(Math.abs));
      for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= 1e-10 * scale)) expect.fail(`${name}[${i}]: ${got[i]} in Chromium, ${want[i]} on the reference backend`);
    }
  });
});
