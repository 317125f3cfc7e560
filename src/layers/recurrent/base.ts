import type { Backend } from '../../runtime/backend.js';
import { ShapeError, ValueError, describe } from '../../errors.js';
import { fmt } from '../../tensor.js';
import { gemm, gemmPackB, gemmPackedBBytes, gemmWorkspaceBytes } from '../../kernels/gemm.js';
import { colsum, copy, copy2d, fill, mul, add } from '../../kernels/elementwise.js';
import { dropoutMask } from '../../kernels/random.js';
import { maskRows, stepMask } from '../../kernels/recurrent.js';
import { scratchLayout } from '../../kernels/scratch.js';
import type { Variable } from '../../params/variable.js';
import { checkInitializer, type InitializerLike } from '../../params/initializers.js';
import { Node, SymbolicTensor, type MaskSource } from '../../graph/symbolic.js';
import { checkBool, checkOptions } from '../../util/options.js';
import {
  checkRecurrentActivation, actId, type RecurrentActivation, type RecurrentConfig, type RecurrentPack, type RecurrentScratch, type RecurrentSite,
  type RecurrentTape, type StepPointers,
} from './types.js';
import { Layer, type BuildContext, type CallContext, type PlanArgs, type Port, type Shape, type Site } from '../layer.js';
import { checkAlpha } from '../activations.js';

/**
 * A recurrent layer over [steps, features] sequences (Elman 1990; the
 * unfolded graph and backpropagation through time of Werbos 1990): h_t =
 * cell(x_t, h_{t-1}) with one set of weights for every step. The input
 * projections of all steps are one GEMM; each step is one GEMM with the
 * recurrent kernel and one fused kernel for the gates; the backward pass
 * walks the steps in reverse with one GEMM and one kernel per step, then
 * forms the gradients of the kernel, the recurrent kernel and the bias as one
 * GEMM (or column sum) each over every step. Nothing is allocated per step.
 */
export { RECURRENT_ACTIVATIONS, RECURRENT_KEYS, checkRecurrentActivation, actId } from './types.js';
export type { RecurrentActivation, RecurrentConfig, RecurrentPack, RecurrentScratch, RecurrentSite, RecurrentTape, StepPointers } from './types.js';

export abstract class Recurrent extends Layer {
  readonly units: number;
  readonly activation: RecurrentActivation;
  readonly alpha: number;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerLike;
  readonly recurrentInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly dropout: number;
  /** [features, gates · units], once built. */
  kernel: Variable | null = null;
  /** [units, gates · units], once built. */
  recurrentKernel: Variable | null = null;
  /** [gates · units] ([2, 3 units] for a GRU with the reset gate after the product), once built with useBias. */
  bias: Variable | null = null;
  /** Gate blocks per step: 1 (simple), 3 (GRU), 4 (LSTM). */
  abstract readonly gates: number;
  /** States carried between steps: 1 (h), 2 (h and c). */
  abstract readonly stateCount: number;
  private readonly calls = new WeakMap<Node, { states: boolean; mask: MaskSource | null }>();

