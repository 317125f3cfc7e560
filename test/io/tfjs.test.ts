// TensorFlow.js Layers files both ways against the real packages: a model
// built in tfjs-layers 4.22 is saved, loaded by simdnn, saved by simdnn and
// loaded by tf.loadLayersModel again; predictions agree within 1e-5 at every
// step. Keras-written configs (converter output of Keras 2 and 3) are read
// too, and what cannot be honoured is refused by name.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  init, layers, sequential, input, model as graphModel, loadLayersModel, saveLayersModel, toLayersArtifacts, ModelFormatError, ValueError,
  type Model, type Tensor, type LayersArtifactsOut,
} from '../../src/node.js';
import { randArray } from '../helpers.js';
import { CASES, artifactsOf, inputsFor, randomizeWeights } from './tfjs-models.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await init({ deterministic: true });
});

const TOL = 1e-5;

function close(label: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length, label).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst, `${label}: largest difference ${worst}`).toBeLessThanOrEqual(TOL);
}

function ours(m: Model, x: Float32Array): Float32Array {
  const p = m.predict(x) as Tensor;
  const v = p.toFloat32Array();
  p.dispose();
  return v;
}

function theirs(m: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  const xt = tf.tensor(x, [n, ...shape]);
  const p = m.predict(xt) as tf.Tensor;
  const v = p.dataSync() as Float32Array;
  tf.dispose([xt, p]);
  return Float32Array.from(v);
}

/** A save handler that keeps what it is given. */
function memory(): { handler: tf.io.IOHandler; get: () => LayersArtifactsOut } {
  let got: LayersArtifactsOut | undefined;
  return {
    handler: tf.io.withSaveHandler(async (a) => {
      got = a as unknown as LayersArtifactsOut;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    get: () => got as LayersArtifactsOut,
  };
}

describe('TensorFlow.js → simdnn → TensorFlow.js', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const original = c.build();
      randomizeWeights(original, 11);
      const x = inputsFor(c, 5, 3);
      const want = theirs(original, x, c.input);
      const loaded = await loadLayersModel(await artifactsOf(original) as never);
      close(`${c.label}: simdnn on the TensorFlow.js file`, ours(loaded, x), want);
      const mem = memory();
      await saveLayersModel(loaded, mem.handler as never);
      const back = await tfl.loadLayersModel(tf.io.fromMemory(mem.get() as never));
      close(`${c.label}: TensorFlow.js on simdnn's file`, theirs(back, x, c.input), want);
      loaded.dispose();
      original.dispose();
      back.dispose();
    });
  }

  it('a simdnn-built model (both weight orders, a frozen layer) loads in TensorFlow.js with the same predictions', async () => {
    const m = sequential({ seed: 4, layers: [
      layers.dense({ inputShape: [6], units: 5, activation: 'selu', kernelInitializer: 'heNormal' }),
      layers.batchNormalization({ trainable: false }),
      layers.dense({ units: 3, activation: 'sigmoid', useBias: false }),
    ] });
    m.build();
    const x = randArray(4 * 6, 8);
    const a = toLayersArtifacts(m);
    const back = await tfl.loadLayersModel(tf.io.fromMemory(a as never));
    close('simdnn → TensorFlow.js', theirs(back, x, [6]), ours(m, x));
    expect(back.layers[1].trainable).toBe(false);
    expect(a.weightSpecs.map((w) => w.name)).toContain(`${m.layers[1].name}/moving_variance`);
    m.dispose();
    back.dispose();
  });
});

