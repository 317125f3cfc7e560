// Property tests for TensorFlow.js Layers files: whatever is done to a valid
// model.json and its shards, loadLayersModel either gives a model or throws a
// ModelFormatError; never another error, a crash, a hang or leaked memory.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import {
  init, sequential, input, model as graphModel, layers, memoryStats, ModelFormatError, SimdnnError, loadLayersModel, toLayersArtifacts,
  type Model, type Tensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

// Fixed so failures reproduce; SIMDNN_FUZZ_RUNS and SIMDNN_FUZZ_SEED run a deeper or different search.
const SEED = Number(process.env.SIMDNN_FUZZ_SEED ?? 0x7f15);
const RUNS = Number(process.env.SIMDNN_FUZZ_RUNS ?? 100);

const URL_BASE = 'https://models.test/m/';

interface Files {
  json: Record<string, unknown>;
  shards: Uint8Array[];
}

let base: Files;
let startBytes: number;

function cnn(): Model {
  return sequential({ seed: 3, layers: [
    layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' }),
    layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
    layers.batchNormalization({ name: 'bn' }),
    layers.flatten({ name: 'flat' }),
    layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
  ] });
}

function branches(): Model {
  const x = input({ shape: [4], name: 'x' });
  const a = layers.dense({ units: 3, activation: 'tanh', name: 'a' }).apply(x) as never;
  const b = layers.dense({ units: 2, name: 'b' }).apply(x) as never;
  const c = layers.concatenate({ name: 'cat' }).apply([a, b]) as never;
  return graphModel({ inputs: x, outputs: layers.dense({ units: 2, name: 'y' }).apply(c) as never, seed: 3, name: 'two' });
}

function recurrent(): Model {
  return sequential({ seed: 3, layers: [
    layers.embedding({ inputDim: 7, outputDim: 3, inputLength: 5, name: 'emb' }),
    layers.lstm({ units: 3, returnSequences: true, name: 'lstm' }),
    layers.bidirectional({ layer: layers.gru({ units: 2, returnSequences: true, resetAfter: false, name: 'gru' }), name: 'bi' }),
    layers.timeDistributed({ layer: layers.dense({ units: 2, name: 'td_inner' }), name: 'td' }),
  ] });
}

/** model.json and two shards (cut inside a weight) for the model `make` builds. */
function filesOf(make: () => Model): Files {
  const m = make();
  (m as Model & { build?: () => void }).build?.();
  const a = toLayersArtifacts(m);
  m.dispose();
  const data = new Uint8Array(a.weightData);
  const cut = Math.floor(data.length / 3) + 1;
  return {
    json: { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['s1.bin', 's2.bin'], weights: a.weightSpecs }] },
    shards: [data.slice(0, cut), data.slice(cut)],
  };
}

/** An in-memory server for model.json (as bytes) and the shards. */
function serve(jsonBytes: Uint8Array, shards: Uint8Array[]) {
  const files = new Map<string, Uint8Array>([[`${URL_BASE}model.json`, jsonBytes], [`${URL_BASE}s1.bin`, shards[0]], [`${URL_BASE}s2.bin`, shards[1]]]);
  return async (url: string) => {
    const body = files.get(url);
    return { ok: !!body, status: body ? 200 : 404, arrayBuffer: async () => (body ? body.slice().buffer : new ArrayBuffer(0)) };
  };
}

/** Loads; a ModelFormatError is accepted (and must leave no memory behind), anything else fails. */
async function attempt(jsonBytes: Uint8Array, shards: Uint8Array[]): Promise<Model | null> {
  const before = memoryStats().liveBytes;
  try {
    return await loadLayersModel(`${URL_BASE}model.json`, { fetch: serve(jsonBytes, shards) });
  } catch (err) {
    if (!(err instanceof ModelFormatError)) throw err;
    expect(memoryStats().liveBytes, 'a rejected load freed everything').toBe(before);
    return null;
  }
}

function exercise(model: Model): void {
  try {
    const x = randArray(3 * model.inputs[0].shape.reduce((a, b) => a * b, 1), 5, 0, 1).map((v) => Math.floor(v * 7));
    const out = model.predict(x);
    for (const t of Array.isArray(out) ? out : [out as Tensor]) t.dispose();
  } catch (err) {
    if (!(err instanceof SimdnnError)) throw err;
  } finally {
    model.dispose();
  }
}

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

type Path = (string | number)[];

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

function setAt(root: Record<string, unknown>, path: Path, value: unknown, remove: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
}

