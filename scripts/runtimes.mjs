#!/usr/bin/env node
// Installs the pinned runtimes of runtimes/package.json (Node 22, Deno, Bun,
// workerd, edge-runtime, TypeScript 5.0)
// into runtimes/node_modules with `npm ci`, unless every one is already there
// at its pinned version. `npm test` runs this before the tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'runtimes');
const { dependencies } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));

function installed(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

const stale = Object.entries(dependencies).filter(([name, version]) => installed(name) !== version);
if (stale.length === 0) process.exit(0);
console.error(`installing test runtimes into runtimes/: ${stale.map(([n, v]) => `${n}@${v}`).join(', ')}`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
process.exit(r.status ?? 1);
