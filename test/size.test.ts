/**
 * Size budget of the shipped files: what each entry point loads (the entry and
 * every chunk it imports, transitively) and which wasm builds it embeds as
 * base64. `simdnn` embeds three, `simdnn/simd` one, `simdnn/slim` none; the
 * embedded part of an entry costs no more than its builds' base64. The
 * shared-memory builds of init({ threads }) are a chunk of their own, loaded
 * only when threads are asked for, and not counted. The figures
 * are printed; README.md quotes them. Reads dist/ (npm test builds it).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const WASM_B64 = /AGFzbQEAAAA/g; // "\0asm" version 1, base64

/** The entry and every relative import of it, transitively. */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/(?:\bfrom|\bimport|\brequire\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    // The shared-memory builds load only on init({ threads }) (a dynamic import, which CJS writes as a require).
    if (!/wasm-threads/.test(m[1])) closure(join(dirname(file), m[1]), seen);
  }
  return seen;
}

interface Measure {
  files: string[];
  raw: number;
  gzip: number;
  builds: number;
}

function measure(entry: string): Measure {
  const files = [...closure(join(DIST, entry))];
  const all = Buffer.concat(files.map((f) => readFileSync(f)));
  return { files: files.map((f) => relative(DIST, f)), raw: all.length, gzip: gzipSync(all, { level: 9 }).length, builds: (all.toString('latin1').match(WASM_B64) ?? []).length };
}

const b64 = (file: string) => Math.ceil(statSync(join(DIST, file)).size / 3) * 4;
const KB = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

describe('size budget of each entry point', () => {
  const formats = [['esm', 'js'], ['cjs', 'cjs']] as const;
  describe.each(formats)('%s', (_, ext) => {
    const slim = measure(`slim.${ext}`);
    const simd = measure(`simd.${ext}`);
    const full = measure(`index.${ext}`);

    it('simdnn/slim embeds no wasm and fits its budget', () => {
      console.log(`slim.${ext}: ${KB(slim.raw)}, ${KB(slim.gzip)} gzipped (${slim.files.join(', ')}); + simdnn.wasm ${KB(statSync(join(DIST, 'simdnn.wasm')).size)}`);
      expect(slim.builds).toBe(0);
      // 428 KiB / 129 KiB measured with the TensorFlow.js and ONNX file bridge, the TensorFlow.js-shaped
      // ops and the brain.js NeuralNetwork in the library (bundlers drop what an app does not import).
      expect(slim.raw).toBeLessThan(460_000);
      expect(slim.gzip).toBeLessThan(140_000);
    });

    it('simdnn/simd embeds the SIMD128 build and nothing else beyond slim', () => {
      console.log(`simd.${ext}: ${KB(simd.raw)}, ${KB(simd.gzip)} gzipped`);
      expect(simd.builds).toBe(1);
      expect(simd.raw - slim.raw).toBeGreaterThanOrEqual(b64('simdnn.wasm'));
      expect(simd.raw - slim.raw).toBeLessThan(b64('simdnn.wasm') + 2048);
    });

    it('simdnn embeds all three builds and nothing else beyond slim', () => {
      console.log(`index.${ext}: ${KB(full.raw)}, ${KB(full.gzip)} gzipped`);
      expect(full.builds).toBe(3);
      const embedded = b64('simdnn.wasm') + b64('simdnn-relaxed.wasm') + b64('simdnn-scalar.wasm');
      expect(full.raw - slim.raw).toBeGreaterThanOrEqual(embedded);
      expect(full.raw - slim.raw).toBeLessThan(embedded + 4096);
    });
  });

  it('the SIMD wasm stays below 64 KiB', () => {
    expect(statSync(join(DIST, 'simdnn.wasm')).size).toBeLessThan(65_536);
  });
});
