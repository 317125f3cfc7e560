// A fuzzer for every loader: the Sequential model file and directory, the
// Hopfield / Boltzmann / RBM / DBN / Perceptron JSON documents, the CLI's
// labels file and its CSV reader. Each case mutates a valid document (byte
// flips, truncation, extension, huge and fractional dimensions, duplicated
// and __proto__ keys, deep nesting, wrong types) and requires one of two
// outcomes: a working object (its outputs finite) or the loader's typed
// error; never another error, a hang (each case is timed, 10 s at most), a leak (live bytes
// return to where they were) or a polluted Object.prototype.
//
// SIMDNN_FUZZ_RUNS sets the cases per loader (default 200; `npm run fuzz`
// runs 10,000), SIMDNN_FUZZ_SEED the seed, SIMDNN_FUZZ_REPORT a JSON file
// for the figures and SIMDNN_FUZZ_DUMP a file for the text of a case that
// ran too long.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init, memoryStats, sequential, layers, saveModel, loadModel, encodeModelFile, serializeModel, Hopfield, BoltzmannMachine, RBM, DBN, Perceptron,
  parseCsv, toLayersArtifacts, layersModelFromArtifacts, ModelFormatError, SimdnnError, ValueError, type Model, type Tensor,
} from '../../src/node.js';
import { readLabels } from '../../src/cli/model-file.js';
import { loadTrainingData } from '../../src/cli/data.js';
import { UsageError } from '../../src/cli/options.js';

const SEED = Number(process.env.SIMDNN_FUZZ_SEED ?? 0x7a11);
const RUNS = Number(process.env.SIMDNN_FUZZ_RUNS ?? 200);
const REPORT = process.env.SIMDNN_FUZZ_REPORT;
/** Most milliseconds one case may take, and most bytes the wasm heap may grow over a whole loader's run. */
// (generous: the slowest case seen takes under 1 s, but a shared machine can stall a process for seconds).
const CASE_MS = Number(process.env.SIMDNN_FUZZ_CASE_MS ?? 10_000);
const HEAP_GROWTH = 256 << 20;

let dir = '';
const figures: Record<string, { cases: number; loaded: number; rejected: number; unparsable: number; slowestMs: number }> = {};

beforeAll(async () => {
  await init({ deterministic: true });
  dir = mkdtempSync(join(tmpdir(), 'simdnn-fuzz-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (REPORT) appendFileSync(REPORT, `${JSON.stringify({ seed: SEED, runs: RUNS, figures })}\n`);
});

/** xoshiro-free, dependency-free seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE: unknown[] = [
  1e39, -1e39, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 24 + 1, 1.5, 0.5, -1, 0, 1, 3, 1e-45, -0,
  '', 'x', '1', 'relu', '__proto__', null, true, false, [], {}, [1, 2, 3], [[1], [2]], { a: 1 }, [1e39], [null], ['a'],
];

/** Every path to a value inside `doc` (objects and arrays), at most a few thousand. */
function paths(doc: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    if (out.length > 4000) return;
    out.push(p);
    if (Array.isArray(v)) v.slice(0, 64).forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...p, k]);
  };
  walk(doc, []);
  return out;
}

