// Explain on recurrent networks: a sequence input [steps, features] goes
// through the same probe as an image. An LSTM that tells a noisy sine wave
// from a noisy square wave (20 steps of one value) is attacked, explained and
// maximised; input gradients of several recurrent topologies are checked
// against TensorFlow.js in parity.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { init, sequential, layers, optimizers, explain, ValueError, type Sequential } from '../../src/index.js';

const T = 20;

/** n sequences of T values: even rows a sine wave (class 0), odd rows a square wave (class 1), random phase, uniform noise ±0.15. */
function waves(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  let state = seed;
  const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const x = new Float32Array(n * T);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    const phase = rand() * 2 * Math.PI;
    for (let t = 0; t < T; t++) {
      const v = Math.sin(phase + 0.6 * t);
      x[i * T + t] = (y[i] ? Math.sign(v) : v) + (rand() - 0.5) * 0.3;
    }
  }
  return { x, y };
}

const train = waves(400, 1);
const test = waves(100, 2);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
let lstm: Sequential;

beforeAll(async () => {
  await init({ deterministic: true });
  lstm = sequential({ seed: 3, layers: [layers.lstm({ units: 16, inputShape: [T, 1], name: 'lstm' }), layers.dense({ units: 2, activation: 'softmax', name: 'out' })] });
  lstm.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await lstm.fit(train.x, train.y, { epochs: 15, batchSize: 32, seed: 1 });
}, 60_000);

afterAll(() => lstm.dispose());

describe('explain on an LSTM over sequences [20 steps, 1 feature]', () => {
  it('the LSTM classifies the held-out waves', () => {
    expect(lstm.evaluateLogs(test.x, test.y).accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('saliency maps are shaped like the sequence; the gradient map is |input gradient|', () => {
    const g = explain.inputGradients(lstm, test.x, { classIndex: test.y });
    expect(g.shape).toEqual([100, T, 1]);
    const grad = g.toFloat32Array();
    g.dispose();
    for (const method of ['gradient', 'gradientTimesInput', 'smoothGrad', 'integratedGradients'] as const) {
      const { map, classIndex } = explain.saliency(lstm, test.x, { method, classIndex: test.y });
      expect(map.shape, method).toEqual([100, T, 1]);
      expect(classIndex).toEqual(test.y);
      if (method === 'gradient') expect(map.toFloat32Array()).toEqual(grad.map(Math.abs));
      map.dispose();
    }
  });

  it('integrated gradients are complete on the logit: within 1% at 200 steps', () => {
    const { map, completeness } = explain.saliency(lstm, test.x.subarray(0, 20 * T), { method: 'integratedGradients', score: 'logit', steps: 200 });
    map.dispose();
    console.log(`integrated gradients, LSTM, 20 sequences, logit, 200 steps: worst completeness error ${(100 * completeness!.maxRelativeError).toFixed(3)}%`);
    expect(completeness!.maxRelativeError).toBeLessThan(0.01);
  });

  it('FGSM and PGD at ε = 0.3 flip most predictions', () => {
    const f = explain.fgsm(lstm, test.x, test.y, { epsilon: 0.3 });
    const p = explain.pgd(lstm, test.x, test.y, { epsilon: 0.3, loss: 'margin', seed: 1 });
    console.log(`LSTM, 100 waves, ε=0.3: FGSM ${pct(f.report.accuracyBefore)} -> ${pct(f.report.accuracyAfter)}, PGD (margin) -> ${pct(p.report.accuracyAfter)}`);
    expect(f.report.accuracyBefore).toBeGreaterThanOrEqual(0.97);
    expect(f.report.accuracyAfter).toBeLessThan(0.3);
    // Measured: 8% after FGSM, 5% after PGD (a few sine waves stay sine waves within ±0.3).
    expect(p.report.accuracyAfter).toBeLessThan(0.1);
    expect(p.report.accuracyAfter).toBeLessThanOrEqual(f.report.accuracyAfter);
    expect(p.report.maxPerturbation).toBeLessThanOrEqual(0.3 + 1e-6);
    f.adversarial.dispose();
    p.adversarial.dispose();
  });

  it('activation maximisation: a sequence per class at probability > 0.99; a hidden unit is maximised after its gates', () => {
    const cls = explain.activationMaximization(lstm, { classIndex: [0, 1], clipMin: -1.5, clipMax: 1.5 });
    console.log(`activation maximisation, LSTM: p(class) ${Array.from(cls.initialResponse, (v) => v.toFixed(3)).join(' ')} -> ${Array.from(cls.response, (v) => v.toFixed(4)).join(' ')}`);
    for (const p of cls.response) expect(p).toBeGreaterThan(0.99);
    expect(cls.input.shape).toEqual([2, T, 1]);
    cls.input.dispose();
    // h = o · tanh(c) stays within (−1, 1): the hidden state itself is maximised, not a linear copy of the cell.
    const unit = explain.activationMaximization(lstm, { layer: 'lstm', unit: [0, 1, 2], steps: 50 });
    for (let i = 0; i < 3; i++) {
      expect(unit.response[i]).toBeGreaterThan(unit.initialResponse[i]);
      expect(Math.abs(unit.response[i])).toBeLessThan(1);
    }
    unit.input.dispose();
  });

  it('activations and their statistics of the recurrent layer', () => {
    const acts = explain.activations(lstm, test.x, { layers: ['lstm'] });
    expect(acts.lstm.shape).toEqual([100, 16]);
    acts.lstm.dispose();
    const [stats] = explain.activationStats(lstm, test.x, { layers: ['lstm'], batchSize: 32 });
    expect(stats.samples).toBe(100);
    expect(stats.units).toBe(16);
    for (let u = 0; u < 16; u++) expect(Math.abs(stats.max[u])).toBeLessThan(1);
  });

  it('the saliency sanity check re-initialises the recurrent layer too: the maps lose their resemblance', () => {
    const { steps } = explain.sanityCheck(lstm, test.x.subarray(0, 50 * T), { classIndex: test.y.subarray(0, 50) });
    console.log(`saliency rank correlation, LSTM: ${steps.map((s) => `${s.randomized.join('+')} random ${s.correlation.toFixed(3)}`).join('; ')}`);
    expect(steps.map((s) => s.randomized)).toEqual([['out'], ['out', 'lstm']]);
    expect(steps[1].correlation).toBeLessThan(0.5);
  });

  it('an input read by an embedding (integer ids) has no gradient: rejected by name', () => {
    const m = sequential({ seed: 1, layers: [layers.embedding({ inputDim: 9, outputDim: 4, inputShape: [6], name: 'ids' }), layers.lstm({ units: 5 }), layers.dense({ units: 3, activation: 'softmax' })] });
    const x = Float32Array.from({ length: 12 }, (_, i) => i % 9);
    expect(() => explain.inputGradients(m, x)).toThrow(ValueError);
    expect(() => explain.saliency(m, x)).toThrow(/explain\.saliency: .* reads its input through embedding layer ids \(integer ids\)/);
    expect(() => explain.fgsm(m, x, [0, 1], { epsilon: 0.5 })).toThrow(/embedding layer ids/);
    // What does not differentiate still works.
    const acts = explain.activations(m, x, { layers: ['ids'] });
    expect(acts.ids.shape).toEqual([2, 6, 4]);
    acts.ids.dispose();
    m.dispose();
  });
});
