// Worker threads sharing one wasm memory. Each worker instantiates the same
// shared-memory build on the backend's memory, points its spill areas at its
// own scratch (thread_scratch), then waits on a control block for jobs. A job
// is one kernel called on a list of blocks (row ranges of a GEMM, image
// ranges of a convolution): every thread, the caller's included, takes the
// next block from a shared counter until none is left (dynamic scheduling,
// as in OpenMP's schedule(dynamic)), and the caller returns once every block
// is done: one barrier per job. A worker that wakes late holds nothing up
// (the caller takes the blocks left); one that loses its core mid-block does,
// so the pool times each kind of job alone and shared and runs it the faster
// way (ThreadPool.run). Only the caller's thread allocates (the allocator
// lives in TypeScript).
import { InitError } from '../errors.js';

/** Most blocks of one job. */
export const MAX_BLOCKS = 64;
/** Most threads of a pool, the caller's included. */
const MAX_THREADS = 64;
/** Most arguments a kernel call passes. */
const MAX_ARGS = 24;
/** Int32 words of the control block. */
const CTRL_WORDS = 8;
/**
 * The claim word: (job sequence << 8) | next block. A thread takes block i
 * by compare-and-swap from i to i + 1 under the current job's sequence; the
 * caller closes the word (next = CLOSED) while it writes a new job.
 */
const CLAIM = 0;
/** Blocks finished in the current job. */
const DONE = 1;
/** The current job's sequence, waited on by idle workers (-1 ends them). */
const WAKE = 2;
const FN = 3;
const NARGS = 4;
const NBLOCKS = 5;
/** The argument each thread replaces by its own workspace, or -1. */
const WORK_ARG = 6;
const ERROR = 7;
const CLOSED = 255;
const TABLE_OFFSET = CTRL_WORDS * 4;
const WORKS_OFFSET = TABLE_OFFSET + MAX_BLOCKS * MAX_ARGS * 8;
const CTRL_BYTES = WORKS_OFFSET + MAX_THREADS * 8;
/**
 * How long a thread polls for the next job (a worker) or for the last blocks
 * to finish (the caller) before it sleeps in Atomics.wait, in milliseconds.
 * Waking a sleeping thread costs 50-100 us on a virtual machine (its idle
 * core is halted), as much as a mid-sized GEMM; the kernel calls of a
 * training step come a few microseconds apart, so a worker that polls this
 * long stays awake through a step and sleeps between steps of a slow loop.
 */
const SPIN_MS = 0.5;
/**
 * A job of a kind runs the way the caller currently thinks is slower (alone,
 * or on every thread) once this long (ms) has passed since the last such
 * trial; the gap doubles while trials lose, up to MAX_TRIAL_MS.
 */
const TRIAL_MS = 10;
const MAX_TRIAL_MS = 250;
/** The gap after a trial is at least this many times the trial's own duration. */
const TRIAL_SHARE = 16;
/** Jobs of a trial; the first only wakes the workers (or lets them sleep) and is not counted. */
const TRIAL_JOBS = 4;
/** Jobs each way's mean time is taken over (the latest). */
const WINDOW = 8;

/** The latest times per multiply-add of one kind of job, run alone and on every thread (ms). */
interface JobTiming {
  alone: Window;
  shared: Window;
  /** When the last trial of the way not in use ended, and the gap to the next (ms). */
  lastTrial: number;
  gap: number;
  /** The running trial's samples (null between trials), and when it started. */
  trial: number[] | null;
  trialStart: number;
}

/** The latest WINDOW samples, and their mean (NaN before the first). */
class Window {
  private readonly samples = new Float64Array(WINDOW);
  private count = 0;
  mean = NaN;

  /** Forgets every sample but `vs`. */
  reset(vs: readonly number[]): void {
    this.count = 0;
    for (const v of vs) this.add(v);
  }

