// Autoencoders on the MNIST digits, drawn: a denoising autoencoder's clean,
// corrupted (30% masking noise) and reconstructed digits, and the 2-D codes
// of a 784-128-2 autoencoder coloured by digit class. The README's pictures
// come from this script (docs/autoencoder/).
//
// Run from the repository after `npm run build`:
//   node examples/autoencoder-mnist.mjs [output directory]      (default: examples/out)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { init, autoencoder, imagesToPng, loadMnist } from '../dist/node.js';

const out = process.argv[2] ?? new URL('./out', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await init({ seed: 1 });
const save = (name, rgbaOrPng) => {
  const file = PNG.sync.write(rgbaOrPng instanceof PNG ? rgbaOrPng : PNG.sync.read(Buffer.from(rgbaOrPng)), { deflateLevel: 9 });
  writeFileSync(join(out, name), file);
  console.log(`wrote ${join(out, name)} (${file.length.toLocaleString('en-US')} bytes)`);
};
const D = 784;
const { train, test } = loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });

// Denoising: trained on digits with 30% of their pixels zeroed, asked to give the clean digit back.
const dae = autoencoder({ inputDim: D, units: [256, 64], noise: { type: 'mask', rate: 0.3 }, loss: 'binaryCrossentropy', seed: 4 });
await dae.fit(train.x, { epochs: 20, batchSize: 64 });
let s = 12345;
const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
const n = 12;
const clean = test.x.subarray(0, n * D);
const corrupted = clean.map((v) => (rand() < 0.3 ? 0 : v));
const rec = dae.reconstruct(corrupted);
const repaired = rec.toFloat32Array();
rec.dispose();
const mse = (a, b) => a.reduce((t, v, i) => t + (v - b[i]) ** 2, 0) / a.length;
console.log(`denoising: MSE(x̃, x) ${mse(corrupted, clean).toFixed(4)}, MSE(reconstruct(x̃), x) ${mse(repaired, clean).toFixed(4)}`);
const tiles = new Float32Array(3 * n * D);
tiles.set(clean, 0);
tiles.set(corrupted, n * D);
tiles.set(repaired, 2 * n * D);
save('denoising.png', imagesToPng(tiles, { width: 28, height: 28, cols: n, scale: 2, padding: 2, background: 128 }));
dae.dispose();

// A 2-D code: 784-128-2, each held-out digit drawn at its code, coloured by class.
const ae2 = autoencoder({ inputDim: D, units: [128, 2], codeActivation: 'linear', seed: 2 });
await ae2.fit(train.x, { epochs: 25, batchSize: 64 });
const codes = ae2.encode(test.x);
const z = codes.toFloat32Array();
codes.dispose();
ae2.dispose();
const W = 480;
const png = new PNG({ width: W, height: W });
png.data.fill(255);
let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
for (let i = 0; i < test.n; i++) {
  x0 = Math.min(x0, z[2 * i]); x1 = Math.max(x1, z[2 * i]);
  y0 = Math.min(y0, z[2 * i + 1]); y1 = Math.max(y1, z[2 * i + 1]);
}
// Ten distinguishable colours (Tableau 10).
const COLORS = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
for (let i = 0; i < test.n; i++) {
  const px = Math.round(8 + ((z[2 * i] - x0) / (x1 - x0 || 1)) * (W - 16));
  const py = Math.round(8 + ((y1 - z[2 * i + 1]) / (y1 - y0 || 1)) * (W - 16));
  const c = COLORS[test.y[i]];
  for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
    if (dx * dx + dy * dy > 5) continue;
    const o = ((py + dy) * W + (px + dx)) * 4;
    if (o < 0 || o >= png.data.length) continue;
    png.data[o] = c[0]; png.data[o + 1] = c[1]; png.data[o + 2] = c[2]; png.data[o + 3] = 255;
  }
}
// A legend: one swatch per digit class, 0 to 9 from the left.
for (let k = 0; k < 10; k++) for (let dy = 0; dy < 10; dy++) for (let dx = 0; dx < 30; dx++) {
  const o = ((W - 14 + dy - 4) * W + (10 + k * 40 + dx)) * 4;
  png.data.set([...COLORS[k], 255], o);
}
save('codes-2d.png', png);
