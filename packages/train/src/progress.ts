import cliProgress from 'cli-progress';

/** How the Trainer reports progress. */
export interface ProgressReporter {
  /** Called once per fit(): epochs to run [startEpoch+1 .. epochs], batches per epoch when known. */
  start(startEpoch: number, epochs: number, batchesPerEpoch: number | undefined): void;
  batch(epoch: number, batchIndex: number, loss: number): void;
  /** Batches per epoch became known (after the first epoch of an iterable without a length). */
  setBatchesPerEpoch(n: number): void;
  /** A line to print (epoch summaries, notices). */
  log(line: string): void;
  stop(): void;
}

const fmtLoss = (x: number): string => (Number.isFinite(x) ? x.toExponential(3) : String(x));

/** A cli-progress bar over the whole run (batches of all remaining epochs, ETA, loss); summaries print above it. */
export class BarProgress implements ProgressReporter {
  private multi: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private epochs = 0;
  private startEpoch = 0;
  private done = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  start(startEpoch: number, epochs: number, batchesPerEpoch: number | undefined): void {
    this.epochs = epochs;
    this.startEpoch = startEpoch;
    this.done = 0;
    this.multi = new cliProgress.MultiBar(
      {
        stream: this.stream,
        format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} batches | loss {loss} | ETA {eta_formatted}',
        hideCursor: false,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const total = batchesPerEpoch ? (epochs - startEpoch) * batchesPerEpoch : 0;
    this.bar = this.multi.create(total, 0, { epoch: startEpoch + 1, epochs, loss: '-' });
  }

  setBatchesPerEpoch(n: number): void {
    this.bar?.setTotal((this.epochs - this.startEpoch) * n);
  }

  batch(epoch: number, _batchIndex: number, loss: number): void {
    this.done++;
    this.bar?.update(this.done, { epoch, loss: fmtLoss(loss) });
  }

  log(line: string): void {
    if (this.multi) {
      // Flushed above the bar at once (the bar's own redraws are timer-driven).
      this.multi.log(`${line}\n`);
      this.multi.update();
    } else this.stream.write(`${line}\n`);
  }

  stop(): void {
    this.multi?.update();
    this.multi?.stop();
    this.multi = undefined;
    this.bar = undefined;
  }
}

/** Plain lines (for logs, CI, pipes): a start line and one line per epoch. */
export class LogProgress implements ProgressReporter {
  constructor(private readonly sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {}
  start(startEpoch: number, epochs: number, batchesPerEpoch: number | undefined): void {
    this.sink(`training epochs ${startEpoch + 1}..${epochs}${batchesPerEpoch ? `, ${batchesPerEpoch} batches per epoch` : ''}`);
  }
  setBatchesPerEpoch(): void {}
  batch(): void {}
  log(line: string): void {
    this.sink(line);
  }
  stop(): void {}
}

/** Reports nothing. */
export class NoProgress implements ProgressReporter {
  start(): void {}
  setBatchesPerEpoch(): void {}
  batch(): void {}
  log(): void {}
  stop(): void {}
}

export { fmtLoss };
