/**
 * The xtb-labelled datasets shipped in packages/data/datasets (made by tools/datasets/*.py; see
 * docs/datasets.md). Each file is read with the package's readers and checked for counts, units and
 * physical consistency.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { QM9_PROPERTIES, readExtxyzFile, readQm9Xyz, type XyzFrame } from '../src/index.js';
import { readQm9XyzMulti, readQm9XyzMultiFile } from '../src/io/qm9-multi.js';

const dataset = (rel: string) => fileURLToPath(new URL(`../datasets/${rel}`, import.meta.url));

const HARTREE_EV = 27.211386245988;
const KB_EV = 8.617333262e-5;

function corr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

interface MdCase {
  file: string;
  frames: number;
  species: string;
  /** GFN2-xTB energy of the optimised start geometry in Hartree (the generator's opt.out). */
  eOptHartree: number;
  minCorr: number;
}

const MD: MdCase[] = [
  { file: 'md17-xtb/ethanol.extxyz', frames: 1500, species: 'CCOHHHHHH', eOptHartree: -11.394339304018, minCorr: 0.9 },
  { file: 'md17-xtb/aspirin.extxyz', frames: 1000, species: 'CCOOCCCCCCCOOHHHHHHHH', eOptHartree: -39.631855334269, minCorr: 0.9 },
];

describe.each(MD)('xtb MD dataset $file', (c) => {
  let frames: XyzFrame[] = [];
  beforeAll(() => {
    frames = readExtxyzFile(dataset(c.file));
  });

  it('has the expected frames, atoms and columns', () => {
    expect(frames.length).toBe(c.frames);
    expect(statSync(dataset(c.file)).size).toBeLessThan(2_000_000);
    for (const f of frames) {
      expect(f.species!.join('')).toBe(c.species);
      expect(f.positions.length).toBe(3 * c.species.length);
      expect(f.nodeTargets!.forces.length).toBe(3 * c.species.length);
      expect(typeof f.targets.energy).toBe('number');
    }
    // frames every 10 fs, after 3 ps of equilibration
    expect(frames[0].targets.time_fs).toBe(3000);
    expect((frames[1].targets.time_fs as number) - (frames[0].targets.time_fs as number)).toBe(10);
  });

  it('energies are GFN2-xTB totals in eV, forces finite eV/Å', () => {
    const e = frames.map((f) => f.targets.energy as number);
    const eOpt = c.eOptHartree * HARTREE_EV;
    // every frame lies above the minimum; at 500 K the mean excess is near the classical harmonic
    // value (3N − 6)/2 · k_B·T (anharmonicity and torsions add some: 1.29× for ethanol, 1.16× for aspirin)
    expect(Math.min(...e)).toBeGreaterThan(eOpt);
    const mean = e.reduce((s, x) => s + x, 0) / e.length;
    const harmonic = ((3 * c.species.length - 6) / 2) * KB_EV * 500;
    expect((mean - eOpt) / harmonic).toBeGreaterThan(0.8);
    expect((mean - eOpt) / harmonic).toBeLessThan(1.5);
    expect(Math.max(...e) - Math.min(...e)).toBeLessThan(3);
    let fmax = 0;
    let nonFinite = 0;
    for (const f of frames) {
      for (const v of f.nodeTargets!.forces) {
        if (!Number.isFinite(v)) nonFinite++;
        fmax = Math.max(fmax, Math.abs(v));
      }
    }
    expect(nonFinite).toBe(0);
    expect(fmax).toBeGreaterThan(1); // eV/Å, not Hartree/Bohr (×1/51.4) or kcal/mol/Å (×23)
    expect(fmax).toBeLessThan(20);
  });

  it('forces have no net force or torque (gradient of an E(3)-invariant energy)', () => {
    for (const f of frames) {
      const F = f.nodeTargets!.forces;
      const R = f.positions;
      const net = [0, 0, 0];
      const tau = [0, 0, 0];
      for (let a = 0; a < F.length / 3; a++) {
        const [x, y, z] = [R[3 * a], R[3 * a + 1], R[3 * a + 2]];
        const [fx, fy, fz] = [F[3 * a], F[3 * a + 1], F[3 * a + 2]];
        net[0] += fx;
        net[1] += fy;
        net[2] += fz;
        tau[0] += y * fz - z * fy;
        tau[1] += z * fx - x * fz;
        tau[2] += x * fy - y * fx;
      }
      for (const v of net) expect(Math.abs(v)).toBeLessThan(2e-3);
      for (const v of tau) expect(Math.abs(v)).toBeLessThan(5e-3);
    }
  });

  it('ΔE between consecutive frames tracks the work −½(F₀+F₁)·Δx', () => {
    // Crude: frames are 10 fs apart, about one O–H/C–H stretch period, so the trapezoid rule is
    // rough for the H atoms; a sign or unit error in forces would give a correlation near −1 or 0.
    const dE: number[] = [];
    const work: number[] = [];
    for (let k = 0; k + 1 < frames.length; k++) {
      const [a, b] = [frames[k], frames[k + 1]];
      let w = 0;
      for (let i = 0; i < a.positions.length; i++) {
        w -= 0.5 * (a.nodeTargets!.forces[i] + b.nodeTargets!.forces[i]) * (b.positions[i] - a.positions[i]);
      }
      dE.push((b.targets.energy as number) - (a.targets.energy as number));
      work.push(w);
    }
    const r = corr(dE, work);
    expect(r).toBeGreaterThan(c.minCorr);
    // least-squares slope of ΔE on the work is near 1 (units agree)
    const mw = work.reduce((s, x) => s + x, 0) / work.length;
    const me = dE.reduce((s, x) => s + x, 0) / dE.length;
    let num = 0;
    let den = 0;
    for (let k = 0; k < dE.length; k++) {
      num += (work[k] - mw) * (dE[k] - me);
      den += (work[k] - mw) ** 2;
    }
    expect(num / den).toBeGreaterThan(0.8);
    expect(num / den).toBeLessThan(1.2);
  });
});

