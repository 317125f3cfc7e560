// CommonJS declarations: a copy of every dist/types/**/*.d.ts as .d.cts with its
// relative imports pointing at .cjs, so TypeScript's node16/nodenext resolution
// types `require('simdnn')` as CommonJS instead of as ESM "masquerading" as CJS.
// Also writes the declarations of the .wasm subpaths.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const types = join(dist, 'types');

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.d.ts')) {
      const src = readFileSync(path, 'utf8').replace(/(['"])(\.\.?\/[^'"]*?)\.js\1/g, '$1$2.cjs$1');
      writeFileSync(path.slice(0, -'.d.ts'.length) + '.d.cts', src);
    }
  }
}
walk(types);

// `import wasm from 'simdnn/simdnn.wasm'`: what Cloudflare Workers, Vercel Edge and
// esbuild's or webpack's wasm-as-module loaders give, a compiled module for init({ module }).
const wasmDoc = '/** A simdnn kernel build, compiled by the platform\'s loader: pass it to `init({ module })`. */\n';
writeFileSync(join(types, 'wasm.d.ts'), `${wasmDoc}declare const module: WebAssembly.Module;\nexport default module;\n`);
writeFileSync(join(types, 'wasm.d.cts'), `${wasmDoc}declare const module: WebAssembly.Module;\nexport = module;\n`);