  constructor(config: RecurrentConfig, op: string, keys: readonly string[]) {
    checkOptions(op, config, keys);
    super(config, op);
    if (typeof config.units !== 'number' || !Number.isInteger(config.units) || config.units < 1 || config.units > 1 << 16) {
      throw new ValueError(`${op}: units must be an integer in [1, 65536], got ${describe(config.units)}`);
    }
    this.units = config.units;
    this.activation = checkRecurrentActivation(op, 'activation', config.activation ?? 'tanh');
    this.alpha = checkAlpha(op, this.activation, config.alpha);
    this.act = actId(this.activation);
    this.recurrentAct = this.act;
    this.useBias = checkBool(op, 'useBias', config.useBias, true);
    this.kernelInitializer = checkInitializer(op, 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform');
    this.recurrentInitializer = checkInitializer(op, 'recurrentInitializer', config.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer ?? 'zeros');
    this.returnSequences = checkBool(op, 'returnSequences', config.returnSequences, false);
    this.returnState = checkBool(op, 'returnState', config.returnState, false);
    this.goBackwards = checkBool(op, 'goBackwards', config.goBackwards, false);
    this.stateful = checkBool(op, 'stateful', config.stateful, false);
    const d = config.dropout ?? 0;
    if (typeof d !== 'number' || !(d >= 0 && d < 1)) throw new ValueError(`${op}: dropout must be a number in [0, 1), got ${describe(d)}`);
    this.dropout = d;
    if (config.recurrentDropout !== undefined && config.recurrentDropout !== 0) {
      throw new ValueError(`${op}: recurrentDropout ${describe(config.recurrentDropout)} is not supported (only 0); use dropout on the inputs`);
    }
  }

  // ---- what a cell implements ----

  /** Activation id of the cell. */
  protected readonly act: number;
  /** Activation id of the gates (the cell's for a simple RNN). */
  protected recurrentAct: number;

  /** Floats per row and step of the cell's extra tape (0 when none). */
  protected extraTapeWidth(): number {
    return 0;
  }

  /** Floats per row and step of the gradient of the extra tape kept during backward (0 when none). */
  protected extraGradWidth(): number {
    return 0;
  }

  /** Shape of the bias. */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** Values of the bias set to 1 after its initializer. */
  protected biasOnes(): [number, number] | undefined {
    return undefined;
  }

  /** The bias added to all steps' input projections at once. */
  protected inputBias(): number {
    return this.bias ? this.bias.value : 0;
  }

  /** One forward step: from p.z (input projections plus bias), p.hp and p.cp, writes p.h (and p.c); p.z ends as the gates. */
  protected abstract stepForward(p: StepPointers): void;

  /** One backward step: from p.dh (and p.dc), writes p.dz (and p.dextra), updates p.dc, and writes p.dhPrev. */
  protected abstract stepBackward(p: StepPointers): void;

  /** Adds the recurrent kernel's (and the bias's) gradients over every step: dz and dextra are [rows · steps, ...]. */
  protected recurrentGrads(be: Backend, m: number, tape: RecurrentTape, s: RecurrentScratch, work: number): void {
    const U = this.recurrentKernel as Variable;
    if (U.trainable) gemm(be, { m: this.units, n: this.gates * this.units, k: m, a: tape.hp, b: s.dz, c: U.grad, transA: true, beta: 1, work });
    if (this.bias && this.bias.trainable) colsum(be, { m, n: this.gates * this.units, x: s.dz, out: this.bias.grad, beta: 1 });
  }

  /** The blocks of U the forward steps multiply by: all of it (k = units, n = gates · units) by default. */
  protected forwardPacks(): RecurrentPack[] {
    return [{ n: this.gates * this.units, k: this.units, col: 0, transB: false }];
  }

  /** The blocks of Uᵀ the backward steps multiply by: all of Uᵀ (k = gates · units, n = units) by default. */
  protected backwardPacks(): RecurrentPack[] {
    return [{ n: this.units, k: this.gates * this.units, col: 0, transB: true }];
  }

  /** Bytes of each pack, 16-byte aligned. */
  private packBytes(be: Backend, packs: RecurrentPack[]): number[] {
    return packs.map((q) => Math.ceil(gemmPackedBBytes(be, q.n, q.k) / 16) * 16);
  }

  /** Packs the blocks of U for this call into the scratch at `at`; returns where each went. */
  private pack(be: Backend, packs: RecurrentPack[], at: number): number[] {
    const U = this.recurrentKernel as Variable;
    const ldb = this.gates * this.units;
    const sizes = this.packBytes(be, packs);
    const out: number[] = [];
    packs.forEach((q, i) => {
      gemmPackB(be, { n: q.n, k: q.k, b: U.value + q.col * 4, ldb, transB: q.transB, packed: at });
      out.push(at);
      at += sizes[i];
    });
    return out;
  }

  /** Workspace bytes of the cell's per-step GEMMs. */
  protected stepWorkspace(be: Backend, n: number, backward: boolean): number {
    const g = this.gates * this.units;
    const u = this.units;
    return Math.max(gemmWorkspaceBytes(be, n, g, u), backward ? gemmWorkspaceBytes(be, n, u, g) : 0);
  }

  /** Keras config of the cell's own options. */
  protected abstract cellConfig(): Record<string, unknown>;

  // ---- shapes, building, the call's layout ----

  override computeOutputShapes(inputs: readonly Shape[]): number[][] {
    const x = inputs[0];
    if (!x || x.length !== 2) {
      throw new ShapeError(`${this.name}: a recurrent layer takes sequences of shape [steps, features], got ${x ? fmt(x) : 'no input'}`);
    }
    if (inputs.length > 2 + this.stateCount) throw new ShapeError(`${this.name}: takes a sequence and ${this.stateCount} initial state(s), got ${inputs.length} inputs`);
    const u = this.units;
    const out = [this.returnSequences ? [x[0], u] : [u]];
    if (this.returnState) for (let i = 0; i < this.stateCount; i++) out.push([u]);
    return out;
  }

  protected override checkCompatible(inputs: readonly Shape[], built: readonly Shape[]): void {
    const f = built[0][1];
    if (inputs[0][1] !== f) throw new ShapeError(`${this.name}: expects sequences of ${f} features (it was built for ${fmt(built[0])}), got ${fmt(inputs[0])}`);
  }

  /**
   * Applies the layer to a sequence [steps, features], or to [sequence,
   * ...initial states] (each [units]; an LSTM takes h then c). A sequence
   * carrying a padding mask (Embedding with maskZero, Masking) has its padded
   * steps skipped: the state carries over them unchanged.
   */
  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? (inputs as readonly SymbolicTensor[]).slice() : [inputs as SymbolicTensor];
    if (!list.every((t) => t instanceof SymbolicTensor)) return super.apply(inputs);
    const mask = list[0].mask;
    // A saved graph lists the mask's source among the inputs already.
    const user = mask && list.length > 1 && list[list.length - 1] === mask.tensor ? list.slice(0, -1) : list;
    const states = user.length - 1;
    if (states !== 0 && states !== this.stateCount) {
      throw new ValueError(`${this.name}: takes a sequence, optionally followed by its ${this.stateCount} initial state(s); got ${user.length} inputs`);
    }
    user.slice(1).forEach((t, i) => {
      if (t.shape.length !== 1 || t.shape[0] !== this.units) {
        throw new ShapeError(`${this.name}: initial state ${i} must have shape [${this.units}], got ${fmt(t.shape)}`);
      }
    });
    if (mask && (mask.tensor.shape[0] !== list[0].shape[0])) {
      throw new ShapeError(`${this.name}: the padding mask comes from a tensor of shape ${fmt(mask.tensor.shape)}, not one value row per step of ${fmt(list[0].shape)}`);
    }
    const out = super.apply(mask ? [...user, mask.tensor] : user);
    this.calls.set(this.inboundNodes[this.inboundNodes.length - 1], { states: states > 0, mask });
    return out;
  }

