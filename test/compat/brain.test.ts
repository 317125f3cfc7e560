// brain.js's two-line path on simdnn models, compared with brain.js 2.0.0-beta
// on the same tasks for result quality (the generators differ, so not bits):
// XOR, brain.js's README colour example with named inputs and outputs, and a
// 2-D two-class problem scored on held-out points.
import { describe, it, expect, beforeAll } from 'vitest';
import brain from 'brain.js';
import { init, NeuralNetwork, ValueError, Sequential, type BrainExample } from '../../src/index.js';
import { randArray } from '../helpers.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

const XOR = [
  { input: [0, 0], output: [0] },
  { input: [0, 1], output: [1] },
  { input: [1, 0], output: [1] },
  { input: [1, 1], output: [0] },
];

describe('NeuralNetwork (brain.js API)', () => {
  it('XOR: both reach errorThresh 0.005 and classify all four points; simdnn within 3x brain.js\'s iterations over 5 seeds', () => {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let seed = 1; seed <= 5; seed++) {
      const net = new NeuralNetwork({ hiddenLayers: [3], seed });
      const r = net.train(XOR);
      expect(r.error).toBeLessThan(0.005);
      for (const ex of XOR) expect(Math.round((net.run(ex.input) as Float32Array)[0])).toBe(ex.output[0]);
      ours.push(r.iterations);
      net.dispose();
      const b = new brain.NeuralNetwork({ hiddenLayers: [3] });
      const rb = b.train(XOR);
      expect(rb.error).toBeLessThan(0.005);
      theirs.push(rb.iterations);
    }
    const median = (a: number[]) => a.slice().sort((p, q) => p - q)[2];
    expect(median(ours)).toBeLessThan(3 * median(theirs));
  });

  it('named inputs and outputs (brain.js README colours): run returns named outputs, as brain.js does', () => {
    const data: BrainExample[] = [
      { input: { r: 0.03, g: 0.7, b: 0.5 }, output: { black: 1 } },
      { input: { r: 0.16, g: 0.09, b: 0.2 }, output: { white: 1 } },
      { input: { r: 0.5, g: 0.5, b: 1.0 }, output: { white: 1 } },
    ];
    const net = new NeuralNetwork({ seed: 3 });
    const r = net.train(data);
    const b = new brain.NeuralNetwork();
    const rb = b.train(data as never);
    expect(r.error).toBeLessThan(0.005);
    expect(rb.error).toBeLessThan(0.005);
    const out = net.run({ r: 1, g: 0.4, b: 0 }) as Record<string, number>;
    const outB = b.run({ r: 1, g: 0.4, b: 0 }) as Record<string, number>;
    expect(Object.keys(out).sort()).toEqual(Object.keys(outB).sort());
    for (const ex of data) {
      const o = net.run(ex.input as Record<string, number>) as Record<string, number>;
      const want = Object.keys(ex.output as Record<string, number>)[0];
      expect(o[want]).toBeGreaterThan(0.85);
    }
    // A key in one example only is zero elsewhere (brain.js lookups).
    const sparse = new NeuralNetwork({ seed: 1 });
    sparse.train([{ input: { a: 1 }, output: { y: 1 } }, { input: { b: 1 }, output: { y: 0 } }], { iterations: 200 });
    expect(Object.keys(sparse.run({ a: 1 }))).toEqual(['y']);
  });

  it('a 2-D two-class task: held-out accuracy close to brain.js\'s with the same options', () => {
    const pts = randArray(400, 7, -1, 1);
    const data = Array.from({ length: 200 }, (_, i) => {
      const x = pts[2 * i];
      const y = pts[2 * i + 1];
      return { input: [x, y], output: [x * x + y * y < 0.45 ? 1 : 0] };
    });
    const train = data.slice(0, 150);
    const test = data.slice(150);
    const opts = { iterations: 300, errorThresh: 0.01 };
    const net = new NeuralNetwork({ hiddenLayers: [8], seed: 2 });
    net.train(train, opts);
    const b = new brain.NeuralNetwork({ hiddenLayers: [8] });
    b.train(train, opts);
    const acc = (f: (x: number[]) => number) => test.filter((ex) => Math.round(f(ex.input)) === ex.output[0]).length / test.length;
    const ours = acc((x) => (net.run(x) as Float32Array)[0]);
    const theirs = acc((x) => (b.run(x) as Float32Array)[0]);
    expect(ours).toBeGreaterThan(0.85);
    expect(ours).toBeGreaterThan(theirs - 0.1);
  });

  it('log, callback, iterations and timeout options; toJSON / fromJSON give the same outputs; the model underneath is a Sequential', () => {
    const lines: string[] = [];
    const calls: number[] = [];
    const net = new NeuralNetwork({ seed: 4, hiddenLayers: [4], activation: 'tanh', learningRate: 0.2 });
    const r = net.train(XOR, { iterations: 50, errorThresh: 0, log: (s) => lines.push(`${s.iterations}`), logPeriod: 20, callback: (s) => calls.push(s.iterations), callbackPeriod: 25 });
    expect(r.iterations).toBe(50);
    expect(lines).toEqual(['20', '40']);
    expect(calls).toEqual([25, 50]);
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    expect(json.sizes).toEqual([2, 4, 1]);
    const back = new NeuralNetwork().fromJSON(json);
    for (const ex of XOR) expect(Array.from(back.run(ex.input) as Float32Array)).toEqual(Array.from(net.run(ex.input) as Float32Array));
    expect(net.sequential).toBeInstanceOf(Sequential);
    expect(net.sequential.layers.map((l) => (l as unknown as { activation: string }).activation)).toEqual(['tanh', 'tanh']);
    expect(new NeuralNetwork({ seed: 1 }).train(XOR, { timeout: 0 }).iterations).toBe(0);
  });

  it('bad options and data are refused', () => {
    expect(() => new NeuralNetwork({ hiddenLayer: [3] } as never)).toThrow(/did you mean "hiddenLayers"/);
    expect(() => new NeuralNetwork({ activation: 'softmax' as never })).toThrow(/activation must be one of sigmoid, relu, leaky-relu, tanh/);
    const net = new NeuralNetwork();
    expect(() => net.run([1, 2])).toThrow(/not trained yet/);
    expect(() => net.train([])).toThrow(ValueError);
    expect(() => net.train([{ input: [1, 2], output: [1] }, { input: [1], output: [0] }])).toThrow(/data\[1\]\.input must be an array of 2 numbers/);
    expect(() => net.train(XOR, { iteration: 5 } as never)).toThrow(/did you mean "iterations"/);
  });
});
