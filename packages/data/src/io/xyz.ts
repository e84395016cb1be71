/**
 * XYZ, extended XYZ (ASE / extxyz conventions) and the QM9 per-molecule .xyz format.
 * Readers take the text (or UTF-8 bytes) and a `source` label for error messages; a file that is
 * truncated or malformed throws a {@link DataFormatError} naming the source and line (1-based).
 */
import type { Graph } from '../graph-batch.js';
import { atomicNumber, ELEMENT_SYMBOLS } from '../elements.js';
import { DataFormatError } from './errors.js';

export type InfoValue = string | number | boolean | Float64Array | boolean[];

/** A frame read from (ext)xyz: a Graph plus the comment-line metadata. */
export interface XyzFrame extends Graph {
  /** Comment-line key=value pairs not turned into targets (strings, booleans), or `comment` for plain xyz. */
  info: Record<string, InfoValue>;
}

function toText(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: false }).decode(data);
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parse a number, also in Mathematica's `1.2*^-6` notation used by QM9. */
function num(tok: string, source: string, line: number, what: string): number {
  const t = tok.includes('*^') ? tok.replace('*^', 'e') : tok;
  const v = t.trim() === '' ? NaN : Number(t);
  if (!Number.isFinite(v) && !/^[+-]?(inf|infinity|nan)$/i.test(t)) {
    throw new DataFormatError(source, { line }, `${what}: '${tok}' is not a number`);
  }
  return Number.isFinite(v) ? v : /nan/i.test(t) ? NaN : t.startsWith('-') ? -Infinity : Infinity;
}

function atomCountLine(lines: string[], i: number, source: string): number {
  const tok = lines[i].trim();
  if (!/^\d+$/.test(tok)) throw new DataFormatError(source, { line: i + 1 }, `expected the atom count, found '${lines[i].slice(0, 40)}'`);
  return Number(tok);
}

function needLines(lines: string[], start: number, count: number, source: string, nAtoms: number): void {
  if (start + count > lines.length) {
    throw new DataFormatError(
      source,
      { line: lines.length + 1 },
      `file ends after ${Math.max(0, lines.length - start)} of the ${count} lines of a frame (${nAtoms} atoms) starting at line ${start}`,
    );
  }
}

function speciesToZ(species: string[]): Int32Array | undefined {
  const z = new Int32Array(species.length);
  for (let i = 0; i < species.length; i++) {
    const v = atomicNumber(species[i]);
    if (v === undefined) return undefined;
    z[i] = v;
  }
  return z;
}

