import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { energyForceLoss, energyForceLossTerms, huberLoss, RegressionMetrics, regressionMetrics } from '@equigraph/train';

const opts = { dtype: 'float64' as const, backend: 'reference' };
const t = (v: number[] | number[][], shape?: number[]) => eg.tensor(v, shape, opts);

describe('losses', () => {
  it('Huber is quadratic inside delta and linear outside (torch.nn.HuberLoss)', () => {
    // errors 0.5, −2, 3 with delta 1: 0.125, 1.5, 2.5 → mean 4.125/3.
    expect(huberLoss(t([0.5, -2, 3]), t([0, 0, 0])).item()).toBeCloseTo(4.125 / 3, 14);
    // delta 2: 0.125, 2, 2·(3 − 1) = 4 → 6.125/3.
    expect(huberLoss(t([0.5, -2, 3]), t([0, 0, 0]), 2).item()).toBeCloseTo(6.125 / 3, 14);
  });

  // Two structures of 2 and 4 atoms: energies (1, 2) vs (0, 4); forces [6, 3] all zero but atom 0's (1, 2, 2).
  const forcesPred = t([[1, 2, 2], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  const forcesTrue = eg.zeros([6, 3], opts);
  const numAtoms = [2, 4];

  it('energy + force MSE: per atom, weighted', () => {
    const pred = { energy: t([1, 2]), forces: forcesPred };
    const target = { energy: t([0, 4]), forces: forcesTrue };
    // per atom: (1/2, −2/4) → MSE 0.25; forces: (1 + 4 + 4)/18 = 0.5; 1·0.25 + 10·0.5.
    expect(energyForceLoss(pred, target, { energyWeight: 1, forceWeight: 10, perAtom: true, numAtoms }).item()).toBeCloseTo(5.25, 14);
    // total energies: (1 + 4)/2 = 2.5; 2.5 + 10·0.5.
    expect(energyForceLoss(pred, target, { energyWeight: 1, forceWeight: 10 }).item()).toBeCloseTo(7.5, 14);
    // [B, 1] energies are accepted.
    const col = { energy: t([[1], [2]]), forces: forcesPred };
    expect(energyForceLoss(col, { energy: t([[0], [4]]), forces: forcesTrue }, { forceWeight: 10 }).item()).toBeCloseTo(7.5, 14);
  });

  it('energy + force loss with Huber and MAE terms', () => {
    const pred = { energy: t([1, 2]), forces: forcesPred };
    const target = { energy: t([0, 4]), forces: forcesTrue };
    const h = energyForceLossTerms(pred, target, { perAtom: true, numAtoms, loss: 'huber' });
    expect(h.energy.item()).toBeCloseTo(0.125, 14); // 0.5·0.5² for both
    expect(h.forces.item()).toBeCloseTo(3.5 / 18, 14); // 0.5 + 1.5 + 1.5
    const m = energyForceLossTerms(pred, target, { perAtom: true, numAtoms, loss: 'mae', energyWeight: 2, forceWeight: 3 });
    expect(m.energy.item()).toBeCloseTo(0.5, 14);
    expect(m.forces.item()).toBeCloseTo(5 / 18, 14);
    expect(m.total.item()).toBeCloseTo(1 + 15 / 18, 14);
  });

  it('its gradient w.r.t. predicted energies is 2·w·(ΔE/n)/n/B', () => {
    const e = t([1, 2]).withGrad();
    const loss = energyForceLoss({ energy: e, forces: forcesPred }, { energy: t([0, 4]), forces: forcesTrue }, { perAtom: true, numAtoms, energyWeight: 1 });
    const [g] = eg.gradients(loss, [e]);
    expect(Array.from(g!.toArray())).toEqual([0.25, -0.125]);
  });

  it('refuses mismatched shapes and perAtom without counts', () => {
    const pred = { energy: t([1, 2]), forces: forcesPred };
    expect(() => energyForceLoss(pred, { energy: t([0, 4, 1]), forces: forcesTrue })).toThrow(/energy/);
    expect(() => energyForceLoss(pred, { energy: t([0, 4]), forces: forcesTrue }, { perAtom: true })).toThrow(/numAtoms/);
  });
});

describe('metrics in physical units', () => {
  it('accumulates MAE and RMSE over batches with a scale and a unit label', () => {
    const m = new RegressionMetrics({ energy: { unit: 'meV', scale: 1000 }, forces: { unit: 'meV/Å', scale: 1000 } });
    m.update('energy', [1.001, 2], [1, 2.003]); // errors 1, −3 meV
    m.update('energy', t([5]), t([5.002])); // −2 meV
    expect(m.compute().energy_mae).toBeCloseTo(2, 9);
    expect(m.compute().energy_rmse).toBeCloseTo(Math.sqrt(14 / 3), 9);
    expect(m.units().energy_mae).toBe('meV');
    expect(m.format()).toMatch(/^energy MAE 2\.000 meV RMSE 2\.160 meV$/);
    // per-atom: divide each row's error by its atom count.
    m.reset();
    m.update('energy', [0.004, 0.004], [0, 0], [2, 4]);
    expect(m.compute().energy_mae).toBeCloseTo(1.5, 9);
    expect(regressionMetrics('x', [1, 2], [2, 2], { unit: 'eV' })).toEqual({ x_mae: 0.5, x_rmse: Math.sqrt(0.5) });
  });
});
