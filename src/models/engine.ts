import type { Backend } from '../runtime/backend.js';
import { OutOfMemoryError, ValueError } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { ParamStore, type Segment, type StateArena } from '../params/store.js';
import { inWeightOrder, type Variable } from '../params/variable.js';
import { applyRegularizers } from '../params/regularizers.js';
import type { Topology } from '../graph/topology.js';
import { computeLoss, type CanonicalLoss } from '../losses/index.js';
import { argmaxRows, copy2d, countNonFinite, fill } from '../kernels/elementwise.js';
import { mse } from '../kernels/loss.js';
import { LBFGS, Optimizer } from '../optimizers/index.js';
import { Executor, planBytes } from './executor.js';
import { checkFiniteRows, type Rows, type Targets } from './inputs.js';
import type { ModelRng } from './rng.js';
import type { Logs } from './callbacks.js';
import { MetricTally, type TallyMetric } from './metrics.js';

/** Metrics compile() accepts, canonical names. */
/** Most bytes of buffers an inference chunk plans when no batch size is given (16 MiB). */
export const PREDICT_CHUNK_BYTES = 16 << 20;

export type MetricName = 'accuracy' | 'mse' | TallyMetric;

/** What compile() fixed. */
export interface Compiled {
  /** One loss per model output. */
  losses: CanonicalLoss[];
  optimizer: Optimizer | LBFGS;
  /** The model created the optimizer from a name, so disposing the model disposes it. */
  ownsOptimizer: boolean;
  metrics: MetricName[];
  fromLogits: boolean;
}

/** The per-capacity buffers: the executor, and per output the targets, labels and argmax rows. */
interface Plan {
  exec: Executor;
  targets: number[];
  labels: number[];
  argmax: number[];
  /** Per output: the loss reads the pre-activation at this offset (fused with softmax / sigmoid), else 0. */
  logits: number[];
  /** Parameters before the latest update (trainOnBatch), laid out like the store. */
  backup: StateArena | null;
}

/**
 * The computation under a model: its graph, weights, executor and compiled
 * loss. It loads batches into the executor's buffers, runs forward, loss and
 * backward, and updates the trainable segments of the weights. Models hold
 * one; the training loop drives it.
 */
export class Engine {
  readonly topo: Topology;
  readonly backend: Backend;
  readonly store: ParamStore;
  readonly rng: ModelRng;
  /** Every weight the model uses, once each, in layer order. */
  readonly weights: Variable[];
  compiled: Compiled | null = null;
  private plan: Plan | null = null;
  private readonly inSizes: number[];
  private readonly outSizes: number[];
  private readonly outUnits: number[];
  /** The trainable segments, and the trainable flag of each weight they were computed for. */
  private segmentCache: { flags: boolean[]; segments: Segment[] } | null = null;

  /** Most bytes one call may plan (buffers plus results); Infinity: only wasm32 memory bounds it. */
  memoryLimit = Infinity;

  /** Bytes the buffers for `capacity` rows take (executor plus targets, labels and argmax), without allocating. */
  planBytes(capacity: number, backward: boolean): number {
    let total = planBytes(this.backend, this.topo, capacity, backward);
    for (let k = 0; k < this.outSizes.length; k++) total += capacity * (this.outSizes[k] + 2 * (this.outSizes[k] / this.outUnits[k])) * 4;
    return total;
  }

  /** Throws OutOfMemoryError, before anything is allocated, when `bytes` exceed memoryLimit. */
  checkLimit(op: string, bytes: number, what: string): void {
    if (bytes > this.memoryLimit) {
      throw new OutOfMemoryError(
        `${op}: ${what} needs ${bytes} bytes, more than this model's memoryLimit of ${this.memoryLimit} bytes; ` +
          'use fewer rows or a smaller batchSize, or raise memoryLimit (loadModel / deserializeModel option, or model.memoryLimit)',
        bytes,
      );
    }
  }

  /**
   * Rows per inference chunk when the caller gives no batch size: at most
   * 256, and as many as fit in PREDICT_CHUNK_BYTES (at least one), so a model
   * with large activations is run a few rows at a time.
   */
  chunkRows(n: number): number {
    const perRow = this.planBytes(1, false);
    const budget = Math.min(PREDICT_CHUNK_BYTES, this.memoryLimit);
    return Math.max(1, Math.min(n, 256, Math.floor(budget / perRow)));
  }

