import { afterEach, describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';

describe('backend registry', () => {
  afterEach(() => {
    delete process.env[eg.BACKEND_ENV];
    eg.setBackend('reference');
  });

  it('picks the highest-priority backend that loads and reports why others were skipped', () => {
    eg.registerBackend('broken-gpu', () => {
      throw new Error('no CUDA device');
    }, 1000);
    eg.registerHostBackend('fast-host', () => eg.referencePrimitives, 900);
    // Re-registering resets the selection; getBackend picks again.
    expect(eg.getBackend().name).not.toBe('broken-gpu');
    const report = eg.backendReport();
    expect(report.find((r) => r.name === 'broken-gpu')).toMatchObject({ state: 'skipped', reason: 'no CUDA device' });
  });

  it('forcing a backend that cannot load is a clear error, never a silent fallback', () => {
    expect(() => eg.setBackend('broken-gpu')).toThrow("backend 'broken-gpu' failed to load: no CUDA device");
    expect(() => eg.setBackend('nope')).toThrow(/backend 'nope' is not registered/);
  });

  it('the environment variable forces a backend', async () => {
    process.env[eg.BACKEND_ENV] = 'reference';
    const { getBackend } = await import('@equigraph/core');
    eg.registerBackend('other', () => new eg.HostBackend('other', eg.referencePrimitives), 5000); // resets the choice
    expect(getBackend().name).toBe('reference');
  });

  it('ops refuse tensors from two backends', () => {
    const a = eg.zeros([2], { backend: 'reference' });
    const b = eg.zeros([2], { backend: 'fast-host' });
    expect(() => eg.add(a, b)).toThrow("Binary: input 1 lives on backend 'fast-host', expected 'reference' like input 0; move it with toBackend()");
    expect(eg.add(a, eg.toBackend(b, 'reference')).backend.name).toBe('reference');
  });
});
