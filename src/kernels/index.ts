// The typed kernel wrappers, one module per family: what layers (the library's
// and users' own) call to compute on wasm memory. Every function takes the
// backend and one options object of named sizes, byte offsets and scalars.
export * from './gemm.js';
export * from './conv.js';
export * from './pool.js';
export * from './activation.js';
export * from './elementwise.js';
export * from './loss.js';
export * from './optim.js';
export * from './random.js';
export * from './recurrent.js';
export { scratchLayout } from './scratch.js';
export type { WindowGeometry, ConvWindow } from './geometry.js';
