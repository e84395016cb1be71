import type { Tensor } from '@equigraph/core';
import type { Module } from '@equigraph/layers';
import type { BatchSource, TrainContext } from '@equigraph/train';

/** Everything the trainer and the evaluator need for one task with one model. */
export interface PreparedTask<B> {
  /** The model (its state dict is what the run saves). */
  module: Module;
  /** Lines describing the data and the model. */
  summary: string[];
  train: BatchSource<B> | null;
  validation: B[] | null;
  test: B[] | null;
  /** Scalar training/validation loss of a batch. */
  loss(batch: B, ctx: TrainContext): Tensor;
  /** Per-batch metrics in physical units (the trainer reports them as val_<key>). */
  metrics(batch: B, training: boolean): Record<string, number>;
  /** Weight of a batch in means: its number of structures. */
  weight(batch: B): number;
  /** Validation needs autograd (forces). */
  evalWithGrad: boolean;
  /** Normalisation constants computed from the training data (saved with the run). */
  stats: Record<string, unknown>;
  /** Name → unit of the metric keys, for printing. */
  units: Record<string, string>;
}

/** Where a task's data comes from at eval/predict time. */
export interface DataOverride {
  /** A .npy directory (nbody) or a structure file (energy-forces, qm9) replacing the config's test data. */
  path?: string;
  /** Which split of the config's data to score (default 'test'). */
  split?: 'train' | 'valid' | 'test';
}

/** Sample-weighted mean of per-batch metrics (rmse keys as root mean squares), as the Trainer's validation. */
export function aggregate<B>(task: PreparedTask<B>, batches: B[], run: (b: B) => Record<string, number>): Record<string, number> {
  const sums = new Map<string, number>();
  let total = 0;
  for (const b of batches) {
    const w = task.weight(b);
    total += w;
    for (const [k, v] of Object.entries(run(b))) {
      const x = /rmse$/.test(k) ? v * v : v;
      sums.set(k, (sums.get(k) ?? 0) + w * x);
    }
  }
  const out: Record<string, number> = {};
  for (const [k, s] of sums) out[k] = /rmse$/.test(k) ? Math.sqrt(s / total) : s / total;
  return out;
}
