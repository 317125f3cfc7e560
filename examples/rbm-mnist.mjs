// Trains a 784-128 RBM on MNIST digits, writes its filters and samples drawn
// from it as PNG images, then stacks a second RBM into a deep belief net and
// fine-tunes it as a classifier.
//
// Run from the repository after `npm run build`:
//   node examples/rbm-mnist.mjs [output directory]      (default: examples/out)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, RBM, DBN, optimizers, filtersToPng, imagesToPng, loadMnist } from '../dist/node.js';

const out = process.argv[2] ?? new URL('./out', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await init();

const { train, test } = loadMnist({ trainSize: 8000, testSize: 2000 });

// Hinton's practical guide: small random weights, visible biases from the
// data, CD-1 with momentum 0.5 for the first epochs then 0.9, a little weight
// decay. CD-1 leaves spurious low-ink modes that long chains fall into; a few
// epochs of persistent CD at a small learning rate remove them (Tieleman 2008).
const rbm = new RBM({ visible: 784, hidden: 128, seed: 1 });
let epoch = 0;
const log = (_, logs) => console.log(
  `epoch ${String(++epoch).padStart(2)}  reconstruction error ${logs.reconstructionError.toFixed(4)}  pseudo-likelihood ${logs.pseudoLikelihood.toFixed(1)}`,
);
const common = { batchSize: 20, weightDecay: 2e-4, onEpochEnd: log };
const t0 = performance.now();
await rbm.fit(train.x, { ...common, epochs: 5, learningRate: 0.05, momentum: 0.5 });
await rbm.fit(train.x, { ...common, epochs: 10, learningRate: 0.05, momentum: 0.9 });
await rbm.fit(train.x, { ...common, epochs: 5, learningRate: 0.005, momentum: 0.5, persistent: true });
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s; test reconstruction error ${rbm.reconstructionError(test.x).toFixed(4)}`);

writeFileSync(join(out, 'rbm-filters.png'), filtersToPng(rbm.getWeights().weights, { width: 28, height: 28, cols: 16, scale: 2 }));
// Chains started at test digits, 1000 Gibbs steps each, at T = 1 and colder.
const init64 = test.x.subarray(0, 64 * 784);
for (const temperature of [1, 0.8]) {
  const s = rbm.sample({ init: init64, steps: 1000, temperature, seed: 2 });
  writeFileSync(join(out, `rbm-samples-T${temperature}.png`), imagesToPng(s.visibleProbabilities, { width: 28, height: 28, cols: 8, scale: 2 }));
}
writeFileSync(join(out, 'rbm-reconstructions.png'), imagesToPng(rbm.reconstruct(init64), { width: 28, height: 28, cols: 8, scale: 2 }));
rbm.dispose();

// A deep belief net: greedy pretraining of 784-256-64, then backpropagation.
const dbn = new DBN({ layers: [784, 256, 64], seed: 1 });
await dbn.pretrain(train.x, { epochs: 5, batchSize: 20, learningRate: 0.05, momentum: 0.5, monitorRows: 0 });
const model = dbn.toSequential({ outputUnits: 10 });
model.compile({ optimizer: optimizers.adam({ learningRate: 0.002 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(train.x, train.y, { epochs: 5, batchSize: 32 });
console.log(`DBN 784-256-64-10 fine-tuned: test accuracy ${(model.evaluateLogs(test.x, test.y).accuracy * 100).toFixed(1)}%`);
model.dispose();
dbn.dispose();
console.log(`images written to ${out}`);
