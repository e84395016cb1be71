#!/usr/bin/python3
"""GFN2-xTB molecular dynamics → MD17-style extxyz (energy in eV, forces in eV/Å).

Run with Debian's /usr/bin/python3 (python3-rdkit, python3-numpy) and Debian's xtb 6.5.1:

    /usr/bin/python3 tools/datasets/md_xtb.py --name ethanol --smiles CCO --frames 1500 --seed 1
    /usr/bin/python3 tools/datasets/md_xtb.py --name aspirin --smiles 'CC(=O)Oc1ccccc1C(=O)O' --frames 1000 --seed 2

Pipeline (see tools/datasets/README.md and packages/data/docs/datasets.md):
 1. RDKit ETKDGv3 (seeded) + MMFF94 → xtb --opt tight (GFN2).
 2. Initial velocities: Maxwell–Boltzmann at 2·T (seeded NumPy; COM motion removed), written to an
    xtb `mdrestart` file so the run is reproducible (xtb's own velocity initialisation is not seeded).
    Starting from the minimum, about half of the kinetic energy flows into the potential, so the
    system starts near T; the thermostat does the rest during the discarded equilibration.
 3. xtb --md, NVT (xtb's Berendsen thermostat, τ = 500 fs, hard-coded in xtb), T = 500 K,
    Δt = 0.5 fs, natural masses (hmass=0), no SHAKE (shake=0), SCC accuracy 1.0, one frame every
    --sample-fs (10 fs) into xtb.trj. Frames with t < --equil-ps are discarded.
 4. Every kept frame: positions rounded to 1e-6 Å, then a fresh GFN2-xTB single point with analytic
    gradient (xtb --grad --acc 0.1) at exactly those rounded positions, so labels match the stored
    geometry. (xtb.trj carries the MD energy but not the gradient; the MD energies are used only
    as a cross-check.)
 5. Write extxyz: energy (eV), forces = −gradient (eV/Å), time_fs.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    ATOMIC_MASS, AMU_ME, BOHR_ANG, HA_PER_BOHR_TO_EV_PER_ANG, HARTREE_EV, KB_HARTREE,
    rdkit_embed, read_xyz_frames, run_xtb, single_point_grad, write_xyz, xtb_version,
)


def write_mdrestart(path: str, species: list[str], pos_ang: np.ndarray, temp: float, rng: np.random.Generator) -> None:
    m = np.array([ATOMIC_MASS[s] for s in species]) * AMU_ME  # a.u. of mass
    v = rng.normal(size=(len(species), 3)) * np.sqrt(KB_HARTREE * temp / m)[:, None]
    v -= (m[:, None] * v).sum(0) / m.sum()  # no centre-of-mass motion
    ekin = 0.5 * (m[:, None] * v * v).sum()
    v *= np.sqrt(0.5 * 3 * len(species) * KB_HARTREE * temp / ekin)  # exactly T (3N dof, as xtb counts)
    x = pos_ang / BOHR_ANG
    with open(path, 'w') as f:
        f.write(' -1.0\n')
        for a in range(len(species)):
            f.write(''.join(f'{c:22.14E}' for c in (*x[a], *v[a])) + '\n')


def parse_md_temperatures(md_out: str, equil_ps: float) -> np.ndarray:
    """Instantaneous T column of xtb's MD screen output (every 200 steps) after equilibration."""
    ts = []
    block = md_out.split('time (ps)', 1)[-1].split('average properties', 1)[0]
    for ln in block.splitlines():
        t = ln.split()
        if len(t) == 7 and re.fullmatch(r'\d+', t[0]):
            try:
                time_ps, temp = float(t[1]), float(t[5])
            except ValueError:
                continue
            if time_ps >= equil_ps:
                ts.append(temp)
    return np.array(ts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--name', required=True)
    ap.add_argument('--smiles', required=True)
    ap.add_argument('--frames', type=int, default=1000)
    ap.add_argument('--temp', type=float, default=500.0)
    ap.add_argument('--step-fs', type=float, default=0.5)
    ap.add_argument('--sample-fs', type=float, default=10.0)
    ap.add_argument('--equil-ps', type=float, default=2.0)
    ap.add_argument('--sccacc', type=float, default=1.0, help='SCC accuracy during the MD')
    ap.add_argument('--grad-acc', type=float, default=0.1, help='xtb --acc of the labelling single points')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--out', default=None, help='default packages/data/datasets/md17-xtb/<name>.extxyz')
    ap.add_argument('--workdir', default=None, help='default /tmp/equigraph-md-xtb/<name>')
    a = ap.parse_args()

    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    out = a.out or os.path.join(repo, 'packages', 'data', 'datasets', 'md17-xtb', f'{a.name}.extxyz')
    wd = a.workdir or os.path.join('/tmp', 'equigraph-md-xtb', a.name)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    t0 = time.time()
    rng = np.random.default_rng(a.seed)

    # 1. start geometry
    _, species, pos, ff = rdkit_embed(a.smiles, a.seed)
    write_xyz(os.path.join(wd, 'start.xyz'), species, pos, a.smiles)
    run_xtb(['start.xyz', '--gfn', '2', '--opt', 'tight'], cwd=wd, log='opt.out')
    [(sp_opt, pos_opt, _)] = read_xyz_frames(os.path.join(wd, 'xtbopt.xyz'))
    assert sp_opt == species
    t_opt = time.time() - t0

    # 2./3. MD
    write_mdrestart(os.path.join(wd, 'mdrestart'), species, pos_opt, 2 * a.temp, rng)
    total_ps = a.equil_ps + a.frames * a.sample_fs / 1000 + 2 * a.sample_fs / 1000
    with open(os.path.join(wd, 'md.inp'), 'w') as f:
        f.write(
            '$md\n'
            f'   temp={a.temp}\n   time={total_ps:.4f}\n   step={a.step_fs}\n   dump={a.sample_fs}\n'
            f'   hmass=0\n   shake=0\n   nvt=true\n   restart=true\n   sccacc={a.sccacc}\n'
            '$end\n'
        )
    t1 = time.time()
    md_out = run_xtb(['xtbopt.xyz', '--gfn', '2', '--input', 'md.inp', '--md'], cwd=wd, log='md.out')
    t_md = time.time() - t1
    traj = read_xyz_frames(os.path.join(wd, 'xtb.trj'))
    # frame j of xtb.trj is at t = j·sample_fs (the first dump is the starting geometry)
    first = int(round(a.equil_ps * 1000 / a.sample_fs))
    kept = traj[first:first + a.frames]
    if len(kept) < a.frames:
        raise RuntimeError(f'trajectory has {len(traj)} frames, need {first + a.frames}')
    temps = parse_md_temperatures(md_out, a.equil_ps)

    # 4. labels
    t2 = time.time()
    E = np.empty(a.frames)
    E_md = np.empty(a.frames)
    F = np.empty((a.frames, len(species), 3))
    R = np.empty((a.frames, len(species), 3))
    for k, (sp, xyz, comment) in enumerate(kept):
        assert sp == species
        r = np.round(xyz, 6)
        eg = single_point_grad(species, r, a.grad_acc, wd)
        R[k] = r
        E[k] = eg.energy_ha * HARTREE_EV
        F[k] = -eg.gradient_ha_bohr * HA_PER_BOHR_TO_EV_PER_ANG
        E_md[k] = float(re.search(r'energy:\s*(\S+)', comment).group(1)) * HARTREE_EV
        if (k + 1) % 250 == 0:
            print(f'{a.name}: {k + 1}/{a.frames} labelled ({time.time() - t2:.0f} s)', flush=True)
    t_grad = time.time() - t2

    # 5. write extxyz
    with open(out, 'w') as f:
        for k in range(a.frames):
            tfs = (first + k) * a.sample_fs
            f.write(f'{len(species)}\nProperties=species:S:1:pos:R:3:forces:R:3 energy={E[k]:.6f} time_fs={tfs:g}\n')
            for s, p, g in zip(species, R[k], F[k]):
                f.write(f'{s} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f} {g[0]:.5f} {g[1]:.5f} {g[2]:.5f}\n')

    # crude check: ΔE between consecutive frames vs the trapezoid work −½(F_k + F_{k+1})·Δx
    dE = np.diff(E)
    work = -0.5 * ((F[1:] + F[:-1]) * (R[1:] - R[:-1])).sum(axis=(1, 2))
    corr = float(np.corrcoef(dE, work)[0, 1])
    stats = {
        'name': a.name, 'smiles': a.smiles, 'atoms': len(species), 'frames': a.frames, 'seed': a.seed,
        'start_forcefield': ff, 'xtb': xtb_version(), 'temp_K': a.temp, 'step_fs': a.step_fs,
        'sample_fs': a.sample_fs, 'equil_ps': a.equil_ps, 'md_ps': total_ps,
        'T_mean_K': float(temps.mean()) if len(temps) else None, 'T_std_K': float(temps.std()) if len(temps) else None,
        'energy_eV_min_max': [float(E.min()), float(E.max())],
        'energy_eV_std': float(E.std()),
        'force_eV_per_A_abs_max': float(np.abs(F).max()), 'force_eV_per_A_rms': float(np.sqrt((F ** 2).mean())),
        'md_vs_label_energy_mae_eV': float(np.abs(E - E_md).mean()),
        'dE_vs_work_corr': corr, 'dE_vs_work_mae_eV': float(np.abs(dE - work).mean()),
        'dE_std_eV': float(dE.std()),
        'seconds': {'opt': round(t_opt, 1), 'md': round(t_md, 1), 'labels': round(t_grad, 1), 'total': round(time.time() - t0, 1)},
        'bytes': os.path.getsize(out), 'out': os.path.relpath(out, repo),
    }
    print(json.dumps(stats, indent=1))
    with open(os.path.join(wd, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=1)


if __name__ == '__main__':
    main()
