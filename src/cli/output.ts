/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { backendInfo } from '../node.js';

/** Where a command writes: results line by line (stdout), progress to a terminal stream (stderr). */
export interface Output {
  log(line: string): void;
  progress: NodeJS.WriteStream;
}

/** The package version, read from the package.json one level above the bundle (dist/cli.js -> package.json). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** The first line of every command's report: version, kernel build, and what the command works on. */
export function banner(subject: string): string {
  const info = backendInfo();
  const threads = info.threads > 1 ? ` · ${info.threads} threads` : '';
  return `simdnn ${packageVersion()} · wasm ${info.build}${info.build === 'relaxed' ? ' (FMA)' : ''}${threads} · ${subject}`;
}
