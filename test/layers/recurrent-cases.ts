// Layer-tester cases of the recurrent layers (merged into the registry-wide
// list of test/layers/layers.test.ts): each against the float64 sequence
// reference, with every option that changes the computation.
import { layers, type Layer, type RecurrentActivation, type SymbolicTensor } from '../../src/index.js';
import type { LayerCase } from '../layer-tester.js';
import { sequenceRef, type CellKind, type SequenceRefOptions } from '../reference/rnn.js';
import type { Act } from '../reference/activation.js';

const T = 4;
const F = 3;

interface RecurrentCaseOptions {
  kind: CellKind;
  units: number;
  act?: Act & RecurrentActivation;
  ract?: Act & RecurrentActivation;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  useBias?: boolean;
  /** Initial states as inputs. */
  states?: boolean;
  steps?: number;
}

export function recurrentCase(o: RecurrentCaseOptions): LayerCase {
  const steps = o.steps ?? T;
  const act = o.act ?? 'tanh';
  const ract = o.ract ?? 'sigmoid';
  const useBias = o.useBias ?? true;
  const nStates = o.kind === 'lstm' ? 2 : 1;
  const common = {
    units: o.units, activation: act, returnSequences: o.returnSequences ?? false, returnState: o.returnState ?? false,
    goBackwards: o.goBackwards ?? false, useBias,
  } as const;
  const make = (): Layer => {
    if (o.kind === 'rnn') return layers.simpleRNN(common);
    if (o.kind === 'lstm') return layers.lstm({ ...common, recurrentActivation: ract });
    // Non-zero initial biases so the bias gradients are checked away from a symmetric start.
    return layers.gru({ ...common, recurrentActivation: ract, resetAfter: o.kind === 'gru', biasInitializer: 'randomUniform' });
  };
  const flags = Object.entries({ returnSequences: o.returnSequences, returnState: o.returnState, goBackwards: o.goBackwards, states: o.states })
    .filter(([, v]) => v).map(([k]) => k);
  return {
    label: `${o.kind} ${o.units} units ${act}/${ract}${useBias ? '' : ' no bias'}${flags.length ? ' ' + flags.join(' ') : ''}`,
    make: () => {
      const layer = make();
      return { layer, apply: (xs: SymbolicTensor[]) => {
        const out = layer.apply(xs.length === 1 ? xs[0] : xs);
        return Array.isArray(out) ? out : [out];
      } };
    },
    inputs: [[steps, F], ...(o.states ? Array.from({ length: nStates }, () => [o.units]) : [])],
    batch: 3,
    reference: (xs, w, n) => {
      const opts: SequenceRefOptions = {
        kind: o.kind, units: o.units, act, ract, alpha: act === 'elu' ? 1 : act === 'leakyRelu' ? 0.2 : 0, returnSequences: o.returnSequences, returnState: o.returnState, goBackwards: o.goBackwards,
        h0: o.states ? xs[1] : undefined, c0: o.states && o.kind === 'lstm' ? xs[2] : undefined,
      };
      return sequenceRef(opts, xs[0], n, steps, F, w[0], w[1], useBias ? w[2] : null);
    },
    tol: { atol: 2e-5, rtol: 2e-4 },
  };
}

export const RECURRENT_CASES: Record<string, LayerCase[]> = {
  SimpleRNN: [
    recurrentCase({ kind: 'rnn', units: 5 }),
    recurrentCase({ kind: 'rnn', units: 4, returnSequences: true, goBackwards: true }),
    recurrentCase({ kind: 'rnn', units: 3, act: 'elu', returnState: true, states: true, useBias: false }),
    recurrentCase({ kind: 'rnn', units: 6, act: 'sigmoid', returnSequences: true, steps: 1 }),
  ],
  LSTM: [
    recurrentCase({ kind: 'lstm', units: 5, returnSequences: true }),
    recurrentCase({ kind: 'lstm', units: 4, ract: 'hardSigmoid', goBackwards: true, returnState: true, states: true }),
    recurrentCase({ kind: 'lstm', units: 3, useBias: false, act: 'linear' }),
  ],
  GRU: [
    recurrentCase({ kind: 'gru', units: 5, returnSequences: true }),
    recurrentCase({ kind: 'gru', units: 4, goBackwards: true, returnState: true, states: true }),
    recurrentCase({ kind: 'gruBefore', units: 5, returnSequences: true, ract: 'hardSigmoid' }),
    recurrentCase({ kind: 'gruBefore', units: 3, goBackwards: true, returnState: true, states: true, useBias: false }),
  ],
};

