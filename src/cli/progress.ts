/// <reference types="node" />
// The training display: one cli-progress bar per epoch on a terminal, plain
// epoch lines when stderr is a file or a pipe (CI logs, tests).
import cliProgress from 'cli-progress';
import type { Callback, Logs } from '../node.js';
import { fixed, int, seconds } from './format.js';

/** What the table after training shows for one epoch. */
export interface EpochRecord {
  epoch: number;
  logs: Logs;
  /** Wall time of the epoch, validation included. */
  ms: number;
  /** Rows trained on per second (batches only). */
  samplesPerSecond: number;
}

/** Options of EpochProgress. */
export interface EpochProgressOptions {
  epochs: number;
  /** Training rows per epoch. */
  rows: number;
  /** Show accuracy (classification) or not (regression). */
  accuracy: boolean;
  /** Draw nothing; records are still kept. */
  quiet: boolean;
  /** Multiplies loss values before display (undoes target standardization; 1 otherwise). */
  lossScale: number;
  stream?: NodeJS.WriteStream;
}

// Redraw at most ten times a second: cli-progress renders an update only when
// two frame times (2 / fps) have passed since the last render.
const FPS = 20;
const UPDATE_MS = 50;
// Long runs (a table trained for 100 epochs) list every k-th epoch and the
// last, about ten, in the log lines and in the table after training.
const LISTED = 10;

/** Whether epoch i (0-based) of `epochs` is listed: every ceil(epochs / 10)-th, and the last. */
export function listed(i: number, epochs: number): boolean {
  return i % Math.ceil(epochs / LISTED) === 0 || i === epochs - 1;
}

/** A fit() callback that draws the progress bar and records per-epoch metrics and timings. */
export class EpochProgress implements Callback {
  readonly records: EpochRecord[] = [];
  /** Milliseconds spent in training batches, summed over epochs. */
  trainMs = 0;
  /** Rows trained on, summed over epochs. */
  trainRows = 0;
  private readonly opts: EpochProgressOptions;
  private readonly stream: NodeJS.WriteStream;
  private bar: cliProgress.SingleBar | null = null;
  private epochStart = 0;
  private lastBatchEnd = 0;
  private lastUpdate = 0;
  private seen = 0;
  private lossSum = 0;
  private correct = 0;

  constructor(opts: EpochProgressOptions) {
    this.opts = opts;
    this.stream = opts.stream ?? process.stderr;
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastBatchEnd = this.epochStart;
    this.lastUpdate = 0;
    this.seen = 0;
    this.lossSum = 0;
    this.correct = 0;
    if (this.opts.quiet || !this.stream.isTTY) return;
    const width = String(this.opts.epochs).length;
    this.bar = new cliProgress.SingleBar({
      stream: this.stream,
      format: `epoch {epoch} {bar} {percentage}% · loss {loss}${this.opts.accuracy ? ' · acc {acc}' : ''} · {speed} samples/s · {time}{val}`,
      barsize: 24,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      gracefulExit: true,
      fps: FPS,
    });
    this.bar.start(this.opts.rows, 0, {
      epoch: `${String(epoch + 1).padStart(width)}/${this.opts.epochs}`, loss: '-', acc: '-', speed: '-', time: 'ETA -', val: '',
    });
  }

  onBatchEnd(_batch: number, logs: Logs): void {
    const now = performance.now();
    this.lastBatchEnd = now;
    const size = logs.size ?? 0;
    this.seen += size;
    this.lossSum += logs.loss * size;
    if (logs.accuracy !== undefined) this.correct += logs.accuracy * size;
    if (this.bar && now - this.lastUpdate >= UPDATE_MS) {
      this.lastUpdate = now;
      const elapsed = now - this.epochStart;
      const eta = (elapsed / this.seen) * (this.opts.rows - this.seen);
      this.bar.update(this.seen, { ...this.running(elapsed), time: `ETA ${seconds(eta)}` });
    }
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const now = performance.now();
    const batchMs = this.lastBatchEnd - this.epochStart;
    this.trainMs += batchMs;
    this.trainRows += this.seen;
    const record: EpochRecord = { epoch: epoch + 1, logs: { ...logs }, ms: now - this.epochStart, samplesPerSecond: (this.seen / batchMs) * 1000 };
    this.records.push(record);
    const scale = this.opts.lossScale;
    const loss = fixed(logs.loss * scale);
    const acc = fixed(logs.accuracy);
    const speed = int(record.samplesPerSecond);
    const val = logs.val_loss === undefined ? '' : this.opts.accuracy ? ` · val_acc ${fixed(logs.val_accuracy)}` : ` · val_loss ${fixed(logs.val_loss * scale)}`;
    if (this.bar) {
      this.bar.update(this.opts.rows, { loss, acc, speed, time: seconds(record.ms), val });
      this.bar.stop();
      this.bar = null;
    } else if (!this.opts.quiet && listed(epoch, this.opts.epochs)) {
      const head = `epoch ${String(epoch + 1).padStart(String(this.opts.epochs).length)}/${this.opts.epochs}`;
      this.stream.write(`${head} · loss ${loss}${this.opts.accuracy ? ` · acc ${acc}` : ''}${val} · ${speed} samples/s · ${seconds(record.ms)}\n`);
    }
  }

  /** Stops a bar left open by an error, so the cursor and line are restored. */
  abort(): void {
    this.bar?.stop();
    this.bar = null;
  }

  private running(elapsed: number): Record<string, string> {
    return {
      loss: fixed((this.lossSum / this.seen) * this.opts.lossScale),
      acc: fixed(this.correct / this.seen),
      speed: int((this.seen / elapsed) * 1000),
    };
  }
}
