import { ValueError, describe } from '../errors.js';
import { Mulberry32 } from '../data/random.js';
import { Model } from '../models/model.js';
import type { Tensor } from '../tensor.js';
import { checkOptions } from '../util/options.js';
import { checkSampleOptions, drawClass, type SampleOptions } from './sampling.js';

/**
 * The characters of a corpus as class ids for a character-level model: id 0
 * is padding (never a character), ids 1.. are the corpus's characters in
 * code-point order.
 */
export class CharVocabulary {
  /** chars[id] for id >= 1; chars[0] is ''. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(chars: readonly string[]) {
    if (!Array.isArray(chars) || chars.length === 0) throw new ValueError(`CharVocabulary: chars must be a non-empty array of characters, got ${describe(chars)}`);
    const seen = new Set<string>();
    for (const c of chars) {
      if (typeof c !== 'string' || [...c].length !== 1 || seen.has(c)) throw new ValueError(`CharVocabulary: chars must be distinct single characters, got ${describe(c)}`);
      seen.add(c);
    }
    this.chars = ['', ...chars];
    this.ids = new Map(chars.map((c, i) => [c, i + 1]));
  }

  /** Every distinct character of `text`, in code-point order. */
  static fromText(text: string): CharVocabulary {
    if (typeof text !== 'string' || text.length === 0) throw new ValueError(`CharVocabulary.fromText: text must be a non-empty string`);
    return new CharVocabulary([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** Classes: the characters plus the padding id. */
  get size(): number {
    return this.chars.length;
  }

  /** Ids of a string's characters; a character outside the vocabulary is an error naming it. */
  encode(text: string): Float32Array {
    const chars = [...text];
    const out = new Float32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new ValueError(`CharVocabulary.encode: character ${describe(c)} at position ${i} is not in the vocabulary`);
      out[i] = id;
    });
    return out;
  }

  /** The string of ids (padding ids give nothing). */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.chars[ids[i]] ?? '';
    return s;
  }

  /** The characters, for saving with a model. */
  toJSON(): string[] {
    return this.chars.slice(1);
  }
}

/**
 * Next-character training pairs from a stream of ids: windows x of `window`
 * ids every `stride` ids, and y the same windows one step later.
 */
export function nextStepWindows(ids: ArrayLike<number>, window: number, stride = window): { x: Float32Array; y: Float32Array; count: number } {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') throw new ValueError(`nextStepWindows: ids must be an array of integer ids, got ${describe(ids)}`);
  if (!Number.isInteger(window) || window < 1) throw new ValueError(`nextStepWindows: window must be a positive integer, got ${describe(window)}`);
  if (!Number.isInteger(stride) || stride < 1) throw new ValueError(`nextStepWindows: stride must be a positive integer, got ${describe(stride)}`);
  const count = ids.length > window ? Math.floor((ids.length - window - 1) / stride) + 1 : 0;
  if (count === 0) throw new ValueError(`nextStepWindows: ${ids.length} ids are too few for one window of ${window} and its next step`);
  const x = new Float32Array(count * window);
  const y = new Float32Array(count * window);
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < window; t++) {
      x[i * window + t] = ids[i * stride + t];
      y[i * window + t] = ids[i * stride + t + 1];
    }
  }
  return { x, y, count };
}

/** Options of sampleText(). */
export interface SampleTextOptions extends SampleOptions {
  /** Characters to generate (at most). */
  length: number;
  /** Text the generation continues. Default ''. */
  prime?: string;
  /** Stop after generating this character (included). */
  stop?: string;
}

/**
 * Generates text from a next-character model: a model over `window` ids
 * ([window] in, [window, vocab.size] per-step softmax out). Each character is
 * drawn from the model's prediction after the last `window` characters.
 */
export function sampleText(model: Model, vocab: CharVocabulary, options: SampleTextOptions): string {
  if (!(model instanceof Model)) throw new ValueError(`sampleText: model must be a Model, got ${describe(model)}`);
  if (!(vocab instanceof CharVocabulary)) throw new ValueError(`sampleText: vocab must be a CharVocabulary, got ${describe(vocab)}`);
  checkOptions('sampleText', options, ['length', 'prime', 'stop', 'temperature', 'seed'], 'options');
  const { temperature, seed } = checkSampleOptions('sampleText', options);
  const length = options.length;
  if (!Number.isInteger(length) || length < 1) throw new ValueError(`sampleText: length must be a positive integer, got ${describe(length)}`);
  const shape = model.inputs[0].shape;
  if (shape.length !== 1) throw new ValueError(`sampleText: the model must take [window] ids, its input is ${describe(shape)}`);
  const window = shape[0];
  const k = vocab.size;
  const rng = new Mulberry32(seed);
  const ids = Array.from(vocab.encode(options.prime ?? ''));
  const stop = options.stop === undefined ? -1 : vocab.encode(options.stop)[0];
  const x = new Float32Array(window);
  let out = '';
  for (let i = 0; i < length; i++) {
    const ctx = ids.slice(-window);
    x.fill(0);
    x.set(ctx);
    // Ids are left-aligned: the prediction after the last one sits at its step.
    const at = Math.max(ctx.length - 1, 0);
    const p = model.predict(x) as Tensor;
    const pv = p.toFloat32Array();
    p.dispose();
    let c = 0;
    if (ctx.length === 0) {
      // Nothing to continue: draw from the model's first step after padding.
      c = drawClass(pv, 0, k, temperature, rng);
    } else {
      c = drawClass(pv, at * k, k, temperature, rng);
    }
    if (c === 0) c = drawClass(pv.map((v, j) => (j % k === 0 ? 0 : v)), at * k, k, temperature, rng);
    ids.push(c);
    out += vocab.chars[c];
    if (c === stop) break;
  }
  return out;
}
