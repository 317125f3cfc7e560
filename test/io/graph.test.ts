import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init, input, model, layers, optimizers, memoryStats, Model, Sequential,
  serializeModel, deserializeModel, encodeModelFile, decodeModelFile, saveModel, loadModel, type ModelArtifacts, type Tensor,
} from '../../src/node.js';
import { randArray } from '../helpers.js';
import { bits, expectFormatError } from './models.js';

let dir: string;
let base: ModelArtifacts;

/** Two inputs, a layer shared by both, a merge, a tied decoder and two outputs. */
function twin(seed = 8): Model {
  const a = input({ shape: [3], name: 'in_a' });
  const b = input({ shape: [3], name: 'in_b' });
  const enc = layers.dense({ units: 4, activation: 'tanh', name: 'enc' });
  const sum = layers.add({ name: 'sum' }).apply([enc.apply(a) as never, enc.apply(b) as never]) as never;
  const recon = layers.denseTied({ tiedTo: enc, name: 'dec' }).apply(sum) as never;
  const cls = layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(sum) as never;
  const m = model({ inputs: [a, b], outputs: [recon, cls], seed, name: 'twin' });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: ['mse', 'categoricalCrossentropy'], metrics: ['accuracy'] });
  return m;
}

const XA = randArray(6 * 3, 1);
const XB = randArray(6 * 3, 2);

function outputs(m: Model): Float32Array[] {
  const out = m.predict([XA, XB]) as Tensor[];
  const values = out.map((t) => t.toFloat32Array());
  for (const t of out) t.dispose();
  return values;
}

