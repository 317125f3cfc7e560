// Property tests: whatever is done to a valid saved model, loading it either
// works or throws a ModelFormatError; never another error type, a crash, a
// hang or leaked memory.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import {
  init, sequential, input, model as graphModel, layers, optimizers, memoryStats, ModelFormatError, SimdnnError,
  serializeModel, deserializeModel, encodeModelFile, decodeModelFile, type ModelArtifacts, type Model, type Tensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

// Fixed so failures reproduce; SIMDNN_FUZZ_RUNS and SIMDNN_FUZZ_SEED run a deeper or different search.
const SEED = Number(process.env.SIMDNN_FUZZ_SEED ?? 0x51d0);
const RUNS = Number(process.env.SIMDNN_FUZZ_RUNS ?? 200);

let base: ModelArtifacts;
let file: Uint8Array;
let weightsStart: number;
let startBytes: number;

/** A small Sequential model: dense, dropout, dense softmax. */
function sequentialModel(): Model {
  const model = sequential({
    seed: 8,
    layers: [
      layers.dense({ units: 5, activation: 'leakyRelu', alpha: 0.1, inputShape: [3], name: 'hidden' }),
      layers.dropout({ rate: 0.2, name: 'drop' }),
      layers.dense({ units: 2, activation: 'softmax', useBias: false, name: 'out' }),
    ],
  });
  model.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.01, clipNorm: 1 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mse'] });
  return model;
}

/** A small graph: two inputs, a layer shared by both, a merge, a tied decoder and two outputs. */
function graph(): Model {
  const a = input({ shape: [3], name: 'in_a' });
  const b = input({ shape: [3], name: 'in_b' });
  const enc = layers.dense({ units: 4, activation: 'tanh', name: 'enc' });
  const sum = layers.add({ name: 'sum' }).apply([enc.apply(a) as never, enc.apply(b) as never]) as never;
  const recon = layers.denseTied({ tiedTo: enc, name: 'dec' }).apply(sum) as never;
  const cls = layers.dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(sum) as never;
  const model = graphModel({ inputs: [a, b], outputs: [recon, cls], seed: 8, name: 'twin' });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: ['mse', 'categoricalCrossentropy'], metrics: ['accuracy'] });
  return model;
}

/** Switches the fuzzed file to the model `make` builds. */
function useModel(make: () => Model): void {
  const model = make();
  base = serializeModel(model);
  model.dispose();
  file = encodeModelFile(base);
  weightsStart = file.length - base.weightData.length;
  startBytes = memoryStats().liveBytes;
}

beforeAll(async () => {
  await init({ deterministic: true });
});

/** Loads with `load`; a ModelFormatError is an accepted outcome, any other error fails the property. Returns the model or null. */
function attempt(load: () => Model): Model | null {
  const before = memoryStats().liveBytes;
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ModelFormatError)) throw err;
    expect(memoryStats().liveBytes, 'a rejected load freed everything').toBe(before);
    return null;
  }
}

/** Runs a loaded model on a few samples of its own input shapes; returns the outputs (or null if predict refused). */
function predictWith(model: Model): Float32Array | null {
  const xs = model.inputs.map((t, i) => randArray(4 * t.shape.reduce((a, b) => a * b, 1), 3 + i));
  try {
    const out = model.predict(xs.length === 1 ? xs[0] : xs, { batchSize: 4 });
    const list = Array.isArray(out) ? out : [out as Tensor];
    const values = new Float32Array(list.flatMap((t) => Array.from(t.toFloat32Array())));
    for (const t of list) t.dispose();
    return values;
  } catch (err) {
    // A model that loaded may still refuse an input (a typed error); nothing else is acceptable.
    if (!(err instanceof SimdnnError)) throw err;
    return null;
  }
}

type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

// Positions favour the header, where every byte matters, as well as anywhere in the file.
const position = fc.oneof(fc.nat({ max: 15 }), fc.nat({ max: 1 << 16 }));
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