/** Nested arrays `depth` deep. */
function deep(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    Number.NaN, -1, 0, 0.5, 1e12, 1e308, 2 ** 24, 2 ** 24 + 1, 2 ** 31, 1e9, [null, 2 ** 30], [null, 1e9, 1e9], [2 ** 31], [1e6, 1e6],
    '', 'Dense', 'LSTM', 'relu', 'gelu', 'float16', 'int32', 'uint8', 'Sequential', 'Model', '__proto__', 'toString', '../x.bin', '/etc/passwd',
    null, true, false, [], {}, [3], [-1], [0], { dtype: 'uint8', min: 0, scale: 1 }, { dtype: 'uint8' }, deep(100), deep(70),
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
);

const mutation = fc.record({ pick: fc.nat(), value: hostileValue, remove: fc.boolean() });

type Edit = { target: number; kind: 'flip' | 'truncate' | 'insert'; at: number; bit: number; bytes: Uint8Array };

const edit: fc.Arbitrary<Edit> = fc.record({
  target: fc.nat({ max: 2 }),
  kind: fc.constantFrom('flip' as const, 'flip' as const, 'truncate' as const, 'insert' as const),
  at: fc.nat({ max: 1 << 14 }),
  bit: fc.nat({ max: 7 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
});

for (const [kind, make] of [['CNN with batch normalization', cnn], ['functional two-branch', branches], ['embedding, LSTM, bidirectional GRU, time-distributed', recurrent]] as const) {
  describe(`fuzz TensorFlow.js files: ${kind}`, () => {
    beforeAll(async () => {
      await init({ deterministic: true });
      base = filesOf(make);
      startBytes = memoryStats().liveBytes;
      // The unmodified files load.
      const m = await attempt(enc(base.json), base.shards);
      expect(m).not.toBeNull();
      exercise(m as Model);
    });

    it('byte flips, truncations and insertions in model.json and the shards', async () => {
      let loaded = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
          const files = [enc(base.json), ...base.shards.map((s) => s.slice())];
          for (const e of edits) {
            let b = files[e.target];
            const at = e.at % (b.length + 1);
            if (e.kind === 'flip') {
              if (at < b.length) b[at] ^= 1 << e.bit;
            } else if (e.kind === 'truncate') b = b.slice(0, at);
            else {
              const out = new Uint8Array(b.length + e.bytes.length);
              out.set(b.subarray(0, at), 0);
              out.set(e.bytes, at);
              out.set(b.subarray(at), at + e.bytes.length);
              b = out;
            }
            files[e.target] = b;
          }
          const m = await attempt(files[0], files.slice(1));
          if (m) {
            loaded++;
            exercise(m);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(loaded).toBeGreaterThan(0);
      expect(memoryStats().liveBytes).toBe(startBytes);
    });

    it('hostile values anywhere in model.json (dims, dtypes, names, paths, nesting)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const copy = structuredClone(base.json);
          for (const mu of mutations) {
            const paths = pathsOf(copy);
            setAt(copy, paths[mu.pick % paths.length], structuredClone(mu.value), mu.remove);
          }
          const m = await attempt(enc(copy), base.shards);
          if (m) exercise(m);
        }),
        { seed: SEED + 1, numRuns: RUNS },
      );
      expect(memoryStats().liveBytes).toBe(startBytes);
    });

    it('prototype keys, deep nesting and huge shapes written into the JSON text', async () => {
      const text = JSON.stringify(base.json);
      const inserts = [
        '"__proto__":{"polluted":1},', '"constructor":{"name":1},', '"prototype":1,',
        `"x":${JSON.stringify(deep(200))},`, '"shape":[16777216,16777216],', '"batch_input_shape":[null,100000,100000,3],',
        '"units":1e9,', '"filters":65536,"kernel_size":[4096,4096],', '"dtype":"float64",',
      ];
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat({ max: inserts.length - 1 }), async (pos, which) => {
          // Insert right after an opening brace so the text stays JSON.
          const braces = [...text.matchAll(/\{/g)].map((m) => m.index as number);
          const at = braces[pos % braces.length] + 1;
          const s = text.slice(0, at) + inserts[which] + text.slice(at);
          const fixed = s.replace(/,\}/g, '}');
          const m = await attempt(new TextEncoder().encode(fixed), base.shards);
          if (m) exercise(m);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { seed: SEED + 2, numRuns: RUNS },
      );
      expect(memoryStats().liveBytes).toBe(startBytes);
    });
  });
}