// ---- embeddings, masks and wrappers ----

const VOCAB = 7;

/** Integer ids in [0, VOCAB) with padding (0) at the end of some sequences and one in the middle. */
function idData(steps: number) {
  return (_i: number, n: number) => Float32Array.from({ length: n }, (_, j) => {
    const b = Math.floor(j / steps);
    const t = j % steps;
    if (t >= steps - (b % 3)) return 0;
    if (b === 1 && t === 1) return 0;
    return 1 + ((j * 5 + 3) % (VOCAB - 1));
  });
}

function gatherRef(ids: Float64Array, table: Float64Array, d: number): Float64Array {
  const out = new Float64Array(ids.length * d);
  ids.forEach((id, i) => { for (let j = 0; j < d; j++) out[i * d + j] = table[id * d + j]; });
  return out;
}

/** A recurrent layer reading embedded ids with maskZero: padded steps carry the state over. */
function maskedByEmbedding(kind: CellKind, units: number, returnSequences: boolean): LayerCase {
  const steps = 5;
  return {
    label: `${kind} ${units} units after embedding(maskZero)${returnSequences ? ' returnSequences' : ''}`,
    make: () => {
      const emb = layers.embedding({ inputDim: VOCAB, outputDim: F, maskZero: true });
      const cfg = { units, returnSequences, biasInitializer: 'randomUniform' as const };
      const layer = kind === 'rnn' ? layers.simpleRNN(cfg) : kind === 'lstm' ? layers.lstm(cfg) : layers.gru({ ...cfg, resetAfter: kind === 'gru' });
      return { layer, apply: (xs: SymbolicTensor[]) => [layer.apply(emb.apply(xs[0]) as SymbolicTensor) as SymbolicTensor] };
    },
    inputs: [[steps]],
    data: idData(steps),
    discrete: [0],
    reference: ([ids], [E, W, U, b], n) => {
      const mask = ids.map((v) => (v !== 0 ? 1 : 0));
      return sequenceRef({ kind, units, act: 'tanh', ract: 'sigmoid', returnSequences, mask }, gatherRef(ids, E, F), n, steps, F, W, U, b).slice(0, 1);
    },
    tol: { atol: 2e-5, rtol: 2e-4 },
  };
}

/** [steps, F] values with every third step of the batch all zeros (padding for Masking). */
function paddedData(steps: number) {
  return (_i: number, n: number) => Float32Array.from({ length: n }, (_, j) => {
    const step = Math.floor(j / F);
    return step % 3 === 1 ? 0 : Math.sin(j * 1.7 + 0.3) * 0.9;
  });
}

/** True when component j lies in a step whose features are all zero. */
function inPaddedStep(j: number, x: Float32Array): boolean {
  const s = Math.floor(j / F) * F;
  for (let k = 0; k < F; k++) if (x[s + k] !== 0) return false;
  return true;
}

function maskStepsOf(x: Float64Array, rows: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, r) => {
    for (let k = 0; k < F; k++) if (x[r * F + k] !== 0) return 1;
    return 0;
  });
}

/** Both directions' outputs, merged as Bidirectional does. */
function bidiRef(kind: CellKind, units: number, seq: boolean, mode: string, x: Float64Array, w: Float64Array[], n: number, steps: number): Float64Array {
  const o = { kind, units, act: 'tanh' as const, ract: 'sigmoid' as const, returnSequences: seq };
  const f = sequenceRef(o, x, n, steps, F, w[0], w[1], w[2])[0];
  const bRaw = sequenceRef({ ...o, goBackwards: true }, x, n, steps, F, w[3], w[4], w[5])[0];
  const b = seq ? new Float64Array(bRaw.length) : bRaw;
  if (seq) {
    for (let r = 0; r < n; r++) for (let t = 0; t < steps; t++) for (let j = 0; j < units; j++) {
      b[(r * steps + t) * units + j] = bRaw[(r * steps + (steps - 1 - t)) * units + j];
    }
  }
  if (mode !== 'concat') return f.map((v, i) => (mode === 'sum' ? v + b[i] : mode === 'mul' ? v * b[i] : (v + b[i]) / 2));
  const rows = f.length / units;
  const out = new Float64Array(rows * 2 * units);
  for (let r = 0; r < rows; r++) for (let j = 0; j < units; j++) {
    out[r * 2 * units + j] = f[r * units + j];
    out[r * 2 * units + units + j] = b[r * units + j];
  }
  return out;
}

