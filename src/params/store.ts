import type { Backend } from '../runtime/backend.js';
import { DisposedError, OutOfMemoryError, ValueError } from '../errors.js';
import { initialize } from './initializers.js';
import { fill } from '../kernels/elementwise.js';
import type { Variable } from './variable.js';

/** A contiguous run of the arenas, in floats: what one optimizer kernel call updates. */
export interface Segment {
  offset: number;
  size: number;
}

/**
 * Arenas laid out like the store's parameters (optimizer moments, a backup
 * copy): one region per slot, each `store.size` floats, grown with the store.
 */
export class StateArena {
  /** Byte offsets of the slots. */
  readonly slots: number[];
  constructor(slots: number[]) {
    this.slots = slots;
  }
}

// Every variable starts on a 16-byte boundary inside the arenas (v128 loads).
const padded = (n: number) => Math.ceil(n / 4) * 4;

// Wasm32 memory ends at 4 GiB: arenas larger than that can never exist.
const MAX_ARENA_BYTES = 2 ** 32;

let storeCounter = 0;
let skipInitializers = 0;

/**
 * Runs `build` with the weights it places left at zero rather than drawn
 * from their initializers: for a loader that sets every weight right after
 * (drawing them would be wasted work, and the model's generator is not
 * advanced).
 */
export function withoutInitializers<T>(build: () => T): T {
  skipInitializers++;
  try {
    return build();
  } finally {
    skipInitializers--;
  }
}

/**
 * Owns the parameters of one or more models: a value arena, a gradient arena
 * with the same layout, and any arenas attached to it (optimizer state,
 * backups), so zeroing gradients, clipping and an optimizer update are one
 * kernel call per contiguous segment. Variables are placed in the order
 * models first build them; a model that reuses layers of another model uses
 * the same store (their variables are shared, not copied). Models retain the
 * store; it frees its arenas when the last of them is disposed.
 */
export class ParamStore {
  readonly backend: Backend;
  /** A name for error messages. */
  readonly id: string;
  /** Every placed variable, in arena order. */
  readonly variables: Variable[] = [];
  /** Floats per arena (each variable padded to 4). */
  size = 0;
  /** Byte offset of the value arena (0 while empty). */
  values = 0;
  /** Byte offset of the gradient arena. */
  grads = 0;
  private readonly attached = new Set<StateArena>();
  private refs = 0;
  private disposed = false;

  constructor(backend: Backend) {
    this.backend = backend;
    this.id = `store_${++storeCounter}`;
  }

  /** True once every model using the store was disposed. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws DisposedError once the store freed its arenas. */
  check(op: string): void {
    if (this.disposed) throw new DisposedError(`${op}: the weights were freed when the last model using them was disposed`);
    this.backend.check();
  }

  /** A model starts using the store. */
  retain(): void {
    this.check('retain');
    this.refs++;
  }

  /** A model stops using the store; the last one frees the arenas. */
  release(): void {
    if (this.disposed || --this.refs > 0) return;
    const be = this.backend;
    if (!be.isDisposed) {
      for (const p of [this.values, this.grads]) if (p && be.isLive(p)) be.free(p);
      for (const a of this.attached) for (const p of a.slots) if (be.isLive(p)) be.free(p);
    }
    this.attached.clear();
    this.values = 0;
    this.grads = 0;
    this.disposed = true;
  }

