// The wasm backend in a browser: headless Chromium runs fixtures/browser-case.js
// on backend 'wasm' (browser-harness.ts), and the result must equal the
// reference backend's in Node. Twice: on a plain page (the unthreaded build)
// and on a cross-origin-isolated one (COOP/COEP headers: the threaded build).
// Skipped, with the reason, where Chromium or the builds (`npm run build`) are missing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '@equigraph/core';
import * as geometry from '@equigraph/geometry';
import { browserUnavailable, runInChromium, type PageKind, type PageResult } from './browser-harness.js';
import { run as browserCase } from './fixtures/browser-case.js';

const unavailable = browserUnavailable();
if (unavailable) console.info(`[wasm browser test] skipped: ${unavailable}`);

describe.skipIf(unavailable)('wasm backend in headless Chromium', () => {
  let results: Record<PageKind, PageResult<Record<string, number[]>>>;

  beforeAll(async () => {
    results = await runInChromium('packages/wasm/test/fixtures/browser-case.js', ['plain', 'isolated']);
  }, 180_000);

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

  it.each(['plain', 'isolated'] as const)('%s page computes what the reference backend computes in Node (matmuls, spherical harmonics and gradient, tensor product and weight gradient)', (kind) => {
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
