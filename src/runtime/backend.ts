import { Allocator, type MemoryStats } from './allocator.js';
import { BUILD_KINDS, type BuildName, type KernelExports } from './abi.js';
import { DisposedError, OutOfMemoryError, ValueError, describe } from '../errors.js';
import type { ThreadPool } from './threads.js';

const PAGE = 65536;
const RNG_STATE_BYTES = 16;

/** What `backendInfo()` reports about a running backend. */
export interface BackendInfo {
  /** The kernel build in use: relaxed SIMD (FMA), SIMD128, or scalar. */
  build: BuildName;
  /** True when this engine validates the SIMD128 build. */
  simd: boolean;
  /** True when this engine validates the relaxed-SIMD build. */
  relaxedSimd: boolean;
  /** True when the backend was asked for bit-reproducible results across engines (no FMA). */
  deterministic: boolean;
  /** Current size of the wasm linear memory in bytes. */
  memoryBytes: number;
  /** Threads the kernels run on (1 unless `init({ threads })` could start workers). */
  threads: number;
  /** Why fewer threads run than `init({ threads })` asked for, when it is so. */
  threadsUnavailable?: string;
}

/** Options of `init()` and `createBackend()`. */
export interface InitOptions {
  /**
   * Which build to run. 'auto' (the default) picks relaxed SIMD where the engine
   * supports it and determinism was not requested, else SIMD128, else scalar.
   * Asking for a build the engine cannot run throws an InitError.
   */
  build?: 'auto' | BuildName;
  /**
   * Never use fused multiply-add: results are then bit-identical between the
   * SIMD128 and scalar builds and across JavaScript engines. Default false.
   */
  deterministic?: boolean;
  /**
   * A precompiled module of one of the builds (simdnn/simdnn.wasm,
   * simdnn-relaxed.wasm, simdnn-scalar.wasm), for runtimes that forbid compiling
   * bytes (Cloudflare Workers, Vercel Edge) and for `simdnn/slim`. A module
   * from another realm (a vm context, an iframe) is accepted.
   */
  module?: WebAssembly.Module;
  /** The bytes of one of the builds, compiled here (`simdnn/slim` embeds none). */
  bytes?: ArrayBuffer | ArrayBufferView;
  /** Where to fetch one of the builds from (`init()` only; `simdnn/slim` embeds none). */
  url?: string | URL;
  /** Upper bound on wasm memory, in bytes (rounded up to 64 KiB pages). Default: the engine's limit. */
  maxMemoryBytes?: number;
  /** Seed of the backend's random generator; default: a random seed. */
  seed?: number;
  /**
   * Threads the kernels may use, the caller's included (default 1). More
   * than one runs a shared-memory build on a `WebAssembly.Memory({ shared:
   * true })` with `threads - 1` workers (Node worker_threads, Web Workers
   * elsewhere); large GEMMs and convolutions are split between them. Where
   * threads cannot run (no SharedArrayBuffer, a page without cross-origin
   * isolation, a browser's main thread, the scalar build) one thread runs
   * and `backendInfo().threadsUnavailable` says why. Needs the async
   * `init()` / `createBackend()`.
   */
  threads?: number;
}

/** Bookkeeping of an instantiated build: the memory and the verdicts of feature detection. */
export interface Instantiated {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
  simd: boolean;
  relaxedSimd: boolean;
  deterministic: boolean;
}

/**
 * One instance of the kernels with its own linear memory and allocator.
 * Everything simdnn allocates lives in exactly one backend; `dispose()` drops
 * the whole memory at once.
 */
export class Backend {
  /**
   * The kernel exports as KERNEL_SIGNATURES types them (pointers are byte
   * offsets into this backend's memory); the wrappers in src/kernels/ call them.
   */
  readonly abi: KernelExports;
  /** The wasm memory the kernels compute in. */
  readonly memory: WebAssembly.Memory;
  /** Which build these kernels are. */
  readonly build: BuildName;
  readonly deterministic: boolean;
  private readonly simd: boolean;
  private readonly relaxedSimd: boolean;
  private readonly allocator: Allocator;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  private scratchPtrs: number[] = [];
  private scratchSizes: number[] = [];
  private internalBytes = 0;
  private internalCount = 0;
  private disposed = false;
  private pool: ThreadPool | null = null;
  private threadsWhy: string | undefined;
  /** Offset of the backend's own random-generator state (16 bytes). */
  readonly rngState: number;

