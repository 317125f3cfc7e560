import { describe, it, expect } from 'vitest';
import { Perceptron } from '../../src/linear/perceptron.js';
import { ModelFormatError, ShapeError, ValueError } from '../../src/errors.js';

const INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const AND = [0, 0, 0, 1];
const OR = [0, 1, 1, 1];
const XOR = [0, 1, 1, 0];

describe('Perceptron with the weights of the notes', () => {
  it('AND: w0 = -0.8, w1 = w2 = 0.5 decides the AND truth table', () => {
    const p = new Perceptron({ inputs: 2, weights: [0.5, 0.5], bias: -0.8 });
    expect(p.predict(INPUTS)).toEqual(AND);
    // The notes' rows: 0 + 0.5 = 0.5 < 0.8 gives 0; 0.5 + 0.5 = 1 > 0.8 gives 1.
    expect(p.predict([0, 1])).toBe(0);
    expect(p.predict([1, 1])).toBe(1);
    expect(p.predict([0, 0])).toBe(0);
  });

  it('OR: threshold 0.3 (w0 = -0.3), w1 = w2 = 0.5 decides the OR truth table', () => {
    const p = new Perceptron({ inputs: 2, weights: [0.5, 0.5], bias: -0.3 });
    expect(p.predict(INPUTS)).toEqual(OR);
    expect(p.predict([0, 1])).toBe(1);
  });

  it('fires only when the sum is strictly above 0', () => {
    const p = new Perceptron({ inputs: 1, weights: [1], bias: -1 });
    expect(p.predict([1])).toBe(0);
    expect(p.predict([1.5])).toBe(1);
    const s = new Perceptron({ inputs: 1, weights: [1], bias: -1, activation: 'sign' });
    expect(s.predict([[1], [1.5]])).toEqual([-1, 1]);
  });

  it('predicts a Float32Array of rows laid end to end', () => {
    const p = new Perceptron({ inputs: 2, weights: [0.5, 0.5], bias: -0.8 });
    expect(p.predict(Float32Array.from(INPUTS.flat()))).toEqual(AND);
    expect(p.predict(Float32Array.from([1, 1]))).toEqual([1]);
  });
});

describe('Perceptron learning rule', () => {
  it('one update is w_i += eta (t - o) x_i and w0 += eta (t - o)', () => {
    const p = new Perceptron({ inputs: 2, weights: [0.5, -0.25], bias: 0.125, learningRate: 0.5 });
    // o = 1 (0.125 + 0.5 - 0.25 > 0), t = 0: every weight moves by -0.5 x_i.
    const r = p.train([[1, 1]], [0], { epochs: 1, shuffle: false });
    expect(r.errorsPerEpoch).toEqual([1]);
    const { bias, weights } = p.getWeights();
    expect(bias).toBe(-0.375);
    expect(Array.from(weights)).toEqual([0, -0.75]);
  });

  for (const [name, targets] of [['AND', AND], ['OR', OR]] as const) {
    it(`learns ${name} from random weights for several seeds`, () => {
      for (const seed of [0, 1, 2, 3, 42, 1234]) {
        const p = new Perceptron({ inputs: 2, seed });
        const r = p.train(INPUTS, targets, { epochs: 100 });
        expect(r.converged).toBe(true);
        expect(r.errorsPerEpoch[r.errorsPerEpoch.length - 1]).toBe(0);
        expect(r.epochs).toBe(r.errorsPerEpoch.length);
        expect(r.epochs).toBeLessThan(100);
        expect(p.predict(INPUTS)).toEqual(targets);
      }
    });
  }

  it('keeps going after a perfect epoch when stopWhenPerfect is false (weights then stay put)', () => {
    const p = new Perceptron({ inputs: 2, seed: 9 });
    const r = p.train(INPUTS, AND, { epochs: 50, stopWhenPerfect: false });
    expect(r.epochs).toBe(50);
    expect(r.converged).toBe(true);
    const firstPerfect = r.errorsPerEpoch.indexOf(0);
    expect(r.errorsPerEpoch.slice(firstPerfect).every((e) => e === 0)).toBe(true);
  });

  it('never classifies XOR: no epoch of 1000 is free of errors (not linearly separable)', () => {
    for (const seed of [0, 1, 2, 7]) {
      for (const learningRate of [0.01, 0.1, 1]) {
        for (const activation of ['step', 'sign'] as const) {
          const p = new Perceptron({ inputs: 2, seed, learningRate, activation });
          const targets = activation === 'step' ? XOR : XOR.map((t) => 2 * t - 1);
          const r = p.train(INPUTS, targets, { epochs: 1000 });
          expect(r.epochs).toBe(1000);
          expect(r.converged).toBe(false);
          expect(Math.min(...r.errorsPerEpoch)).toBeGreaterThan(0);
          const out = p.predict(INPUTS);
          expect(out.filter((o, i) => o === targets[i]).length).toBeLessThanOrEqual(3);
        }
      }
    }
  });

  it('sign activation learns AND and OR with targets -1 / 1', () => {
    for (const targets of [AND, OR].map((t) => t.map((v) => 2 * v - 1))) {
      const p = new Perceptron({ inputs: 2, activation: 'sign', seed: 5 });
      const r = p.train(INPUTS, targets);
      expect(r.converged).toBe(true);
      expect(p.predict(INPUTS)).toEqual(targets);
    }
  });

  it('separates a larger linearly separable cloud given as a Float32Array', () => {
    const n = 200;
    const x = new Float32Array(n * 3);
    const t: number[] = [];
    let s = 1;
    const rand = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (let i = 0; i < n; i++) {
      const a = rand();
      const b = rand();
      const c = rand();
      x.set([a, b, c], i * 3);
      // Margin: points too near the plane 2a - b + 0.5c = 0.1 are pushed off it.
      const m = 2 * a - b + 0.5 * c - 0.1;
      t.push(m > 0 ? 1 : 0);
      if (Math.abs(m) < 0.1) x[i * 3] += m > 0 ? 0.1 : -0.1;
    }
    const p = new Perceptron({ inputs: 3, seed: 3 });
    const r = p.train(x, t, { epochs: 500 });
    expect(r.converged).toBe(true);
    expect(p.predict(x)).toEqual(t);
  });
});

