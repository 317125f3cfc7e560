// The bad-argument table: every public function and constructor of the
// main and Node entries, called with wrong types, null / undefined, NaN,
// ±Infinity, 1e39, fractional, zero, negative and huge sizes, strings, deep
// nesting and disposed objects. Each case must throw a typed error
// (SimdnnError) whose message names the argument, leave memoryStats' live
// bytes and allocations as they were, and leave a model's predictions bit
// for bit as they were. A test fails when an export has no row.
import { describe, it, expect, beforeAll } from 'vitest';
import * as api from '../../src/node.js';
import {
  init, tensor, memoryStats, sequential, layers, optimizers, callbacks, explain, Hopfield, BoltzmannMachine, RBM, DBN, Perceptron, CharVocabulary,
  SimdnnError, DisposedError, type Model, type Tensor,
} from '../../src/node.js';

type Call = (v: unknown) => unknown;
interface Case { label: string; run: () => unknown; names: string[] }
/**
 * A row with `gap` names defects the table found that are not fixed yet: its
 * test is expected to fail (it.fails), and starts failing, to be moved back
 * to a plain row, once they are.
 */
type Row = { cases: () => Case[]; gap?: string } | { skip: string };

const DEEP = (() => {
  const root: unknown[] = [];
  let d = root;
  for (let i = 0; i < 100_000; i++) {
    const n: unknown[] = [];
    d.push(n);
    d = n;
  }
  return root;
})();

// Values that are wrong for every argument of a kind.
const BAD = {
  // null is left to the positional kinds below: an option set to null reads as absent, as in TensorFlow.js.
  number: [NaN, Infinity, -Infinity, 1e39, '1', {}, [], DEEP],
  size: [0, -1, 1.5, 2 ** 53, NaN, Infinity, 1e39, '3', {}, DEEP],
  count: [-1, 1.5, 2 ** 53, NaN, Infinity, '3', {}],
  // Seeds are any finite number (hashed to the generator's state).
  seed: [NaN, Infinity, '1', {}],
  options: [null, 5, 'x', [], { nope: 1 }, DEEP],
  bool: ['false', 1, 0, 'yes', {}],
  fn: [5, 'x', {}, DEEP],
  string: [5, {}, [], DEEP],
  values: ['abc', {}, [['a']], [[1], [2, 3]], DEEP, { length: 1.5 }, new BigInt64Array(2)],
  shape: [null, 'ab', [-1], [1.5], [2 ** 31, 2 ** 31], DEEP, 5],
  model: [null, {}, 5, 'x'],
} as const;

function each(names: string | string[], kind: keyof typeof BAD, call: Call, skip: readonly unknown[] = []): Case[] {
  const ns = Array.isArray(names) ? names : [names];
  const skipped = new Set(skip.map(label));
  return BAD[kind].filter((v) => !skipped.has(label(v))).map((v) => ({ label: `${ns[0]} = ${label(v)}`, run: () => call(v), names: ns }));
}

