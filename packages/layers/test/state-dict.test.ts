import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { decodeSafetensors, loadWeights, MLP, saveWeights } from '@equigraph/layers';

const opts = { dtype: 'float64' as const, backend: 'reference' };
const dir = mkdtempSync(join(tmpdir(), 'eg-weights-'));

describe('weights in safetensors', () => {
  const x = eg.tensor([[0.1, -0.2, 0.3]], undefined, opts);

  it('save → load gives identical outputs', () => {
    const a = new MLP([3, 8, 2], { ...opts, seed: 1 });
    const b = new MLP([3, 8, 2], { ...opts, seed: 2 });
    const path = join(dir, 'mlp.safetensors');
    saveWeights(a, path, { model: 'MLP' });
    expect(loadWeights(b, path)).toEqual({ model: 'MLP' });
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });

  it('writes the layout Python tools read: aligned JSON header, F64 little-endian data', () => {
    const path = join(dir, 'layout.safetensors');
    saveWeights(new MLP([3, 2], { ...opts, seed: 3 }), path);
    const bytes = readFileSync(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
    expect(header['layers.0.weight']).toEqual({ dtype: 'F64', shape: [3, 2], data_offsets: [0, 48] });
    expect(header['layers.0.bias']).toEqual({ dtype: 'F64', shape: [2], data_offsets: [48, 64] });
  });

  it('wrong shapes, missing files and truncated files are clear errors that change nothing', () => {
    const path = join(dir, 'small.safetensors');
    saveWeights(new MLP([3, 4, 2], { ...opts, seed: 1 }), path);
    const big = new MLP([3, 5, 2], { ...opts, seed: 1 });
    const before = big.forward(x).toArray();
    expect(() => loadWeights(big, path)).toThrow(`${path}: parameter 'layers.0.weight' has shape [3, 4], the model expects [3, 5]`);
    expect(big.forward(x).toArray()).toEqual(before);
    expect(() => loadWeights(big, join(dir, 'nope.safetensors'))).toThrow(/cannot read '.*nope.safetensors': ENOENT/);
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, readFileSync(path).subarray(0, 100));
    expect(() => loadWeights(big, truncated)).toThrow(/not a valid safetensors file/);
    expect(() => decodeSafetensors(new Uint8Array([1, 2, 3]))).toThrow(/shorter than the 8-byte header length/);
  });
});
