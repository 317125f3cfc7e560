// Worker threads sharing one wasm memory. Each worker instantiates the same
// shared-memory build on the backend's memory, points its spill areas at its
// own scratch (thread_scratch), then waits on a control block for kernel
// calls: the caller writes the export's index and its arguments, bumps a
// sequence number and notifies; the worker runs the call and publishes the
// sequence number it finished. The caller runs its own share of the work in
// the meantime and then waits for every worker: one barrier per kernel call.
// Only the caller's thread allocates (the allocator lives in TypeScript).
import { InitError } from '../errors.js';

/** Words of a worker's control block (Int32): sequence, done, export index, argument count, error. */
const CTRL_WORDS = 8;
/** Most arguments a kernel call passes (float64 slots after the control words). */
const MAX_ARGS = 24;
const CTRL_BYTES = CTRL_WORDS * 4 + MAX_ARGS * 8;
const SEQ = 0;
const DONE = 1;
const FN = 2;
const NARGS = 3;
const ERROR = 4;
/**
 * How long a thread polls for the next call (a worker) or for a worker to
 * finish (the caller) before it sleeps in Atomics.wait, in milliseconds.
 * Waking a sleeping thread costs 50-100 us on a virtual machine (its idle
 * core is halted), as much as a mid-sized GEMM; the kernel calls of a
 * training step come a few microseconds apart, so a worker that polls this
 * long stays awake through a step and sleeps between steps of a slow loop.
 */
const SPIN_MS = 0.5;

/** The exports a worker may run (index = position). */
export const THREAD_KERNELS = [
  'f32_gemm',
  'f32_gemm_packed',
  'f32_conv2d_igemm_nhwc',
  'f32_conv2d_filter_grad_nhwc',
  'f32_conv2d_igemm_maxpool2_nhwc',
] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

// The worker's body, shared by every runtime. `boot` receives the module, the
// memory, the control block and the scratch area, and never returns (the
// worker ends when the pool is disposed, with sequence -1).
const WORKER_BODY = `
function boot(d, ready) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() { throw new Error('kernel assertion'); } } });
  inst.exports.thread_scratch(d.scratch);
  const ctrl = new Int32Array(d.ctrl, 0, ${CTRL_WORDS});
  const args = new Float64Array(d.ctrl, ${CTRL_WORDS * 4}, ${MAX_ARGS});
  const fns = d.names.map((n) => inst.exports[n]);
  ready();
  let seen = 0;
  for (;;) {
    if (Atomics.load(ctrl, ${SEQ}) === seen) {
      const until = performance.now() + ${SPIN_MS};
      while (Atomics.load(ctrl, ${SEQ}) === seen && performance.now() < until);
      Atomics.wait(ctrl, ${SEQ}, seen);
    }
    const seq = Atomics.load(ctrl, ${SEQ});
    if (seq < 0) return;
    seen = seq;
    try {
      const n = ctrl[${NARGS}];
      const a = [];
      for (let i = 0; i < n; i++) a.push(args[i]);
      fns[ctrl[${FN}]](...a);
      ctrl[${ERROR}] = 0;
    } catch (e) {
      ctrl[${ERROR}] = 1;
    }
    Atomics.store(ctrl, ${DONE}, seq);
    Atomics.notify(ctrl, ${DONE});
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

interface Thread {
  worker: WorkerHandle;
  ctrl: Int32Array;
  args: Float64Array;
  seq: number;
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
 * A fixed set of workers sharing the backend's memory. `run` executes one
 * kernel call per thread (the caller's first) and returns when all are done.
 */
export class ThreadPool {
  private readonly threads: Thread[];
  private readonly exports: Record<string, (...a: number[]) => void>;
  private disposed = false;

  private constructor(threads: Thread[], exports: WebAssembly.Exports) {
    this.threads = threads;
    this.exports = exports as unknown as Record<string, (...a: number[]) => void>;
  }

  /** Threads including the caller's. */
  get size(): number {
    return this.threads.length + 1;
  }

  /** Starts one worker per scratch area and resolves once each has instantiated the module. */
  static async start(start: ThreadStart, callerExports: WebAssembly.Exports): Promise<ThreadPool> {
    const threads: Thread[] = [];
    try {
      for (const scratch of start.scratch) threads.push(await spawn(start, scratch));
    } catch (e) {
      for (const t of threads) void t.worker.terminate();
      throw new InitError(`init: could not start a worker thread (${(e as Error)?.message ?? String(e)})`);
    }
    return new ThreadPool(threads, callerExports);
  }

  /**
   * Runs `kernel` once per entry of `calls` at the same time: calls[0] on this
   * thread, calls[i] on worker i - 1. Fewer calls than threads leave the rest idle.
   */
  run(kernel: ThreadKernel, calls: number[][]): void {
    const fn = THREAD_KERNELS.indexOf(kernel);
    const busy = Math.min(calls.length - 1, this.threads.length);
    for (let i = 0; i < busy; i++) {
      const t = this.threads[i];
      const a = calls[i + 1];
      for (let j = 0; j < a.length; j++) t.args[j] = a[j];
      t.ctrl[FN] = fn;
      t.ctrl[NARGS] = a.length;
      t.seq = (t.seq + 1) & 0x3fffffff;
      Atomics.store(t.ctrl, SEQ, t.seq);
      Atomics.notify(t.ctrl, SEQ);
    }
    let failure: unknown = null;
    try {
      this.exports[kernel](...calls[0]);
    } catch (e) {
      failure = e;
    }
    let workerFailed = false;
    for (let i = 0; i < busy; i++) {
      const t = this.threads[i];
      if (Atomics.load(t.ctrl, DONE) !== t.seq) {
        const until = performance.now() + SPIN_MS;
        while (Atomics.load(t.ctrl, DONE) !== t.seq && performance.now() < until);
        for (;;) {
          const done = Atomics.load(t.ctrl, DONE);
          if (done === t.seq) break;
          Atomics.wait(t.ctrl, DONE, done);
        }
      }
      if (t.ctrl[ERROR]) workerFailed = true;
    }
    if (failure) throw failure;
    if (workerFailed) throw new InitError(`a worker thread failed in ${kernel}`);
  }

  /** Ends the workers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.threads) {
      Atomics.store(t.ctrl, SEQ, -1);
      Atomics.notify(t.ctrl, SEQ);
      void t.worker.terminate();
    }
  }
}

async function spawn(start: ThreadStart, scratch: number): Promise<Thread> {
  const sab = new SharedArrayBuffer(CTRL_BYTES);
  const data = { module: start.module, memory: start.memory, ctrl: sab, scratch, names: [...THREAD_KERNELS] };
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
  return { worker, ctrl: new Int32Array(sab, 0, CTRL_WORDS), args: new Float64Array(sab, CTRL_WORDS * 4, MAX_ARGS), seq: 0 };
}

interface WebWorker extends WorkerHandle {
  onmessage: ((e: unknown) => void) | null;
  onerror: ((e: unknown) => void) | null;
  postMessage(d: unknown): void;
}
