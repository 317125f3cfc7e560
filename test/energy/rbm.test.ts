import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import {
  init, memoryStats, getBackend, callbacks, RBM, filtersToPng, imagesToPng, tensor,
  ModelFormatError, ShapeError, ValueError,
} from '../../src/index.js';
import { loadMnist } from '../../src/node.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

// ---- float64 references, independent of the code under test ----

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Bernoulli-Bernoulli energy E(v, h) = −b·v − c·h − vᵀ W h (W is V x H row-major). */
function refEnergy(w: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>, v: ArrayLike<number>, h: ArrayLike<number>): number {
  const V = v.length;
  const H = h.length;
  let e = 0;
  for (let i = 0; i < V; i++) e -= b[i] * v[i];
  for (let j = 0; j < H; j++) e -= c[j] * h[j];
  for (let i = 0; i < V; i++) for (let j = 0; j < H; j++) e -= v[i] * w[i * H + j] * h[j];
  return e;
}

/** F(v) = −log Σ_h exp(−E(v, h)) by enumerating every hidden state. */
function refFreeEnergy(w: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>, v: ArrayLike<number>): number {
  const H = c.length;
  let z = 0;
  for (let k = 0; k < 2 ** H; k++) {
    const h = Array.from({ length: H }, (_, j) => (k >> j) & 1);
    z += Math.exp(-refEnergy(w, b, c, v, h));
  }
  return -Math.log(z);
}

/** Exact mean log-likelihood of binary rows under a small RBM (enumerating 2^V visible states). */
function refLogLikelihood(rbm: RBM, rows: number[][]): number {
  const { weights, visibleBias, hiddenBias } = rbm.getWeights();
  const V = visibleBias.length;
  const f = (v: number[]) => refFreeEnergy(weights, visibleBias, hiddenBias, v);
  const fs: number[] = [];
  for (let k = 0; k < 2 ** V; k++) fs.push(-f(Array.from({ length: V }, (_, i) => (k >> i) & 1)));
  const max = Math.max(...fs);
  const logZ = max + Math.log(fs.reduce((a, x) => a + Math.exp(x - max), 0));
  return rows.reduce((a, v) => a - f(v) - logZ, 0) / rows.length;
}

/** Rows drawn around two binary prototypes with 10% of the bits flipped. */
function twoPrototypes(n: number, seed: number): number[][] {
  const protos = [[1, 1, 1, 0, 0, 0, 1, 0], [0, 0, 1, 1, 1, 1, 0, 1]];
  const r = randArray(n * 9, seed, 0, 1);
  return Array.from({ length: n }, (_, k) => {
    const p = protos[r[k * 9] < 0.5 ? 0 : 1];
    return p.map((bit, i) => (r[k * 9 + 1 + i] < 0.1 ? 1 - bit : bit));
  });
}