beforeAll(async () => {
  await init({ deterministic: true });
  dir = mkdtempSync(join(tmpdir(), 'simdnn-graph-'));
  const m = twin();
  base = serializeModel(m);
  m.dispose();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('saving and loading graph models', () => {
  it('round-trips a graph with two inputs, a shared layer, a tied decoder and two outputs, bit for bit', async () => {
    const m = twin(3);
    const y = [XA, Float32Array.from({ length: 12 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0))];
    await m.fit([XA, XB], y, { epochs: 3, batchSize: 2 });
    const a = serializeModel(m);
    expect(a.modelTopology.className).toBe('Model');
    expect(a.weightSpecs.map((w) => w.name)).toEqual(['enc/kernel', 'enc/bias', 'dec/bias', 'cls/kernel', 'cls/bias']);
    expect(a.training?.loss).toEqual(['meanSquaredError', 'categoricalCrossentropy']);
    for (const loaded of [deserializeModel(a), deserializeModel(decodeModelFile(encodeModelFile(a)))]) {
      expect(loaded).toBeInstanceOf(Model);
      expect(loaded).not.toBeInstanceOf(Sequential);
      expect(loaded.name).toBe('twin');
      expect(loaded.toJSON()).toEqual(m.toJSON());
      expect(loaded.compileConfig()).toEqual(m.compileConfig());
      outputs(loaded).forEach((o, k) => expect(bits(o)).toEqual(bits(outputs(m)[k])));
      expect(loaded.getLayer('dec').weights[0]).toBe(loaded.getLayer('enc').weights[0]);
      // It trains on: the compiled losses came back.
      expect(typeof (loaded.trainOnBatch([XA, XB], y) as number[])[0]).toBe('number');
      loaded.dispose();
    }
    for (const path of [join(dir, 'twin.simdnn'), join(dir, 'twin-dir')]) {
      saveModel(m, path);
      const loaded = loadModel(path);
      outputs(loaded).forEach((o, k) => expect(bits(o)).toEqual(bits(outputs(m)[k])));
      loaded.dispose();
    }
    m.dispose();
  });
});

describe('a hostile graph topology is refused before anything is allocated', () => {
  function variant(edit: (a: Record<string, any>) => void): Record<string, any> {
    const { weightData, ...json } = base;
    const a: Record<string, any> = { ...structuredClone(json), weightData: weightData.slice() };
    edit(a);
    return a;
  }
  function rejects(artifacts: unknown, pattern: RegExp): void {
    const before = memoryStats().liveBytes;
    expectFormatError(() => deserializeModel(artifacts), pattern);
    expect(memoryStats().liveBytes).toBe(before);
  }
  const layer = (a: Record<string, any>, name: string) => a.modelTopology.config.layers.find((l: any) => l.config.name === name);

  it('the base artifacts load', () => {
    deserializeModel(variant(() => {})).dispose();
  });

  it('references that are malformed, out of range, or name nothing', () => {
    rejects(variant((a) => { layer(a, 'sum').inboundNodes[0][0] = 'enc'; }), /layers\[3\]\.inboundNodes\[0\]\[0\]: must be \[layerName, nodeIndex, tensorIndex\]/);
    rejects(variant((a) => { layer(a, 'sum').inboundNodes[0][0] = ['enc', -1, 0]; }), /inboundNodes\[0\]\[0\]: must be \[layerName/);
    rejects(variant((a) => { layer(a, 'sum').inboundNodes[0][0] = ['enc', 1e9, 0]; }), /inboundNodes\[0\]\[0\]: must be \[layerName/);
    rejects(variant((a) => { layer(a, 'sum').inboundNodes[0][0] = ['nobody', 0, 0]; }), /names an unknown layer "nobody"/);
    rejects(variant((a) => { layer(a, 'sum').inboundNodes[0][0] = ['enc', 5, 0]; }), /reads a tensor no node produces/);
    rejects(variant((a) => { layer(a, 'sum').inboundNodes[0][0] = ['enc', 0, 3]; }), /layer "enc" has no output 3/);
    rejects(variant((a) => { a.modelTopology.config.outputLayers = []; }), /config\.outputLayers: must be an array of 1 to 64 references/);
    rejects(variant((a) => { a.modelTopology.config.inputLayers = [['cls', 0, 0]]; }), /must come from input\(\)/);
  });

  it('cycles, missing nodes, disconnected inputs and duplicate names', () => {
    // enc reads sum, sum reads enc: no order can run it.
    rejects(variant((a) => { layer(a, 'enc').inboundNodes[0][0] = ['sum', 0, 0]; }), /reads a tensor no node produces \(a cycle or a missing node\)/);
    rejects(variant((a) => { layer(a, 'enc').inboundNodes = []; }), /layers\[2\]\.inboundNodes: must be an array of 1 to 4096 nodes, got \[\]/);
    rejects(variant((a) => { a.modelTopology.config.inputLayers = [['in_a', 0, 0]]; }), /disconnected: the outputs depend on input in_b/);
    rejects(variant((a) => { layer(a, 'cls').config.name = 'enc'; }), /a layer named "enc" appears twice/);
    rejects(variant((a) => { layer(a, 'in_a').inboundNodes = [[['in_b', 0, 0]]]; }), /an InputLayer has no inbound nodes/);
  });

  it('shapes: bounds on inputs, layers that cannot take their inputs, and the top-level inputShape', () => {
    rejects(variant((a) => { layer(a, 'in_a').config.shape = [2 ** 30]; }), /in_a.*|layers\[0\]\.config\.shape: must be an array of 1 to 8 positive integers of at most 16777216/);
    rejects(variant((a) => { layer(a, 'in_a').config.shape = [4096, 4096, 8]; }), /refusing to allocate samples of \[4096,4096,8\]/);
    rejects(variant((a) => { layer(a, 'in_b').config.shape = [5]; }), /layers\[\d\]: layer "enc": .*last axis is 3 \(it was built for \[3\]\), got \[5\]/);
    rejects(variant((a) => { layer(a, 'cls').config.units = 2 ** 30; }), /units must be a positive integer/);
    rejects(variant((a) => { layer(a, 'cls').config.units = 2 ** 24; layer(a, 'enc').config.units = 2 ** 24; }), /refusing to allocate/);
    rejects(variant((a) => { a.inputShape = [4]; }), /inputShape: is \[4\] but the model's first input has shape \[3\]/);
    rejects(variant((a) => { layer(a, 'dec').config.tiedTo = 'cls_missing'; }), /tiedTo must name a Dense layer that comes before it/);
  });

  it('weights that do not match the graph, and a bad training config', () => {
    rejects(variant((a) => { a.weightSpecs.pop(); }), /missing weight "cls\/bias"/);
    rejects(variant((a) => { a.weightSpecs.push({ ...a.weightSpecs[0], name: 'dec/kernel' }); }), /unexpected weight "dec\/kernel"/);
    rejects(variant((a) => { a.training.loss = ['mse']; }), /training: could not compile the model: compile: loss lists 1 losses for 2 outputs/);
    rejects(variant((a) => { a.training.loss = ['mse', 'hingee']; }), /training\.loss\[1\]: unknown loss: .*got "hingee"/);
  });
});
