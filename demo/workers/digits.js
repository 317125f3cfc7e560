// The digit classifier: trains an MLP or a LeNet on the bundled digits and
// explains its predictions for the digit drawn on the page. Runs as a module
// worker, so training never blocks the page.
//
// Messages in:  { type: 'train', model: 'mlp' | 'lenet', epochs }
//               { type: 'predict', image: Float32Array(784), epsilon }
// Messages out: 'ready', 'batch', 'epoch', 'filters', 'trained', 'prediction', 'error'
import { init, sequential, layers, optimizers, explain } from '../../dist/index.js';
import { loadDigits, split } from '../lib/data.js';

const TRAIN = 2500; // digits to train on; the other 500 of the 3,000 are the test set
const BATCH = 32;

let data; // { train, test }
let model = null;
let training = false;
let waiting = null; // a predict request that came in while training

const indexOfMax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);

/** The two networks of the demo: a multilayer perceptron and LeNet (LeCun et al. 1998), smaller. */
function build(kind) {
  if (kind === 'lenet') {
    return sequential({
      seed: 1,
      layers: [
        layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.flatten(),
        layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
  }
  return sequential({
    seed: 1,
    layers: [
      layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/**
 * The first layer's weights as small images: for the MLP, 784 weights per
 * hidden unit (a 28x28 picture each, the first 32 units); for LeNet, the
 * 5x5 kernel of each of the 8 filters. Kernels are stored [in, out], so
 * filter f is every out-th value starting at f.
 */
function firstLayerFilters(kind) {
  const [kernel, ...rest] = model.getWeights();
  const values = kernel.toFloat32Array();
  const shape = kernel.shape;
  kernel.dispose();
  for (const t of rest) t.dispose();
  const out = shape[shape.length - 1];
  const side = kind === 'lenet' ? shape[0] : 28;
  const count = kind === 'lenet' ? out : Math.min(out, 32);
  const tiles = new Float32Array(count * side * side);
  for (let f = 0; f < count; f++) {
    for (let p = 0; p < side * side; p++) tiles[f * side * side + p] = values[p * out + f];
  }
  return { type: 'filters', tiles, count, width: side, height: side };
}

async function train(kind, epochs) {
  training = true;
  model?.dispose();
  model = build(kind);
  model.compile({ optimizer: optimizers.adam({ learningRate: kind === 'lenet' ? 0.003 : 0.002 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const batchesPerEpoch = Math.ceil(TRAIN / BATCH);
  const start = performance.now();
  let epoch = 0;
  await model.fit(data.train.x, data.train.y, {
    epochs,
    batchSize: BATCH,
    seed: 1,
    validationData: [data.test.x, data.test.y],
    callbacks: {
      onEpochBegin: (e) => { epoch = e; },
      onBatchEnd: (batch, logs) => postMessage({ type: 'batch', step: epoch + (batch + 1) / batchesPerEpoch, loss: logs.loss, accuracy: logs.accuracy }),
      onEpochEnd: (e, logs) => {
        postMessage({ type: 'epoch', epoch: e + 1, loss: logs.loss, accuracy: logs.accuracy, valLoss: logs.val_loss, valAccuracy: logs.val_accuracy });
        postMessage(firstLayerFilters(kind));
      },
    },
  });
  const seconds = (performance.now() - start) / 1000;
  training = false;
  const { accuracy } = model.evaluateLogs(data.test.x, data.test.y);
  postMessage({ type: 'trained', model: kind, seconds, samplesPerSecond: (epochs * TRAIN) / seconds, testAccuracy: accuracy, testSize: data.test.n });
  if (waiting) predict(waiting);
  waiting = null;
}

/**
 * The class probabilities of one drawn digit, its saliency map and an FGSM
 * adversarial version. The map is integrated gradients (Sundararajan et al.
 * 2017): each pixel's share of p(class | drawing) − p(class | black image),
 * positive where the ink speaks for the class. FGSM takes one step of size
 * epsilon on every pixel along the sign of the loss's gradient (Goodfellow
 * et al. 2015).
 */
function predict({ image, epsilon }) {
  const p = model.predict(image);
  const probabilities = p.toFloat32Array();
  p.dispose();
  const predicted = indexOfMax(probabilities);
  const s = explain.saliency(model, image, { method: 'integratedGradients', steps: 32 });
  const saliency = s.map.toFloat32Array();
  s.map.dispose();
  const attack = explain.fgsm(model, image, [predicted], { epsilon, clipMin: 0, clipMax: 1 });
  const adversarial = attack.adversarial.toFloat32Array();
  attack.adversarial.dispose();
  const q = model.predict(adversarial);
  const adversarialProbabilities = q.toFloat32Array();
  q.dispose();
  postMessage({ type: 'prediction', probabilities, predicted, saliency, adversarial, adversarialProbabilities, adversarialClass: indexOfMax(adversarialProbabilities) });
}

onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'train') {
      if (!training) await train(msg.model, msg.epochs);
    } else if (msg.type === 'predict') {
      if (training) waiting = msg;
      else if (model) predict(msg);
    }
  } catch (e) {
    training = false;
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};

try {
  const info = await init();
  data = split(await loadDigits(new URL('../data/digits.bin.gz', import.meta.url)), TRAIN);
  postMessage({ type: 'ready', backend: info, train: data.train.n, test: data.test.n });
} catch (e) {
  postMessage({ type: 'error', message: String(e?.message ?? e) });
}
