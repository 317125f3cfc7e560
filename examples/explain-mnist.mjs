// Looks inside networks trained on the MNIST digits and draws what it finds:
// saliency maps of LeNet (SmoothGrad and integrated gradients), FGSM and PGD
// adversarial digits against an MLP, one maximum-response digit per class of
// LeNet, LeNet's first-layer activation maps and the histograms of its
// activations over 2,000 digits, the saliency of an LSTM reading digits row by
// row, XOR's decision regions and hidden representation, and the gradient
// norms of a deep sigmoid stack. The README's pictures come from this script
// (docs/explain/; the cli-*.png ones come from the simdnn explain commands there).
//
// Run from the repository after `npm run build`:
//   node examples/explain-mnist.mjs [output directory]      (default: examples/out)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { init, sequential, layers, optimizers, explain, imagesToPng, loadMnist } from '../dist/node.js';

const out = process.argv[2] ?? new URL('./out', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await init({ seed: 1 });
// simdnn's encoder stores the pixels uncompressed (it has no dependency); the
// files are written deflated by pngjs (a development dependency), same pixels.
const save = (name, png) => {
  const file = PNG.sync.write(PNG.sync.read(Buffer.from(png)), { colorType: 2, deflateLevel: 9 });
  writeFileSync(join(out, name), file);
  console.log(`wrote ${join(out, name)} (${file.length.toLocaleString('en-US')} bytes)`);
};
const pct = (v) => `${(100 * v).toFixed(1)}%`;

const { train, test } = loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });
const first = (n) => test.x.subarray(0, n * 784);

async function fit(model, epochs, batchSize, learningRate) {
  model.compile({ optimizer: optimizers.adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs, batchSize, seed: 1 });
  return model.evaluateLogs(test.x, test.y).accuracy;
}

// The command line's two MNIST networks: a 784-256-10 MLP and LeNet.
const mlp = sequential({ seed: 1, layers: [layers.dense({ units: 256, activation: 'relu', inputShape: [784], name: 'hidden' }), layers.dense({ units: 10, activation: 'softmax', name: 'out' })] });
console.log(`MLP: ${pct(await fit(mlp, 3, 64, 0.002))} on the 2,000 test digits`);
const lenet = sequential({
  seed: 1,
  layers: [
    layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1], name: 'conv1' }),
    layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
    layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', name: 'conv2' }),
    layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
    layers.flatten(),
    layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
  ],
});
console.log(`LeNet: ${pct(await fit(lenet, 4, 32, 0.003))}`);

// Saliency: SmoothGrad magnitudes, and integrated gradients (signed: red for, blue against the class).
const smooth = explain.saliency(lenet, first(8), { method: 'smoothGrad', seed: 1 });
save('saliency-smoothgrad.png', explain.saliencyToPng(smooth.map, { width: 28, height: 28, images: first(8), cols: 4, scale: 3 }));
const ig = explain.saliency(lenet, first(8), { method: 'integratedGradients', steps: 50 });
console.log(`integrated gradients: completeness error ${pct(ig.completeness.maxRelativeError)} (worst of 8 digits)`);
save('saliency-integrated-gradients.png', explain.saliencyToPng(ig.map, { width: 28, height: 28, images: first(8), cols: 4, scale: 3 }));

// Adversarial digits against the MLP: FGSM at ε = 0.1 on all 2,000, PGD (margin loss) at ε = 0.3.
const fgsm = explain.fgsm(mlp, test.x, test.y, { epsilon: 0.1, clipMin: 0, clipMax: 1 });
console.log(`FGSM ε = 0.1: accuracy ${pct(fgsm.report.accuracyBefore)} -> ${pct(fgsm.report.accuracyAfter)}, ${fgsm.report.flipped} of ${fgsm.report.correctBefore} correct predictions flipped`);
save('fgsm.png', explain.adversarialToPng(test.x, fgsm.adversarial, { width: 28, height: 28, report: fgsm.report, count: 4, cols: 2, scale: 3 }));
const pgd = explain.pgd(mlp, first(200), test.y.subarray(0, 200), { epsilon: 0.3, loss: 'margin', clipMin: 0, clipMax: 1, seed: 1 });
console.log(`PGD ε = 0.3 (margin, 40 steps): accuracy ${pct(pgd.report.accuracyBefore)} -> ${pct(pgd.report.accuracyAfter)} on 200 digits`);

