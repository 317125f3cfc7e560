import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  init, initSync, createBackend, getBackend, backendInfo, tensor, matmul, engineSupports,
  InitError, ValueError, DisposedError, OutOfMemoryError, memoryStats,
} from '../../src/index.js';

describe('init and backends', () => {
  it('refuses to work before init() with an InitError that says what to do', () => {
    expect(() => getBackend()).toThrow(InitError);
    expect(() => tensor([1])).toThrow(/call `await init\(\)`/);
  });

  it('init() picks the best build the engine validates and reports it', async () => {
    const info = await init();
    expect(info.simd).toBe(true);
    // Node 20 needs --experimental-wasm-relaxed-simd (set in vitest.config.ts); Node 22+ has it on.
    expect(info.relaxedSimd).toBe(true);
    expect(info.build).toBe('relaxed');
    expect(info.deterministic).toBe(false);
    expect(backendInfo()).toEqual(await init()); // a second call keeps the backend
  });

  it('deterministic mode never uses the FMA build', async () => {
    const info = await init({ deterministic: true });
    expect(info.build).toBe('simd');
    expect(info.deterministic).toBe(true);
    await expect(init({ build: 'relaxed', deterministic: true })).rejects.toThrow(/cannot be deterministic/);
  });

  it('rejects unknown options with a ValueError naming them', async () => {
    await expect(createBackend({ build: 'avx512' as never })).rejects.toThrow(ValueError);
    await expect(createBackend({ build: 'avx512' as never })).rejects.toThrow(/"avx512"/);
    await expect(createBackend({ maxMemoryBytes: -5 })).rejects.toThrow(/maxMemoryBytes .* got -5/);
    await expect(createBackend({ module: 'nope' as never })).rejects.toThrow(/module must be a WebAssembly.Module/);
    await expect(createBackend({ seed: NaN })).rejects.toThrow(/seed: must be a finite number, got NaN/);
  });

  it('init({ module }) runs a precompiled module (edge runtimes import the .wasm file)', async () => {
    for (const [file, build] of [['simdnn.wasm', 'simd'], ['simdnn-scalar.wasm', 'scalar']] as const) {
      const module = new WebAssembly.Module(readFileSync(new URL(`../../dist/${file}`, import.meta.url)));
      const be = await createBackend({ module });
      expect(be.info().build).toBe(build);
      const a = tensor([[1, 2], [3, 4]], undefined, 'float32', be);
      expect(matmul(a, a).array()).toEqual([[7, 10], [15, 22]]);
    }
  });

  it('initSync works in Node and gives the same answers', () => {
    const info = initSync({ build: 'scalar' });
    expect(info.build).toBe('scalar');
    expect(matmul([[1, 2]], [[3], [4]]).array()).toEqual([[11]]);
    expect(engineSupports('scalar')).toBe(true);
  });

  it('an OutOfMemoryError leaves the backend usable and memory accounted', async () => {
    const be = await createBackend({ build: 'simd', maxMemoryBytes: 4 * 65536, seed: 1 });
    const a = tensor(new Float32Array(1000), [1000], 'float32', be);
    const stats = be.memoryStats();
    expect(() => tensor(new Float32Array(1_000_000), [1_000_000], 'float32', be)).toThrow(OutOfMemoryError);
    expect(() => matmul(tensor(new Float32Array(300 * 300), [300, 300], 'float32', be), a.reshape([1000, 1]))).toThrow();
    expect(be.memoryStats().liveBytes).toBe(stats.liveBytes);
    const b = tensor([[2]], undefined, 'float32', be);
    expect(matmul(b, b).array()).toEqual([[4]]);
  });

  it('a disposed backend refuses further work with DisposedError', async () => {
    const be = await createBackend({ build: 'scalar' });
    const t = tensor([1, 2], undefined, 'float32', be);
    be.dispose();
    expect(() => t.toFloat32Array()).toThrow(DisposedError);
    expect(() => be.alloc(16)).toThrow(DisposedError);
    expect(memoryStats().liveBytes).toBeGreaterThanOrEqual(0);
  });
});