describe('Perceptron reproducibility and serialisation', () => {
  it('the same seed gives the same initial and trained weights; another seed does not', () => {
    const a = new Perceptron({ inputs: 5, seed: 11 });
    const b = new Perceptron({ inputs: 5, seed: 11 });
    const c = new Perceptron({ inputs: 5, seed: 12 });
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(c.getWeights()).not.toEqual(a.getWeights());
    const { bias, weights } = a.getWeights();
    for (const w of [bias, ...weights]) {
      expect(w).toBeGreaterThanOrEqual(-0.5);
      expect(w).toBeLessThan(0.5);
    }
    const ra = a.train(INPUTS.map((r) => [...r, 1, 0, 1]), OR);
    const rb = b.train(INPUTS.map((r) => [...r, 1, 0, 1]), OR);
    expect(rb).toEqual(ra);
    expect(b.getWeights()).toEqual(a.getWeights());
  });

  it('a train seed fixes the visiting order whatever the perceptron has drawn before', () => {
    const a = new Perceptron({ inputs: 2, weights: [0.1, -0.2], bias: 0.05 });
    const b = new Perceptron({ inputs: 2, weights: [0.1, -0.2], bias: 0.05 });
    expect(a.train(INPUTS, AND, { seed: 4 })).toEqual(b.train(INPUTS, AND, { seed: 4 }));
    expect(a.getWeights()).toEqual(b.getWeights());
  });

  it('toJSON / fromJSON round-trips exactly through JSON text', () => {
    const p = new Perceptron({ inputs: 3, activation: 'sign', learningRate: 0.25, seed: 8 });
    p.train([[1, 0, 1], [0, 1, 1]], [1, -1]);
    const q = Perceptron.fromJSON(JSON.parse(JSON.stringify(p)));
    expect(q.toJSON()).toEqual(p.toJSON());
    expect(q.getWeights()).toEqual(p.getWeights());
    expect(q.activation).toBe('sign');
    expect(q.learningRate).toBe(0.25);
    expect(q.predict([[1, 0, 1], [0, 1, 1]])).toEqual(p.predict([[1, 0, 1], [0, 1, 1]]));
  });

  it('fromJSON validates what it loads', () => {
    const good = new Perceptron({ inputs: 2, seed: 1 }).toJSON();
    expect(() => Perceptron.fromJSON(null)).toThrow(/Perceptron.fromJSON: expected an object, got null/);
    expect(() => Perceptron.fromJSON({ ...good, type: 'Dense' })).toThrow(/type must be "Perceptron", got "Dense"/);
    expect(() => Perceptron.fromJSON({ ...good, bias: undefined })).toThrow(/bias is missing/);
    expect(() => Perceptron.fromJSON({ ...good, activation: undefined })).toThrow(/activation is missing/);
    expect(() => Perceptron.fromJSON({ ...good, weights: [1, 2, 3] })).toThrow(ModelFormatError);
    expect(() => Perceptron.fromJSON({ ...good, weights: 'ab' })).toThrow(/weights must be an array, got "ab"/);
    expect(() => Perceptron.fromJSON({ ...good, weights: [1, null] })).toThrow(/weights\[1\] must be a finite number, got null/);
    expect(() => Perceptron.fromJSON({ ...good, weights: [1e39, 0] })).toThrow(ModelFormatError);
    expect(() => Perceptron.fromJSON({ ...good, type: 'Dense' })).toThrow(ModelFormatError);
  });
});

