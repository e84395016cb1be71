import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  Rng,
  nbodyFromNpy,
  readEgnnNBodyFiles,
  readExtxyz,
  readMd17Npz,
  readNpy,
  readNpz,
  readQm9Xyz,
  readXyz,
  readXyzFile,
  toEgnnAxisOrder,
  writeExtxyz,
  writeNpy,
  generateChargedNBody,
  type Graph,
} from '../src/index.js';

const EXTXYZ = `2
Lattice="5.0 0.0 0.0 1.0 4.0 0.0 0.0 0.5 6.0" Properties=species:S:1:pos:R:3:forces:R:3:tags:I:1 energy=-12.5 config_type="bulk water" stress="1 2 3 4 5 6 7 8 9" pbc="T T F" converged=T
O 0.0 0.1 0.2 0.01 -0.02 0.03 1
H 0.9 0.1 0.2 -0.01 0.02 -0.03 0
3
Properties=species:S:1:pos:R:3 energy=-1.0
C 0 0 0
H 1 0 0
H 0 1 0
`;

describe('readers and writers', () => {
  it('extxyz: Lattice, Properties, quoted values, pbc, arrays', () => {
    const [a, b] = readExtxyz(EXTXYZ, 'test.extxyz');
    expect(Array.from(a.cell!)).toEqual([5, 0, 0, 1, 4, 0, 0, 0.5, 6]);
    expect(a.pbc).toEqual([true, true, false]);
    expect(a.species).toEqual(['O', 'H']);
    expect(Array.from(a.atomicNumbers!)).toEqual([8, 1]);
    expect(Array.from(a.positions)).toEqual([0, 0.1, 0.2, 0.9, 0.1, 0.2]);
    expect(Array.from(a.nodeTargets!.forces)).toEqual([0.01, -0.02, 0.03, -0.01, 0.02, -0.03]);
    expect(Array.from(a.nodeArrays!.tags)).toEqual([1, 0]);
    expect(a.targets.energy).toBe(-12.5);
    expect((a.targets.stress as Float64Array).length).toBe(9);
    expect(a.info.config_type).toBe('bulk water');
    expect(a.info.converged).toBe(true);
    expect(b.cell).toBeUndefined();
    expect(b.positions.length).toBe(9);
  });

  it('extxyz write → read round-trips exactly', () => {
    const rng = new Rng(2);
    const g: Graph = {
      positions: rng.fillNormal(new Float64Array(9)),
      species: ['C', 'O', 'H'],
      cell: new Float64Array([4.1, 0, 0, 0.3, 3.9, 0, 0.1, 0.2, 5.5]),
      pbc: [true, false, true],
      targets: { energy: rng.normal(), virial: rng.fillNormal(new Float64Array(9)) },
      nodeTargets: { forces: rng.fillNormal(new Float64Array(9)) },
    };
    const [back] = readExtxyz(writeExtxyz([g]), 'roundtrip');
    expect(back.positions).toEqual(g.positions);
    expect(back.cell).toEqual(g.cell);
    expect(back.pbc).toEqual(g.pbc);
    expect(back.targets).toEqual(g.targets);
    expect(back.nodeTargets).toEqual(g.nodeTargets);
    expect(back.species).toEqual(g.species);
  });

  it('plain xyz, multi-frame; malformed files name source and line', () => {
    const frames = readXyz('2\nwater?\nO 0 0 0\nH 1 0 0\n1\n\nHe 0 0 5\n', 'a.xyz');
    expect(frames.length).toBe(2);
    expect(frames[1].species).toEqual(['He']);
    expect(() => readXyz('3\ncomment\nO 0 0 0\nH 1 0 0\n', 'trunc.xyz')).toThrow(/^trunc\.xyz:5: file ends/);
    expect(() => readXyz('2\nc\nO 0 0 0\nH 1 x 0\n', 'bad.xyz')).toThrow(/^bad\.xyz:4: .*'x' is not a number/);
    expect(() => readXyz('two\nc\n', 'count.xyz')).toThrow(/^count\.xyz:1: expected the atom count/);
    expect(() => readExtxyz('1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2\n', 'f.extxyz')).toThrow(/^f\.extxyz:3: atom 0: expected 7 columns/);
    expect(() => readExtxyz('1\nenergy="1.0\nH 0 0 0\n', 'q.extxyz')).toThrow(/^q\.extxyz:2: unterminated quote/);
  });

  it('QM9 .xyz with Mathematica exponents and Mulliken charges', () => {
    const text = `5
gdb 1\t157.7118\t157.70997\t157.70699\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.3641\t0.044749\t-40.47893\t-40.476062\t-40.475117\t-40.498597\t6.469\t
C\t-0.0126981359\t 1.0858041578\t 0.0080009958\t-0.535689
H\t 0.002150416\t-0.0060313176\t 0.0019761204\t 0.133921
H\t 1.0117308433\t 1.4637511618\t 0.0002765748\t 0.133922
H\t-0.540815069\t 1.4475266138\t-0.8766437152\t 0.133923
H\t-0.5238136345\t 1.4379326443\t 0.9063972942\t 0.133923
1341.307\t1341.3284\t1341.365\t1562.6731\t1562.7453\t3038.3205\t3151.6034\t3151.6788\t3151.7078
C\tC\t
InChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4
`;
    const m = readQm9Xyz(text.replace('-0.0126981359', '-1.26981359*^-2'), 'dsgdb9nsd_000001.xyz');
    expect(m.positions[0]).toBeCloseTo(-0.0126981359, 15);
    expect(m.targets.U0).toBe(-40.47893);
    expect(m.targets.Cv).toBe(6.469);
    expect(m.targets.gap).toBe(0.5048);
    expect(Array.from(m.atomicNumbers!)).toEqual([6, 1, 1, 1, 1]);
    expect(m.nodeArrays!.mulliken_charges[0]).toBe(-0.535689);
    expect(m.info.index).toBe(1);
    expect((m.info.frequencies as Float64Array).length).toBe(9);
    expect(m.info.inchi).toBe('InChI=1S/CH4/h1H4');
    expect(() => readQm9Xyz(text.split('\n').slice(0, 5).join('\n'), 'cut.xyz')).toThrow(/^cut\.xyz:\d+: file ends/);
  });

  it('npy write → read for every dtype; header versions; truncation gives the byte offset', () => {
    const arrays = [
      { data: new Float64Array([1.5, -2, 3e-300, Math.PI, 0, 7]), shape: [2, 3] },
      { data: new Float32Array([1.5, -2, 3]), shape: [3] },
      { data: new Int32Array([1, -2, 3, 4]), shape: [2, 1, 2] },
      { data: new BigInt64Array([1n, -2n, 9007199254740993n]), shape: [3] },
    ];
    for (const a of arrays) {
      const bytes = writeNpy(a);
      expect(bytes.length % 64).toBe((a.data.byteLength) % 64);
      const back = readNpy(bytes, 'x.npy');
      expect(back.shape).toEqual(a.shape);
      expect(back.data).toEqual(a.data);
    }
    const big = writeNpy({ data: new Float64Array(0), shape: [0] });
    expect(readNpy(big).shape).toEqual([0]);
    const bytes = writeNpy(arrays[0]);
    expect(() => readNpy(bytes.subarray(0, bytes.length - 3), 'cut.npy')).toThrow(/^cut\.npy at byte \d+: data truncated/);
    expect(() => readNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'junk.npy')).toThrow(/junk\.npy at byte 0: not a \.npy/);
    // version 2.0 header written by hand, Fortran order
    const dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
    const hl = 128 - 12;
    const head = new Uint8Array(12 + hl);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(head.buffer).setUint32(8, hl, true);
    const padded = dict + ' '.repeat(hl - dict.length - 1) + '\n';
    for (let k = 0; k < hl; k++) head[12 + k] = padded.charCodeAt(k);
    const f = new Float64Array([1, 4, 2, 5, 3, 6]); // Fortran order of [[1,2,3],[4,5,6]]
    const v2 = new Uint8Array(head.length + f.byteLength);
    v2.set(head);
    v2.set(new Uint8Array(f.buffer), head.length);
    expect(Array.from(readNpy(v2).data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('npz (built with fflate) as MD17 and rMD17', () => {
    const T = 3, n = 2;
    const R = new Float64Array(T * n * 3).map((_, i) => i * 0.1);
    const F = new Float64Array(T * n * 3).map((_, i) => -i);
    const E = new Float64Array([-1, -2, -3]);
    const md17 = zipSync({
      'R.npy': writeNpy({ data: R, shape: [T, n, 3] }),
      'z.npy': writeNpy({ data: new BigInt64Array([6n, 8n]), shape: [n] }),
      'E.npy': writeNpy({ data: E, shape: [T, 1] }),
      'F.npy': writeNpy({ data: F, shape: [T, n, 3] }),
    });
    const g = readMd17Npz(md17, 'aspirin.npz');
    expect(g.length).toBe(3);
    expect(Array.from(g[1].positions)).toEqual(Array.from(R.subarray(6, 12)));
    expect(g[2].targets.energy).toBe(-3);
    expect(Array.from(g[0].atomicNumbers!)).toEqual([6, 8]);
    expect(Array.from(g[2].nodeTargets!.forces)).toEqual(Array.from(F.subarray(12, 18)));
    const rmd17 = zipSync({
      'coords.npy': writeNpy({ data: R, shape: [T, n, 3] }),
      'nuclear_charges.npy': writeNpy({ data: new Int32Array([6, 8]), shape: [n] }),
      'energies.npy': writeNpy({ data: E, shape: [T] }),
      'forces.npy': writeNpy({ data: F, shape: [T, n, 3] }),
    });
    expect(readMd17Npz(rmd17, 'rmd17_aspirin.npz')[1].targets.energy).toBe(-2);
    expect(Object.keys(readNpz(rmd17))).toContain('coords');
    expect(() => readMd17Npz(zipSync({ 'z.npy': writeNpy({ data: new Int32Array([1]), shape: [1] }) }), 'bad.npz')).toThrow(/bad\.npz: no array named 'R' or 'coords'/);
    expect(() => readNpz(new Uint8Array([1, 2, 3]), 'notzip.npz')).toThrow(/notzip\.npz/);
  });

  it('EGNN N-body .npy files: (sims, frames, 3, n) axis order; missing file names the path', () => {
    const d = generateChargedNBody({ numTrajectories: 2, seed: 1, length: 300, sampleFreq: 100 });
    const dir = mkdtempSync(join(tmpdir(), 'nbody-'));
    const S = 2, T = d.numFrames, n = 5;
    const suffix = '_charged5_initvel1small';
    writeFileSync(join(dir, `loc_train${suffix}.npy`), writeNpy({ data: toEgnnAxisOrder(d.loc, S, T, n), shape: [S, T, 3, n] }));
    writeFileSync(join(dir, `vel_train${suffix}.npy`), writeNpy({ data: toEgnnAxisOrder(d.vel, S, T, n), shape: [S, T, 3, n] }));
    writeFileSync(join(dir, `charges_train${suffix}.npy`), writeNpy({ data: d.charges, shape: [S, n, 1] }));
    const back = readEgnnNBodyFiles(dir, 'train');
    expect(back.loc).toEqual(d.loc);
    expect(back.vel).toEqual(d.vel);
    expect(back.charges).toEqual(d.charges);
    expect(back.edges).toBeUndefined();
    expect(() => readEgnnNBodyFiles(dir, 'test')).toThrow(/loc_test_charged5_initvel1small\.npy: no such file/);
    expect(() => readXyzFile(join(dir, 'nope.xyz'))).toThrow(/nope\.xyz: no such file/);
    const hegnn = nbodyFromNpy(
      {
        loc: { dtype: 'float64', shape: [S, T, n, 3], data: d.loc },
        vel: { dtype: 'float64', shape: [S, T, n, 3], data: d.vel },
        charges: { dtype: 'float64', shape: [S, n, 1], data: d.charges },
      },
      { axisOrder: 'frames-n-dim' },
    );
    expect(hegnn.loc).toEqual(d.loc);
  });
});