  protected override outputMasks(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): (MaskSource | null)[] {
    return outputs.map((_, i) => (i === 0 && this.returnSequences ? inputs[0].mask : null));
  }

  protected override build(inputs: readonly Shape[], ctx: BuildContext): void {
    const f = inputs[0][1];
    const u = this.units;
    const g = this.gates * u;
    this.kernel = ctx.addWeight({ name: 'kernel', shape: [f, g], initializer: this.kernelInitializer, fanIn: f, fanOut: g });
    this.recurrentKernel = ctx.addWeight({ name: 'recurrent_kernel', shape: [u, g], initializer: this.recurrentInitializer, fanIn: u, fanOut: g });
    if (this.useBias) {
      const shape = this.biasShape();
      this.bias = ctx.addWeight({ name: 'bias', shape, initializer: this.biasInitializer, fanIn: f, fanOut: g, onesRange: this.biasOnes() });
    }
  }

  override plan(inputs: readonly Shape[], outputs: readonly Shape[], node?: Node): RecurrentSite {
    const call = node ? this.calls.get(node) : undefined;
    return this.planCall(inputs, outputs, call?.states ?? false, call?.mask ? call.mask.value : null);
  }

  /**
   * The site of a call with these shapes (for wrappers such as Bidirectional
   * that run the layer themselves): `states` when initial states follow the
   * sequence, `maskValue` the padding value of a mask source given last (null: none).
   */
  planCall(inputs: readonly Shape[], outputs: readonly Shape[], states: boolean, maskValue: number | null): RecurrentSite {
    const x = inputs[0];
    const src = maskValue !== null ? inputs[inputs.length - 1] : null;
    const maskWidth = src ? src.reduce((a, b) => a * b, 1) / x[0] : 0;
    return { inputs, outputs, steps: x[0], features: x[1], states, masked: src !== null, maskWidth, maskValue: maskValue ?? 0 };
  }