  add(v: number): void {
    this.samples[this.count++ % WINDOW] = v;
    const n = Math.min(this.count, WINDOW);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.samples[i];
    this.mean = sum / n;
  }
}

/** A kernel call cut into blocks that write disjoint memory, for ThreadPool.run. */
export interface ThreadJob {
  kernel: ThreadKernel;
  /** Multiply-adds of the whole job. */
  macs: number;
  /** Each block's arguments (called only when the blocks run). */
  blocks(): number[][];
  /** The argument each thread replaces by its own workspace, or -1. */
  workArg: number;
  /** Each thread's workspace, the caller's first (called only when the blocks run). */
  works(): readonly number[];
  /** The whole job in one call on this thread, the same bits as its blocks; without it the caller runs the blocks alone. */
  alone?(): void;
}

/** The exports a worker may run (index = position). */
export const THREAD_KERNELS = [
  'f32_gemm',
  'f32_gemm_packed',
  'f32_conv2d_igemm_nhwc',
  'f32_conv2d_filter_grad_nhwc',
  'f32_conv2d_igemm_maxpool2_nhwc',
  'f32_col2im_nhwc',
] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

// The worker's body, shared by every runtime. `boot` receives the module, the
// memory, the control block, its thread index and its scratch area, and never
// returns (the worker ends when the pool is disposed, with sequence -1).
// drain() is the claiming loop of ThreadPool.drain, kept in step with it.
const WORKER_BODY = `
function drain(ctrl, table, fns, tag, work) {
  for (;;) {
    const w = Atomics.load(ctrl, ${CLAIM});
    const i = w & 255;
    if ((w & ~255) !== tag || i >= ctrl[${NBLOCKS}]) return;
    if (Atomics.compareExchange(ctrl, ${CLAIM}, w, w + 1) !== w) continue;
    const n = ctrl[${NARGS}];
    const a = [];
    for (let j = 0; j < n; j++) a.push(table[i * ${MAX_ARGS} + j]);
    const wa = ctrl[${WORK_ARG}];
    if (wa >= 0) a[wa] = work;
    try {
      fns[ctrl[${FN}]](...a);
    } catch (e) {
      Atomics.store(ctrl, ${ERROR}, 1);
    }
    if (Atomics.add(ctrl, ${DONE}, 1) + 1 === ctrl[${NBLOCKS}]) Atomics.notify(ctrl, ${DONE});
  }
}
function boot(d, ready) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() { throw new Error('kernel assertion'); } } });
  inst.exports.thread_scratch(d.scratch);
  const ctrl = new Int32Array(d.ctrl, 0, ${CTRL_WORDS});
  const table = new Float64Array(d.ctrl, ${TABLE_OFFSET}, ${MAX_BLOCKS * MAX_ARGS});
  const works = new Float64Array(d.ctrl, ${WORKS_OFFSET}, ${MAX_THREADS});
  const fns = d.names.map((n) => inst.exports[n]);
  ready();
  let seen = Atomics.load(ctrl, ${WAKE});
  for (;;) {
    if (Atomics.load(ctrl, ${WAKE}) === seen) {
      const until = performance.now() + ${SPIN_MS};
      while (Atomics.load(ctrl, ${WAKE}) === seen && performance.now() < until);
      Atomics.wait(ctrl, ${WAKE}, seen);
    }
    const seq = Atomics.load(ctrl, ${WAKE});
    if (seq < 0) return;
    seen = seq;
    drain(ctrl, table, fns, seq << 8, works[d.index]);
  }
}
`;

const NODE_WORKER = `${WORKER_BODY}
const { parentPort, workerData } = require('node:worker_threads');
boot(workerData, () => parentPort.postMessage('ready'));
`;

const WEB_WORKER = `${WORKER_BODY}
self.onmessage = (e) => boot(e.data, () => self.postMessage('ready'));
`;

interface WorkerHandle {
  terminate(): unknown;
}

