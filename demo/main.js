// The page: buttons, drawings and plots. All the learning happens in three
// module workers (workers/*.js), which import the library from dist/index.js;
// this file only sends them requests and draws what they answer.
import { LinePlot } from './lib/plot.js';
import { DrawPad } from './lib/draw-pad.js';
import { drawBars, drawImage, drawTiles, diverging, gray } from './lib/images.js';

const $ = (id) => document.getElementById(id);

/** Shows a message under a panel; `state` is also set as data-state (the page's test waits on it). */
function status(id, text, state) {
  $(id).textContent = text;
  if (state) $(id).dataset.state = state;
}

/**
 * Starts a module worker and sends its messages, by type, to `handlers`. An
 * error is shown in the panels' status lines (`statusIds`) and enables
 * their buttons again, so the user can retry.
 */
function startWorker(file, statusIds, handlers) {
  const worker = new Worker(new URL(file, import.meta.url), { type: 'module' });
  const fail = (message) => {
    for (const id of statusIds) {
      status(id, `Error: ${message}`, 'error');
      for (const button of $(id).closest('.panel').querySelectorAll('button')) button.disabled = false;
    }
  };
  worker.onmessage = ({ data }) => (data.type === 'error' ? fail(data.message) : handlers[data.type]?.(data));
  worker.onerror = (e) => fail(e.message || 'the worker failed to start');
  return worker;
}

const percent = (v) => `${(100 * v).toFixed(1)}%`;

// ---------------------------------------------------------------------------
// 1 and 2: the digit classifier, and the digit drawn on the pad.

const trainPlot = new LinePlot($('train-plot'), {
  xLabel: 'epoch',
  series: [
    { label: 'loss', color: '#d9822b' },
    { label: 'train accuracy', color: '#8fb0ea', axis: 'right' },
    { label: 'test accuracy', color: '#2f6fdf', axis: 'right', dots: true },
  ],
});

let trained = false;
let asking = false; // a prediction request is on its way: send the next drawing when it is answered
let dirty = false; // the drawing changed since the last request

const digits = startWorker('./workers/digits.js', ['digits-status'], {
  ready({ backend, train, test }) {
    $('backend').textContent = `simdnn ${backend.build} build (SIMD128 ${backend.simd ? 'yes' : 'no'}, relaxed SIMD ${backend.relaxedSimd ? 'yes' : 'no'})`;
    status('digits-status', `Ready: ${train} training digits, ${test} test digits.`, 'ready');
    $('train').disabled = false;
  },
  batch({ step, loss, accuracy }) {
    trainPlot.add('loss', step, loss);
    trainPlot.add('train accuracy', step, accuracy);
  },
  epoch({ epoch, valLoss, valAccuracy }) {
    trainPlot.add('test accuracy', epoch, valAccuracy);
    status('digits-status', `Epoch ${epoch}: test loss ${valLoss.toFixed(3)}, test accuracy ${percent(valAccuracy)}`);
  },
  filters({ tiles, count, width, height }) {
    drawTiles($('filters'), tiles, { count, width, height, cols: count > 8 ? 8 : 4, colors: diverging, normalize: 'max' });
  },
  trained({ seconds, samplesPerSecond, testAccuracy, testSize }) {
    trained = true;
    status('digits-status',
      `Trained in ${seconds.toFixed(1)} s (${Math.round(samplesPerSecond).toLocaleString('en')} digits/s): ` +
      `${percent(testAccuracy)} of the ${testSize} test digits right. Now draw one.`, 'trained');
    $('train').disabled = false;
    predict();
  },
  prediction(p) {
    asking = false;
    drawBars($('probs'), p.probabilities, { highlight: p.predicted });
    $('prediction').textContent = `${p.predicted}  (${percent(p.probabilities[p.predicted])})`;
    $('prediction').dataset.class = String(p.predicted);
    // A square root brightens the many small attributions next to the few large ones.
    drawImage($('saliency'), p.saliency, 28, 28, { colors: (v) => diverging(Math.sign(v) * Math.sqrt(Math.abs(v))), normalize: 'max' });
    drawImage($('adversarial'), p.adversarial, 28, 28, { colors: gray });
    const flipped = p.adversarialClass !== p.predicted;
    $('adversarial-label').textContent = flipped
      ? `now read as ${p.adversarialClass} (${percent(p.adversarialProbabilities[p.adversarialClass])})`
      : `still ${p.adversarialClass}; try a larger ε`;
    $('adversarial-label').dataset.class = String(p.adversarialClass);
    if (dirty) predict();
  },
});

