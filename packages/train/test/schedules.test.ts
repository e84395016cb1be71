import { describe, expect, it } from 'vitest';
import { CosineSchedule, LinearWarmup, ReduceLROnPlateau } from '@equigraph/train';

/** The lr the schedule sets at steps 0..maxStep. */
function lrs(make: (opt: { lr: number }) => { step(m?: number): void }, steps: number, base: number): number[] {
  const opt = { lr: base };
  const s = make(opt);
  const out = [opt.lr];
  for (let i = 0; i < steps; i++) {
    s.step();
    out.push(opt.lr);
  }
  return out;
}

describe('learning-rate schedules (torch formulas at literal steps)', () => {
  it('LinearWarmup is LinearLR: base·(s + (e − s)·min(t, T)/T)', () => {
    // base 0.1, s = 0.25, T = 4: 0.1·(0.25 + 0.75·t/4).
    const got = lrs((o) => new LinearWarmup(o, { warmupSteps: 4, startFactor: 0.25 }), 10, 0.1);
    const expected = [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    got.forEach((lr, t) => expect(lr).toBeCloseTo(expected[t], 15));
  });

  it('CosineSchedule without warm-up is CosineAnnealingLR: eta_min + (base − eta_min)(1 + cos(πt/T))/2', () => {
    const got = lrs((o) => new CosineSchedule(o, { totalSteps: 4 }), 6, 1);
    // (1 + cos(π/4))/2 = 0.8535533905932737, (1 + cos(π/2))/2 = 0.5, (1 + cos(3π/4))/2 = 0.1464466094067262.
    const expected = [1, 0.8535533905932737, 0.5, 0.1464466094067262, 0, 0, 0];
    got.forEach((lr, t) => expect(lr).toBeCloseTo(expected[t], 15));
  });

  it('CosineSchedule with warm-up: LinearLR for W steps, then cosine over N − W down to minLr', () => {
    // base 0.1, W = 2, s = 0.5, N = 10, minLr 0.001:
    // t=0: 0.05; t=1: 0.075; t=2: 0.1; t=3: 0.001 + 0.099(1 + cos(π/8))/2 = 0.0962320368593087;
    // t=4: 0.001 + 0.099(1 + cos(π/4))/2 = 0.0855017856687341; t=6: 0.001 + 0.099/2 = 0.0505;
    // t=9: 0.001 + 0.099(1 + cos(7π/8))/2 = 0.004767963140691307; t ≥ 10: 0.001.
    const got = lrs((o) => new CosineSchedule(o, { totalSteps: 10, warmupSteps: 2, warmupStartFactor: 0.5, minLr: 0.001 }), 12, 0.1);
    const expected: Record<number, number> = { 0: 0.05, 1: 0.075, 2: 0.1, 3: 0.0962320368593087, 4: 0.0855017856687341, 6: 0.0505, 9: 0.004767963140691307, 10: 0.001, 12: 0.001 };
    for (const [t, lr] of Object.entries(expected)) expect(got[Number(t)]).toBeCloseTo(lr, 15);
  });

  it('closed-form schedules restore from state mid-way', () => {
    const a = { lr: 0.1 };
    const s = new CosineSchedule(a, { totalSteps: 10, warmupSteps: 2 });
    for (let i = 0; i < 5; i++) s.step();
    const b = { lr: 0.1 };
    const r = new CosineSchedule(b, { totalSteps: 10, warmupSteps: 2 });
    r.setState(JSON.parse(JSON.stringify(s.getState())));
    expect(b.lr).toBe(a.lr);
    s.step();
    r.step();
    expect(b.lr).toBe(a.lr);
    expect(() => new LinearWarmup({ lr: 0.1 }, { warmupSteps: 3 }).setState(s.getState())).toThrow(/CosineSchedule/);
  });

  it('ReduceLROnPlateau follows torch step by step (rel threshold, patience, cooldown, min lr, eps)', () => {
    const opt = { lr: 1 };
    const s = new ReduceLROnPlateau(opt, { factor: 0.5, patience: 2, threshold: 0.1, cooldown: 1, minLr: 0.2 });
    // is_better: a < best·(1 − 0.1). Trace (best, bad, cooldown):
    //  10 → best 10 | 9.5, 9.2 → bad 1, 2 | 9.1 → bad 3 > 2: lr 0.5, cooldown 1
    //  8 → best 8, cooldown 0 | 8, 8 → bad 1, 2 | 8 → reduce: lr 0.25, cooldown 1
    //  8 → bad 1, cooldown resets it to 0 | 8, 8 → 1, 2 | 8 → lr max(0.125, 0.2) = 0.2
    //  8 → cooldown | 8, 8, 8 → reduce to max(0.1, 0.2) = 0.2: change 0 ≤ eps, lr stays
    const metrics = [10, 9.5, 9.2, 9.1, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8];
    const expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2];
    const got = metrics.map((m) => (s.step(m), opt.lr));
    expect(got).toEqual(expected);
  });

  it("ReduceLROnPlateau 'max' mode with an absolute threshold, and its state round-trips (Infinity included)", () => {
    const opt = { lr: 1 };
    const s = new ReduceLROnPlateau(opt, { mode: 'max', thresholdMode: 'abs', threshold: 0.5, patience: 0, factor: 0.1 });
    const state0 = JSON.parse(JSON.stringify(s.getState(), (_k, v) => (v === -Infinity ? '-inf' : v)), (_k, v) => (v === '-inf' ? -Infinity : v));
    s.step(1); // best 1
    expect(opt.lr).toBe(1);
    s.step(1.4); // not > 1 + 0.5: bad 1 > 0 → lr 0.1
    expect(opt.lr).toBeCloseTo(0.1, 15);
    s.step(2); // 2 > 1.5: best 2
    expect(opt.lr).toBeCloseTo(0.1, 15);
    const fresh = new ReduceLROnPlateau({ lr: 1 }, { mode: 'max' });
    fresh.setState(state0);
    expect(fresh.best).toBe(-Infinity);
  });
});