/** What a worker needs to start: the shared-memory module, the memory and its scratch area. */
export interface ThreadStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of each worker's thread_scratch area. */
  scratch: number[];
}

type NodeWorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => WorkerHandle & {
  once(ev: 'message' | 'error', f: (v: unknown) => void): void;
  unref(): void;
};

/**
 * Why threads cannot run here, or null when they can: SharedArrayBuffer and
 * Atomics.wait on this thread are required (a browser's main thread may not
 * block, and a page that is not cross-origin isolated has no
 * SharedArrayBuffer).
 */
export function threadsUnavailable(): string | null {
  const g = globalThis as {
    SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; Atomics?: unknown; document?: unknown; Worker?: unknown;
    process?: { versions?: { node?: string } };
  };
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object') {
    return g.crossOriginIsolated === false
      ? 'SharedArrayBuffer needs cross-origin isolation (serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      : 'this runtime has no SharedArrayBuffer';
  }
  if (g.crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (g.document !== undefined) {
    return "a browser's main thread may not block on Atomics.wait: run simdnn in a Web Worker to use threads";
  }
  if (!g.process?.versions?.node && typeof g.Worker !== 'function') return 'this runtime has no Worker';
  return null;
}

/**
 * A fixed set of workers sharing the backend's memory. `runBlocks` runs a
 * kernel over a list of blocks on every thread and returns when all are done.
 */
export class ThreadPool {
  private readonly workers: WorkerHandle[];
  private readonly ctrl: Int32Array;
  private readonly table: Float64Array;
  private readonly works: Float64Array;
  private readonly exports: Record<string, (...a: number[]) => void>;
  private seq = 0;
  private disposed = false;
  /** No trial of sharing starts before this time (ms of clock), after one lost. */
  private sharedTrialAfter = 0;
  private readonly timings = new Map<number, JobTiming>();
  /**
   * How jobs are run: 'adapt' (the default) the faster way as measured,
   * 'shared' always on every thread, 'alone' always on the caller's.
   */
  policy: 'adapt' | 'shared' | 'alone' = 'adapt';
  /** The time source the policy measures jobs with (ms). */
  clock: () => number = () => performance.now();
  /** Jobs run on every thread. */
  sharedJobs = 0;
  /** Jobs the caller ran alone because that was faster (the other cores were busy). */
  soloJobs = 0;

  private constructor(workers: WorkerHandle[], sab: SharedArrayBuffer, exports: WebAssembly.Exports) {
    this.workers = workers;
    this.ctrl = new Int32Array(sab, 0, CTRL_WORDS);
    this.table = new Float64Array(sab, TABLE_OFFSET, MAX_BLOCKS * MAX_ARGS);
    this.works = new Float64Array(sab, WORKS_OFFSET, MAX_THREADS);
    this.exports = exports as unknown as Record<string, (...a: number[]) => void>;
  }

  /** Threads including the caller's. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Starts one worker per scratch area and resolves once each has instantiated the module. */
  static async start(start: ThreadStart, callerExports: WebAssembly.Exports): Promise<ThreadPool> {
    if (start.scratch.length + 1 > MAX_THREADS) throw new InitError(`init: at most ${MAX_THREADS} threads`);
    const sab = new SharedArrayBuffer(CTRL_BYTES);
    const workers: WorkerHandle[] = [];
    try {
      for (let i = 0; i < start.scratch.length; i++) workers.push(await spawn(start, sab, i + 1, start.scratch[i]));
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw new InitError(`init: could not start a worker thread (${(e as Error)?.message ?? String(e)})`);
    }
    return new ThreadPool(workers, sab, callerExports);
  }