  /** The tape's layout for `rows` rows. */
  tapeLayout(site: RecurrentSite, rows: number): RecurrentTape {
    const nt = rows * site.steps;
    const u = this.units;
    const lstm = this.stateCount === 2;
    return scratchLayout({
      z: nt * this.gates * u * 4,
      hp: nt * u * 4,
      hl: rows * u * 4,
      cp: lstm ? nt * u * 4 : 0,
      cl: lstm ? rows * u * 4 : 0,
      extra: nt * this.extraTapeWidth() * 4,
      mask: site.masked ? nt * 4 : 0,
      xt: nt * site.features * 4,
      dm: this.dropout > 0 ? nt * site.features * 4 : 0,
    });
  }

  /** The scratch's layout for `rows` rows. */
  scratchLayoutFor(be: Backend, site: RecurrentSite, rows: number, backward: boolean): RecurrentScratch {
    const t = site.steps;
    const f = site.features;
    const u = this.units;
    const g = this.gates * u;
    const nt = rows * t;
    const ws = (a: number, b: number, c: number) => gemmWorkspaceBytes(be, a, b, c);
    let work = Math.max(ws(nt, g, f), this.stepWorkspace(be, rows, backward));
    if (backward) work = Math.max(work, ws(f, g, nt), ws(u, g, nt), ws(nt, f, g));
    const b = backward;
    return scratchLayout({
      work,
      dz: b ? nt * g * 4 : 0,
      drec: b ? nt * this.extraGradWidth() * 4 : 0,
      dh: b ? rows * u * 4 : 0,
      dh2: b ? rows * u * 4 : 0,
      dc: b && this.stateCount === 2 ? rows * u * 4 : 0,
      dcs: b && this.stateCount === 2 && site.masked ? rows * u * 4 : 0,
      drh: b ? rows * u * 4 : 0,
      zero: 16,
      dxt: b ? nt * f * 4 : 0,
      packs: Math.max(sum(this.packBytes(be, this.forwardPacks())), b ? sum(this.packBytes(be, this.backwardPacks())) : 0),
    });
  }

  override tapeBytes(site: Site, p: PlanArgs): number {
    return this.tapeLayout(site as RecurrentSite, p.batch).total;
  }

  override scratchBytes(site: Site, p: PlanArgs): number {
    return this.scratchLayoutFor(p.backend, site as RecurrentSite, p.batch, p.backward).total;
  }

  override stateBytes(_site: Site, p: PlanArgs): number {
    return this.stateful ? p.batch * this.stateCount * this.units * 4 : 0;
  }

  // ---- forward ----

  forward(ctx: CallContext, xs: readonly Port[], ys: readonly Port[]): void {
    const be = ctx.backend;
    const site = ctx.site as RecurrentSite;
    const n = ctx.batch;
    const T = site.steps;
    const F = site.features;
    const u = this.units;
    const G = this.gates * u;
    const nu = n * u * 4;
    const tape = this.tapeLayoutAt(ctx.tape, site, n);
    const s = this.scratchAt(ctx.scratch, be, site, n, false);
    const W = this.kernel as Variable;
    if (site.masked) stepMask(be, { n: n * T, w: site.maskWidth, x: xs[xs.length - 1].ptr, out: tape.mask, value: site.maskValue });
    // The steps time-major ([steps, rows, ...]): each step's rows are one contiguous block.
    const x = xs[0].ptr;
    for (let t = 0; t < T; t++) copy2d(be, { m: n, n: F, x: x + t * F * 4, ldx: T * F, y: tape.xt + t * n * F * 4, ldy: F });
    if (ctx.training && this.dropout > 0) {
      // One dropout mask per sequence and feature, the same at every step.
      dropoutMask(be, { state: ctx.rng, n: n * F, out: tape.dm, keep: 1 - this.dropout });
      for (let t = 1; t < T; t++) copy(be, n * F, tape.dm, tape.dm + t * n * F * 4);
      mul(be, { n: n * T * F, x: tape.xt, y: tape.dm, z: tape.xt });
    }
    gemm(be, { m: T * n, n: G, k: F, a: tape.xt, b: W.value, c: tape.z, bias: this.inputBias(), work: s.work });
    // The first step's state: the initial-state inputs, the carried state (stateful), or zeros.
    const t0 = this.goBackwards ? T - 1 : 0;
    const lstm = this.stateCount === 2;
    const stateLd = this.stateCount * u;
    const h0 = tape.hp + t0 * nu;
    const c0 = tape.cp + t0 * nu;
    if (site.states) {
      copy(be, n * u, xs[1].ptr, h0);
      if (lstm) copy(be, n * u, xs[2].ptr, c0);
    } else if (this.stateful && ctx.state) {
      copy2d(be, { m: n, n: u, x: ctx.state, ldx: stateLd, y: h0, ldy: u });
      if (lstm) copy2d(be, { m: n, n: u, x: ctx.state + u * 4, ldx: stateLd, y: c0, ldy: u });
    } else {
      fill(be, { n: n * u, y: h0, value: 0 });
      if (lstm) fill(be, { n: n * u, y: c0, value: 0 });
    }
    const p = this.pointers(be, n, s.work);
    p.packs = this.pack(be, this.forwardPacks(), s.packs);
    const y = ys[0].ptr;
    for (let k = 0; k < T; k++) {
      const t = this.moveTo(p, tape, null, n, T, k);
      this.stepForward(p);
      if (site.masked) {
        const m = tape.mask + t * 4;
        maskRows(be, { mode: 'set', n, w: u, mask: m, ldm: T, x: p.hp, y: p.h });
        if (lstm) maskRows(be, { mode: 'set', n, w: u, mask: m, ldm: T, x: p.cp, y: p.c });
      }
      if (this.returnSequences) copy2d(be, { m: n, n: u, x: p.h, ldx: u, y: y + k * u * 4, ldy: T * u });
    }
    if (!this.returnSequences) copy(be, n * u, tape.hl, y);
    if (this.returnState) {
      copy(be, n * u, tape.hl, ys[1].ptr);
      if (lstm) copy(be, n * u, tape.cl, ys[2].ptr);
    }
    if (this.stateful && ctx.state) {
      copy2d(be, { m: n, n: u, x: tape.hl, ldx: u, y: ctx.state, ldy: stateLd });
      if (lstm) copy2d(be, { m: n, n: u, x: tape.cl, ldx: u, y: ctx.state + u * 4, ldy: stateLd });
    }
  }

