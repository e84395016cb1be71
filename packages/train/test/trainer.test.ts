import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import * as eg from '@equigraph/core';
import { deriveSeed, Rng, type Tensor } from '@equigraph/core';
import { loadWeights, MLP, stateDict, type Module } from '@equigraph/layers';
import {
  Adam,
  AdamW,
  BarProgress,
  CosineSchedule,
  mseLoss,
  ReduceLROnPlateau,
  regressionMetrics,
  SGD,
  Trainer,
  type TrainerOptions,
} from '@equigraph/train';

const opts = { dtype: 'float64' as const, backend: 'reference' };
interface XY {
  x: Tensor;
  y: Tensor;
}

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'equigraph-train-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const xs = [-1, -0.75, -0.5, -0.25, 0.1, 0.35, 0.6, 0.9];
const ys = xs.map((x) => Math.sin(2 * x));
const batchOf = (idx: ArrayLike<number>): XY => ({
  x: eg.tensor(Array.from(idx, (i) => xs[i]), [idx.length, 1], opts),
  y: eg.tensor(Array.from(idx, (i) => ys[i]), [idx.length, 1], opts),
});
const valBatches = [batchOf([0, 3, 5]), batchOf([1, 6])];

/** A DataLoader look-alike: reshuffles every epoch from its own seed, positionable with setState({ epoch }). */
class Loader implements Iterable<XY> {
  private epoch = 0;
  constructor(
    private readonly batchSize: number,
    private readonly seed: number,
  ) {}
  get length(): number {
    return Math.ceil(xs.length / this.batchSize);
  }
  setState(s: { epoch: number }): void {
    this.epoch = s.epoch;
  }
  *[Symbol.iterator](): Iterator<XY> {
    const order = new Rng(deriveSeed(this.seed, 'epoch', this.epoch++)).permutation(xs.length);
    for (let b = 0; b < order.length; b += this.batchSize) yield batchOf(order.subarray(b, b + this.batchSize));
  }
}

/** MSE plus target noise drawn from the trainer's generator (so its state matters for resuming). */
const noisyLoss = (m: Module, b: XY, ctx: { rng: Rng; training: boolean }) => {
  const noise = eg.tensor(Array.from({ length: b.y.size }, () => (ctx.training ? 0.01 * ctx.rng.normal() : 0)), b.y.shape, opts);
  return mseLoss((m as MLP).forward(b.x), eg.add(b.y, noise));
};

function setup(runDir: string | undefined, epochs: number, extra: Partial<TrainerOptions<XY>> = {}) {
  const model = new MLP([1, 8, 1], { ...opts, seed: 1 });
  const optimizer = new AdamW(model.parameters(), { lr: 0.05, weightDecay: 0.01 });
  const schedule = new CosineSchedule(optimizer, { totalSteps: 16, warmupSteps: 3, minLr: 1e-3 });
  const losses: number[] = [];
  const trainer = new Trainer<XY>({
    model,
    optimizer,
    schedule,
    ema: { decay: 0.9 },
    clipNorm: 1,
    loss: noisyLoss,
    evaluate: (m, b) => regressionMetrics('y', (m as MLP).forward(b.x), b.y, { unit: 'a.u.' }),
    train: new Loader(2, 11),
    validation: valBatches,
    epochs,
    runDir,
    seed: 7,
    progress: 'none',
    callbacks: { onBatchEnd: ({ loss }) => void losses.push(loss) },
    ...extra,
  });
  return { model, optimizer, trainer, losses };
}

const weightsOf = (m: Module) => m.parameters().flatMap((p) => Array.from(p.value.toArray()));
const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { time_s: _t, ...rest } = JSON.parse(l);
      return rest;
    });

