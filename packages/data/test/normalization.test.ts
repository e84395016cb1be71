import { describe, expect, it } from 'vitest';
import { Rng } from '@equigraph/core';
import { fitElementReferences, referenceEnergy, targetStatistics, type Graph } from '@equigraph/data';

const molecule = (zs: number[], energy: number): Graph => ({
  positions: new Float64Array(zs.length * 3),
  atomicNumbers: Int32Array.from(zs),
  targets: { energy },
});

describe('target normalisation', () => {
  it('mean and std over every component', () => {
    const graphs: Graph[] = [{ positions: new Float64Array(3), targets: { dipole: Float64Array.of(1, 3) } }, { positions: new Float64Array(3), targets: { dipole: Float64Array.of(5, 7) } }];
    const s = targetStatistics(graphs, 'dipole');
    expect(s.mean).toBe(4);
    expect(s.std).toBeCloseTo(Math.sqrt(5), 12);
    expect(() => targetStatistics(graphs, 'energy')).toThrow("target 'energy' is missing from graph 0");
  });

  it('recovers exact per-element reference energies from a linear model', () => {
    const truth = new Map([[1, -13.6], [6, -1029.8], [8, -2041.3]]);
    const rng = new Rng(3);
    const graphs = Array.from({ length: 40 }, () => {
      const zs = Array.from({ length: 3 + rng.integer(8) }, () => [1, 6, 8][rng.integer(3)]);
      return molecule(zs, zs.reduce((acc, z) => acc + truth.get(z)!, 0));
    });
    const refs = fitElementReferences(graphs);
    expect(refs.elements).toEqual([1, 6, 8]);
    refs.energies.forEach((e, i) => expect(e).toBeCloseTo(truth.get(refs.elements[i])!, 6));
    expect(refs.rmse).toBeLessThan(1e-6);
    expect(referenceEnergy(refs, [6, 1, 1, 1, 1])).toBeCloseTo(-1029.8 - 4 * 13.6, 6);
    expect(() => referenceEnergy(refs, [7])).toThrow('referenceEnergy: element Z=7 (atom 0) has no fitted reference energy');
  });
});

describe('singular reference fits', () => {
  it('one molecule only is an error without a ridge, and fits with one', () => {
    const graphs = [molecule([6, 1, 1, 1, 1], -1084.2), molecule([6, 1, 1, 1, 1], -1084.0)];
    expect(() => fitElementReferences(graphs)).toThrow(/linearly dependent.*pass a ridge > 0/);
    const refs = fitElementReferences(graphs, 'energy', 1e-6);
    expect(referenceEnergy(refs, [6, 1, 1, 1, 1])).toBeCloseTo(-1084.1, 3);
  });
});
