import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createBackend, tensor, matmul, sequential, layers, KernelAssertionError } from '../../src/index.js';
import { randArray } from '../helpers.js';

// The debug build (asc --target debug, asserts on, unoptimised) runs the same
// kernels as the release SIMD build; npm test builds it with the others.
const debugModule = () => new WebAssembly.Module(readFileSync(new URL('../../build/simdnn-debug.wasm', import.meta.url)));

describe('debug build', () => {
  it('gives bit-identical results to the release SIMD build', async () => {
    const dbg = await createBackend({ module: debugModule() });
    const rel = await createBackend({ build: 'simd' });
    const a = randArray(37 * 53, 1);
    const b = randArray(53 * 29, 2);
    const run = (be: typeof dbg) => matmul(tensor(a, [37, 53], 'float32', be), tensor(b, [53, 29], 'float32', be), { bias: randArray(29, 3), activation: 'tanh' }).toFloat32Array();
    const x = run(dbg);
    const y = run(rel);
    expect(new Uint32Array(x.buffer)).toEqual(new Uint32Array(y.buffer));
  });

  it('trains and runs a CNN with every kernel precondition checked, with the release build\'s bits', async () => {
    const run = async (be: Awaited<ReturnType<typeof createBackend>>) => {
      const model = sequential({
        seed: 3,
        backend: be,
        layers: [
          layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [9, 8, 3] }),
          layers.maxPooling2d({ poolSize: 2 }),
          layers.conv2d({ filters: 6, kernelSize: 2, strides: 2, padding: 'same', activation: 'elu' }),
          layers.conv2d({ filters: 5, kernelSize: 1, activation: 'relu' }),
          layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
          layers.flatten(),
          layers.dense({ units: 3, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const x = randArray(6 * 9 * 8 * 3, 4);
      const y = Int32Array.from({ length: 6 }, (_, i) => i % 3);
      for (let i = 0; i < 3; i++) model.trainOnBatch(x, y);
      const out = [...model.getWeightsFlat(), ...model.predict(x).toFloat32Array()];
      model.dispose();
      return new Uint32Array(Float32Array.from(out).buffer);
    };
    expect(await run(await createBackend({ module: debugModule() }))).toEqual(await run(await createBackend({ build: 'simd' })));
  });

  it('checks kernel preconditions and reports them as KernelAssertionError with the message', async () => {
    const be = await createBackend({ module: debugModule() });
    const a = be.alloc(64);
    const c = be.alloc(64);
    const work = be.gemmWorkspace(4, 4, 4);
    // lda = 2 is shorter than a row of 4.
    expect(() => be.abi.f32_gemm(0, 0, 0, 4, 4, 4, a, 2, a, 4, 0, c, 4, 1, 0, 0, work)).toThrow(KernelAssertionError);
    expect(() => be.abi.f32_gemm(0, 0, 0, 4, 4, 4, a, 2, a, 4, 0, c, 4, 1, 0, 0, work)).toThrow(/f32_gemm: leading dimension smaller than the row length \(assembly\/gemm\/gemm\.ts:\d+:\d+\)/);
    expect(() => be.abi.f32_gemm(0, 0, 0, 4, 4, 4, a, 4, a, 4, 0, c, 4, 1, 0, 0, work + 4)).toThrow(/workspace not 16-byte aligned/);
    // The instance is still usable after a failed assertion.
    be.abi.f32_gemm(0, 0, 0, 4, 4, 4, a, 4, a, 4, 0, c, 4, 1, 0, 0, work);
  });
});