function label(v: unknown): string {
  if (v === DEEP) return '100,000-deep array';
  if (typeof v === 'bigint' || v instanceof BigInt64Array) return 'BigInt64Array';
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function fixed(label: string, names: string[], run: () => unknown): Case {
  return { label, run, names };
}

// Objects the cases use; built in beforeAll.
let m: Model;
let gone: Model;
let t: Tensor;
let dead: Tensor;
let hop: Hopfield;
const x2 = new Float32Array([0.5, -0.5, 1, 2]);

const cfg = (make: (c: unknown) => unknown, names = ['config', 'options', 'nope']) => (): Case[] => each(names, 'options', make);

const TABLE: Record<string, Row> = {
  // ---- runtime
  init: { cases: () => [...each(['options', 'nope'], 'options', (v) => api.init(v as never), [null]), ...each('deterministic', 'bool', (v) => api.init({ deterministic: v } as never)), ...each('build', 'string', (v) => api.init({ build: v } as never))] },
  initSync: { cases: () => [...each(['options', 'nope'], 'options', (v) => api.initSync(v as never), [null]), ...each('build', 'string', (v) => api.initSync({ build: v } as never))] },
  createBackend: { cases: () => [...each(['options', 'nope'], 'options', (v) => api.createBackend(v as never), [null]), ...each('maxMemoryBytes', 'size', (v) => api.createBackend({ maxMemoryBytes: v } as never), [2 ** 53, 1e39]), fixed('module = {}', ['module'], () => api.createBackend({ module: {} } as never))] },
  createBackendSync: { cases: () => [...each(['options', 'nope'], 'options', (v) => api.createBackendSync(v as never), [null]), ...each('maxMemoryBytes', 'size', (v) => api.createBackendSync({ maxMemoryBytes: v } as never), [2 ** 53, 1e39])] },
  getBackend: { skip: 'takes no argument' },
  backendInfo: { skip: 'takes no argument' },
  memoryStats: { skip: 'takes no argument' },
  setSeed: { cases: () => each('seed', 'seed', (v) => api.setSeed(v as never)) },
  engineSupports: { cases: () => each('build', 'string', (v) => api.engineSupports(v as never)) },
  Backend: { skip: 'constructed by createBackend() from an instantiated module' },
  ACT: { skip: 'a constant' },
  DEFAULT_MEMORY_LIMIT: { skip: 'a constant' },
  SimdnnError: { skip: 'an error class (any message is valid)' },
  ShapeError: { skip: 'an error class' },
  ValueError: { skip: 'an error class' },
  OutOfMemoryError: { skip: 'an error class' },
  DisposedError: { skip: 'an error class' },
  InitError: { skip: 'an error class' },
  ModelFormatError: { skip: 'an error class' },
  KernelAssertionError: { skip: 'an error class' },
  NonFiniteLossError: { skip: 'an error class' },
  kernels: { skip: 'raw kernel wrappers over wasm offsets; their preconditions are asserted by the debug build (KernelAssertionError)' },
  // ---- tensors and ops
  Tensor: { skip: 'wraps a region the caller allocated (tensor() is the checked way in)' },
  tensor: { cases: () => [...each('values', 'values', (v) => tensor(v as never)), ...each('shape', 'shape', (v) => tensor([1, 2], v as never)), ...each('dtype', 'string', (v) => tensor([1], undefined, v as never))] },
  empty: { cases: () => each('shape', 'shape', (v) => api.empty(v as never)) },
  zeros: { cases: () => each('shape', 'shape', (v) => api.zeros(v as never)) },
  ones: { cases: () => each('shape', 'shape', (v) => api.ones(v as never)) },
  fill: { cases: () => [...each('shape', 'shape', (v) => api.fill(v as never, 1)), ...each('value', 'number', (v) => api.fill([2], v as never), [NaN, Infinity, -Infinity, 1e39])] },
  tidy: { cases: () => each('fn', 'fn', (v) => api.tidy(v as never)) },
  keep: { cases: () => each('t', 'model', (v) => api.keep(v as never)) },
  sizeOf: { cases: () => each('shape', 'shape', (v) => api.sizeOf(v as never), [[-1], [1.5], [2 ** 31, 2 ** 31]]) },
  matmul: { cases: () => [...each('a', 'values', (v) => api.matmul(v as never, [[1]])), ...each('b', 'values', (v) => api.matmul([[1]], v as never)), ...each(['options', 'nope'], 'options', (v) => api.matmul([[1]], [[1]], v as never)), ...each('transposeA', 'bool', (v) => api.matmul([[1]], [[1]], { transposeA: v } as never)), ...each('bias', 'values', (v) => api.matmul([[1]], [[1]], { bias: v } as never)), fixed('a disposed', ['a'], () => api.matmul(dead, [[1]]))] },
  conv2d: { cases: () => [...each('x', 'values', (v) => api.conv2d(v as never, [[[[1]]]])), ...each('filter', 'values', (v) => api.conv2d([[[[1]]]], v as never)), ...each(['options', 'opts', 'nope'], 'options', (v) => api.conv2d([[[[1]]]], [[[[1]]]], v as never), [null]), ...each('strides', 'size', (v) => api.conv2d([[[[1]]]], [[[[1]]]], { strides: v } as never))] },
  maxPool2d: { cases: () => [...each('x', 'values', (v) => api.maxPool2d(v as never)), ...each('poolSize', 'size', (v) => api.maxPool2d([[[[1]]]], { poolSize: v } as never))] },
  avgPool2d: { cases: () => [...each('x', 'values', (v) => api.avgPool2d(v as never)), ...each('poolSize', 'size', (v) => api.avgPool2d([[[[1]]]], { poolSize: v } as never))] },
  activation: { cases: () => [...each('x', 'values', (v) => api.activation(v as never, 'relu')), ...each(['name', 'activation'], 'string', (v) => api.activation([1], v as never)), ...each('alpha', 'number', (v) => api.activation([1], 'leakyRelu', v as never), [DEEP])] },
  ...Object.fromEntries(['relu', 'sigmoid', 'tanh', 'gelu', 'softplus', 'softsign', 'selu', 'swish', 'mish', 'step', 'sign', 'softmax', 'exp', 'log', 'transpose', 'sum', 'argMax'].map((f) => [f, {
    cases: () => [...each('x', 'values', (v) => (api as unknown as Record<string, Call>)[f](v)), fixed('x disposed', ['x'], () => (api as unknown as Record<string, Call>)[f](dead))],
  }])),
  leakyRelu: { cases: () => [...each('x', 'values', (v) => api.leakyRelu(v as never)), ...each('alpha', 'number', (v) => api.leakyRelu([1], v as never), [DEEP])] },
  elu: { cases: () => [...each('x', 'values', (v) => api.elu(v as never)), ...each('alpha', 'number', (v) => api.elu([1], v as never), [DEEP])] },
  add: { cases: () => [...each('a', 'values', (v) => api.add(v as never, [1])), ...each('b', 'values', (v) => api.add([1], v as never)), fixed('b disposed', ['b'], () => api.add(t, dead))] },
  sub: { cases: () => [...each('a', 'values', (v) => api.sub(v as never, [1])), ...each('b', 'values', (v) => api.sub([1], v as never))] },
  mul: { cases: () => [...each('a', 'values', (v) => api.mul(v as never, [1])), ...each('b', 'values', (v) => api.mul([1], v as never))] },
  clipByValue: { cases: () => [...each('x', 'values', (v) => api.clipByValue(v as never, 0, 1)), ...each('lo', 'number', (v) => api.clipByValue([1], v as never, 1), [-Infinity]), ...each('hi', 'number', (v) => api.clipByValue([1], 0, v as never), [Infinity, 1e39])] },
  randomUniform: { cases: () => [...each('shape', 'shape', (v) => api.randomUniform(v as never)), ...each('minval', 'number', (v) => api.randomUniform([2], v as never)), ...each('seed', 'seed', (v) => api.randomUniform([2], 0, 1, v as never))] },
  randomNormal: { cases: () => [...each('shape', 'shape', (v) => api.randomNormal(v as never)), ...each('stdDev', 'number', (v) => api.randomNormal([2], 0, v as never))] },
  randomBernoulli: { cases: () => [...each('shape', 'shape', (v) => api.randomBernoulli(v as never)), ...each('p', 'number', (v) => api.randomBernoulli([2], v as never))] },
  // ---- layers
  layers: { skip: 'a namespace: its members have rows (layers.*)' },
  ...Object.fromEntries(Object.keys(layers).map((k) => [`layers.${k}`, { cases: cfg((c) => (layers as unknown as Record<string, Call>)[k](c)) }])),
  'layers.dense+': { cases: () => [...each('units', 'size', (v) => layers.dense({ units: v } as never)), ...each('useBias', 'bool', (v) => layers.dense({ units: 2, useBias: v } as never)), ...each('activation', 'string', (v) => layers.dense({ units: 2, activation: v } as never))] },
  'layers.conv2d+': { cases: () => [...each('filters', 'size', (v) => layers.conv2d({ filters: v, kernelSize: 3 } as never)), ...each('kernelSize', 'size', (v) => layers.conv2d({ filters: 2, kernelSize: v } as never))] },
  'layers.dropout+': { cases: () => each('rate', 'number', (v) => layers.dropout({ rate: v } as never)) },
  'layers.lstm+': { cases: () => each('units', 'size', (v) => layers.lstm({ units: v } as never)) },
  'layers.embedding+': { cases: () => [...each('inputDim', 'size', (v) => layers.embedding({ inputDim: v, outputDim: 2 } as never)), ...each('outputDim', 'size', (v) => layers.embedding({ inputDim: 2, outputDim: v } as never))] },
  Layer: { skip: 'abstract base class (subclassed by custom layers; its constructor is checked through every layer below)' },
  Recurrent: { skip: 'abstract base class of SimpleRNN, LSTM and GRU' },
  ...Object.fromEntries(['Dense', 'DenseTied', 'Activation', 'Dropout', 'Conv', 'Pooling', 'GlobalAveragePooling', 'Reshape', 'Add', 'Concatenate', 'SimpleRNN', 'LSTM', 'GRU', 'TimeDistributed', 'Bidirectional', 'Embedding', 'Masking', 'BatchNormalization', 'GaussianNoise', 'MaskingNoise', 'SaltAndPepperNoise', 'UpSampling2D', 'Conv2DTranspose', 'InputLayer'].map((k) => [k, {
    cases: cfg((c) => new (api as unknown as Record<string, new (c: unknown) => unknown>)[k](c), ['config', 'options', 'nope', 'mode']),
  }])),
  layerFromJSON: { cases: () => [...each(['json', 'className', 'layer'], 'options', (v) => api.layerFromJSON(v as never)), fixed('className unknown', ['className', 'Nope'], () => api.layerFromJSON({ className: 'Nope', config: {} } as never))] },
  registerLayer: { cases: () => [...each('className', 'string', (v) => api.registerLayer(v as never, () => null as never)), ...each('create', 'fn', (v) => api.registerLayer('Xyz', v as never))] },
  LAYER_REGISTRY: { skip: 'a Map read by layerFromJSON (registerLayer is the checked way in)' },
  // ---- recurrent helpers
  JordanNetwork: { cases: cfg((c) => new api.JordanNetwork(c as never)) },
  jordanNetwork: { cases: () => [...cfg((c) => api.jordanNetwork(c as never))(), ...each('inputSize', 'size', (v) => api.jordanNetwork({ inputSize: v, hiddenSize: 2, outputSize: 2 } as never))] },
  CharVocabulary: { cases: () => [...each('chars', 'values', (v) => new CharVocabulary(v as never), [[['a']]]), fixed('chars duplicated', ['chars'], () => new CharVocabulary(['a', 'a']))] },
  nextStepWindows: { cases: () => [...each('ids', 'values', (v) => api.nextStepWindows(v as never, 2)), ...each('window', 'size', (v) => api.nextStepWindows([1, 2, 3], v as never))] },
  sampleText: { cases: () => [...each('model', 'model', (v) => api.sampleText(v as never, new CharVocabulary(['a']), { length: 2 })), fixed('model disposed', ['model', 'disposed'], () => api.sampleText(gone, new CharVocabulary(['a']), { length: 2 }))] },
  // ---- params and graph (internal building blocks)
  Variable: { skip: 'created by layers when they build (an internal building block exported for custom layers)' },
  ParamStore: { skip: 'created by models (an internal building block exported for custom layers)' },
  SymbolicTensor: { skip: 'created by input() and layer.apply()' },
  Node: { skip: 'created by layer.apply()' },
  input: { cases: () => [...cfg((c) => api.input(c as never))(), ...each('shape', 'shape', (v) => api.input({ shape: v } as never))] },
  // ---- models
  Model: { cases: cfg((c) => new api.Model(c as never)) },
  model: { cases: () => [...cfg((c) => api.model(c as never))(), ...each(['inputs', 'outputs'], 'model', (v) => api.model({ inputs: v, outputs: v } as never))] },
  Sequential: { cases: cfg((c) => new api.Sequential(c as never)) },
  sequential: { cases: () => [...cfg((c) => sequential(c as never), ['config', 'options', 'nope'])(), ...each('name', 'string', (v) => sequential({ name: v } as never)), ...each('seed', 'seed', (v) => sequential({ seed: v } as never)), ...each('backend', 'model', (v) => sequential({ backend: v } as never), [null])] },
  'Model#predict': { cases: () => [...each(['x', 'values'], 'values', (v) => m.predict(v as never)), ...each(['options', 'args', 'nope'], 'options', (v) => m.predict(x2, v as never)), ...each('batchSize', 'size', (v) => m.predict(x2, { batchSize: v } as never)), fixed('disposed model', ['disposed'], () => gone.predict(x2))] },
  'Model#evaluate': { cases: () => [...each(['y', 'values'], 'values', (v) => m.evaluate(x2, v as never)), ...each(['options', 'args', 'nope'], 'options', (v) => m.evaluate(x2, x2, v as never))] },
  'Model#compile': { cases: () => [...each(['args', 'compile', 'options'], 'options', (v) => m.compile(v as never)), ...each('loss', 'string', (v) => m.compile({ optimizer: 'sgd', loss: v } as never)), ...each('optimizer', 'string', (v) => m.compile({ optimizer: v, loss: 'mse' } as never)), ...each('metrics', 'model', (v) => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: v } as never), [null])] },
  'Model#fit': { cases: () => [...each(['options', 'args', 'nope'], 'options', (v) => m.fit(x2, x2, v as never)), ...each('epochs', 'size', (v) => m.fit(x2, x2, { epochs: v } as never)), ...each('callbacks', 'fn', (v) => m.fit(x2, x2, { epochs: 1, callbacks: v } as never), [{}]), ...each('shuffle', 'bool', (v) => m.fit(x2, x2, { shuffle: v } as never))] },
  'Model#trainOnBatch': { cases: () => [...each(['x', 'values'], 'values', (v) => m.trainOnBatch(v as never, x2)), ...each(['y', 'values'], 'values', (v) => m.trainOnBatch(x2, v as never))] },
  'Model#setWeights': { cases: () => [...each('weights', 'values', (v) => m.setWeights(v as never)), fixed('weights [null]', ['setWeights'], () => m.setWeights([null] as never)), fixed('NaN weights', ['values', 'weights', 'finite'], () => m.setWeightsFlat(new Float32Array(m.countParams()).fill(NaN)))] },
  'Model#summary': { cases: () => each('print', 'fn', (v) => m.summary(v as never)) },
  'Model#memoryLimit': { cases: () => each('memoryLimit', 'number', (v) => { m.memoryLimit = v as never; }, [Infinity, 1e39]) },
  Autoencoder: { cases: cfg((c) => new api.Autoencoder(c as never)) },
  autoencoder: { cases: () => [...cfg((c) => api.autoencoder(c as never))(), ...each('inputDim', 'size', (v) => api.autoencoder({ inputDim: v, units: [2] } as never)), ...each('units', 'values', (v) => api.autoencoder({ inputDim: 4, units: v } as never))] },
  StackedAutoencoder: { cases: cfg((c) => new api.StackedAutoencoder(c as never)) },
  stackedAutoencoder: { cases: cfg((c) => api.stackedAutoencoder(c as never)) },
  callbacks: { skip: 'a namespace: callbacks.earlyStopping has a row' },
  'callbacks.earlyStopping': { cases: () => [...each(['options', 'nope'], 'options', (v) => callbacks.earlyStopping(v as never), [null]), ...each('patience', 'count', (v) => callbacks.earlyStopping({ patience: v } as never)), ...each('monitor', 'string', (v) => callbacks.earlyStopping({ monitor: v } as never))] },
  EarlyStopping: { cases: () => each('minDelta', 'number', (v) => new api.EarlyStopping({ minDelta: v } as never), [1e39]) },
  // ---- optimizers
  optimizers: { skip: 'a namespace: its members have rows (optimizers.*)' },
  ...Object.fromEntries(Object.keys(optimizers).map((k) => [`optimizers.${k}`, {
    cases: () => [...each(['options', 'nope'], 'options', (v) => (optimizers as unknown as Record<string, Call>)[k](v), [null]), ...(k === 'lbfgs' ? each('historySize', 'size', (v) => optimizers.lbfgs({ historySize: v } as never)) : each('learningRate', 'number', (v) => (optimizers as unknown as Record<string, Call>)[k]({ learningRate: v }), []))],
  }])),
  Optimizer: { skip: 'abstract base class' },
  ...Object.fromEntries(['SGD', 'Momentum', 'Adam', 'RMSProp', 'Adagrad', 'Adadelta', 'Adamax', 'LBFGS'].map((k) => [k, {
    cases: () => each(['options', 'nope'], 'options', (v) => new (api as unknown as Record<string, new (c: unknown) => unknown>)[k](v), [null]),
  }])),
  stepDecay: { cases: () => [...each(['options', 'opts', 'nope'], 'options', (v) => api.stepDecay(v as never)), ...each('dropEvery', 'size', (v) => api.stepDecay({ initialLearningRate: 0.1, dropEvery: v } as never))] },
  exponentialDecay: { cases: () => [...each(['options', 'opts', 'nope'], 'options', (v) => api.exponentialDecay(v as never)), ...each('staircase', 'bool', (v) => api.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: v } as never))] },
  cosineDecay: { cases: () => [...each(['options', 'opts', 'nope'], 'options', (v) => api.cosineDecay(v as never)), ...each('decaySteps', 'size', (v) => api.cosineDecay({ initialLearningRate: 0.1, decaySteps: v } as never))] },
  // ---- classic and energy-based nets
  Perceptron: { cases: () => [...each(['options', 'nope'], 'options', (v) => new Perceptron(v as never)), ...each('inputs', 'size', (v) => new Perceptron({ inputs: v } as never)), ...each('learningRate', 'number', (v) => new Perceptron({ inputs: 2, learningRate: v } as never)), fixed('fromJSON deep', ['fromJSON'], () => Perceptron.fromJSON(DEEP))] },
  Hopfield: { cases: () => [...each(['options', 'nope'], 'options', (v) => new Hopfield(v as never)), ...each('size', 'size', (v) => new Hopfield({ size: v } as never)), ...each('weights', 'values', (v) => hop.setWeights(v as never)), fixed('fromJSON deep', ['fromJSON'], () => Hopfield.fromJSON(DEEP))] },
  BoltzmannMachine: { cases: () => [...each(['options', 'nope'], 'options', (v) => new BoltzmannMachine(v as never)), ...each('visible', 'size', (v) => new BoltzmannMachine({ visible: v, hidden: 1 } as never)), fixed('fromJSON deep', ['fromJSON'], () => BoltzmannMachine.fromJSON(DEEP))] },
  RBM: { cases: () => [...each(['options', 'nope'], 'options', (v) => new RBM(v as never)), ...each('hidden', 'size', (v) => new RBM({ visible: 2, hidden: v } as never)), ...each('initStd', 'number', (v) => new RBM({ visible: 2, hidden: 2, initStd: v } as never)), fixed('fromJSON deep', ['fromJSON'], () => RBM.fromJSON(DEEP))] },
  DBN: { cases: () => [...each(['options', 'nope'], 'options', (v) => new DBN(v as never)), ...each('layers', 'values', (v) => new DBN({ layers: v } as never)), fixed('fromJSON deep', ['fromJSON'], () => DBN.fromJSON(DEEP))] },
  // ---- data
  parseCsv: { cases: () => [...each('text', 'string', (v) => api.parseCsv(v as never, { labelColumn: -1 })), ...each(['options', 'nope'], 'options', (v) => api.parseCsv('a,b\n1,2', v as never)), ...each('labelColumn', 'count', (v) => api.parseCsv('a,b\n1,2', { labelColumn: v } as never), [-1])] },
  parseCsvRecords: { cases: () => [...each('text', 'string', (v) => api.parseCsvRecords(v as never)), ...each(['options', 'nope'], 'options', (v) => api.parseCsvRecords('a', v as never)), ...each('delimiter', 'string', (v) => api.parseCsvRecords('a', { delimiter: v } as never))] },
  oneHot: { cases: () => [...each('labels', 'model', (v) => api.oneHot(v as never, 3)), ...each('numClasses', 'size', (v) => api.oneHot([0], v as never))] },
  trainTestSplit: { cases: () => [...each(['data', 'x'], 'options', (v) => api.trainTestSplit(v as never, { testFraction: 0.5 })), ...each('testFraction', 'number', (v) => api.trainTestSplit({ x: x2, y: new Int32Array(4), n: 4, features: 1 } as never, { testFraction: v } as never))] },
  standardize: { cases: () => [...each('x', 'model', (v) => api.standardize(v as never, 2)), ...each('features', 'size', (v) => api.standardize(x2, v as never))] },
  applyStandardize: { cases: () => [...each('mean', 'model', (v) => api.applyStandardize(x2, 2, v as never, [1, 1])), ...each('features', 'size', (v) => api.applyStandardize(x2, v as never, [0, 0], [1, 1]))] },
  shuffleIndices: { cases: () => [...each('n', 'count', (v) => api.shuffleIndices(v as never)), ...each('seed', 'seed', (v) => api.shuffleIndices(3, v as never))] },
  polynomialFeatures: { cases: () => [...each('x', 'model', (v) => api.polynomialFeatures(v as never, 2)), ...each('features', 'size', (v) => api.polynomialFeatures(x2, v as never)), ...each(['options', 'nope'], 'options', (v) => api.polynomialFeatures(x2, 2, v as never), [null])] },
  loadMnist: { cases: () => [...each(['options', 'nope'], 'options', (v) => api.loadMnist(v as never)), ...each('trainSize', 'size', (v) => api.loadMnist({ trainSize: v } as never))] },
  loadIris: { skip: 'takes no argument' },
  loadCsv: { cases: () => [...each('path', 'string', (v) => api.loadCsv(v as never, { labelColumn: -1 })), fixed('path missing', ['loadCsv'], () => api.loadCsv('/no/such/file.csv', { labelColumn: -1 }))] },
  shiftAugment: { cases: () => [...each('x', 'model', (v) => api.shiftAugment(v as never, new Int32Array(1), { width: 2, height: 2 } as never)), ...each(['options', 'nope'], 'options', (v) => api.shiftAugment(x2, new Int32Array(1), v as never))] },
  // ---- saving and loading
  serializeModel: { cases: () => [...each('model', 'model', (v) => api.serializeModel(v as never)), fixed('model disposed', ['disposed'], () => api.serializeModel(gone))] },
  deserializeModel: { cases: () => [...each(['artifacts', 'expected'], 'options', (v) => api.deserializeModel(v as never)), fixed('options null', ['options'], () => api.deserializeModel(api.serializeModel(m), null as never))] },
  encodeModelFile: { cases: () => each(['artifacts', 'expected', 'weightData', 'format'], 'options', (v) => api.encodeModelFile(v as never)) },
  decodeModelFile: { cases: () => each(['bytes', 'Uint8Array'], 'model', (v) => api.decodeModelFile(v as never)) },
  modelFromJSONAndWeights: { cases: () => [...each(['model.json', 'json', 'format'], 'options', (v) => api.modelFromJSONAndWeights(v as never, new Uint8Array(0))), ...each(['weights', 'weightData'], 'model', (v) => api.modelFromJSONAndWeights({}, v as never))] },
  saveModel: { cases: () => [...each('path', 'string', (v) => api.saveModel(m, v as never)), ...each('model', 'model', (v) => api.saveModel(v as never, '/tmp/simdnn-never.simdnn'))] },
  loadModel: { cases: () => [...each('path', 'string', (v) => api.loadModel(v as never)), ...each(['options', 'nope'], 'options', (v) => api.loadModel('/tmp', v as never))] },
  // ---- TensorFlow.js-shaped tensor functions
  ...Object.fromEntries(['hardSigmoid', 'sqrt', 'square', 'abs', 'neg', 'reciprocal', 'round', 'floor', 'ceil', 'mean', 'max', 'min', 'prod', 'argMin', 'zerosLike', 'onesLike'].map((f) => [f, {
    cases: () => [...each(['x', 'values'], 'values', (v) => (api as unknown as Record<string, Call>)[f](v)), fixed('x disposed', ['x', 'disposed'], () => (api as unknown as Record<string, Call>)[f](dead))],
  }])),
  ...Object.fromEntries(['div', 'pow', 'maximum', 'minimum', 'squaredDifference'].map((f) => [f, {
    cases: () => [
      ...each(['a', 'values'], 'values', (v) => (api as unknown as Record<string, (a: unknown, b: unknown) => unknown>)[f](v, [1])),
      ...each(['b', 'values'], 'values', (v) => (api as unknown as Record<string, (a: unknown, b: unknown) => unknown>)[f]([1], v)),
    ],
  }])),
  scalar: { cases: () => [...each('value', 'model', (v) => api.scalar(v as never), [5]), ...each('dtype', 'string', (v) => api.scalar(1, v as never))] },
  ...Object.fromEntries(['tensor1d', 'tensor2d', 'tensor3d', 'tensor4d'].map((f) => [f, {
    cases: () => each('values', 'values', (v) => (api as unknown as Record<string, Call>)[f](v), [{ length: 1.5 }]),
  }])),
  linspace: { cases: () => [...each('start', 'number', (v) => api.linspace(v as never, 1, 3)), ...each('num', 'size', (v) => api.linspace(0, 1, v as never))] },
  range: { cases: () => [...each('start', 'number', (v) => api.range(v as never, 3)), ...each('step', 'number', (v) => api.range(0, 3, v as never))] },
  concat: { cases: () => [...each('tensors', 'model', (v) => api.concat(v as never)), ...each('axis', 'count', (v) => api.concat([[1], [2]], v as never), [-1])] },
  stack: { cases: () => [...each('tensors', 'model', (v) => api.stack(v as never)), ...each('axis', 'count', (v) => api.stack([[1], [2]], v as never), [-1])] },
  slice: { cases: () => [...each('x', 'values', (v) => api.slice(v as never, 0)), ...each('begin', 'count', (v) => api.slice([1, 2], v as never))] },
  gather: { cases: () => [...each('x', 'values', (v) => api.gather(v as never, [0])), ...each('indices', 'values', (v) => api.gather([1, 2], v as never))] },
  expandDims: { cases: () => [...each('x', 'model', (v) => api.expandDims(v as never)), ...each('axis', 'count', (v) => api.expandDims(t, v as never), [-1])] },
  squeeze: { cases: () => [...each('x', 'model', (v) => api.squeeze(v as never)), ...each('axis', 'model', (v) => api.squeeze(t, v as never), [null])] },
  broadcastShapes: { cases: () => [...each('a', 'shape', (v) => api.broadcastShapes('op', v as never, [1])), ...each('b', 'shape', (v) => api.broadcastShapes('op', [1], v as never))] },
  util: { skip: 'a namespace: its members have rows of their own (util.*)' },
  'util.shuffle': { cases: () => each('array', 'model', (v) => api.util.shuffle(v as never)) },
  'util.shuffleCombo': { cases: () => [...each('a', 'model', (v) => api.util.shuffleCombo(v as never, [1])), ...each('b', 'model', (v) => api.util.shuffleCombo([1], v as never))] },
  'util.sizeFromShape': { cases: () => each('shape', 'shape', (v) => api.util.sizeFromShape(v as never), [[-1], [1.5], [2 ** 31, 2 ** 31]]) },
  initializers: { skip: 'a namespace: its members with arguments have rows of their own (initializers.*; zeros and ones take none)' },
  'initializers.constant': { cases: () => [...each('value', 'number', (v) => api.initializers.constant({ value: v } as never)), ...each(['options', 'value', 'nope'], 'options', (v) => api.initializers.constant(v as never))] },
  'initializers.varianceScaling': { cases: () => [...each('scale', 'number', (v) => api.initializers.varianceScaling({ scale: v } as never)), ...each('mode', 'string', (v) => api.initializers.varianceScaling({ mode: v } as never)), ...each('distribution', 'string', (v) => api.initializers.varianceScaling({ distribution: v } as never)), ...each('seed', 'seed', (v) => api.initializers.varianceScaling({ seed: v } as never))] },
  ...Object.fromEntries(['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'leCunUniform', 'leCunNormal'].map((f) => [`initializers.${f}`, {
    cases: () => each('seed', 'seed', (v) => (api.initializers as unknown as Record<string, Call>)[f]({ seed: v })),
  }])),
  'initializers.randomNormal': { cases: () => [...each('mean', 'number', (v) => api.initializers.randomNormal({ mean: v } as never)), ...each('stddev', 'number', (v) => api.initializers.randomNormal({ stddev: v } as never)), fixed('stddev = -1', ['stddev'], () => api.initializers.randomNormal({ stddev: -1 }))] },
  'initializers.truncatedNormal': { cases: () => [...each('mean', 'number', (v) => api.initializers.truncatedNormal({ mean: v } as never)), ...each('stddev', 'number', (v) => api.initializers.truncatedNormal({ stddev: v } as never))] },
  'initializers.randomUniform': { cases: () => [...each('minval', 'number', (v) => api.initializers.randomUniform({ minval: v } as never)), ...each('maxval', 'number', (v) => api.initializers.randomUniform({ maxval: v } as never)), fixed('minval > maxval', ['minval'], () => api.initializers.randomUniform({ minval: 1, maxval: 0 }))] },
  'initializers.orthogonal': { cases: () => [...each('gain', 'number', (v) => api.initializers.orthogonal({ gain: v } as never)), ...each('seed', 'seed', (v) => api.initializers.orthogonal({ seed: v } as never))] },
  'initializers.identity': { cases: () => each('gain', 'number', (v) => api.initializers.identity({ gain: v } as never)) },
  regularizers: { skip: 'a namespace: its members have rows of their own (regularizers.*)' },
  'regularizers.l1': { cases: () => [...each('l1', 'number', (v) => api.regularizers.l1({ l1: v } as never)), fixed('l1 = -1', ['l1'], () => api.regularizers.l1({ l1: -1 })), ...each(['options', 'nope'], 'options', (v) => api.regularizers.l1(v as never))] },
  'regularizers.l2': { cases: () => [...each('l2', 'number', (v) => api.regularizers.l2({ l2: v } as never)), ...each(['options', 'nope'], 'options', (v) => api.regularizers.l2(v as never))] },
  'regularizers.l1l2': { cases: () => [...each('l1', 'number', (v) => api.regularizers.l1l2({ l1: v } as never)), ...each('l2', 'number', (v) => api.regularizers.l1l2({ l2: v } as never)), ...each(['options', 'nope'], 'options', (v) => api.regularizers.l1l2(v as never))] },
  NeuralNetwork: { cases: () => [...each(['options', 'config', 'nope'], 'options', (v) => new api.NeuralNetwork(v as never), [null])] },
  // ---- TensorFlow.js Layers and ONNX
  loadLayersModel: { cases: () => [...each(['source', 'URL', 'modelTopology', 'cannot be read'], 'model', (v) => api.loadLayersModel(v as never)), ...each(['options', 'opts', 'nope'], 'options', (v) => api.loadLayersModel('/no/such/model.json', v as never), [null])] },
  saveLayersModel: { cases: () => [...each('model', 'model', (v) => api.saveLayersModel(v as never, '/tmp/simdnn-never')), fixed('model disposed', ['disposed', 'model'], () => api.saveLayersModel(gone, '/tmp/simdnn-never'))] },
  toLayersArtifacts: { cases: () => [...each('model', 'model', (v) => api.toLayersArtifacts(v as never)), fixed('model disposed', ['disposed', 'model'], () => api.toLayersArtifacts(gone))] },
  layersModelFromArtifacts: { cases: () => [...each(['artifacts', 'modelTopology', 'expected'], 'options', (v) => api.layersModelFromArtifacts(v as never)), ...each(['options', 'opts', 'nope'], 'options', (v) => api.layersModelFromArtifacts(api.toLayersArtifacts(m), v as never), [null])] },
  toOnnx: { cases: () => [...each('model', 'model', (v) => api.toOnnx(v as never)), fixed('model disposed', ['disposed', 'model'], () => api.toOnnx(gone))] },
  saveOnnx: { cases: () => [...each('model', 'model', (v) => api.saveOnnx(v as never, '/tmp/simdnn-never.onnx')), ...each('path', 'string', (v) => api.saveOnnx(m, v as never))] },
  ONNX_OPSET: { skip: 'a constant' },
  // ---- pictures
  encodePng: { cases: () => [...each('pixels', 'model', (v) => api.encodePng(v as never, 1, 1)), ...each('width', 'size', (v) => api.encodePng(new Uint8Array(4), v as never, 1)), ...each('channels', 'size', (v) => api.encodePng(new Uint8Array(4), 1, 1, v as never))] },
  filtersToPng: { cases: () => [...each('weights', 'model', (v) => api.filtersToPng(v as never, { width: 1, height: 1 } as never)), ...each(['options', 'nope'], 'options', (v) => api.filtersToPng(x2, v as never))] },
  imagesToPng: { cases: () => [...each('images', 'model', (v) => api.imagesToPng(v as never, { width: 2, height: 2 } as never)), ...each(['options', 'nope'], 'options', (v) => api.imagesToPng(x2, v as never))] },
  layerFiltersToPng: { cases: () => [...each('layer', 'model', (v) => api.layerFiltersToPng(v as never)), ...each(['options', 'nope'], 'options', (v) => api.layerFiltersToPng(m.layers[0], v as never), [null])] },
  // ---- explain
  explain: { skip: 'a namespace: its members have rows (explain.*)' },
  ...Object.fromEntries(['inputGradients', 'saliency', 'sanityCheck', 'activationMaximization', 'decisionBoundary'].map((k) => [`explain.${k}`, {
    cases: () => {
      const f = (explain as unknown as Record<string, (...a: unknown[]) => unknown>)[k];
      const rest = k === 'activationMaximization' || k === 'decisionBoundary' ? [{}] : [x2];
      return [...each('model', 'model', (v) => f(v, ...rest)), fixed('model disposed', ['disposed', 'model'], () => f(gone, ...rest))];
    },
  }])),
  ...Object.fromEntries(['fgsm', 'pgd'].map((k) => [`explain.${k}`, {
    cases: () => {
      const f = (explain as unknown as Record<string, (...a: unknown[]) => unknown>)[k];
      return [...each('model', 'model', (v) => f(v, x2, [0, 1], { epsilon: 0.1 })), ...each('epsilon', 'number', (v) => f(m, x2, [0, 1], { epsilon: v }))];
    },
  }])),
  'explain.representation': { cases: () => [...each('model', 'model', (v) => explain.representation(v as never, x2, {} as never)), ...each(['options', 'nope'], 'options', (v) => explain.representation(m, x2, v as never))] },
  ...Object.fromEntries(['activations', 'activationStats'].map((k) => [`explain.${k}`, {
    cases: () => {
      const f = (explain as unknown as Record<string, (...a: unknown[]) => unknown>)[k];
      return [...each('model', 'model', (v) => f(v, x2, { layers: ['dense'] })), ...each(['options', 'nope'], 'options', (v) => f(m, x2, v))];
    },
  }])),
  'explain.gradientStats': { cases: () => [...each('model', 'model', (v) => explain.gradientStats(v as never, x2, x2)), ...each(['options', 'nope'], 'options', (v) => explain.gradientStats(m, x2, x2, v as never), [null])] },
  'explain.gradientStatsCallback': { cases: () => each(['options', 'nope'], 'options', (v) => explain.gradientStatsCallback(x2, x2, v as never), [null]) },
  'explain.rankCorrelation': { cases: () => [...each('a', 'model', (v) => explain.rankCorrelation(v as never, [1, 2])), ...each('b', 'model', (v) => explain.rankCorrelation([1, 2], v as never))] },
  ...Object.fromEntries(['saliencyToPng', 'activationMapsToPng', 'activationHistogramsToPng', 'gradientStatsToPng'].map((k) => [`explain.${k}`, {
    cases: () => each(['maps', 'values', 'stats'], 'model', (v) => (explain as unknown as Record<string, (...a: unknown[]) => unknown>)[k](v, k === 'saliencyToPng' ? { width: 2, height: 2 } : {})),
  }])),
  'explain.adversarialToPng': { cases: () => each(['original', 'values'], 'model', (v) => explain.adversarialToPng(v as never, v as never, { width: 2, height: 2 } as never)) },
  'explain.layerFiltersToPng': { cases: () => each('layer', 'model', (v) => explain.layerFiltersToPng(v as never)) },
};

