import type { DType, TypedArray } from '@equigraph/core';

/**
 * The safetensors format (Hugging Face), so Python users can open equigraph
 * weights with their tools: an 8-byte little-endian header length, a JSON
 * header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ },
 * then the raw little-endian data.
 */

export interface NamedArray {
  dtype: DType;
  shape: readonly number[];
  data: TypedArray;
}

const TO_FORMAT: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const FROM_FORMAT: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32' };

export function encodeSafetensors(arrays: ReadonlyMap<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, a] of arrays) {
    header[name] = { dtype: TO_FORMAT[a.dtype], shape: a.shape, data_offsets: [offset, offset + a.data.byteLength] };
    offset += a.data.byteLength;
  }
  // The data section must start 8-byte aligned: pad the JSON with spaces, as the reference implementation does.
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const a of arrays.values()) {
    out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), at);
    at += a.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  arrays: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

/** Parses a safetensors file; a truncated or foreign file is an error naming `source`. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): DecodedSafetensors {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file (${why})`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the file size ${bytes.length}`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    return fail(`header is not JSON: ${(err as Error).message}`);
  }
  const dataStart = 8 + headerLength;
  const arrays = new Map<string, NamedArray>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const ours = FROM_FORMAT[dtype];
    if (!ours) fail(`tensor '${name}' has dtype ${dtype}; equigraph reads F32, F64 and I32`);
    const [begin, end] = offsets ?? [];
    if (!(begin >= 0 && end >= begin && dataStart + end <= bytes.length)) fail(`tensor '${name}' data [${begin}, ${end}) lies outside the file (truncated?)`);
    const width = ours === 'float64' ? 8 : 4;
    const count = shape.reduce((a, b) => a * b, 1);
    if (count * width !== end - begin) fail(`tensor '${name}' of shape [${shape}] needs ${count * width} bytes, has ${end - begin}`);
    // Copy into a fresh, aligned buffer (Node Buffers from readFileSync share a pool).
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    const data = ours === 'float64' ? new Float64Array(raw.buffer) : ours === 'float32' ? new Float32Array(raw.buffer) : new Int32Array(raw.buffer);
    arrays.set(name, { dtype: ours, shape, data });
  }
  return { arrays, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}
