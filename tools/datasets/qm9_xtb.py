#!/usr/bin/python3
"""QM9-rule molecules from RDKit's NCI sample (first_5K.smi), labelled with GFN2-xTB, written in QM9's
per-molecule .xyz format, concatenated into one file.

Run with Debian's /usr/bin/python3 (python3-rdkit, python3-numpy) and Debian's xtb 6.5.1:

    /usr/bin/python3 tools/datasets/qm9_xtb.py            # all QM9-rule molecules
    /usr/bin/python3 tools/datasets/qm9_xtb.py --limit 5  # smoke test

Selection ("QM9 rules"): the SMILES parses; one fragment; only H, C, N, O, F; 1–9 heavy atoms; total
formal charge 0 (charge-separated groups such as nitro are kept); no radicals; duplicates (same
canonical SMILES) dropped, keeping the first.

Per molecule: RDKit ETKDGv3 (randomSeed = --seed + line number) + MMFF94 (UFF if MMFF has no
parameters) → `xtb in.xyz --gfn 2 --ohess tight` (optimisation with tight thresholds, then the
numerical Hessian at the optimum and the RRHO thermochemistry at 298.15 K, 1 atm). A molecule whose
bond graph (covalent radii × 1.25 on the xtb geometry) differs from the SMILES graph is dropped and
listed in the manifest as `connectivity_changed`. xtb 6.5.1 aborts ("buffer overflow detected") in
its point-group detection for a few geometries; those are redone with `$symmetry maxat=0`
(symmetry number 1; only S and G are affected, by k_B·T·ln σ) and flagged in the manifest's `note`.

Properties line (QM9 order and units):
  A B C   GHz, from the xtb geometry with most-abundant-isotope masses (nan for linear molecules' A)
  mu      D, GFN2 dipole ("full")
  alpha   a0³, the D4 model's static polarisability α(0) that xtb prints (not a response property)
  homo lumo gap  Ha, GFN2 orbital energies, gap = lumo − homo
  r2      nan (xtb does not print ⟨R²⟩)
  zpve    Ha
  U0      Ha, E_el + ZPVE
  U       Ha, H − k_B·T (298.15 K)
  H       Ha, xtb TOTAL ENTHALPY (E_el + ZPVE + thermal + pV, 298.15 K)
  G       Ha, xtb TOTAL FREE ENERGY (mRRHO: rotor interpolation below 50 cm⁻¹)
  Cv      cal/(mol·K), xtb's total heat capacity (Cp, ideal gas) minus R
Atom lines: element, x y z (Å, xtb geometry), GFN2 Mulliken partial charge (e).
If the Hessian has imaginary modes (xtb's count, i.e. below −20 cm⁻¹), xtb's `xtbhess.xyz` (the
optimum displaced along them) is re-optimised with `--ohess tight`, at most twice; the manifest's
`n_imag` is the count after that.
Then: 3N−6 (3N−5) harmonic frequencies (cm⁻¹), canonical SMILES twice, `NA NA` for InChI (the
Debian RDKit build has no InChI). The E_el itself (U0 − zpve) is not a QM9 field; it is in the
manifest (energy_Ha).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ISOTOPE_MASS, KB_HARTREE, rdkit_embed, read_xyz_frames, run_xtb, write_xyz, xtb_version  # noqa: E402

SMI = '/usr/share/RDKit/Data/NCI/first_5K.smi'
ALLOWED = {'H', 'C', 'N', 'O', 'F'}
COV_RADIUS = {'H': 0.31, 'C': 0.76, 'N': 0.71, 'O': 0.66, 'F': 0.57}  # Cordero et al. 2008
T_THERMO = 298.15
R_CAL = 1.98720425864083  # cal/(mol·K)
ROT_GHZ = 505.379009  # h/(8π²) in GHz·u·Å²


def select(path: str):
    from rdkit import Chem, RDLogger
    from rdkit.Chem import Descriptors

    RDLogger.DisableLog('rdApp.*')
    seen = set()
    out = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            p = line.split()
            if not p:
                continue
            m = Chem.MolFromSmiles(p[0])
            if m is None or len(Chem.GetMolFrags(m)) != 1:
                continue
            if not {a.GetSymbol() for a in m.GetAtoms()} <= ALLOWED:
                continue
            if not 1 <= m.GetNumHeavyAtoms() <= 9 or Chem.GetFormalCharge(m) != 0 or Descriptors.NumRadicalElectrons(m):
                continue
            can = Chem.MolToSmiles(m)
            if can in seen:
                continue
            seen.add(can)
            out.append((lineno, p[1] if len(p) > 1 else str(lineno), can))
    return out


def bond_set(species, pos):
    r = np.array([COV_RADIUS[s] for s in species])
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    i, j = np.where(np.triu(d < 1.25 * (r[:, None] + r[None]), 1))
    return set(zip(i.tolist(), j.tolist()))


def rotational_constants(species, pos):
    m = np.array([ISOTOPE_MASS[s] for s in species])
    x = pos - (m[:, None] * pos).sum(0) / m.sum()
    inertia = np.einsum('a,ab,ac->bc', m, x, x)
    inertia = np.trace(inertia) * np.eye(3) - inertia
    moments = np.sort(np.linalg.eigvalsh(inertia))  # u·Å², ascending → A ≥ B ≥ C
    with np.errstate(divide='ignore'):
        abc = [ROT_GHZ / I if I > 1e-3 else float('nan') for I in moments]
    return abc, moments[0] <= 1e-3


def last_value(lines, key, idx, cast=float):
    hits = [ln for ln in lines if key in ln]
    if not hits:
        raise RuntimeError(f'no line with {key!r}')
    return cast(hits[-1].split()[idx])


def parse_ohess(stdout: str, wd: str, n: int, linear: bool):
    L = stdout.splitlines()
    props = {
        'energy': last_value(L, '| TOTAL ENERGY', 3),
        'H': last_value(L, '| TOTAL ENTHALPY', 3),
        'G': last_value(L, '| TOTAL FREE ENERGY', 4),
        'zpve': last_value(L, ':: zero point energy', 4),
        'homo': last_value(L, '(HOMO)', -3),
        'lumo': last_value(L, '(LUMO)', -3),
        'alpha': last_value(L, 'Mol. α(0) /au', -1),
        'n_imag': last_value(L, '# imaginary freq.', -2, int),
    }
    k = max(i for i, ln in enumerate(L) if 'molecular dipole:' in ln)
    props['mu'] = float(next(ln for ln in L[k:] if ln.strip().startswith('full:')).split()[-1])
    props['Cp'] = float(next(ln for ln in L if ln.split()[:1] == ['TOT']).split()[2])
    with open(os.path.join(wd, 'charges')) as f:
        charges = [float(v) for v in f.read().split()]
    assert len(charges) == n
    freqs = []
    with open(os.path.join(wd, 'vibspectrum')) as f:
        for ln in f:
            t = ln.split()
            if not t or t[0].startswith(('#', '$')):
                continue
            freqs.append(float(t[-4]))
    assert len(freqs) == 3 * n, (len(freqs), n)
    n_rt = 5 if linear else 6
    drop = set(np.argsort(np.abs(freqs))[:n_rt].tolist())  # projected translations/rotations (0.00)
    props['freqs'] = sorted(f for i, f in enumerate(freqs) if i not in drop)
    props['charges'] = charges
    return props


def g(x: float) -> str:
    return 'nan' if x != x else f'{x:.10g}'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--smi', default=SMI)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--out-dir', default=None, help='default packages/data/datasets/qm9-xtb')
    ap.add_argument('--workdir', default='/tmp/equigraph-qm9-xtb')
    a = ap.parse_args()

    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    out_dir = a.out_dir or os.path.join(repo, 'packages', 'data', 'datasets', 'qm9-xtb')
    os.makedirs(out_dir, exist_ok=True)
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    mols = select(a.smi)
    print(f'{len(mols)} QM9-rule molecules in {a.smi}', flush=True)
    if a.limit:
        mols = mols[: a.limit]

    t0 = time.time()
    records, manifest = [], []
    index = 0
    for k, (lineno, nci, smi) in enumerate(mols):
        row = {'nci_line': lineno, 'nci_id': nci, 'smiles': smi}
        wd = tempfile.mkdtemp(dir=a.workdir)
        try:
            mol, species, pos, ff = rdkit_embed(smi, a.seed + lineno)
            row.update(atoms=len(species), forcefield=ff)
            write_xyz(os.path.join(wd, 'in.xyz'), species, pos, smi)
            try:
                stdout = run_xtb(['in.xyz', '--gfn', '2', '--ohess', 'tight'], cwd=wd, log='xtb.out')
            except RuntimeError:
                with open(os.path.join(wd, 'xtb.out')) as f:
                    if 'buffer overflow detected' not in f.read():
                        raise
                # xtb 6.5.1 aborts in its point-group detection for some geometries (after the
                # Hessian, in the thermo step). Redo with the detection switched off: symmetry
                # number 1, which changes S, G by k_B·T·ln σ (4e-4 Ha for σ = 2), nothing else.
                with open(os.path.join(wd, 'nosym.inp'), 'w') as f:
                    f.write('$symmetry\n   maxat=0\n$end\n')
                stdout = run_xtb(['in.xyz', '--gfn', '2', '--ohess', 'tight', '--input', 'nosym.inp'], cwd=wd, log='xtb.out')
                row['note'] = 'point-group detection off (xtb crash): symmetry number 1'
            # a saddle point: xtb writes xtbhess.xyz, the optimum displaced along the imaginary
            # mode(s); re-optimise from there (at most twice), as crest does
            for attempt in range(1, 3):
                n_imag = last_value(stdout.splitlines(), '# imaginary freq.', -2, int)
                if n_imag == 0 or not os.path.exists(os.path.join(wd, 'xtbhess.xyz')):
                    break
                os.replace(os.path.join(wd, 'xtbhess.xyz'), os.path.join(wd, f'restart{attempt}.xyz'))
                args = [f'restart{attempt}.xyz', '--gfn', '2', '--ohess', 'tight']
                if row.get('note'):
                    args += ['--input', 'nosym.inp']
                stdout = run_xtb(args, cwd=wd, log=f'xtb{attempt}.out')
                row['note'] = (row.get('note', '') + f'; re-optimised from imaginary mode ({n_imag})').lstrip('; ')
            [(sp, xyz, _)] = read_xyz_frames(os.path.join(wd, 'xtbopt.xyz'))
            assert sp == species
            ref = {tuple(sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx()))) for b in mol.GetBonds()}
            if bond_set(species, xyz) != ref:
                row['status'] = 'connectivity_changed'
                manifest.append(row)
                continue
            abc, linear = rotational_constants(species, xyz)
            p = parse_ohess(stdout, wd, len(species), linear)
        except Exception as e:  # noqa: BLE001
            row['status'] = f'failed: {str(e).splitlines()[0][:80]}'
            manifest.append(row)
            print(f'{smi}: {row["status"]}', flush=True)
            continue
        finally:
            if 'status' not in row:  # keep the work directory of dropped molecules for inspection
                shutil.rmtree(wd, ignore_errors=True)
        index += 1
        kT = KB_HARTREE * T_THERMO
        vals = [*abc, p['mu'], p['alpha'], p['homo'], p['lumo'], p['lumo'] - p['homo'], float('nan'), p['zpve'],
                p['energy'] + p['zpve'], p['H'] - kT, p['H'], p['G'], p['Cp'] - R_CAL]
        lines = [str(len(species)), 'gdb ' + str(index) + ' ' + ' '.join(g(v) for v in vals)]
        for s, (x, y, z), q in zip(species, xyz, p['charges']):
            lines.append(f'{s} {x:.8f} {y:.8f} {z:.8f} {q:.6f}')
        lines.append(' '.join(f'{f:.2f}' for f in p['freqs']))
        lines.append(f'{smi} {smi}')
        lines.append('NA NA')
        records.append('\n'.join(lines) + '\n')
        row.update(status='ok', index=index, energy_Ha=p['energy'], n_imag=p['n_imag'],
                   min_freq_cm1=min(p['freqs']) if p['freqs'] else float('nan'))
        manifest.append(row)
        if (k + 1) % 50 == 0:
            print(f'{k + 1}/{len(mols)} ({time.time() - t0:.0f} s)', flush=True)

    xyz_path = os.path.join(out_dir, 'qm9_xtb.xyz')
    with open(xyz_path, 'w') as f:
        f.write(''.join(records))
    cols = ['index', 'nci_line', 'nci_id', 'smiles', 'atoms', 'forcefield', 'status', 'energy_Ha', 'n_imag', 'min_freq_cm1', 'note']
    with open(os.path.join(out_dir, 'molecules.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction='ignore')
        w.writeheader()
        for row in manifest:
            w.writerow(row)
    ok = [r for r in manifest if r.get('status') == 'ok']
    stats = {
        'selected': len(mols), 'written': len(ok),
        'connectivity_changed': sum(r.get('status') == 'connectivity_changed' for r in manifest),
        'failed': sum(str(r.get('status', '')).startswith('failed') for r in manifest),
        'with_imaginary_freq': sum(r.get('n_imag', 0) > 0 for r in ok),
        'symmetry_off': sum('point-group' in r.get('note', '') for r in ok),
        're_optimised_from_imaginary_mode': sum('re-optimised' in r.get('note', '') for r in ok),
        'xtb': xtb_version(), 'seconds': round(time.time() - t0, 1), 'bytes': os.path.getsize(xyz_path),
    }
    print(json.dumps(stats, indent=1))
    with open(os.path.join(a.workdir, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=1)


if __name__ == '__main__':
    main()
