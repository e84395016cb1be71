import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWeights, saveWeights, stateDict, type Module } from '@equigraph/layers';
import { EGNN, EGNNVel, HEGNN, LEFTNet, NequIP, SMP, UniversalGraphNetwork } from '@equigraph/models';

const opts = { dtype: 'float64' as const, backend: 'reference' };
const dir = mkdtempSync(join(tmpdir(), 'eg-models-'));

/** Every model, built twice with different seeds, plus a differently sized variant. */
const MODELS: Array<[string, (seed: number, wide?: boolean) => Module]> = [
  ['EGNN', (seed, wide) => new EGNN({ inFeatures: 3, hiddenFeatures: wide ? 10 : 8, numLayers: 2, graphHead: { outFeatures: 1 }, ...opts, seed })],
  ['EGNNVel', (seed, wide) => new EGNNVel({ hiddenFeatures: wide ? 10 : 8, numLayers: 2, ...opts, seed })],
  ['HEGNN', (seed, wide) => new HEGNN({ inFeatures: 2, hiddenFeatures: wide ? 10 : 8, numLayers: 2, maxDegree: 2, ...opts, seed })],
  ['LEFTNet', (seed, wide) => new LEFTNet({ hiddenChannels: wide ? 12 : 8, numLayers: 1, numRadial: 4, cutoff: 4, ...opts, seed })],
  ['NequIP', (seed, wide) => new NequIP({ numTypes: 2, mul: wide ? 3 : 2, lmax: 1, numLayers: 1, numBasis: 4, radialHidden: [4], ...opts, seed })],
  ['SMP', (seed, wide) => new SMP({ outFeatures: 2, hiddenFeatures: wide ? 6 : 4, numLayers: 1, ...opts, seed })],
  ['UniversalGraphNetwork', (seed, wide) => new UniversalGraphNetwork({ inChannels: 1, hidden: wide ? 5 : 4, outChannels: 1, ...opts, seed })],
];

const values = (m: Module) => [...stateDict(m).entries()].map(([name, a]) => [name, Array.from(a.data)]);

describe('every model saves and loads its weights (safetensors)', () => {
  for (const [name, build] of MODELS) {
    it(`${name}: save → load reproduces every parameter; a wrong shape is refused naming the parameter`, () => {
      const a = build(1);
      const b = build(2);
      expect(values(b)).not.toEqual(values(a));
      const path = join(dir, `${name}.safetensors`);
      saveWeights(a, path);
      loadWeights(b, path);
      expect(values(b)).toEqual(values(a));
      const wide = build(1, true);
      expect(() => loadWeights(wide, path)).toThrow(/parameter '.+' has shape \[.*\], the model expects \[.*\]|unexpected parameters|is missing/);
    });
  }
});
