import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, memoryStats, BoltzmannMachine, DBN, Hopfield, RBM, ModelFormatError, ValueError, SimdnnError,
} from '../../src/index.js';

beforeAll(async () => {
  await init({ deterministic: true });
});

// Every parameter of these networks is stored as float32. Values that are
// finite as doubles but not as float32 (1e39 becomes Infinity when stored)
// must be rejected like NaN and Infinity, wherever they come in: setters,
// constructor options, training options, data rows and loaded files.
const BAD = [1e39, -1e39, NaN, Infinity];

/** The bit patterns of some outputs, to check a rejected call changed nothing. */
function bits(...arrays: (Float32Array | Float64Array | number)[]): number[] {
  const out: number[] = [];
  for (const a of arrays) {
    const f = typeof a === 'number' ? Float64Array.of(a) : a.slice();
    out.push(...new Uint32Array(f.buffer));
  }
  return out;
}

/** A symmetric n x n matrix with a zero diagonal and `v` at [i][j] and [j][i]. */
function symmetricWith(n: number, i: number, j: number, v: number): number[][] {
  const w = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => (r === c ? 0 : ((r + c) % 3) / 4 - 0.25)));
  w[i][j] = v;
  w[j][i] = v;
  return w;
}

interface Case<T> {
  name: string;
  call: (net: T, bad: number) => unknown;
  error: new (...args: never[]) => SimdnnError;
  message: (bad: number) => RegExp;
}

const shown = (bad: number) => (Number.isNaN(bad) ? 'NaN' : Number.isFinite(bad) ? `${String(bad).replace('+', '\\+')} \\(Infinity as float32\\)` : String(bad));
const finiteMsg = (where: string) => (bad: number) => new RegExp(`${where} must be a finite number, got ${shown(bad)}$`);
const rangeMsg = (where: string, range: string) => (bad: number) => new RegExp(`${where} must be a finite number ${range}, got ${shown(bad)}$`);

/** Runs every case with every bad value on one network and checks the outputs did not change. */
function rejectsAll<T extends { dispose(): void }>(make: () => T, outputs: (net: T) => number[], cases: Case<T>[]): void {
  for (const c of cases) {
    it(`${c.name} rejects 1e39, -1e39, NaN and Infinity with a ${c.error.name} and changes nothing`, async () => {
      const net = make();
      const before = outputs(net);
      const live = memoryStats().liveBytes;
      for (const bad of BAD) {
        let caught: unknown;
        try {
          await c.call(net, bad);
        } catch (err) {
          caught = err;
        }
        expect(caught, `${c.name} with ${bad}`).toBeInstanceOf(c.error);
        expect((caught as Error).message).toMatch(c.message(bad));
        expect(memoryStats().liveBytes).toBe(live);
        expect(outputs(net)).toEqual(before);
      }
      net.dispose();
    });
  }
}

describe('Hopfield', () => {
  const state = [1, -1, 1, 1];
  const make = () => {
    const net = new Hopfield({ size: 4, seed: 1 });
    net.setWeights(symmetricWith(4, 0, 1, 0.5), [0.1, -0.2, 0, 0.3]);
    return net;
  };
  const outputs = (net: Hopfield) => bits(net.weights, net.thresholds, net.net(state), net.energy(state), net.recall([1, 1, 1, 1], { seed: 3 }).state);
  const json = () => {
    const net = make();
    const j = net.toJSON();
    net.dispose();
    return j;
  };
  rejectsAll(make, outputs, [
    { name: 'setWeights (nested)', call: (n, b) => n.setWeights(symmetricWith(4, 1, 2, b)), error: ValueError, message: finiteMsg('Hopfield\\.setWeights: weights\\[1\\]\\[2\\]') },
    { name: 'setWeights (flat)', call: (n, b) => n.setWeights(symmetricWith(4, 3, 2, b).flat()), error: ValueError, message: finiteMsg('Hopfield\\.setWeights: weights\\[2\\]\\[3\\]') },
    { name: 'setWeights (thresholds)', call: (n, b) => n.setWeights(symmetricWith(4, 0, 1, 1), [0, 0, b, 0]), error: ValueError, message: finiteMsg('Hopfield\\.setWeights: thresholds\\[2\\]') },
    { name: 'setThresholds', call: (n, b) => n.setThresholds([0, 0, 0, b]), error: ValueError, message: finiteMsg('Hopfield\\.setThresholds: thresholds\\[3\\]') },
    { name: 'fromJSON (weights)', call: (_, b) => Hopfield.fromJSON({ ...json(), weights: symmetricWith(4, 0, 1, b).flat() }), error: ModelFormatError, message: finiteMsg('Hopfield\\.fromJSON: weights\\[1\\]') },
    { name: 'fromJSON (thresholds)', call: (_, b) => Hopfield.fromJSON({ ...json(), thresholds: [b, 0, 0, 0] }), error: ModelFormatError, message: finiteMsg('Hopfield\\.fromJSON: thresholds\\[0\\]') },
  ]);
});

