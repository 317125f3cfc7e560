// Energy-based networks: a Hopfield network (Hopfield 1982) that recalls a
// corrupted letter one unit at a time, and a restricted Boltzmann machine
// (Smolensky 1986; Hinton 2002) trained on the bundled digits, then sampled.
//
// Messages in:  { type: 'hopfield', letter, noise, seed }
//               { type: 'rbm', epochs }
// Messages out: 'hopfield-patterns', 'hopfield-frame', 'hopfield-done',
//               'rbm-ready', 'rbm-epoch', 'rbm-filters', 'rbm-samples', 'rbm-done', 'error'
import { init, Hopfield, RBM } from '../../dist/index.js';
import { loadDigits } from '../lib/data.js';

const SIDE = 12;
// The stored patterns, 12x12 pixels each: '#' is +1, '.' is -1.
const LETTERS = {
  S: `
............
...######...
..########..
..##....##..
..##........
..#######...
...#######..
........##..
..##....##..
..########..
...######...
............`,
  I: `
............
..########..
..########..
.....##.....
.....##.....
.....##.....
.....##.....
.....##.....
.....##.....
..########..
..########..
............`,
  M: `
............
.##......##.
.###....###.
.####..####.
.##.####.##.
.##..##..##.
.##......##.
.##......##.
.##......##.
.##......##.
.##......##.
............`,
  D: `
............
.#######....
.########...
.##....###..
.##.....##..
.##.....##..
.##.....##..
.##.....##..
.##....###..
.########...
.#######....
............`,
};
const patterns = Object.fromEntries(
  Object.entries(LETTERS).map(([name, art]) => [name, Float32Array.from(art.replace(/\s/g, ''), (c) => (c === '#' ? 1 : -1))]),
);

let hopfield;
let digits; // the bundled digits, for the RBM
const busy = { hopfield: false, rbm: false }; // one run of each at a time

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Mulberry32: a seeded random generator, so a given seed corrupts the same pixels. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates. */
function shuffle(items, next) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Flips a share `noise` of the letter's pixels, then updates one unit at a
 * time in a random order, s_i = sign(Σ_j w_ij s_j − θ_i), until a whole
 * sweep changes nothing. No flip raises the energy
 * E = −½ Σ w_ij s_i s_j + Σ θ_i s_i; each one is sent to the page as a frame.
 */
async function recall(letter, noise, seed) {
  const next = random(seed);
  const state = patterns[letter].slice();
  for (let i = 0; i < state.length; i++) if (next() < noise) state[i] = -state[i];
  postMessage({ type: 'hopfield-frame', state: state.slice(), energy: hopfield.energy(state), flips: 0, unit: -1 });
  let flips = 0;
  for (let changed = true, sweeps = 0; changed && sweeps < 20; sweeps++) {
    changed = false;
    const order = shuffle([...state.keys()], next);
    for (const i of order) {
      const s = hopfield.net(state)[i] >= 0 ? 1 : -1;
      if (s === state[i]) continue;
      state[i] = s;
      changed = true;
      flips++;
      postMessage({ type: 'hopfield-frame', state: state.slice(), energy: hopfield.energy(state), flips, unit: i });
      await sleep(40);
    }
  }
  const match = Object.keys(patterns).find((name) => patterns[name].every((v, i) => v === state[i]));
  postMessage({ type: 'hopfield-done', flips, recalled: match ?? null });
}

/**
 * A 784-128 RBM with binary units on the digits (pixels above 0.5 are on),
 * trained with contrastive divergence, three Gibbs steps per update (CD-3;
 * Hinton 2002). Then 16 Gibbs chains start from random pixels, and their
 * means p(v | h) are sent after every few steps: the samples settle into
 * digit-like shapes.
 */
async function trainRbm(epochs) {
  const x = digits.x.map((v) => (v > 0.5 ? 1 : 0));
  const rbm = new RBM({ visible: 784, hidden: 128, seed: 1 });
  try {
    await rbm.fit(x, {
      epochs,
      batchSize: 32,
      k: 3,
      learningRate: 0.05,
      momentum: 0.5,
      monitorRows: 200,
      onEpochEnd: (epoch, logs) => postMessage({ type: 'rbm-epoch', epoch: epoch + 1, reconstructionError: logs.reconstructionError, pseudoLikelihood: logs.pseudoLikelihood }),
    });
    // Hidden unit j's filter is column j of the V x H weights; the first 64 are shown.
    const { weights } = rbm.getWeights();
    const count = 64;
    const tiles = new Float32Array(count * 784);
    for (let j = 0; j < count; j++) for (let p = 0; p < 784; p++) tiles[j * 784 + p] = weights[p * rbm.hidden + j];
    postMessage({ type: 'rbm-filters', tiles, count, width: 28, height: 28 });
    // Ten Gibbs steps at a time, each batch continuing the chains where the last one stopped.
    const total = 200;
    let chains = rbm.sample({ chains: 16, steps: 10, seed: 1 });
    for (let steps = 10; steps <= total; steps += 10) {
      if (steps > 10) chains = rbm.sample({ init: chains.visible, steps: 10 });
      postMessage({ type: 'rbm-samples', images: chains.visibleProbabilities, count: 16, width: 28, height: 28, steps });
      await sleep(30);
    }
    postMessage({ type: 'rbm-done', steps: total });
  } finally {
    rbm.dispose();
  }
}

onmessage = async ({ data: msg }) => {
  const task = msg.type; // 'hopfield' or 'rbm'
  if (busy[task] !== false) return;
  busy[task] = true;
  try {
    if (task === 'hopfield') await recall(msg.letter, msg.noise, msg.seed);
    else await trainRbm(msg.epochs);
  } catch (e) {
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  } finally {
    busy[task] = false;
  }
};

try {
  await init();
  // The pseudoinverse (projection) rule makes every stored pattern a fixed
  // point even when, like these letters, they overlap (Personnaz et al. 1985).
  hopfield = new Hopfield({ size: SIDE * SIDE, rule: 'pseudoinverse' });
  hopfield.store(Object.values(patterns));
  postMessage({ type: 'hopfield-patterns', patterns, side: SIDE });
  digits = await loadDigits(new URL('../data/digits.bin.gz', import.meta.url));
  postMessage({ type: 'rbm-ready', digits: digits.n });
} catch (e) {
  postMessage({ type: 'error', message: String(e?.message ?? e) });
}
