import { describe, expect, it } from 'vitest';
import { gradients, sum, tensor } from '@equigraph/core';
import { assertClose, checkGrads } from '@equigraph/core/testing';
import { BesselBasis, cosineCutoff, ExpNormalBasis, GaussianBasis } from '@equigraph/layers';

const opts = { dtype: 'float64' as const, backend: 'reference' };
const d = (values: number[]) => tensor(values, [values.length], opts);

describe('radial bases and cutoffs', () => {
  it('cosineCutoff is ½(cos(πd/c) + 1) inside, 0 from c on, with zero slope at c', () => {
    const c = 5;
    const got = cosineCutoff(d([0, 1.3, 4.9, 5, 6.2]), c).toArray();
    const want = [1, 0.5 * (Math.cos((1.3 * Math.PI) / c) + 1), 0.5 * (Math.cos((4.9 * Math.PI) / c) + 1), 0, 0];
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 14));
    const at = d([c - 1e-7]).withGrad();
    const [g] = gradients(sum(cosineCutoff(at, c)), [at]);
    expect(Math.abs(g!.item())).toBeLessThan(1e-6);
    expect(() => cosineCutoff(d([1]), 0)).toThrow("cosineCutoff: 'cutoff' must be a finite number > 0, got 0");
  });

  it("ExpNormalBasis equals LEFTNet's rbf_emb (means, betas, values)", () => {
    const K = 6;
    const c = 5;
    const basis = new ExpNormalBasis(K, c);
    const start = Math.exp(-c);
    const means = Array.from({ length: K }, (_, k) => start + ((1 - start) * k) / (K - 1));
    const beta = ((2 / K) * (1 - start)) ** -2;
    means.forEach((m, k) => expect(basis.means[k]).toBeCloseTo(m, 15));
    expect(basis.betas[0]).toBeCloseTo(beta, 10);
    const dist = [0.7, 2.1, 4.4, 5.3];
    const got = basis.forward(d(dist));
    expect(got.shape).toEqual([4, K]);
    const want = dist.flatMap((r) => means.map((m) => (r < c ? 0.5 * (Math.cos((r * Math.PI) / c) + 1) : 0) * Math.exp(-beta * (Math.exp(-r) - m) ** 2)));
    assertClose(got, tensor(want, [4, K], opts), { atol: 1e-14, rtol: 1e-12 }, 'rbf_emb');
  });

  it('BesselBasis equals √(2/c) sin(nπd/c)/d, with or without the cosine envelope', () => {
    const K = 4;
    const c = 4;
    const dist = [0.5, 1.7, 3.9];
    const raw = dist.flatMap((r) => Array.from({ length: K }, (_, k) => (Math.sqrt(2 / c) * Math.sin(((k + 1) * Math.PI * r) / c)) / r));
    assertClose(new BesselBasis(K, c, { cutoffEnvelope: false }).forward(d(dist)), tensor(raw, [3, K], opts), { atol: 1e-14, rtol: 1e-12 }, 'bessel');
    const env = dist.flatMap((r, i) => raw.slice(i * K, (i + 1) * K).map((v) => v * 0.5 * (Math.cos((r * Math.PI) / c) + 1)));
    assertClose(new BesselBasis(K, c).forward(tensor(dist, [3, 1], opts)), tensor(env, [3, K], opts), { atol: 1e-14, rtol: 1e-12 }, 'bessel·f_c');
    expect(() => new BesselBasis(K, c).forward(tensor([1, 2], [1, 2], opts))).toThrow("BesselBasis.forward: 'distances' has shape [1, 2], expected [E] or [E, 1]");
  });

  it("GaussianBasis equals PyG's GaussianSmearing: exp(−½ (d − μ_k)²/Δ²), μ_k on [0, c]", () => {
    // K = 5 on [0, 4]: μ = 0, 1, 2, 3, 4 and Δ = 1, so e_k(d) = exp(−½ (d − k)²).
    const dist = [0.5, 2.25];
    const want = dist.flatMap((r) => [0, 1, 2, 3, 4].map((k) => Math.exp(-0.5 * (r - k) ** 2)));
    assertClose(new GaussianBasis(5, 4).forward(d(dist)), tensor(want, [2, 5], opts), { atol: 1e-15 }, 'gaussian');
    expect(() => new GaussianBasis(0, 4)).toThrow("GaussianBasis: 'numBasis' must be a positive integer, got 0");
  });

  it('gradients match finite differences to second order (forces and force training)', () => {
    const dist = d([0.6, 1.9, 3.1, 4.2]);
    checkGrads((r) => new ExpNormalBasis(5, 5).forward(r), [dist], { order: 2 });
    checkGrads((r) => new BesselBasis(5, 5).forward(r), [dist], { order: 2 });
    checkGrads((r) => cosineCutoff(r, 5), [dist], { order: 2 });
    checkGrads((r) => new GaussianBasis(6, 5, { cutoffEnvelope: true }).forward(r), [dist], { order: 2 });
  });
});
