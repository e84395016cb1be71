/**
 * Charged-particle N-body simulation of the EGNN paper (Satorras, Hoogeboom & Welling 2021),
 * which reuses `ChargedParticlesSim` of Kipf et al.'s NRI code (`n_body_system/dataset/synthetic_sim.py`
 * in vgsatorras/egnn), and the variant used by HEGNN (Cen et al. 2024), which generates its
 * 5/20/50/100-body data with the GMN code (Huang et al. 2022, `spatial_graph/n_body_system/dataset/system.py`).
 *
 * Both integrate, with unit masses, Δt = 0.001 and the symplectic (semi-implicit) Euler scheme
 *     v ← v + Δt·clip(F(x)),  x ← x + Δt·v,
 * with F_i = c Σ_{j≠i} q_i q_j (x_i − x_j) / |x_i − x_j|³ (like charges repel), c = interaction
 * strength = 1, and every Cartesian component of F_i clipped to ±0.1/Δt = ±100. There is no box
 * during the integration. What differs between the presets:
 *
 * | | `'egnn'` (NRI / EGNN) | `'hegnn'` (GMN / HEGNN) |
 * |---|---|---|
 * | position std | 1·(n/5)^(1/3) | 1·(n/5)^(1/3) + 0.1 |
 * | initial clamp | positions outside ±5 reflected into the box once (NRI `_clamp`) | none |
 * | frames (5000 steps, every 100) | 49: after steps 100, 200, …, 4900 | 50: after steps 1, 101, …, 4901 |
 * | draw order | q (n uniforms), x as (3, n), v as (3, n) | q, x as (n, 3), v as (n, 3) |
 *
 * The saved velocity of a frame is the one used in the last position update (NRI's "leapfrog":
 * it lags the positions by half a step).
 *
 * Output layout is ours, not the authors': `loc`/`vel` are `[sims, frames, n, 3]` (the EGNN `.npy`
 * files are `(sims, frames, 3, n)`; see `io/nbody-npy.ts`).
 */
import { Rng, deriveSeed } from '../random.js';

export type ChargedNBodyPreset = 'egnn' | 'hegnn';

export interface ChargedNBodyOptions {
  numTrajectories: number;
  /** Particles per system; 5 in EGNN, 5/20/50/100 in HEGNN. */
  numBodies?: number;
  /** Seed in [0, 2^32). Ignored when `rng` is given. */
  seed?: number;
  /** Continue from an existing generator (its state advances). */
  rng?: Rng;
  /** Default `'egnn'`. */
  preset?: ChargedNBodyPreset;
  /** Integration steps per trajectory (`--length`), default 5000. */
  length?: number;
  /** Save a frame every this many steps (`--sample-freq`), default 100. */
  sampleFreq?: number;
  /** Time step, default 0.001. */
  dt?: number;
  /** Base position std before the (n/5)^(1/3) scaling, default 1. */
  locStd?: number;
  /** Initial speed of every particle, default 0.5. */
  velNorm?: number;
  /** Coulomb constant c, default 1. */
  interactionStrength?: number;
  /** Per-component force clip, default 0.1/dt. */
  maxForce?: number;
  /** Half-width of NRI's box, only used to reflect the initial positions (`'egnn'`), default 5. */
  boxSize?: number;
  /**
   * `'pure-rand'` (default): xoroshiro128+ seeded by `seed`.
   * `'numpy'` (preset `'egnn'` only): MT19937 + NumPy legacy draws, consuming the stream exactly as
   * the authors' script does (including the zero-variance observation noise draws), so that
   * seed 43 reproduces their initial conditions.
   */
  rngKind?: 'pure-rand' | 'numpy';
}

export interface ChargedNBodyData {
  numTrajectories: number;
  numFrames: number;
  numBodies: number;
  /** Positions `[sims, frames, n, 3]`. */
  loc: Float64Array;
  /** Velocities `[sims, frames, n, 3]` (half a step behind `loc`, as in the original). */
  vel: Float64Array;
  /** Charges ±1 `[sims, n]`. */
  charges: Float64Array;
  /** Integration step after which each frame was saved, `[frames]`. */
  frameSteps: Int32Array;
  /** The resolved parameters. */
  params: Required<Omit<ChargedNBodyOptions, 'rng' | 'seed'>> & { seed: number | null; effectiveLocStd: number };
}

