/**
 * Irreducible representations of O(3) and their direct sums, with e3nn's conventions
 * (`e3nn/o3/_irreps.py`): an irrep is `(l, p)` with `l >= 0` and parity `p = ±1`, written
 * `"1o"` / `"2e"`; a direct sum is written `"16x0e+8x1o+4x2e"` (the multiplicity `1x` may be
 * omitted when parsing). Values are immutable.
 */

/** Parity of an irrep: +1 (even, "e") or -1 (odd, "o"). */
export type Parity = 1 | -1;

/** An irreducible representation of O(3): degree `l` and parity `p`. Immutable. */
export class Irrep {
  readonly l: number;
  readonly p: Parity;

  constructor(l: number, p: number) {
    if (!Number.isInteger(l) || l < 0) throw new RangeError(`Irrep: l must be a non-negative integer, got ${l}`);
    if (p !== 1 && p !== -1) throw new RangeError(`Irrep: parity must be 1 or -1, got ${p}`);
    this.l = l;
    this.p = p;
    Object.freeze(this);
  }

  /**
   * Parse `"<l><e|o|y>"`, e.g. `"0e"`, `"1o"`, `"12e"`. As in e3nn, `"y"` means the parity of the
   * spherical harmonics, `(-1)^l`.
   */
  static parse(text: string): Irrep {
    const name = text.trim();
    const m = /^(\d+)([eoy])$/.exec(name);
    if (m === null) throw new SyntaxError(`Unable to parse irrep "${text}": expected <l><e|o|y>, e.g. "1o"`);
    const l = Number(m[1]);
    const p = m[2] === 'e' ? 1 : m[2] === 'o' ? -1 : l % 2 === 0 ? 1 : -1;
    return new Irrep(l, p);
  }

  /** Accepts an `Irrep` (returned as is) or its string form. */
  static from(value: Irrep | string): Irrep {
    return value instanceof Irrep ? value : Irrep.parse(value);
  }

  /** Dimension `2l + 1`. */
  get dim(): number {
    return 2 * this.l + 1;
  }

  /** `l == 0 && p == 1`. */
  isScalar(): boolean {
    return this.l === 0 && this.p === 1;
  }

  equals(other: Irrep | string): boolean {
    const o = Irrep.from(other);
    return o.l === this.l && o.p === this.p;
  }

  /**
   * Total order used by `Irreps.sort`: e3nn's irreps are the tuples `(l, p)`, compared by `l`
   * first and then by `p`, so `0o < 0e < 1o < 1e < ...`.
   */
  compare(other: Irrep): number {
    return this.l !== other.l ? this.l - other.l : this.p - other.p;
  }

  toString(): string {
    return `${this.l}${this.p === 1 ? 'e' : 'o'}`;
  }

  /** Irreps in e3nn's `Irrep.iterator` order: `0e, 0o, 1o, 1e, 2e, 2o, ...` up to `lmax`. */
  static *iterator(lmax: number): Generator<Irrep> {
    for (let l = 0; l <= lmax; l++) {
      const p = l % 2 === 0 ? 1 : -1;
      yield new Irrep(l, p);
      yield new Irrep(l, -p);
    }
  }
}

/**
 * Selection rule of the tensor product `a ⊗ b`: the irreps `l3 = |l1-l2| .. l1+l2` (ascending),
 * each with parity `p1 * p2` (e3nn's `Irrep.__mul__`).
 */
export function irrepProduct(a: Irrep | string, b: Irrep | string): Irrep[] {
  const x = Irrep.from(a);
  const y = Irrep.from(b);
  const p = x.p * y.p;
  const out: Irrep[] = [];
  for (let l = Math.abs(x.l - y.l); l <= x.l + y.l; l++) out.push(new Irrep(l, p));
  return out;
}

/** One term `mul x ir` of an `Irreps`. */
export class MulIrrep {
  readonly mul: number;
  readonly ir: Irrep;

  constructor(mul: number, ir: Irrep | string) {
    if (!Number.isInteger(mul) || mul < 0) throw new RangeError(`MulIrrep: multiplicity must be a non-negative integer, got ${mul}`);
    this.mul = mul;
    this.ir = Irrep.from(ir);
    Object.freeze(this);
  }

  /** `mul * (2l + 1)`. */
  get dim(): number {
    return this.mul * this.ir.dim;
  }

  toString(): string {
    return `${this.mul}x${this.ir}`;
  }
}

/** Offset range `[start, stop)` of one `mul x ir` block in a flat feature vector. */
export interface IrrepsSlice {
  readonly start: number;
  readonly stop: number;
}