  constructor(topo: Topology, store: ParamStore, rng: ModelRng) {
    this.topo = topo;
    this.store = store;
    this.backend = store.backend;
    this.rng = rng;
    this.inSizes = topo.inputs.map((t) => sizeOf(t.shape));
    this.outSizes = topo.outputs.map((t) => sizeOf(t.shape));
    this.outUnits = topo.outputs.map((t) => t.shape[t.shape.length - 1]);
    const seen = new Set<Variable>();
    for (const l of topo.layers) for (const v of l.weights) seen.add(v);
    this.weights = inWeightOrder([...seen]);
  }

  /** The executor (after ensurePlan). */
  get exec(): Executor {
    return (this.plan as Plan).exec;
  }

  /** Rows the current buffers hold (0 before planning). */
  get capacity(): number {
    return this.plan?.exec.capacity ?? 0;
  }

  /** Values per sample of input i. */
  inputSize(i: number): number {
    return this.inSizes[i];
  }

  /** Values per sample of output k. */
  outputSize(k: number): number {
    return this.outSizes[k];
  }

  /** Size of the last axis of output k (classes or units). */
  outputUnits(k: number): number {
    return this.outUnits[k];
  }

  /**
   * Buffers for `capacity` rows, with backward buffers when asked. Plans
   * again only when the capacity grows or backward is first needed (the new
   * plan keeps the larger of both).
   */
  ensurePlan(capacity: number, backward: boolean): void {
    const old = this.plan;
    if (old && old.exec.capacity >= capacity && (old.exec.backward || !backward)) return;
    if (old) {
      capacity = Math.max(capacity, old.exec.capacity);
      backward ||= old.exec.backward;
    }
    this.checkLimit('plan', this.planBytes(capacity, backward), `a plan for ${capacity} rows${backward ? ' with gradients' : ''}`);
    // Recurrent state carried across calls survives planning for more rows.
    const states = old ? old.exec.saveStates() : null;
    this.unplan();
    const be = this.backend;
    const allocated: number[] = [];
    const alloc = (bytes: number) => {
      const p = be.alloc(Math.max(4, bytes));
      allocated.push(p);
      return p;
    };
    let exec: Executor | null = null;
    let backup: StateArena | null = null;
    try {
      exec = new Executor(be, this.topo, { capacity, backward, rng: this.rng.ptr });
      if (states) exec.restoreStates(states);
      const outs = this.topo.outputs;
      const plan: Plan = {
        exec,
        targets: outs.map((_, k) => alloc(capacity * this.outputSize(k) * 4)),
        labels: outs.map((_, k) => alloc(capacity * (this.outputSize(k) / this.outputUnits(k)) * 4)),
        argmax: outs.map((_, k) => alloc(capacity * (this.outputSize(k) / this.outputUnits(k)) * 4)),
        logits: outs.map(() => 0),
        backup: null,
      };
      if (backward) {
        backup = this.store.attach(1);
        plan.backup = backup;
      }
      this.plan = plan;
      this.planAllocations = allocated;
      this.updateFusedLogits();
    } catch (err) {
      exec?.dispose();
      if (backup) this.store.detach(backup);
      for (const p of allocated) be.free(p);
      throw err;
    }
  }

  private planAllocations: number[] = [];

  /** Frees the plan. */
  unplan(): void {
    const p = this.plan;
    if (!p) return;
    const be = this.backend;
    p.exec.dispose();
    if (p.backup) this.store.detach(p.backup);
    if (!be.isDisposed) for (const ptr of this.planAllocations) if (be.isLive(ptr)) be.free(ptr);
    this.planAllocations = [];
    this.plan = null;
  }

  /** Which outputs' losses read the pre-activation of a softmax / sigmoid (set after compile and planning). */
  updateFusedLogits(): void {
    const plan = this.plan;
    const compiled = this.compiled;
    if (!plan) return;
    this.topo.outputs.forEach((_, k) => {
      plan.logits[k] = 0;
      const loss = compiled?.losses[k];
      if (!loss) return;
      const lg = this.logitsOf(k);
      if (!lg) return;
      const ce = loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy';
      const ok = (ce && lg.activation === 'softmax') || (loss === 'binaryCrossentropy' && lg.activation === 'sigmoid');
      if (ok) plan.logits[k] = lg.ptr;
    });
  }

