import { describe, expect, it } from 'vitest';
import { allocArray } from '@equigraph/core';

describe('smoke', () => {
  it('allocates', () => {
    expect(allocArray('float64', 3).length).toBe(3);
  });
});