function bidiCase(kind: CellKind, units: number, seq: boolean, mode: 'concat' | 'sum' | 'mul' | 'ave'): LayerCase {
  return {
    label: `bidirectional ${kind} ${units} units ${mode}${seq ? ' returnSequences' : ''}`,
    make: () => {
      const cfg = { units, returnSequences: seq, biasInitializer: 'randomUniform' as const };
      const inner = kind === 'rnn' ? layers.simpleRNN(cfg) : kind === 'lstm' ? layers.lstm(cfg) : layers.gru({ ...cfg, resetAfter: kind === 'gru' });
      return { layer: layers.bidirectional({ layer: inner, mergeMode: mode }) };
    },
    inputs: [[T, F]],
    reference: ([x], w, n) => [bidiRef(kind, units, seq, mode, x, w, n, T)],
    tol: { atol: 2e-5, rtol: 2e-4 },
  };
}

Object.assign(RECURRENT_CASES, {
  Embedding: [{
    label: 'embedding [5] ids -> [5, 4]',
    make: () => ({ layer: layers.embedding({ inputDim: VOCAB, outputDim: 4 }) }),
    inputs: [[5]],
    data: idData(5),
    discrete: [0],
    reference: ([ids]: Float64Array[], [E]: Float64Array[]) => [gatherRef(ids, E, 4)],
  }],
  Masking: [{
    label: 'masking, then an LSTM that skips the padded steps',
    make: () => {
      const mask = layers.masking();
      const rnn = layers.lstm({ units: 4, returnSequences: true });
      return { layer: mask, apply: (xs: SymbolicTensor[]) => [rnn.apply(mask.apply(xs[0]) as SymbolicTensor) as SymbolicTensor] };
    },
    inputs: [[T, F]],
    data: paddedData(T),
    fdSkip: (_i: number, j: number, x: Float32Array) => inPaddedStep(j, x),
    reference: ([x]: Float64Array[], [W, U, b]: Float64Array[], n: number) => [
      sequenceRef({ kind: 'lstm', units: 4, act: 'tanh', ract: 'sigmoid', returnSequences: true, mask: maskStepsOf(x, n * T) }, x, n, T, F, W, U, b)[0],
    ],
    tol: { atol: 2e-5, rtol: 2e-4 },
  }],
  TimeDistributed: [{
    label: 'timeDistributed(dense softmax) on [4, 3]',
    make: () => ({ layer: layers.timeDistributed({ layer: layers.dense({ units: 5, activation: 'softmax' }) }) }),
    inputs: [[T, F]],
    reference: ([x]: Float64Array[], [W, b]: Float64Array[], n: number) => {
      const out = new Float64Array(n * T * 5);
      for (let r = 0; r < n * T; r++) {
        const z = Array.from({ length: 5 }, (_, j) => { let s = b[j]; for (let i = 0; i < F; i++) s += x[r * F + i] * W[i * 5 + j]; return s; });
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const sum = e.reduce((a, v) => a + v, 0);
        e.forEach((v, j) => { out[r * 5 + j] = v / sum; });
      }
      return [out];
    },
  }],
  Bidirectional: [
    bidiCase('lstm', 4, true, 'concat'),
    bidiCase('gru', 3, false, 'sum'),
    bidiCase('rnn', 5, true, 'mul'),
    bidiCase('gruBefore', 4, true, 'ave'),
  ],
});
RECURRENT_CASES.LSTM.push(maskedByEmbedding('lstm', 4, true), maskedByEmbedding('lstm', 5, false));
RECURRENT_CASES.GRU.push(maskedByEmbedding('gru', 4, true), maskedByEmbedding('gruBefore', 3, false));
RECURRENT_CASES.SimpleRNN.push(maskedByEmbedding('rnn', 5, true));
