// Activation statistics against a plain computation, and the pictures:
// decoded by pngjs, their sizes and a few pixels checked.
import { describe, it, expect, beforeAll } from 'vitest';
import { PNG } from 'pngjs';
import { init, sequential, layers, explain, type Sequential } from '../../src/index.js';
import { Canvas, colorOf } from '../../src/viz/canvas.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init();
});

const decode = (png: Uint8Array) => PNG.sync.read(Buffer.from(png));
const pixel = (img: ReturnType<typeof decode>, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

function cnn(): Sequential {
  const m = sequential({
    seed: 4,
    layers: [
      layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2], name: 'conv' }),
      layers.flatten(),
      layers.dense({ units: 5, activation: 'relu', name: 'hidden' }),
      layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  m.build();
  return m;
}

describe('activationStats', () => {
  it('per-unit mean, std, min, max and share active equal a float64 computation over every sample and position', () => {
    const m = cnn();
    const n = 300;
    const x = randArray(n * 72, 1);
    const stats = explain.activationStats(m, x, { layers: ['conv', 'hidden'], batchSize: 64, bins: 10 });
    const acts = explain.activations(m, x, { layers: ['conv', 'hidden'] });
    for (const s of stats) {
      const v = acts[s.layer].toFloat32Array();
      expect(s.samples).toBe(n);
      expect(s.positions).toBe(s.layer === 'conv' ? 16 : 1);
      for (let u = 0; u < s.units; u++) {
        let sum = 0, sq = 0, lo = Infinity, hi = -Infinity, on = 0;
        for (let i = u; i < v.length; i += s.units) {
          sum += v[i];
          sq += v[i] * v[i];
          lo = Math.min(lo, v[i]);
          hi = Math.max(hi, v[i]);
          if (v[i] > 0) on++;
        }
        const count = v.length / s.units;
        expect(s.mean[u]).toBeCloseTo(sum / count, 5);
        expect(s.std[u]).toBeCloseTo(Math.sqrt(Math.max(0, sq / count - (sum / count) ** 2)), 5);
        expect([s.min[u], s.max[u]]).toEqual([lo, hi]);
        expect(s.fractionActive[u]).toBeCloseTo(on / count, 6);
      }
      expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(v.length);
      expect(s.histogram.edges[0]).toBe(Math.min(...s.min));
      expect(s.histogram.edges[10]).toBeCloseTo(Math.max(...s.max), 6);
    }
    const fixed = explain.activationStats(m, x, { layers: ['hidden'], range: [-1, 1], bins: 4 });
    expect(Array.from(fixed[0].histogram.edges)).toEqual([-1, -0.5, 0, 0.5, 1]);
    m.dispose();
  });

  it('finds dead units: a ReLU unit never above 0 on any sample', () => {
    const m = cnn();
    const hidden = m.getLayer('hidden');
    const [k, b] = hidden.getWeights().map((t) => t.toFloat32Array());
    for (let i = 0; i < k.length / 5; i++) k[i * 5 + 2] = 0;
    b[2] = -1;
    hidden.setWeights([k, b]);
    const [s] = explain.activationStats(m, randArray(50 * 72, 2), { layers: ['hidden'] });
    expect(s.deadUnits).toEqual([2]);
    expect(s.fractionActive[2]).toBe(0);
    m.dispose();
  });
});

describe('pictures', () => {
  it('saliencyToPng: maps beside their images, magnitudes in the heat map, signed maps white at 0', () => {
    const m = cnn();
    const x = randArray(4 * 72, 3, 0, 1);
    const g = explain.saliency(m, x);
    expect(g.map.shape).toEqual([4, 6, 6]);
    const side = decode(explain.saliencyToPng(g.map, { width: 6, height: 6, images: x, scale: 2, cols: 2 }));
    // Per sample: image + 1 pixel + map, at scale 2, with 2-scaled padding around.
    expect([side.width, side.height]).toEqual([2 * (2 * 6 * 2 + 2 + 4) + 4, 2 * (6 * 2 + 4) + 4]);
    const ig = explain.saliency(m, x, { method: 'integratedGradients', steps: 8 });
    const signed = new Float32Array(ig.map.toFloat32Array());
    signed[0] = 0;
    const img = decode(explain.saliencyToPng(signed, { width: 6, height: 6, scale: 1 }));
    expect(pixel(img, 2, 2)).toEqual([...colorOf('diverging', 0.5)]);
    expect(colorOf('diverging', 0.5)).toEqual([247, 247, 247]);
    const over = decode(explain.saliencyToPng(g.map, { width: 6, height: 6, images: x, overlay: true }));
    expect(over.width).toBe(2 * (6 * 4 + 8) + 8);
    expect(() => explain.saliencyToPng(g.map, { width: 5, height: 6 })).toThrow(/maps must hold whole maps of width x height = 30 values, got 144/);
    m.dispose();
  });

  it('adversarialToPng: original, adversarial and difference per sample, the predictions written under them', () => {
    const m = cnn();
    const x = randArray(3 * 72, 4, 0, 1);
    const attack = explain.fgsm(m, x, [0, 1, 2], { epsilon: 0.2, clipMin: 0, clipMax: 1 });
    const png = decode(explain.adversarialToPng(x, attack.adversarial, { width: 6, height: 6, channels: 2, report: attack.report, scale: 3 }));
    expect(png.width).toBe(3 * 6 * 3 + 2 * 3 + 3 * 6 + 6);
    expect(png.height).toBe(3 * (6 * 3 + 5 * 3 + 6 + 6) + 6);
    // Each caption is dark ink or red: some pixels of the caption band are not white.
    let ink = 0;
    for (let y = 6 + 18 + 3; y < 6 + 18 + 3 + 15; y++) for (let xx = 0; xx < png.width; xx++) if (pixel(png, xx, y)[0] < 220) ink++;
    expect(ink).toBeGreaterThan(10);
    attack.adversarial.dispose();
    m.dispose();
  });

  it('activationMapsToPng, activationHistogramsToPng, gradientStatsToPng', () => {
    const m = cnn();
    const x = randArray(5 * 72, 5);
    const { conv, hidden } = explain.activations(m, x, { layers: ['conv', 'hidden'] });
    const maps = decode(explain.activationMapsToPng(conv, { sample: 1, cols: 3, scale: 5 }));
    expect([maps.width, maps.height]).toEqual([(3 * (4 + 1) + 1) * 5, (4 + 2) * 5]);
    expect(decode(explain.activationMapsToPng(hidden)).height).toBe(3 * 4);
    const stats = explain.activationStats(m, x, { layers: ['conv', 'hidden'] });
    const hist = decode(explain.activationHistogramsToPng(stats, { width: 200, height: 50 }));
    expect([hist.width, hist.height]).toEqual([220, 2 * 82 + 8]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const g = decode(explain.gradientStatsToPng(explain.gradientStats(m, x, [0, 1, 2, 0, 1])));
    expect([g.width, g.height]).toEqual([410, 154]);
    expect(() => explain.activationMapsToPng(new Float32Array(10))).toThrow(/give shape/);
    m.dispose();
  });

  it('the canvas draws captions in its 3x5 font and colour maps end where they should', () => {
    const c = new Canvas(20, 7, [255, 255, 255]);
    c.text(1, 1, '7>3', [0, 0, 0]);
    const on = (x: number, y: number) => c.px[(y * 20 + x) * 3] === 0;
    // '7': a full top row, then its right column.
    expect([on(1, 1), on(2, 1), on(3, 1), on(3, 2), on(1, 2)]).toEqual([true, true, true, true, false]);
    expect(colorOf('heat', 0)).toEqual([0, 0, 0]);
    expect(colorOf('heat', 1)).toEqual([255, 255, 255]);
    expect(colorOf('gray', 0.5)).toEqual([128, 128, 128]);
    expect(decode(c.toPng()).width).toBe(20);
  });
});