  /**
   * Places `vars` after the existing variables and initialises them with the
   * generator state at `rng`, in order. The arenas (and every attached arena)
   * are reallocated at the new size, old contents kept, new gradients and
   * state zero. Throws OutOfMemoryError with nothing changed when memory
   * cannot hold the new size.
   */
  place(vars: readonly Variable[], rng: number): void {
    this.check('place');
    const fresh = vars.filter((v, i) => v.store === null && vars.indexOf(v) === i);
    for (const v of vars) {
      if (v.store && v.store !== this) throw new ValueError(`place: weight ${v.path} belongs to another parameter store (${v.store.id})`);
    }
    if (fresh.length === 0) return;
    let size = this.size;
    const offsets: number[] = [];
    for (const v of fresh) {
      offsets.push(size);
      size += padded(v.size);
    }
    const bytes = size * 4;
    if (!Number.isSafeInteger(bytes) || bytes > MAX_ARENA_BYTES) {
      const largest = fresh.reduce((a, b) => (b.size > a.size ? b : a));
      throw new OutOfMemoryError(
        `out of wasm memory: the parameters need ${size} floats (${bytes} bytes) per arena, more than wasm32 memory holds; ` +
          `the largest weight is ${largest.path} of shape [${largest.shape.join(',')}]`,
        bytes,
      );
    }
    const be = this.backend;
    const old = { size: this.size, values: this.values, grads: this.grads };
    const arenas = [...this.attached];
    const allocated: number[] = [];
    const alloc = () => {
      const p = be.alloc(bytes);
      allocated.push(p);
      return p;
    };
    let values: number;
    let grads: number;
    let slots: number[][];
    try {
      values = alloc();
      grads = alloc();
      slots = arenas.map((a) => a.slots.map(() => alloc()));
    } catch (err) {
      for (const p of allocated) be.free(p);
      throw err;
    }
    // Nothing below can fail: move the old contents, zero the rest.
    const move = (from: number, to: number) => {
      if (from && old.size) be.u8().copyWithin(to, from, from + old.size * 4);
      fill(be, { n: size - old.size, y: to + old.size * 4, value: 0 });
      if (from) be.free(from);
    };
    move(old.values, values);
    move(old.grads, grads);
    arenas.forEach((a, i) => a.slots.forEach((p, s) => {
      move(p, slots[i][s]);
      a.slots[s] = slots[i][s];
    }));
    this.values = values;
    this.grads = grads;
    this.size = size;
    fresh.forEach((v, i) => {
      v.store = this;
      v.offset = offsets[i];
      this.variables.push(v);
      if (skipInitializers > 0) return;
      initialize(be, v.initializer, v.value, v.size, v.fanIn, v.fanOut, rng);
      if (v.onesRange) fill(be, { n: v.onesRange[1] - v.onesRange[0], y: v.value + v.onesRange[0] * 4, value: 1 });
    });
  }

  /** Allocates `slots` zeroed arenas laid out like the parameters, grown with them; OutOfMemoryError leaves nothing behind. */
  attach(slots: number): StateArena {
    this.check('attach');
    const be = this.backend;
    const ptrs: number[] = [];
    try {
      for (let i = 0; i < slots; i++) ptrs.push(be.alloc(Math.max(1, this.size) * 4));
    } catch (err) {
      for (const p of ptrs) be.free(p);
      throw err;
    }
    for (const p of ptrs) fill(be, { n: this.size, y: p, value: 0 });
    const arena = new StateArena(ptrs);
    this.attached.add(arena);
    return arena;
  }

  /** Frees an attached arena. */
  detach(arena: StateArena): void {
    if (!this.attached.delete(arena)) return;
    const be = this.backend;
    if (!be.isDisposed) for (const p of arena.slots) if (be.isLive(p)) be.free(p);
    arena.slots.length = 0;
  }

  /** The arena runs covering `vars`, merged where they touch (padding included), in arena order. */
  static segments(vars: Iterable<Variable>): Segment[] {
    const runs = [...vars].map((v) => ({ offset: v.offset, size: padded(v.size) })).sort((a, b) => a.offset - b.offset);
    const out: Segment[] = [];
    for (const r of runs) {
      const last = out[out.length - 1];
      if (last && last.offset + last.size === r.offset) last.size += r.size;
      else if (!last || r.offset >= last.offset + last.size) out.push({ ...r });
    }
    return out;
  }
}
