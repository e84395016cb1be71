/**
 * Seeded random numbers with a serialisable state.
 *
 * Two engines, both from `pure-rand`:
 * - `'xoroshiro128plus'` (default): fast, 2^128 − 1 period; normals by the basic Box–Muller transform.
 * - `'mt19937-numpy'`: MT19937 seeded like NumPy's legacy `np.random.seed(s)` / `RandomState(s)`,
 *   with NumPy's legacy doubles (53 bits from two draws) and legacy normals (Marsaglia polar method
 *   with a cached spare). Draw-for-draw identical to `RandomState(s).random_sample()` and
 *   `.randn()`, which lets the N-body generator reproduce the EGNN authors' initial conditions.
 *
 * The state (engine words plus the cached spare normal) round-trips through `getState()` /
 * `Rng.fromState()` and is plain JSON, so a checkpoint can store it.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { mersenne, mersenneFromState } from 'pure-rand/generator/mersenne';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

export type RngAlgorithm = 'xoroshiro128plus' | 'mt19937-numpy';

/** JSON-serialisable snapshot of an {@link Rng}. */
export interface RngState {
  algorithm: RngAlgorithm;
  /** The engine's words, as `pure-rand`'s `getState()` gives them. */
  words: number[];
  /** Cached second normal deviate (Box–Muller / polar methods produce two at a time), or null. */
  spare: number | null;
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  return seed;
}

/** 32-bit finaliser of MurmurHash3: a bijective mix of a uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derive a child seed from a seed and a list of keys (numbers or strings), e.g.
 * `deriveSeed(seed, 'train')`. Deterministic, platform-independent, in [0, 2^32).
 */
export function deriveSeed(seed: number, ...keys: (number | string)[]): number {
  let h = fmix32(checkSeed(seed) ^ 0x9e3779b9);
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!Number.isInteger(key)) throw new RangeError(`deriveSeed keys must be integers or strings, got ${key}`);
      h = fmix32(h ^ fmix32((key >>> 0) + 0x7f4a7c15));
      h = fmix32(h ^ fmix32(Math.floor(key / 4294967296) >>> 0));
    } else {
      for (let i = 0; i < key.length; i++) h = fmix32(Math.imul(h ^ key.charCodeAt(i), 0x01000193));
      h = fmix32(h ^ key.length);
    }
  }
  return h;
}

export class Rng {
  private gen: JumpableRandomGenerator;
  private spare: number | null = null;
  readonly algorithm: RngAlgorithm;

  constructor(seed: number, algorithm: RngAlgorithm = 'xoroshiro128plus') {
    checkSeed(seed);
    this.algorithm = algorithm;
    if (algorithm === 'mt19937-numpy') {
      // MT19937's init_genrand(seed), exactly NumPy's legacy seeding for an integer seed.
      this.gen = mersenne(seed | 0);
    } else if (algorithm === 'xoroshiro128plus') {
      // pure-rand's xoroshiro128plus(seed) starts from (−1, ~seed, seed, 0): the first outputs of
      // nearby seeds are then nearly equal. Fill the 128-bit state from a hash of the seed instead.
      const words: number[] = [];
      for (let k = 1; k <= 4; k++) words.push(fmix32((seed + Math.imul(k, 0x9e3779b9)) >>> 0) | 0);
      this.gen = xoroshiro128plusFromState(words);
    } else {
      throw new Error(`unknown RNG algorithm ${String(algorithm)}`);
    }
  }

  static fromState(state: RngState): Rng {
    const rng = Object.create(Rng.prototype) as Rng;
    const words = state.words;
    (rng as unknown as { algorithm: RngAlgorithm }).algorithm = state.algorithm;
    if (state.algorithm === 'mt19937-numpy') rng.gen = mersenneFromState(words);
    else if (state.algorithm === 'xoroshiro128plus') rng.gen = xoroshiro128plusFromState(words);
    else throw new Error(`unknown RNG algorithm ${String((state as RngState).algorithm)}`);
    rng.spare = state.spare;
    return rng;
  }

  getState(): RngState {
    return { algorithm: this.algorithm, words: [...this.gen.getState()], spare: this.spare };
  }

  /** An independent copy with the same state. */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /** Next raw 32-bit output as an unsigned integer. */
  nextUint32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (NumPy's legacy `random_sample` construction). */
  random(): number {
    const a = this.gen.next() >>> 5;
    const b = this.gen.next() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Uniform double in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Normal deviate. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    if (this.algorithm === 'mt19937-numpy') {
      // NumPy legacy_gauss: Marsaglia polar method, returns f*x2 and caches f*x1.
      let x1: number, x2: number, r2: number;
      do {
        x1 = 2 * this.random() - 1;
        x2 = 2 * this.random() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      this.spare = f * x1;
      return mean + std * (f * x2);
    }
    // Basic Box–Muller; 1 − u ∈ (0, 1] avoids log(0).
    const u1 = 1 - this.random();
    const u2 = this.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    this.spare = r * Math.sin(t);
    return mean + std * r * Math.cos(t);
  }

  /** Fill `out` with uniform [0, 1) doubles. */
  fillUniform(out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.random();
    return out;
  }

  /** Fill `out` with normal deviates. */
  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling); 1 ≤ n ≤ 2^32. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`integer(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    if (n === 1) return 0;
    // Rejection keeps it unbiased; dividing (not `x % n`) uses the high bits, since the low bits of
    // xoroshiro128+ are its weakest.
    const bucket = Math.floor(4294967296 / n); // n·bucket ≤ 2^32
    const limit = bucket * n;
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return Math.floor(x / bucket);
  }

  /** Uniform integer in [low, high] (inclusive). */
  integerInRange(low: number, high: number): number {
    return low + this.integer(high - low + 1);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
