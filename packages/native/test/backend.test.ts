// The registered backend 'cpu' through the op layer: every kernel and its
// gradient against the reference backend.
import { backendReport, findBackend } from '@equigraph/core';
import { runKernelSuite } from '@equigraph/core/testing';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('backend registration', () => {
  it("registers 'cpu' at priority 300 and loads it", () => {
    expect(findBackend('cpu').name).toBe('cpu');
    const entry = backendReport().find((b) => b.name === 'cpu');
    expect(entry?.priority).toBe(300);
    expect(entry?.state === 'active' || entry?.state === 'available').toBe(true);
  });
});

runKernelSuite('cpu', { describe, it });
