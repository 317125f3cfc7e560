// What explain finds in the MNIST networks of the command line (an MLP and
// LeNet, trained as the CLI trains them, with fewer epochs): adversarial
// flips, maximum-response digits, the saliency sanity check and the
// completeness of integrated gradients, with the numbers printed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { PNG } from 'pngjs';
import { init, explain, imagesToPng, type Sequential } from '../../src/index.js';
import { MNIST, trainLenet, trainMlp } from './fixtures.js';

let mlp: Sequential;
let lenet: Sequential;
const { test } = MNIST;
const digits = (n: number) => test.x.subarray(0, n * 784);
const labels = (n: number) => test.y.subarray(0, n);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

beforeAll(async () => {
  await init();
  mlp = await trainMlp();
  lenet = await trainLenet();
}, 60_000);

afterAll(() => {
  mlp.dispose();
  lenet.dispose();
});

describe('adversarial samples on the MNIST digits', () => {
  it('FGSM at ε = 0.1 flips most correct predictions of the MLP (TF.js: 93.5% → 26%)', () => {
    const { adversarial, report } = explain.fgsm(mlp, test.x, test.y, { epsilon: 0.1, clipMin: 0, clipMax: 1 });
    console.log(`FGSM ε=0.1, MLP, ${report.n} digits: accuracy ${pct(report.accuracyBefore)} -> ${pct(report.accuracyAfter)}, ${report.flipped} of ${report.correctBefore} correct predictions flipped, ${report.changed} changed`);
    expect(report.accuracyBefore).toBeGreaterThan(0.92);
    expect(report.accuracyAfter).toBeLessThan(0.4);
    expect(report.flipped).toBeGreaterThan(0.55 * report.correctBefore);
    expect(report.maxPerturbation).toBeLessThanOrEqual(0.1 + 1e-6);
    const x = adversarial.toFloat32Array();
    expect(Math.min(...x.subarray(0, 784 * 10))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x.subarray(0, 784 * 10))).toBeLessThanOrEqual(1);
    adversarial.dispose();
  });

  it('FGSM at ε = 0.1 on LeNet: the convolutional network loses less', () => {
    const { adversarial, report } = explain.fgsm(lenet, test.x, test.y, { epsilon: 0.1, clipMin: 0, clipMax: 1 });
    console.log(`FGSM ε=0.1, LeNet, ${report.n} digits: accuracy ${pct(report.accuracyBefore)} -> ${pct(report.accuracyAfter)}, ${report.flipped} flipped`);
    expect(report.accuracyBefore).toBeGreaterThan(0.96);
    expect(report.accuracyAfter).toBeLessThan(report.accuracyBefore - 0.1);
    adversarial.dispose();
  });

  it('PGD (margin loss, ε = 0.3, 40 steps) drives the accuracy of both networks to near 0', () => {
    for (const [name, m, n] of [['MLP', mlp, 2000], ['LeNet', lenet, 400]] as const) {
      const { adversarial, report } = explain.pgd(m, digits(n), labels(n), { epsilon: 0.3, clipMin: 0, clipMax: 1, loss: 'margin', seed: 1 });
      console.log(`PGD ε=0.3 margin, ${name}, ${n} digits: accuracy ${pct(report.accuracyBefore)} -> ${pct(report.accuracyAfter)}, ${report.flipped} of ${report.correctBefore} flipped`);
      expect(report.accuracyAfter).toBeLessThan(0.02);
      expect(report.maxPerturbation).toBeLessThanOrEqual(0.3 + 1e-6);
      adversarial.dispose();
    }
  });

  it('PGD is stronger than FGSM at the same ε, and the same seed gives the same images', () => {
    const x = digits(300);
    const y = labels(300);
    const f = explain.fgsm(mlp, x, y, { epsilon: 0.05, clipMin: 0, clipMax: 1 });
    const p = explain.pgd(mlp, x, y, { epsilon: 0.05, clipMin: 0, clipMax: 1, steps: 20, seed: 3 });
    const q = explain.pgd(mlp, x, y, { epsilon: 0.05, clipMin: 0, clipMax: 1, steps: 20, seed: 3 });
    console.log(`ε=0.05, MLP, 300 digits: FGSM ${pct(f.report.accuracyAfter)}, PGD (cross-entropy) ${pct(p.report.accuracyAfter)}`);
    expect(p.report.accuracyAfter).toBeLessThan(f.report.accuracyAfter);
    expect(q.adversarial.toFloat32Array()).toEqual(p.adversarial.toFloat32Array());
    for (const r of [f, p, q]) r.adversarial.dispose();
  });
});