describe('files on disk (Node)', () => {
  it('model.json with several shards beside it, written by hand as the converter splits them', async () => {
    const original = CASES[1].build();
    randomizeWeights(original, 5);
    const a = await artifactsOf(original);
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-tfjs-'));
    try {
      const data = new Uint8Array(a.weightData as ArrayBuffer);
      // Three shards cutting through the middle of weights, in two groups, as tensorflowjs_converter's 4 MB shards do.
      const cuts = [0, 37, 160, data.length];
      const specs = a.weightSpecs as tf.io.WeightsManifestEntry[];
      cuts.slice(0, -1).forEach((c, i) => writeFileSync(join(dir, `group1-shard${i + 1}of3.bin`), data.subarray(c, cuts[i + 1])));
      const manifest = [
        { paths: ['group1-shard1of3.bin', 'group1-shard2of3.bin'], weights: specs.slice(0, 2) },
        { paths: ['group1-shard3of3.bin'], weights: specs.slice(2) },
      ];
      // The first group's weights must end where its shards end for this split to be honest.
      const firstBytes = specs.slice(0, 2).reduce((s, w) => s + 4 * w.shape.reduce((p, d) => p * d, 1), 0);
      expect(firstBytes).toBe(160);
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: manifest }));
      const m = await loadLayersModel(join(dir, 'model.json'));
      const x = inputsFor(CASES[1], 3, 9);
      close('three shards', ours(m, x), theirs(original, x, CASES[1].input));
      // simdnn writes a directory TensorFlow.js reads back through its own file handling.
      const out = join(dir, 'out');
      await saveLayersModel(m, out);
      expect(readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
      const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
      const shard = readFileSync(join(out, 'group1-shard1of1.bin'));
      const back = await tfl.loadLayersModel(tf.io.fromMemory({
        modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
        weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.length),
      }));
      close('simdnn directory read by TensorFlow.js', theirs(back, x, CASES[1].input), theirs(original, x, CASES[1].input));
      m.dispose();
      back.dispose();
      // A missing shard, a shard one byte short, and a path out of the directory.
      rmSync(join(dir, 'group1-shard2of3.bin'));
      await expect(loadLayersModel(join(dir, 'model.json'))).rejects.toThrow(/group1-shard2of3\.bin: cannot be read/);
      writeFileSync(join(dir, 'group1-shard2of3.bin'), data.subarray(37, 159));
      await expect(loadLayersModel(join(dir, 'model.json'))).rejects.toThrow(/runs past the end of the weight data|describe/);
      manifest[1].paths = ['../escape.bin'];
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: manifest }));
      await expect(loadLayersModel(join(dir, 'model.json'))).rejects.toThrow(/must be a relative path inside the model's directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      original.dispose();
    }
  });

  it('a URL is fetched with its shards relative to it', async () => {
    const original = CASES[0].build();
    randomizeWeights(original, 6);
    const a = await artifactsOf(original);
    const files: Record<string, Uint8Array> = {
      'https://example.test/models/mlp/model.json': new TextEncoder().encode(JSON.stringify({
        modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      })),
      'https://example.test/models/mlp/weights.bin': new Uint8Array(a.weightData as ArrayBuffer),
    };
    const seen: string[] = [];
    const fetch = async (url: string) => {
      seen.push(url);
      const body = files[url];
      return { ok: !!body, status: body ? 200 : 404, arrayBuffer: async () => (body ? body.slice().buffer : new ArrayBuffer(0)) };
    };
    const m = await loadLayersModel('https://example.test/models/mlp/model.json', { fetch });
    expect(seen).toEqual(Object.keys(files));
    const x = inputsFor(CASES[0], 2, 1);
    close('fetched', ours(m, x), theirs(original, x, CASES[0].input));
    m.dispose();
    original.dispose();
    await expect(loadLayersModel('https://example.test/nothing/model.json', { fetch })).rejects.toThrow(/HTTP 404/);
  });
});

