import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init, sequential, layers, optimizers, memoryStats, ModelFormatError,
  serializeModel, deserializeModel, encodeModelFile, decodeModelFile, modelFromJSONAndWeights, saveModel, loadModel,
  type ModelArtifacts,
} from '../../src/node.js';
import { expectFormatError } from './models.js';

let base: ModelArtifacts;
let dir: string;
let startBytes: number;

beforeAll(async () => {
  await init({ deterministic: true });
  const model = sequential({
    seed: 3,
    layers: [
      layers.dense({ units: 4, activation: 'relu', inputShape: [3], name: 'd1' }),
      layers.dropout({ rate: 0.5, name: 'drop' }),
      layers.dense({ units: 2, activation: 'softmax', name: 'd2' }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  base = serializeModel(model);
  model.dispose();
  dir = mkdtempSync(join(tmpdir(), 'simdnn-io-bad-'));
  startBytes = memoryStats().liveBytes;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A deep copy of the valid artifacts, changed by `edit`. */
function variant(edit: (a: Record<string, any>) => void): Record<string, any> {
  const { weightData, ...json } = base;
  const a: Record<string, any> = { ...structuredClone(json), weightData: weightData.slice() };
  edit(a);
  return a;
}

/** Expects deserializing `artifacts` to fail with a message matching `pattern`, allocating nothing that lasts. */
function rejects(artifacts: unknown, pattern: RegExp): string {
  const before = memoryStats().liveBytes;
  const message = expectFormatError(() => deserializeModel(artifacts), pattern);
  expect(memoryStats().liveBytes).toBe(before);
  return message;
}

/** A file with a chosen JSON part (padded as the encoder does) and weight bytes. */
function fileWith(jsonText: string, weights = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(jsonText);
  const padded = Math.ceil((12 + json.length) / 4) * 4 - 12;
  const out = new Uint8Array(12 + padded + weights.length).fill(0x20);
  out.set(new TextEncoder().encode('SIMDNN\0\x01'), 0);
  new DataView(out.buffer).setUint32(8, padded, true);
  out.set(json, 12);
  out.set(weights, 12 + padded);
  return out;
}

describe('the container', () => {
  it('wrong magic: names the bytes found and expected', () => {
    const file = encodeModelFile(base);
    file.set(new TextEncoder().encode('PK\x03\x04'), 0);
    expectFormatError(() => decodeModelFile(file), /bytes 0-7: not a simdnn model file: expected the magic 53 49 4d 44 4e 4e 00 01.*got 50 4b 03 04/);
  });

  it('a newer container version (magic byte 8) says so', () => {
    const file = encodeModelFile(base);
    file[7] = 2;
    expectFormatError(() => decodeModelFile(file), /container version 2; this simdnn reads version 1/);
  });

  it('truncated: inside the header, inside the JSON, inside the weights', () => {
    const file = encodeModelFile(base);
    expectFormatError(() => decodeModelFile(file.subarray(0, 7)), /the file is 7 bytes, shorter than the 12-byte header/);
    expectFormatError(() => decodeModelFile(file.subarray(0, 40)), /JSON length \d+ runs past the end of the file \(40 bytes; truncated\?\)/);
    const cut = decodeModelFile(file.subarray(0, file.length - 5));
    rejects(cut, /weightSpecs\[3\]\.offset: d2\/bias at bytes 96 to 104 lies outside weightData \(99 bytes\)/);
  });

  it('a JSON length past the end of the file, above the cap, or leaving the weights unaligned', () => {
    const file = encodeModelFile(base);
    const view = new DataView(file.buffer);
    view.setUint32(8, file.length, true);
    expectFormatError(() => decodeModelFile(file), new RegExp(`bytes 8-11: JSON length ${file.length} runs past the end of the file \\(${file.length} bytes`));
    view.setUint32(8, 0xffffffff, true);
    expectFormatError(() => decodeModelFile(file), /JSON length 4294967295 is more than the 67108864 accepted/);
    const good = encodeModelFile(base);
    const n = new DataView(good.buffer).getUint32(8, true);
    new DataView(good.buffer).setUint32(8, n - 1, true);
    expectFormatError(() => decodeModelFile(good), /puts the weights at byte \d+, which is not 4-byte aligned/);
  });

  it('bad JSON: reports the byte of the file where the syntax breaks', () => {
    // The '}' at character 11 of the JSON is at byte 12 + 11 of the file.
    expectFormatError(() => decodeModelFile(fileWith('{"format": }')), /JSON: invalid JSON at byte 23: expected a value, found "\}"/);
    expectFormatError(() => decodeModelFile(fileWith('{"format" "x"}')), /invalid JSON at byte 22: expected ':' after an object key/);
    // The JSON part is padded with spaces to 8 bytes, so its input ends at byte 20.
    expectFormatError(() => decodeModelFile(fileWith('[1, 2')), /invalid JSON at byte 20: expected ',' or '\]', found end of input/);
    // Multi-byte UTF-8 before the error moves the byte offset past the character offset.
    expectFormatError(() => decodeModelFile(fileWith('{"é€": x}')), /invalid JSON at byte 22: expected a value, found "x"/);
    expectFormatError(() => decodeModelFile(fileWith('xyz')), /invalid JSON at byte 12: expected a value/);
  });

  it('bytes that are not UTF-8, and JSON that is not an object', () => {
    const file = fileWith('{"a": "  "}');
    file[19] = 0xff;
    expectFormatError(() => decodeModelFile(file), /JSON: is not valid UTF-8/);
    expectFormatError(() => decodeModelFile(fileWith('[1, 2]')), /JSON: must be an object, got \[1,2\]/);
    expectFormatError(() => decodeModelFile(new Float32Array(4) as unknown as Uint8Array), /expected the file's bytes as a Uint8Array/);
  });

  it('deeply nested JSON neither overflows the stack nor reaches the model code', () => {
    const deep = `{"format":"simdnn-model","version":1,"modelTopology":${'['.repeat(100000)}${']'.repeat(100000)}}`;
    const a = decodeModelFile(fileWith(deep));
    rejects(a, /modelTopology(\[0\])+: nested deeper than 64 levels/);
    const unclosed = `{"x":${'['.repeat(200000)}`;
    expectFormatError(() => decodeModelFile(fileWith(unclosed)), /invalid JSON at byte \d+: expected a value, found end of input/);
  });
});

describe('the artifacts', () => {
  it('wrong format', () => {
    rejects(variant((a) => (a.format = 'tfjs-layers')), /format: expected "simdnn-model", got "tfjs-layers"; this is not a simdnn model/);
    rejects(null, /expected model artifacts \(an object\), got null/);
    expectFormatError(() => decodeModelFile(fileWith('{"format":"keras"}')), /format: expected "simdnn-model", got "keras"/);
  });

  it('version 2 was saved by a newer simdnn; other versions are just wrong', () => {
    rejects(variant((a) => (a.version = 2)), /version: the model was saved by a newer simdnn \(format version 2\); this simdnn reads version 1/);
    rejects(variant((a) => (a.version = '1')), /version: expected 1, got "1"/);
    rejects(variant((a) => (a.version = 0.5)), /version: expected 1, got 0\.5/);
  });

  it('unknown layer class', () => {
    rejects(
      variant((a) => (a.modelTopology.config.layers[1].className = 'Conv3DTranspose')),
      /modelTopology\.config\.layers\[1\]\.className: unknown layer class "Conv3DTranspose"; known: .*Dense/,
    );
  });

  it('units: -3 (a layer constructor\'s error, located)', () => {
    rejects(
      variant((a) => (a.modelTopology.config.layers[2].config.units = -3)),
      /modelTopology\.config\.layers\[2\]\.config\.units: dense: units must be a positive integer, got -3/,
    );
  });

  it('units: 1e9 is refused before anything is allocated', () => {
    const before = memoryStats();
    rejects(variant((a) => (a.modelTopology.config.layers[0].config.units = 1e9)), /layers\[0\]\.config\.units: .*1000000000/);
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expect(memoryStats().peakBytes).toBe(before.peakBytes);
  });

  it('sizes within each layer\'s own limits but absurd together are refused before allocating', () => {
    const before = memoryStats();
    rejects(
      variant((a) => {
        a.modelTopology.config.layers[0].config.units = 2 ** 24;
        a.modelTopology.config.layers[2].config.units = 2 ** 24;
      }),
      /layers\[2\]: refusing to allocate d2\/kernel of shape \[16777216,16777216\] \(281474976710656 parameters/,
    );
    rejects(variant((a) => { a.inputShape = [2 ** 25]; delete a.modelTopology.config.layers[0].config.inputShape; }), /inputShape\[0\]: refusing to allocate a dimension of 33554432/);
    rejects(variant((a) => { a.inputShape = [2 ** 14, 2 ** 14]; delete a.modelTopology.config.layers[0].config.inputShape; }), /inputShape: refusing to allocate samples of \[16384,16384\]/);
    expect(memoryStats().peakBytes).toBe(before.peakBytes);
  });

  it('inputShape must be positive integers and agree with the first layer', () => {
    rejects(variant((a) => (a.inputShape = [3, -1])), /inputShape\[1\]: must be a positive integer, got -1/);
    rejects(variant((a) => (a.inputShape = 'x')), /inputShape: must be an array of 1 to 8 positive integers, got "x"/);
    rejects(variant((a) => (a.inputShape = [5])), /layers\[0\]\.config\.inputShape: is \[3\] but inputShape is \[5\]/);
    rejects(variant((a) => (a.inputShape = [3, 1])), /layers\[0\]\.config\.inputShape: is \[3\] but inputShape is \[3,1\]/);
  });

  it('a layer that cannot take its input shape is located', () => {
    rejects(
      variant((a) => { a.modelTopology.config.layers[2] = { className: 'Conv2D', config: { name: 'd2', filters: 2, kernelSize: 1 } }; }),
      /layers\[2\]: layer d2 cannot take inputs of shape \[4\]: .*\[height, width, channels\]/,
    );
    // Dense acts on the last axis (Keras): a [3, 2] input makes its kernel [2, 4], which the saved weights contradict.
    rejects(
      variant((a) => { a.inputShape = [3, 2]; delete a.modelTopology.config.layers[0].config.inputShape; }),
      /weightSpecs\[0\]\.shape: d1\/kernel must have shape \[2,4\], got \[3,4\]/,
    );
  });

  it('layers need names, unique ones, and prototype-shaped keys are refused', () => {
    rejects(variant((a) => delete a.modelTopology.config.layers[1].config.name), /layers\[1\]\.config\.name: must be a non-empty string, got undefined/);
    rejects(variant((a) => (a.modelTopology.config.layers[2].config.name = 'd1')), /layers\[2\]\.config\.name: a layer named "d1" appears twice/);
    rejects(
      variant((a) => (a.modelTopology.config.layers[0].config.units = JSON.parse('{"constructor": {"name": {"toString": 1}}}'))),
      /layers\[0\]\.config\.units: the key "constructor" is not allowed/,
    );
    rejects(variant((a) => (a.modelTopology = JSON.parse('{"__proto__": {"polluted": true}}'))), /modelTopology: the key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('missing weight', () => {
    rejects(variant((a) => a.weightSpecs.pop()), /weightSpecs: missing weight "d2\/bias"; the model has 4 weights: d1\/kernel, d1\/bias, d2\/kernel, d2\/bias/);
  });

  it('extra weight', () => {
    rejects(
      variant((a) => a.weightSpecs.push({ name: 'd3/kernel', shape: [1], dtype: 'float32', offset: 72, byteLength: 4 })),
      /weightSpecs\[4\]\.name: unexpected weight "d3\/kernel"; the model has 4 weights/,
    );
    rejects(variant((a) => a.weightSpecs.push({ ...a.weightSpecs[0] })), /weightSpecs\[4\]\.name: weight "d1\/kernel" is listed twice/);
  });

  it('weights out of order', () => {
    rejects(
      variant((a) => a.weightSpecs.reverse()),
      /weightSpecs\[0\]\.name: expected "d1\/kernel" \(weights are listed in layer order, layers' own state last\), got "d2\/bias"/,
    );
  });

  it('wrong shape', () => {
    rejects(variant((a) => (a.weightSpecs[0].shape = [4, 3])), /weightSpecs\[0\]\.shape: d1\/kernel must have shape \[3,4\], got \[4,3\]/);
    rejects(variant((a) => (a.weightSpecs[1].shape = [2, 2])), /weightSpecs\[1\]\.shape: d1\/bias must have shape \[4\], got \[2,2\]/);
  });

  it('wrong dtype', () => {
    rejects(variant((a) => (a.weightSpecs[2].dtype = 'float16')), /weightSpecs\[2\]\.dtype: d2\/kernel must be "float32", got "float16"/);
  });

  it('offset out of range, not packed, or not an integer', () => {
    rejects(variant((a) => (a.weightSpecs[1].offset = 1e9)), /weightSpecs\[1\]\.offset: d1\/bias at bytes 1000000000 to 1000000016 lies outside weightData \(104 bytes\)/);
    rejects(variant((a) => (a.weightSpecs[1].offset = 52)), /weightSpecs\[1\]\.offset: expected 48 \(weights are packed back to back in order\), got 52/);
    rejects(variant((a) => (a.weightSpecs[0].offset = -4)), /weightSpecs\[0\]\.offset: must be a non-negative integer, got -4/);
    rejects(variant((a) => (a.weightSpecs[0].offset = Number.NaN)), /weightSpecs\[0\]\.offset: must be a non-negative integer, got NaN/);
  });

  it('byteLength mismatch, and weightData longer than the weights', () => {
    rejects(variant((a) => (a.weightSpecs[0].byteLength = 40)), /weightSpecs\[0\]\.byteLength: d1\/kernel of shape \[3,4\] in float32 takes 48 bytes, got 40/);
    rejects(variant((a) => (a.weightData = new Uint8Array(112))), /weightData: is 112 bytes but weightSpecs describe 104/);
    rejects(variant((a) => (a.weightData = Array.from(a.weightData))), /weightData: must be a Uint8Array, got an array of 104/);
  });

  it('NaN or Infinity in the weights: names the weight and the index', () => {
    const nan = variant((a) => new DataView(a.weightData.buffer).setFloat32(48 + 4 * 3, Number.NaN, true));
    rejects(nan, /weightData: weight d1\/bias\[3\] is NaN \(at byte 60\); weights must be finite/);
    const inf = variant((a) => new DataView(a.weightData.buffer).setFloat32(64 + 4 * 5, -Infinity, true));
    rejects(inf, /weight d2\/kernel\[5\] is -Infinity \(at byte 84\)/);
  });

  it('bad training config: unknown optimizer, bad hyperparameters, unknown loss, an incompatible loss', () => {
    rejects(variant((a) => (a.training.optimizer.className = 'Adagradd')), /training\.optimizer: bad optimizer config: optimizer: unknown className "Adagradd"/);
    rejects(variant((a) => (a.training.optimizer.beta1 = 7)), /training\.optimizer: bad optimizer config: adam: beta1 must be a finite number in \[0, 0\.999999\], got 7/);
    rejects(variant((a) => (a.training.optimizer.learningRate = null)), /training\.optimizer\.learningRate: must be a number or a schedule config, got null/);
    rejects(variant((a) => (a.training.optimizer.learningRate = { type: 'warmup' })), /training\.optimizer: bad optimizer config: schedule: unknown type "warmup"/);
    rejects(variant((a) => (a.training.optimizer = 'adam')), /training\.optimizer: must be an optimizer config object, got "adam"/);
    rejects(variant((a) => (a.training.loss = 'hingee')), /training\.loss: .*hingee/);
    rejects(variant((a) => (a.training.loss = 'toString')), /training\.loss: .*"toString"/);
    rejects(variant((a) => (a.training.metrics = 'accuracy')), /training\.metrics: must be an array of at most 16 metric names, got "accuracy"/);
    rejects(variant((a) => (a.training.fromLogits = 'yes')), /training\.fromLogits: must be a boolean, got "yes"/);
    rejects(variant((a) => (a.training = [])), /training: must be an object .* or null, got \[\]/);
  });

  it('a failure after the model was built (compile refuses the loss) frees everything', () => {
    // binaryCrossentropy with fromLogits needs a linear output layer; this one is softmax.
    const before = memoryStats().liveBytes;
    rejects(
      variant((a) => { a.training.loss = 'binaryCrossentropy'; a.training.fromLogits = true; }),
      /training: could not compile the model: compile: fromLogits needs a linear output layer/,
    );
    expect(memoryStats().liveBytes).toBe(before);
  });

  it('the topology\'s own structure', () => {
    rejects(variant((a) => (a.modelTopology.className = 'Functional')), /modelTopology\.className: expected "Sequential", got "Functional"/);
    rejects(variant((a) => (a.modelTopology.config.layers = [])), /modelTopology\.config\.layers: must be an array of 1 to 4096 layers, got \[\]/);
    rejects(variant((a) => (a.modelTopology.config.layers[0].config = [1])), /layers\[0\]\.config: must be an object, got \[1\]/);
    rejects(variant((a) => (a.modelTopology.config.name = 5)), /modelTopology\.config\.name: must be a non-empty string, got 5/);
    rejects(variant((a) => delete a.modelTopology), /modelTopology: must be an object, got undefined/);
  });
});

describe('files on disk', () => {
  /** A model directory whose model.json is the valid one with `edit` applied. */
  function modelDir(name: string, edit: (json: Record<string, any>) => void): string {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    const { weightData, ...json } = base;
    const j: Record<string, any> = { ...structuredClone(json), weightsPath: 'weights.bin' };
    edit(j);
    writeFileSync(join(path, 'model.json'), JSON.stringify(j));
    writeFileSync(join(path, 'weights.bin'), weightData);
    return path;
  }

  it('a weights path escaping the directory is refused before anything is read', () => {
    writeFileSync(join(dir, 'outside.bin'), base.weightData);
    const cases: [string, RegExp][] = [
      ['../outside.bin', /weightsPath: "\.\.\/outside\.bin" escapes the model directory \('\.\.' is not allowed\)/],
      ['sub/../../outside.bin', /escapes the model directory/],
      ['..\\outside.bin', /escapes the model directory/],
      ['/etc/passwd', /weightsPath: "\/etc\/passwd" is an absolute path; the weights must be inside the model directory/],
      ['C:\\Windows\\win.ini', /is an absolute path/],
      ['\\\\server\\share\\w.bin', /is an absolute path/],
      ['.', /escapes the model directory/],
      ['weights.bin\0.txt', /contains a NUL byte/],
      ['', /weightsPath: must be a relative file name like "weights\.bin", got ""/],
    ];
    cases.forEach(([weightsPath, pattern], i) => {
      const path = modelDir(`escape${i}`, (j) => (j.weightsPath = weightsPath));
      expectFormatError(() => loadModel(path), pattern);
    });
    const missing = modelDir('no-weights-path', (j) => delete j.weightsPath);
    expectFormatError(() => loadModel(missing), /weightsPath: must be a relative file name/);
  });

  it('a weights path in a subdirectory is fine', () => {
    const path = modelDir('subdir', (j) => (j.weightsPath = 'parts/w.bin'));
    mkdirSync(join(path, 'parts'));
    writeFileSync(join(path, 'parts', 'w.bin'), base.weightData);
    loadModel(path).dispose();
  });

  it('missing files, unreadable paths and bad model.json name the file', () => {
    expectFormatError(() => loadModel(join(dir, 'nothing-here')), /loadModel: .*nothing-here: cannot be read: ENOENT/);
    const noWeights = modelDir('no-weights', () => undefined);
    rmSync(join(noWeights, 'weights.bin'));
    expectFormatError(() => loadModel(noWeights), /weights\.bin: cannot be read: ENOENT/);
    const empty = join(dir, 'empty-dir');
    mkdirSync(empty);
    expectFormatError(() => loadModel(empty), /model\.json: cannot be read: ENOENT/);
    const badJson = modelDir('bad-json', () => undefined);
    writeFileSync(join(badJson, 'model.json'), '{"format": "simdnn-model",\n "version": 1,,}');
    expectFormatError(() => loadModel(badJson), /bad-json\/model\.json: JSON: invalid JSON at byte 41: expected a string, found ","/);
    const wrongVersion = modelDir('v2', (j) => (j.version = 2));
    expectFormatError(() => loadModel(wrongVersion), /v2\/model\.json: version: the model was saved by a newer simdnn/);
  });

  it('a file that is not a model is refused by its magic', () => {
    const path = join(dir, 'notes.simdnn');
    writeFileSync(path, 'hello, this is text and not a model');
    expectFormatError(() => loadModel(path), /notes\.simdnn: bytes 0-7: not a simdnn model file/);
  });

  it('errors in a .simdnn file\'s contents name the file', () => {
    const path = join(dir, 'bad-units.simdnn');
    const a = variant((x) => (x.modelTopology.config.layers[0].config.units = -3));
    writeFileSync(path, encodeModelFile(a as ModelArtifacts));
    expectFormatError(() => loadModel(path), /^loadModel: .*bad-units\.simdnn: modelTopology\.config\.layers\[0\]\.config\.units: dense: units must be a positive integer, got -3$/);
  });

  it('modelFromJSONAndWeights checks its arguments like a file', () => {
    const { weightData, ...json } = base;
    expectFormatError(() => modelFromJSONAndWeights('{"format":', weightData), /model\.json: invalid JSON at byte 10: expected a value, found end of input/);
    expectFormatError(() => modelFromJSONAndWeights(json, Array.from(weightData) as unknown as Uint8Array), /weights: must be a Uint8Array/);
    expectFormatError(() => modelFromJSONAndWeights(json, weightData.subarray(4)), /weightSpecs\[3\]\.offset: d2\/bias at bytes 96 to 104 lies outside weightData \(100 bytes\)/);
    expectFormatError(() => modelFromJSONAndWeights(42, weightData), /model\.json: must be a JSON object, got 42/);
  });

  it('saving checks its path', () => {
    const model = deserializeModel(base);
    expect(() => saveModel(model, '')).toThrow(/saveModel: path must be a non-empty string/);
    model.dispose();
  });
});

describe('limits', () => {
  it('layer outputs that add up past the per-sample limit are refused before allocating, even without weights', () => {
    // 9 dropout layers of 2^23 values each: no parameters, but 2^26 + 2^23 activations per sample.
    const drops = Array.from({ length: 9 }, (_, i) => ({ className: 'Dropout', config: { name: `drop${i}`, rate: 0 } }));
    const a = {
      format: 'simdnn-model', version: 1, inputShape: [2 ** 23], training: null, weightSpecs: [], weightData: new Uint8Array(0),
      modelTopology: { className: 'Sequential', config: { name: 'wide', layers: drops } },
    };
    const before = memoryStats();
    rejects(a, /modelTopology\.config\.layers\[8\]: refusing to allocate the output of drop8, \[8388608\] per sample .*67108864 values per sample/);
    expect(memoryStats().peakBytes).toBe(before.peakBytes);
    a.modelTopology.config.layers = drops.slice(0, 2);
    const ok = deserializeModel(a);
    expect(ok.countParams()).toBe(0);
    ok.dispose();
  });

  it('the most layers a model may have load quickly; one more is refused', () => {
    const drops = (n: number) => Array.from({ length: n }, (_, i) => ({ className: 'Dropout', config: { name: `d${i}`, rate: 0.1 } }));
    const a = {
      format: 'simdnn-model', version: 1, inputShape: [2], training: null, weightSpecs: [], weightData: new Uint8Array(0),
      modelTopology: { className: 'Sequential', config: { name: 'deep', layers: drops(4096) } },
    };
    const t0 = performance.now();
    const model = deserializeModel(a);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(model.layers).toHaveLength(4096);
    model.dispose();
    a.modelTopology.config.layers = drops(4097);
    rejects(a, /modelTopology\.config\.layers: must be an array of 1 to 4096 layers, got an array of 4097/);
  });

  it('a huge flat array in the JSON is walked without building a path per element', () => {
    const a = variant((x) => (x.modelTopology.config.extra = new Array(2_000_000).fill(1)));
    a.modelTopology.config.extra[1_999_999] = { constructor: 0 };
    const t0 = performance.now();
    rejects(a, /modelTopology\.config\.extra\[1999999\]: the key "constructor" is not allowed/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('memory', () => {
  it('no rejected load left anything allocated', () => {
    expect(memoryStats().liveBytes).toBe(startBytes);
  });

  it('errors are ModelFormatErrors, not the library\'s other error types', () => {
    let caught: unknown;
    try {
      deserializeModel(variant((a) => (a.modelTopology.config.layers[1].config.rate = 1.5)));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ModelFormatError);
    expect((caught as Error).name).toBe('ModelFormatError');
    expect((caught as Error).message).toMatch(/layers\[1\]\.config\.rate: dropout: rate must be a number in \[0, 1\), got 1\.5/);
  });
});
