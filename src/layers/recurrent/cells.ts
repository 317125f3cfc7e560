import { gemm, gemmPacked, gemmWorkspaceBytes } from '../../kernels/gemm.js';
import { colsum } from '../../kernels/elementwise.js';
import {
  gruCell, gruCellBackward, gruGates, gruGatesBackward, gruOutput, gruOutputBackward, lstmCell, lstmCellBackward, rnnCellBackward,
} from '../../kernels/recurrent.js';
import { copy2d } from '../../kernels/elementwise.js';
import type { Backend } from '../../runtime/backend.js';
import type { Variable } from '../../params/variable.js';
import { checkBool } from '../../util/options.js';
import { registerLayer } from '../layer.js';
import {
  Recurrent, RECURRENT_KEYS, actId, checkRecurrentActivation, type RecurrentActivation, type RecurrentConfig, type RecurrentScratch,
  type RecurrentTape, type StepPointers, type RecurrentPack,
} from './base.js';

/** Options of a SimpleRNN layer. */
export type SimpleRNNConfig = RecurrentConfig;

/** Options of an LSTM layer. */
export interface LSTMConfig extends RecurrentConfig {
  /** Activation of the input, forget and output gates. Default 'sigmoid' (Keras; TensorFlow.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivation;
  /** Initialise the forget gate's bias to 1 (Jozefowicz et al. 2015). Default true. */
  unitForgetBias?: boolean;
}

/** Options of a GRU layer. */
export interface GRUConfig extends RecurrentConfig {
  /** Activation of the update and reset gates. Default 'sigmoid' (Keras; TensorFlow.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivation;
  /**
   * Apply the reset gate after the recurrent product, with a separate
   * recurrent bias (bias [2, 3 units]): Keras's and cuDNN's default, true.
   * False applies it before (TensorFlow.js's only form; bias [3 units]).
   */
  resetAfter?: boolean;
}

/**
 * Fully connected recurrence (Elman 1990): h_t = act(x_t W + h_{t-1} U + b).
 * The step's GEMM adds h_{t-1} U into the precomputed x_t W + b and applies
 * the activation in its epilogue.
 */
export class SimpleRNN extends Recurrent {
  readonly className = 'SimpleRNN';
  readonly gates = 1;
  readonly stateCount = 1;

  constructor(config: SimpleRNNConfig) {
    super(config, 'simpleRNN', RECURRENT_KEYS);
  }

  protected stepForward(p: StepPointers): void {
    gemmPacked(p.be, {
      m: p.n, n: p.u, k: p.u, a: p.hp, lda: p.ldh, packed: p.packs[0], c: p.z, ldc: p.ldz, beta: 1,
      act: this.act, actAlpha: this.alpha, work: p.work,
    });
    copy2d(p.be, { m: p.n, n: p.u, x: p.z, ldx: p.ldz, y: p.h, ldy: p.ldNext });
  }

  protected stepBackward(p: StepPointers): void {
    rnnCellBackward(p.be, { act: this.act, alpha: this.alpha, n: p.n, u: p.u, h: p.z, ldh: p.ldz, dh: p.dh, dz: p.dz, lddz: p.ldz });
    gemmPacked(p.be, { m: p.n, n: p.u, k: p.u, a: p.dz, lda: p.ldz, packed: p.packs[0], c: p.dhPrev, work: p.work });
  }

  protected cellConfig(): Record<string, unknown> {
    return {};
  }
}

/** A recurrent layer with gates: their activation is an option of its own. */
abstract class Gated extends Recurrent {
  readonly recurrentActivation: RecurrentActivation;

  constructor(config: LSTMConfig | GRUConfig, op: string, keys: readonly string[]) {
    super(config, op, [...RECURRENT_KEYS, 'recurrentActivation', ...keys]);
    this.recurrentActivation = checkRecurrentActivation(op, 'recurrentActivation', config.recurrentActivation ?? 'sigmoid');
    this.recurrentAct = actId(this.recurrentActivation);
  }
}

/**
 * Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate
 * of Gers et al. 2000), Keras's gate order i, f, c, o:
 * c_t = f ⊙ c_{t-1} + i ⊙ act(z_c), h_t = o ⊙ act(c_t).
 */
export class LSTM extends Gated {
  readonly className = 'LSTM';
  readonly gates = 4;
  readonly stateCount = 2;
  readonly unitForgetBias: boolean;

  constructor(config: LSTMConfig) {
    super(config, 'lstm', ['unitForgetBias']);
    this.unitForgetBias = checkBool('lstm', 'unitForgetBias', config.unitForgetBias, true);
  }