  /**
   * Runs a job: its blocks, each once, on whichever thread takes it first;
   * returns when all are done.
   *
   * Graceful under contention: the caller keeps the mean time per
   * multiply-add of the latest 8 jobs of each kind (kernel, and size to a
   * power of two) run alone and run on every thread, and runs it the faster
   * way (a stall counts in full in the mean). It tries the other way (4
   * jobs in a row, the first not counted: it wakes the workers) 10 ms after
   * the last trial, then twice as late while the trials lose (up to
   * 250 ms: a losing trial of sharing costs about one stall, a few ms, and
   * the engine's own start-up, compiling the kernels on a spare core, makes
   * the first trials lose; and at least 16 times as long as the trial took);
   * a trial's jobs are the other way's new mean.
   * When another process takes a worker's core, the caller would wait for
   * the block that worker holds, so such jobs run alone until sharing pays
   * again. Both ways give the same bits.
   */
  run(job: ThreadJob): void {
    const key = THREAD_KERNELS.indexOf(job.kernel) * 64 + Math.round(Math.log2(Math.max(job.macs, 1)));
    let t = this.timings.get(key);
    const start = this.clock();
    if (!t) this.timings.set(key, (t = { alone: new Window(), shared: new Window(), lastTrial: start, gap: TRIAL_MS, trial: null, trialStart: start }));
    const adapt = this.policy === 'adapt';
    const alone = t.alone.mean;
    const preferAlone = Number.isNaN(alone) || Number.isNaN(t.shared.mean) || alone < t.shared.mean;
    // A trial: TRIAL_JOBS jobs in a row the other way (the first wakes the workers and is not counted).
    // A trial of sharing also waits for the last lost one of any kind: contention hits every kind at once.
    const due = start - t.lastTrial >= t.gap && (!preferAlone || start >= this.sharedTrialAfter);
    if (adapt && !t.trial && !Number.isNaN(alone) && (Number.isNaN(t.shared.mean) || due)) {
      t.trial = [];
      t.trialStart = start;
    }
    const trial = adapt && t.trial !== null;
    const solo = adapt ? preferAlone !== trial : this.policy === 'alone';
    if (solo) this.soloJobs++;
    else this.sharedJobs++;
    if (solo && job.alone) job.alone();
    else this.runBlocks(job, !solo);
    const end = this.clock();
    const perMac = (end - start) / Math.max(job.macs, 1);
    const way = solo ? t.alone : t.shared;
    if (!trial) {
      way.add(perMac);
      return;
    }
    t.trial!.push(perMac);
    if (t.trial!.length < TRIAL_JOBS) return;
    const samples = t.trial!.slice(1);
    t.trial = null;
    t.lastTrial = end;
    const mean = samples.reduce((x, y) => x + y, 0) / samples.length;
    const inUse = solo ? t.shared.mean : t.alone.mean;
    const won = Number.isNaN(inUse) || mean < inUse;
    t.gap = won ? TRIAL_MS : Math.min(MAX_TRIAL_MS, 2 * t.gap);
    // Trials of long jobs come later: they take at most about 1/16 of the time.
    t.gap = Math.max(t.gap, TRIAL_SHARE * (t.lastTrial - t.trialStart));
    if (!solo) this.sharedTrialAfter = won ? 0 : t.lastTrial + t.gap;
    way.reset(samples);
  }

