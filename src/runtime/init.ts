import { Backend, createMemory, type BackendInfo, type InitOptions, type Instantiated } from './backend.js';
import { checkOptions as checkKeys } from '../util/options.js';
import { InitError, KernelAssertionError, ValueError, describe } from '../errors.js';
import type { BuildName } from './abi.js';
import { ThreadPool, threadsUnavailable } from './threads.js';

/**
 * The wasm builds an entry point embeds, as base64 strings: `simdnn` embeds
 * all three, `simdnn/simd` only SIMD128, `simdnn/slim` none.
 */
export interface Embedded {
  /** The entry's name, for error messages. */
  readonly entry: string;
  readonly simd?: string;
  readonly relaxed?: string;
  readonly scalar?: string;
}

const decoded = new Map<string, Uint8Array>();

type NodeBuffer = { from(s: string, enc: 'base64'): Uint8Array };

/** Decodes base64: Node's Buffer decodes natively; elsewhere atob (present on every runtime simdnn targets) and a copy loop. */
function decode(b64: string): Uint8Array {
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

/** Decodes an embedded build once; undefined when the entry does not embed it. */
function bytesOf(embedded: Embedded, build: BuildName): Uint8Array | undefined {
  const b64 = embedded[build];
  if (b64 === undefined) return undefined;
  let bytes = decoded.get(build);
  if (!bytes) {
    bytes = decode(b64);
    decoded.set(build, bytes);
  }
  return bytes;
}

// A minimal module whose one function returns v128.const 0: validating it answers
// "SIMD128?" when the entry embeds no SIMD build to validate.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, // code section: one body of 20 bytes, no locals
  0xfd, 0x0c, ...new Array(16).fill(0), // v128.const 0
  0x0b, // end
]);

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

/** The WebAssembly namespace, or an InitError naming the runtimes that lack it. */
function wasmApi(entry: string): typeof WebAssembly {
  const wa = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  if (typeof wa !== 'object' || wa === null || typeof wa.Module !== 'function') {
    throw new InitError(
      `${entry}: this JavaScript runtime has no WebAssembly (it is switched off, e.g. by --jitless, ` +
        "iOS Lockdown Mode or an embedder's policy); simdnn needs WebAssembly and cannot run here",
    );
  }
  return wa;
}

/** True when this engine validates the given build (SIMD128, relaxed SIMD); probes when the build is not embedded. Cached. */
export function supports(embedded: Embedded, build: BuildName): boolean {
  if (build !== 'relaxed' && build !== 'simd' && build !== 'scalar') {
    throw new ValueError(`engineSupports: build must be 'relaxed', 'simd' or 'scalar', got ${describe(build)}`);
  }
  let ok = support.get(build);
  if (ok === undefined) {
    const wa = wasmApi(embedded.entry);
    const bytes = bytesOf(embedded, build);
    if (build === 'scalar') ok = true;
    else if (build === 'relaxed') ok = wa.validate(RELAXED_PROBE) && (!bytes || wa.validate(bytes as BufferSource));
    else ok = wa.validate(SIMD_PROBE) && (!bytes || wa.validate(bytes as BufferSource));
    // Only verdicts from the full builds are final; a probe's is re-checked once a build is at hand.
    if (bytes || build === 'scalar') support.set(build, ok);
  }
  return ok;
}