  protected override biasOnes(): [number, number] | undefined {
    return this.unitForgetBias ? [this.units, 2 * this.units] : undefined;
  }

  protected stepForward(p: StepPointers): void {
    gemmPacked(p.be, { m: p.n, n: 4 * p.u, k: p.u, a: p.hp, lda: p.ldh, packed: p.packs[0], c: p.z, ldc: p.ldz, beta: 1, work: p.work });
    lstmCell(p.be, {
      act: this.act, recurrentAct: this.recurrentAct, alpha: this.alpha, n: p.n, u: p.u, cPrev: p.cp, ldcPrev: p.ldh, z: p.z, ldz: p.ldz, c: p.c, ldc: p.ldNext, h: p.h, ldh: p.ldNext,
    });
  }

  protected stepBackward(p: StepPointers): void {
    lstmCellBackward(p.be, {
      act: this.act, recurrentAct: this.recurrentAct, alpha: this.alpha, n: p.n, u: p.u, gates: p.z, ldg: p.ldz, cPrev: p.cp, ldcPrev: p.ldh, c: p.c, ldc: p.ldNext,
      dh: p.dh, dc: p.dc, dz: p.dz, lddz: p.ldz,
    });
    gemmPacked(p.be, { m: p.n, n: p.u, k: 4 * p.u, a: p.dz, lda: p.ldz, packed: p.packs[0], c: p.dhPrev, work: p.work });
  }

  protected cellConfig(): Record<string, unknown> {
    return { recurrentActivation: this.recurrentActivation, unitForgetBias: this.unitForgetBias };
  }
}

/**
 * Gated recurrent unit (Cho et al. 2014), Keras's gate order z, r, h:
 * h_t = z ⊙ h_{t-1} + (1 - z) ⊙ act(x W_h + r ⊙ (h_{t-1} U_h + b_hh) + b_xh)
 * with resetAfter (the default), or act(x W_h + (r ⊙ h_{t-1}) U_h + b_h) without.
 */
export class GRU extends Gated {
  readonly className = 'GRU';
  readonly gates = 3;
  readonly stateCount = 1;
  readonly resetAfter: boolean;

  constructor(config: GRUConfig) {
    super(config, 'gru', ['resetAfter']);
    this.resetAfter = checkBool('gru', 'resetAfter', config.resetAfter, true);
  }

  protected override extraTapeWidth(): number {
    return this.resetAfter ? 3 * this.units : this.units;
  }

