import typescript from '@rollup/plugin-typescript';

// One ESM and one CJS bundle with the wasm builds embedded as base64 strings
// (src/runtime/generated/wasm.ts); declarations come from tsc separately.
export default {
  input: 'src/index.ts',
  output: [
    { file: 'dist/index.js', format: 'es', sourcemap: true },
    { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
  ],
  plugins: [typescript({ tsconfig: './tsconfig.json', declaration: false, declarationDir: undefined, outDir: undefined, noEmit: false })],
};
