/**
 * The N-body `.npy` files of the EGNN authors (`loc_train_charged5_initvel1small.npy`, …):
 * `loc`, `vel` with shape (sims, frames, 3, n) — dimension before particle! — `charges` (sims, n, 1)
 * and `edges` (sims, n, n) = q qᵀ. The GMN/HEGNN generator writes (sims, frames, n, 3) instead: pass
 * `axisOrder: 'frames-n-dim'`. Returns our layout, `[sims, frames, n, 3]`.
 */
import { DataFormatError } from './errors.js';
import { npyToFloat64, type NpyArray } from './npy.js';

export interface NBodyArrays {
  numTrajectories: number;
  numFrames: number;
  numBodies: number;
  loc: Float64Array;
  vel: Float64Array;
  charges: Float64Array;
  edges?: Float64Array;
}

export function nbodyFromNpy(
  arrays: { loc: NpyArray; vel: NpyArray; charges: NpyArray; edges?: NpyArray },
  opts: { axisOrder?: 'frames-dim-n' | 'frames-n-dim'; source?: string } = {},
): NBodyArrays {
  const source = opts.source ?? '<nbody>';
  const order = opts.axisOrder ?? 'frames-dim-n';
  const { loc, vel, charges } = arrays;
  if (loc.shape.length !== 4) throw new DataFormatError(`${source}[loc]`, {}, `shape (${loc.shape.join(', ')}) is not 4-d`);
  const [S, T, a, b] = loc.shape;
  const n = order === 'frames-dim-n' ? b : a;
  const dim = order === 'frames-dim-n' ? a : b;
  if (dim !== 3) throw new DataFormatError(`${source}[loc]`, {}, `shape (${loc.shape.join(', ')}) has no axis of size 3 where axisOrder '${order}' puts it`);
  if (vel.shape.join() !== loc.shape.join()) throw new DataFormatError(`${source}[vel]`, {}, `shape (${vel.shape.join(', ')}) differs from loc's (${loc.shape.join(', ')})`);
  if (charges.data.length !== S * n) throw new DataFormatError(`${source}[charges]`, {}, `shape (${charges.shape.join(', ')}) does not hold ${S}×${n} charges`);
  const fix = (src: Float64Array): Float64Array => {
    if (order === 'frames-n-dim') return src.slice();
    const out = new Float64Array(src.length);
    for (let st = 0; st < S * T; st++) {
      const o = st * 3 * n;
      for (let d = 0; d < 3; d++) for (let i = 0; i < n; i++) out[o + 3 * i + d] = src[o + d * n + i];
    }
    return out;
  };
  const out: NBodyArrays = {
    numTrajectories: S,
    numFrames: T,
    numBodies: n,
    loc: fix(npyToFloat64(loc)),
    vel: fix(npyToFloat64(vel)),
    charges: npyToFloat64(charges).slice(),
  };
  if (arrays.edges) {
    if (arrays.edges.data.length !== S * n * n) throw new DataFormatError(`${source}[edges]`, {}, `shape (${arrays.edges.shape.join(', ')}) is not (${S}, ${n}, ${n})`);
    out.edges = npyToFloat64(arrays.edges).slice();
  }
  return out;
}

/** Inverse of {@link nbodyFromNpy} for `loc`/`vel`: our `[sims, frames, n, 3]` → (sims, frames, 3, n). */
export function toEgnnAxisOrder(x: Float64Array, S: number, T: number, n: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let st = 0; st < S * T; st++) {
    const o = st * 3 * n;
    for (let d = 0; d < 3; d++) for (let i = 0; i < n; i++) out[o + d * n + i] = x[o + 3 * i + d];
  }
  return out;
}