  /** The job's blocks, on every thread when `shared`, else on the caller's alone. */
  private runBlocks(job: ThreadJob, shared: boolean): void {
    const ctrl = this.ctrl;
    const blocks = job.blocks();
    const works = job.works();
    const nblocks = blocks.length;
    if (nblocks > MAX_BLOCKS) throw new RangeError(`ThreadPool: at most ${MAX_BLOCKS} blocks, got ${nblocks}`);
    this.seq = (this.seq + 1) & 0x7fffff;
    const tag = this.seq << 8;
    // Closed first: a worker still looking at the last job cannot claim a block of this one half-written.
    Atomics.store(ctrl, CLAIM, tag | CLOSED);
    const nargs = blocks[0].length;
    for (let i = 0; i < nblocks; i++) {
      const a = blocks[i];
      for (let j = 0; j < nargs; j++) this.table[i * MAX_ARGS + j] = a[j];
    }
    for (let i = 1; i < works.length; i++) this.works[i] = works[i];
    ctrl[FN] = THREAD_KERNELS.indexOf(job.kernel);
    ctrl[NARGS] = nargs;
    ctrl[NBLOCKS] = nblocks;
    ctrl[WORK_ARG] = job.workArg;
    ctrl[ERROR] = 0;
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, CLAIM, tag);
    if (shared) {
      Atomics.store(ctrl, WAKE, this.seq);
      Atomics.notify(ctrl, WAKE);
    }
    const failure = this.drain(job.kernel, works[0] ?? 0);
    if (Atomics.load(ctrl, DONE) < nblocks) {
      const until = performance.now() + SPIN_MS;
      while (Atomics.load(ctrl, DONE) < nblocks && performance.now() < until);
      for (;;) {
        const done = Atomics.load(ctrl, DONE);
        if (done >= nblocks) break;
        Atomics.wait(ctrl, DONE, done);
      }
    }
    if (failure) throw failure;
    if (Atomics.load(ctrl, ERROR)) throw new InitError(`a worker thread failed in ${job.kernel}`);
  }

  /** The caller's share of a job: the claiming loop of the workers' drain(). Returns the first error it caught. */
  private drain(kernel: ThreadKernel, work: number): unknown {
    const ctrl = this.ctrl;
    const fn = this.exports[kernel];
    const nargs = ctrl[NARGS];
    const workArg = ctrl[WORK_ARG];
    const nblocks = ctrl[NBLOCKS];
    const a: number[] = new Array(nargs);
    let failure: unknown = null;
    for (;;) {
      const w = Atomics.load(ctrl, CLAIM);
      const i = w & 255;
      if (i >= nblocks) return failure;
      if (Atomics.compareExchange(ctrl, CLAIM, w, w + 1) !== w) continue;
      for (let j = 0; j < nargs; j++) a[j] = this.table[i * MAX_ARGS + j];
      if (workArg >= 0) a[workArg] = work;
      if (!failure) {
        try {
          fn(...a);
        } catch (e) {
          failure = e;
        }
      }
      if (Atomics.add(ctrl, DONE, 1) + 1 === nblocks) Atomics.notify(ctrl, DONE);
    }
  }

  /** Ends the workers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctrl, WAKE, -1);
    Atomics.notify(this.ctrl, WAKE);
    for (const w of this.workers) void w.terminate();
  }
}

async function spawn(start: ThreadStart, sab: SharedArrayBuffer, index: number, scratch: number): Promise<WorkerHandle> {
  const data = { module: start.module, memory: start.memory, ctrl: sab, index, scratch, names: [...THREAD_KERNELS] };
  const g = globalThis as { process?: { versions?: { node?: string } }; Worker?: new (url: string, o: object) => WebWorker; Deno?: unknown };
  let worker: WorkerHandle;
  if (g.process?.versions?.node && !g.Deno) {
    // A computed specifier: a bundler building for browsers leaves it alone instead of failing to resolve a Node built-in.
    const specifier = ['node', 'worker_threads'].join(':');
    const { Worker } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as unknown as { Worker: NodeWorkerCtor };
    const w = new Worker(NODE_WORKER, { eval: true, workerData: data });
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', (e) => reject(e));
    });
    w.unref();
    worker = w;
  } else {
    const url = URL.createObjectURL(new Blob([WEB_WORKER], { type: 'text/javascript' }));
    const w = new g.Worker!(url, { type: 'module' });
    await new Promise<void>((resolve, reject) => {
      w.onmessage = () => resolve();
      w.onerror = (e: unknown) => reject(e);
      w.postMessage(data);
    });
    URL.revokeObjectURL(url);
    worker = w;
  }
  return worker;
}

interface WebWorker extends WorkerHandle {
  onmessage: ((e: unknown) => void) | null;
  onerror: ((e: unknown) => void) | null;
  postMessage(d: unknown): void;
}