describe('BoltzmannMachine', () => {
  const state = [1, 0, 1, 1, 0];
  const make = () => new BoltzmannMachine({ visible: 3, hidden: 2, seed: 1, initScale: 0.5 });
  const outputs = (bm: BoltzmannMachine) => {
    const { weights, biases } = bm.getWeights();
    return bits(weights, biases, bm.energy(state), bm.distribution({ temperature: 0.7 }));
  };
  const json = () => {
    const bm = make();
    const j = bm.toJSON();
    bm.dispose();
    return j;
  };
  const data = [[1, 0, 1], [0, 1, 1]];
  rejectsAll(make, outputs, [
    { name: 'setWeights (weights)', call: (m, b) => m.setWeights({ weights: symmetricWith(5, 1, 4, b) }), error: ValueError, message: finiteMsg('BoltzmannMachine\\.setWeights: weights\\[1\\]\\[4\\]') },
    { name: 'setWeights (biases)', call: (m, b) => m.setWeights({ weights: symmetricWith(5, 0, 1, 1), biases: [0, b, 0, 0, 0] }), error: ValueError, message: finiteMsg('BoltzmannMachine\\.setWeights: biases\\[1\\]') },
    { name: 'constructor (initScale)', call: (_, b) => new BoltzmannMachine({ visible: 3, initScale: b }), error: ValueError, message: rangeMsg('BoltzmannMachine: initScale', '>= 0') },
    { name: 'fit (learningRate)', call: (m, b) => m.fit(data, { epochs: 1, learningRate: b }), error: ValueError, message: rangeMsg('BoltzmannMachine\\.fit: learningRate', '> 0') },
    { name: 'fit (weightDecay)', call: (m, b) => m.fit(data, { epochs: 1, weightDecay: b }), error: ValueError, message: rangeMsg('BoltzmannMachine\\.fit: weightDecay', '>= 0') },
    { name: 'fit (temperature)', call: (m, b) => m.fit(data, { epochs: 1, temperature: b }), error: ValueError, message: rangeMsg('BoltzmannMachine\\.fit: temperature', '> 0') },
    { name: 'fromJSON (weights)', call: (_, b) => BoltzmannMachine.fromJSON({ ...json(), weights: symmetricWith(5, 2, 3, b).flat() }), error: ModelFormatError, message: finiteMsg('BoltzmannMachine\\.fromJSON: weights\\[13\\]') },
    { name: 'fromJSON (biases)', call: (_, b) => BoltzmannMachine.fromJSON({ ...json(), biases: [0, 0, 0, 0, b] }), error: ModelFormatError, message: finiteMsg('BoltzmannMachine\\.fromJSON: biases\\[4\\]') },
  ]);
});