/** Reads width, height and the 8-bit gray pixels back out of a PNG written by encodePng. */
function decodePng(png: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let o = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (;;) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      expect([data[8], data[9]]).toEqual([8, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    o += 12 + len;
    if (type === 'IEND') break;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

const meanAbsFromHalf = (p: Float32Array) => p.reduce((a, x) => a + Math.abs(x - 0.5), 0) / p.length;

describe('RBM: conditionals and free energy against float64 references', () => {
  it('transform, reconstruct, decode and freeEnergy match brute force on a 5x4 RBM', () => {
    const rbm = new RBM({ visible: 5, hidden: 4, seed: 1 });
    const w = randArray(20, 3, -1.5, 1.5);
    const b = randArray(5, 4, -1, 1);
    const c = randArray(4, 5, -1, 1);
    rbm.setWeights({ weights: w, visibleBias: b, hiddenBias: c });
    const v = [[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [0.3, 0.9, 0.1, 1, 0.5]];
    const hp = rbm.transform(v);
    const rec = rbm.reconstruct(v);
    const fe = rbm.freeEnergy(v);
    v.forEach((row, r) => {
      for (let j = 0; j < 4; j++) {
        let a = c[j];
        for (let i = 0; i < 5; i++) a += row[i] * w[i * 4 + j];
        expect(hp[r * 4 + j]).toBeCloseTo(sigmoid(a), 5);
      }
      for (let i = 0; i < 5; i++) {
        let a = b[i];
        for (let j = 0; j < 4; j++) a += hp[r * 4 + j] * w[i * 4 + j];
        expect(rec[r * 5 + i]).toBeCloseTo(sigmoid(a), 5);
      }
      // Binary rows: the closed form equals the enumeration over hidden states.
      if (row.every((x) => x === 0 || x === 1)) expect(fe[r]).toBeCloseTo(refFreeEnergy(w, b, c, row), 5);
    });
    const dec = rbm.decode([[1, 0, 0, 1]]);
    for (let i = 0; i < 5; i++) expect(dec[i]).toBeCloseTo(sigmoid(b[i] + w[i * 4] + w[i * 4 + 3]), 5);
    // Tensors are accepted as input too.
    const t = tensor(v[0], [1, 5]);
    expect(rbm.transform(t)).toEqual(hp.subarray(0, 4));
    t.dispose();
    rbm.dispose();
  });

  it('Gaussian visible units: F(v) = Σ (v − b)²/2 − Σ softplus(c + vW), reconstruction is the linear mean', () => {
    const rbm = new RBM({ visible: 3, hidden: 2, visibleType: 'gaussian', seed: 1 });
    const w = [0.5, -1, 0.25, 0.75, -0.5, 1.5];
    rbm.setWeights({ weights: w, visibleBias: [0.1, -0.2, 0.3], hiddenBias: [0.5, -0.5] });
    const v = [1.5, -2, 0.25];
    const pre = [0.5 + 1.5 * 0.5 - 2 * 0.25 + 0.25 * -0.5, -0.5 + 1.5 * -1 - 2 * 0.75 + 0.25 * 1.5];
    const softplus = (x: number) => Math.log1p(Math.exp(x));
    const expected = ((1.5 - 0.1) ** 2 + (-2 + 0.2) ** 2 + (0.25 - 0.3) ** 2) / 2 - softplus(pre[0]) - softplus(pre[1]);
    expect(rbm.freeEnergy([v])[0]).toBeCloseTo(expected, 5);
    const h = pre.map(sigmoid);
    const rec = rbm.reconstruct([v]);
    [0.1, -0.2, 0.3].forEach((bi, i) => expect(rec[i]).toBeCloseTo(bi + h[0] * w[i * 2] + h[1] * w[i * 2 + 1], 5));
    expect(() => rbm.pseudoLikelihood([v])).toThrow(/pseudo-likelihood needs Bernoulli visible units, this RBM has gaussian ones/);
    rbm.dispose();
  });
});

describe('RBM: learning', () => {
  it('CD-1, CD-3 and PCD each raise the exact log-likelihood of a small data set', async () => {
    const data = twoPrototypes(200, 1);
    for (const opts of [{ k: 1 }, { k: 3 }, { persistent: true }]) {
      const rbm = new RBM({ visible: 8, hidden: 4, seed: 2 });
      const ll0 = refLogLikelihood(rbm, data);
      await rbm.fit(data, { epochs: 40, batchSize: 20, learningRate: 0.1, momentum: 0.5, seed: 3, ...opts });
      const ll1 = refLogLikelihood(rbm, data);
      // Start: about −8 log 2 = −5.5 nats; the two-mode data allows about −3.6.
      expect(ll0, JSON.stringify(opts)).toBeLessThan(-5);
      expect(ll1, JSON.stringify(opts)).toBeGreaterThan(-4.2);
      rbm.dispose();
    }
  });

  it('Gaussian-Bernoulli: reconstruction error falls and the hidden units separate two clusters', async () => {
    const n = 400;
    const r = randArray(n * 17, 8, -1, 1);
    const x = new Float32Array(n * 16);
    const cls: number[] = [];
    for (let k = 0; k < n; k++) {
      const c = r[k * 17] < 0 ? 0 : 1;
      cls.push(c);
      for (let i = 0; i < 16; i++) x[k * 16 + i] = (c === 0 ? (i < 8 ? 1 : -1) : i < 8 ? -1 : 1) + 0.3 * r[k * 17 + 1 + i];
    }
    const rbm = new RBM({ visible: 16, hidden: 8, visibleType: 'gaussian', seed: 1 });
    const h = await rbm.fit(x, { epochs: 30, batchSize: 20, momentum: 0.5, seed: 1 });
    const err = h.history.reconstructionError;
    expect(h.history.pseudoLikelihood).toBeUndefined();
    expect(err.at(-1)).toBeLessThan(err[0] * 0.5);
    // The mean hidden code of the two clusters differs clearly.
    const f = rbm.transform(x);
    const mean = [new Float64Array(8), new Float64Array(8)];
    const count = [0, 0];
    cls.forEach((c, k) => {
      count[c]++;
      for (let j = 0; j < 8; j++) mean[c][j] += f[k * 8 + j];
    });
    const gap = Math.max(...Array.from({ length: 8 }, (_, j) => Math.abs(mean[0][j] / count[0] - mean[1][j] / count[1])));
    expect(gap).toBeGreaterThan(0.5);
    // Samples have the data's scale: mean |v| near 1.
    const s = rbm.sample({ chains: 200, steps: 50, seed: 2 });
    const meanAbs = s.visible.reduce((a, v) => a + Math.abs(v), 0) / s.visible.length;
    expect(meanAbs).toBeGreaterThan(0.6);
    expect(meanAbs).toBeLessThan(1.6);
    rbm.dispose();
  });

  it('MNIST: 784-128 CD-1 lowers reconstruction error every epoch; filters and samples are written as PNGs', async () => {
    const { train } = loadMnist({ trainSize: 2000, testSize: 0 });
    const rbm = new RBM({ visible: 784, hidden: 128, seed: 1 });
    const t0 = performance.now();
    const h = await rbm.fit(train.x, { epochs: 6, batchSize: 32, learningRate: 0.1, momentum: 0.5, seed: 1 });
    const ms = performance.now() - t0;
    const err = h.history.reconstructionError;
    for (let e = 1; e < err.length; e++) expect(err[e]).toBeLessThan(err[e - 1]);
    expect(err.at(-1)).toBeLessThan(err[0] * 0.6);
    expect(err.at(-1)).toBeLessThan(0.03);
    // Pseudo-likelihood (a noisy one-bit estimate) improves overall.
    const pl = h.history.pseudoLikelihood;
    expect(pl.at(-1)).toBeGreaterThan(pl[0]);
    expect(rbm.reconstructionError(train.x.subarray(0, 784 * 500))).toBeLessThan(0.03);
    // Real digits have much lower free energy than noise of the same ink.
    const fDigits = rbm.freeEnergy(train.x.subarray(0, 784 * 100)).reduce((a, x) => a + x, 0) / 100;
    const noise = randArray(784 * 100, 5, 0, 1).map((u) => (u < 0.13 ? 1 : 0));
    const fNoise = rbm.freeEnergy(noise).reduce((a, x) => a + x, 0) / 100;
    expect(fDigits).toBeLessThan(fNoise - 100);

    const dir = mkdtempSync(join(tmpdir(), 'simdnn-rbm-'));
    const filters = filtersToPng(rbm.getWeights().weights, { width: 28, height: 28, cols: 16, scale: 2 });
    const samples = rbm.sample({ init: train.x.subarray(0, 784 * 64), steps: 500, seed: 4 });
    const samplePng = imagesToPng(samples.visibleProbabilities, { width: 28, height: 28, cols: 8, scale: 2 });
    writeFileSync(join(dir, 'rbm-filters.png'), filters);
    writeFileSync(join(dir, 'rbm-samples.png'), samplePng);
    console.log(`RBM 784-128 on 2000 digits, 6 epochs in ${ms.toFixed(0)} ms; PNGs in ${dir}`);
    const img = decodePng(filters);
    expect([img.width, img.height]).toEqual([(16 * 29 + 1) * 2, (8 * 29 + 1) * 2]);
    // Every filter tile spans the full gray range (per-filter normalisation).
    const tile = (t: number, x: number, y: number) => img.pixels[((1 + Math.floor(t / 16) * 29 + y) * 2) * img.width + (1 + (t % 16) * 29 + x) * 2];
    for (const t of [0, 57, 127]) {
      let lo = 255;
      let hi = 0;
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) { lo = Math.min(lo, tile(t, x, y)); hi = Math.max(hi, tile(t, x, y)); }
      expect([lo, hi]).toEqual([0, 255]);
    }
    // Samples look like digits in the sense the pixels can check: mostly dark background,
    // about the digits' amount of ink, and confident (near 0 or 1) pixels.
    const ink = samples.visibleProbabilities.reduce((a, p) => a + p, 0) / samples.visibleProbabilities.length;
    const dataInk = train.x.subarray(0, 784 * 64).reduce((a, p) => a + p, 0) / (784 * 64);
    expect(Math.abs(ink - dataInk)).toBeLessThan(0.05);
    expect(meanAbsFromHalf(samples.visibleProbabilities)).toBeGreaterThan(0.4);
    rbm.dispose();
  });

  it('temperature: hidden probabilities get sharper as T falls and flatter as it rises', async () => {
    const { train } = loadMnist({ trainSize: 500, testSize: 0, seed: 3 });
    const rbm = new RBM({ visible: 784, hidden: 64, seed: 1 });
    await rbm.fit(train.x, { epochs: 3, batchSize: 25, momentum: 0.5, seed: 1, monitorRows: 0 });
    const init = train.x.subarray(0, 784 * 100);
    const sharp = [0.25, 0.5, 1, 2, 4].map((temperature) => meanAbsFromHalf(rbm.sample({ init, steps: 3, temperature, seed: 1 }).hiddenProbabilities));
    for (let i = 1; i < sharp.length; i++) expect(sharp[i]).toBeLessThan(sharp[i - 1]);
    expect(sharp[0]).toBeGreaterThan(0.45);
    expect(sharp[4]).toBeLessThan(0.35);
    // Visible means too; and a very hot chain forgets the data (its ink goes towards 1/2).
    const hot = rbm.sample({ init, steps: 20, temperature: 50, seed: 2 }).visibleProbabilities;
    expect(meanAbsFromHalf(hot)).toBeLessThan(0.1);
    const cold = rbm.sample({ init, steps: 20, temperature: 0.5, seed: 2 }).visibleProbabilities;
    expect(meanAbsFromHalf(cold)).toBeGreaterThan(0.45);
    // At T = 1 sample() is ordinary Gibbs sampling: one step from a state is p(h|v) then p(v|h).
    const s = rbm.sample({ init: init.subarray(0, 784), steps: 1, seed: 9 });
    const hp = rbm.transform(s.visible);
    Array.from(hp).forEach((p, j) => expect(s.hiddenProbabilities[j]).toBeCloseTo(p, 6));
    rbm.dispose();
  });

  it('PCD trains on MNIST too, and momentum, weight decay and k > 1 are accepted', async () => {
    const { train } = loadMnist({ trainSize: 1000, testSize: 0, seed: 1 });
    const rbm = new RBM({ visible: 784, hidden: 64, seed: 2 });
    const h = await rbm.fit(train.x, { epochs: 4, batchSize: 25, persistent: true, learningRate: 0.05, momentum: 0.5, weightDecay: 1e-4, seed: 2, monitorRows: 0 });
    const err = h.history.reconstructionError;
    expect(err.at(-1)).toBeLessThan(err[0]);
    expect(err.at(-1)).toBeLessThan(0.06);
    const h2 = await rbm.fit(train.x, { epochs: 2, batchSize: 50, k: 3, seed: 3, monitorRows: 0 });
    expect(h2.history.reconstructionError.at(-1)).toBeLessThan(err[0]);
    rbm.dispose();
  });

  it('is reproducible: the same seed gives the same weights bit for bit', async () => {
    const data = twoPrototypes(60, 4);
    const run = async () => {
      const rbm = new RBM({ visible: 8, hidden: 5, seed: 11 });
      await rbm.fit(data, { epochs: 5, batchSize: 16, persistent: true, seed: 12 });
      const out = rbm.getWeightsFlat();
      rbm.dispose();
      return out;
    };
    expect(await run()).toEqual(await run());
  });

  it('callbacks see every epoch; EarlyStopping on reconstructionError ends training', async () => {
    const data = twoPrototypes(100, 5);
    const rbm = new RBM({ visible: 8, hidden: 4, seed: 1 });
    const seen: number[] = [];
    const stopper = callbacks.earlyStopping({ monitor: 'reconstructionError', patience: 0, minDelta: 1 });
    const h = await rbm.fit(data, { epochs: 50, callbacks: [stopper], onEpochEnd: (e, logs) => { seen.push(e); expect(logs.reconstructionError).toBeGreaterThan(0); } });
    expect(h.epoch.length).toBe(2);
    expect(seen).toEqual([0, 1]);
    rbm.dispose();
  });
});

describe('RBM: save, load, errors, memory', () => {
  it('toJSON / fromJSON round trip gives identical outputs; corrupt input is a ModelFormatError', async () => {
    const rbm = new RBM({ visible: 8, hidden: 3, seed: 1 });
    await rbm.fit(twoPrototypes(50, 2), { epochs: 3 });
    const json = JSON.parse(JSON.stringify(rbm.toJSON()));
    const back = RBM.fromJSON(json);
    expect(back.getWeights()).toEqual(rbm.getWeights());
    const rows = twoPrototypes(5, 3);
    expect(back.transform(rows)).toEqual(rbm.transform(rows));
    expect(back.freeEnergy(rows)).toEqual(rbm.freeEnergy(rows));
    back.dispose();
    expect(() => RBM.fromJSON({ ...json, weights: json.weights.slice(3) })).toThrow(ModelFormatError);
    expect(() => RBM.fromJSON({ ...json, weights: json.weights.slice(3) })).toThrow(/RBM\.fromJSON: weights must hold 24 numbers, got 21/);
    expect(() => RBM.fromJSON({ ...json, hiddenBias: [0, null, 0] })).toThrow(/hiddenBias\[1\] must be a finite number, got null/);
    expect(() => RBM.fromJSON({ ...json, visibleType: 'poisson' })).toThrow(/visibleType must be one of bernoulli, gaussian, got "poisson"/);
    expect(() => RBM.fromJSON({ ...json, hidden: 2.5 })).toThrow(/hidden must be an integer in \[1, 1048576\], got 2\.5/);
    expect(() => RBM.fromJSON({ ...json, version: 9 })).toThrow(/version must be 1, got 9/);
    expect(() => RBM.fromJSON('{}')).toThrow(/expected an object, got "\{\}"/);
    rbm.dispose();
  });

  it('bad input: wrong shapes, values outside [0, 1], T <= 0, bad options', async () => {
    const rbm = new RBM({ visible: 4, hidden: 2, seed: 1 });
    expect(() => rbm.transform([[1, 0, 1]])).toThrow(ShapeError);
    expect(() => rbm.transform([[1, 0, 1]])).toThrow(/transform: v row 0 must have 4 values/);
    expect(() => rbm.transform(new Float32Array(6))).toThrow(/whole rows of 4 values, got 6 values/);
    expect(() => rbm.transform([[1, 0, 2, 0]])).toThrow(/v row 0, unit 2 must be in \[0, 1\] for Bernoulli visible units, got 2/);
    expect(() => rbm.transform([[1, 0, NaN, 0]])).toThrow(/v row 0, unit 2 must be a finite number, got NaN/);
    await expect(rbm.fit([[0, 1, 0, 1]], { batchSize: 0 })).rejects.toThrow(/batchSize must be an integer in \[1, 65536\], got 0/);
    await expect(rbm.fit([[0, 1, 0, 1]], { momentum: 1 })).rejects.toThrow(/momentum must be a finite number >= 0 and < 1, got 1/);
    await expect(rbm.fit([[0, 1, 0, 1]], { learningRate: 0 })).rejects.toThrow(/learningRate must be a finite number > 0, got 0/);
    await expect(rbm.fit([[0, 1, 0, 1]], { k: 0 })).rejects.toThrow(/k must be an integer in \[1, 10000\], got 0/);
    await expect(rbm.fit([[0, 1, 0, 1]], { persistent: 'yes' as unknown as boolean })).rejects.toThrow(/persistent must be a boolean/);
    expect(() => rbm.sample({ temperature: 0 })).toThrow(ValueError);
    expect(() => rbm.sample({ temperature: 0 })).toThrow(/sample: temperature must be a finite number > 0, got 0/);
    expect(() => rbm.sample({ temperature: -2 })).toThrow(/got -2/);
    expect(() => rbm.sample({ init: [[0, 1, 0, 1]], chains: 3 })).toThrow(/chains \(3\) must equal the number of init rows \(1\)/);
    expect(() => rbm.setWeights({ weights: new Float32Array(7) })).toThrow(/weights must be 4x2 \(8 values\)/);
    expect(() => rbm.setWeights({ hiddenBias: [1, Infinity] })).toThrow(/hiddenBias\[1\] must be a finite number, got Infinity/);
    expect(() => rbm.decode([[1, 0, 1]])).toThrow(/decode: h row 0 must have 2 values/);
    expect(() => new RBM({ visible: 4, hidden: 0 })).toThrow(/hidden must be an integer in \[1, 1048576\], got 0/);
    expect(() => new RBM({ visible: 4, hidden: 2, visibleType: 'binary' as 'bernoulli' })).toThrow(/visibleType must be one of bernoulli, gaussian, got "binary"/);
    rbm.dispose();
    expect(() => rbm.transform([[1, 0, 1, 0]])).toThrow(/disposed/);
  });

  it('a training step allocates nothing; everything is freed after fit, sampling and dispose', async () => {
    const be = getBackend();
    const before = memoryStats().liveBytes;
    const rbm = new RBM({ visible: 64, hidden: 32, seed: 1 });
    const afterCreate = memoryStats().liveBytes;
    const data = randArray(300 * 64, 2, 0, 1);
    const perEpoch: [number, number, number][] = [];
    for (const persistent of [false, true]) {
      perEpoch.length = 0;
      await rbm.fit(data, {
        epochs: 4, batchSize: 32, persistent, k: 2, momentum: 0.5,
        onEpochEnd: () => { perEpoch.push([memoryStats().liveBytes, memoryStats().liveAllocations, be.memory.buffer.byteLength]); },
      });
      for (const s of perEpoch) expect(s).toEqual(perEpoch[0]);
      expect(memoryStats().liveBytes).toBe(afterCreate);
    }
    rbm.transform(data);
    rbm.reconstruct(data);
    rbm.freeEnergy(data);
    rbm.pseudoLikelihood(data);
    rbm.reconstructionError(data);
    rbm.sample({ chains: 10, steps: 5, temperature: 0.7 });
    rbm.decode(rbm.transform(data));
    expect(memoryStats().liveBytes).toBe(afterCreate);
    rbm.dispose();
    expect(memoryStats().liveBytes).toBe(before);
  });
});