function chooseBuild(embedded: Embedded, opts: InitOptions): BuildName {
  const want = opts.build ?? 'auto';
  if (want !== 'auto' && want !== 'relaxed' && want !== 'simd' && want !== 'scalar') {
    throw new ValueError(`init: build must be 'auto', 'relaxed', 'simd' or 'scalar', got ${describe(want)}`);
  }
  if (want === 'relaxed' && opts.deterministic) {
    throw new ValueError("init: build 'relaxed' uses fused multiply-add and cannot be deterministic");
  }
  const embeds = (b: BuildName) => embedded[b] !== undefined;
  if (!embeds('simd') && !embeds('relaxed') && !embeds('scalar')) {
    throw new InitError(
      `init: ${embedded.entry} embeds no wasm build: pass one as init({ module }) (a WebAssembly.Module of ` +
        "simdnn/simdnn.wasm, simdnn/simdnn-relaxed.wasm or simdnn/simdnn-scalar.wasm), init({ bytes }) or init({ url })",
    );
  }
  if (want !== 'auto') {
    if (!embeds(want)) {
      throw new InitError(
        `init: ${embedded.entry} does not embed the '${want}' build: import 'simdnn' (all builds), or pass the build as ` +
          `init({ module }), init({ bytes }) or init({ url }) with simdnn/${want === 'simd' ? 'simdnn' : `simdnn-${want}`}.wasm`,
      );
    }
    if (!supports(embedded, want)) {
      throw new InitError(`init: this JavaScript engine cannot run the '${want}' build (WebAssembly feature missing)`);
    }
    return want;
  }
  if (!opts.deterministic && embeds('relaxed') && supports(embedded, 'relaxed')) return 'relaxed';
  if (embeds('simd') && supports(embedded, 'simd')) return 'simd';
  if (embeds('scalar')) return 'scalar';
  throw new InitError(
    `init: this JavaScript engine has no WebAssembly SIMD128 and ${embedded.entry} embeds only SIMD builds: ` +
      "import 'simdnn' (which falls back to the scalar build), or pass simdnn/simdnn-scalar.wasm as init({ module | bytes | url })",
  );
}

/** The name and message of a thrown value (errors of another realm included). */
function nameAndMessage(e: unknown): { name: string; message: string } {
  if (typeof e === 'object' && e !== null && typeof (e as Error).message === 'string') {
    return { name: String((e as Error).name), message: (e as Error).message };
  }
  return { name: '', message: String(e) };
}

/**
 * The InitError for a failed compilation. A refusal by the runtime (a CSP
 * without 'wasm-unsafe-eval', Cloudflare Workers, an edge runtime, a vm
 * context without wasm code generation) names the way out; the embedded
 * builds are valid, so any CompileError of theirs is such a refusal.
 */