function resolve(opts: ChargedNBodyOptions) {
  const preset = opts.preset ?? 'egnn';
  const numBodies = opts.numBodies ?? 5;
  const dt = opts.dt ?? 0.001;
  const locStd = opts.locStd ?? 1;
  // Python `(n/5.) ** (1/3)`, i.e. pow, not cbrt (they can differ in the last bit).
  const scaled = locStd * Math.pow(numBodies / 5, 1 / 3);
  return {
    preset,
    numTrajectories: opts.numTrajectories,
    numBodies,
    length: opts.length ?? 5000,
    sampleFreq: opts.sampleFreq ?? 100,
    dt,
    locStd,
    velNorm: opts.velNorm ?? 0.5,
    interactionStrength: opts.interactionStrength ?? 1,
    maxForce: opts.maxForce ?? 0.1 / dt,
    boxSize: opts.boxSize ?? 5,
    rngKind: opts.rngKind ?? 'pure-rand',
    seed: opts.rng ? null : (opts.seed ?? null),
    effectiveLocStd: preset === 'hegnn' ? scaled + 0.1 : scaled,
  };
}

/** Steps after which frames are saved, following each original script. */
export function chargedNBodyFrameSteps(preset: ChargedNBodyPreset, length = 5000, sampleFreq = 100): Int32Array {
  if (!Number.isInteger(length) || !Number.isInteger(sampleFreq) || sampleFreq < 1 || length % sampleFreq !== 0) {
    throw new RangeError(`length (${length}) must be a positive multiple of sampleFreq (${sampleFreq})`);
  }
  const m = length / sampleFreq;
  if (preset === 'egnn') {
    // NRI: T_save = T/sample_freq − 1 frames, saved when i % sample_freq == 0 for i in 1..T−1;
    // the initial frame written at index 0 is overwritten by step sample_freq.
    return Int32Array.from({ length: m - 1 }, (_, k) => (k + 1) * sampleFreq);
  }
  // GMN: for t in range(T): step; if t % sample_freq == 0: save  →  after steps 1, 1+f, …
  return Int32Array.from({ length: m }, (_, k) => k * sampleFreq + 1);
}

/**
 * Coulomb forces with each component clipped, written into `f` (length 3n). Pair loop i<j with
 * F_i += s·d, F_j −= s·d accumulates every F_i in ascending j, like NumPy's row sum for n < 8.
 */
export function chargedForces(
  x: Float64Array,
  q: Float64Array,
  n: number,
  c: number,
  maxF: number,
  f: Float64Array,
): void {
  f.fill(0, 0, 3 * n);
  for (let i = 0; i < n; i++) {
    const i3 = 3 * i;
    const xi = x[i3], yi = x[i3 + 1], zi = x[i3 + 2];
    const cqi = c * q[i];
    let fxi = f[i3], fyi = f[i3 + 1], fzi = f[i3 + 2];
    for (let j = i + 1; j < n; j++) {
      const j3 = 3 * j;
      const dx = xi - x[j3], dy = yi - x[j3 + 1], dz = zi - x[j3 + 2];
      const d2 = dx * dx + dy * dy + dz * dz;
      const s = (cqi * q[j]) / (d2 * Math.sqrt(d2));
      const sx = s * dx, sy = s * dy, sz = s * dz;
      fxi += sx; fyi += sy; fzi += sz;
      f[j3] -= sx; f[j3 + 1] -= sy; f[j3 + 2] -= sz;
    }
    f[i3] = fxi; f[i3 + 1] = fyi; f[i3 + 2] = fzi;
  }
  for (let k = 0; k < 3 * n; k++) {
    const v = f[k];
    if (v > maxF) f[k] = maxF;
    else if (v < -maxF) f[k] = -maxF;
  }
}

/** Kinetic, potential and total energy of one configuration (unit masses). */
export function chargedNBodyEnergy(
  pos: Float64Array,
  vel: Float64Array,
  charges: Float64Array,
  interactionStrength = 1,
): { kinetic: number; potential: number; total: number } {
  const n = charges.length;
  let kinetic = 0;
  for (let k = 0; k < 3 * n; k++) kinetic += vel[k] * vel[k];
  kinetic *= 0.5;
  let potential = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = pos[3 * i] - pos[3 * j], dy = pos[3 * i + 1] - pos[3 * j + 1], dz = pos[3 * i + 2] - pos[3 * j + 2];
      potential += (interactionStrength * charges[i] * charges[j]) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return { kinetic, potential, total: kinetic + potential };
}

/** Total energy of every frame of trajectory `sim`, `[frames]`. */
export function trajectoryEnergies(data: ChargedNBodyData, sim: number, interactionStrength = 1): Float64Array {
  const { numFrames: T, numBodies: n } = data;
  const out = new Float64Array(T);
  const q = data.charges.subarray(sim * n, (sim + 1) * n);
  for (let t = 0; t < T; t++) {
    const o = (sim * T + t) * n * 3;
    out[t] = chargedNBodyEnergy(data.loc.subarray(o, o + 3 * n), data.vel.subarray(o, o + 3 * n), q, interactionStrength).total;
  }
  return out;
}

