import { describe, expect, it } from 'vitest';
import { compareOnNBody } from '../hegnn-nbody.js';

describe('HEGNN vs EGNN on N-body (tools/train/hegnn-nbody.ts)', () => {
  it('trains both models on the same data; a short HEGNN run lowers the training loss', () => {
    const lines: string[] = [];
    const { baselines, results } = compareOnNBody({
      numBodies: 5, preset: 'hegnn', numTrain: 100, numValid: 50, numTest: 50, epochs: 4, evalEvery: 2, seed: 0,
      models: ['egnn', 'hegnn'], maxDegree: 2, batchSize: 25, hidden: 16, layers: 2, lr: 1e-3, normalizeInnerProducts: true, log: (l) => lines.push(l),
    });
    expect(baselines.linear).toBeGreaterThan(0);
    expect(results.map((r) => r.model)).toEqual(['EGNN', 'HEGNN (L = 2)']);
    for (const r of results) {
      expect(Number.isFinite(r.best.test)).toBe(true);
      expect(r.lastTrain).toBeLessThan(r.firstTrain);
    }
    expect(lines.some((l) => l.startsWith('data: 5 bodies'))).toBe(true);
  });
});