/** Keras-written converter output, as tensorflowjs_converter writes it for a Keras 2 (TensorFlow 2.x) model. */
function keras2Lstm(units: number, features: number, steps: number) {
  const vs = { class_name: 'VarianceScaling', config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null } };
  return {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, null, features], dtype: 'float32', sparse: false, ragged: false, name: 'lstm_input' } },
            {
              class_name: 'LSTM',
              config: {
                name: 'lstm', trainable: true, dtype: 'float32', return_sequences: true, return_state: false, go_backwards: false, stateful: false, unroll: false,
                time_major: false, units, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
                kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } },
                bias_initializer: { class_name: 'Zeros', config: {} }, unit_forget_bias: true, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null,
                activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, implementation: 2,
              },
            },
            {
              class_name: 'GRU',
              config: {
                name: 'gru', trainable: true, dtype: 'float32', return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false,
                time_major: false, units: 3, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, kernel_initializer: vs,
                recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} },
                kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null,
                recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, implementation: 2, reset_after: true,
              },
            },
            {
              class_name: 'Dense',
              config: {
                name: 'dense', trainable: true, dtype: 'float32', units: 2, activation: 'linear', use_bias: true, kernel_initializer: vs,
                bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
                kernel_constraint: null, bias_constraint: null,
              },
            },
          ],
        },
      },
      training_config: { loss: 'mse', metrics: null, optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } },
    },
    steps,
  };
}

