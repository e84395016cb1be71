/**
 * The charged N-body experiment of Satorras et al. 2021 (§5.1, Table 2), as in
 * the authors' `main_nbody.py` with `--model egnn_vel`: 5 charged particles,
 * input frame 30 (positions, velocities, charges), target positions at frame
 * 40; node feature ‖v_i‖, edge attributes [q_i q_j, ‖x_i − x_j‖²] of the
 * input frame, complete graphs; EGNN_vel(in_node_nf=1, in_edge_nf=2,
 * hidden_nf=64, n_layers=4, recurrent=True); Adam lr 5e-4, batch 100 (train
 * batches drop the remainder, as the authors' loader); MSE on positions;
 * model selection on the validation split, test MSE at the best validation.
 *
 * A hand-written loop kept as a cross-check of the CLI's Trainer-based path
 * (`equigraph train --config configs/nbody-egnn-small.json`, i.e. `npm start`).
 */
import { noGrad, type FloatDType } from '@equigraph/core';
import { Batcher, makeSplits, baselines, type NBodyBatch } from '@equigraph/cli';
import { EGNNVel } from '@equigraph/models';
import { Adam, mseLoss } from '@equigraph/train';
import { Rng } from '@equigraph/core';

// The data pipeline lives in @equigraph/cli (the `nbody` task of `equigraph train`, which `npm start` runs).
export { Batcher, baselines, makeSplits, toSplit, type NBodySplit, type NBodyBatch } from '@equigraph/cli';

/** Mean squared error of the model over batches (sample-weighted, as the authors' `res['loss'] / res['counter']`). */
export function evaluate(model: EGNNVel, batches: NBodyBatch[]): number {
  return noGrad(() => {
    let total = 0;
    let count = 0;
    for (const b of batches) {
      const pred = model.forward(b.h, b.x, b.graph, b.vel, b.edgeAttr);
      total += mseLoss(pred, b.target).item() * b.numGraphs;
      count += b.numGraphs;
    }
    return total / count;
  });
}

export interface TrainOptions {
  numTrain: number;
  numValid: number;
  numTest: number;
  epochs: number;
  seed: number;
  evalEvery: number;
  batchSize?: number;
  lr?: number;
  hidden?: number;
  layers?: number;
  dtype?: FloatDType;
  backend?: string;
  log?: (line: string) => void;
}

export interface EpochRecord {
  epoch: number;
  train: number;
  valid?: number;
  test?: number;
  seconds: number;
}

export interface TrainResult {
  history: EpochRecord[];
  best: { epoch: number; valid: number; test: number };
  trainSeconds: number;
  steps: number;
  graphsPerSecond: number;
  msPerStep: number;
}

/** Trains EGNN_vel on the charged N-body task and returns the history and the test MSE at the best validation MSE. */
export function trainNBody(o: TrainOptions): TrainResult {
  const log = o.log ?? console.log;
  const batchSize = o.batchSize ?? 100;
  const t0 = performance.now();
  const splits = makeSplits(o.seed, { train: o.numTrain, valid: o.numValid, test: o.numTest });
  const base = baselines(splits.test);
  log(`data: ${o.numTrain}/${o.numValid}/${o.numTest} trajectories (train/valid/test), 5 bodies, frame 30 → 40, generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  log(`test MSE of trivial predictors: x(t) ${base.static.toFixed(5)}, x(t) + v·Δt ${base.linear.toFixed(5)} (paper, Table 2: Linear 0.0819, EGNN 0.0071)`);
  const batcher = new Batcher(splits.train.numBodies, o.dtype ?? 'float32', o.backend);
  const validBatches = batcher.evalBatches(splits.valid, batchSize);
  const testBatches = batcher.evalBatches(splits.test, batchSize);
  const model = new EGNNVel({ hiddenFeatures: o.hidden ?? 64, numLayers: o.layers ?? 4, seed: o.seed, dtype: o.dtype ?? 'float32', backend: o.backend });
  const adam = new Adam(model.parameters(), { lr: o.lr ?? 5e-4, fused: true });
  log(`model: EGNN_vel, ${model.layers.length} layers, hidden ${o.hidden ?? 64}, ${model.numParameters()} parameters; Adam lr ${o.lr ?? 5e-4}, batch ${batchSize}`);
  const rng = new Rng(o.seed);
  const perEpoch = Math.floor(o.numTrain / batchSize);
  if (perEpoch < 1) throw new RangeError(`--train ${o.numTrain} is smaller than one batch of ${batchSize}`);
  const history: EpochRecord[] = [];
  let best = { epoch: -1, valid: Infinity, test: NaN };
  let trainMs = 0;
  let steps = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = rng.permutation(o.numTrain);
    let total = 0;
    const e0 = performance.now();
    for (let b = 0; b < perEpoch; b++) {
      const batch = batcher.batch(splits.train, order.subarray(b * batchSize, (b + 1) * batchSize));
      const loss = adam.step(mseLoss(model.forward(batch.h, batch.x, batch.graph, batch.vel, batch.edgeAttr), batch.target));
      total += loss;
      steps++;
    }
    trainMs += performance.now() - e0;
    const record: EpochRecord = { epoch, train: total / perEpoch, seconds: (performance.now() - t0) / 1000 };
    if (epoch % o.evalEvery === 0 || epoch === o.epochs - 1) {
      record.valid = evaluate(model, validBatches);
      record.test = evaluate(model, testBatches);
      if (record.valid < best.valid) best = { epoch, valid: record.valid, test: record.test };
    }
    history.push(record);
    const evalPart = record.valid !== undefined ? `  valid ${record.valid.toFixed(5)}  test ${record.test!.toFixed(5)}  (best valid ${best.valid.toFixed(5)} @ ${best.epoch})` : '';
    if (record.valid !== undefined || epoch < 5) {
      log(`epoch ${String(epoch).padStart(4)}  train ${record.train.toFixed(5)}${evalPart}  ${record.seconds.toFixed(1)} s`);
    }
  }
  const graphs = steps * batchSize;
  return {
    history,
    best,
    trainSeconds: trainMs / 1000,
    steps,
    graphsPerSecond: graphs / (trainMs / 1000),
    msPerStep: trainMs / steps,
  };
}
