import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, existsSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

// Every ```js block of the README is a runnable example: each runs as an ES
// module against the built bundle (npm test builds it first).
const root = resolve(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README examples', () => {
  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true);
  });
  // Inside node_modules/.cache, so an example can import the devDependencies it shows working with simdnn (TensorFlow.js, onnxruntime).
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'simdnn-readme-'));
  // The package as a dependency of the examples' directory: 'simdnn/slim', 'simdnn/simdnn.wasm' and the
  // rest resolve through its "exports" to dist/, as in a user's project.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'simdnn'), 'dir');
  blocks.forEach((code, i) => {
    const first = code.split('\n').find((l) => l.startsWith('import')) ?? '';
    it(`example ${i + 1} runs (${first.slice(0, 60)})`, () => {
      const src = code
        .replace(/from 'simdnn\/node'/g, `from '${join(root, 'dist/node.js')}'`)
        .replace(/from 'simdnn'/g, `from '${join(root, 'dist/index.js')}'`);
      const file = join(dir, `example-${i + 1}.mjs`);
      writeFileSync(file, src);
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      expect(typeof out).toBe('string');
    });
  });
});
