import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Node 20 validates the relaxed-SIMD build only behind this flag; with it the
    // relaxed kernels are tested alongside the SIMD128 and scalar ones.
    execArgv: ['--experimental-wasm-relaxed-simd'],
    testTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
