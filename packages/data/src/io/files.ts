/** File conveniences over node:fs; a missing or unreadable file gives an error naming the path. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../graph-batch.js';
import { readExtxyz, readQm9Xyz, readXyz, type ReadExtxyzOptions, type XyzFrame } from './xyz.js';
import { readNpy, readNpz, type NpyArray } from './npy.js';
import { readMd17Npz } from './md17.js';
import { nbodyFromNpy, type NBodyArrays } from './nbody-npy.js';

function bytesOf(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${err.code ?? err.message})`);
  }
}

export const readXyzFile = (path: string): XyzFrame[] => readXyz(bytesOf(path), path);
export const readExtxyzFile = (path: string, opts?: ReadExtxyzOptions): XyzFrame[] => readExtxyz(bytesOf(path), path, opts);
export const readQm9XyzFile = (path: string): XyzFrame => readQm9Xyz(bytesOf(path), path);
export const readNpyFile = (path: string): NpyArray => readNpy(bytesOf(path), path);
export const readNpzFile = (path: string): Record<string, NpyArray> => readNpz(bytesOf(path), path);
export const readMd17File = (path: string): Graph[] => readMd17Npz(bytesOf(path), path);

/**
 * Read `loc_<split><suffix>.npy`, `vel_…`, `charges_…` and (if present) `edges_…` from `dir`,
 * e.g. `readEgnnNBodyFiles(dir, 'train', '_charged5_initvel1small')`.
 */
export function readEgnnNBodyFiles(
  dir: string,
  split: 'train' | 'valid' | 'test',
  suffix = '_charged5_initvel1small',
  opts: { axisOrder?: 'frames-dim-n' | 'frames-n-dim' } = {},
): NBodyArrays {
  const f = (what: string) => join(dir, `${what}_${split}${suffix}.npy`);
  let edges: NpyArray | undefined;
  try {
    edges = readNpyFile(f('edges'));
  } catch (e) {
    if (!/no such file/.test((e as Error).message)) throw e;
  }
  return nbodyFromNpy(
    { loc: readNpyFile(f('loc')), vel: readNpyFile(f('vel')), charges: readNpyFile(f('charges')), edges },
    { ...opts, source: f('*') },
  );
}
