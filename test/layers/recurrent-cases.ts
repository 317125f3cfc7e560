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
