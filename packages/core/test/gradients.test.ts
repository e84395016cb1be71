import { describe, it } from 'vitest';
import * as eg from '@equigraph/core';
import { checkGrads, KERNEL_CASES } from '@equigraph/core/testing';

// Every kernel's gradient against central finite differences in float64,
// first and second order (gradients are ops, so they differentiate again).
describe('finite-difference gradient checks (float64, reference backend)', () => {
  eg.setBackend('reference');
  KERNEL_CASES.forEach((c, k) => {
    if (c.noGrad || c.lossy || c.large) return;
    it(`${c.name}: first and second order`, () => {
      const rng = new eg.Rng(2000 + k);
      const specs = c.inputs(rng, 'float64');
      const floats = specs.map((s, i) => ({ s, i })).filter(({ s }) => !s.int);
      const fixed = specs.map((s) => eg.tensor(s.values, s.shape, { dtype: s.int ? 'int32' : 'float64' }));
      const f = (...xs: eg.Tensor[]) => {
        const args = [...fixed];
        floats.forEach(({ i }, j) => (args[i] = xs[j]));
        return c.run(...args);
      };
      // maximum/minimum/max/relu/abs are not differentiable at ties or 0; random inputs avoid those points.
      checkGrads(f, floats.map(({ i }) => fixed[i]), { order: 2 });
    });
  });
});
