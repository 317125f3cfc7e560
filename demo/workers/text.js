// A character-level recurrent network: an LSTM (Hochreiter and Schmidhuber
// 1997) learns to predict the next letter of English first names, and after
// every epoch it invents a few names, one letter at a time.
//
// Messages in:  { type: 'train', epochs, temperature }
//               { type: 'sample', prime, temperature, seed }
// Messages out: 'ready', 'batch', 'epoch', 'trained', 'samples', 'error'
import { init, sequential, layers, optimizers, CharVocabulary, nextStepWindows, sampleText } from '../../dist/index.js';
import { loadNames } from '../lib/data.js';

const WINDOW = 16; // characters the network reads per training example
const BATCH = 32;

let names;
let model = null;
let vocab;
let training = false;

/** Names the model invents: each starts after a newline (and the letters of `prime`) and stops at the next newline. */
function invent(prime, temperature, seed, count = 8) {
  const out = [];
  for (let i = 0; i < count; i++) out.push((prime + sampleText(model, vocab, { prime: '\n' + prime, length: 16, stop: '\n', temperature, seed: seed + i })).trim());
  return out;
}

async function train(epochs, temperature) {
  // One long text, a name per line; the model learns where names end too.
  const text = '\n' + names.join('\n') + '\n';
  vocab = CharVocabulary.fromText(text); // id 0 is padding, then '\n' and a-z
  const { x, y, count } = nextStepWindows(vocab.encode(text), WINDOW, WINDOW / 2);
  model?.dispose();
  model = sequential({
    seed: 1,
    layers: [
      layers.embedding({ inputDim: vocab.size, outputDim: 16, inputShape: [WINDOW] }),
      layers.lstm({ units: 64, returnSequences: true }),
      layers.dense({ units: vocab.size, activation: 'softmax' }), // a next-letter distribution at every step
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01, clipNorm: 5 }), loss: 'sparseCategoricalCrossentropy' });
  const batchesPerEpoch = Math.ceil(count / BATCH);
  const start = performance.now();
  let epoch = 0;
  await model.fit(x, y, {
    epochs,
    batchSize: BATCH,
    seed: 1,
    callbacks: {
      onEpochBegin: (e) => { epoch = e; },
      onBatchEnd: (batch, logs) => {
        if (batch % 4 === 3) postMessage({ type: 'batch', step: epoch + (batch + 1) / batchesPerEpoch, loss: logs.loss });
      },
      // Perplexity: exp of the mean cross-entropy per letter; a uniform guess over the 27 symbols scores 27.
      onEpochEnd: (e, logs) => postMessage({ type: 'epoch', epoch: e + 1, loss: logs.loss, perplexity: Math.exp(logs.loss), names: invent('', temperature, 8 * e) }),
    },
  });
  postMessage({ type: 'trained', seconds: (performance.now() - start) / 1000, names: names.length, windows: count });
}

onmessage = async ({ data: msg }) => {
  if (training) return;
  try {
    if (msg.type === 'train') {
      training = true;
      await train(msg.epochs, msg.temperature);
    } else if (msg.type === 'sample' && model) {
      postMessage({ type: 'samples', names: invent(msg.prime, msg.temperature, msg.seed) });
    }
  } catch (e) {
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  } finally {
    training = false;
  }
};

try {
  await init();
  names = await loadNames(new URL('../data/names.txt', import.meta.url));
  postMessage({ type: 'ready', names: names.length });
} catch (e) {
  postMessage({ type: 'error', message: String(e?.message ?? e) });
}
