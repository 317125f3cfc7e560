import type { Backend } from '../runtime/backend.js';
import { OutOfMemoryError } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { add, fill } from '../kernels/elementwise.js';
import type { Layer, CallContext, Port, Site } from '../layers/layer.js';
import type { Node, SymbolicTensor } from '../graph/symbolic.js';
import type { Topology } from '../graph/topology.js';
import { fusePairs } from '../graph/fusion.js';

/** One node as the executor runs it: its layer, its site, and its ports into the executor's buffers. */
interface Step {
  node: Node;
  layer: Layer;
  ctx: CallContext;
  xs: Port[];
  ys: Port[];
  dys: Port[];
  dxs: Port[];
  /** Indices of the node's input and output tensors. */
  ins: number[];
  outs: number[];
  /** Bytes of ctx.state (0 when none). */
  stateBytes: number;
}

/** An inference step: a node, or a node fused with the one after it (which is then skipped). */
interface RunStep {
  step: Step;
  /** The fused next step whose outputs this call writes, or null. */
  fused: Step | null;
}

/** Options of an Executor. */
export interface ExecutorOptions {
  /** Rows the buffers hold. */
  capacity: number;
  /** Plan gradient buffers and the tapes backward reads. */
  backward: boolean;
  /** Generator state for dropout and noise. */
  rng: number;
  /** Tensors whose values must be stored as they are (no fusion may skip them), e.g. inner activations asked for. */
  keep?: readonly SymbolicTensor[];
}

/** How a backward pass runs. */
export interface BackwardOptions {
  /** Add into the gradients of trainable weights. */
  params: boolean;
  /** Write the gradient with respect to the model inputs. */
  inputs: boolean;
  /** Output indices whose gradient the loss wrote with respect to the pre-activation (fused softmax / sigmoid). */
  fromLogits?: readonly boolean[];
}

/**
 * Owns every per-batch buffer of one model graph at one capacity: an
 * activation buffer per tensor, a gradient buffer per tensor (with backward),
 * each call site's tape and state, and one scratch region sized for the
 * largest call. Forward and backward run the nodes over these buffers and
 * allocate nothing. Inference runs a fused schedule (a convolution with the
 * max pooling after it as one kernel call) unless a backward pass follows.
 * Two executors over one model share the weights and nothing else.
 */
export class Executor {
  readonly capacity: number;
  readonly backward: boolean;
  readonly backend: Backend;
  /** Every tensor of the graph: the inputs, then each node's outputs in run order. */
  readonly tensors: SymbolicTensor[];
  /** Activation buffer of each tensor (byte offsets). */
  readonly act: number[];
  /** Gradient buffer of each tensor (0 without backward). */
  readonly grad: number[];
  private readonly topo: Topology;
  private readonly index = new Map<SymbolicTensor, number>();
  private readonly steps: Step[] = [];
  private readonly inference: RunStep[] = [];
  /** Second gradient buffer of a tensor read by several nodes (their contributions are summed), else 0. */
  private readonly gradTmp: number[];
  private readonly written: Uint8Array;
  private readonly needs: Uint8Array;
  private readonly allocated: number[] = [];
  /** Outputs of nodes that nothing reads (an unused output of a multi-output layer): their gradient is zero. */
  private readonly dead: number[];
  private disposed = false;