/** Generate `numTrajectories` independent systems. */
export function generateChargedNBody(opts: ChargedNBodyOptions): ChargedNBodyData {
  const p = resolve(opts);
  const { numTrajectories: S, numBodies: n, preset } = p;
  if (!Number.isInteger(S) || S < 0) throw new RangeError(`numTrajectories must be a non-negative integer, got ${S}`);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`numBodies must be an integer ≥ 2, got ${n}`);
  if (p.rngKind === 'numpy' && preset !== 'egnn') {
    throw new Error("rngKind 'numpy' reproduces the NRI/EGNN script only; use preset 'egnn'");
  }
  let rng = opts.rng;
  if (!rng) {
    if (opts.seed === undefined) throw new Error('generateChargedNBody needs a seed (or an rng)');
    rng = new Rng(opts.seed, p.rngKind === 'numpy' ? 'mt19937-numpy' : 'xoroshiro128plus');
  } else if (p.rngKind === 'numpy' && rng.algorithm !== 'mt19937-numpy') {
    throw new Error("rngKind 'numpy' needs an Rng with algorithm 'mt19937-numpy'");
  }
  const frameSteps = chargedNBodyFrameSteps(preset, p.length, p.sampleFreq);
  const T = frameSteps.length;
  const lastStep = frameSteps[T - 1];
  const loc = new Float64Array(S * T * n * 3);
  const vel = new Float64Array(S * T * n * 3);
  const charges = new Float64Array(S * n);

  const x = new Float64Array(3 * n);
  const v = new Float64Array(3 * n);
  const f = new Float64Array(3 * n);
  const q = new Float64Array(n);
  const { dt, maxForce, interactionStrength: c, velNorm, boxSize } = p;
  const std = p.effectiveLocStd;

  for (let s = 0; s < S; s++) {
    // ---- initial conditions, in the draw order of the original scripts ----
    if (preset === 'egnn') {
      // np.random.choice([-1, 0, 1], size=(n, 1), p=[.5, 0, .5]): u < .5 → −1, else +1
      for (let i = 0; i < n; i++) q[i] = rng.random() < 0.5 ? -1 : 1;
      // randn(3, n): row-major over (axis, particle)
      for (let a = 0; a < 3; a++) for (let i = 0; i < n; i++) x[3 * i + a] = rng.normal() * std;
      for (let a = 0; a < 3; a++) for (let i = 0; i < n; i++) v[3 * i + a] = rng.normal();
    } else {
      // np.random.choice([1., -1.], size=(n, 1)); then randn(n, 3) twice
      for (let i = 0; i < n; i++) q[i] = rng.integer(2) === 0 ? 1 : -1;
      for (let k = 0; k < 3 * n; k++) x[k] = rng.normal() * std;
      for (let k = 0; k < 3 * n; k++) v[k] = rng.normal();
    }
    for (let i = 0; i < n; i++) {
      const vx = v[3 * i], vy = v[3 * i + 1], vz = v[3 * i + 2];
      const norm = Math.sqrt(vx * vx + vy * vy + vz * vz);
      v[3 * i] = (vx * velNorm) / norm;
      v[3 * i + 1] = (vy * velNorm) / norm;
      v[3 * i + 2] = (vz * velNorm) / norm;
    }
    if (preset === 'egnn') {
      // NRI _clamp, applied once to the initial state (it is commented out inside the loop).
      for (let k = 0; k < 3 * n; k++) {
        if (!(x[k] < 3 * boxSize && x[k] > -3 * boxSize)) {
          throw new Error(`charged N-body: initial coordinate ${x[k]} outside ±3·box (the original asserts here)`);
        }
        if (x[k] > boxSize) {
          x[k] = 2 * boxSize - x[k];
          v[k] = -Math.abs(v[k]);
        } else if (x[k] < -boxSize) {
          x[k] = -2 * boxSize - x[k];
          v[k] = Math.abs(v[k]);
        }
      }
    }
    charges.set(q, s * n);

    // ---- integrate: kick, drift; save after the drift of each listed step ----
    let frame = 0;
    for (let step = 1; step <= lastStep; step++) {
      chargedForces(x, q, n, c, maxForce, f);
      for (let k = 0; k < 3 * n; k++) {
        v[k] += dt * f[k];
        x[k] += dt * v[k];
      }
      if (step === frameSteps[frame]) {
        const o = (s * T + frame) * 3 * n;
        loc.set(x, o);
        vel.set(v, o);
        frame++;
      }
    }

    if (p.rngKind === 'numpy') {
      // `loc += randn(T_save, 3, n) * noise_var` and the same for vel: zero noise, but the draws
      // advance NumPy's stream, so consume them to stay aligned with the next trajectory.
      const draws = 2 * T * 3 * n;
      for (let k = 0; k < draws; k++) rng.normal();
    }
  }

  return {
    numTrajectories: S,
    numFrames: T,
    numBodies: n,
    loc,
    vel,
    charges,
    frameSteps,
    params: { ...p },
  };
}

