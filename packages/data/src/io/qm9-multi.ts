/**
 * Several QM9-format molecules concatenated in one file (as shipped in `datasets/qm9-xtb/`): each
 * record is the `n + 5` lines that {@link readQm9Xyz} reads (atom count, properties, n atoms,
 * frequencies, SMILES pair, InChI pair). Blank lines between records are skipped.
 */
import { readFileSync } from 'node:fs';
import { DataFormatError } from './errors.js';
import { readQm9Xyz, type XyzFrame } from './xyz.js';

export function readQm9XyzMulti(data: string | Uint8Array, source = '<qm9>'): XyzFrame[] {
  const text = typeof data === 'string' ? data : new TextDecoder('utf-8').decode(data);
  const lines = text.split(/\r?\n/);
  const out: XyzFrame[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    const tok = lines[i].trim();
    if (!/^\d+$/.test(tok)) throw new DataFormatError(source, { line: i + 1 }, `expected the atom count of molecule ${out.length + 1}, found '${tok.slice(0, 40)}'`);
    const len = Number(tok) + 5;
    if (i + len > lines.length) {
      throw new DataFormatError(source, { line: lines.length }, `molecule ${out.length + 1} (line ${i + 1}) needs ${len} lines, the file ends first`);
    }
    out.push(readQm9Xyz(lines.slice(i, i + len).join('\n'), `${source} (molecule ${out.length + 1}, from line ${i + 1})`));
    i += len;
  }
  return out;
}

export function readQm9XyzMultiFile(path: string): XyzFrame[] {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${err.code ?? err.message})`);
  }
  return readQm9XyzMulti(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path);
}