describe('Perceptron validation', () => {
  it('rejects bad constructor options, naming the option and value', () => {
    expect(() => new Perceptron({ inputs: 0 })).toThrow(ValueError);
    expect(() => new Perceptron({ inputs: 0 })).toThrow(/Perceptron: inputs must be an integer in \[1, \d+\], got 0/);
    expect(() => new Perceptron({ inputs: 2.5 })).toThrow(/inputs.*got 2\.5/);
    expect(() => new Perceptron({ inputs: 2, learningRate: 0 })).toThrow(/learningRate must be a finite number > 0, got 0/);
    expect(() => new Perceptron({ inputs: 2, learningRate: Infinity })).toThrow(/learningRate.*got Infinity/);
    expect(() => new Perceptron({ inputs: 2, learningRate: NaN })).toThrow(/learningRate.*got NaN/);
    expect(() => new Perceptron({ inputs: 2, activation: 'relu' as never })).toThrow(/activation must be one of step, sign, got "relu"/);
    expect(() => new Perceptron({ inputs: 2, weights: [1] })).toThrow(/weights must hold inputs = 2 numbers, got \[1\]/);
    expect(() => new Perceptron({ inputs: 2, weights: [1, NaN] })).toThrow(/weights\[1\] must be a finite number, got NaN/);
    expect(() => new Perceptron({ inputs: 2, bias: Infinity })).toThrow(/bias must be a finite number, got Infinity/);
    expect(() => new Perceptron({ inputs: 2, seed: -1 })).toThrow(/seed must be an integer in \[0, 4294967295\], got -1/);
    expect(() => new Perceptron(undefined as never)).toThrow(/options must be an object/);
  });

  it('rejects inputs of the wrong shape or not finite, naming the row', () => {
    const p = new Perceptron({ inputs: 2, seed: 1 });
    expect(() => p.predict([1, 2, 3])).toThrow(ShapeError);
    expect(() => p.predict([1, 2, 3])).toThrow(/Perceptron.predict: x row 0 must have inputs = 2 values, got \[1,2,3\]/);
    expect(() => p.predict([[1, 2], [3]])).toThrow(/x row 1 must have inputs = 2 values, got \[3\]/);
    expect(() => p.predict([[1, 2], [3, NaN]])).toThrow(/x row 1, input 1 must be a finite number, got NaN/);
    expect(() => p.predict(Float32Array.from([1, 2, 3]))).toThrow(/whole rows of inputs = 2 values, got 3 values/);
    expect(() => p.predict(Float32Array.from([1, 2, 3, Infinity]))).toThrow(/x row 1, input 1 must be a finite number, got Infinity/);
    expect(() => p.predict([])).toThrow(ShapeError);
  });

  it('rejects bad targets and options, and a rejected call leaves the weights unchanged', () => {
    const p = new Perceptron({ inputs: 2, seed: 1 });
    const before = p.getWeights();
    expect(() => p.train(INPUTS, [0, 1, 2, 1])).toThrow(ValueError);
    expect(() => p.train(INPUTS, [0, 1, 2, 1])).toThrow(/targets\[2\] must be 0 or 1 for activation 'step', got 2/);
    expect(() => p.train(INPUTS, [0, 1, -1, 1])).toThrow(/targets\[2\] must be 0 or 1.*got -1/);
    expect(() => p.train(INPUTS, [0, 1, 1])).toThrow(/targets has 3 values for 4 rows of x/);
    expect(() => p.train([[0, 0], [0, 1], [1, 0], [1, NaN]], AND)).toThrow(/x row 3, input 1 must be a finite number, got NaN/);
    expect(() => p.train(INPUTS, AND, { epochs: 0 })).toThrow(/epochs must be an integer in \[1, .*got 0/);
    expect(() => p.train(INPUTS, AND, { shuffle: 'no' as never })).toThrow(/shuffle must be a boolean, got "no"/);
    expect(() => p.train(INPUTS, AND, { seed: 0.5 })).toThrow(/seed.*got 0\.5/);
    expect(p.getWeights()).toEqual(before);
    const s = new Perceptron({ inputs: 2, activation: 'sign', seed: 1 });
    expect(() => s.train(INPUTS, AND)).toThrow(/targets\[0\] must be -1 or 1 for activation 'sign', got 0/);
  });

  it('getWeights returns a copy', () => {
    const p = new Perceptron({ inputs: 2, weights: [0.5, 0.5], bias: -0.8 });
    p.getWeights().weights[0] = 100;
    expect(p.predict([0, 1])).toBe(0);
  });
});

describe('Perceptron: values that overflow float32 are rejected like NaN and Infinity', () => {
  // The weights are a Float32Array: 1e39 passes a float64 check and is stored as Infinity.
  const BAD = [1e39, -1e39, NaN, Infinity];
  const shown = (b: number) => (Number.isNaN(b) ? 'NaN' : Number.isFinite(b) ? `${String(b).replace('+', '\\+')} \\(Infinity as float32\\)` : String(b));

  it('constructor options and fromJSON: weights, bias, learningRate', () => {
    const good = new Perceptron({ inputs: 2, seed: 1 }).toJSON();
    for (const b of BAD) {
      const cases: [() => unknown, RegExp][] = [
        [() => new Perceptron({ inputs: 2, weights: [0, b] }), new RegExp(`^Perceptron: weights\\[1\\] must be a finite number, got ${shown(b)}$`)],
        [() => new Perceptron({ inputs: 2, bias: b }), new RegExp(`^Perceptron: bias must be a finite number, got ${shown(b)}$`)],
        [() => new Perceptron({ inputs: 2, learningRate: b }), new RegExp(`^Perceptron: learningRate must be a finite number > 0, got ${shown(b)}$`)],
        [() => Perceptron.fromJSON({ ...good, weights: [b, 0] }), new RegExp(`weights\\[0\\] must be a finite number, got ${shown(b)}$`)],
        [() => Perceptron.fromJSON({ ...good, bias: b }), new RegExp(`bias must be a finite number, got ${shown(b)}$`)],
        [() => Perceptron.fromJSON({ ...good, learningRate: b }), new RegExp(`learningRate must be a finite number > 0, got ${shown(b)}$`)],
      ];
      for (const [i, [run, message]] of cases.entries()) {
        // Options are arguments (ValueError); a loaded document's fields are the file's fault (ModelFormatError).
        expect(run).toThrow(i < 3 ? ValueError : ModelFormatError);
        expect(run).toThrow(message);
      }
    }
  });

  it('inputs of predict and train; a rejected call leaves the weights bit for bit as they were', () => {
    const p = new Perceptron({ inputs: 2, seed: 1 });
    const bits = () => {
      const { bias, weights } = p.getWeights();
      return Array.from(new Uint32Array(Float32Array.from([bias, ...weights]).buffer));
    };
    const before = bits();
    const outputs = p.predict(INPUTS);
    for (const b of BAD) {
      expect(() => p.train([[0, 0], [0, b]], [0, 1])).toThrow(new RegExp(`^Perceptron\\.train: x row 1, input 1 must be a finite number, got ${shown(b)}$`));
      expect(() => p.predict([[b, 0]])).toThrow(new RegExp(`^Perceptron\\.predict: x row 0, input 0 must be a finite number, got ${shown(b)}$`));
      expect(() => p.predict([0, b])).toThrow(ValueError);
      expect(bits()).toEqual(before);
      expect(p.predict(INPUTS)).toEqual(outputs);
    }
  });
});