export interface ChargedNBodySplitOptions extends Omit<ChargedNBodyOptions, 'numTrajectories' | 'seed' | 'rng'> {
  numTrain?: number;
  numValid?: number;
  numTest?: number;
}

export interface ChargedNBodySplits {
  train: ChargedNBodyData;
  valid: ChargedNBodyData;
  test: ChargedNBodyData;
  seeds: { train: number; valid: number; test: number } | { numpy: number };
}

/**
 * The EGNN N-body benchmark splits: 3000 train / 2000 valid / 2000 test (`nbody_small`;
 * the input is frame 30 and the target frame 40).
 *
 * With the default `rngKind: 'pure-rand'` every split has its own seed, `deriveSeed(seed, name)`,
 * so the splits are independent streams and changing one split's size leaves the others unchanged.
 *
 * With `rngKind: 'numpy'` it follows the authors' script instead: one NumPy stream seeded once
 * (`--seed 43 --sufix small` for `nbody_small`), drawing `rawNumTrain` (default 10000) training
 * systems, then the valid and then the test systems; the data loader keeps the first `numTrain`
 * (3000) training systems. Only the kept ones are integrated; the skipped ones only advance the
 * stream.
 */
export function chargedNBodySplits(
  seed: number,
  opts: ChargedNBodySplitOptions & { rawNumTrain?: number } = {},
): ChargedNBodySplits {
  const { numTrain = 3000, numValid = 2000, numTest = 2000, rawNumTrain = 10000, ...sim } = opts;
  if (sim.rngKind === 'numpy') {
    if (rawNumTrain < numTrain) throw new RangeError('rawNumTrain must be ≥ numTrain');
    const rng = new Rng(seed, 'mt19937-numpy');
    const train = generateChargedNBody({ ...sim, numTrajectories: numTrain, rng });
    skipChargedNBodyDraws(rng, rawNumTrain - numTrain, sim);
    const valid = generateChargedNBody({ ...sim, numTrajectories: numValid, rng });
    const test = generateChargedNBody({ ...sim, numTrajectories: numTest, rng });
    return { train, valid, test, seeds: { numpy: seed } };
  }
  const seeds = { train: deriveSeed(seed, 'train'), valid: deriveSeed(seed, 'valid'), test: deriveSeed(seed, 'test') };
  return {
    train: generateChargedNBody({ ...sim, numTrajectories: numTrain, seed: seeds.train }),
    valid: generateChargedNBody({ ...sim, numTrajectories: numValid, seed: seeds.valid }),
    test: generateChargedNBody({ ...sim, numTrajectories: numTest, seed: seeds.test }),
    seeds,
  };
}

/** Advance a NumPy-mode stream past `count` 'egnn' trajectories without integrating them. */
function skipChargedNBodyDraws(rng: Rng, count: number, sim: ChargedNBodySplitOptions): void {
  const n = sim.numBodies ?? 5;
  const T = chargedNBodyFrameSteps('egnn', sim.length ?? 5000, sim.sampleFreq ?? 100).length;
  for (let s = 0; s < count; s++) {
    for (let i = 0; i < n; i++) rng.random();
    for (let k = 0; k < 6 * n + 2 * T * 3 * n; k++) rng.normal();
  }
}

/**
 * The EGNN task on one split: input frame (default 30: positions, velocities, charges) and
 * target frame (default 40: positions). Views into one array each, `[sims, n, 3]`.
 */
export function chargedNBodyTask(
  data: ChargedNBodyData,
  frameIn = 30,
  frameOut = 40,
): { loc: Float64Array; vel: Float64Array; charges: Float64Array; target: Float64Array } {
  const { numTrajectories: S, numFrames: T, numBodies: n } = data;
  for (const fr of [frameIn, frameOut]) {
    if (!Number.isInteger(fr) || fr < 0 || fr >= T) throw new RangeError(`frame ${fr} outside 0..${T - 1}`);
  }
  const w = 3 * n;
  const loc = new Float64Array(S * w);
  const vel = new Float64Array(S * w);
  const target = new Float64Array(S * w);
  for (let s = 0; s < S; s++) {
    loc.set(data.loc.subarray((s * T + frameIn) * w, (s * T + frameIn + 1) * w), s * w);
    vel.set(data.vel.subarray((s * T + frameIn) * w, (s * T + frameIn + 1) * w), s * w);
    target.set(data.loc.subarray((s * T + frameOut) * w, (s * T + frameOut + 1) * w), s * w);
  }
  return { loc, vel, charges: data.charges.slice(), target };
}
