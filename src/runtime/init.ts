import { Backend, createMemory, type BackendInfo, type InitOptions, type Instantiated } from './backend.js';
import { checkOptions as checkKeys } from '../util/options.js';
import { InitError, KernelAssertionError, ValueError, describe } from '../errors.js';
import { RELAXED_WASM, SCALAR_WASM, SIMD_WASM } from './generated/wasm.js';
import type { BuildName } from './abi.js';
import { ThreadPool, threadsUnavailable } from './threads.js';

const decoded = new Map<string, Uint8Array<ArrayBuffer>>();

type NodeBuffer = { from(s: string, enc: 'base64'): Uint8Array };

/** Decodes an embedded build once. */
function bytesOf(build: BuildName): Uint8Array<ArrayBuffer> {
  let bytes = decoded.get(build);
  if (!bytes) {
    bytes = decode(build === 'relaxed' ? RELAXED_WASM : build === 'simd' ? SIMD_WASM : SCALAR_WASM);
    decoded.set(build, bytes);
  }
  return bytes;
}

// A minimal module whose one function uses f32x4.relaxed_madd (opcode 0xfd 0x105):
// validating it answers "relaxed SIMD?" without decoding the full relaxed build.
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code section: one body of 59 bytes, no locals
  0xfd, 0x0c, ...new Array(16).fill(0), // v128.const 0
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

const support = new Map<BuildName, boolean>();

/** True when this engine validates the given build (SIMD128, relaxed SIMD). Cached. */
export function engineSupports(build: BuildName): boolean {
  if (build !== 'scalar' && build !== 'simd' && build !== 'relaxed') {
    throw new ValueError(`engineSupports: build must be 'relaxed', 'simd' or 'scalar', got ${describe(build)}`);
  }
  let ok = support.get(build);
  if (ok === undefined) {
    if (build === 'scalar') ok = true;
    else if (build === 'relaxed') ok = WebAssembly.validate(RELAXED_PROBE) && WebAssembly.validate(bytesOf('relaxed'));
    else ok = WebAssembly.validate(bytesOf(build));
    support.set(build, ok);
  }
  return ok;
}

function chooseBuild(opts: InitOptions): BuildName {
  const want = opts.build ?? 'auto';
  if (want !== 'auto' && want !== 'relaxed' && want !== 'simd' && want !== 'scalar') {
    throw new ValueError(`init: build must be 'auto', 'relaxed', 'simd' or 'scalar', got ${describe(want)}`);
  }
  if (want === 'relaxed' && opts.deterministic) {
    throw new ValueError("init: build 'relaxed' uses fused multiply-add and cannot be deterministic");
  }
  if (want !== 'auto') {
    if (!engineSupports(want)) {
      throw new InitError(`init: this JavaScript engine cannot run the '${want}' build (WebAssembly feature missing)`);
    }
    return want;
  }
  if (!opts.deterministic && engineSupports('relaxed')) return 'relaxed';
  if (engineSupports('simd')) return 'simd';
  return 'scalar';
}