describe('Trainer', () => {
  it('overfits a tiny batch to near-zero loss', async () => {
    const model = new MLP([1, 16, 1], { ...opts, seed: 4 });
    const batch: XY = { x: eg.tensor([[-1], [-0.3], [0.4], [1]], undefined, opts), y: eg.tensor([[0.5], [-0.2], [0.3], [0.9]], undefined, opts) };
    const trainer = new Trainer<XY>({
      model,
      optimizer: new Adam(model.parameters(), { lr: 0.02, fused: true }),
      loss: (m, b) => mseLoss((m as MLP).forward(b.x), b.y),
      train: [batch],
      epochs: 600,
      progress: 'none',
    });
    const { history, best } = await trainer.fit();
    expect(history).toHaveLength(600);
    expect(history.at(-1)!.train_loss).toBeLessThan(1e-4);
    expect(best!.monitor).toBe('train_loss');
  });

  it('is reproducible: same seed → identical loss curve; another seed → a different one', async () => {
    const run = async (seed: number) => {
      const model = new MLP([1, 8, 1], { ...opts, seed: 2 });
      const losses: number[] = [];
      await new Trainer<XY>({
        model,
        optimizer: new Adam(model.parameters(), { lr: 0.03 }),
        loss: noisyLoss,
        // Batches shuffled by the trainer's generator.
        train: (_epoch, rng) => {
          const order = rng.permutation(xs.length);
          return [0, 3, 6].map((b) => batchOf(order.subarray(b, b + 3)));
        },
        validation: valBatches,
        epochs: 5,
        seed,
        progress: 'none',
        callbacks: { onBatchEnd: ({ loss }) => void losses.push(loss) },
      }).fit();
      return { losses, weights: weightsOf(model) };
    };
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(a.losses).toHaveLength(15);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('resume continues bit-for-bit: 4 epochs straight = 2 + resume + 2 (AdamW, cosine, EMA, clipping, RNG, shuffling)', async () => {
    const dirA = tmp();
    const dirB = tmp();
    const A = setup(dirA, 4);
    await A.trainer.fit();
    const B = setup(dirB, 2);
    await B.trainer.fit();
    expect(B.trainer.epoch).toBe(2);
    const C = setup(dirB, 4);
    C.trainer.resume();
    expect(C.trainer.epoch).toBe(2);
    await C.trainer.fit();

    expect(A.losses).toHaveLength(16);
    expect([...B.losses, ...C.losses]).toEqual(A.losses);
    expect(weightsOf(C.model)).toEqual(weightsOf(A.model));
    expect(C.trainer.history).toEqual(A.trainer.history);
    expect(C.optimizer.getState()).toEqual(A.optimizer.getState());
    expect(C.trainer.ema!.getState()).toEqual(A.trainer.ema!.getState());
    expect(C.trainer.best).toEqual(A.trainer.best);
    expect(C.trainer.rng.getState()).toEqual(A.trainer.rng.getState());
    // The run directory reads the same as the uninterrupted one's.
    expect(jsonl(join(dirB, 'metrics.jsonl'))).toEqual(jsonl(join(dirA, 'metrics.jsonl')));
    expect(readFileSync(join(dirB, 'learning-curve.svg'), 'utf8')).toEqual(readFileSync(join(dirA, 'learning-curve.svg'), 'utf8'));
    expect(readFileSync(join(dirB, 'checkpoint.safetensors'))).toEqual(readFileSync(join(dirA, 'checkpoint.safetensors')));
    // No temp files left behind.
    expect(readdirSync(dirB).sort()).toEqual(['best.safetensors', 'checkpoint.safetensors', 'learning-curve.svg', 'metrics.jsonl']);
  });

  it('refuses truncated and foreign checkpoints naming the file, changes nothing, and the good checkpoint still loads', async () => {
    const dir = tmp();
    const B = setup(dir, 2);
    await B.trainer.fit();
    const good = join(dir, 'checkpoint.safetensors');
    const goodBytes = readFileSync(good);

    const fresh = setup(undefined, 4);
    const before = weightsOf(fresh.model);
    const expectRefused = (path: string, why: RegExp) => {
      expect(() => fresh.trainer.resume(path)).toThrow(why);
      expect(() => fresh.trainer.resume(path)).toThrow(path);
      expect(fresh.trainer.epoch).toBe(0);
      expect(fresh.optimizer.stepCount).toBe(0);
      expect(weightsOf(fresh.model)).toEqual(before);
    };

    const truncated = join(dir, 'truncated.safetensors');
    copyFileSync(good, truncated);
    truncateSync(truncated, Math.floor(goodBytes.length * 0.6));
    expectRefused(truncated, /not a usable equigraph checkpoint.*(truncated|exceeds)/);

    const headerOnly = join(dir, 'header-cut.safetensors');
    writeFileSync(headerOnly, goodBytes.subarray(0, 100));
    expectRefused(headerOnly, /not a usable equigraph checkpoint/);

    expectRefused(join(dir, 'best.safetensors'), /format tag/); // weights only: foreign to resume
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'this is not a checkpoint at all');
    expectRefused(junk, /not a usable equigraph checkpoint/);
    expectRefused(join(dir, 'missing.safetensors'), /cannot read/);

    // A checkpoint of another model, and one of another optimiser (model loads first, then rolls back).
    const other = new MLP([1, 4, 1], { ...opts });
    expect(() =>
      new Trainer<XY>({ model: other, optimizer: new AdamW(other.parameters()), schedule: undefined, ema: { decay: 0.9 }, loss: noisyLoss, train: [], epochs: 1, progress: 'none' }).resume(good),
    ).toThrow(/checkpoint.*schedule|shape/);
    const sgdModel = new MLP([1, 8, 1], { ...opts, seed: 1 });
    const sgd = new SGD(sgdModel.parameters(), { lr: 0.1 });
    const sgdBefore = weightsOf(sgdModel);
    const sgdTrainer = new Trainer<XY>({
      model: sgdModel,
      optimizer: sgd,
      schedule: new CosineSchedule(sgd, { totalSteps: 16, warmupSteps: 3 }),
      ema: { decay: 0.9 },
      loss: noisyLoss,
      train: [],
      epochs: 4,
      progress: 'none',
    });
    expect(() => sgdTrainer.resume(good)).toThrow(/checkpoint\.safetensors: optimizer state is for AdamW, this optimizer is SGD/);
    expect(weightsOf(sgdModel)).toEqual(sgdBefore);

    // A crash mid-write leaves at most a temp file beside the checkpoint; the checkpoint itself is intact.
    writeFileSync(`${good}.3141592653`, goodBytes.subarray(0, 500));
    expect(readFileSync(good)).toEqual(goodBytes);
    fresh.trainer.resume(good);
    expect(fresh.trainer.epoch).toBe(2);
    expect(weightsOf(fresh.model)).toEqual(weightsOf(B.model));
  });

  it('keeps the best-on-validation weights (EMA averages) in memory and in best.safetensors', async () => {
    const dir = tmp();
    const { trainer } = setup(dir, 4);
    const { history, best } = await trainer.fit();
    const vals = history.map((r) => r.val_loss!);
    const bestEpoch = vals.indexOf(Math.min(...vals)) + 1;
    expect(best).toEqual({ value: Math.min(...vals), epoch: bestEpoch, monitor: 'val_loss' });
    const reloaded = new MLP([1, 8, 1], { ...opts, seed: 9 });
    const meta = loadWeights(reloaded, join(dir, 'best.safetensors'));
    expect(meta.epoch).toBe(String(bestEpoch));
    expect(stateDict(reloaded)).toEqual(trainer.bestWeights);
    // Validating the best weights gives the recorded best value.
    trainer.loadBestWeights();
    const again = valBatches.map((b) => mseLoss((trainer.model as MLP).forward(b.x), b.y).item());
    expect((again[0] + again[1]) / 2).toBeCloseTo(best!.value, 12);
  });

  it('writes metrics.jsonl and a log-scale learning-curve SVG', async () => {
    const dir = tmp();
    const { trainer } = setup(dir, 3);
    await trainer.fit();
    const lines = jsonl(join(dir, 'metrics.jsonl'));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    for (const key of ['step', 'lr', 'train_loss', 'val_loss', 'val_y_mae', 'val_y_rmse']) expect(typeof lines[0][key]).toBe('number');
    const svg = readFileSync(join(dir, 'learning-curve.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('validation');
    expect(svg).toMatch(/>1e-?\d+</);
  });

  it('averages metrics over validation batches (RMSE as a root mean square)', async () => {
    const model = new MLP([1, 2, 1], { ...opts });
    const seen: Record<string, number>[] = [];
    await new Trainer<XY>({
      model,
      optimizer: new SGD(model.parameters(), { lr: 0 }),
      loss: (m, b) => mseLoss((m as MLP).forward(b.x), b.y),
      evaluate: (_m, b) => regressionMetrics('e', [b.y.item()], [0]),
      train: [batchOf([0])],
      validation: [{ x: eg.tensor([[0]], undefined, opts), y: eg.tensor([[1]], undefined, opts) }, { x: eg.tensor([[0]], undefined, opts), y: eg.tensor([[3]], undefined, opts) }],
      epochs: 1,
      progress: 'none',
      callbacks: { onEvaluate: ({ metrics }) => void seen.push(metrics) },
    }).fit();
    expect(seen[0].val_e_mae).toBe(2);
    expect(seen[0].val_e_rmse).toBeCloseTo(Math.sqrt(5), 15);
  });

  it('stops early after `patience` evaluations without improvement', async () => {
    const model = new MLP([1, 4, 1], { ...opts });
    const improved: boolean[] = [];
    const result = await new Trainer<XY>({
      model,
      optimizer: new SGD(model.parameters(), { lr: 0 }),
      loss: (m, b) => mseLoss((m as MLP).forward(b.x), b.y),
      train: [batchOf([0, 1])],
      validation: valBatches,
      epochs: 10,
      earlyStopping: { patience: 2 },
      progress: 'none',
      callbacks: { onEvaluate: (i) => void improved.push(i.improved) },
    }).fit();
    expect(result.stoppedEarly).toBe(true);
    expect(result.epoch).toBe(3);
    expect(improved).toEqual([true, false, false]);
  });

  it('steps ReduceLROnPlateau with the monitored metric after each evaluation', async () => {
    const model = new MLP([1, 4, 1], { ...opts });
    const optimizer = new SGD(model.parameters(), { lr: 0.01 });
    const { history } = await new Trainer<XY>({
      model,
      optimizer,
      schedule: new ReduceLROnPlateau(optimizer, { patience: 0, threshold: 0.99, factor: 0.5 }),
      loss: (m, b) => mseLoss((m as MLP).forward(b.x), b.y),
      train: [batchOf([0, 1, 2])],
      validation: valBatches,
      epochs: 3,
      progress: 'none',
    }).fit();
    expect(history.map((r) => r.lr)).toEqual([0.01, 0.005, 0.0025]);
  });

  it('evaluates with autograd on when the loss takes gradients (evalWithGrad)', async () => {
    const forceLoss = (m: Module, b: XY) => {
      const x = b.x.withGrad();
      const [dEdx] = eg.gradients(eg.sum((m as MLP).forward(x)), [x], { createGraph: true });
      return mseLoss(dEdx!, b.y);
    };
    const make = (evalWithGrad: boolean) => {
      const model = new MLP([1, 4, 1], { ...opts });
      return new Trainer<XY>({ model, optimizer: new Adam(model.parameters()), loss: forceLoss, train: [batchOf([0, 1])], validation: valBatches, epochs: 2, evalWithGrad, progress: 'none' });
    };
    await expect(make(false).fit()).rejects.toThrow(/noGrad/);
    const { history } = await make(true).fit();
    expect(history[1].val_loss).toBeGreaterThan(0);
  });

  it('reports a NaN loss with the epoch and batch', async () => {
    const model = new MLP([1, 2, 1], { ...opts });
    const trainer = new Trainer<XY>({
      model,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      loss: (m, b) => eg.mul(mseLoss((m as MLP).forward(b.x), b.y), NaN),
      train: [batchOf([0])],
      epochs: 1,
      progress: 'none',
    });
    await expect(trainer.fit()).rejects.toThrow(/loss is NaN at epoch 1, batch 0/);
  });

  it('prints plain epoch lines when not a TTY, and drives a cli-progress bar on a TTY', async () => {
    const lines: string[] = [];
    await setup(undefined, 2, { progress: 'log', log: (l) => lines.push(l) }).trainer.fit();
    expect(lines[0]).toMatch(/training epochs 1\.\.2, 4 batches per epoch/);
    expect(lines[2]).toMatch(/^epoch 2\/2 {2}train_loss \S+ {2}val_loss \S+ .*lr /);

    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
    let out = '';
    stream.on('data', (d) => (out += String(d)));
    await setup(undefined, 2, { progress: new BarProgress(stream as unknown as NodeJS.WriteStream) }).trainer.fit();
    expect(out).toMatch(/epoch \d\/2 \|.*\| \d+\/8 batches \| loss \S+ \| ETA/);
    expect(out).toContain('epoch 1/2  train_loss');
  });
});