describe('Keras files (tensorflowjs_converter output)', () => {
  it('Keras 2: lstm/lstm_cell/kernel names, GRU with reset_after, an input of unknown length fixed by the inputShape option', async () => {
    const units = 4;
    const features = 3;
    const steps = 5;
    const k = keras2Lstm(units, features, steps);
    const shapes: [string, number[]][] = [
      ['lstm/lstm_cell/kernel', [features, 4 * units]], ['lstm/lstm_cell/recurrent_kernel', [units, 4 * units]], ['lstm/lstm_cell/bias', [4 * units]],
      ['gru/gru_cell/kernel', [units, 9]], ['gru/gru_cell/recurrent_kernel', [3, 9]], ['gru/gru_cell/bias', [2, 9]],
      ['dense/kernel', [3, 2]], ['dense/bias', [2]],
    ];
    const values = shapes.map(([, s], i) => randArray(s.reduce((a, b) => a * b, 1), 40 + i, -0.6, 0.6));
    const data = new Float32Array(values.reduce((a, v) => a + v.length, 0));
    let at = 0;
    for (const v of values) {
      data.set(v, at);
      at += v.length;
    }
    // The converter lists weights in its own order; simdnn matches them by name, so shuffle them.
    const order = [7, 3, 0, 5, 1, 6, 2, 4];
    const offsets: number[] = [];
    at = 0;
    for (const v of values) {
      offsets.push(at);
      at += v.length;
    }
    const shuffled = new Float32Array(data.length);
    at = 0;
    for (const i of order) {
      shuffled.set(values[i], at);
      at += values[i].length;
    }
    const artifacts = {
      modelTopology: k.modelTopology,
      weightSpecs: order.map((i) => ({ name: shapes[i][0], shape: shapes[i][1], dtype: 'float32' })),
      weightData: shuffled.buffer,
    };
    await expect(loadLayersModel(artifacts as never)).rejects.toThrow(/unknown dimension 1.*inputShape/);
    const m = await loadLayersModel(artifacts as never, { inputShape: [steps, features] });
    // The same network built directly in simdnn on the same weights.
    const ref = sequential({ layers: [
      layers.lstm({ inputShape: [steps, features], units, returnSequences: true }),
      layers.gru({ units: 3, resetAfter: true }),
      layers.dense({ units: 2 }),
    ] });
    ref.build();
    ref.setWeightsFlat(data);
    const x = randArray(3 * steps * features, 2);
    close('Keras 2 LSTM/GRU file', ours(m, x), ours(ref, x));
    expect(m.layers.map((l) => l.className)).toEqual(['LSTM', 'GRU', 'Dense']);
    expect((m.layers[1] as unknown as { resetAfter: boolean }).resetAfter).toBe(true);
    // A GRU with reset_after: true has no TensorFlow.js form.
    await expect(saveLayersModel(m, memory().handler as never)).rejects.toThrow(/layer "gru" \(GRU\): reset_after: true/);
    m.dispose();
    ref.dispose();
  });

  it('Keras 3: layers/<name>/vars/<i> weight names, batch_shape, DTypePolicy, { args, kwargs } nodes of a functional model', async () => {
    const policy = { class_name: 'DTypePolicy', config: { name: 'float32' } };
    const tensor = (name: string, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [name, 0, 0] } });
    const dense = (name: string, units: number, activation: string) => ({
      class_name: 'Dense',
      config: {
        name, trainable: true, dtype: policy, units, activation, use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
      },
    });
    const topology = {
      keras_version: '3.6.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'functional',
          trainable: true,
          layers: [
            { class_name: 'InputLayer', config: { batch_shape: [null, 6], dtype: 'float32', sparse: false, name: 'input_layer' }, name: 'input_layer', inbound_nodes: [] },
            { ...dense('dense', 5, 'relu'), name: 'dense', inbound_nodes: [{ args: [tensor('input_layer', [null, 6])], kwargs: {} }] },
            { ...dense('dense_1', 4, 'leaky_relu'), name: 'dense_1', inbound_nodes: [{ args: [tensor('input_layer', [null, 6])], kwargs: {} }] },
            {
              class_name: 'Concatenate', config: { name: 'concatenate', trainable: true, dtype: policy, axis: -1 }, name: 'concatenate',
              inbound_nodes: [{ args: [[tensor('dense', [null, 5]), tensor('dense_1', [null, 4])]], kwargs: {} }],
            },
            { ...dense('dense_2', 2, 'softmax'), name: 'dense_2', inbound_nodes: [{ args: [tensor('concatenate', [null, 9])], kwargs: {} }] },
          ],
          input_layers: ['input_layer', 0, 0],
          output_layers: ['dense_2', 0, 0],
        },
      },
    };
    const shapes: [string, number[]][] = [
      ['layers/dense/vars/0', [6, 5]], ['layers/dense/vars/1', [5]], ['layers/dense_1/vars/0', [6, 4]], ['layers/dense_1/vars/1', [4]],
      ['layers/dense_2/vars/0', [9, 2]], ['layers/dense_2/vars/1', [2]],
    ];
    const values = shapes.map(([, s], i) => randArray(s.reduce((a, b) => a * b, 1), 70 + i));
    const data = new Float32Array(values.reduce((a, v) => a + v.length, 0));
    let at = 0;
    for (const v of values) {
      data.set(v, at);
      at += v.length;
    }
    const m = await loadLayersModel({ modelTopology: topology, weightSpecs: shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' })), weightData: data.buffer } as never);
    const x0 = input({ shape: [6] });
    const d = layers.dense({ units: 5, activation: 'relu' });
    const d1 = layers.dense({ units: 4, activation: 'leakyRelu', alpha: 0.2 });
    const d2 = layers.dense({ units: 2, activation: 'softmax' });
    const ref = graphModel({ inputs: x0, outputs: d2.apply(layers.concatenate().apply([d.apply(x0), d1.apply(x0)] as never) as never) as never });
    ref.setWeightsFlat(data);
    const x = randArray(4 * 6, 12);
    close('Keras 3 functional file', ours(m, x), ours(ref, x));
    m.dispose();
    ref.dispose();
  });

  it('the same weights under Keras 2 names (cell scopes) and Keras 3 names (layers/<name>/vars/<i>), in any order, give the same model', async () => {
    for (const c of [CASES[2], CASES[3], CASES[5]]) {
      const original = c.build();
      randomizeWeights(original, 21);
      const a = await artifactsOf(original);
      const specs = a.weightSpecs as tf.io.WeightsManifestEntry[];
      const leafOrder = ['kernel', 'recurrent_kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'embeddings'];
      const recurrentScope = (n: string) => /simple_rnn|lstm|gru/i.exec(n.split('/').slice(0, -1).join('/'))?.[0].toLowerCase();
      const keras2 = (n: string) => {
        const parts = n.split('/');
        const cell = recurrentScope(n);
        return cell ? [...parts.slice(0, -1), `${cell}_cell`, parts[parts.length - 1]].join('/') : n;
      };
      const keras3 = (n: string) => {
        const parts = n.split('/');
        const leaf = parts[parts.length - 1];
        const scope = parts.slice(0, -1);
        // Siblings: the weights of the same (sub)layer, in Keras's order.
        const siblings = specs.map((w) => w.name).filter((m) => m.split('/').slice(0, -1).join('/') === scope.join('/'))
          .map((m) => m.split('/').pop() as string).sort((p, q) => leafOrder.indexOf(p) - leafOrder.indexOf(q));
        const dir = scope[1]?.startsWith('forward_') ? ['forward_layer'] : scope[1]?.startsWith('backward_') ? ['backward_layer'] : [];
        return ['layers', scope[0], ...dir, ...(recurrentScope(n) ? ['cell'] : []), 'vars', String(siblings.indexOf(leaf))].join('/');
      };
      const x = inputsFor(c, 4, 6);
      const want = theirs(original, x, c.input);
      const data = new Uint8Array(a.weightData as ArrayBuffer);
      for (const rename of [keras2, keras3]) {
        // Reverse the listing (and the bytes with it): matching is by name, not position.
        const offsets: number[] = [];
        let at = 0;
        for (const w of specs) {
          offsets.push(at);
          at += 4 * w.shape.reduce((p, d) => p * d, 1);
        }
        const order = specs.map((_, i) => specs.length - 1 - i);
        const parts = order.map((i) => data.subarray(offsets[i], offsets[i] + 4 * specs[i].shape.reduce((p, d) => p * d, 1)));
        const bytes = new Uint8Array(data.length);
        at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        const renamed = { modelTopology: a.modelTopology, weightSpecs: order.map((i) => ({ ...specs[i], name: rename(specs[i].name) })), weightData: bytes.buffer };
        const m = await loadLayersModel(renamed as never);
        close(`${c.label} with ${rename === keras2 ? 'Keras 2' : 'Keras 3'} names (${renamed.weightSpecs[0].name}, ...)`, ours(m, x), want);
        m.dispose();
      }
      original.dispose();
    }
  });

  it('uint8, uint16 and float16 quantized weights are dequantized as TensorFlow.js does', async () => {
    const original = CASES[0].build();
    randomizeWeights(original, 2);
    const a = await artifactsOf(original);
    const specs = a.weightSpecs as tf.io.WeightsManifestEntry[];
    const floats = new Float32Array(a.weightData as ArrayBuffer);
    const parts: Uint8Array[] = [];
    const q = ['uint8', 'uint16', 'float16'] as const;
    let at = 0;
    const out = specs.map((s, i) => {
      const n = s.shape.reduce((p, d) => p * d, 1);
      const v = floats.subarray(at, at + n);
      at += n;
      const dtype = q[i % 3];
      if (dtype === 'float16') {
        parts.push(new Uint8Array(new Uint16Array(Array.from(v, toHalf)).buffer));
        return { ...s, quantization: { dtype } };
      }
      const min = Math.min(...v);
      const max = Math.max(...v);
      const levels = dtype === 'uint8' ? 255 : 65535;
      const scale = (max - min) / levels || 1;
      const ints = Array.from(v, (y) => Math.round((y - min) / scale));
      parts.push(new Uint8Array((dtype === 'uint8' ? Uint8Array.from(ints) : new Uint16Array(ints)).buffer));
      return { ...s, quantization: { dtype, min, scale } };
    });
    const total = parts.reduce((s, p) => s + p.length, 0);
    const data = new Uint8Array(total);
    at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    const quantized = { modelTopology: a.modelTopology, weightSpecs: out, weightData: data.buffer };
    const m = await loadLayersModel(quantized as never);
    const back = await tfl.loadLayersModel(tf.io.fromMemory(quantized as never));
    const x = inputsFor(CASES[0], 3, 4);
    close('dequantized', ours(m, x), theirs(back, x, CASES[0].input));
    m.dispose();
    back.dispose();
    original.dispose();
  });
});

