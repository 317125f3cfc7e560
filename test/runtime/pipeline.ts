/**
 * The deterministic-mode pipeline every runtime runs: seeded tensors, a mixed
 * chain of ops, a CNN and a recurrent network trained a few Adam steps, each
 * stage recorded as raw float32 bits; the CNN is also saved to a model file and
 * loaded back. Its source text is what other runtimes
 * (a Chromium page, Deno, Bun, another Node) evaluate against dist/index.js.
 */
import { expect } from 'vitest';
import type * as simdnn from '../../src/index.js';

export const SEED = 20240607;

export type Simdnn = typeof simdnn;
export type BuildName = 'simd' | 'scalar';

/** One stage of the pipeline: its shape, the raw float32 bits, an FNV-1a hash of them and the first values. */
export interface Stage {
  name: string;
  shape: number[];
  bits: number[];
  hash: string;
  first: number[];
}

export interface PipelineResult {
  info: { build: string; simd: boolean; relaxedSimd: boolean; deterministic: boolean };
  stages: Stage[];
}

/**
 * The computation run on both sides. It is serialised with toString() and
 * rebuilt from that same text in Node and in the page, so it must use nothing
 * but its parameters and plain JavaScript (no imports, no closures).
 */
export async function pipeline(nn: Simdnn, build: BuildName, seed: number): Promise<PipelineResult> {
  const be = await nn.createBackend({ build, deterministic: true, seed });
  try {
    const stages: Stage[] = [];
    const record = (name: string, t: ReturnType<Simdnn['tensor']>) => {
      const f = t.toFloat32Array();
      const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
      let h = 0x811c9dc5;
      for (let i = 0; i < u.length; i++) {
        for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((u[i] >>> s) & 0xff), 0x01000193) >>> 0;
      }
      stages.push({ name, shape: [...t.shape], bits: Array.from(u), hash: h.toString(16).padStart(8, '0'), first: Array.from(f.subarray(0, 4)) });
      return t;
    };
    // Inputs: explicit seeds, plus one draw from the backend's own seeded stream.
    const x = record('x = randomUniform [37,53]', nn.randomUniform([37, 53], -1, 1, 11, be));
    const w = record('w = randomNormal [53,29]', nn.randomNormal([53, 29], 0, 0.3, 12, be));
    const b = record('b = randomUniform [29]', nn.randomUniform([29], -0.5, 0.5, 13, be));
    const y = record('y = randomNormal [37,17]', nn.randomNormal([37, 17], 0, 1, 14, be));
    const z = record('z = randomUniform [29,17] (backend stream)', nn.randomUniform([29, 17], -2, 2, undefined, be));
    // Mixed pipeline.
    const h = record('h = matmul(x, w, bias b, tanh)', nn.matmul(x, w, { bias: b, activation: 'tanh' }));
    const g = record('g = gelu(h)', nn.gelu(h));
    const s = record('s = sigmoid(g)', nn.sigmoid(g));
    const sm = record('sm = softmax(s)', nn.softmax(s));
    const e = record('e = exp(g)', nn.exp(g));
    const l = record('l = log(sm)', nn.log(sm));
    const mt = record('mt = matmul(l^T, y)', nn.matmul(l, y, { transposeA: true }));
    const el = record('el = elu(mt)', nn.elu(mt));
    const r = record('r = relu(sub(mt, z))', nn.relu(nn.sub(mt, z)));
    const a = record('a = add(e, s)', nn.add(e, s));
    record('m = mul(a, sm)', nn.mul(a, sm));
    record('p = add(mul(el, z), r)', nn.add(nn.mul(el, z), r));
    record('q = matmul(x, transpose(w), transposeB, gelu)', nn.matmul(x, nn.transpose(w), { transposeB: true, activation: 'gelu' }));
    // A small CNN trained a few steps (every conv kernel path: implicit-GEMM forward, the in-place
    // filter gradient, dX by the flipped kernel ('same') and by col2im ('valid'), max pooling with
    // argmax, dropout), then predict (conv fused with max pooling).
    const { layers } = nn;
    const cnn = nn.sequential({
      seed,
      backend: be,
      layers: [
        layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [10, 9, 2] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 8, kernelSize: 2, activation: 'relu' }),
        layers.conv2d({ filters: 5, kernelSize: 2, padding: 'same', activation: 'tanh' }),
        layers.dropout({ rate: 0.3 }),
        layers.flatten(),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    cnn.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const images = nn.randomUniform([12, 10, 9, 2], 0, 1, 15, be);
    const labels = Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 3);
    for (let step = 0; step < 4; step++) cnn.trainOnBatch(images, labels);
    const weights = cnn.getWeightsFlat();
    record('cnn weights after 4 Adam steps', nn.tensor(weights, [weights.length], 'float32', be));
    record('cnn predict (conv fused with max pooling)', cnn.predict(images));
    // Saved to the binary model file and loaded back: the loaded weights and predictions. (The file's
    // bytes also hold the auto-generated layer names, which count the layers made before in the process.)
    const loaded = nn.deserializeModel(nn.decodeModelFile(nn.encodeModelFile(nn.serializeModel(cnn))), { backend: be });
    const lw = loaded.getWeightsFlat();
    record('cnn loaded from the file: weights', nn.tensor(lw, [lw.length], 'float32', be));
    record('cnn loaded from the file: predict', loaded.predict(images) as ReturnType<Simdnn['tensor']>);
    loaded.dispose();
    cnn.dispose();
    // A recurrent network trained a few steps (embedding with a padding mask, a bidirectional LSTM,
    // a GRU, the gate kernels forward and backward through time), then predict.
    const rnn = nn.sequential({
      seed,
      backend: be,
      layers: [
        layers.embedding({ inputDim: 9, outputDim: 5, maskZero: true, inputShape: [7] }),
        layers.bidirectional({ layer: layers.lstm({ units: 6, returnSequences: true }) }),
        layers.gru({ units: 5, resetAfter: false, dropout: 0.2 }),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    rnn.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const ids = Float32Array.from({ length: 10 * 7 }, (_, i) => (i % 7 > 4 + (i % 3) ? 0 : 1 + ((i * 5) % 8)));
    const seqLabels = Int32Array.from({ length: 10 }, (_, i) => i % 3);
    for (let step = 0; step < 4; step++) rnn.trainOnBatch(ids, seqLabels);
    const rw = rnn.getWeightsFlat();
    record('rnn weights after 4 Adam steps', nn.tensor(rw, [rw.length], 'float32', be));
    record('rnn predict', rnn.predict(ids));
    rnn.dispose();
    return { info: be.info() as PipelineResult['info'], stages };
  } finally {
    be.dispose();
  }
}

export const PIPELINE_SRC = pipeline.toString();
/** Rebuilds the pipeline from its source text (what the page gets too). */
export const rebuild = (src: string) => (0, eval)(`(${src})`) as typeof pipeline;

/** Differences between two runs, stage by stage, naming the first differing element. */
export function differences(node: PipelineResult, browser: PipelineResult, [nl, cl] = ['node', 'chromium']): string[] {
  const out: string[] = [];
  if (node.stages.length !== browser.stages.length) out.push(`stage count: ${nl} ${node.stages.length}, ${cl} ${browser.stages.length}`);
  for (let i = 0; i < Math.min(node.stages.length, browser.stages.length); i++) {
    const n = node.stages[i];
    const c = browser.stages[i];
    if (n.name !== c.name || n.shape.join() !== c.shape.join() || n.bits.length !== c.bits.length) {
      out.push(`${n.name}: shape [${n.shape}] vs ${c.name} [${c.shape}]`);
      continue;
    }
    const j = n.bits.findIndex((v, k) => v !== c.bits[k]);
    if (j >= 0) {
      const count = n.bits.filter((v, k) => v !== c.bits[k]).length;
      const f = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
      out.push(
        `${n.name}: ${count}/${n.bits.length} elements differ, first at ${j}: ` +
          `${nl} ${f(n.bits[j])} (0x${n.bits[j].toString(16)}) vs ${cl} ${f(c.bits[j])} (0x${c.bits[j].toString(16)})`,
      );
    }
  }
  return out;
}

/** Sanity: every stage is finite and not constant, so equality is not trivially true. */
export function expectNonTrivial(r: PipelineResult): void {
  for (const s of r.stages) {
    const f = new Float32Array(new Uint32Array(s.bits).buffer);
    expect(f.every(Number.isFinite), `${s.name} has non-finite values`).toBe(true);
    expect(new Set(s.bits).size, `${s.name} is constant`).toBeGreaterThan(1);
  }
}
