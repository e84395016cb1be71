import type { Graph } from './graph-batch.js';

/**
 * Target normalisation for training: per-target mean/std, and per-element
 * reference energies fitted by linear least squares (E ≈ Σ_Z n_Z·e_Z), as
 * NequIP/MACE do, so a model learns the small interaction part of the energy.
 * Fit on the training split only and save the numbers with the model.
 */

export interface TargetStatistics {
  mean: number;
  std: number;
  count: number;
}

function targetValues(graph: Graph, key: string, index: number): ArrayLike<number> {
  const value = graph.targets[key];
  if (value === undefined) throw new Error(`target '${key}' is missing from graph ${index}`);
  return typeof value === 'number' ? [value] : value;
}

/** Mean and (population) standard deviation of a graph-level target over all its components. */
export function targetStatistics(graphs: readonly Graph[], key: string): TargetStatistics {
  let count = 0;
  let sum = 0;
  let sumSquares = 0;
  graphs.forEach((g, i) => {
    for (const v of Array.from(targetValues(g, key, i))) {
      if (!Number.isFinite(v)) throw new RangeError(`target '${key}' of graph ${i} is not finite (${v})`);
      count++;
      sum += v;
      sumSquares += v * v;
    }
  });
  if (count === 0) throw new RangeError(`target '${key}': no values to normalise`);
  const mean = sum / count;
  return { mean, std: Math.sqrt(Math.max(sumSquares / count - mean * mean, 0)), count };
}

export interface ElementReferences {
  /** Atomic numbers, ascending. */
  elements: number[];
  /** Reference energy per element, aligned with `elements`. */
  energies: number[];
  /** Root-mean-square residual of the fit (per structure). */
  rmse: number;
}

/**
 * Least-squares per-element reference energies from graphs with atomic
 * numbers: minimises Σ_g (E_g − Σ_Z n_gZ e_Z)² + ridge·Σ_Z e_Z². Elements that
 * always appear in fixed ratios (e.g. a single molecule's MD trajectory) make
 * the problem singular: pass a small ridge then, or the fit is an error.
 */
export function fitElementReferences(graphs: readonly Graph[], key = 'energy', ridge = 0): ElementReferences {
  const counts = graphs.map((g, i) => {
    if (!g.atomicNumbers) throw new Error(`fitElementReferences: graph ${i} has no atomicNumbers`);
    const c = new Map<number, number>();
    for (const z of g.atomicNumbers) c.set(z, (c.get(z) ?? 0) + 1);
    return c;
  });
  const elements = [...new Set(counts.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  const k = elements.length;
  // Normal equations AᵀA e = Aᵀb, solved by Gaussian elimination with partial pivoting (k is small).
  const ata = Array.from({ length: k }, () => new Float64Array(k + 1));
  graphs.forEach((g, i) => {
    const energy = targetValues(g, key, i)[0];
    const row = elements.map((z) => counts[i].get(z) ?? 0);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) ata[a][b] += row[a] * row[b];
      ata[a][k] += row[a] * energy;
    }
  });
  const scale = Math.max(...ata.map((row, a) => row[a]), 1);
  for (let a = 0; a < k; a++) ata[a][a] += ridge;
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(ata[r][col]) > Math.abs(ata[pivot][col])) pivot = r;
    [ata[col], ata[pivot]] = [ata[pivot], ata[col]];
    if (Math.abs(ata[col][col]) < 1e-12 * scale) {
      throw new RangeError(`fitElementReferences: element counts are linearly dependent (e.g. one molecule only); pass a ridge > 0`);
    }
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = ata[r][col] / ata[col][col];
      for (let c = col; c <= k; c++) ata[r][c] -= f * ata[col][c];
    }
  }
  const energies = elements.map((_, a) => ata[a][k] / ata[a][a]);
  let squares = 0;
  graphs.forEach((g, i) => {
    const predicted = elements.reduce((acc, z, a) => acc + (counts[i].get(z) ?? 0) * energies[a], 0);
    squares += (targetValues(g, key, i)[0] - predicted) ** 2;
  });
  return { elements, energies, rmse: Math.sqrt(squares / Math.max(graphs.length, 1)) };
}

/** Σ_Z n_Z e_Z for one structure; an element without a reference is an error naming it. */
export function referenceEnergy(refs: ElementReferences, atomicNumbers: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < atomicNumbers.length; i++) {
    const a = refs.elements.indexOf(atomicNumbers[i]);
    if (a < 0) throw new RangeError(`referenceEnergy: element Z=${atomicNumbers[i]} (atom ${i}) has no fitted reference energy`);
    total += refs.energies[a];
  }
  return total;
}