describe('xtb QM9-format dataset qm9-xtb/qm9_xtb.xyz', () => {
  const file = dataset('qm9-xtb/qm9_xtb.xyz');
  let mols: XyzFrame[] = [];
  let manifest: string[] = [];
  let okRows: string[] = [];
  beforeAll(() => {
    mols = readQm9XyzMultiFile(file);
    manifest = readFileSync(dataset('qm9-xtb/molecules.csv'), 'utf8').trim().split('\n').slice(1);
    okRows = manifest.filter((r) => r.split(',')[6] === 'ok');
  });

  it('holds the molecules the manifest lists as ok, numbered 1..N', () => {
    expect(manifest.length).toBe(421);
    expect(mols.length).toBe(okRows.length);
    expect(mols.length).toBeGreaterThan(400);
    mols.forEach((m, k) => expect(m.info.index).toBe(k + 1));
    expect(statSync(file).size).toBeLessThan(1_500_000);
  });

  it('the single-molecule reader reads each record', () => {
    const text = readFileSync(file, 'utf8').split('\n');
    const n = Number(text[0]);
    const first = readQm9Xyz(text.slice(0, n + 5).join('\n'), 'first record');
    expect(first.targets).toEqual(mols[0].targets);
  });

  it('QM9 rules and units', () => {
    for (const m of mols) {
      const z = Array.from(m.atomicNumbers!);
      expect(z.every((v) => [1, 6, 7, 8, 9].includes(v))).toBe(true);
      const heavy = z.filter((v) => v > 1).length;
      expect(heavy).toBeGreaterThanOrEqual(1);
      expect(heavy).toBeLessThanOrEqual(9);
      const t = m.targets as Record<string, number>;
      expect(Object.keys(t)).toEqual([...QM9_PROPERTIES]);
      expect(Number.isNaN(t.r2)).toBe(true); // not computed by xtb
      // Hartree: GFN2 is a valence-only method, so totals are ~ −4…−6 Ha per heavy atom (B3LYP: ~ −40)
      expect(t.U0 / heavy).toBeLessThan(-2);
      expect(t.U0 / heavy).toBeGreaterThan(-10);
      expect(t.homo).toBeLessThan(t.lumo);
      expect(t.homo).toBeGreaterThan(-1); // Ha, not eV
      expect(Math.abs(t.gap - (t.lumo - t.homo))).toBeLessThan(1e-9);
      expect(t.zpve).toBeGreaterThan(0);
      expect(t.zpve).toBeLessThan(0.3);
      expect(t.U).toBeGreaterThan(t.U0);
      expect(t.H).toBeGreaterThan(t.U);
      expect(t.G).toBeLessThan(t.H);
      expect(t.mu).toBeGreaterThanOrEqual(0);
      expect(t.mu).toBeLessThan(15);
      expect(t.alpha).toBeGreaterThan(0);
      expect(t.Cv).toBeGreaterThan(5);
      expect(t.Cv).toBeLessThan(60);
      expect(t.A).not.toBeLessThan(t.B); // NaN for a linear molecule's A also passes
      expect(t.B).toBeGreaterThanOrEqual(t.C);
      // 3N−6 frequencies (3N−5 if linear), Mulliken charges summing to the (zero) total charge
      const nAtoms = z.length;
      const nf = (m.info.frequencies as Float64Array).length;
      expect(nAtoms === 2 ? nf === 1 : nf === 3 * nAtoms - 6 || nf === 3 * nAtoms - 5).toBe(true);
      const q = m.nodeArrays!.mulliken_charges;
      expect(Math.abs(q.reduce((s, x) => s + x, 0))).toBeLessThan(1e-3);
    }
  });
});

describe('readQm9XyzMulti', () => {
  const rec = (i: number) =>
    [
      '3',
      `gdb ${i} 1 2 3 1.5 8 -0.4 0.1 0.5 nan 0.02 -5 -4.99 -4.98 -5.01 6`,
      'O 0 0 0 -0.6',
      'H 0.96 0 0 0.3',
      'H -0.24 0.93 0 0.3',
      '1600.1 3700.2 3800.3',
      'O O',
      'NA NA',
    ].join('\n');

  it('splits concatenated records, skipping blank lines', () => {
    const ms = readQm9XyzMulti(`${rec(1)}\n\n${rec(2)}\n`, 'two.xyz');
    expect(ms.map((m) => m.info.index)).toEqual([1, 2]);
    expect(ms[1].targets.U0).toBe(-5);
    expect(Number.isNaN(ms[0].targets.r2)).toBe(true);
    expect(Array.from(ms[0].info.frequencies as Float64Array)).toEqual([1600.1, 3700.2, 3800.3]);
  });

  it('names the molecule and line of a truncated record', () => {
    const text = `${rec(1)}\n${rec(2).split('\n').slice(0, 6).join('\n')}\n`;
    expect(() => readQm9XyzMulti(text, 'cut.xyz')).toThrow(/cut\.xyz.*molecule 2 \(line 9\)/);
  });
});