  /**
   * Where output k's softmax / sigmoid pre-activation is kept in the planned
   * buffers after a forward pass with backward, or null when its layer keeps
   * none or another node reads the output (a gradient written with respect
   * to the pre-activation would then mix with theirs).
   */
  logitsOf(k: number): { ptr: number; activation: 'softmax' | 'sigmoid' } | null {
    const exec = this.exec;
    const t = this.topo.outputs[k];
    const node = t.node;
    if (node.isInput) return null;
    const lg = node.layer.lossLogits(exec.siteOf(node));
    if (!lg || this.topo.nodes.some((n) => n.inputs.includes(t))) return null;
    return { activation: lg.activation, ptr: lg.from === 'tape' ? exec.tapeOf(node) + lg.offset : exec.actOf(node.inputs[0]) };
  }

  /** Copies rows order[start .. start + rows) of every input (and target) into the planned buffers (or another executor's inputs). */
  loadBatch(X: readonly Rows[], Y: readonly Targets[] | null, order: Int32Array, start: number, rows: number, exec: Executor = this.exec): void {
    const be = this.backend;
    const f32 = be.f32();
    let inOrder = true;
    for (let r = 0; r < rows && inOrder; r++) inOrder = order[start + r] === start + r;
    // In order (predict, evaluate, fit without shuffling) a batch is one copy per input; shuffled, one per row.
    const rowsOf = (data: Float32Array, size: number, to: number) => {
      if (inOrder) {
        f32.set(data.subarray(start * size, (start + rows) * size), to);
        return;
      }
      for (let r = 0; r < rows; r++) {
        const s = order[start + r];
        f32.set(data.subarray(s * size, (s + 1) * size), to + r * size);
      }
    };
    for (let i = 0; i < X.length; i++) rowsOf(X[i].data, this.inSizes[i], exec.act[i] >>> 2);
    if (!Y) return;
    const plan = this.plan as Plan;
    for (let k = 0; k < Y.length; k++) {
      const y = Y[k];
      if (y.rows) {
        rowsOf(y.rows, this.outSizes[k], plan.targets[k] >>> 2);
      } else if (y.labels) {
        const i32 = be.i32();
        const lb = plan.labels[k] >>> 2;
        const steps = y.steps;
        for (let r = 0; r < rows; r++) {
          const s = order[start + r];
          for (let t = 0; t < steps; t++) i32[lb + r * steps + t] = y.labels[s * steps + t];
        }
      }
    }
  }

  /** Runs every node on the loaded batch. */
  forward(rows: number, training: boolean, backward: boolean): void {
    this.exec.forward(rows, training, backward);
  }

  /**
   * Sum over the batch of each sample's loss (summed over outputs; a sample's
   * loss on an output with leading axes is the mean over its rows, as Keras
   * averages per-step losses). With `withGrad`, writes the gradient of
   * gradScale times that sum into each output's gradient buffer (with
   * respect to the pre-activation where the loss is fused).
   */
  loss(rows: number, withGrad: boolean, gradScale: number): number {
    let sum = 0;
    for (let k = 0; k < this.topo.outputs.length; k++) sum += this.outputLoss(k, rows, withGrad, gradScale);
    return sum;
  }

  /**
   * Per-sample loss weights of the loaded training batch (classWeight /
   * sampleWeight), or null: loss() then sums weight times each sample's
   * loss, and its gradient likewise.
   */
  batchWeights: Float32Array | null = null;