/** Result of `Irreps.sort()`, as e3nn's namedtuple `(irreps, p, inv)`. */
export interface IrrepsSortResult {
  /** The sorted irreps (not simplified). */
  readonly irreps: Irreps;
  /** `p[i]` is the position in the sorted list of the i-th term of the original list. */
  readonly p: readonly number[];
  /** `inv[j]` is the original position of the j-th sorted term (`inv = p^-1`). */
  readonly inv: readonly number[];
}

/** What `Irreps.filter` keeps or drops: irreps, a string, a list of irreps, or a predicate on terms. */
export type IrrepsSelector = Irreps | string | readonly (Irrep | string)[] | ((term: MulIrrep) => boolean);

/** Anything `Irreps.from` accepts. */
export type IrrepsLike =
  | Irreps
  | Irrep
  | string
  | readonly (MulIrrep | Irrep | string | readonly [number, Irrep | string])[];

/** Direct sum of irreps, e.g. `Irreps.parse("16x0e+8x1o+4x2e")`. Immutable. */
export class Irreps implements Iterable<MulIrrep> {
  /** The terms in order. */
  readonly terms: readonly MulIrrep[];

  constructor(terms: readonly MulIrrep[] = []) {
    this.terms = Object.freeze([...terms]);
    Object.freeze(this);
  }

  /**
   * Parse `"16x0e + 8x1o + 4x2e"`, `"0e+1o"`, `"2x1e"`; whitespace around terms is ignored and
   * the empty string is the empty direct sum. Errors name the whole string and the bad term.
   */
  static parse(text: string): Irreps {
    if (text.trim() === '') return new Irreps([]);
    const pieces = text.split('+');
    const terms: MulIrrep[] = [];
    pieces.forEach((raw, index) => {
      const piece = raw.trim();
      const fail = (why: string): never => {
        throw new SyntaxError(`Unable to parse irreps "${text}": term ${index + 1} "${piece}" ${why}`);
      };
      if (piece === '') fail('is empty');
      let mul = 1;
      let irText = piece;
      const x = piece.indexOf('x');
      if (x >= 0) {
        const mulText = piece.slice(0, x).trim();
        irText = piece.slice(x + 1).trim();
        if (!/^\d+$/.test(mulText)) fail(`has an invalid multiplicity "${mulText}"`);
        mul = Number(mulText);
      }
      const m = /^(\d+)([eoy])$/.exec(irText);
      if (m === null) fail(`has an invalid irrep "${irText}" (expected <l><e|o|y>, e.g. "1o")`);
      terms.push(new MulIrrep(mul, Irrep.parse(irText)));
    });
    return new Irreps(terms);
  }

  static from(value: IrrepsLike): Irreps {
    if (value instanceof Irreps) return value;
    if (value instanceof Irrep) return new Irreps([new MulIrrep(1, value)]);
    if (typeof value === 'string') return Irreps.parse(value);
    return new Irreps(
      value.map((t) => {
        if (t instanceof MulIrrep) return t;
        if (t instanceof Irrep || typeof t === 'string') return new MulIrrep(1, t);
        return new MulIrrep(t[0], t[1]);
      }),
    );
  }

  /** `1x0e + 1x1o + 1x2e + ...` up to `lmax`: the irreps of the spherical harmonics, parity `p^l`. */
  static sphericalHarmonics(lmax: number, p: Parity = -1): Irreps {
    const terms: MulIrrep[] = [];
    for (let l = 0; l <= lmax; l++) terms.push(new MulIrrep(1, new Irrep(l, p ** l)));
    return new Irreps(terms);
  }

  [Symbol.iterator](): Iterator<MulIrrep> {
    return this.terms[Symbol.iterator]();
  }

  /** Number of `mul x ir` terms. */
  get length(): number {
    return this.terms.length;
  }

  at(index: number): MulIrrep {
    const t = this.terms.at(index);
    if (t === undefined) throw new RangeError(`Irreps.at: index ${index} out of range for "${this}"`);
    return t;
  }

  /** Total dimension `Σ mul (2l + 1)`. */
  get dim(): number {
    return this.terms.reduce((s, t) => s + t.dim, 0);
  }

  /** Total multiplicity `Σ mul`. */
  get numIrreps(): number {
    return this.terms.reduce((s, t) => s + t.mul, 0);
  }

  /** The `l` of every irrep copy, repeated `mul` times (e3nn's `ls`). */
  get ls(): number[] {
    const out: number[] = [];
    for (const t of this.terms) for (let i = 0; i < t.mul; i++) out.push(t.ir.l);
    return out;
  }