  // ---- backward through time ----

  backward(ctx: CallContext, _xs: readonly Port[], _ys: readonly Port[], dys: readonly Port[], dxs: readonly Port[]): void {
    const be = ctx.backend;
    const site = ctx.site as RecurrentSite;
    const n = ctx.batch;
    const T = site.steps;
    const F = site.features;
    const u = this.units;
    const G = this.gates * u;
    const tape = this.tapeLayoutAt(ctx.tape, site, n);
    const s = this.scratchAt(ctx.scratch, be, site, n, true);
    const lstm = this.stateCount === 2;
    const dy = dys[0].ptr;
    be.f32()[s.zero >>> 2] = 0;
    // dh of the last step processed: its output's gradient and the final states'.
    if (this.returnSequences) copy2d(be, { m: n, n: u, x: dy + (T - 1) * u * 4, ldx: T * u, y: s.dh, ldy: u });
    else copy(be, n * u, dy, s.dh);
    if (this.returnState) add(be, { n: n * u, x: s.dh, y: dys[1].ptr, z: s.dh });
    if (lstm) {
      if (this.returnState) copy(be, n * u, dys[2].ptr, s.dc);
      else fill(be, { n: n * u, y: s.dc, value: 0 });
    }
    const p = this.pointers(be, n, s.work);
    p.dc = s.dc;
    p.drh = s.drh;
    p.packs = this.pack(be, this.backwardPacks(), s.packs);
    const gw = this.extraGradWidth();
    let dh = s.dh;
    let dh2 = s.dh2;
    for (let k = T - 1; k >= 0; k--) {
      const t = this.moveTo(p, tape, s, n, T, k);
      p.dh = dh;
      p.dhPrev = dh2;
      const m = tape.mask + t * 4;
      if (site.masked && lstm) copy(be, n * u, s.dc, s.dcs);
      this.stepBackward(p);
      if (site.masked) {
        // A padded step passes its state, and so the gradients, through unchanged.
        maskRows(be, { mode: 'set', n, w: G, mask: m, ldm: T, x: 0, y: p.dz });
        if (gw) maskRows(be, { mode: 'set', n, w: gw, mask: m, ldm: T, x: 0, y: p.dextra });
        if (lstm) maskRows(be, { mode: 'set', n, w: u, mask: m, ldm: T, x: s.dcs, y: s.dc });
        maskRows(be, { mode: 'set', n, w: u, mask: m, ldm: T, x: dh, y: dh2 });
      }
      if (this.returnSequences && k > 0) {
        // Every row: a mask stride of 0 reads the one zero for all of them.
        maskRows(be, { mode: 'add', n, w: u, mask: s.zero, ldm: 0, x: dy + (k - 1) * u * 4, ldx: T * u, y: dh2 });
      }
      const tmp = dh;
      dh = dh2;
      dh2 = tmp;
    }
    // dh (and s.dc) now hold the gradients of the initial states.
    if (site.states) {
      if (dxs[1].ptr) copy(be, n * u, dh, dxs[1].ptr);
      if (lstm && dxs[2].ptr) copy(be, n * u, s.dc, dxs[2].ptr);
    }
    if (site.masked) {
      const dm = dxs[dxs.length - 1];
      if (dm.ptr) fill(be, { n: n * sizeOfShape(dm.shape), y: dm.ptr, value: 0 });
    }
    const W = this.kernel as Variable;
    const nt = n * T;
    if (ctx.paramGrads) {
      if (W.trainable) gemm(be, { m: F, n: G, k: nt, a: tape.xt, b: s.dz, c: W.grad, transA: true, beta: 1, work: s.work });
      this.recurrentGrads(be, nt, tape, s, s.work);
    }
    const dx = dxs[0].ptr;
    if (dx) {
      gemm(be, { m: nt, n: F, k: G, a: s.dz, b: W.value, c: s.dxt, transB: true, work: s.work });
      if (ctx.training && this.dropout > 0) mul(be, { n: nt * F, x: s.dxt, y: tape.dm, z: s.dxt });
      for (let t = 0; t < T; t++) copy2d(be, { m: n, n: F, x: s.dxt + t * n * F * 4, ldx: F, y: dx + t * F * 4, ldy: T * F });
    }
  }