// One maximum-response digit per class of LeNet, from a black image; the L2 penalty keeps the ink to what the class needs.
const max = explain.activationMaximization(lenet, { classIndex: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], steps: 300, l2: 3, init: 'zeros', clipMin: 0, clipMax: 1 });
console.log(`activation maximisation: p(class) ${Array.from(max.response, (p) => p.toFixed(3)).join(' ')}`);
save('maximize.png', imagesToPng(max.input.toFloat32Array(), { width: 28, height: 28, cols: 10, scale: 3, padding: 2, background: 255 }));

// LeNet's first convolution on one digit, and the distribution of every layer's activations over the 2,000 test digits.
const acts = explain.activations(lenet, first(1), { layers: ['conv1'] });
save('activation-maps.png', explain.activationMapsToPng(acts.conv1, { cols: 8, scale: 3 }));
const stats = explain.activationStats(lenet, test.x, { layers: ['conv1', 'conv2', 'out'], batchSize: 256 });
console.log(`activation statistics: ${stats.map((s) => `${s.layer} ${s.deadUnits.length} dead of ${s.units}`).join(', ')}`);
save('activation-histograms.png', explain.activationHistogramsToPng(stats, { log: true }));

// An LSTM reading each digit row by row (28 steps of 28 pixels): integrated gradients over the sequence.
const lstm = sequential({ seed: 1, layers: [layers.lstm({ units: 64, inputShape: [28, 28] }), layers.dense({ units: 10, activation: 'softmax' })] });
console.log(`LSTM: ${pct(await fit(lstm, 2, 32, 0.003))}`);
const seq = explain.saliency(lstm, first(8), { method: 'integratedGradients' });
console.log(`LSTM integrated gradients: completeness error ${pct(seq.completeness.maxRelativeError)}`);
save('lstm-integrated-gradients.png', explain.saliencyToPng(seq.map, { width: 28, height: 28, images: first(8), cols: 4, scale: 3 }));

// XOR: the decision regions of a 2-2-1 network, and its hidden layer, where the classes are linearly separable.
const xorX = [0, 0, 0, 1, 1, 0, 1, 1];
const xorY = [0, 1, 1, 0];
const xor = sequential({ seed: 3, layers: [layers.dense({ units: 2, activation: 'tanh', inputShape: [2], name: 'hidden' }), layers.dense({ units: 1, activation: 'sigmoid' })] });
xor.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
await xor.fit(xorX, xorY, { epochs: 300, batchSize: 4 });
save('xor-regions.png', explain.decisionBoundary(xor, { xRange: [-0.5, 1.5], yRange: [-0.5, 1.5], points: xorX, labels: xorY }).png);
const rep = explain.representation(xor, xorX, { layer: 'hidden', labels: xorY });
console.log(`XOR hidden layer linearly separable: ${rep.linearlySeparable}`);
save('xor-hidden.png', rep.png);

// Ten sigmoid layers: the gradient vanishes towards the input.
const deep = sequential({ seed: 1, layers: [layers.dense({ units: 32, activation: 'sigmoid', inputShape: [784] }), ...Array.from({ length: 9 }, () => layers.dense({ units: 32, activation: 'sigmoid' })), layers.dense({ units: 10, activation: 'softmax' })] });
deep.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
const norms = explain.gradientStats(deep, first(256), test.y.subarray(0, 256));
console.log(`gradient norms, input to output: ${norms.map((s) => s.norm.toExponential(1)).join(' ')}`);
save('gradient-norms.png', explain.gradientStatsToPng(norms));

for (const m of [mlp, lenet, lstm, xor, deep]) m.dispose();
