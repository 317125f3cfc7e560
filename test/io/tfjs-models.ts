// TensorFlow.js models shared by the bridge tests: built with tfjs-layers,
// given random weights (seeded), and saved to in-memory artifacts.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { randArray } from '../helpers.js';

/** Saves a TensorFlow.js model to in-memory artifacts (tf.io.ModelArtifacts). */
export async function artifactsOf(m: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let out: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    out = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out as tf.io.ModelArtifacts;
}

/** Replaces every weight with seeded values in [-0.5, 0.5) (variances of batch normalization in [0.5, 1.5)). */
export function randomizeWeights(m: tfl.LayersModel, seed: number): void {
  const ws = m.weights;
  m.setWeights(ws.map((w, i) => {
    const n = w.shape.reduce((a: number, b) => a * (b as number), 1);
    const variance = w.originalName.endsWith('moving_variance');
    return tf.tensor(randArray(n, seed + i, variance ? 0.5 : -0.5, variance ? 1.5 : 0.5), w.shape as number[]);
  }));
}

/** A TensorFlow.js model with its per-sample input shape and how to draw inputs. */
export interface TfjsCase {
  label: string;
  build: () => tfl.LayersModel;
  input: number[];
  /** Integer ids below this (an Embedding input) instead of values in [-1, 1). */
  ids?: number;
}

export const CASES: TfjsCase[] = [
  {
    label: 'MLP 20-16-8-4',
    input: [20],
    build: () => tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [20], units: 16, activation: 'relu' }),
      tfl.layers.dense({ units: 8, activation: 'tanh' }),
      tfl.layers.dropout({ rate: 0.2 }),
      tfl.layers.dense({ units: 4, activation: 'softmax' }),
    ] }),
  },
  {
    label: 'LeNet-like CNN',
    input: [12, 12, 1],
    build: () => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 6, kernelSize: [3, 3], activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ] }),
  },
  {
    label: 'CNN with batch normalization',
    input: [8, 8, 2],
    build: () => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3 }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 5 }),
      tfl.layers.batchNormalization({ epsilon: 0.01 }),
    ] }),
  },
  {
    label: 'LSTM',
    input: [7, 5],
    build: () => tfl.sequential({ layers: [
      tfl.layers.lstm({ inputShape: [7, 5], units: 6, returnSequences: true }),
      tfl.layers.lstm({ units: 4, recurrentActivation: 'sigmoid' }),
      tfl.layers.dense({ units: 3 }),
    ] }),
  },
  {
    label: 'GRU (reset_after false, the TensorFlow.js form)',
    input: [6, 4],
    build: () => tfl.sequential({ layers: [
      tfl.layers.gru({ inputShape: [6, 4], units: 5, returnSequences: true }),
      tfl.layers.gru({ units: 3, goBackwards: true, recurrentActivation: 'sigmoid' }),
    ] }),
  },
  {
    label: 'Embedding, bidirectional SimpleRNN, time-distributed dense, conv1d',
    input: [9],
    ids: 12,
    build: () => tfl.sequential({ layers: [
      tfl.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 9 }),
      tfl.layers.bidirectional({ layer: tfl.layers.simpleRNN({ units: 3, returnSequences: true }) as tfl.layers.RNN, mergeMode: 'concat' }),
      tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 4, activation: 'sigmoid' }) }),
      tfl.layers.conv1d({ filters: 2, kernelSize: 3 }),
      tfl.layers.maxPooling1d({ poolSize: 2 }),
      tfl.layers.flatten(),
    ] }),
  },
  {
    label: 'functional: two branches joined by concatenate, and an add',
    input: [10],
    build: () => {
      const x = tfl.input({ shape: [10] });
      const a = tfl.layers.dense({ units: 6, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
      const b = tfl.layers.dense({ units: 4, activation: 'elu' }).apply(x) as tfl.SymbolicTensor;
      const c = tfl.layers.concatenate().apply([a, b]) as tfl.SymbolicTensor;
      const d = tfl.layers.dense({ units: 10 }).apply(c) as tfl.SymbolicTensor;
      const e = tfl.layers.add().apply([d, x]) as tfl.SymbolicTensor;
      const o = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(e) as tfl.SymbolicTensor;
      return tfl.model({ inputs: x, outputs: o });
    },
  },
  {
    label: 'functional: one dense layer shared by two branches (two nodes), joined by add',
    input: [6],
    build: () => {
      const x = tfl.input({ shape: [6] });
      const a = tfl.layers.dense({ units: 4, activation: 'tanh' }).apply(x) as tfl.SymbolicTensor;
      const b = tfl.layers.dense({ units: 4, activation: 'sigmoid' }).apply(x) as tfl.SymbolicTensor;
      const shared = tfl.layers.dense({ units: 3 });
      const o = tfl.layers.add().apply([shared.apply(a) as tfl.SymbolicTensor, shared.apply(b) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
      return tfl.model({ inputs: x, outputs: o });
    },
  },
  {
    label: 'conv2dTranspose, upSampling2d, reshape, leakyReLU',
    input: [4, 4, 2],
    build: () => tfl.sequential({ layers: [
      tfl.layers.conv2dTranspose({ inputShape: [4, 4, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.leakyReLU({ alpha: 0.1 }),
      tfl.layers.upSampling2d({ size: [2, 2] }),
      tfl.layers.reshape({ targetShape: [16, 48] }),
      tfl.layers.dense({ units: 2 }),
    ] }),
  },
];

/** Inputs for a case: n samples. */
export function inputsFor(c: TfjsCase, n: number, seed: number): Float32Array {
  const size = c.input.reduce((a, b) => a * b, 1);
  const x = randArray(n * size, seed);
  if (c.ids) for (let i = 0; i < x.length; i++) x[i] = Math.floor(((x[i] + 1) / 2) * c.ids);
  return x;
}