  private tapeLayoutAt(base: number, site: RecurrentSite, rows: number): RecurrentTape {
    const l = this.tapeLayout(site, rows);
    for (const k of Object.keys(l) as (keyof RecurrentTape)[]) if (k !== 'total') l[k] += base;
    return l;
  }

  private scratchAt(base: number, be: Backend, site: RecurrentSite, rows: number, backward: boolean): RecurrentScratch {
    const l = this.scratchLayoutFor(be, site, rows, backward);
    for (const k of Object.keys(l) as (keyof RecurrentScratch)[]) if (k !== 'total') l[k] += base;
    return l;
  }

  /**
   * Points p at processing step k (time t, returned): its gates, the state it
   * starts from and the one it writes (the next time's slot, or the final
   * state after the last step), and with s the gradients' blocks.
   */
  private moveTo(p: StepPointers, tape: RecurrentTape, s: RecurrentScratch | null, n: number, T: number, k: number): number {
    const t = this.goBackwards ? T - 1 - k : k;
    const last = k === T - 1;
    const tn = this.goBackwards ? t - 1 : t + 1;
    const nu = n * this.units * 4;
    const nz = n * this.gates * this.units * 4;
    p.z = tape.z + t * nz;
    p.hp = tape.hp + t * nu;
    p.cp = tape.cp + t * nu;
    p.h = last ? tape.hl : tape.hp + tn * nu;
    p.c = last ? tape.cl : tape.cp + tn * nu;
    p.extra = tape.extra + t * n * this.extraTapeWidth() * 4;
    if (s) {
      p.dz = s.dz + t * nz;
      p.dextra = s.drec + t * n * this.extraGradWidth() * 4;
    }
    return t;
  }

  private pointers(be: Backend, n: number, work: number): StepPointers {
    return {
      be, n, u: this.units, ldz: this.gates * this.units, ldh: this.units, ldx: this.extraTapeWidth(),
      z: 0, dz: 0, hp: 0, h: 0, ldNext: this.units, cp: 0, c: 0, extra: 0, dextra: 0, packs: [], dh: 0, dhPrev: 0, dc: 0, drh: 0, work,
    };
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(), units: this.units, activation: this.activation, useBias: this.useBias,
      kernelInitializer: this.kernelInitializer, recurrentInitializer: this.recurrentInitializer, biasInitializer: this.biasInitializer,
      returnSequences: this.returnSequences, returnState: this.returnState, goBackwards: this.goBackwards, stateful: this.stateful,
      dropout: this.dropout, ...this.cellConfig(),
    };
    if (this.activation === 'leakyRelu' || this.activation === 'elu') c.alpha = this.alpha;
    return c;
  }
}

function sum(v: number[]): number {
  return v.reduce((a, b) => a + b, 0);
}

function sizeOfShape(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}