describe('activation maximisation', () => {
  it('reaches softmax probability > 0.99 for every digit class of LeNet; the 10 images as one grid', () => {
    const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const r = explain.activationMaximization(lenet, { classIndex: classes, clipMin: 0, clipMax: 1, seed: 1 });
    console.log(`activation maximisation, LeNet: p(class) ${Array.from(r.initialResponse, (v) => v.toFixed(3)).join(' ')} -> ${Array.from(r.response, (v) => v.toFixed(4)).join(' ')}`);
    for (const p of r.response) expect(p).toBeGreaterThan(0.99);
    expect(r.input.shape).toEqual([10, 28, 28, 1]);
    // The model agrees: each image is classified as its class.
    const pred = (lenet.predict(r.input) as { toFloat32Array(): Float32Array }).toFloat32Array();
    classes.forEach((c) => expect(pred[c * 10 + c]).toBeCloseTo(r.response[c], 5));
    const png = PNG.sync.read(Buffer.from(imagesToPng(r.input.toFloat32Array(), { width: 28, height: 28, cols: 10, scale: 2 })));
    expect([png.width, png.height]).toEqual([10 * 29 * 2 + 2, 29 * 2 + 2]);
    r.input.dispose();
  });

  it('maximises units of inner layers (convolution channels, dense units) before their ReLU, even units that start inactive', () => {
    const conv = explain.activationMaximization(lenet, { layer: 'conv2', unit: [0, 5], steps: 50, clipMin: 0, clipMax: 1 });
    const hidden = explain.activationMaximization(mlp, { layer: 'hidden', unit: [7, 8, 9], steps: 50, clipMin: 0, clipMax: 1 });
    for (const r of [conv, hidden]) {
      for (let i = 0; i < r.response.length; i++) expect(r.response[i]).toBeGreaterThan(r.initialResponse[i] + 1);
    }
    // Hidden unit 7 is inactive on the start image: after the ReLU it has no gradient and stays at 0.
    expect(hidden.initialResponse[0]).toBeLessThan(0);
    const after = explain.activationMaximization(mlp, { layer: 'hidden', unit: [7, 8], steps: 50, clipMin: 0, clipMax: 1, preActivation: false });
    expect(Array.from(after.response.slice(0, 1))).toEqual([0]);
    expect(after.response[1]).toBeCloseTo(hidden.response[1], 4);
    for (const r of [conv, hidden, after]) r.input.dispose();
  });
});

describe('saliency', () => {
  it('the sanity check of Adebayo et al. (2018): gradient maps of a trained MLP vs random weights (TF.js: 0.46 between two trained nets, −0.02 random)', async () => {
    const x = digits(50);
    const check = explain.sanityCheck(mlp, x);
    const other = await trainMlp(2);
    const a = explain.saliency(mlp, x).map.toFloat32Array();
    const b = explain.saliency(other, x, { classIndex: check.classIndex }).map.toFloat32Array();
    let twoTrained = 0;
    for (let i = 0; i < 50; i++) twoTrained += explain.rankCorrelation(a.subarray(i * 784, (i + 1) * 784), b.subarray(i * 784, (i + 1) * 784)) / 50;
    const [top, all] = check.steps;
    console.log(`saliency rank correlation, MLP: two trained nets ${twoTrained.toFixed(3)}; output layer random ${top.correlation.toFixed(3)}; all layers random ${all.correlation.toFixed(3)}`);
    expect(top.randomized).toEqual(['out']);
    expect(all.randomized).toEqual(['out', 'hidden']);
    expect(twoTrained).toBeGreaterThan(0.35);
    expect(all.correlation).toBeLessThan(0.15);
    expect(twoTrained - all.correlation).toBeGreaterThan(0.25);
    other.dispose();
  });

  it('integrated gradients are complete: the attributions sum to f(x) − f(baseline) within 1% at 50 steps (MLP), 2% (LeNet)', () => {
    const mine = explain.saliency(mlp, digits(20), { method: 'integratedGradients' });
    const le = explain.saliency(lenet, digits(20), { method: 'integratedGradients' });
    const fine = explain.saliency(lenet, digits(20), { method: 'integratedGradients', steps: 200 });
    const worst = (r: typeof mine) => (r.completeness as { maxRelativeError: number }).maxRelativeError;
    console.log(`integrated gradients, worst completeness error over 20 digits: MLP ${pct(worst(mine))} (50 steps), LeNet ${pct(worst(le))} (50 steps), ${pct(worst(fine))} (200 steps)`);
    expect(worst(mine)).toBeLessThan(0.01);
    expect(worst(le)).toBeLessThan(0.02);
    expect(worst(fine)).toBeLessThan(worst(le));
    const c = mine.completeness as { sum: Float64Array; delta: Float64Array };
    const m = mine.map.toFloat32Array();
    for (let i = 0; i < 20; i++) {
      let s = 0;
      for (let j = 0; j < 784; j++) s += m[i * 784 + j];
      expect(s).toBeCloseTo(c.sum[i], 4);
    }
    for (const r of [mine, le, fine]) r.map.dispose();
  });

  it('maps of LeNet are [n, 28, 28] (channels reduced), and every method puts weight on the digit rather than the background', () => {
    const x = digits(8);
    for (const method of ['gradient', 'gradientTimesInput', 'smoothGrad', 'integratedGradients'] as const) {
      const r = explain.saliency(lenet, x, { method, samples: method === 'smoothGrad' ? 10 : undefined });
      expect(r.map.shape).toEqual([8, 28, 28]);
      const m = r.map.toFloat32Array();
      let ink = 0;
      let total = 0;
      for (let i = 0; i < m.length; i++) {
        total += Math.abs(m[i]);
        if (x[i] > 0.1) ink += Math.abs(m[i]);
      }
      // Ink covers about a fifth of a digit's pixels.
      expect(ink / total).toBeGreaterThan(0.3);
      r.map.dispose();
    }
  });
});