function compileError(entry: string, e: unknown, embeddedBytes: boolean): InitError {
  const { name, message } = nameAndMessage(e);
  const forbidden = name === 'EvalError' || /disallowed|refused|not an allowed source|code generation|unsafe-eval|content security policy/i.test(message);
  let err: InitError;
  if (forbidden || (embeddedBytes && name === 'CompileError')) {
    err = new InitError(
      `init: this runtime forbids compiling WebAssembly from bytes (${name}: ${message}). Pass a precompiled module instead, ` +
        'init({ module }), made by your platform from simdnn/simdnn.wasm (Cloudflare Workers and Vercel Edge: ' +
        "`import wasm from 'simdnn/simdnn.wasm'`), or, in a browser, add the CSP source 'wasm-unsafe-eval' to script-src " +
        `(${entry} itself loaded)`,
    );
  } else {
    err = new InitError(`init: the wasm bytes given did not compile: ${name}: ${message}`);
  }
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** The bytes and origin of what to compile, per the options. */
function source(embedded: Embedded, opts: InitOptions): { bytes: Uint8Array; embedded: boolean } | undefined {
  if (opts.bytes !== undefined) {
    const b = opts.bytes;
    const bytes = b instanceof ArrayBuffer ? new Uint8Array(b) : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : undefined;
    if (!bytes) throw new ValueError(`init: bytes must be an ArrayBuffer or a typed array, got ${describe(b)}`);
    return { bytes, embedded: false };
  }
  if (opts.module !== undefined || opts.url !== undefined) return undefined;
  const build = chooseBuild(embedded, opts);
  return { bytes: bytesOf(embedded, build)!, embedded: true };
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

/** True when `m` is a WebAssembly.Module of any realm (a vm context, an iframe, a worker's import). */
function isModule(wa: typeof WebAssembly, m: unknown): m is WebAssembly.Module {
  if (m instanceof wa.Module) return true;
  if (m === null || typeof m !== 'object') return false;
  try {
    wa.Module.exports(m as WebAssembly.Module);
    return true;
  } catch {
    return false;
  }
}

function checkOptions(embedded: Embedded, opts: InitOptions): typeof WebAssembly {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new ValueError(`init: options must be an object, got ${describe(opts)}`);
  checkKeys('init', opts, ['build', 'deterministic', 'seed', 'maxMemoryBytes', 'module', 'bytes', 'url', 'threads'], 'options');
  const t = opts.threads;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 64)) {
    throw new ValueError(`init: threads must be an integer in [1, 64], got ${describe(t)}`);
  }
  const given = (['module', 'bytes', 'url'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1) throw new ValueError(`init: pass one of module, bytes and url, got ${given.join(' and ')}`);
  if (opts.url !== undefined && typeof opts.url !== 'string' && !(opts.url instanceof URL)) {
    throw new ValueError(`init: url must be a string or a URL, got ${describe(opts.url)}`);
  }
  const wa = wasmApi(embedded.entry);
  if (opts.module !== undefined) {
    if (!isModule(wa, opts.module)) throw new ValueError(`init: module must be a WebAssembly.Module, got ${describe(opts.module)}`);
    const exported = new Set(wa.Module.exports(opts.module).map((e) => e.name));
    const foreign = wa.Module.imports(opts.module).find((i) => i.module !== 'env' || (i.name !== 'memory' && i.name !== 'abort'));
    if (!exported.has('build_kind') || !exported.has('heap_base') || foreign) {
      throw new ValueError(
        `init: module is not a simdnn build (${foreign ? `it imports ${foreign.module}.${foreign.name}` : 'it does not export build_kind and heap_base'}); ` +
          'use simdnn/simdnn.wasm, simdnn-relaxed.wasm or simdnn-scalar.wasm',
      );
    }
  }
  if (opts.deterministic !== undefined && typeof opts.deterministic !== 'boolean') {
    throw new ValueError(`init: deterministic must be a boolean, got ${describe(opts.deterministic)}`);
  }
  return wa;
}

function verdicts(embedded: Embedded, opts: InitOptions, memory: WebAssembly.Memory, instance: WebAssembly.Instance): Instantiated {
  const kind = (instance.exports as { build_kind(): number }).build_kind();
  if (kind === 2 && opts.deterministic) {
    throw new ValueError('init: the module given is the relaxed-SIMD build, which cannot be deterministic');
  }
  return {
    instance,
    memory,
    simd: kind !== 0 || supports(embedded, 'simd'),
    relaxedSimd: kind === 2 || supports(embedded, 'relaxed'),
    deterministic: kind !== 2,
  };
}

async function fetchBytes(url: string | URL): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const err = new InitError(`init: fetching ${String(url)} failed: ${e instanceof Error ? e.message : String(e)}`);
    (err as { cause?: unknown }).cause = e;
    throw err;
  }
  if (!res.ok) throw new InitError(`init: fetching ${String(url)} gave HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const threadModules = new Map<BuildName, Promise<WebAssembly.Module>>();

/** The shared-memory variant of a build, compiled once (its module is imported only when threads are asked for). */
function threadModule(entry: string, wa: typeof WebAssembly, build: 'simd' | 'relaxed'): Promise<WebAssembly.Module> {
  let m = threadModules.get(build);
  if (!m) {
    m = import('./generated/wasm-threads.js').then(async (w) => {
      try {
        return await wa.compile(decode(build === 'relaxed' ? w.RELAXED_THREADS_WASM : w.SIMD_THREADS_WASM) as BufferSource);
      } catch (e) {
        throw compileError(entry, e, true);
      }
    });
    m.catch(() => threadModules.delete(build));
    threadModules.set(build, m);
  }
  return m;
}

/** A backend on shared memory with `threads - 1` workers, or the reason threads cannot run here. */
async function createThreaded(embedded: Embedded, wa: typeof WebAssembly, opts: InitOptions, threads: number): Promise<Backend | string> {
  if (opts.module || opts.bytes !== undefined || opts.url !== undefined) {
    return 'a build given as `module`, `bytes` or `url` is single-threaded; threads use the embedded shared-memory builds';
  }
  const why = threadsUnavailable();
  if (why) return why;
  const embedsAny = embedded.simd !== undefined || embedded.relaxed !== undefined || embedded.scalar !== undefined;
  const build = embedsAny
    ? chooseBuild(embedded, opts)
    : opts.build !== 'simd' && opts.build !== 'scalar' && !opts.deterministic && supports(embedded, 'relaxed')
      ? 'relaxed'
      : opts.build !== 'scalar' && supports(embedded, 'simd') ? 'simd' : 'scalar';
  if (build === 'scalar') return 'this engine has no SIMD128 (or the scalar build was asked for), and only the SIMD builds have a shared-memory variant';
  const module = await threadModule(embedded.entry, wa, build);
  const memory = createMemory(opts.maxMemoryBytes, true);
  const instance = await wa.instantiate(module, imports(memory));
  const backend = new Backend(verdicts(embedded, opts, memory, instance), opts.seed);
  const scratch: number[] = [];
  for (let i = 1; i < threads; i++) scratch.push(backend.threadArea());
  const pool = await ThreadPool.start({ module, memory, scratch }, instance.exports);
  backend.attachThreads(pool);
  return backend;
}

/** createBackend of an entry point: instantiates its embedded build, or the module, bytes or url given. */
export async function createBackendFrom(embedded: Embedded, opts: InitOptions = {}): Promise<Backend> {
  const wa = checkOptions(embedded, opts);
  let why: string | undefined;
  if ((opts.threads ?? 1) > 1) {
    const threaded = await createThreaded(embedded, wa, opts, opts.threads!);
    if (typeof threaded !== 'string') return threaded;
    why = threaded;
  }
  let module = opts.module;
  if (!module) {
    const src = opts.url !== undefined ? { bytes: await fetchBytes(opts.url), embedded: false } : source(embedded, opts)!;
    try {
      module = await wa.compile(src.bytes as BufferSource);
    } catch (e) {
      throw compileError(embedded.entry, e, src.embedded);
    }
  }
  const memory = createMemory(opts.maxMemoryBytes);
  const instance = await wa.instantiate(module, imports(memory));
  const backend = new Backend(verdicts(embedded, opts, memory, instance), opts.seed);
  if (why) backend.attachThreads(null, why);
  return backend;
}

/** createBackendSync of an entry point (see createBackendFrom). */
export function createBackendSyncFrom(embedded: Embedded, opts: InitOptions = {}): Backend {
  const wa = checkOptions(embedded, opts);
  if ((opts.threads ?? 1) > 1) throw new ValueError('initSync: threads start workers asynchronously; use `await init({ threads })`');
  if (opts.url !== undefined) throw new ValueError('initSync: url needs fetching, which is asynchronous: use init({ url }), or pass bytes or module');
  let module = opts.module;
  if (!module) {
    const src = source(embedded, opts)!;
    try {
      module = new wa.Module(src.bytes as BufferSource);
    } catch (e) {
      throw compileError(embedded.entry, e, src.embedded);
    }
  }
  const memory = createMemory(opts.maxMemoryBytes);
  const instance = new wa.Instance(module, imports(memory));
  return new Backend(verdicts(embedded, opts, memory, instance), opts.seed);
}

/**
 * The default backend lives on globalThis under a registry symbol, so the ESM
 * and CommonJS copies of this version of simdnn, loaded into one process, share
 * it: init() through one initialises the other.
 */
const STATE_KEY = Symbol.for('simdnn.defaultBackend.v1');
type SharedState = { current: Backend | null };
const state: SharedState = ((globalThis as Record<symbol, SharedState | undefined>)[STATE_KEY] ??= { current: null });

/** init() of an entry point. */
export async function initFrom(embedded: Embedded, opts?: InitOptions): Promise<BackendInfo> {
  if (state.current && !state.current.isDisposed && opts === undefined) return state.current.info();
  state.current = await createBackendFrom(embedded, opts ?? {});
  return state.current.info();
}

/** initSync() of an entry point. */
export function initSyncFrom(embedded: Embedded, opts?: InitOptions): BackendInfo {
  if (state.current && !state.current.isDisposed && opts === undefined) return state.current.info();
  state.current = createBackendSyncFrom(embedded, opts ?? {});
  return state.current.info();
}

/** The default backend; throws InitError before init(). */
export function getBackend(): Backend {
  const current = state.current;
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
