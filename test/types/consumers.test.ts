/**
 * The shipped declarations, as a user gets them: `npm pack` makes the tarball,
 * it is unpacked into the node_modules of small consumer projects, and tsc
 * checks each with `skipLibCheck: false` and strict mode. ESM and CommonJS
 * projects with node16 and nodenext resolution, a bundler project, a node10
 * (classic `moduleResolution: node`) project, and the same under TypeScript 5.0
 * (the lowest 5.x: no generic typed arrays, so `Uint8Array<ArrayBuffer>` in a
 * declaration would fail there; pinned in runtimes/package.json, where its `tsc`
 * does not shadow the project's). The ESM projects also compile the README's
 * quick start.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = { '5.9': join(ROOT, 'node_modules/typescript/bin/tsc'), '5.0': join(ROOT, 'runtimes/node_modules/typescript/bin/tsc') };

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const quickStart = /## Quick start\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const workerRecipe = /Cloudflare Workers \(wrangler[^\n]*\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

/** Uses every entry point and the .wasm subpaths; written for ESM projects. */
const ESM_USE = `import { init, tensor, matmul, sequential, layers, InitError, type BackendInfo, type InitOptions } from 'simdnn';
import * as node from 'simdnn/node';
import * as simd from 'simdnn/simd';
import * as slim from 'simdnn/slim';
import wasm from 'simdnn/simdnn.wasm';
import scalar from 'simdnn/simdnn-scalar.wasm';

export async function main(bytes: Uint8Array): Promise<number> {
  const opts: InitOptions = { module: wasm, deterministic: true };
  const info: BackendInfo = await init(opts);
  await slim.init({ bytes });
  await slim.init({ url: new URL('https://example.com/simdnn.wasm') });
  await simd.init({ module: scalar });
  const m: WebAssembly.Module = wasm;
  node.loadIris();
  const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [2] })] });
  const e: unknown = new InitError('x');
  return matmul(tensor([[1]]), tensor([[2]])).toFloat32Array()[0] + (info.simd ? 1 : 0) + (m ? 0 : 1) + model.countParams() + (e ? 0 : 1);
}
`;

/** The same from CommonJS (imports compile to require). */
const CJS_USE = `import { initSync, tensor, matmul, type BackendInfo } from 'simdnn';
import * as node from 'simdnn/node';
import * as simd from 'simdnn/simd';
import * as slim from 'simdnn/slim';
import wasm = require('simdnn/simdnn.wasm');

export function main(bytes: Uint8Array): number {
  const info: BackendInfo = initSync({ deterministic: true });
  slim.initSync({ bytes });
  simd.initSync({ module: wasm });
  node.loadIris();
  return matmul(tensor([[1]]), tensor([[2]])).toFloat32Array()[0] + (info.simd ? 1 : 0);
}
`;

interface Project {
  name: string;
  type: 'module' | 'commonjs';
  compilerOptions: Record<string, unknown>;
  files: Record<string, string>;
}

const strict = { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [] as string[] };

const PROJECTS: Project[] = [
  { name: 'esm-node16', type: 'module', compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16' }, files: { 'index.ts': ESM_USE, 'quick-start.ts': quickStart } },
  { name: 'esm-nodenext', type: 'module', compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' }, files: { 'index.ts': ESM_USE, 'quick-start.ts': quickStart } },
  { name: 'esm-bundler', type: 'module', compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' }, files: { 'index.ts': ESM_USE, 'quick-start.ts': quickStart } },
  // The README's Cloudflare worker recipe.
  { name: 'esm-worker', type: 'module', compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' }, files: { 'worker.ts': workerRecipe } },
  { name: 'cjs-node16', type: 'commonjs', compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16' }, files: { 'index.ts': CJS_USE } },
  { name: 'cjs-nodenext', type: 'commonjs', compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' }, files: { 'index.ts': CJS_USE } },
  // Classic resolution ignores "exports": the root comes from "types", the subpaths from "typesVersions".
  { name: 'cjs-node10', type: 'commonjs', compilerOptions: { ...strict, module: 'commonjs', moduleResolution: 'node' }, files: { 'index.ts': CJS_USE } },
];

let dir = '';
let tarball = '';

function tsc(version: keyof typeof TSC, project: string): Promise<string> {
  return new Promise((ok) => {
    execFile(process.execPath, [TSC[version], '-p', project], { timeout: 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      ok(err ? `${stdout}${stderr}`.trim() || err.message : '');
    });
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simdnn-types-'));
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0].filename);
  const pkg = join(dir, 'package');
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  for (const v of Object.keys(TSC) as (keyof typeof TSC)[]) {
    for (const p of PROJECTS) {
      const at = join(dir, v, p.name);
      mkdirSync(join(at, 'node_modules'), { recursive: true });
      symlinkSync(pkg, join(at, 'node_modules', 'simdnn'), 'dir');
      writeFileSync(join(at, 'package.json'), JSON.stringify({ name: p.name, private: true, type: p.type }));
      writeFileSync(join(at, 'tsconfig.json'), JSON.stringify({ compilerOptions: p.compilerOptions, include: ['*.ts'] }, null, 2));
      for (const [f, src] of Object.entries(p.files)) writeFileSync(join(at, f), src);
    }
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('types: consumer projects against the packed tarball (skipLibCheck false, strict)', () => {
  it('the README has a quick start and a worker recipe to compile', () => {
    expect(quickStart).toMatch(/await init\(\)/);
    expect(workerRecipe).toMatch(/init\(\{ module: wasm \}\)/);
  });

  it('the tarball ships declarations for every entry, CommonJS ones too, and the .wasm subpaths', () => {
    const files = readdirSync(join(dir, 'package/dist/types'));
    for (const entry of ['index', 'node', 'simd', 'slim', 'wasm']) {
      expect(files).toContain(`${entry}.d.ts`);
      expect(files).toContain(`${entry}.d.cts`);
    }
    // TypeScript before 5.7 has no generic typed arrays.
    const offending = (readdirSync(join(dir, 'package/dist/types'), { recursive: true }) as string[])
      .filter((f) => /\.d\.c?ts$/.test(f) && /(Array|View)<(Shared)?Array/.test(readFileSync(join(dir, 'package/dist/types', f), 'utf8')));
    expect(offending).toEqual([]);
  });

  // TypeScript 5.0 on one project per module kind (each tsc run costs seconds).
  const names = { '5.9': PROJECTS.map((p) => p.name), '5.0': ['esm-node16', 'esm-bundler', 'cjs-node16'] };
  describe.each(Object.keys(TSC) as (keyof typeof TSC)[])('TypeScript %s', (v) => {
    it.each(names[v])('%s compiles', async (name) => {
      const errors = await tsc(v, join(dir, v, name));
      expect(errors, errors).toBe('');
    }, 120_000);
  });

  it('can fail: a consumer that misuses the API gets errors', async () => {
    const at = join(dir, '5.9', 'esm-node16');
    writeFileSync(join(at, 'wrong.ts'), "import { init } from 'simdnn';\nawait init({ build: 'avx512' });\nconst x: string = (await import('simdnn/node')).loadIris;\n");
    const errors = await tsc('5.9', at);
    rmSync(join(at, 'wrong.ts'));
    expect(errors).toMatch(/wrong\.ts\(2,.*TS2322/);
    expect(errors).toMatch(/wrong\.ts\(3,.*TS2322/);
  }, 120_000);
});