  constructor(backend: Backend, topo: Topology, opts: ExecutorOptions) {
    this.backend = backend;
    this.topo = topo;
    this.capacity = opts.capacity;
    this.backward = opts.backward;
    this.tensors = [...topo.inputs, ...topo.nodes.flatMap((n) => n.outputs)];
    this.tensors.forEach((t, i) => this.index.set(t, i));
    const nt = this.tensors.length;
    this.act = new Array<number>(nt).fill(0);
    this.grad = new Array<number>(nt).fill(0);
    this.gradTmp = new Array<number>(nt).fill(0);
    this.written = new Uint8Array(nt);
    this.needs = new Uint8Array(nt);
    const readers = new Array<number>(nt).fill(0);
    for (const n of topo.nodes) for (const x of n.inputs) readers[this.at(x)]++;
    // The loss seeds an output's gradient, so an output read by a node also sums several contributions.
    const sums = readers.slice();
    for (const t of topo.outputs) sums[this.at(t)]++;
    this.dead = this.tensors.map((_, i) => i).filter((i) => readers[i] === 0 && !topo.outputs.includes(this.tensors[i]) && i >= topo.inputs.length);
    const cap = opts.capacity;
    try {
      const bytes = (t: SymbolicTensor) => floatBytes(cap, sizeOf(t.shape));
      this.tensors.forEach((t, i) => {
        this.act[i] = this.alloc(bytes(t));
        if (opts.backward) {
          this.grad[i] = this.alloc(bytes(t));
          if (sums[i] > 1) this.gradTmp[i] = this.alloc(bytes(t));
        }
      });
      let scratch = 0;
      const sites = new Map<Node, Site>();
      for (const node of topo.nodes) {
        const layer = node.layer;
        const site = layer.plan(node.inputs.map((t) => t.shape), node.outputs.map((t) => t.shape), node);
        sites.set(node, site);
        const p = { backend, batch: cap, backward: opts.backward };
        const tape = layer.tapeBytes(site, p);
        const state = layer.stateBytes(site, p);
        scratch = Math.max(scratch, layer.scratchBytes(site, p));
        const ins = node.inputs.map((t) => this.at(t));
        const outs = node.outputs.map((t) => this.at(t));
        const ctx: CallContext = {
          backend, batch: 0, training: false, backward: false, rng: opts.rng,
          tape: tape ? this.alloc(tape) : 0, scratch: 0, state: state ? this.alloc(state) : 0,
          site, paramGrads: false, fromLogits: false,
        };
        if (ctx.state) fill(backend, { n: Math.ceil(state / 4), y: ctx.state, value: 0 });
        this.steps.push({
          node, layer, ctx, ins, outs, stateBytes: ctx.state ? Math.ceil(state / 4) * 4 : 0,
          xs: ins.map((i) => ({ ptr: this.act[i], shape: this.tensors[i].shape })),
          ys: outs.map((i) => ({ ptr: this.act[i], shape: this.tensors[i].shape })),
          dys: outs.map((i) => ({ ptr: this.grad[i], shape: this.tensors[i].shape })),
          dxs: ins.map((i) => ({ ptr: 0, shape: this.tensors[i].shape })),
        });
      }
      const scratchPtr = scratch ? this.alloc(scratch) : 0;
      for (const s of this.steps) s.ctx.scratch = scratchPtr;
      // Inference schedule: a node fused with the next one runs both; the next one is then skipped.
      const keep = new Set([...(opts.keep ?? []), ...topo.outputs]);
      // Folding a batch normalization needs a copy of the kernel in scratch, which only inference-only plans reserve.
      const pairs = fusePairs(topo.nodes, sites, keep).map((p) => (p && opts.backward && p.layer.className === 'BatchNormalization' ? null : p));
      const skipped = new Set(pairs.filter((p): p is Node => p !== null));
      this.steps.forEach((s, i) => {
        if (skipped.has(s.node)) return;
        this.inference.push({ step: s, fused: pairs[i] ? this.steps[i + 1] : null });
      });
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Index of a tensor in `tensors`. */
  at(t: SymbolicTensor): number {
    const i = this.index.get(t);
    if (i === undefined) throw new Error(`executor: tensor ${t.name} is not part of this graph`);
    return i;
  }

  /** Activation buffer of a tensor. */
  actOf(t: SymbolicTensor): number {
    return this.act[this.at(t)];
  }

  /** Gradient buffer of a tensor (0 without backward). */
  gradOf(t: SymbolicTensor): number {
    return this.grad[this.at(t)];
  }

  /** The tape of the node's call site (for a loss fused with its softmax / sigmoid). */
  tapeOf(node: Node): number {
    const s = this.steps.find((x) => x.node === node);
    return s ? s.ctx.tape : 0;
  }

  /** The site of a node. */
  siteOf(node: Node): Site {
    const s = this.steps.find((x) => x.node === node);
    if (!s) throw new Error(`executor: node of ${node.layer.name} is not part of this graph`);
    return s.ctx.site as Site;
  }

  /**
   * Runs every node on `rows` rows already loaded into the input buffers.
   * `training`: dropout and noise are active; `backward`: a backward pass
   * follows (needs an executor planned with backward), so no fusion and the
   * tapes are written.
   */
  forward(rows: number, training: boolean, backward: boolean): void {
    if (backward) {
      for (const s of this.steps) this.call(s, rows, training, true);
      return;
    }
    for (const r of this.inference) {
      const s = r.step;
      if (r.fused) {
        const c = s.ctx;
        c.batch = rows;
        c.training = training;
        c.backward = false;
        s.layer.forwardFused(c, s.xs, r.fused.ys, r.fused.layer);
      } else {
        this.call(s, rows, training, false);
      }
    }
  }

  private call(s: Step, rows: number, training: boolean, backward: boolean): void {
    const c = s.ctx;
    c.batch = rows;
    c.training = training;
    c.backward = backward;
    s.layer.forward(c, s.xs, s.ys);
  }

  /**
   * Backpropagates from the gradients already written into the output
   * tensors' gradient buffers (every output: the caller zeroes the ones it
   * does not seed) after a forward pass with backward: true. Runs only the
   * nodes that lead from a trainable weight (with `params`) or from an input
   * (with `inputs`) to an output; a tensor read by several nodes sums their
   * contributions. Weight gradients are added into the store's gradient arena.
   */
  backwardPass(rows: number, opts: BackwardOptions): void {
    const needs = this.needs;
    const written = this.written;
    needs.fill(0);
    written.fill(0);
    const nIn = this.topo.inputs.length;
    if (opts.inputs) for (let i = 0; i < nIn; i++) needs[i] = 1;
    for (const s of this.steps) {
      let need = false;
      if (opts.params) for (const v of s.layer.weights) if (v.trainable) need = true;
      for (const i of s.ins) if (needs[i]) need = true;
      if (need) for (const o of s.outs) needs[o] = 1;
    }
    // The outputs hold the seeds: later contributions add to them.
    for (const t of this.topo.outputs) written[this.at(t)] = 1;
    const be = this.backend;
    for (const i of this.dead) {
      if (needs[i]) fill(be, { n: rows * sizeOf(this.tensors[i].shape), y: this.grad[i], value: 0 });
    }
    for (let k = this.steps.length - 1; k >= 0; k--) {
      const s = this.steps[k];
      let run = false;
      for (const o of s.outs) if (needs[o]) run = true;
      if (!run) continue;
      let pending = false;
      for (let j = 0; j < s.ins.length; j++) {
        const i = s.ins[j];
        if (!needs[i]) {
          s.dxs[j].ptr = 0;
        } else if (!written[i]) {
          s.dxs[j].ptr = this.grad[i];
        } else {
          s.dxs[j].ptr = this.gradTmp[i];
          pending = true;
        }
      }
      const c = s.ctx;
      c.batch = rows;
      c.paramGrads = opts.params;
      c.fromLogits = false;
      if (opts.fromLogits) {
        const oi = this.topo.outputs.indexOf(s.node.outputs[0]);
        c.fromLogits = oi >= 0 && !!opts.fromLogits[oi];
      }
      s.layer.backward(c, s.xs, s.ys, s.dys, s.dxs);
      if (pending) {
        for (let j = 0; j < s.ins.length; j++) {
          const i = s.ins[j];
          if (needs[i] && s.dxs[j].ptr === this.gradTmp[i] && this.gradTmp[i]) {
            const n = rows * sizeOf(this.tensors[i].shape);
            add(be, { n, x: this.grad[i], y: this.gradTmp[i], z: this.grad[i] });
          }
        }
      }
      for (const i of s.ins) if (needs[i]) written[i] = 1;
    }
  }

  /** Zeroes the state every stateful call site keeps across calls (Keras model.resetStates()). */
  resetStates(): void {
    for (const s of this.steps) {
      if (s.ctx.state) fill(this.backend, { n: s.stateBytes / 4, y: s.ctx.state, value: 0 });
    }
  }

  /** Copies of every site's state (null where a site keeps none), to carry over to an executor planned again. */
  saveStates(): (Uint8Array | null)[] {
    return this.steps.map((s) => (s.ctx.state ? this.backend.u8().slice(s.ctx.state, s.ctx.state + s.stateBytes) : null));
  }

  /**
   * Restores states saved from an executor over the same graph (planned for
   * fewer or more rows): a site's state is rows of equal size, so the rows
   * both hold are copied and the others stay zero.
   */
  restoreStates(saved: readonly (Uint8Array | null)[]): void {
    this.steps.forEach((s, i) => {
      const v = saved[i];
      if (s.ctx.state && v) this.backend.u8().set(v.subarray(0, Math.min(v.length, s.stateBytes)), s.ctx.state);
    });
  }

  /** Frees every buffer. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.backend;
    if (be.isDisposed) return;
    for (const p of this.allocated) if (be.isLive(p)) be.free(p);
    this.allocated.length = 0;
  }

  private alloc(bytes: number): number {
    const p = this.backend.alloc(bytes);
    this.allocated.push(p);
    return p;
  }
}

/** Bytes of `rows` x `size` floats, checked to stay within what wasm32 memory can hold. */
function floatBytes(rows: number, size: number): number {
  const bytes = Math.max(1, rows * size) * 4;
  if (!Number.isSafeInteger(bytes) || bytes > 2 ** 32) {
    throw new OutOfMemoryError(`out of wasm memory: a buffer of ${rows} rows of ${size} values needs ${bytes} bytes, more than wasm32 memory holds`, bytes);
  }
  return bytes;
}

/**
 * Bytes an Executor for `capacity` rows would allocate (activations,
 * gradients, tapes, states and scratch), computed without allocating, so a
 * caller can refuse or shrink a plan before memory grows.
 */
export function planBytes(backend: Backend, topo: Topology, capacity: number, backward: boolean): number {
  const tensors = [...topo.inputs, ...topo.nodes.flatMap((n) => n.outputs)];
  let total = 0;
  for (const t of tensors) total += Math.max(1, capacity * sizeOf(t.shape)) * 4 * (backward ? 3 : 1);
  let scratch = 0;
  for (const node of topo.nodes) {
    const site = node.layer.plan(node.inputs.map((t) => t.shape), node.outputs.map((t) => t.shape), node);
    const p = { backend, batch: capacity, backward };
    total += node.layer.tapeBytes(site, p) + node.layer.stateBytes(site, p);
    scratch = Math.max(scratch, node.layer.scratchBytes(site, p));
  }
  return total + scratch;
}
