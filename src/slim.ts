/**
 * simdnn/slim: all of simdnn with no wasm embedded. Pass a build to init():
 * `init({ module })`, `init({ bytes })` or `init({ url })` with
 * simdnn/simdnn.wasm (SIMD128), simdnn-relaxed.wasm or simdnn-scalar.wasm.
 * @packageDocumentation
 */
import { createBackendFrom, createBackendSyncFrom, initFrom, initSyncFrom, supports, type Embedded } from './runtime/init.js';
import type { Backend, BackendInfo, InitOptions } from './runtime/backend.js';
import type { BuildName } from './runtime/abi.js';

export * from './core.js';

const WASM: Embedded = { entry: 'simdnn/slim' };

/**
 * Initialises the default backend from the build given as `module`, `bytes` or `url`
 * (this entry embeds none). Safe to call more than once: without
 * options a running backend is kept; with options a new one replaces it
 * (tensors made before keep working on the backend that made them). Rejects
 * with an InitError naming the fix where the runtime forbids compiling wasm.
 */
export function init(opts?: InitOptions): Promise<BackendInfo> {
  return initFrom(WASM, opts);
}

/**
 * Synchronous init(), for Node and workers. Browsers refuse to compile modules
 * larger than 4 KiB synchronously on the main thread: use init() there, or pass
 * a precompiled `module`.
 */
export function initSync(opts?: InitOptions): BackendInfo {
  return initSyncFrom(WASM, opts);
}

/** Instantiates a new, independent backend (its own memory and allocator); options as init(). */
export function createBackend(opts?: InitOptions): Promise<Backend> {
  return createBackendFrom(WASM, opts);
}

/** Synchronous createBackend (see initSync for where it works). */
export function createBackendSync(opts?: InitOptions): Backend {
  return createBackendSyncFrom(WASM, opts);
}

/** True when this engine can run the given build (validated, or probed when this entry does not embed it). */
export function engineSupports(build: BuildName): boolean {
  return supports(WASM, build);
}