$('train').addEventListener('click', () => {
  const epochs = Math.max(1, Math.min(50, Number($('epochs').value) || 8));
  trained = false;
  $('train').disabled = true;
  trainPlot.reset(epochs);
  status('digits-status', 'Training…', 'training');
  digits.postMessage({ type: 'train', model: $('model').value, epochs });
});
$('model').addEventListener('change', () => ($('epochs').value = $('model').value === 'lenet' ? '4' : '8'));

/** Sends the drawing to the worker, at most one request at a time. */
function predict() {
  dirty = true;
  if (asking || !trained) return;
  const image = pad.toImage();
  if (!image) return;
  drawImage($('input'), image, 28, 28);
  dirty = false;
  asking = true;
  digits.postMessage({ type: 'predict', image, epsilon: Number($('epsilon').value) });
}

const pad = new DrawPad($('pad'), predict);
$('clear').addEventListener('click', () => {
  pad.clear();
  const blank = new Float32Array(784);
  drawImage($('input'), blank, 28, 28);
  drawImage($('saliency'), blank, 28, 28, { colors: diverging });
  drawImage($('adversarial'), blank, 28, 28);
  drawBars($('probs'), new Float32Array(10));
  $('prediction').textContent = '–';
  $('adversarial-label').textContent = '–';
  delete $('prediction').dataset.class;
});
$('epsilon').addEventListener('input', () => {
  $('epsilon-value').textContent = Number($('epsilon').value).toFixed(2);
  predict();
});
drawBars($('probs'), new Float32Array(10));

// ---------------------------------------------------------------------------
// 3 and 4: the Hopfield network and the RBM.

const energyPlot = new LinePlot($('energy-plot'), { xLabel: 'pixels flipped', series: [{ label: 'energy', color: '#7a3fc4', dots: true }] });
const rbmPlot = new LinePlot($('rbm-plot'), { xLabel: 'epoch', series: [{ label: 'reconstruction error (mean squared)', color: '#1c8a6b', dots: true }] });
let recallSeed = 1;
let letters = {}; // the stored patterns, for showing the chosen letter
const showLetter = (state) => drawImage($('hopfield-state'), state, 12, 12, { colors: (v) => gray((v + 1) / 2) });

const energy = startWorker('./workers/energy.js', ['hopfield-status', 'rbm-status'], {
  'hopfield-patterns'({ patterns }) {
    letters = patterns;
    showLetter(letters[$('letter').value]);
    status('hopfield-status', 'Ready: S, I, M and D are stored.', 'ready');
    $('recall').disabled = false;
  },
  'hopfield-frame'({ state, energy: e, flips }) {
    showLetter(state);
    energyPlot.add('energy', flips, e);
    status('hopfield-status', flips === 0 ? `Corrupted: energy ${e.toFixed(2)}` : `${flips} pixels flipped: energy ${e.toFixed(2)}`);
  },
  'hopfield-done'({ flips, recalled }) {
    status('hopfield-status', recalled
      ? `Settled after ${flips} flips on the stored ${recalled}.`
      : `Settled after ${flips} flips on a state that is not one of the letters (a spurious minimum).`, 'done');
    $('hopfield-status').dataset.recalled = recalled ?? '';
    $('recall').disabled = false;
  },
  'rbm-ready'({ digits: n }) {
    status('rbm-status', `Ready: ${n.toLocaleString('en')} digits, their pixels made black or white.`, 'ready');
    $('rbm-train').disabled = false;
  },
  'rbm-epoch'({ epoch, reconstructionError }) {
    rbmPlot.add('reconstruction error (mean squared)', epoch, reconstructionError);
    status('rbm-status', `Epoch ${epoch}: reconstruction error ${reconstructionError.toFixed(4)}`);
  },
  'rbm-filters'({ tiles, count, width, height }) {
    drawTiles($('rbm-filters'), tiles, { count, width, height, cols: 8, colors: diverging, normalize: 'max' });
  },
  'rbm-samples'({ images, count, width, height, steps }) {
    drawTiles($('rbm-samples'), images, { count, width, height, cols: 4 });
    status('rbm-status', `Sampling: ${steps} Gibbs steps`);
  },
  'rbm-done'({ steps }) {
    status('rbm-status', `Done: each sample is a chain of ${steps} Gibbs steps from random pixels.`, 'done');
    $('rbm-train').disabled = false;
  },
});

