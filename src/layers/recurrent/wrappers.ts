import { ShapeError, ValueError, describe } from '../../errors.js';
import { fmt, sizeOf } from '../../tensor.js';
import { add, copy, copy2d, mul, scale } from '../../kernels/elementwise.js';
import { scratchLayout } from '../../kernels/scratch.js';
import { Node, SymbolicTensor, type MaskSource } from '../../graph/symbolic.js';
import { checkOptions } from '../../util/options.js';
import {
  Layer, layerFromJSON, registerLayer, type BaseLayerConfig, type BuildContext, type CallContext, type LayerJSON, type LossLogits, type PlanArgs,
  type Port, type Shape, type Site,
} from '../layer.js';
import { Recurrent, type RecurrentSite } from './base.js';

/** Options of a TimeDistributed wrapper. */
export interface TimeDistributedConfig extends BaseLayerConfig {
  /** The layer applied to every step (its weights are shared by all steps). */
  layer: Layer;
}

interface WrappedSite extends Site {
  steps: number;
  inner: Site;
}

/** Sets a wrapped layer's trainable flag with its wrapper's. */
function syncTrainable(inner: Layer, value: boolean): void {
  inner.trainable = value;
}

/**
 * Applies a layer to every step of [steps, ...] sequences with the same
 * weights (Keras TimeDistributed): the steps of every sample are rows of one
 * call, so a Dense layer inside runs as one GEMM over all of them.
 */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(config: TimeDistributedConfig) {
    checkOptions('timeDistributed', config, ['name', 'inputShape', 'trainable', 'layer']);
    if (!(config.layer instanceof Layer)) throw new ValueError(`timeDistributed: layer must be a Layer, got ${describe(config.layer)}`);
    if (config.layer.inboundNodes.length > 0) throw new ValueError(`timeDistributed: layer ${config.layer.name} is already applied in a graph; wrap a fresh layer`);
    super(config, 'timeDistributed');
    this.layer = config.layer;
    syncTrainable(this.layer, this.trainable);
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    syncTrainable(this.layer, value);
  }

  protected override get supportsMasking(): boolean {
    return true;
  }

  /** The wrapped layer's activation (what a loss checks an output layer for), if it has one. */
  get activation(): string | undefined {
    return (this.layer as Layer & { activation?: string }).activation;
  }

  override computeOutputShape(inputShape: Shape): number[] {
    if (inputShape.length < 2) throw new ShapeError(`${this.name}: timeDistributed needs sequences [steps, ...], got ${fmt(inputShape)}`);
    const inner = this.layer.outputShapesFor([inputShape.slice(1)]);
    if (inner.length !== 1) throw new ShapeError(`${this.name}: the wrapped layer must have one output`);
    return [inputShape[0], ...inner[0]];
  }

  protected override checkCompatible(): void {}

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    this.layer.applyShapes([inputs[0].slice(1)]);
    for (const v of this.layer.weights) ctx.useWeight(v);
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[]): WrappedSite {
    return { inputs, outputs, steps: inputs[0][0], inner: this.layer.plan([inputs[0].slice(1)], [outputs[0].slice(1)]) };
  }

  private innerArgs(site: Site, p: PlanArgs): PlanArgs {
    return { ...p, batch: p.batch * (site as WrappedSite).steps };
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return this.layer.tapeBytes((site as WrappedSite).inner, this.innerArgs(site, p));
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    return this.layer.scratchBytes((site as WrappedSite).inner, this.innerArgs(site, p));
  }

  override lossLogits(site: Site): LossLogits | null {
    return this.layer.lossLogits((site as WrappedSite).inner);
  }

  private innerCtx(ctx: CallContext): CallContext {
    const site = ctx.site as WrappedSite;
    return { ...ctx, batch: ctx.batch * site.steps, site: site.inner, state: 0 };
  }

  private ports(ps: readonly Port[]): Port[] {
    return ps.map((p) => ({ ptr: p.ptr, shape: p.shape.slice(1) }));
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    this.layer.forward(this.innerCtx(ctx), this.ports(xs), this.ports(ys));
  }

  backward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    this.layer.backward(this.innerCtx(ctx), this.ports(xs), this.ports(ys), this.ports(dys), this.ports(dxs));
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), layer: this.layer.toJSON() };
  }
}

