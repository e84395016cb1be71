import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferIO, main } from '../src/index.js';

export const REPO = join(import.meta.dirname, '..', '..', '..');

export function tmp(prefix = 'equigraph-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIO();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

/** A toy molecular data set: bent triatomics (O, H, H) with a harmonic energy and its exact forces, as extxyz. */
export function toyExtxyz(path: string, frames: number, seed = 1): string {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const lines: string[] = [];
  for (let f = 0; f < frames; f++) {
    const pos = [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0].map((x) => x + 0.08 * rand());
    // E = Σ_bonds k (r − r0)² + const, bonds O–H1, O–H2
    const F = new Array(9).fill(0);
    let E = -14.2;
    for (const h of [1, 2]) {
      const d = [0, 1, 2].map((c) => pos[3 * h + c] - pos[c]);
      const r = Math.hypot(...d);
      E += 3 * (r - 0.96) ** 2;
      const g = (6 * (r - 0.96)) / r;
      for (let c = 0; c < 3; c++) {
        F[3 * h + c] -= g * d[c];
        F[c] += g * d[c];
      }
    }
    lines.push('3', `Properties=species:S:1:pos:R:3:forces:R:3 energy=${E}`);
    ['O', 'H', 'H'].forEach((el, a) => lines.push(`${el} ${pos.slice(3 * a, 3 * a + 3).join(' ')} ${F.slice(3 * a, 3 * a + 3).join(' ')}`));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A few molecules in the QM9 .xyz format, concatenated. */
export function toyQm9(path: string, count: number): string {
  const out: string[] = [];
  for (let m = 0; m < count; m++) {
    const atoms: [string, number, number, number][] = [
      ['C', 0, 0, 0],
      ['O', 1.2 + 0.01 * m, 0, 0],
      ['H', -0.6, 0.9 + 0.02 * m, 0],
      ['H', -0.6, -0.9, 0.01 * m],
    ];
    const props = [1, 2, 3, 2.1 + 0.1 * m, 13, -0.25 - 0.01 * m, 0.02 + 0.005 * m, 0.27 + 0.015 * m, 100, 0.03, -114.5 - 0.02 * m, -114.4, -114.3, -114.6, 8];
    out.push(String(atoms.length), `gdb ${m + 1}\t${props.join('\t')}`);
    for (const [el, x, y, z] of atoms) out.push(`${el}\t${x}\t${y}\t${z}\t0.0`);
    out.push('1000\t2000', 'C=O\tC=O', 'InChI=1S/CH2O\tInChI=1S/CH2O');
  }
  writeFileSync(path, `${out.join('\n')}\n`);
  return path;
}