/** One mutated JSON text of `doc`. */
function mutateJSON(doc: unknown, r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const copy = JSON.parse(JSON.stringify(doc)) as unknown;
  const all = paths(copy).filter((p) => p.length > 0);
  const kind = Math.floor(r() * 9);
  // Paths were taken before earlier edits of the same case: one that no longer leads to an object is skipped.
  const parent = (p: (string | number)[]): Record<string | number, unknown> | null => {
    let o: unknown = copy;
    for (const k of p.slice(0, -1)) {
      if (o === null || typeof o !== 'object') return null;
      o = (o as Record<string | number, unknown>)[k];
    }
    return o !== null && typeof o === 'object' ? (o as Record<string | number, unknown>) : null;
  };
  const set = (p: (string | number)[], value: unknown) => {
    const o = parent(p);
    if (o) o[p[p.length - 1]] = value;
  };
  const remove = (p: (string | number)[]) => {
    const o = parent(p);
    if (!o) return;
    if (Array.isArray(o)) o.splice(p[p.length - 1] as number, 1);
    else delete o[p[p.length - 1]];
  };
  const numbers = all.filter((p) => {
    let o: unknown = copy;
    for (const k of p) o = (o as Record<string | number, unknown>)[k];
    return typeof o === 'number';
  });
  switch (kind) {
    case 0: // a hostile value anywhere
      for (let i = 0, n = 1 + Math.floor(r() * 3); i < n && all.length; i++) set(pick(all), structuredClone(pick(HOSTILE)));
      return JSON.stringify(copy);
    case 1: // huge, fractional, zero or negative numbers where numbers are
      for (let i = 0, n = 1 + Math.floor(r() * 3); i < n && numbers.length; i++) set(pick(numbers), pick([2 ** 31, 2 ** 24, 1e9, 65536, 1.5, 0.25, 0, -1, -0, 1e39, 2 ** 53 + 2]));
      return JSON.stringify(copy);
    case 2: // a key removed
      if (all.length) remove(pick(all));
      return JSON.stringify(copy);
    case 3: { // deep nesting, spliced into the text (JSON.stringify itself recurses)
      if (!all.length) return JSON.stringify(copy);
      set(pick(all), '\u0001deep\u0001');
      const depth = Math.floor(10 + r() * 20000);
      return JSON.stringify(copy).replace('"\\u0001deep\\u0001"', `${'['.repeat(depth)}0${']'.repeat(depth)}`);
    }
    case 4: { // a duplicated key (the later one wins in JSON.parse) or a __proto__ key, in the text
      const text = JSON.stringify(copy);
      const at = text.indexOf('{', Math.floor(r() * text.length));
      if (at < 0) return text;
      const extra = r() < 0.5 ? `"__proto__":{"polluted":1,"type":"Hopfield"},` : `"${pick(['type', 'weights', 'size', 'visible', 'hidden', 'layers', 'inputs', 'rbms', 'format', 'version', 'classNames'])}":${JSON.stringify(pick(HOSTILE))},`;
      return r() < 0.5 ? `${text.slice(0, at + 1)}${extra}${text.slice(at + 1)}` : text.replace(/}(?=[^}]*$)/, `,${extra.slice(0, -1)}}`);
    }
    case 5: { // byte flips
      const b = new TextEncoder().encode(JSON.stringify(copy));
      for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      return new TextDecoder().decode(b);
    }
    case 6: { // truncation
      const t = JSON.stringify(copy);
      return t.slice(0, Math.floor(r() * t.length));
    }
    case 7: { // extension: an array made long, or junk appended
      const arrays = all.filter((p) => {
        let o: unknown = copy;
        for (const k of p) o = (o as Record<string | number, unknown>)[k];
        return Array.isArray(o);
      });
      if (arrays.length && r() < 0.7) {
        const p = pick(arrays);
        let o: unknown = copy;
        for (const k of p) o = (o as Record<string | number, unknown>)[k];
        const a = o as unknown[];
        const extra = Math.floor(1 + r() * (r() < 0.2 ? 100_000 : 8));
        for (let i = 0; i < extra; i++) a.push(a.length ? a[a.length - 1] : 0);
        return JSON.stringify(copy);
      }
      return `${JSON.stringify(copy)}${pick([' ', '}', ']', ',{}', 'xx'])}`;
    }
    default: { // wrong types for whole fields
      const top = Object.keys(copy as object);
      if (top.length) (copy as Record<string, unknown>)[pick(top)] = structuredClone(pick(['str', 5, null, [], {}, true, [[[]]]]));
      return JSON.stringify(copy);
    }
  }
}

/** Runs `runs` cases of `load(text)`; `use(result)` exercises what loaded. */
function fuzz<T>(name: string, seed: unknown, load: (text: string) => T, use: (x: T) => void, dispose: (x: T) => void, expected: (err: unknown) => boolean, mutate = mutateJSON): void {
  const r = rng(SEED ^ hash(name));
  const f = (figures[name] = { cases: 0, loaded: 0, rejected: 0, unparsable: 0, slowestMs: 0 });
  const heap0 = memoryStats().heapBytes;
  for (let i = 0; i < RUNS; i++) {
    const text = mutate(seed, r);
    const before = memoryStats();
    const t0 = performance.now();
    f.cases++;
    let result: T | undefined;
    try {
      result = load(text);
    } catch (err) {
      if (err instanceof SyntaxError) {
        f.unparsable++;
        continue;
      }
      if (!expected(err)) throw new Error(`${name} case ${i}: unexpected ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n${text.slice(0, 400)}`);
      f.rejected++;
    }
    if (result !== undefined) {
      f.loaded++;
      try {
        use(result);
      } catch (err) {
        if (!(err instanceof SimdnnError)) throw new Error(`${name} case ${i}: using what loaded threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n${text.slice(0, 400)}`);
      } finally {
        dispose(result);
      }
    }
    const ms = performance.now() - t0;
    f.slowestMs = Math.max(f.slowestMs, ms);
    if (ms > CASE_MS && process.env.SIMDNN_FUZZ_DUMP) writeFileSync(process.env.SIMDNN_FUZZ_DUMP, text);
    if (ms > CASE_MS) throw new Error(`${name} case ${i} took ${ms.toFixed(0)} ms\n${text.slice(0, 400)}`);
    const after = memoryStats();
    if (after.liveBytes !== before.liveBytes || after.liveAllocations !== before.liveAllocations) {
      throw new Error(`${name} case ${i} leaked ${after.liveBytes - before.liveBytes} bytes\n${text.slice(0, 400)}`);
    }
    if (({} as Record<string, unknown>).polluted !== undefined) throw new Error(`${name} case ${i} polluted Object.prototype`);
  }
  expect(memoryStats().heapBytes - heap0).toBeLessThan(HEAP_GROWTH);
  expect(f.loaded + f.rejected + f.unparsable).toBe(RUNS);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const finite = (v: ArrayLike<number>) => {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`non-finite output ${v[i]} at ${i}`);
};
const isFormat = (err: unknown) => err instanceof ModelFormatError;
const TIMEOUT = Math.max(60_000, RUNS * 100);

