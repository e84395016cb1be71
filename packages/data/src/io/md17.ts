/**
 * MD17 / rMD17 trajectories stored as .npz.
 * - MD17 (sGDML, Chmiela et al.): `R` (frames, n, 3) Å, `z` (n), `E` (frames[, 1]) kcal/mol,
 *   `F` (frames, n, 3) kcal/mol/Å.
 * - rMD17 (Christensen & von Lilienfeld 2020): `coords`, `nuclear_charges`, `energies`, `forces`
 *   (same units).
 */
import type { Graph } from '../graph-batch.js';
import { DataFormatError } from './errors.js';
import { npyToFloat64, readNpz, type NpyArray } from './npy.js';

function pick(arrays: Record<string, NpyArray>, names: string[], source: string, required: boolean): NpyArray | undefined {
  for (const n of names) if (arrays[n]) return arrays[n];
  if (required) {
    throw new DataFormatError(source, {}, `no array named ${names.map((n) => `'${n}'`).join(' or ')} (found: ${Object.keys(arrays).join(', ')})`);
  }
  return undefined;
}

/** Frames of an MD17/rMD17 archive as graphs: positions, atomicNumbers, targets.energy, nodeTargets.forces. */
export function md17FromArrays(arrays: Record<string, NpyArray>, source = '<md17>'): Graph[] {
  const R = pick(arrays, ['R', 'coords'], source, true)!;
  const Z = pick(arrays, ['z', 'nuclear_charges'], source, true)!;
  const E = pick(arrays, ['E', 'energies'], source, false);
  const F = pick(arrays, ['F', 'forces'], source, false);
  if (R.shape.length !== 3 || R.shape[2] !== 3) throw new DataFormatError(source, {}, `positions have shape (${R.shape.join(', ')}), expected (frames, n, 3)`);
  const [T, n] = R.shape;
  if (Z.data.length !== n) throw new DataFormatError(source, {}, `${Z.data.length} atomic numbers for ${n} atoms`);
  if (E && E.data.length !== T) throw new DataFormatError(source, {}, `${E.data.length} energies for ${T} frames`);
  if (F && (F.data.length !== T * n * 3)) throw new DataFormatError(source, {}, `forces have shape (${F.shape.join(', ')}), expected (${T}, ${n}, 3)`);
  const r = npyToFloat64(R);
  const z = Int32Array.from(npyToFloat64(Z));
  const e = E ? npyToFloat64(E) : undefined;
  const f = F ? npyToFloat64(F) : undefined;
  const graphs: Graph[] = [];
  for (let t = 0; t < T; t++) {
    const g: Graph = { positions: r.slice(t * n * 3, (t + 1) * n * 3), atomicNumbers: z.slice(), targets: {} };
    if (e) g.targets.energy = e[t];
    if (f) g.nodeTargets = { forces: f.slice(t * n * 3, (t + 1) * n * 3) };
    graphs.push(g);
  }
  return graphs;
}

export function readMd17Npz(bytes: Uint8Array, source = '<md17.npz>'): Graph[] {
  return md17FromArrays(readNpz(bytes, source), source);
}