  /** loss() for output k alone. */
  outputLoss(k: number, rows: number, withGrad: boolean, gradScale: number): number {
    const compiled = this.compiled as Compiled;
    const plan = this.plan as Plan;
    const units = this.outUnits[k];
    const size = this.outSizes[k];
    const steps = size / units;
    const at = plan.exec.at(this.topo.outputs[k]);
    const y = plan.exec.act[at];
    const logits = plan.logits[k];
    const dy = withGrad ? plan.exec.grad[at] : 0;
    const w = this.batchWeights;
    if (!w) {
      return computeLoss(
        this.backend, compiled.losses[k], { y, logits, yIsLogits: compiled.fromLogits },
        plan.targets[k], plan.labels[k], rows * steps, units, dy, gradScale / steps,
      ) / steps;
    }
    // One call per sample, each with its weight in the gradient's scale.
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const off = r * size * 4;
      sum += w[r] * computeLoss(
        this.backend, compiled.losses[k], { y: y + off, logits: logits ? logits + off : 0, yIsLogits: compiled.fromLogits },
        plan.targets[k] + off, plan.labels[k] + r * steps * 4, steps, units, dy ? dy + off : 0, (gradScale * w[r]) / steps,
      ) / steps;
    }
    return sum;
  }

  /** Per output: the loss gradient is with respect to the pre-activation. */
  fusedOutputs(): boolean[] {
    return (this.plan as Plan).logits.map((p) => p !== 0);
  }

  /** The contiguous runs of the arenas holding the trainable weights (recomputed only when a layer's trainable flag changed). */
  trainableSegments(): Segment[] {
    const w = this.weights;
    const cache = this.segmentCache;
    let same = cache !== null;
    for (let i = 0; same && i < w.length; i++) same = (cache as { flags: boolean[] }).flags[i] === w[i].trainable;
    if (same) return (cache as { segments: Segment[] }).segments;
    const flags = w.map((v) => v.trainable);
    const segments = ParamStore.segments(w.filter((_, i) => flags[i]));
    this.segmentCache = { flags, segments };
    return segments;
  }

  /** Zeroes the gradients of `segments`. */
  zeroGrads(segments: readonly Segment[]): void {
    for (const s of segments) fill(this.backend, { n: s.size, y: this.store.grads + s.offset * 4, value: 0 });
  }

  /** Backpropagates the loss gradients written by loss() into the trainable weights' gradients. */
  backward(rows: number, inputs = false): void {
    this.exec.backwardPass(rows, { params: true, inputs, fromLogits: this.fusedOutputs() });
  }

  /**
   * Forward, loss, backward and one optimizer update on the loaded batch;
   * returns the mean loss. A non-finite loss skips the update (the caller
   * throws). With `backup` (trainOnBatch, which has no epoch snapshot to fall
   * back to) the trainable parameters are first copied to the backup arena,
   * so weights that an update turned non-finite, seen as a non-finite loss
   * on the next step, can be restored.
   */
  trainStep(rows: number, backup: boolean): number {
    const plan = this.plan as Plan;
    this.forward(rows, true, true);
    const sum = this.loss(rows, true, 1 / rows);
    if (!Number.isFinite(sum)) return sum;
    const segments = this.trainableSegments();
    this.zeroGrads(segments);
    this.backward(rows);
    const penalty = applyRegularizers(this.backend, this.weights, true);
    const opt = (this.compiled as Compiled).optimizer;
    if (opt instanceof Optimizer) {
      if (backup && plan.backup) this.copySegments(segments, this.store.values, plan.backup.slots[0]);
      opt.step(segments);
    }
    return sum / rows + penalty;
  }

  /** True when a trainable weight is NaN or infinite. */
  weightsNonFinite(): boolean {
    return this.trainableSegments().some((s) => countNonFinite(this.backend, { n: s.size, x: this.store.values + s.offset * 4 }) > 0);
  }

  /** Puts back the parameters saved before the latest trainOnBatch update. */
  restoreBackup(): void {
    const plan = this.plan as Plan;
    if (plan.backup) this.copySegments(this.trainableSegments(), plan.backup.slots[0], this.store.values);
  }

  // In wasm: copyWithin over a shared memory's SharedArrayBuffer (threads) runs several times slower.
  private copySegments(segments: readonly Segment[], from: number, to: number): void {
    for (const s of segments) copy2d(this.backend, { m: 1, n: s.size, x: from + s.offset * 4, y: to + s.offset * 4 });
  }

  /** [correct, counted] predictions of output k in the loaded batch (rows of its last axis). */
  countCorrect(k: number, rows: number, Y: Targets, order: Int32Array, start: number): [number, number] {
    const be = this.backend;
    const plan = this.plan as Plan;
    const units = this.outputUnits(k);
    const steps = this.outputSize(k) / units;
    const out = plan.exec.act[plan.exec.at(this.topo.outputs[k])];
    if (units > 1 && Y.labels) {
      argmaxRows(be, { m: rows * steps, n: units, x: out, out: plan.argmax[k] });
      const pred = be.i32();
      const base = plan.argmax[k] >>> 2;
      let c = 0;
      for (let r = 0; r < rows; r++) {
        const s = order[start + r];
        for (let t = 0; t < steps; t++) if (pred[base + r * steps + t] === Y.labels[s * steps + t]) c++;
      }
      return [c, rows * steps];
    }
    // Binary accuracy, averaged over every output value.
    const f32 = be.f32();
    const size = this.outputSize(k);
    const threshold = (this.compiled as Compiled).fromLogits ? 0 : 0.5;
    let c = 0;
    for (let r = 0; r < rows; r++) {
      const s = order[start + r];
      for (let j = 0; j < size; j++) {
        const p = f32[(out >>> 2) + r * size + j] > threshold;
        const t = (Y.rows as Float32Array)[s * size + j] > 0.5;
        if (p === t) c++;
      }
    }
    return [c, rows * size];
  }

  /** A fresh tally of output k's precision / recall / AUC / top-k metrics, or null when none was compiled. */
  newTally(): MetricTally | null {
    const names = (this.compiled as Compiled).metrics.filter((m): m is TallyMetric => m !== 'accuracy' && m !== 'mse');
    return names.length ? new MetricTally(names, (this.compiled as Compiled).fromLogits ? 0 : 0.5) : null;
  }

  /** Adds output k's predictions on the loaded batch, against their targets, to a tally. */
  tally(k: number, rows: number, Y: Targets, order: Int32Array, start: number, t: MetricTally): void {
    const plan = this.plan as Plan;
    const units = this.outputUnits(k);
    const size = this.outputSize(k);
    const steps = size / units;
    const out = this.backend.readF32(plan.exec.act[plan.exec.at(this.topo.outputs[k])], rows * size);
    const entries = t.names.some((m) => m !== 'topKCategoricalAccuracy');
    for (let r = 0; r < rows; r++) {
      const s = order[start + r];
      if (entries) {
        for (let j = 0; j < size; j++) {
          const positive = Y.rows ? Y.rows[s * size + j] > 0.5 : (Y.labels as Int32Array)[s * steps + Math.floor(j / units)] === j % units;
          t.entry(out[r * size + j], positive);
        }
      }
      if (t.names.includes('topKCategoricalAccuracy') && Y.labels && units > 1) {
        for (let st = 0; st < steps; st++) t.row(out, r * size + st * units, units, Y.labels[s * steps + st]);
      }
    }
  }

  /** Mean squared error of output k in the loaded batch against its targets (NaN for integer labels). */
  batchMse(k: number, rows: number): number {
    const compiled = this.compiled as Compiled;
    if (compiled.losses[k] === 'sparseCategoricalCrossentropy') return NaN;
    const plan = this.plan as Plan;
    const n = rows * this.outputSize(k);
    const out = plan.exec.act[plan.exec.at(this.topo.outputs[k])];
    return mse(this.backend, { n, y: out, t: plan.targets[k] }) / n;
  }

  /** Runs forward (inference) over all rows in planned chunks, calling `each(start, rows)` after each chunk. */
  forEachChunk(X: readonly Rows[], batch: number | undefined, each: (start: number, rows: number) => void, Y?: readonly Targets[]): void {
    const n = X[0].n;
    // Without an explicit batch size, reuse the planned buffers (training's batch capacity) rather than planning new ones.
    const cap = Math.min(n, batch ?? (this.plan ? this.plan.exec.capacity : this.chunkRows(n)));
    this.ensurePlan(cap, false);
    this.runChunks(this.exec, X, Math.min(this.capacity, batch ?? Infinity), each, Y);
  }

  /**
   * Loads the rows `chunk` at a time into `exec`'s inputs, checks values left
   * to wasm for NaN / Inf, runs an inference forward pass and calls `each`.
   */
  runChunks(exec: Executor, X: readonly Rows[], chunk: number, each: (start: number, rows: number) => void, Y?: readonly Targets[]): void {
    const n = X[0].n;
    const order = identity(n);
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      this.loadBatch(X, Y ?? null, order, start, rows, exec);
      this.checkDeferred(X, start, rows, exec);
      exec.forward(rows, false, false);
      each(start, rows);
    }
  }

  /**
   * The NaN / Inf check of inputs that left it to wasm (Rows.deferred), on
   * rows [start, start + rows) once loadBatch() put them in `exec`'s inputs:
   * a SIMD pass instead of a JavaScript loop over every value.
   */
  checkDeferred(X: readonly Rows[], start: number, rows: number, exec: Executor = this.exec): void {
    for (let i = 0; i < X.length; i++) {
      const x = X[i];
      if (x.deferred && countNonFinite(this.backend, { n: rows * this.inSizes[i], x: exec.act[i] }) > 0) {
        checkFiniteRows(x, start, start + rows, ...x.deferred);
      }
    }
  }

  /** Output k's buffer in the executor. */
  outputPtr(k: number): number {
    return this.exec.actOf(this.topo.outputs[k]);
  }

  /** Loss and compiled metrics over a dataset, without training. */
  evaluateRows(X: readonly Rows[], Y: readonly Targets[], withLoss: boolean, batch?: number): Logs {
    const compiled = this.compiled as Compiled;
    const n = X[0].n;
    const nOut = this.topo.outputs.length;
    const lossSums = new Array<number>(nOut).fill(0);
    const correct = new Array<number>(nOut).fill(0);
    const counted = new Array<number>(nOut).fill(0);
    const mse = new Array<number>(nOut).fill(0);
    const tallies = this.topo.outputs.map(() => this.newTally());
    const order = identity(n);
    this.forEachChunk(X, batch, (start, rows) => {
      if (withLoss) for (let k = 0; k < nOut; k++) lossSums[k] += this.outputLoss(k, rows, false, 0);
      for (let k = 0; k < nOut; k++) {
        const t = tallies[k];
        if (t) this.tally(k, rows, Y[k], order, start, t);
        if (compiled.metrics.includes('accuracy')) {
          const [c, t] = this.countCorrect(k, rows, Y[k], order, start);
          correct[k] += c;
          counted[k] += t;
        }
        if (compiled.metrics.includes('mse')) mse[k] += this.batchMse(k, rows) * rows;
      }
    }, Y);
    const logs: Logs = withLoss ? { loss: lossSums.reduce((a, b) => a + b, 0) / n } : {};
    if (withLoss && nOut > 1) for (let k = 0; k < nOut; k++) logs[`${this.metricPrefix(k)}loss`] = lossSums[k] / n;
    for (let k = 0; k < nOut; k++) {
      const prefix = this.metricPrefix(k);
      if (compiled.metrics.includes('accuracy')) logs[`${prefix}accuracy`] = correct[k] / counted[k];
      if (compiled.metrics.includes('mse')) logs[`${prefix}mse`] = mse[k] / n;
      const t = tallies[k];
      if (t) for (const [name, v] of Object.entries(t.values())) logs[`${prefix}${name}`] = v;
    }
    return logs;
  }

  /** '' for a single-output model, else '<output layer name>_' (Keras names per-output metrics so). */
  metricPrefix(k: number): string {
    return this.topo.outputs.length === 1 ? '' : `${this.topo.outputs[k].name}_`;
  }

  /** A copy of every weight, flat, in `weights` order. */
  getWeightsFlat(): Float32Array {
    const out = new Float32Array(this.weights.reduce((s, v) => s + v.size, 0));
    const f32 = this.backend.f32();
    let at = 0;
    for (const v of this.weights) {
      out.set(f32.subarray(v.value >>> 2, (v.value >>> 2) + v.size), at);
      at += v.size;
    }
    return out;
  }

  /** Number of values getWeightsFlat() returns. */
  get flatSize(): number {
    return this.weights.reduce((s, v) => s + v.size, 0);
  }

  /** Restores every weight from getWeightsFlat() output. */
  setWeightsFlat(values: Float32Array): void {
    const f32 = this.backend.f32();
    let at = 0;
    for (const v of this.weights) {
      f32.set(values.subarray(at, at + v.size), v.value >>> 2);
      at += v.size;
    }
  }

  /** Every weight's gradient, flat, in `weights` order. */
  readGradsFlat(): Float32Array {
    const out = new Float32Array(this.flatSize);
    const f32 = this.backend.f32();
    let at = 0;
    for (const v of this.weights) {
      out.set(f32.subarray(v.grad >>> 2, (v.grad >>> 2) + v.size), at);
      at += v.size;
    }
    return out;
  }

  /** Zeroes every weight's gradient, then sums them over all rows (chunked by the plan) with the loss scaled by 1/n. */
  accumulateGradients(X: readonly Rows[], Y: readonly Targets[], training: boolean): { loss: number; gradients: Float32Array } {
    this.zeroGrads(ParamStore.segments(this.weights));
    const n = X[0].n;
    const order = identity(n);
    const chunk = this.capacity;
    let sum = 0;
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      this.loadBatch(X, Y, order, start, rows);
      this.forward(rows, training, true);
      sum += this.loss(rows, true, 1 / n);
      this.backward(rows);
    }
    const penalty = applyRegularizers(this.backend, this.weights, true);
    return { loss: sum / n + penalty, gradients: this.readGradsFlat() };
  }

  /** Zeroes the state of every stateful layer (Keras model.resetStates()). */
  resetStates(): void {
    this.plan?.exec.resetStates();
  }

  /** Frees the plan (the store, rng and optimizer belong to the model). */
  dispose(): void {
    this.unplan();
  }

  /** Throws when compile() was not called. */
  requireCompiled(op: string): Compiled {
    if (!this.compiled) throw new ValueError(`${op}: call compile({ optimizer, loss }) first`);
    return this.compiled;
  }
}

/** 0, 1, ..., n - 1. */
export function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