/** How Bidirectional joins the two directions. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/** Options of a Bidirectional wrapper. */
export interface BidirectionalConfig extends BaseLayerConfig {
  /** The recurrent layer run forwards; a copy runs backwards. */
  layer: Recurrent;
  /** Default 'concat'. */
  mergeMode?: MergeMode;
}

interface BidiSite extends Site {
  steps: number;
  fwd: RecurrentSite;
  bwd: RecurrentSite;
}

/**
 * A recurrent layer run over the sequence in both directions (Schuster &
 * Paliwal 1997), outputs joined by mergeMode; with returnSequences the
 * backward run's outputs are put back in time order first (Keras). The two
 * directions have their own weights, saved as forward_<name> and
 * backward_<name>.
 */
export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;
  private readonly calls = new WeakMap<Node, MaskSource | null>();

  constructor(config: BidirectionalConfig) {
    checkOptions('bidirectional', config, ['name', 'inputShape', 'trainable', 'layer', 'mergeMode']);
    const inner = config.layer;
    if (!(inner instanceof Recurrent)) throw new ValueError(`bidirectional: layer must be a recurrent layer (simpleRNN, lstm, gru), got ${describe(inner)}`);
    if (inner.inboundNodes.length > 0) throw new ValueError(`bidirectional: layer ${inner.name} is already applied in a graph; wrap a fresh layer`);
    if (inner.returnState || inner.stateful) throw new ValueError(`bidirectional: the wrapped layer must not use returnState or stateful`);
    const mode = config.mergeMode ?? 'concat';
    if (!['concat', 'sum', 'mul', 'ave'].includes(mode as string)) throw new ValueError(`bidirectional: mergeMode must be one of concat, sum, mul, ave, got ${describe(mode)}`);
    super(config, 'bidirectional');
    this.mergeMode = mode;
    const json = inner.toJSON();
    const make = (dir: 'forward' | 'backward', goBackwards: boolean) => layerFromJSON({
      className: json.className, config: { ...json.config, name: `${dir}_${inner.name}`, goBackwards, inputShape: undefined },
    }) as Recurrent;
    this.forwardLayer = make('forward', inner.goBackwards);
    this.backwardLayer = make('backward', !inner.goBackwards);
    this.trainable = this.trainable;
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    if (this.forwardLayer) syncTrainable(this.forwardLayer, value);
    if (this.backwardLayer) syncTrainable(this.backwardLayer, value);
  }

  private get units(): number {
    return this.forwardLayer.units;
  }

  override computeOutputShapes(inputs: readonly Shape[]): number[][] {
    const out = this.forwardLayer.computeOutputShapes([inputs[0]])[0];
    const last = this.mergeMode === 'concat' ? 2 * this.units : this.units;
    return [[...out.slice(0, -1), last]];
  }

  protected override checkCompatible(inputs: readonly Shape[], built: readonly Shape[]): void {
    if (inputs[0][1] !== built[0][1]) throw new ShapeError(`${this.name}: expects sequences of ${built[0][1]} features, got ${fmt(inputs[0])}`);
  }

  /** Applies both directions to a sequence [steps, features] (its padding mask, if any, goes to both). */
  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? (inputs as readonly SymbolicTensor[]).slice() : [inputs as SymbolicTensor];
    if (!list.every((t) => t instanceof SymbolicTensor)) return super.apply(inputs);
    const mask = list[0].mask;
    const user = mask && list.length > 1 && list[list.length - 1] === mask.tensor ? list.slice(0, -1) : list;
    if (user.length !== 1) throw new ValueError(`${this.name}: bidirectional takes one sequence (no initial states), got ${user.length} inputs`);
    const out = super.apply(mask ? [user[0], mask.tensor] : user);
    this.calls.set(this.inboundNodes[this.inboundNodes.length - 1], mask);
    return out;
  }

  protected override outputMasks(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): (MaskSource | null)[] {
    return outputs.map(() => (this.forwardLayer.returnSequences ? inputs[0].mask : null));
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    for (const l of [this.forwardLayer, this.backwardLayer]) {
      l.applyShapes([inputs[0]]);
      for (const v of l.weights) ctx.useWeight(v);
    }
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[], node?: Node): BidiSite {
    const mask = node ? this.calls.get(node) ?? null : null;
    const x = inputs[0];
    const inner = this.forwardLayer.computeOutputShapes([x]);
    const mv = mask ? mask.value : null;
    return {
      inputs, outputs, steps: x[0],
      fwd: this.forwardLayer.planCall(inputs, inner, false, mv),
      bwd: this.backwardLayer.planCall(inputs, inner, false, mv),
    };
  }

  /** Tape: each direction's tape, its output, and the backward output in time order. */
  private tapeParts(site: BidiSite, p: PlanArgs) {
    const out = p.batch * sizeOf(this.forwardLayer.computeOutputShapes([site.inputs[0]])[0]) * 4;
    return scratchLayout({
      fwd: this.forwardLayer.tapeBytes(site.fwd, p),
      bwd: this.backwardLayer.tapeBytes(site.bwd, p),
      yf: out,
      yb: out,
      ybt: out,
    });
  }

  private scratchParts(site: BidiSite, p: PlanArgs) {
    const inner = Math.max(this.forwardLayer.scratchBytes(site.fwd, p), this.backwardLayer.scratchBytes(site.bwd, p));
    const out = p.batch * sizeOf(this.forwardLayer.computeOutputShapes([site.inputs[0]])[0]) * 4;
    return scratchLayout({
      inner,
      dyf: p.backward ? out : 0,
      dyb: p.backward ? out : 0,
      dx: p.backward ? p.batch * sizeOf(site.inputs[0]) * 4 : 0,
    });
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return this.tapeParts(site as BidiSite, p).total;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    return this.scratchParts(site as BidiSite, p).total;
  }

  private args(ctx: CallContext, backward: boolean): PlanArgs {
    return { backend: ctx.backend, batch: ctx.batch, backward };
  }

  /** Copies [n, steps, u] `from` into `to` with the steps reversed (from may be the backward run's processing order). */
  private reverseSteps(ctx: CallContext, from: number, ldFrom: number, to: number, ldTo: number): void {
    const T = (ctx.site as BidiSite).steps;
    const u = this.units;
    for (let t = 0; t < T; t++) copy2d(ctx.backend, { m: ctx.batch, n: u, x: from + t * u * 4, ldx: ldFrom, y: to + (T - 1 - t) * u * 4, ldy: ldTo });
  }

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const site = ctx.site as BidiSite;
    const p = this.args(ctx, ctx.backward);
    const tp = this.tapeParts(site, { ...p, batch: ctx.batch });
    const seq = this.forwardLayer.returnSequences;
    const u = this.units;
    const T = site.steps;
    const rows = seq ? ctx.batch * T : ctx.batch;
    const outShape = seq ? [T, u] : [u];
    const yf = ctx.tape + tp.yf;
    const yb = ctx.tape + tp.yb;
    this.forwardLayer.forward({ ...ctx, tape: ctx.tape + tp.fwd, site: site.fwd, state: 0 }, xs, [{ ptr: yf, shape: outShape }]);
    this.backwardLayer.forward({ ...ctx, tape: ctx.tape + tp.bwd, site: site.bwd, state: 0 }, xs, [{ ptr: yb, shape: outShape }]);
    // The backward run's sequence in time order.
    const ybt = seq ? ctx.tape + tp.ybt : yb;
    if (seq) this.reverseSteps(ctx, yb, T * u, ybt, T * u);
    const y = ys[0].ptr;
    const n = rows * u;
    switch (this.mergeMode) {
      case 'concat':
        copy2d(be, { m: rows, n: u, x: yf, ldx: u, y, ldy: 2 * u });
        copy2d(be, { m: rows, n: u, x: ybt, ldx: u, y: y + u * 4, ldy: 2 * u });
        return;
      case 'sum': add(be, { n, x: yf, y: ybt, z: y }); return;
      case 'mul': mul(be, { n, x: yf, y: ybt, z: y }); return;
      case 'ave': add(be, { n, x: yf, y: ybt, z: y }); scale(be, { n, x: y, y, alpha: 0.5, beta: 0 }); return;
    }
  }

  backward(ctx: CallContext, xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const site = ctx.site as BidiSite;
    const p = this.args(ctx, true);
    const tp = this.tapeParts(site, p);
    const sp = this.scratchParts(site, p);
    const seq = this.forwardLayer.returnSequences;
    const u = this.units;
    const T = site.steps;
    const rows = seq ? ctx.batch * T : ctx.batch;
    const n = rows * u;
    const outShape = seq ? [T, u] : [u];
    const yf = ctx.tape + tp.yf;
    const ybt = seq ? ctx.tape + tp.ybt : ctx.tape + tp.yb;
    const dy = dys[0].ptr;
    const dyf = ctx.scratch + sp.dyf;
    const dybt = ctx.scratch + sp.dyb;
    // Split the merged gradient into each direction's (in time order).
    switch (this.mergeMode) {
      case 'concat':
        copy2d(be, { m: rows, n: u, x: dy, ldx: 2 * u, y: dyf, ldy: u });
        copy2d(be, { m: rows, n: u, x: dy + u * 4, ldx: 2 * u, y: dybt, ldy: u });
        break;
      case 'sum': copy(be, n, dy, dyf); copy(be, n, dy, dybt); break;
      case 'ave': scale(be, { n, x: dy, y: dyf, alpha: 0.5, beta: 0 }); copy(be, n, dyf, dybt); break;
      case 'mul': mul(be, { n, x: dy, y: ybt, z: dyf }); mul(be, { n, x: dy, y: yf, z: dybt }); break;
    }
    // The backward run's output gradient in its processing order: reuse the tape slot of its time-ordered output.
    let dyb = dybt;
    if (seq) {
      dyb = ctx.tape + tp.ybt;
      this.reverseSteps(ctx, dybt, T * u, dyb, T * u);
    }
    const inner = ctx.scratch + sp.inner;
    const dx = dxs[0].ptr;
    const dx2 = dx ? ctx.scratch + sp.dx : 0;
    const ys = [{ ptr: yf, shape: outShape }];
    this.forwardLayer.backward({ ...ctx, tape: ctx.tape + tp.fwd, scratch: inner, site: site.fwd, state: 0 }, xs, ys, [{ ptr: dyf, shape: outShape }], dxs);
    // The mask source's gradient (zeros) is the forward direction's to write.
    const dxsB = dxs.map((d, i) => ({ ptr: i === 0 ? dx2 : 0, shape: d.shape }));
    this.backwardLayer.backward({ ...ctx, tape: ctx.tape + tp.bwd, scratch: inner, site: site.bwd, state: 0 }, xs, ys, [{ ptr: dyb, shape: outShape }], dxsB);
    if (dx) add(be, { n: ctx.batch * sizeOf(xs[0].shape), x: dx, y: dx2, z: dx });
  }

  getConfig(): Record<string, unknown> {
    const json = this.forwardLayer.toJSON();
    const name = (json.config.name as string).replace(/^forward_/, '');
    return { ...this.baseConfig(), mergeMode: this.mergeMode, layer: { className: json.className, config: { ...json.config, name } } };
  }
}

registerLayer('TimeDistributed', (c) => {
  const inner = layerFromJSON(c.layer as LayerJSON);
  return new TimeDistributed({ ...(c as unknown as TimeDistributedConfig), layer: inner });
});
registerLayer('Bidirectional', (c) => {
  const inner = layerFromJSON(c.layer as LayerJSON);
  return new Bidirectional({ ...(c as unknown as BidirectionalConfig), layer: inner as Recurrent });
});

/** Wraps a layer to apply it to every step of a sequence (TensorFlow.js: tf.layers.timeDistributed). */
export function timeDistributed(config: TimeDistributedConfig): TimeDistributed {
  return new TimeDistributed(config);
}

/** Runs a recurrent layer over a sequence in both directions (TensorFlow.js: tf.layers.bidirectional). */
export function bidirectional(config: BidirectionalConfig): Bidirectional {
  return new Bidirectional(config);
}
