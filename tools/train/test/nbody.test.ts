import { describe, expect, it } from 'vitest';
import { Batcher, baselines, makeSplits, trainNBody } from '../nbody-task.js';

describe('charged N-body training (tools/train)', () => {
  it('builds main_nbody.py inputs: ‖v‖, [q_i q_j, ‖x_i − x_j‖²] per edge, frame 40 targets', () => {
    const { train } = makeSplits(3, { train: 4, valid: 1, test: 1 });
    const batch = new Batcher(5, 'float64', 'reference').batch(train, [2, 0]);
    expect(batch.x.shape).toEqual([10, 3]);
    expect(batch.edgeAttr.shape).toEqual([40, 2]);
    const attr = batch.edgeAttr.toArray();
    // edge 0 of graph 0 (sample 2): target 0, source 1
    expect(attr[0]).toBe(train.charges[10] * train.charges[11]);
    const d = [0, 1, 2].map((c) => train.loc[30 + c] - train.loc[33 + c]);
    expect(attr[1]).toBeCloseTo(d[0] ** 2 + d[1] ** 2 + d[2] ** 2, 12);
    expect(batch.h.toArray()[5]).toBeCloseTo(Math.hypot(train.vel[0], train.vel[1], train.vel[2]), 12);
    expect(baselines(train).static).toBeGreaterThan(0);
  });

  it('a short run lowers the training loss', () => {
    const result = trainNBody({ numTrain: 200, numValid: 100, numTest: 100, epochs: 4, evalEvery: 3, seed: 0, hidden: 16, layers: 2, lr: 1e-3, log: () => {} });
    const h = result.history;
    expect(h[h.length - 1].train).toBeLessThan(h[0].train);
    expect(Number.isFinite(result.best.test)).toBe(true);
  });
});
