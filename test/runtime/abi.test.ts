import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../../src/index.js';
import { KERNEL_SIGNATURES } from '../../src/runtime/abi.js';
import { BUILDS, backendFor } from '../helpers.js';

// KERNEL_SIGNATURES is the TypeScript side's only statement of the ABI: these
// tests hold it to every build's exports (names and arities, both ways) and to
// the parameter lists written in assembly/.

const ASSEMBLY = fileURLToPath(new URL('../../assembly/', import.meta.url));
const debugModule = () => new WebAssembly.Module(readFileSync(new URL('../../build/simdnn-debug.wasm', import.meta.url)));

/** name -> arity of every exported function of an instance. */
function exportedFunctions(be: Backend): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(be.abi as unknown as Record<string, unknown>)) {
    if (typeof value === 'function') out.set(name, value.length);
  }
  return out;
}

/** Every `export function name(params): result` in the AssemblyScript sources. */
function sourceSignatures(): Map<string, { params: string[]; result: 'void' | 'number' }> {
  const out = new Map<string, { params: string[]; result: 'void' | 'number' }>();
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
  for (const file of walk(ASSEMBLY)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^export function (\w+)\(([^)]*)\):\s*(\w+)/gm)) {
      const params = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':')[0].trim());
      out.set(m[1], { params, result: m[3] === 'void' ? 'void' : 'number' });
    }
  }
  return out;
}

const table = new Map(Object.entries(KERNEL_SIGNATURES).map(([name, s]) => [name, s.params.length]));
const builds: [string, () => Promise<Backend>][] = [
  ...BUILDS.map((b): [string, () => Promise<Backend>] => [b, () => backendFor(b)]),
  ['debug', () => createBackend({ module: debugModule() })],
  ['simd-threads', () => createBackend({ build: 'simd', threads: 2 })],
];

describe('the kernel ABI table', () => {
  for (const [name, load] of builds) {
    it(`${name} build: exports exactly the functions of KERNEL_SIGNATURES, each with the table's arity`, async () => {
      const exported = exportedFunctions(await load());
      expect([...exported.keys()].filter((f) => !table.has(f)), 'exported but not in the table').toEqual([]);
      expect([...table.keys()].filter((f) => !exported.has(f)), 'in the table but not exported').toEqual([]);
      for (const [f, arity] of table) expect(exported.get(f), f).toBe(arity);
    });
  }

  it('names every parameter as the AssemblyScript source does, in the same order, with the same kind of result', () => {
    const source = sourceSignatures();
    for (const [f, s] of Object.entries(KERNEL_SIGNATURES)) {
      expect(source.get(f), f).toEqual({ params: [...s.params], result: s.result });
    }
  });
});