/** Plain multi-frame XYZ: `n`, comment, n lines `symbol x y z [ignored …]`. */
export function readXyz(data: string | Uint8Array, source = '<xyz>'): XyzFrame[] {
  const lines = splitLines(toText(data));
  const frames: XyzFrame[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    const n = atomCountLine(lines, i, source);
    needLines(lines, i + 1, n + 1, source, n);
    const comment = lines[i + 1];
    const positions = new Float64Array(3 * n);
    const species: string[] = [];
    for (let a = 0; a < n; a++) {
      const ln = i + 2 + a;
      const tok = lines[ln].trim().split(/\s+/);
      if (tok.length < 4) throw new DataFormatError(source, { line: ln + 1 }, `atom line needs 'symbol x y z', found '${lines[ln]}'`);
      species.push(tok[0]);
      for (let d = 0; d < 3; d++) positions[3 * a + d] = num(tok[1 + d], source, ln + 1, `coordinate ${d} of atom ${a}`);
    }
    const frame: XyzFrame = { positions, species, targets: {}, info: { comment } };
    const z = speciesToZ(species);
    if (z) frame.atomicNumbers = z;
    frames.push(frame);
    i += n + 2;
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------
// extended XYZ

/** Split the comment line into key=value pairs; values may be "quoted", {braced} or [bracketed]. */
export function parseKeyValueLine(line: string, source = '<extxyz>', lineNo = 2): Map<string, string | true> {
  const out = new Map<string, string | true>();
  let p = 0;
  const L = line.length;
  const readToken = (): string => {
    const c = line[p];
    if (c === '"' || c === "'") {
      let s = '';
      p++;
      while (p < L && line[p] !== c) {
        if (line[p] === '\\' && p + 1 < L) p++;
        s += line[p++];
      }
      if (p >= L) throw new DataFormatError(source, { line: lineNo }, `unterminated quote in the comment line`);
      p++;
      return s;
    }
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      const end = line.indexOf(close, p);
      if (end < 0) throw new DataFormatError(source, { line: lineNo }, `unterminated '${c}' in the comment line`);
      const s = line.slice(p + 1, end).replace(/,/g, ' ');
      p = end + 1;
      return s;
    }
    const start = p;
    while (p < L && !/[\s=]/.test(line[p])) p++;
    return line.slice(start, p);
  };
  while (p < L) {
    while (p < L && /\s/.test(line[p])) p++;
    if (p >= L) break;
    const key = readToken();
    while (p < L && /[ \t]/.test(line[p]) && line.slice(p).trimStart().startsWith('=')) p++;
    if (line[p] === '=') {
      p++;
      while (p < L && /[ \t]/.test(line[p])) p++;
      out.set(key, p < L ? readToken() : '');
    } else {
      out.set(key, true);
    }
  }
  return out;
}

interface PropertyColumn {
  name: string;
  type: 'S' | 'R' | 'I' | 'L';
  cols: number;
}

function parseProperties(spec: string, source: string, lineNo: number): PropertyColumn[] {
  const parts = spec.split(':');
  if (parts.length % 3 !== 0) throw new DataFormatError(source, { line: lineNo }, `Properties '${spec}' is not name:type:count triples`);
  const cols: PropertyColumn[] = [];
  for (let k = 0; k < parts.length; k += 3) {
    const type = parts[k + 1].toUpperCase();
    const count = Number(parts[k + 2]);
    if (!['S', 'R', 'I', 'L'].includes(type) || !Number.isInteger(count) || count < 1) {
      throw new DataFormatError(source, { line: lineNo }, `bad Properties entry '${parts.slice(k, k + 3).join(':')}'`);
    }
    cols.push({ name: parts[k], type: type as PropertyColumn['type'], cols: count });
  }
  return cols;
}

const BOOL_TRUE = /^(t|true)$/i;
const BOOL_FALSE = /^(f|false)$/i;

function parseInfoValue(v: string | true): InfoValue {
  if (v === true) return true;
  const toks = v.trim().split(/\s+/).filter((t) => t !== '');
  if (toks.length === 0) return v;
  if (toks.every((t) => BOOL_TRUE.test(t) || BOOL_FALSE.test(t))) {
    return toks.length === 1 ? BOOL_TRUE.test(toks[0]) : toks.map((t) => BOOL_TRUE.test(t));
  }
  const nums = toks.map((t) => Number(t));
  if (nums.every((x, k) => !Number.isNaN(x) || /^nan$/i.test(toks[k]))) return toks.length === 1 ? nums[0] : Float64Array.from(nums);
  return v;
}

export interface ReadExtxyzOptions {
  /** Per-atom columns that are targets (→ `nodeTargets`); others go to `nodeArrays`. Default ['forces']. */
  nodeTargetKeys?: string[];
}

/**
 * Extended XYZ (ASE): line 2 holds key=value pairs, among them `Lattice="ax ay az bx by bz cx cy cz"`
 * (rows = lattice vectors), `Properties=species:S:1:pos:R:3:…` and `pbc="T T T"` (ASE's default is
 * all-periodic when a Lattice is given). Numeric info values become `targets` (e.g. `energy`,
 * `stress`), the rest `info`. Without `Properties` the columns are `species:S:1:pos:R:3`.
 */
export function readExtxyz(data: string | Uint8Array, source = '<extxyz>', opts: ReadExtxyzOptions = {}): XyzFrame[] {
  const nodeTargetKeys = new Set(opts.nodeTargetKeys ?? ['forces']);
  const lines = splitLines(toText(data));
  const frames: XyzFrame[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    const n = atomCountLine(lines, i, source);
    needLines(lines, i + 1, n + 1, source, n);
    const kv = parseKeyValueLine(lines[i + 1], source, i + 2);
    const frame: XyzFrame = { positions: new Float64Array(3 * n), targets: {}, info: {} };
    let props: PropertyColumn[] = [
      { name: 'species', type: 'S', cols: 1 },
      { name: 'pos', type: 'R', cols: 3 },
    ];
    let pbcSeen = false;
    for (const [key, raw] of kv) {
      const lower = key.toLowerCase();
      if (lower === 'properties') {
        if (raw === true) throw new DataFormatError(source, { line: i + 2 }, 'Properties has no value');
        props = parseProperties(raw, source, i + 2);
      } else if (lower === 'lattice') {
        const v = parseInfoValue(raw);
        if (!(v instanceof Float64Array) || v.length !== 9) throw new DataFormatError(source, { line: i + 2 }, `Lattice needs 9 numbers, got '${raw}'`);
        frame.cell = v;
      } else if (lower === 'pbc') {
        const v = parseInfoValue(raw);
        if (!Array.isArray(v) || v.length !== 3) throw new DataFormatError(source, { line: i + 2 }, `pbc needs three T/F values, got '${raw}'`);
        frame.pbc = [v[0], v[1], v[2]];
        pbcSeen = true;
      } else {
        const v = parseInfoValue(raw);
        if (typeof v === 'number' || v instanceof Float64Array) frame.targets[key] = v;
        else frame.info[key] = v;
      }
    }
    if (frame.cell && !pbcSeen) frame.pbc = [true, true, true];
    const width = props.reduce((a, p) => a + p.cols, 0);
    const columns = props.map((p) => (p.type === 'S' ? ([] as string[]) : new Float64Array(n * p.cols)));
    for (let a = 0; a < n; a++) {
      const ln = i + 2 + a;
      const tok = lines[ln].trim().split(/\s+/);
      if (tok.length !== width) {
        throw new DataFormatError(source, { line: ln + 1 }, `atom ${a}: expected ${width} columns (Properties), found ${tok.length}`);
      }
      let c = 0;
      props.forEach((p, k) => {
        const col = columns[k];
        for (let m = 0; m < p.cols; m++, c++) {
          const t = tok[c];
          if (p.type === 'S') (col as string[]).push(t);
          else if (p.type === 'L') {
            if (!BOOL_TRUE.test(t) && !BOOL_FALSE.test(t)) throw new DataFormatError(source, { line: ln + 1 }, `${p.name}: '${t}' is not T/F`);
            (col as Float64Array)[a * p.cols + m] = BOOL_TRUE.test(t) ? 1 : 0;
          } else {
            const v = num(t, source, ln + 1, `${p.name} of atom ${a}`);
            if (p.type === 'I' && !Number.isInteger(v)) throw new DataFormatError(source, { line: ln + 1 }, `${p.name}: '${t}' is not an integer`);
            (col as Float64Array)[a * p.cols + m] = v;
          }
        }
      });
    }
    let havePos = false;
    props.forEach((p, k) => {
      const col = columns[k];
      if (p.name === 'pos' && p.type === 'R' && p.cols === 3) {
        frame.positions = col as Float64Array;
        havePos = true;
      } else if ((p.name === 'species' || p.name === 'symbols') && p.type === 'S') {
        frame.species = col as string[];
      } else if (p.name === 'Z' && p.type === 'I' && p.cols === 1) {
        frame.atomicNumbers = Int32Array.from(col as Float64Array);
      } else if (p.type === 'S') {
        frame.info[p.name] = (col as string[]).join(' ');
      } else if (nodeTargetKeys.has(p.name)) {
        (frame.nodeTargets ??= {})[p.name] = col as Float64Array;
      } else {
        (frame.nodeArrays ??= {})[p.name] = col as Float64Array;
      }
    });
    if (!havePos) throw new DataFormatError(source, { line: i + 2 }, `Properties has no pos:R:3 column`);
    if (frame.species && !frame.atomicNumbers) {
      const z = speciesToZ(frame.species);
      if (z) frame.atomicNumbers = z;
    }
    frames.push(frame);
    i += n + 2;
  }
  return frames;
}

function fmt(x: number): string {
  // shortest round-trip representation; integers keep a decimal point for R columns
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
}

function quoteIfNeeded(s: string): string {
  return /[\s="]/.test(s) || s === '' ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s;
}

/**
 * Write frames as extended XYZ, ASE-compatible. Numbers are written in shortest round-trip form,
 * so `readExtxyz(writeExtxyz(g))` gives the same doubles. Graph-level targets go on the comment line;
 * node targets and node arrays become `R` columns.
 */
export function writeExtxyz(graphs: Graph[]): string {
  const out: string[] = [];
  graphs.forEach((g, gi) => {
    const n = g.positions.length / 3;
    const species =
      g.species ?? (g.atomicNumbers ? Array.from(g.atomicNumbers, (z) => ELEMENT_SYMBOLS[z] ?? String(z)) : undefined);
    if (!species) throw new Error(`writeExtxyz: graph ${gi} has neither species nor atomicNumbers`);
    const extra: [string, Float64Array][] = [
      ...Object.entries(g.nodeTargets ?? {}),
      ...Object.entries(g.nodeArrays ?? {}),
    ];
    const props = ['species:S:1', 'pos:R:3', ...extra.map(([k, v]) => `${k}:R:${v.length / n}`)];
    const kv: string[] = [];
    if (g.cell) kv.push(`Lattice="${Array.from(g.cell, fmt).join(' ')}"`);
    kv.push(`Properties=${props.join(':')}`);
    for (const [k, v] of Object.entries(g.targets)) {
      kv.push(typeof v === 'number' ? `${k}=${fmt(v)}` : `${k}="${Array.from(v, fmt).join(' ')}"`);
    }
    const info = (g as Partial<XyzFrame>).info ?? {};
    for (const [k, v] of Object.entries(info)) {
      if (k === 'comment') continue;
      if (typeof v === 'boolean') kv.push(`${k}=${v ? 'T' : 'F'}`);
      else if (Array.isArray(v)) kv.push(`${k}="${v.map((b) => (b ? 'T' : 'F')).join(' ')}"`);
      else if (typeof v === 'number') kv.push(`${k}=${fmt(v)}`);
      else if (v instanceof Float64Array) kv.push(`${k}="${Array.from(v, fmt).join(' ')}"`);
      else kv.push(`${k}=${quoteIfNeeded(v)}`);
    }
    if (g.pbc) kv.push(`pbc="${g.pbc.map((b) => (b ? 'T' : 'F')).join(' ')}"`);
    out.push(String(n), kv.join(' '));
    for (let a = 0; a < n; a++) {
      const row = [species[a], fmt(g.positions[3 * a]), fmt(g.positions[3 * a + 1]), fmt(g.positions[3 * a + 2])];
      for (const [, v] of extra) {
        const k = v.length / n;
        for (let m = 0; m < k; m++) row.push(fmt(v[a * k + m]));
      }
      out.push(row.join(' '));
    }
  });
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// QM9

/** Names of the 15 properties on line 2 of a QM9 .xyz, after "gdb <index>". */
export const QM9_PROPERTIES = ['A', 'B', 'C', 'mu', 'alpha', 'homo', 'lumo', 'gap', 'r2', 'zpve', 'U0', 'U', 'H', 'G', 'Cv'] as const;

/**
 * One molecule of QM9 (Ramakrishnan et al. 2014, `dsgdb9nsd_NNNNNN.xyz`): atom count; `gdb N` and
 * 15 properties (units: A, B, C GHz; mu D; alpha a0³; homo, lumo, gap Ha; r2 a0²; zpve, U0, U, H, G Ha;
 * Cv cal/(mol·K)); atoms `El x y z q_Mulliken` (Å, e); the harmonic frequencies (cm⁻¹); SMILES
 * (GDB-17, relaxed); InChI (GDB-17, relaxed). Numbers may be written like `1.2*^-6`.
 */
export function readQm9Xyz(data: string | Uint8Array, source = '<qm9>'): XyzFrame {
  const lines = splitLines(toText(data));
  if (lines.length === 0) throw new DataFormatError(source, { line: 1 }, 'empty file');
  const n = atomCountLine(lines, 0, source);
  needLines(lines, 0, n + 5, source, n);
  const head = lines[1].trim().split(/\s+/);
  if (head.length < 2 + QM9_PROPERTIES.length || head[0] !== 'gdb') {
    throw new DataFormatError(source, { line: 2 }, `expected 'gdb <index>' and ${QM9_PROPERTIES.length} properties, found ${head.length - 2} values`);
  }
  const targets: Record<string, number> = {};
  QM9_PROPERTIES.forEach((k, m) => (targets[k] = num(head[2 + m], source, 2, k)));
  const positions = new Float64Array(3 * n);
  const charges = new Float64Array(n);
  const species: string[] = [];
  for (let a = 0; a < n; a++) {
    const ln = 2 + a;
    const tok = lines[ln].trim().split(/\s+/);
    if (tok.length !== 5) throw new DataFormatError(source, { line: ln + 1 }, `atom ${a}: expected 'El x y z charge', found ${tok.length} fields`);
    species.push(tok[0]);
    for (let d = 0; d < 3; d++) positions[3 * a + d] = num(tok[1 + d], source, ln + 1, `coordinate ${d} of atom ${a}`);
    charges[a] = num(tok[4], source, ln + 1, `Mulliken charge of atom ${a}`);
  }
  const freqLine = 2 + n;
  const frequencies = Float64Array.from(
    lines[freqLine].trim().split(/\s+/).filter((t) => t !== ''),
    (t) => num(t, source, freqLine + 1, 'frequency'),
  );
  const smiles = lines[freqLine + 1].trim().split(/\s+/);
  const inchi = lines[freqLine + 2].trim().split(/\s+/);
  const z = speciesToZ(species);
  if (!z) throw new DataFormatError(source, { line: 3 }, `unknown element among ${species.join(' ')}`);
  return {
    positions,
    species,
    atomicNumbers: z,
    targets,
    nodeArrays: { mulliken_charges: charges },
    info: {
      index: Number(head[1]),
      frequencies,
      smiles: smiles[0] ?? '',
      smilesRelaxed: smiles[1] ?? smiles[0] ?? '',
      inchi: inchi[0] ?? '',
      inchiRelaxed: inchi[1] ?? inchi[0] ?? '',
    },
  };
}