/** Reads an AssemblyScript string (UTF-16, byte length stored just before it) from linear memory. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr || ptr < 4 || ptr + 4 > memory.buffer.byteLength) return '';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  if (ptr + bytes > memory.buffer.byteLength) return '';
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      // Only the debug build calls abort (release builds compile asserts out).
      abort(msg: number, file: number, line: number, col: number) {
        throw new KernelAssertionError(`simdnn kernel assertion failed: ${readAsString(memory, msg)} (${readAsString(memory, file)}:${line}:${col})`);
      },
    },
  };
}

function checkOptions(opts: InitOptions): void {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new ValueError(`init: options must be an object, got ${describe(opts)}`);
  checkKeys('init', opts, ['build', 'deterministic', 'seed', 'maxMemoryBytes', 'module', 'threads'], 'options');
  const t = opts.threads;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 64)) {
    throw new ValueError(`init: threads must be an integer in [1, 64], got ${describe(t)}`);
  }
  if (opts.module !== undefined && !(opts.module instanceof WebAssembly.Module)) {
    throw new ValueError(`init: module must be a WebAssembly.Module, got ${describe(opts.module)}`);
  }
  if (opts.module !== undefined) {
    const exported = new Set(WebAssembly.Module.exports(opts.module).map((e) => e.name));
    const foreign = WebAssembly.Module.imports(opts.module).find((i) => i.module !== 'env' || (i.name !== 'memory' && i.name !== 'abort'));
    if (!exported.has('build_kind') || !exported.has('heap_base') || foreign) {
      throw new ValueError(`init: module is not a simdnn build (${foreign ? `it imports ${foreign.module}.${foreign.name}` : 'it does not export build_kind and heap_base'})`);
    }
  }
  if (opts.deterministic !== undefined && typeof opts.deterministic !== 'boolean') {
    throw new ValueError(`init: deterministic must be a boolean, got ${describe(opts.deterministic)}`);
  }
}

function verdicts(opts: InitOptions, memory: WebAssembly.Memory, instance: WebAssembly.Instance): Instantiated {
  const kind = (instance.exports as { build_kind(): number }).build_kind();
  if (kind === 2 && opts.deterministic) {
    throw new ValueError('init: the module given is the relaxed-SIMD build, which cannot be deterministic');
  }
  return {
    instance,
    memory,
    simd: engineSupports('simd'),
    relaxedSimd: engineSupports('relaxed'),
    deterministic: kind !== 2,
  };
}

/** Decodes base64: Node's Buffer decodes natively; elsewhere atob (present on every runtime simdnn targets) and a copy loop. */
function decode(b64: string): Uint8Array<ArrayBuffer> {
  const buffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  if (buffer) {
    const b = buffer.from(b64, 'base64');
    const bytes = new Uint8Array(b.byteLength);
    bytes.set(b);
    return bytes;
  }
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

const threadModules = new Map<BuildName, Promise<WebAssembly.Module>>();

/** The shared-memory variant of a build, compiled once (imported only when threads are asked for). */
function threadModule(build: 'simd' | 'relaxed'): Promise<WebAssembly.Module> {
  let m = threadModules.get(build);
  if (!m) {
    m = import('./generated/wasm-threads.js').then((w) => WebAssembly.compile(decode(build === 'relaxed' ? w.RELAXED_THREADS_WASM : w.SIMD_THREADS_WASM)));
    threadModules.set(build, m);
  }
  return m;
}

/** A backend on shared memory with `threads - 1` workers, or null (and why) when threads cannot run here. */
async function createThreaded(opts: InitOptions, threads: number): Promise<Backend | string> {
  if (opts.module) return 'a precompiled `module` is single-threaded; threads use the embedded shared-memory builds';
  const why = threadsUnavailable();
  if (why) return why;
  const build = chooseBuild(opts);
  if (build === 'scalar') return 'this engine has no SIMD128, and only the SIMD builds have a shared-memory variant';
  const module = await threadModule(build);
  const memory = createMemory(opts.maxMemoryBytes, true);
  const instance = await WebAssembly.instantiate(module, imports(memory));
  const backend = new Backend(verdicts(opts, memory, instance), opts.seed);
  const scratch: number[] = [];
  for (let i = 1; i < threads; i++) scratch.push(backend.threadArea());
  const pool = await ThreadPool.start({ module, memory, scratch }, instance.exports);
  backend.attachThreads(pool);
  return backend;
}

/** Instantiates a new, independent backend (its own memory and allocator). */
export async function createBackend(opts: InitOptions = {}): Promise<Backend> {
  checkOptions(opts);
  let why: string | undefined;
  if ((opts.threads ?? 1) > 1) {
    const threaded = await createThreaded(opts, opts.threads!);
    if (typeof threaded !== 'string') return threaded;
    why = threaded;
  }
  const backend = await createSingle(opts);
  if (why) backend.attachThreads(null, why);
  return backend;
}

async function createSingle(opts: InitOptions): Promise<Backend> {
  const memory = createMemory(opts.maxMemoryBytes);
  let instance: WebAssembly.Instance;
  if (opts.module) {
    instance = await WebAssembly.instantiate(opts.module, imports(memory));
  } else {
    const build = chooseBuild(opts);
    const module = await WebAssembly.compile(bytesOf(build));
    instance = await WebAssembly.instantiate(module, imports(memory));
  }
  return new Backend(verdicts(opts, memory, instance), opts.seed);
}

/**
 * Synchronous createBackend, for Node and workers. Browsers refuse to compile
 * modules larger than 4 KiB synchronously on the main thread: use init() there,
 * or pass a precompiled `module`.
 */
export function createBackendSync(opts: InitOptions = {}): Backend {
  checkOptions(opts);
  if ((opts.threads ?? 1) > 1) throw new ValueError('initSync: threads start workers asynchronously; use `await init({ threads })`');
  const memory = createMemory(opts.maxMemoryBytes);
  const module = opts.module ?? new WebAssembly.Module(bytesOf(chooseBuild(opts)));
  const instance = new WebAssembly.Instance(module, imports(memory));
  return new Backend(verdicts(opts, memory, instance), opts.seed);
}

let current: Backend | null = null;

/**
 * Initialises the default backend from the bytes embedded in the bundle
 * (nothing is fetched). Safe to call more than once: without options a
 * running backend is kept; with options a new one replaces it (tensors made
 * before keep working on the backend that made them).
 */
export async function init(opts?: InitOptions): Promise<BackendInfo> {
  if (current && !current.isDisposed && opts === undefined) return current.info();
  current = await createBackend(opts ?? {});
  return current.info();
}

/** Synchronous init() (see createBackendSync for where it works). */
export function initSync(opts?: InitOptions): BackendInfo {
  if (current && !current.isDisposed && opts === undefined) return current.info();
  current = createBackendSync(opts ?? {});
  return current.info();
}

/** The default backend; throws InitError before init(). */
export function getBackend(): Backend {
  if (!current || current.isDisposed) {
    throw new InitError('simdnn is not initialised: call `await init()` (or initSync()) first');
  }
  return current;
}

/** Which build runs, what the engine supports, and the memory size. */
export function backendInfo(): BackendInfo {
  return getBackend().info();
}

/** Live bytes and allocations of the default backend (see Backend.memoryStats). */
export function memoryStats(): ReturnType<Backend['memoryStats']> {
  return getBackend().memoryStats();
}

/** Replaces the default backend's random seed. */
export function setSeed(seed: number): void {
  getBackend().seed(seed);
}
