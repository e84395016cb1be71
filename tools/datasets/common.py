"""Shared helpers for the xtb dataset generators (run with Debian's /usr/bin/python3).

Units and constants
-------------------
CODATA 2018 values (as in scipy.constants / ASE >= 3.23):
  1 Hartree = 27.211386245988 eV
  1 Bohr    = 0.529177210903 Å
  k_B       = 3.166811563e-6 Hartree/K
  1 u       = 1822.888486209 m_e
xtb 6.5.1 converts its own input/output with slightly older constants (Bohr = 0.52917726 Å), a
relative difference of ~1e-7, far below the precision the datasets are written with.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

HARTREE_EV = 27.211386245988
BOHR_ANG = 0.529177210903
KB_HARTREE = 3.166811563e-6
AMU_ME = 1822.888486209
HA_PER_BOHR_TO_EV_PER_ANG = HARTREE_EV / BOHR_ANG

XTB_ENV = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', OMP_STACKSIZE='500M')

# standard atomic weights (as xtb uses them for MD) and most abundant isotopes (as Gaussian/QM9
# use them for rotational constants)
ATOMIC_MASS = {'H': 1.00794, 'C': 12.0107, 'N': 14.0067, 'O': 15.9994, 'F': 18.9984032}
ISOTOPE_MASS = {'H': 1.00782503223, 'C': 12.0, 'N': 14.00307400443, 'O': 15.99491461957, 'F': 18.99840316273}


def xtb_version() -> str:
    out = subprocess.run(['xtb', '--version'], capture_output=True, text=True, env=XTB_ENV).stdout
    for line in out.splitlines():
        if 'xtb version' in line:
            return ' '.join(line.split())
    return 'unknown'


def write_xyz(path: str, species: list[str], pos: np.ndarray, comment: str = '') -> None:
    with open(path, 'w') as f:
        f.write(f'{len(species)}\n{comment}\n')
        for s, (x, y, z) in zip(species, pos):
            f.write(f'{s:2s} {x:16.10f} {y:16.10f} {z:16.10f}\n')


def read_xyz_frames(path: str) -> list[tuple[list[str], np.ndarray, str]]:
    frames = []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i])
        comment = lines[i + 1]
        sp, xyz = [], []
        for ln in lines[i + 2:i + 2 + n]:
            t = ln.split()
            sp.append(t[0].capitalize())
            xyz.append([float(v) for v in t[1:4]])
        frames.append((sp, np.array(xyz), comment))
        i += n + 2
    return frames


def run_xtb(args: list[str], cwd: str, log: str | None = None, check: bool = True) -> str:
    """Run xtb niced with one thread; return stdout."""
    p = subprocess.run(['nice', '-n', '10', 'xtb', *args], cwd=cwd, capture_output=True, text=True, env=XTB_ENV)
    if log:
        with open(os.path.join(cwd, log), 'w') as f:
            f.write(p.stdout)
            f.write(p.stderr)
    if check and (p.returncode != 0 or 'normal termination of xtb' not in p.stderr + p.stdout):
        raise RuntimeError(f'xtb {" ".join(args)} failed in {cwd} (rc {p.returncode}):\n{p.stderr[-2000:]}')
    return p.stdout


@dataclass
class EnergyGradient:
    energy_ha: float
    gradient_ha_bohr: np.ndarray  # (n, 3)


def parse_turbomole_gradient(path: str, n: int) -> EnergyGradient:
    """The `gradient` file xtb --grad writes: $grad / cycle line / n coords (Bohr) / n gradient rows."""
    with open(path) as f:
        lines = f.read().splitlines()
    cyc = [k for k, ln in enumerate(lines) if 'cycle' in ln and 'energy' in ln]
    if not cyc:
        raise RuntimeError(f'{path}: no cycle line')
    k = cyc[-1]
    energy = float(lines[k].split('=')[2].split()[0].replace('D', 'E'))
    g = np.array([[float(v.replace('D', 'E')) for v in ln.split()[:3]] for ln in lines[k + 1 + n:k + 1 + 2 * n]])
    if g.shape != (n, 3):
        raise RuntimeError(f'{path}: gradient block has shape {g.shape}')
    return EnergyGradient(energy, g)


def single_point_grad(species: list[str], pos_ang: np.ndarray, acc: float, workdir: str) -> EnergyGradient:
    """GFN2-xTB energy + analytic gradient at the given geometry (fresh directory: xtb appends to `gradient`)."""
    d = tempfile.mkdtemp(dir=workdir)
    try:
        write_xyz(os.path.join(d, 'in.xyz'), species, pos_ang)
        run_xtb(['in.xyz', '--gfn', '2', '--grad', '--acc', str(acc), '--norestart'], cwd=d)
        return parse_turbomole_gradient(os.path.join(d, 'gradient'), len(species))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def rdkit_embed(smiles: str, seed: int):
    """RDKit: SMILES → explicit-H 3D conformer (ETKDGv3, seeded) relaxed with MMFF94 (UFF if MMFF lacks parameters)."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(mol, params) != 0:
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(mol, params) != 0:
            raise RuntimeError(f'embedding failed for {smiles}')
    ff = 'MMFF94'
    if AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol, maxIters=2000)
    else:
        ff = 'UFF'
        AllChem.UFFOptimizeMolecule(mol, maxIters=2000)
    species = [a.GetSymbol() for a in mol.GetAtoms()]
    pos = mol.GetConformer().GetPositions()
    return mol, species, pos, ff