/** Nearest binary16 of a float (round to nearest even), for the float16 case. */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = (mant >> shift) + ((mant >> (shift - 1)) & 1);
    return sign | half;
  }
  const r = (mant >> 13) + ((mant >> 12) & 1);
  return sign | ((exp << 10) + r);
}

describe('refused by name', () => {
  async function mlpArtifacts() {
    const m = CASES[0].build();
    const a = await artifactsOf(m);
    m.dispose();
    return a as unknown as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }; weightSpecs: unknown[]; weightData: ArrayBuffer };
  }

  it('an unsupported layer class names the layer and lists what is supported', async () => {
    const a = await mlpArtifacts();
    a.modelTopology.config.layers[1].class_name = 'ThresholdedReLU';
    await expect(loadLayersModel(a as never)).rejects.toThrow(ModelFormatError);
    await expect(loadLayersModel(a as never)).rejects.toThrow(/layer "dense_Dense\d+": class "ThresholdedReLU" is not supported by simdnn \(supported: Dense, /);
  });

  it('an option that would change the computation names the layer and the option', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['kernel_regularizer', { class_name: 'L1L2', config: { l1: 0.01, l2: 0 } }, /\(Dense\): option kernel_regularizer an object is not supported/],
      ['activation', 'relu6', /option activation activation "relu6" is not available in simdnn/],
      ['activation', 'gelu', /option activation "gelu" is the exact \(erf\) GELU/],
      ['dtype', 'float16', /option dtype "float16" is not supported: simdnn computes in float32/],
      ['units', 0, /option units must be an integer in \[1, 16777216\], got 0/],
      ['some_future_option', 3, /option some_future_option 3 is not supported by simdnn/],
    ];
    for (const [key, value, re] of cases) {
      const a = await mlpArtifacts();
      a.modelTopology.config.layers[1].config[key] = value;
      await expect(loadLayersModel(a as never), key).rejects.toThrow(re);
    }
    // Options Keras adds with values that change nothing are accepted.
    const a = await mlpArtifacts();
    Object.assign(a.modelTopology.config.layers[1].config, { lora_rank: null, quantization_config: null, some_future_flag: false });
    (await loadLayersModel(a as never)).dispose();
  });

  it('a hostile file is refused before anything is allocated: sizes, shard lengths, dtypes, counts, names', async () => {
    const { memoryStats } = await import('../../src/index.js');
    const base = await mlpArtifacts();
    const specs = base.weightSpecs as { name: string; shape: number[]; dtype: string }[];
    const cases: [string, (a: typeof base & { weightSpecs: typeof specs }) => void, RegExp][] = [
      ['a weight of 2^24 x 2^24', (a) => { a.weightSpecs[0].shape = [2 ** 24, 2 ** 24]; }, /weightSpecs\[0\]\.shape: refusing .* parameters a loadable model has/],
      ['a dimension past the limit', (a) => { a.weightSpecs[0].shape = [2 ** 25, 1]; }, /weightSpecs\[0\]\.shape: must be a list of at most 8 integers/],
      ['a shard one weight short', (a) => { a.weightData = a.weightData.slice(0, a.weightData.byteLength - 4); }, /runs past the end of the weight data/],
      ['a shard with bytes to spare', (a) => { const b = new Uint8Array(a.weightData.byteLength + 8); b.set(new Uint8Array(a.weightData)); a.weightData = b.buffer; }, /weightData: is \d+ bytes but weightSpecs describe \d+/],
      ['int32 weights', (a) => { a.weightSpecs[1].dtype = 'int32'; }, /weightSpecs\[1\]\.dtype: .*"int32" weights are not supported/],
      ['a weight listed twice', (a) => { a.weightSpecs[1].name = a.weightSpecs[0].name; }, /is listed twice/],
      ['a weight of no layer', (a) => { a.weightSpecs[1].name = 'nobody/kernel'; }, /weight "nobody\/kernel" belongs to no layer of the model/],
      ['a weight with the wrong shape', (a) => { const w = a.weightSpecs[0]; w.shape = [w.shape[1], w.shape[0]]; }, /has shape \[16, 20\] but layer "dense_Dense\d+" needs kernel of shape \[20, 16\]/],
      ['a missing weight', (a) => { a.weightSpecs.pop(); a.weightData = a.weightData.slice(0, a.weightData.byteLength - 16); }, /missing weight bias of layer "dense_Dense\d+" \(shape \[4\]\)/],
      ['a NaN weight', (a) => { new Float32Array(a.weightData)[3] = NaN; }, /is NaN .*weights must be finite/],
      ['too many layers', (a) => { a.modelTopology.config.layers = Array.from({ length: 5000 }, () => a.modelTopology.config.layers[0]); }, /must be a list of 1 to 4096 layers/],
      ['a huge input', (a) => { a.modelTopology.config.layers[0].config.batch_input_shape = [null, 1e6, 1e6]; }, /input shape must be \[null, \.\.\.\] with 1 to 8 positive dimensions of at most 16777216|refusing/],
      ['a prototype key', (a) => { a.modelTopology.config.layers[0].config = JSON.parse('{"__proto__": {"units": 3}, "units": 16, "name": "x"}'); }, /the key "__proto__" is not allowed/],
    ];
    for (const [label, edit, re] of cases) {
      const a = structuredClone(base) as typeof base & { weightSpecs: typeof specs };
      edit(a);
      const before = memoryStats().liveBytes;
      await expect(loadLayersModel(a as never), label).rejects.toThrow(re);
      await expect(loadLayersModel(a as never), label).rejects.toThrow(ModelFormatError);
      expect(memoryStats().liveBytes, `${label}: nothing allocated`).toBe(before);
    }
    // Sparse or ragged inputs are refused by name.
    const g = await (async () => {
      const m = CASES[6].build();
      const a = await artifactsOf(m);
      m.dispose();
      return a as unknown as { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } };
    })();
    g.modelTopology.config.layers[0].config.sparse = true;
    await expect(loadLayersModel(g as never)).rejects.toThrow(/config\.sparse: input layer "input\d+": sparse inputs are not supported/);
  });

  it('layers and options TensorFlow.js lacks are refused on export, naming the layer', async () => {
    const enc = layers.dense({ inputShape: [6], units: 3, name: 'enc' });
    const bad: [() => ReturnType<typeof sequential>, RegExp][] = [
      [() => sequential({ layers: [layers.dense({ inputShape: [4], units: 2, activation: 'step', name: 'd' })] }), /layer "d" \(Dense\): activation "step" has no TensorFlow.js equivalent/],
      [() => sequential({ layers: [layers.conv2d({ inputShape: [4, 4, 1], filters: 1, kernelSize: 1 }), layers.l2Pooling2d({ name: 'p' })] }), /layer "p" \(L2Pooling2D\): L2 pooling has no TensorFlow.js layer/],
      [() => sequential({ layers: [enc, layers.denseTied({ tiedTo: enc, name: 'dec' })] }), /layer "dec" \(DenseTied\): a dense layer tied/],
      [() => sequential({ layers: [layers.dense({ inputShape: [4], units: 2, activation: 'sign', name: 's' })] }), /layer "s" \(Dense\): activation "sign"/],
    ];
    for (const [make, re] of bad) {
      const m = make();
      m.build();
      expect(() => toLayersArtifacts(m)).toThrow(ValueError);
      expect(() => toLayersArtifacts(m)).toThrow(re);
      m.dispose();
    }
  });
});
