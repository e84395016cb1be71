/**
 * NumPy `.npy` (format versions 1.0, 2.0 and 3.0) and `.npz` (zip of .npy, via fflate).
 * Little-endian float64, float32, int32, int64, uint8 and bool; C or Fortran order on read
 * (Fortran is transposed to C); C order on write.
 */
import { unzipSync } from 'fflate';
import { DataFormatError } from './errors.js';

export type NpyDtype = 'float64' | 'float32' | 'int32' | 'int64' | 'uint8' | 'bool';
export type NpyData = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** C-order data. */
  data: NpyData;
}

const DESCR: Record<string, { dtype: NpyDtype; size: number }> = {
  '<f8': { dtype: 'float64', size: 8 },
  '<f4': { dtype: 'float32', size: 4 },
  '<i4': { dtype: 'int32', size: 4 },
  '<i8': { dtype: 'int64', size: 8 },
  '|u1': { dtype: 'uint8', size: 1 },
  '<u1': { dtype: 'uint8', size: 1 },
  '|b1': { dtype: 'bool', size: 1 },
};
const DESCR_OF: Record<NpyDtype, string> = {
  float64: '<f8',
  float32: '<f4',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  bool: '|b1',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parse a .npy file. */
export function readNpy(bytes: Uint8Array, source = '<npy>'): NpyArray {
  const fail = (offset: number, msg: string): never => {
    throw new DataFormatError(source, { offset }, msg);
  };
  if (bytes.length < 10) fail(bytes.length, `file too short for a .npy header (${bytes.length} bytes)`);
  for (let k = 0; k < 6; k++) if (bytes[k] !== MAGIC[k]) fail(k, 'not a .npy file (bad magic string)');
  const major = bytes[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(bytes.length, 'file too short for a version 2 header');
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 16777216;
    start = 12;
  } else {
    return fail(6, `unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) fail(bytes.length, `header of ${headerLen} bytes runs past the end of the file`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeStr === undefined) {
    return fail(start, `cannot parse the header dict ${JSON.stringify(header.trim())}`);
  }
  const info = DESCR[descr] ?? (descr === '=f8' || descr === '=f4' ? DESCR['<' + descr.slice(1)] : undefined);
  if (!info) return fail(start, `unsupported dtype '${descr}' (supported: ${Object.keys(DESCR).join(', ')})`);
  const shape = shapeStr
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) fail(start, `bad shape entry '${s}'`);
      return v;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * info.size;
  if (bytes.length - dataStart < need) {
    fail(bytes.length, `data truncated: shape (${shape.join(', ')}) of ${descr} needs ${need} bytes, ${bytes.length - dataStart} present`);
  }
  // copy into a fresh buffer (aligned, independent). Not `bytes.slice`: on a Node Buffer that is a view.
  const buf = new ArrayBuffer(need);
  new Uint8Array(buf).set(bytes.subarray(dataStart, dataStart + need));
  let data: NpyData;
  switch (info.dtype) {
    case 'float64': data = new Float64Array(buf); break;
    case 'float32': data = new Float32Array(buf); break;
    case 'int32': data = new Int32Array(buf); break;
    case 'int64': data = new BigInt64Array(buf); break;
    default: data = new Uint8Array(buf);
  }
  if (fortran === 'True' && shape.length > 1) data = fortranToC(data, shape);
  return { dtype: info.dtype, shape, data };
}

function fortranToC<T extends NpyData>(src: T, shape: number[]): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const nd = shape.length;
  const fStride = new Array<number>(nd);
  fStride[0] = 1;
  for (let d = 1; d < nd; d++) fStride[d] = fStride[d - 1] * shape[d - 1];
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fStride[d];
    (out as unknown as number[])[c] = (src as unknown as number[])[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

/** Serialise to .npy (version 1.0, or 2.0 when the header needs more than 65535 bytes). */
export function writeNpy(arr: { data: NpyData; shape: number[]; dtype?: NpyDtype }): Uint8Array {
  const dtype = arr.dtype ?? dtypeOf(arr.data);
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) throw new Error(`writeNpy: shape (${arr.shape.join(', ')}) holds ${count} values, data has ${arr.data.length}`);
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  let version = 1;
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total - pre > 65535) {
    version = 2;
    pre = 12;
    total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - pre;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const body = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) {
    out[8] = headerLen & 0xff;
    out[9] = headerLen >> 8;
  } else {
    new DataView(out.buffer).setUint32(8, headerLen, true);
  }
  for (let k = 0; k < header.length; k++) out[pre + k] = header.charCodeAt(k);
  out.set(body, total);
  return out;
}

/** Read every array of a .npz archive (keys without the `.npy` suffix). */
export function readNpz(bytes: Uint8Array, source = '<npz>'): Record<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new DataFormatError(source, {}, `not a readable .npz (zip) archive: ${(e as Error).message}`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, content] of Object.entries(files)) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    out[key] = readNpy(content, `${source}[${key}]`);
  }
  return out;
}

/** Data of any numeric array as float64 (int64 via Number(), exact below 2^53). */
export function npyToFloat64(arr: NpyArray): Float64Array {
  if (arr.data instanceof Float64Array) return arr.data;
  if (arr.data instanceof BigInt64Array) return Float64Array.from(arr.data, (v) => Number(v));
  return Float64Array.from(arr.data as ArrayLike<number>);
}