/** Exports with their own row, namespaces expanded (layers.*, optimizers.*, callbacks.*, explain.*). */
function publicNames(): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(api)) {
    out.push(k);
    if (['layers', 'optimizers', 'callbacks', 'explain'].includes(k)) for (const sub of Object.keys(v as object)) out.push(`${k}.${sub}`);
  }
  return out;
}

function bits(model: Model): string {
  const y = model.predict(x2) as Tensor;
  const b = Buffer.from(y.toFloat32Array().buffer).toString('hex');
  y.dispose();
  return b;
}

beforeAll(async () => {
  await init({ deterministic: true });
  m = sequential({ seed: 4, name: 'witness', layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 2 })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  gone = sequential({ seed: 4, layers: [layers.dense({ units: 2, inputShape: [2] })] });
  (gone.predict(x2) as Tensor).dispose();
  gone.dispose();
  t = tensor([1, 2]);
  hop = new Hopfield({ size: 2, seed: 1 });
  dead = tensor([1, 2]);
  dead.dispose();
});

describe('the bad-argument table', () => {
  it('has a row for every export of the main and Node entries (and every member of layers, optimizers, callbacks, explain)', () => {
    const missing = publicNames().filter((n) => !(n in TABLE));
    expect(missing, `add rows for: ${missing.join(', ')}`).toEqual([]);
    for (const [name, row] of Object.entries(TABLE)) if ('skip' in row) expect(row.skip.length, name).toBeGreaterThan(5);
  });

  it('counts its cases', () => {
    const rows = Object.values(TABLE).filter((r): r is { cases: () => Case[] } => 'cases' in r);
    const cases = rows.reduce((n, r) => n + r.cases().length, 0);
    if (process.env.SIMDNN_TABLE_COUNT) console.log(`bad-argument table: ${rows.length} rows with cases, ${Object.keys(TABLE).length - rows.length} documented skips, ${cases} cases`);
    expect(cases).toBeGreaterThan(1000);
  });

  for (const [name, row] of Object.entries(TABLE)) {
    if ('skip' in row) continue;
    (row.gap ? it.fails : it)(row.gap ? `${name} (known gap: ${row.gap})` : name, async () => {
      const failures: string[] = [];
      for (const c of row.cases()) {
        const witness = bits(m);
        const before = memoryStats();
        let thrown: unknown = null;
        try {
          const r = c.run();
          if (r instanceof Promise) await r;
        } catch (err) {
          thrown = err;
        }
        if (!(thrown instanceof SimdnnError)) {
          failures.push(`${c.label}: ${thrown === null ? 'no error' : `${(thrown as Error)?.constructor?.name}: ${(thrown as Error)?.message}`}`);
          continue;
        }
        const msg = thrown.message;
        if (!(thrown instanceof DisposedError) && !c.names.some((n) => msg.includes(n))) failures.push(`${c.label}: message does not name ${c.names.join(' / ')}: ${msg}`);
        const after = memoryStats();
        if (after.liveBytes !== before.liveBytes || after.liveAllocations !== before.liveAllocations) {
          failures.push(`${c.label}: leaked ${after.liveBytes - before.liveBytes} bytes in ${after.liveAllocations - before.liveAllocations} allocations`);
        }
        if (bits(m) !== witness) failures.push(`${c.label}: the witness model's predictions changed`);
      }
      expect(failures).toEqual([]);
    });
  }
});