$('recall').addEventListener('click', () => {
  $('recall').disabled = true;
  energyPlot.reset(10);
  energy.postMessage({ type: 'hopfield', letter: $('letter').value, noise: Number($('noise').value), seed: recallSeed++ });
});
$('letter').addEventListener('change', () => letters.S && showLetter(letters[$('letter').value]));
$('noise').addEventListener('input', () => ($('noise-value').textContent = `${Math.round(100 * Number($('noise').value))}%`));
$('rbm-train').addEventListener('click', () => {
  const epochs = Math.max(1, Math.min(50, Number($('rbm-epochs').value) || 4));
  $('rbm-train').disabled = true;
  rbmPlot.reset(epochs);
  status('rbm-status', 'Training…', 'training');
  energy.postMessage({ type: 'rbm', epochs });
});

// ---------------------------------------------------------------------------
// 5: the character-level LSTM.

const rnnPlot = new LinePlot($('rnn-plot'), { xLabel: 'epoch', series: [{ label: 'loss (cross-entropy per letter)', color: '#c4473f' }] });

function showNames(names) {
  $('rnn-names').replaceChildren(...names.map((name) => Object.assign(document.createElement('li'), { textContent: name })));
}

const text = startWorker('./workers/text.js', ['rnn-status'], {
  ready({ names }) {
    status('rnn-status', `Ready: ${names.toLocaleString('en')} names.`, 'ready');
    $('rnn-train').disabled = false;
  },
  batch({ step, loss }) {
    rnnPlot.add('loss (cross-entropy per letter)', step, loss);
  },
  epoch({ epoch, perplexity, names }) {
    status('rnn-status', `Epoch ${epoch}: perplexity ${perplexity.toFixed(2)} (a uniform guess: 27). Invented:`);
    showNames(names);
  },
  trained({ seconds }) {
    status('rnn-status', `Trained in ${seconds.toFixed(1)} s. Invented:`, 'trained');
    $('rnn-train').disabled = false;
    $('invent').disabled = false;
  },
  samples({ names }) {
    showNames(names);
  },
});

let inventSeed = 1000;
$('rnn-train').addEventListener('click', () => {
  const epochs = Math.max(1, Math.min(50, Number($('rnn-epochs').value) || 6));
  $('rnn-train').disabled = true;
  $('invent').disabled = true;
  rnnPlot.reset(epochs);
  status('rnn-status', 'Training…', 'training');
  text.postMessage({ type: 'train', epochs, temperature: Number($('temperature').value) });
});
$('temperature').addEventListener('input', () => ($('temperature-value').textContent = Number($('temperature').value).toFixed(1)));
$('invent').addEventListener('click', () => {
  const prime = $('prime').value.toLowerCase().replace(/[^a-z]/g, '');
  text.postMessage({ type: 'sample', prime, temperature: Number($('temperature').value), seed: (inventSeed += 8) });
});