/** Applies edits to a copy of the file; reports whether only weight bytes were changed in place. */
function applyEdits(edits: Edit[]): { bytes: Uint8Array; weightsOnly: boolean } {
  let bytes = file.slice();
  let weightsOnly = true;
  for (const e of edits) {
    const at = e.at % (bytes.length + 1);
    if (e.kind === 'flip' || e.kind === 'set') {
      if (at === bytes.length) continue;
      bytes[at] = e.kind === 'flip' ? bytes[at] ^ (1 << e.bit) : e.value;
      if (at < weightsStart) weightsOnly = false;
    } else if (e.kind === 'truncate') {
      bytes = bytes.slice(0, at);
      weightsOnly = false;
    } else {
      const out = new Uint8Array(bytes.length + e.bytes.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(e.bytes, at);
      out.set(bytes.subarray(at), at + e.bytes.length);
      bytes = out;
      weightsOnly = false;
    }
  }
  return { bytes, weightsOnly };
}

type Path = (string | number)[];

/** Every path to a value inside `value` (object keys and array indices). */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      pathsOf(v, p, out);
    }
  }
  return out;
}

/** Replaces (or, with `remove`, deletes) the value at `path` inside `root`. */
function setAt(root: Record<string, unknown>, path: Path, value: unknown, remove: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
}

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    Number.NaN, -1, 0, -0, 0.5, 1e12, 1e308, Infinity, -Infinity, 2 ** 24, 2 ** 24 + 1, 2 ** 31, 1e9,
    '', 'Dense', 'Dropout', 'relu', 'softmax', 'leakyRelu', 'Sequential', '__proto__', 'toString',
    null, true, false, [], {}, [3], [-1], [1e9], [3, 3], [0], { constructor: 1 },
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
);

const mutation = fc.record({ pick: fc.nat(), value: hostileValue, remove: fc.boolean() });

/** Deep-copies the JSON part of the valid artifacts, applies mutations under `section`, and reattaches the weights. */
function mutated(section: 'modelTopology' | 'all', mutations: { pick: number; value: unknown; remove: boolean }[]): Record<string, unknown> {
  const { weightData, ...json } = base;
  const copy = structuredClone(json) as Record<string, unknown>;
  for (const m of mutations) {
    const root = section === 'all' ? copy : (copy.modelTopology as Record<string, unknown>);
    const paths = pathsOf(root);
    if (paths.length === 0) continue;
    setAt(root, paths[m.pick % paths.length], structuredClone(m.value), m.remove);
  }
  return { ...copy, weightData: weightData.slice() };
}

for (const [kind, make] of [['sequential', sequentialModel], ['graph', graph]] as const) {
  describe(`fuzz: a ${kind} model`, () => {
    beforeAll(() => useModel(make));

    it('byte flips, truncations and insertions in a .simdnn file: a model or a ModelFormatError', () => {
      let loaded = 0;
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
          const { bytes, weightsOnly } = applyEdits(edits);
          const model = attempt(() => deserializeModel(decodeModelFile(bytes)));
          if (!model) return;
          loaded++;
          try {
            const out = predictWith(model);
            // Changed weight bits can make outputs overflow; a model whose JSON changed and still loaded must compute finite numbers.
            if (out && !weightsOnly) expect(out.every(Number.isFinite)).toBe(true);
          } finally {
            model.dispose();
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // Some edits must land in the weights and still load, or the property tests nothing but refusals.
      expect(loaded).toBeGreaterThan(0);
      expect(memoryStats().liveBytes).toBe(startBytes);
    });

    it('random values in the topology\'s fields: a model or a ModelFormatError', () => {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
          const model = attempt(() => deserializeModel(mutated('modelTopology', mutations)));
          if (!model) return;
          try {
            predictWith(model);
          } finally {
            model.dispose();
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(memoryStats().liveBytes).toBe(startBytes);
    });

    it('random values anywhere in the JSON (input shape, training config, weight specs): a model or a ModelFormatError', () => {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
          const model = attempt(() => deserializeModel(mutated('all', mutations)));
          if (!model) return;
          try {
            predictWith(model);
          } finally {
            model.dispose();
          }
        }),
        { seed: SEED + 1, numRuns: RUNS },
      );
      expect(memoryStats().liveBytes).toBe(startBytes);
    });

    it('random JSON text in the container: a ModelFormatError, located', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), (text) => {
          const json = new TextEncoder().encode(text);
          const padded = Math.ceil((12 + json.length) / 4) * 4 - 12;
          const bytes = new Uint8Array(12 + padded).fill(0x20);
          bytes.set(file.subarray(0, 8), 0);
          new DataView(bytes.buffer).setUint32(8, padded, true);
          bytes.set(json, 12);
          try {
            decodeModelFile(bytes);
          } catch (err) {
            if (!(err instanceof ModelFormatError)) throw err;
            return;
          }
          throw new Error(`decoded ${JSON.stringify(text)} as a model`);
        }),
        { seed: SEED + 2, numRuns: RUNS },
      );
    });
  });
}