  constructor(inst: Instantiated, seed?: number) {
    this.abi = inst.instance.exports as unknown as KernelExports;
    this.memory = inst.memory;
    this.build = BUILD_KINDS[this.abi.build_kind()];
    this.simd = inst.simd;
    this.relaxedSimd = inst.relaxedSimd;
    this.deterministic = inst.deterministic;
    this.allocator = new Allocator(this.memory, this.abi.heap_base());
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.u8View = new Uint8Array(this.memory.buffer);
    this.rngState = this.allocInternal(RNG_STATE_BYTES);
    this.seed(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** Reseeds the backend's random generator (any finite number; integers up to 2^53 are distinct). */
  seed(seed: number): void {
    seedState(this, this.rngState, seed);
  }

  /** Facts about this backend. */
  info(): BackendInfo {
    this.check();
    return {
      build: this.build,
      simd: this.simd,
      relaxedSimd: this.relaxedSimd,
      deterministic: this.deterministic,
      memoryBytes: this.memory.buffer.byteLength,
      threads: this.pool ? this.pool.size : 1,
      ...(this.threadsWhy ? { threadsUnavailable: this.threadsWhy } : {}),
    };
  }

  /** The worker threads sharing this backend's memory, or null when single-threaded. */
  get threads(): ThreadPool | null {
    return this.disposed ? null : this.pool;
  }

  /** Attaches the worker pool (or the reason none runs); called once by createBackend. */
  attachThreads(pool: ThreadPool | null, why?: string): void {
    this.pool = pool;
    this.threadsWhy = why;
  }

  /** Bytes of a worker's own spill area (the kernels' thread_scratch). */
  static readonly THREAD_SCRATCH_BYTES = 512;

  /** A worker-owned spill area, allocated once (see thread_scratch in the kernels). */
  threadArea(): number {
    return this.allocInternal(Backend.THREAD_SCRATCH_BYTES);
  }

  /** A Float32Array over all of linear memory; re-derived after growth, never cache it across allocations. */
  f32(): Float32Array {
    if (this.f32View.buffer !== this.memory.buffer) this.refresh();
    return this.f32View;
  }

  /** An Int32Array over all of linear memory (see f32()). */
  i32(): Int32Array {
    if (this.i32View.buffer !== this.memory.buffer) this.refresh();
    return this.i32View;
  }

  /** A Uint8Array over all of linear memory (see f32()). */
  u8(): Uint8Array {
    if (this.u8View.buffer !== this.memory.buffer) this.refresh();
    return this.u8View;
  }

  /** Allocates a 16-byte aligned region; throws OutOfMemoryError (and changes nothing) when memory cannot grow. */
  alloc(bytes: number): number {
    this.check();
    return this.allocator.alloc(bytes);
  }

  /** Frees a region returned by alloc(). */
  free(ptr: number): void {
    if (this.disposed) return;
    this.allocator.free(ptr);
  }

  /** True when `ptr` is a live region of this backend. */
  isLive(ptr: number): boolean {
    return !this.disposed && this.allocator.isLive(ptr);
  }

  /**
   * A shared scratch region of at least `bytes`, one per slot (SCRATCH.gemm:
   * GEMM and kernel packing; SCRATCH.col: a padded convolution's
   * zero-bordered input, or the flipped kernel of its input gradient;
   * SCRATCH.dcol: the column gradient for col2im, or a zero-bordered dy). Every op and layer reuses the same regions, so their content is
   * only valid until the next op; layers size them when planning, so training
   * steps never allocate.
   */
  scratch(bytes: number, slot = 0): number {
    this.check();
    const have = this.scratchSizes[slot] ?? 0;
    if (bytes <= have) return this.scratchPtrs[slot];
    const grown = Math.max(bytes, Math.ceil(have * 1.5));
    const ptr = this.allocInternal(grown);
    if (have) this.freeInternal(this.scratchPtrs[slot]);
    this.scratchPtrs[slot] = ptr;
    this.scratchSizes[slot] = grown;
    return ptr;
  }

  /** Worker `worker`'s own kernel workspace (0-based, the caller's thread excluded). */
  threadScratch(worker: number, bytes: number): number {
    return this.scratch(bytes, SCRATCH.thread + worker);
  }

  /** Scratch big enough for f32_gemm on these sizes. */
  gemmWorkspace(m: number, n: number, k: number): number {
    return this.scratch(this.abi.f32_gemm_workspace(m, n, k));
  }

  /** Copies `data` into memory at `ptr` as f32. */
  writeF32(ptr: number, data: ArrayLike<number>): void {
    this.f32().set(data, ptr >>> 2);
  }

  /** Copies `n` f32 values starting at `ptr` out of wasm memory. */
  readF32(ptr: number, n: number): Float32Array {
    return this.f32().slice(ptr >>> 2, (ptr >>> 2) + n);
  }

  /**
   * Live user-visible allocations (tensors, model buffers). The backend's own
   * regions (random state, scratch) are reported apart as internalBytes.
   */
  memoryStats(): MemoryStats & { internalBytes: number } {
    const s = this.allocator.stats();
    return {
      ...s,
      liveBytes: s.liveBytes - this.internalBytes,
      liveAllocations: s.liveAllocations - this.internalCount,
      internalBytes: this.internalBytes,
    };
  }

  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Drops every allocation of this backend; any further use throws DisposedError. */
  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
    this.pool = null;
  }

  /** Throws DisposedError when the backend was disposed. */
  check(): void {
    if (this.disposed) throw new DisposedError('this simdnn backend was disposed; call init() for a new one');
  }

  private allocInternal(bytes: number): number {
    const ptr = this.allocator.alloc(bytes);
    const size = this.allocator.sizeOf(ptr);
    this.internalBytes += size;
    this.internalCount++;
    return ptr;
  }

  private freeInternal(ptr: number): void {
    const size = this.allocator.sizeOf(ptr);
    this.allocator.free(ptr);
    this.internalBytes -= size;
    this.internalCount--;
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.u8View = new Uint8Array(this.memory.buffer);
  }
}

/** Scratch slots of Backend.scratch(). */
export const SCRATCH = { gemm: 0, col: 1, dcol: 2, partials: 3, thread: 4 } as const;

/** Seeds a 16-byte xoshiro state at `ptr` from a JS number (hashing its 64-bit float pattern for non-integers). */
export function seedState(backend: Backend, ptr: number, seed: number): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ValueError(`seed: must be a finite number, got ${describe(seed)}`);
  }
  let lo: number;
  let hi: number;
  if (Number.isSafeInteger(seed) && seed >= 0) {
    lo = seed >>> 0;
    hi = Math.floor(seed / 2 ** 32) >>> 0;
  } else {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, seed);
    hi = dv.getUint32(0);
    lo = dv.getUint32(4);
  }
  backend.abi.rng_seed(ptr, lo, hi);
}

/** Creates the memory for a backend, honouring maxMemoryBytes. */
export function createMemory(maxMemoryBytes?: number, shared = false): WebAssembly.Memory {
  if (maxMemoryBytes === undefined) return shared ? new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true }) : new WebAssembly.Memory({ initial: 2 });
  if (typeof maxMemoryBytes !== 'number' || !(maxMemoryBytes >= 2 * PAGE) || !Number.isFinite(maxMemoryBytes)) {
    throw new ValueError(`init: maxMemoryBytes must be a number >= ${2 * PAGE}, got ${describe(maxMemoryBytes)}`);
  }
  const maximum = Math.min(65536, Math.ceil(maxMemoryBytes / PAGE));
  return new WebAssembly.Memory({ initial: 2, maximum, shared });
}

export { OutOfMemoryError };