describe('loader fuzzing', () => {
  it('Hopfield.fromJSON', () => {
    const h = new Hopfield({ size: 6, seed: 1 });
    h.store([[1, -1, 1, -1, 1, -1], [1, 1, -1, -1, 1, 1]]);
    const doc = h.toJSON();
    h.dispose();
    fuzz('Hopfield', doc, (t) => Hopfield.fromJSON(JSON.parse(t)), (m) => {
      const out = m.recall(new Float32Array(m.size).fill(1), { maxSweeps: 5 });
      finite(out.state);
      expect(Number.isFinite(m.energy(out.state))).toBe(true);
    }, (m) => m.dispose(), isFormat);
  }, TIMEOUT);

  it('BoltzmannMachine.fromJSON', () => {
    const b = new BoltzmannMachine({ visible: 4, hidden: 2, seed: 1 });
    const doc = b.toJSON();
    b.dispose();
    fuzz('BoltzmannMachine', doc, (t) => BoltzmannMachine.fromJSON(JSON.parse(t), { seed: 1 }), (m) => {
      for (const s of m.sample({ chains: 2, steps: 2 })) finite(s);
    }, (m) => m.dispose(), isFormat);
  }, TIMEOUT);

  it('RBM.fromJSON', () => {
    const b = new RBM({ visible: 6, hidden: 3, seed: 1 });
    const doc = b.toJSON();
    b.dispose();
    fuzz('RBM', doc, (t) => RBM.fromJSON(JSON.parse(t), { seed: 1 }), (m) => {
      const v = new Float32Array(2 * m.visible).fill(0.5);
      finite(m.transform(v));
      finite(m.freeEnergy(v));
    }, (m) => m.dispose(), isFormat);
  }, TIMEOUT);

  it('DBN.fromJSON', () => {
    const b = new DBN({ layers: [6, 4, 2], seed: 1 });
    const doc = b.toJSON();
    b.dispose();
    fuzz('DBN', doc, (t) => DBN.fromJSON(JSON.parse(t), { seed: 1 }), (m) => {
      finite(m.transform(new Float32Array(2 * m.layers[0]).fill(0.5)));
    }, (m) => m.dispose(), isFormat);
  }, TIMEOUT);

  it('Perceptron.fromJSON', () => {
    const doc = new Perceptron({ inputs: 3, seed: 1 }).toJSON();
    fuzz('Perceptron', doc, (t) => Perceptron.fromJSON(JSON.parse(t)), (p) => {
      const y = p.predict([0.5, -0.5, 1]);
      expect(Number.isFinite(y)).toBe(true);
    }, () => {}, isFormat);
  }, TIMEOUT);

  it('loadModel: a model directory (model.json mutated) and a .simdnn file (bytes mutated)', () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const d = join(dir, 'seq');
    saveModel(m, d);
    const { weightData: weightBytes, ...json } = serializeModel(m);
    const file = encodeModelFile(serializeModel(m));
    m.dispose();
    const useModel = (x: Model) => {
      const y = x.predict(new Float32Array(2 * (x.inputs[0].shape as number[]).reduce((a, b) => a * b, 1)).fill(0.25)) as Tensor;
      try {
        finite(y.toFloat32Array());
      } finally {
        y.dispose();
      }
    };
    const jsonDoc = { ...json, weightsPath: 'weights.bin' };
    let n = 0;
    fuzz('loadModel directory', jsonDoc, (t) => {
      const sub = join(dir, `case-${n++ % 4}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, 'model.json'), t);
      writeFileSync(join(sub, 'weights.bin'), weightBytes);
      return loadModel(sub);
    }, useModel, (x) => x.dispose(), isFormat, (doc, r) => {
      // An unparsable model.json is the loader's to report (a ModelFormatError), so it is a case like any other.
      return mutateJSON(doc, r);
    });
    fuzz('loadModel .simdnn file', file, (t) => {
      const p = join(dir, `case.simdnn`);
      writeFileSync(p, Buffer.from(t, 'latin1'));
      return loadModel(p);
    }, useModel, (x) => x.dispose(), isFormat, (bytes, r) => {
      const b = Array.from(bytes as Uint8Array);
      const kind = Math.floor(r() * 4);
      if (kind === 0) for (let i = 0, n2 = 1 + Math.floor(r() * 4); i < n2; i++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      else if (kind === 1) b.length = Math.floor(r() * b.length);
      else if (kind === 2) b.splice(Math.floor(r() * b.length), 0, ...Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256)));
      else b.push(...Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
      return Buffer.from(b).toString('latin1');
    });
  }, TIMEOUT * 2);

  it('layersModelFromArtifacts (the TensorFlow.js Layers importer): model.json mutated', () => {
    const m = sequential({ seed: 2, layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.build();
    const { weightData, ...json } = toLayersArtifacts(m);
    m.dispose();
    fuzz('TensorFlow.js Layers importer', json, (t) => layersModelFromArtifacts({ ...(JSON.parse(t) as object), weightData } as never), (x) => {
      const y = x.predict(new Float32Array(2 * (x.inputs[0].shape as number[]).reduce((a, b) => a * b, 1)).fill(0.25)) as Tensor;
      try {
        finite(y.toFloat32Array());
      } finally {
        y.dispose();
      }
    }, (x) => x.dispose(), isFormat);
  }, TIMEOUT);

  it("the CLI's labels file", () => {
    const doc = { format: 'simdnn-cli-labels', version: 1, data: 'iris', task: 'classification', classNames: ['a', 'b', 'c'], featureNames: ['w', 'h'], labelName: 'kind' };
    const p = join(dir, 'm.labels.json');
    fuzz('CLI labels file', doc, (t) => {
      writeFileSync(p, t);
      return readLabels(p);
    }, () => {}, () => {}, isFormat);
  }, TIMEOUT);

  it("parseCsv and the CLI's CSV reader", () => {
    const header = 'id,area,rooms,price';
    const rows = Array.from({ length: 12 }, (_, i) => `h${i},${40 + i * 7},${1 + (i % 4)},${1000 + i * 37}`);
    const seed = [header, ...rows].join('\n');
    const mutateCsv = (text: unknown, r: () => number): string => {
      let t = text as string;
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
      for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
        const at = Math.floor(r() * (t.length + 1));
        const k = Math.floor(r() * 6);
        if (k === 0) t = t.slice(0, at) + String.fromCharCode(t.charCodeAt(at) ^ (1 << Math.floor(r() * 7))) + t.slice(at + 1);
        else if (k === 1) t = t.slice(0, at);
        else if (k === 2) t = t.slice(0, at) + pick(['"', '""', ',', '\n', '\r\n', 'NA', '1e39', '-', 'NaN', 'Infinity', '0x10', ' ', '"a,b"', '\u0000', ',,,,']) + t.slice(at);
        else if (k === 3) t = t + `\n${pick(['1,2,3,4', 'x,1,2', ',,,', '"unterminated', Array(2000).fill('1').join(',')])}`;
        else if (k === 4) t = t.replace(/\d+/, pick(['1e39', '1.5', '-0', '99999999999999999999', '']));
        else t = t.split('\n').slice(0, Math.floor(r() * 14)).join('\n');
      }
      return t;
    };
    // parseCsv takes numeric features only: its seed leaves out the id column the CLI can ignore.
    const numeric = seed.split('\n').map((l) => l.split(',').slice(1).join(',')).join('\n');
    fuzz('parseCsv', numeric, (t) => parseCsv(t, { labelColumn: -1 }), (d) => {
      finite(d.x);
      finite(d.y);
    }, () => {}, (err) => err instanceof SimdnnError, mutateCsv);
    const p = join(dir, 'table.csv');
    const choices = [{}, { missing: 'drop' as const }, { missing: 'mean' as const, ignoreColumns: ['id'] }, { task: 'regression' as const, ignoreColumns: ['id'] }];
    let n = 0;
    fuzz('CLI CSV reader', seed, (t) => {
      writeFileSync(p, t);
      return loadTrainingData({ kind: 'csv', path: p }, n % 2 ? 'price' : undefined, choices[n++ % choices.length]);
    }, (d) => {
      finite(d.train.x);
      finite(d.test.x);
    }, () => {}, (err) => err instanceof SimdnnError || err instanceof UsageError || err instanceof ValueError, mutateCsv);
  }, TIMEOUT * 2);
});