describe('RBM', () => {
  const rows = [[1, 0, 1, 0], [0, 1, 1, 1]];
  const make = () => new RBM({ visible: 4, hidden: 3, seed: 1, initStd: 0.3 });
  const outputs = (rbm: RBM) => bits(rbm.getWeightsFlat(), rbm.transform(rows), rbm.reconstruct(rows), rbm.freeEnergy(rows));
  const json = () => {
    const rbm = make();
    const j = rbm.toJSON();
    rbm.dispose();
    return j;
  };
  const weightsWith = (i: number, v: number) => Array.from({ length: 12 }, (_, k) => (k === i ? v : k / 12));
  rejectsAll(make, outputs, [
    { name: 'setWeights (flat weights)', call: (r, b) => r.setWeights({ weights: weightsWith(7, b) }), error: ValueError, message: finiteMsg('RBM\\.setWeights: weights\\[2\\]\\[1\\]') },
    {
      name: 'setWeights (nested weights)',
      call: (r, b) => r.setWeights({ weights: [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, b, 0]] }),
      error: ValueError, message: finiteMsg('RBM\\.setWeights: weights\\[3\\]\\[1\\]'),
    },
    { name: 'setWeights (visibleBias)', call: (r, b) => r.setWeights({ weights: weightsWith(0, 1), visibleBias: [0, 0, b, 0] }), error: ValueError, message: finiteMsg('RBM\\.setWeights: visibleBias\\[2\\]') },
    { name: 'setWeights (hiddenBias)', call: (r, b) => r.setWeights({ hiddenBias: [b, 0, 0] }), error: ValueError, message: finiteMsg('RBM\\.setWeights: hiddenBias\\[0\\]') },
    {
      name: 'setWeightsFlat (a Float32Array holds 1e39 as Infinity)',
      call: (r, b) => r.setWeightsFlat(Float32Array.from({ length: 19 }, (_, k) => (k === 18 ? b : 0))),
      error: ValueError, message: (b) => new RegExp(`RBM\\.setWeights(Flat)?: hiddenBias\\[2\\] must be a finite number, got ${Number.isNaN(b) ? 'NaN' : b > 0 ? 'Infinity' : '-Infinity'}$`),
    },
    { name: 'constructor (initStd)', call: (_, b) => new RBM({ visible: 4, hidden: 3, initStd: b }), error: ValueError, message: rangeMsg('RBM: initStd', '>= 0') },
    { name: 'fit (learningRate)', call: (r, b) => r.fit(rows, { epochs: 1, learningRate: b }), error: ValueError, message: rangeMsg('RBM\\.fit: learningRate', '> 0') },
    { name: 'fit (momentum)', call: (r, b) => r.fit(rows, { epochs: 1, momentum: b }), error: ValueError, message: rangeMsg('RBM\\.fit: momentum', '>= 0 and < 1') },
    { name: 'fit (weightDecay)', call: (r, b) => r.fit(rows, { epochs: 1, weightDecay: b }), error: ValueError, message: rangeMsg('RBM\\.fit: weightDecay', '>= 0') },
    { name: 'fit (data)', call: (r, b) => r.fit([[0, 1, 0, 1], [0, 1, b, 1]], { epochs: 1 }), error: ValueError, message: finiteMsg('RBM\\.fit: data row 1, unit 2') },
    { name: 'sample (temperature)', call: (r, b) => r.sample({ temperature: b }), error: ValueError, message: rangeMsg('RBM\\.sample: temperature', '> 0') },
    { name: 'fromJSON (weights)', call: (_, b) => RBM.fromJSON({ ...json(), weights: weightsWith(11, b) }), error: ModelFormatError, message: finiteMsg('RBM\\.fromJSON: weights\\[11\\]') },
    { name: 'fromJSON (visibleBias)', call: (_, b) => RBM.fromJSON({ ...json(), visibleBias: [0, b, 0, 0] }), error: ModelFormatError, message: finiteMsg('RBM\\.fromJSON: visibleBias\\[1\\]') },
    { name: 'fromJSON (hiddenBias)', call: (_, b) => RBM.fromJSON({ ...json(), hiddenBias: [0, 0, b] }), error: ModelFormatError, message: finiteMsg('RBM\\.fromJSON: hiddenBias\\[2\\]') },
  ]);

  // Gaussian visible units take any real data: a 1e39 there used to reach the kernels as Infinity.
  rejectsAll(() => new RBM({ visible: 2, hidden: 2, visibleType: 'gaussian', seed: 1 }), (r) => bits(r.getWeightsFlat(), r.transform([[0.5, -1]])), [
    { name: 'Gaussian fit (data)', call: (r, b) => r.fit([[0, 1], [b, 2]], { epochs: 1 }), error: ValueError, message: finiteMsg('RBM\\.fit: data row 1, unit 0') },
    { name: 'Gaussian transform (data)', call: (r, b) => r.transform([[0, 1], [2, b]]), error: ValueError, message: finiteMsg('RBM\\.transform: v row 1, unit 1') },
    { name: 'Gaussian decode (hidden rows)', call: (r, b) => r.decode([[b, 0]]), error: ValueError, message: finiteMsg('RBM\\.decode: h row 0, unit 0') },
  ]);
});

describe('DBN', () => {
  const x = [[1, 0, 1, 0], [0, 1, 1, 1]];
  const make = () => new DBN({ layers: [4, 3, 2], seed: 1 });
  const outputs = (dbn: DBN) => bits(dbn.transform(x), dbn.transform(x, { upTo: 1 }), ...dbn.rbms.map((r) => r.getWeightsFlat()));
  const json = () => {
    const dbn = make();
    const j = dbn.toJSON();
    dbn.dispose();
    return j;
  };
  const withRbm = (i: number, key: 'weights' | 'visibleBias' | 'hiddenBias', k: number, b: number) => {
    const j = json();
    j.rbms[i][key][k] = b;
    return j;
  };
  rejectsAll(make, outputs, [
    { name: 'fromJSON (rbms[1].weights)', call: (_, b) => DBN.fromJSON(withRbm(1, 'weights', 5, b)), error: ModelFormatError, message: finiteMsg('DBN\\.fromJSON: rbms\\[1\\]: weights\\[5\\]') },
    { name: 'fromJSON (rbms[0].hiddenBias)', call: (_, b) => DBN.fromJSON(withRbm(0, 'hiddenBias', 1, b)), error: ModelFormatError, message: finiteMsg('DBN\\.fromJSON: rbms\\[0\\]: hiddenBias\\[1\\]') },
    { name: 'pretrain (data)', call: (d, b) => d.pretrain([[0, 1, 0, b]], { epochs: 1 }), error: ValueError, message: finiteMsg('RBM\\.fit: data row 0, unit 3') },
    { name: 'transform (data)', call: (d, b) => d.transform([[0, b, 0, 1]]), error: ValueError, message: finiteMsg('RBM\\.transform: v row 0, unit 1') },
  ]);
});