  protected override extraGradWidth(): number {
    return this.resetAfter ? 3 * this.units : 0;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override stepWorkspace(be: Backend, n: number, backward: boolean): number {
    const u = this.units;
    const ws = (a: number, b: number, c: number) => gemmWorkspaceBytes(be, a, b, c);
    return Math.max(ws(n, 3 * u, u), ws(n, 2 * u, u), ws(n, u, u), backward ? Math.max(ws(n, u, 3 * u), ws(n, u, 2 * u)) : 0);
  }

  protected override forwardPacks(): RecurrentPack[] {
    const u = this.units;
    if (this.resetAfter) return super.forwardPacks();
    // The z and r columns multiply h_{t-1}; the h columns multiply r ⊙ h_{t-1}.
    return [{ n: 2 * u, k: u, col: 0, transB: false }, { n: u, k: u, col: 2 * u, transB: false }];
  }

  protected override backwardPacks(): RecurrentPack[] {
    const u = this.units;
    if (this.resetAfter) return super.backwardPacks();
    return [{ n: u, k: u, col: 2 * u, transB: true }, { n: u, k: 2 * u, col: 0, transB: true }];
  }

  protected stepForward(p: StepPointers): void {
    const u = p.u;
    if (this.resetAfter) {
      const bh = this.bias ? this.bias.value + 3 * u * 4 : 0;
      gemmPacked(p.be, { m: p.n, n: 3 * u, k: u, a: p.hp, lda: p.ldh, packed: p.packs[0], c: p.extra, ldc: p.ldx, bias: bh, work: p.work });
      gruCell(p.be, { act: this.act, recurrentAct: this.recurrentAct, alpha: this.alpha, n: p.n, u, hPrev: p.hp, ldhPrev: p.ldh, rec: p.extra, ldrec: p.ldx, z: p.z, ldz: p.ldz, h: p.h, ldh: p.ldNext });
      return;
    }
    gemmPacked(p.be, { m: p.n, n: 2 * u, k: u, a: p.hp, lda: p.ldh, packed: p.packs[0], c: p.z, ldc: p.ldz, beta: 1, work: p.work });
    gruGates(p.be, { recurrentAct: this.recurrentAct, n: p.n, u, hPrev: p.hp, ldhPrev: p.ldh, z: p.z, ldz: p.ldz, rh: p.extra, ldrh: p.ldx });
    gemmPacked(p.be, { m: p.n, n: u, k: u, a: p.extra, lda: p.ldx, packed: p.packs[1], c: p.z + 2 * u * 4, ldc: p.ldz, beta: 1, work: p.work });
    gruOutput(p.be, { act: this.act, alpha: this.alpha, n: p.n, u, hPrev: p.hp, ldhPrev: p.ldh, z: p.z, ldz: p.ldz, h: p.h, ldh: p.ldNext });
  }

  protected stepBackward(p: StepPointers): void {
    const u = p.u;
    if (this.resetAfter) {
      gruCellBackward(p.be, {
        act: this.act, recurrentAct: this.recurrentAct, alpha: this.alpha, n: p.n, u, gates: p.z, ldg: p.ldz, hPrev: p.hp, ldhPrev: p.ldh, rec: p.extra, ldrec: p.ldx, dh: p.dh,
        dz: p.dz, lddz: p.ldz, drec: p.dextra, lddrec: p.ldx, dhPrev: p.dhPrev,
      });
      gemmPacked(p.be, { m: p.n, n: u, k: 3 * u, a: p.dextra, lda: p.ldx, packed: p.packs[0], c: p.dhPrev, beta: 1, work: p.work });
      return;
    }
    gruOutputBackward(p.be, { act: this.act, recurrentAct: this.recurrentAct, alpha: this.alpha, n: p.n, u, gates: p.z, ldg: p.ldz, hPrev: p.hp, ldhPrev: p.ldh, dh: p.dh, dz: p.dz, lddz: p.ldz, dhPrev: p.dhPrev });
    gemmPacked(p.be, { m: p.n, n: u, k: u, a: p.dz + 2 * u * 4, lda: p.ldz, packed: p.packs[0], c: p.drh, work: p.work });
    gruGatesBackward(p.be, {
      recurrentAct: this.recurrentAct, n: p.n, u, gates: p.z, ldg: p.ldz, hPrev: p.hp, ldhPrev: p.ldh, drh: p.drh, dz: p.dz, lddz: p.ldz, dhPrev: p.dhPrev,
    });
    gemmPacked(p.be, { m: p.n, n: u, k: 2 * u, a: p.dz, lda: p.ldz, packed: p.packs[1], c: p.dhPrev, beta: 1, work: p.work });
  }

  protected override recurrentGrads(be: Backend, m: number, tape: RecurrentTape, s: RecurrentScratch, work: number): void {
    const U = this.recurrentKernel as Variable;
    const b = this.bias;
    const u = this.units;
    if (this.resetAfter) {
      if (U.trainable) gemm(be, { m: u, n: 3 * u, k: m, a: tape.hp, b: s.drec, c: U.grad, transA: true, beta: 1, work });
      if (b && b.trainable) {
        colsum(be, { m, n: 3 * u, x: s.dz, out: b.grad, beta: 1 });
        colsum(be, { m, n: 3 * u, x: s.drec, out: b.grad + 3 * u * 4, beta: 1 });
      }
      return;
    }
    if (U.trainable) {
      gemm(be, { m: u, n: 2 * u, k: m, a: tape.hp, b: s.dz, ldb: 3 * u, c: U.grad, ldc: 3 * u, transA: true, beta: 1, work });
      gemm(be, { m: u, n: u, k: m, a: tape.extra, b: s.dz + 2 * u * 4, ldb: 3 * u, c: U.grad + 2 * u * 4, ldc: 3 * u, transA: true, beta: 1, work });
    }
    if (b && b.trainable) colsum(be, { m, n: 3 * u, x: s.dz, out: b.grad, beta: 1 });
  }

  protected cellConfig(): Record<string, unknown> {
    return { recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }
}

registerLayer('SimpleRNN', (c) => new SimpleRNN(c as unknown as SimpleRNNConfig));
registerLayer('LSTM', (c) => new LSTM(c as unknown as LSTMConfig));
registerLayer('GRU', (c) => new GRU(c as unknown as GRUConfig));

/** Creates a SimpleRNN layer (TensorFlow.js: tf.layers.simpleRNN). */
export function simpleRNN(config: SimpleRNNConfig): SimpleRNN {
  return new SimpleRNN(config);
}

/** Creates an LSTM layer (TensorFlow.js: tf.layers.lstm). */
export function lstm(config: LSTMConfig): LSTM {
  return new LSTM(config);
}

/** Creates a GRU layer (TensorFlow.js: tf.layers.gru; resetAfter defaults to true as in Keras). */
export function gru(config: GRUConfig): GRU {
  return new GRU(config);
}
