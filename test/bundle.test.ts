import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The published bundles are minified: error classes must keep their names
// (users and tests match on them), and CJS and ESM must behave alike.
const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url));

describe('the built bundles', () => {
  it('ESM and CJS throw errors whose names survive minification', () => {
    const esm = `import * as s from ${JSON.stringify(dist('index.js'))}; await s.init();
      try { s.tensor([1, 2], [3]); } catch (e) { console.log(e.name, e instanceof s.ShapeError, e instanceof s.SimdnnError); }`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', esm], { encoding: 'utf8' }).trim()).toBe('ShapeError true true');
    const cjs = `const s = require(${JSON.stringify(dist('node.cjs'))}); s.initSync();
      try { s.layers.dense({ units: 0 }); } catch (e) { console.log(e.name, e instanceof s.ValueError); }`;
    expect(execFileSync(process.execPath, ['-e', cjs], { encoding: 'utf8' }).trim()).toBe('ValueError true');
  });
});