  /** Largest `l` among irreps of non-zero multiplicity; throws on an empty direct sum. */
  get lmax(): number {
    const ls = this.ls;
    if (ls.length === 0) throw new RangeError('Cannot get lmax of empty Irreps');
    return Math.max(...ls);
  }

  /** Total multiplicity of `ir`. */
  count(ir: Irrep | string): number {
    const target = Irrep.from(ir);
    return this.terms.reduce((s, t) => s + (t.ir.equals(target) ? t.mul : 0), 0);
  }

  /** Whether `ir` appears (with any multiplicity, including 0, as in e3nn). */
  contains(ir: Irrep | string): boolean {
    const target = Irrep.from(ir);
    return this.terms.some((t) => t.ir.equals(target));
  }

  /** Offset range of each term in a flat vector of length `dim`. */
  slices(): IrrepsSlice[] {
    const out: IrrepsSlice[] = [];
    let i = 0;
    for (const t of this.terms) {
      out.push(Object.freeze({ start: i, stop: i + t.dim }));
      i += t.dim;
    }
    return out;
  }

  /** Merge adjacent equal irreps and drop zero multiplicities (does not sort), like e3nn. */
  simplify(): Irreps {
    const out: { mul: number; ir: Irrep }[] = [];
    for (const t of this.terms) {
      const last = out[out.length - 1];
      if (last !== undefined && last.ir.equals(t.ir)) last.mul += t.mul;
      else if (t.mul > 0) out.push({ mul: t.mul, ir: t.ir });
    }
    return new Irreps(out.map((t) => new MulIrrep(t.mul, t.ir)));
  }

  /** Drop terms of multiplicity zero. */
  removeZeroMultiplicities(): Irreps {
    return new Irreps(this.terms.filter((t) => t.mul > 0));
  }

  /**
   * Stable sort of the terms by irrep (`Irrep.compare`), ties kept in original order, as e3nn
   * (which sorts `(ir, index, mul)` tuples). Returns the permutation `p` and its inverse `inv`.
   */
  sort(): IrrepsSortResult {
    const order = this.terms.map((t, i) => ({ t, i }));
    order.sort((a, b) => a.t.ir.compare(b.t.ir) || a.i - b.i);
    const inv = order.map((o) => o.i);
    const p = new Array<number>(inv.length);
    inv.forEach((orig, sorted) => {
      p[orig] = sorted;
    });
    return Object.freeze({
      irreps: new Irreps(order.map((o) => o.t)),
      p: Object.freeze(p),
      inv: Object.freeze(inv),
    });
  }

  /** `sort().irreps.simplify()`. */
  regroup(): Irreps {
    return this.sort().irreps.simplify();
  }

  /**
   * Keep only the terms selected by `keep` and/or remove those selected by `drop` (e3nn's
   * `filter(keep=..., drop=...)`). A selector is a set of irreps (multiplicities ignored) or a
   * predicate on terms.
   */
  filter(options: { keep?: IrrepsSelector; drop?: IrrepsSelector }): Irreps {
    const toPredicate = (sel: IrrepsSelector): ((t: MulIrrep) => boolean) => {
      if (typeof sel === 'function') return sel;
      const irs: Irrep[] =
        sel instanceof Irreps ? sel.terms.map((t) => t.ir) : typeof sel === 'string' ? Irreps.parse(sel).terms.map((t) => t.ir) : sel.map((s) => Irrep.from(s));
      return (t) => irs.some((ir) => ir.equals(t.ir));
    };
    const keep = options.keep === undefined ? () => true : toPredicate(options.keep);
    const drop = options.drop === undefined ? () => false : toPredicate(options.drop);
    return new Irreps(this.terms.filter((t) => keep(t) && !drop(t)));
  }

  /** Concatenation (direct sum), without simplification. */
  concat(other: IrrepsLike): Irreps {
    return new Irreps([...this.terms, ...Irreps.from(other).terms]);
  }

  /** Exact equality of the term lists (`"2x0e"` differs from `"0e+0e"`; compare `simplify()`s for that). */
  equals(other: IrrepsLike): boolean {
    const o = Irreps.from(other);
    return o.length === this.length && this.terms.every((t, i) => t.mul === o.terms[i]!.mul && t.ir.equals(o.terms[i]!.ir));
  }

  /** e3nn's format: `"16x0e+8x1o+4x2e"` (empty string for the empty sum). */
  toString(): string {
    return this.terms.map((t) => t.toString()).join('+');
  }
}
