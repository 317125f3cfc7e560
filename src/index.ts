/**
 * simdnn: neural networks on WebAssembly SIMD128 for every JavaScript runtime.
 *
 * Start with `await init()`; then create tensors and run ops. See README.md.
 * @packageDocumentation
 */
export { init, initSync, createBackend, createBackendSync, getBackend, backendInfo, memoryStats, setSeed, engineSupports } from './runtime/init.js';
export { Backend, type BackendInfo, type InitOptions } from './runtime/backend.js';
export type { MemoryStats } from './runtime/allocator.js';
export { ACT, type ActivationName, type BuildName, type KernelExports } from './runtime/abi.js';
export {
  SimdnnError, ShapeError, ValueError, OutOfMemoryError, DisposedError, InitError,
} from './errors.js';
export {
  Tensor, tensor, empty, zeros, ones, fill, tidy, keep, sizeOf,
  type DType, type NestedArray, type TensorLike,
} from './tensor.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export {
  activation, relu, sigmoid, tanh, leakyRelu, elu, gelu, step, sign, softmax, exp, log,
  add, sub, mul, clipByValue, transpose, sum, argMax,
} from './ops/elementwise.js';
export { randomUniform, randomNormal, randomBernoulli } from './ops/random.js';
