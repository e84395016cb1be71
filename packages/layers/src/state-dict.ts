import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { formatShape, shapesEqual, tensor } from '@equigraph/core';
import type { Module } from './module.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.js';

/** Every parameter's values by dotted name (copies). */
export function stateDict(module: Module): Map<string, NamedArray> {
  return new Map(module.namedParameters().map(([name, p]) => [name, { dtype: p.value.dtype, shape: p.value.shape, data: p.value.toArray() }]));
}

/**
 * Loads values into the module's parameters. Every parameter must be present
 * with the same shape; a mismatch is an error naming the parameter, and
 * nothing is changed unless everything fits.
 */
export function loadStateDict(module: Module, state: ReadonlyMap<string, NamedArray>, source = 'state dict'): void {
  const params = module.namedParameters();
  for (const [name, p] of params) {
    const entry = state.get(name);
    if (!entry) throw new Error(`${source}: parameter '${name}' is missing`);
    if (!shapesEqual(entry.shape, p.value.shape)) {
      throw new Error(`${source}: parameter '${name}' has shape ${formatShape(entry.shape)}, the model expects ${formatShape(p.value.shape)}`);
    }
  }
  const known = new Set(params.map(([name]) => name));
  const extra = [...state.keys()].filter((k) => !known.has(k));
  if (extra.length > 0) throw new Error(`${source}: unexpected parameters ${extra.map((k) => `'${k}'`).join(', ')}`);
  for (const [name, p] of params) {
    const entry = state.get(name)!;
    p.value = tensor(entry.data, entry.shape, { dtype: p.value.dtype, backend: p.value.backend, requiresGrad: true });
  }
}

/** Writes the parameters as a .safetensors file, atomically (temp file + rename). */
export function saveWeights(module: Module, path: string, metadata: Record<string, string> = {}): void {
  const bytes = encodeSafetensors(stateDict(module), metadata);
  writeFileAtomic.sync(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Reads a .safetensors file into the module's parameters; returns its metadata. */
export function loadWeights(module: Module, path: string): Record<string, string> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`loadWeights: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { arrays, metadata } = decodeSafetensors(bytes, path);
  loadStateDict(module, arrays, path);
  return metadata;
}
