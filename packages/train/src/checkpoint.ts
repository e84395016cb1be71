/**
 * Training checkpoints: one safetensors file holding the model weights
 * (`model.<name>`), optimiser buffers (`optimizer.<buffer>.<index>`), EMA shadows
 * (`ema.<index>`) and the best-on-validation weights (`best.<name>`), with
 * everything else (epoch, step, RNG state, schedule, history, config) as JSON in
 * the metadata under a format tag and version. Written atomically (temp file +
 * rename), so a crash mid-write leaves the previous checkpoint intact.
 */
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { RngState } from '@equigraph/core';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '@equigraph/layers';
import type { EMAState } from './ema.js';
import type { OptimizerState } from './optimizer.js';
import type { ScheduleState } from './schedules.js';

export const CHECKPOINT_FORMAT = 'equigraph.checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One line of the learning curve (also a line of metrics.jsonl). */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Optimiser steps so far. */
  step: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
  train_loss: number;
  /** Validation loss and metrics, on epochs that evaluated (`val_<key>`). */
  [key: string]: number | undefined;
}

/** The JSON part of a checkpoint. */
export interface TrainerStateJSON {
  /** Epochs completed. */
  epoch: number;
  globalStep: number;
  rng: RngState;
  history: EpochRecord[];
  best: { value: number; epoch: number; monitor: string } | null;
  earlyStopping: { best: number; badEvaluations: number } | null;
  stopped: boolean;
  config: Record<string, unknown>;
}

export interface CheckpointContents {
  model: Map<string, NamedArray>;
  optimizer: OptimizerState;
  schedule: ScheduleState | null;
  ema: EMAState | null;
  bestWeights: Map<string, NamedArray> | null;
  trainer: TrainerStateJSON;
}

/** JSON that keeps ±Infinity and NaN (plain JSON turns them into null). */
export function stringifyJSON(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $float: String(v) } : v));
}

export function parseJSON(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.$float === 'string') return Number(v.$float);
    return v;
  });
}

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const arrays = new Map<string, NamedArray>();
  for (const [name, a] of c.model) arrays.set(`model.${name}`, a);
  const bufferCounts: Record<string, number> = {};
  for (const [buf, entries] of Object.entries(c.optimizer.buffers)) {
    bufferCounts[buf] = entries.length;
    entries.forEach((e, i) => e && arrays.set(`optimizer.${buf}.${i}`, e));
  }
  if (c.ema) c.ema.shadow.forEach((s, i) => arrays.set(`ema.${i}`, s));
  if (c.bestWeights) for (const [name, a] of c.bestWeights) arrays.set(`best.${name}`, a);
  const state = {
    optimizer: { kind: c.optimizer.kind, stepCount: c.optimizer.stepCount, lr: c.optimizer.lr, hyper: c.optimizer.hyper, bufferCounts },
    schedule: c.schedule,
    ema: c.ema ? { decay: c.ema.decay, useNumUpdates: c.ema.useNumUpdates, numUpdates: c.ema.numUpdates, count: c.ema.shadow.length } : null,
    hasBest: c.bestWeights !== null,
    trainer: c.trainer,
  };
  return encodeSafetensors(arrays, { format: CHECKPOINT_FORMAT, format_version: String(CHECKPOINT_VERSION), state: stringifyJSON(state) });
}

/** Parses checkpoint bytes; a truncated, foreign or newer-format file is an error naming `source`. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): CheckpointContents {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a usable equigraph checkpoint (${why})`);
  };
  let decoded;
  try {
    decoded = decodeSafetensors(bytes, source);
  } catch (err) {
    return fail((err as Error).message.replace(`${source}: `, ''));
  }
  const { arrays, metadata } = decoded;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    fail(metadata.format ? `format tag '${metadata.format}', expected '${CHECKPOINT_FORMAT}'` : `no '${CHECKPOINT_FORMAT}' format tag; a weights-only file such as best.safetensors loads with loadWeights()`);
  }
  const version = Number(metadata.format_version);
  if (version !== CHECKPOINT_VERSION) fail(`format version ${metadata.format_version}, this equigraph reads version ${CHECKPOINT_VERSION}`);
  let state: {
    optimizer: Omit<OptimizerState, 'buffers'> & { bufferCounts: Record<string, number> };
    schedule: ScheduleState | null;
    ema: { decay: number; useNumUpdates: boolean; numUpdates: number; count: number } | null;
    hasBest: boolean;
    trainer: TrainerStateJSON;
  };
  try {
    state = parseJSON(metadata.state ?? '') as typeof state;
  } catch (err) {
    return fail(`state metadata is not JSON: ${(err as Error).message}`);
  }
  if (!state || typeof state !== 'object' || !state.optimizer || !state.trainer) fail('state metadata lacks the optimizer or trainer section');
  const model = new Map<string, NamedArray>();
  const bestWeights = state.hasBest ? new Map<string, NamedArray>() : null;
  for (const [name, a] of arrays) {
    if (name.startsWith('model.')) model.set(name.slice(6), a);
    else if (name.startsWith('best.')) bestWeights?.set(name.slice(5), a);
  }
  if (model.size === 0) fail('no model.* tensors');
  const buffers: Record<string, (NamedArray | null)[]> = {};
  for (const [buf, count] of Object.entries(state.optimizer.bufferCounts)) {
    buffers[buf] = Array.from({ length: count }, (_, i) => arrays.get(`optimizer.${buf}.${i}`) ?? null);
  }
  let ema: EMAState | null = null;
  if (state.ema) {
    const shadow: NamedArray[] = [];
    for (let i = 0; i < state.ema.count; i++) {
      const s = arrays.get(`ema.${i}`);
      if (!s) fail(`EMA shadow ema.${i} is missing`);
      shadow.push(s!);
    }
    ema = { decay: state.ema.decay, useNumUpdates: state.ema.useNumUpdates, numUpdates: state.ema.numUpdates, shadow };
  }
  const { bufferCounts: _counts, ...opt } = state.optimizer;
  return { model, optimizer: { ...opt, buffers }, schedule: state.schedule, ema, bestWeights, trainer: state.trainer };
}

/** Writes a checkpoint atomically (temp file + fsync + rename). */
export function writeCheckpoint(path: string, contents: CheckpointContents): void {
  const bytes = encodeCheckpoint(contents);
  writeFileAtomic.sync(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Reads and validates a checkpoint file. */
export function readCheckpoint(path: string): CheckpointContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read checkpoint: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}
