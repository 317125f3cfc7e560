import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../../src/index.js';
import { KERNEL_SIGNATURES, type KernelExports } from '../../src/runtime/abi.js';
import { LEGACY_SIGNATURES, legacyKernels } from '../../src/runtime/legacy-abi.js';
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

  it('Backend.kernels hands each argument of the earlier order to the parameter of the same name; other kernels are the exports themselves', () => {
    // Fake exports that record what each parameter received.
    const received = new Map<string, Record<string, number>>();
    const fake = Object.fromEntries(Object.entries(KERNEL_SIGNATURES).map(([f, s]) => [f, (...args: number[]) => {
      received.set(f, Object.fromEntries(s.params.map((p, i) => [p, args[i]])));
      return 0;
    }])) as unknown as KernelExports;
    const legacy = legacyKernels(fake) as unknown as Record<string, (...args: number[]) => unknown>;
    for (const [f, s] of Object.entries(LEGACY_SIGNATURES)) {
      expect([...s.params].sort(), `${f}: the same parameters`).toEqual([...KERNEL_SIGNATURES[f as keyof typeof KERNEL_SIGNATURES].params].sort());
      expect(s.params, `${f}: a different order`).not.toEqual(KERNEL_SIGNATURES[f as keyof typeof KERNEL_SIGNATURES].params);
      expect(legacy[f].length, f).toBe(s.params.length);
      legacy[f](...s.params.map((_, i) => 100 + i));
      expect(received.get(f), f).toEqual(Object.fromEntries(s.params.map((p, i) => [p, 100 + i])));
    }
    for (const f of Object.keys(KERNEL_SIGNATURES)) {
      if (!(f in LEGACY_SIGNATURES)) expect(legacy[f], f).toBe((fake as unknown as Record<string, unknown>)[f]);
    }
  });
});
