import { describe, expect, it } from 'vitest';
import {
  chargedNBodySplits,
  chargedNBodyTask,
  generateChargedNBody,
  trajectoryEnergies,
  chargedNBodyFrameSteps,
} from '../src/index.js';

describe('charged N-body (EGNN / NRI)', () => {
  const data = generateChargedNBody({ numTrajectories: 200, seed: 7 });

  it('has 49 frames of 5 bodies, saved after steps 100…4900', () => {
    expect(data.numFrames).toBe(49);
    expect(data.loc.length).toBe(200 * 49 * 5 * 3);
    expect(data.vel.length).toBe(data.loc.length);
    expect(data.charges.length).toBe(200 * 5);
    expect(Array.from(data.frameSteps.slice(0, 3))).toEqual([100, 200, 300]);
    expect(data.frameSteps[48]).toBe(4900);
    expect(chargedNBodyFrameSteps('hegnn').length).toBe(50);
    expect(data.params.effectiveLocStd).toBe(1);
  });

  it('is deterministic by seed and differs across seeds', () => {
    const a = generateChargedNBody({ numTrajectories: 5, seed: 11 });
    const b = generateChargedNBody({ numTrajectories: 5, seed: 11 });
    const c = generateChargedNBody({ numTrajectories: 5, seed: 12 });
    expect(a.loc).toEqual(b.loc);
    expect(a.charges).toEqual(b.charges);
    expect(a.loc).not.toEqual(c.loc);
  });

  it('draws charges ±1 with probability 1/2', () => {
    const d = generateChargedNBody({ numTrajectories: 2000, seed: 3, length: 100, sampleFreq: 50 });
    let pos = 0;
    for (const q of d.charges) {
      expect(Math.abs(q)).toBe(1);
      if (q > 0) pos++;
    }
    const frac = pos / d.charges.length; // 10000 draws: σ = 0.005
    expect(Math.abs(frac - 0.5)).toBeLessThan(0.02);
  });

  it('conserves energy over a trajectory (quantified)', () => {
    // Symplectic Euler with Δt = 0.001 conserves energy well until two opposite charges come
    // close: then |F| = 1/r² exceeds the clip (100) for r < 0.1 and the step is too coarse, so
    // energy jumps. Quantify both populations.
    const T = data.numFrames;
    const calm: number[] = [];
    const all: number[] = [];
    for (let s = 0; s < data.numTrajectories; s++) {
      const E = trajectoryEnergies(data, s);
      let minDist = Infinity;
      for (let t = 0; t < T; t++) {
        const o = (s * T + t) * 15;
        for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) {
          const d = Math.hypot(
            data.loc[o + 3 * i] - data.loc[o + 3 * j],
            data.loc[o + 3 * i + 1] - data.loc[o + 3 * j + 1],
            data.loc[o + 3 * i + 2] - data.loc[o + 3 * j + 2],
          );
          minDist = Math.min(minDist, d);
        }
      }
      let maxDev = 0;
      for (const e of E) maxDev = Math.max(maxDev, Math.abs(e - E[0]));
      const rel = maxDev / 0.625; // initial kinetic energy 5 · ½ · 0.5²
      all.push(rel);
      if (minDist > 0.5) calm.push(rel);
    }
    const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
    console.log(
      `energy drift max_t |E_t − E_0| / K_0: all ${all.length} trajectories median ${q(all, 0.5).toExponential(2)}, ` +
        `90% ${q(all, 0.9).toExponential(2)}; ${calm.length} without a pair closer than 0.5: ` +
        `median ${q(calm, 0.5).toExponential(2)}, max ${q(calm, 1).toExponential(2)}`,
    );
    expect(calm.length).toBeGreaterThan(20);
    expect(q(calm, 0.5)).toBeLessThan(5e-3);
    expect(q(calm, 0.9)).toBeLessThan(5e-2);
  });

  it('task view: frame 30 → frame 40', () => {
    const t = chargedNBodyTask(data);
    expect(t.loc.length).toBe(200 * 15);
    expect(t.loc[0]).toBe(data.loc[30 * 15]);
    expect(t.target[0]).toBe(data.loc[40 * 15]);
    expect(t.vel[16]).toBe(data.vel[49 * 15 + 30 * 15 + 1]);
  });

  it('reproduces NumPy draws of the authors\' script (seed 43, trajectories 0 and 1)', () => {
    const d = generateChargedNBody({ numTrajectories: 2, seed: 43, rngKind: 'numpy' });
    expect(Array.from(d.charges)).toEqual([-1, 1, -1, -1, -1, 1, -1, 1, 1, 1]);
    // frame 0 of trajectory 0, computed with NumPy 2.4 running the original synthetic_sim.py
    const ref = [0.445278278029731, 1.4597731517517143, -0.5162393922514775, 0.8676521040871057, -0.6024648887497819];
    for (let k = 0; k < ref.length; k++) expect(d.loc[k]).toBeCloseTo(ref[k], 12);
  });

  it('larger systems (HEGNN preset, 20 bodies)', () => {
    const d = generateChargedNBody({ numTrajectories: 3, numBodies: 20, seed: 1, preset: 'hegnn' });
    expect(d.numFrames).toBe(50);
    expect(d.frameSteps[0]).toBe(1);
    expect(d.params.effectiveLocStd).toBeCloseTo(Math.pow(4, 1 / 3) + 0.1, 12);
    expect(d.loc.every(Number.isFinite)).toBe(true);
  });

  it('splits: 3000 / 2000 / 2000 with their own seeds (timing printed)', () => {
    const t0 = performance.now();
    const s = chargedNBodySplits(42);
    const ms = performance.now() - t0;
    console.log(`generated 7000 EGNN N-body trajectories in ${(ms / 1000).toFixed(2)} s`);
    expect(s.train.numTrajectories).toBe(3000);
    expect(s.valid.numTrajectories).toBe(2000);
    expect(s.test.numTrajectories).toBe(2000);
    expect(s.train.loc.subarray(0, 15)).not.toEqual(s.valid.loc.subarray(0, 15));
    const again = chargedNBodySplits(42, { numTrain: 3, numValid: 3, numTest: 3 });
    expect(again.valid.loc.subarray(0, 49 * 15)).toEqual(s.valid.loc.subarray(0, 49 * 15));
  });
});
