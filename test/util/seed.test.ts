import { describe, it, expect, beforeAll } from 'vitest';
import { checkSeed, checkSeed32, randomSeed } from '../../src/util/seed.js';
import { randomSeed as modelRandomSeed } from '../../src/models/rng.js';
import { init, BoltzmannMachine, DBN, Hopfield, Perceptron, RBM, ValueError, shuffleIndices } from '../../src/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

describe('checkSeed: a seed of a wasm stream is any finite number', () => {
  it('returns finite numbers as they are', () => {
    for (const s of [0, 1, -7, 0.5, 2 ** 52, 1e300, -1e-300]) expect(checkSeed('op', s)).toBe(s);
  });

  it('rejects anything else with a ValueError naming the op, the argument and the value', () => {
    for (const [bad, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], ['1', '"1"'], [undefined, 'undefined'], [null, 'null']] as const) {
      expect(() => checkSeed('Net.fit', bad)).toThrow(ValueError);
      expect(() => checkSeed('Net.fit', bad)).toThrow(`Net.fit: seed must be a finite number, got ${shown}`);
    }
    expect(() => checkSeed('Net.fit', NaN, 'options.seed')).toThrow(/Net\.fit: options\.seed must be a finite number, got NaN/);
  });
});

describe('checkSeed32: a Mulberry32 seed is an integer it holds exactly', () => {
  it('accepts [0, 2^32 - 1] and rejects the rest, naming the value', () => {
    expect(checkSeed32('op', 0)).toBe(0);
    expect(checkSeed32('op', 2 ** 32 - 1)).toBe(2 ** 32 - 1);
    for (const bad of [-1, 2 ** 32, 1.5, NaN, '3']) {
      expect(() => checkSeed32('shuffle', bad)).toThrow(ValueError);
      expect(() => checkSeed32('shuffle', bad)).toThrow(/shuffle: seed must be an integer in \[0, 4294967295\], got/);
    }
  });
});

describe('randomSeed', () => {
  it('gives integers in [0, 2^32) that checkSeed32 accepts; the model code uses the same function', () => {
    for (let i = 0; i < 1000; i++) expect(checkSeed32('randomSeed', randomSeed())).toBeGreaterThanOrEqual(0);
    expect(modelRandomSeed).toBe(randomSeed);
  });
});

describe('every network checks its seeds with the one helper', () => {
  /** Runs f on a fresh network and disposes it whatever happens. */
  const on = <T extends { dispose(): void }>(make: () => T, f: (net: T) => unknown) => () => {
    const net = make();
    try {
      return f(net);
    } finally {
      net.dispose();
    }
  };
  const cases: [string, () => unknown, RegExp][] = [
    ['Hopfield', () => new Hopfield({ size: 2, seed: NaN }), /^Hopfield: seed must be a finite number, got NaN$/],
    ['Hopfield.recall', on(() => new Hopfield({ size: 2, seed: 1 }), (n) => n.recall([1, 1], { seed: Infinity })), /^Hopfield\.recall: seed must be a finite number, got Infinity$/],
    ['BoltzmannMachine', () => new BoltzmannMachine({ visible: 2, seed: '1' as never }), /^BoltzmannMachine: seed must be a finite number, got "1"$/],
    ['BoltzmannMachine.sample', on(() => new BoltzmannMachine({ visible: 2, seed: 1 }), (n) => n.sample({ seed: NaN })), /^BoltzmannMachine\.sample: seed must be a finite number, got NaN$/],
    ['RBM', () => new RBM({ visible: 2, hidden: 2, seed: -Infinity }), /^RBM: seed must be a finite number, got -Infinity$/],
    ['RBM.sample', on(() => new RBM({ visible: 2, hidden: 2, seed: 1 }), (n) => n.sample({ seed: NaN })), /^RBM\.sample: seed must be a finite number, got NaN$/],
    ['DBN', () => new DBN({ layers: [2, 2], seed: NaN }), /^DBN: seed must be a finite number, got NaN$/],
    ['DBN (seed + i must stay exact)', () => new DBN({ layers: [2, 2], seed: 0.5 }), /^DBN: seed must be an integer in \[0, 2\^52\] \(RBM i gets seed \+ i\), got 0\.5$/],
    ['Perceptron', () => new Perceptron({ inputs: 2, seed: 1.5 }), /^Perceptron: seed must be an integer in \[0, 4294967295\], got 1\.5$/],
    ['shuffleIndices', () => shuffleIndices(3, -1), /^shuffleIndices: seed must be an integer in \[0, 4294967295\], got -1$/],
  ];
  for (const [name, run, message] of cases) {
    it(name, () => {
      expect(run).toThrow(ValueError);
      expect(run).toThrow(message);
    });
  }
});
