/**
 * `npm ci` installs on any platform only if the lock file lists every
 * platform's optional binary (rollup, rolldown, esbuild, lightningcss, the
 * runtimes' packages): npm checks the lock against package.json and then
 * installs what matches the machine; a lock written on one platform with only
 * that platform's binary fails there on every other. Checked for the project's
 * lock and for runtimes/ (the pinned runtimes).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const read = (rel: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../${rel}`, import.meta.url)), 'utf8'));

/** The lock entry that `name`, required from the package at `from`, resolves to (node_modules lookup upwards). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let at = from;
  for (;;) {
    const key = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!at) return undefined;
    const i = at.lastIndexOf('/node_modules/');
    at = i < 0 ? '' : at.slice(0, i);
  }
}

describe.each(['package', 'runtimes/package'])('%s-lock.json', (base) => {
  const pkg = read(`${base}.json`);
  const lock = read(`${base}-lock.json`) as { lockfileVersion: number; packages: Record<string, LockEntry> };

  it('matches package.json', () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages[''].dependencies ?? {}).toEqual(pkg.dependencies ?? {});
    expect(lock.packages[''].devDependencies ?? {}).toEqual(pkg.devDependencies ?? {});
  });

  it('lists every optional (platform) dependency of every package, so npm ci passes on any platform', () => {
    const missing: string[] = [];
    let optional = 0;
    for (const [key, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        optional++;
        if (!resolveIn(lock.packages, key, name)) missing.push(`${key || '(root)'} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(optional).toBeGreaterThan(10);
  });
});
