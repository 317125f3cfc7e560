// A misspelt or unsupported option is an error naming it and the closest known
// name, never silently ignored: every public entry point that takes an options
// object, one case each.
import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, sequential, model, input, layers, optimizers, callbacks, stepDecay, exponentialDecay, cosineDecay, matmul,
  parseCsv, trainTestSplit, filtersToPng, imagesToPng, Hopfield, RBM, BoltzmannMachine, DBN, Perceptron,
  explain, polynomialFeatures, loadLayersModel, ValueError,
} from '../../src/index.js';
import { loadMnist, shiftAugment } from '../../src/node.js';

beforeAll(async () => {
  await init();
});

const dense = () => {
  const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
};

const CASES: [string, () => unknown, string, string | null][] = [
  ['dense', () => layers.dense({ units: 3, activaton: 'relu' } as never), 'activaton', 'activation'],
  ['dense (a Keras option not implemented)', () => layers.dense({ units: 3, activityRegularizer: 'l2' } as never), 'activityRegularizer', null],
  ['dense (a misspelt regularizer option)', () => layers.dense({ units: 3, kernelRegulariser: 'l2' } as never), 'kernelRegulariser', 'kernelRegularizer'],
  ['conv2d', () => layers.conv2d({ filters: 2, kernelSize: 3, stride: 2 } as never), 'stride', 'strides'],
  ['maxPooling2d', () => layers.maxPooling2d({ poolsize: 2 } as never), 'poolsize', 'poolSize'],
  ['dropout', () => layers.dropout({ rate: 0.5, seed: 1 } as never), 'seed', null],
  ['activation', () => layers.activation({ activation: 'relu', alhpa: 1 } as never), 'alhpa', 'alpha'],
  ['reshape', () => layers.reshape({ targetshape: [2] } as never), 'targetshape', 'targetShape'],
  ['concatenate', () => layers.concatenate({ axes: 1 } as never), 'axes', 'axis'],
  ['lstm', () => layers.lstm({ units: 2, returnSequence: true } as never), 'returnSequence', 'returnSequences'],
  ['batchNormalization', () => layers.batchNormalization({ epsillon: 1e-3 } as never), 'epsillon', 'epsilon'],
  ['sequential', () => sequential({ layer: [] } as never), 'layer', 'layers'],
  ['model', () => model({ inputs: input({ shape: [2] }), outputs: input({ shape: [2] }), seeds: 1 } as never), 'seeds', 'seed'],
  ['compile', () => dense().compile({ optimizer: 'sgd', loss: 'mse', metric: ['accuracy'] } as never), 'metric', 'metrics'],
  ['fit', () => dense().fit([[1, 2, 3]], [[1, 2]], { epoch: 2 } as never), 'epoch', 'epochs'],
  ['fit (classWeights misspelt)', () => dense().fit([[1, 2, 3]], [[1, 2]], { classWeights: { 0: 2 } } as never), 'classWeights', 'classWeight'],
  ['evaluate', () => dense().evaluate([[1, 2, 3]], [[1, 2]], { batchsize: 2 } as never), 'batchsize', 'batchSize'],
  ['predict', () => dense().predict([[1, 2, 3]], { batch: 2 } as never), 'batch', null],
  ['sgd', () => optimizers.sgd({ lr: 0.1 } as never), 'lr', null],
  ['adam', () => optimizers.adam({ beta_1: 0.9 } as never), 'beta_1', 'beta1'],
  ['rmsprop', () => optimizers.rmsprop({ decay: 0.9 } as never), 'decay', null],
  ['earlyStopping', () => callbacks.earlyStopping({ patiense: 2 } as never), 'patiense', 'patience'],
  ['stepDecay', () => stepDecay({ initialLearningRate: 1, dropEvery: 2, factr: 0.5 } as never), 'factr', 'factor'],
  ['exponentialDecay', () => exponentialDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: 0.5, stairCase: true } as never), 'stairCase', 'staircase'],
  ['cosineDecay', () => cosineDecay({ initialLearningRate: 1, decaySteps: 2, alfa: 0 } as never), 'alfa', 'alpha'],
  ['matmul', () => matmul([[1]], [[1]], { transposeb: true } as never), 'transposeb', 'transposeB'],
  ['loadMnist', () => loadMnist({ trainsize: 10 } as never), 'trainsize', 'trainSize'],
  ['parseCsv', () => parseCsv('a,b\n1,2\n', { labelColumn: 'b', headers: true } as never), 'headers', 'header'],
  ['trainTestSplit', () => trainTestSplit({ x: new Float32Array(4), y: new Int32Array(2), n: 2, features: 2 }, { testSize: 0.5 } as never), 'testSize', null],
  ['shiftAugment', () => shiftAugment(new Float32Array(4), new Int32Array(1), { width: 2, height: 2, shift: 1 } as never), 'shift', 'shifts'],
  ['filtersToPng', () => filtersToPng(new Float32Array(4), { width: 2, height: 2, colums: 1 } as never), 'colums', 'cols'],
  ['imagesToPng', () => imagesToPng(new Float32Array(4), { width: 2, height: 2, rnage: [0, 1] } as never), 'rnage', 'range'],
  ['Hopfield', () => new Hopfield({ size: 4, rules: 'hebb' } as never), 'rules', 'rule'],
  ['RBM', () => new RBM({ visible: 4, hidden: 2, visibleTyp: 'bernoulli' } as never), 'visibleTyp', 'visibleType'],
  ['BoltzmannMachine', () => new BoltzmannMachine({ visible: 4, hiden: 2 } as never), 'hiden', 'hidden'],
  ['DBN', () => new DBN({ layers: [4, 2], seeds: 1 } as never), 'seeds', 'seed'],
  ['Perceptron', () => new Perceptron({ inputs: 2, learningrate: 0.1 } as never), 'learningrate', 'learningRate'],
  ['polynomialFeatures', () => polynomialFeatures([1, 2], 2, { interactionsOnly: true } as never), 'interactionsOnly', 'interactionOnly'],
  ['explain.inputGradients', () => explain.inputGradients(dense(), [[1, 2, 3]], { classindex: 0 } as never), 'classindex', 'classIndex'],
  ['explain.saliency', () => explain.saliency(dense(), [[1, 2, 3]], { method: 'smoothGrad', sample: 4 } as never), 'sample', 'samples'],
  ['explain.fgsm', () => explain.fgsm(dense(), [[1, 2, 3]], [0], { epsilon: 0.1, clipmin: 0 } as never), 'clipmin', 'clipMin'],
  ['explain.pgd', () => explain.pgd(dense(), [[1, 2, 3]], [0], { epsilon: 0.1, step: 3 } as never), 'step', 'steps'],
  ['explain.activationMaximization', () => explain.activationMaximization(dense(), { classIndex: 0, learnRate: 0.1 } as never), 'learnRate', 'learningRate'],
  ['explain.activationStats', () => explain.activationStats(dense(), [[1, 2, 3]], { layers: [], bin: 4 } as never), 'bin', 'bins'],
  ['explain.sanityCheck', () => explain.sanityCheck(dense(), [[1, 2, 3]], { cascde: false } as never), 'cascde', 'cascade'],
  ['explain.decisionBoundary', () => explain.decisionBoundary(dense(), { xrange: [0, 1] } as never), 'xrange', 'xRange'],
  ['loadLayersModel', () => loadLayersModel({ modelTopology: {} } as never, { inputshape: [3] } as never), 'inputshape', 'inputShape'],
  ['explain.saliencyToPng', () => explain.saliencyToPng(new Float32Array(4), { width: 2, height: 2, colormap: 'heat', overlays: true } as never), 'overlays', 'overlay'],
];

describe('unknown option keys are rejected, naming the key and the closest known one', () => {
  for (const [label, call, key, near] of CASES) {
    it(label, async () => {
      let caught: unknown;
      try {
        await call();
      } catch (e) {
        caught = e;
      }
      expect(caught, `${label}: expected a ValueError`).toBeInstanceOf(ValueError);
      const msg = (caught as Error).message;
      expect(msg).toContain(`unknown option "${key}"`);
      if (near) expect(msg).toContain(`did you mean "${near}"?`);
    });
  }
});
