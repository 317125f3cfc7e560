import type { Backend } from '../runtime/backend.js';

// The elementwise halves of recurrent time steps (assembly/recurrent.ts). Each
// matrix is n rows of a few blocks of u floats, with its own row stride (in
// floats, default the block's width) so a step can work in place on one time
// step of a batch-major [n, T, ...] buffer.

/** Sizes and activations every recurrent-cell kernel takes. */
export interface CellSizes {
  /** Cell activation id (ACT), tanh in Keras. */
  act: number;
  /** Gate activation id (ACT), sigmoid in Keras. */
  recurrentAct: number;
  /** Rows (sequences in the batch). */
  n: number;
  /** Units. */
  u: number;
  /** Slope of leakyRelu, scale of elu, for the cell activation. Default 0. */
  alpha?: number;
}

/** Options of lstmCell(). */
export interface LstmCellOptions extends CellSizes {
  /** c_{t-1}, n x u. */
  cPrev: number;
  ldcPrev?: number;
  /** Pre-activations n x 4u (gate order i, f, c, o), overwritten with the activated gates. */
  z: number;
  ldz?: number;
  /** c_t, n x u. */
  c: number;
  ldc?: number;
  /** h_t, n x u. */
  h: number;
  ldh?: number;
}

/** Options of lstmCellBackward(). */
export interface LstmCellBackwardOptions extends CellSizes {
  /** The activated gates lstmCell() left in z. */
  gates: number;
  ldg?: number;
  cPrev: number;
  ldcPrev?: number;
  c: number;
  ldc?: number;
  /** Gradient of h_t. */
  dh: number;
  lddh?: number;
  /** In: gradient of c_t from step t+1; out: gradient of c_{t-1}. */
  dc: number;
  lddc?: number;
  /** Out: gradient of the pre-activations, n x 4u. */
  dz: number;
  lddz?: number;
}

/** Options of gruCell() (reset gate after the recurrent product). */
export interface GruCellOptions extends CellSizes {
  hPrev: number;
  ldhPrev?: number;
  /** h_{t-1} U + b_h, n x 3u (gate order z, r, h). */
  rec: number;
  ldrec?: number;
  /** x W + b_x, n x 3u, overwritten with the gates z, r, hh. */
  z: number;
  ldz?: number;
  h: number;
  ldh?: number;
}

/** Options of gruCellBackward(). */
export interface GruCellBackwardOptions extends CellSizes {
  gates: number;
  ldg?: number;
  hPrev: number;
  ldhPrev?: number;
  rec: number;
  ldrec?: number;
  dh: number;
  lddh?: number;
  /** Out: gradient of x W + b_x, n x 3u. */
  dz: number;
  lddz?: number;
  /** Out: gradient of h_{t-1} U + b_h, n x 3u. */
  drec: number;
  lddrec?: number;
  /** Out: dh · z, the direct part of the gradient of h_{t-1}, n x u. */
  dhPrev: number;
  lddhPrev?: number;
}

/** Options of gruGates() (reset gate before the recurrent product, first half). */
export interface GruGatesOptions {
  recurrentAct: number;
  n: number;
  u: number;
  hPrev: number;
  ldhPrev?: number;
  /** Pre-activations n x 3u; the z and r parts are overwritten with the gates. */
  z: number;
  ldz?: number;
  /** Out: r · h_{t-1}, n x u. */
  rh: number;
  ldrh?: number;
}

/** Options of gruOutput() (reset gate before the recurrent product, second half). */
export interface GruOutputOptions {
  act: number;
  n: number;
  u: number;
  hPrev: number;
  ldhPrev?: number;
  /** Gates from gruGates() and the h part's pre-activation, overwritten with hh. */
  z: number;
  ldz?: number;
  h: number;
  ldh?: number;
  alpha?: number;
}

/** Options of gruOutputBackward(). */
export interface GruOutputBackwardOptions extends CellSizes {
  gates: number;
  ldg?: number;
  hPrev: number;
  ldhPrev?: number;
  dh: number;
  lddh?: number;
  /** Out: the z and h parts of the pre-activations' gradient, n x 3u. */
  dz: number;
  lddz?: number;
  /** Out: dh · z. */
  dhPrev: number;
  lddhPrev?: number;
}

/** Options of gruGatesBackward(). */
export interface GruGatesBackwardOptions {
  recurrentAct: number;
  n: number;
  u: number;
  gates: number;
  ldg?: number;
  hPrev: number;
  ldhPrev?: number;
  /** Gradient of r · h_{t-1}. */
  drh: number;
  lddrh?: number;
  /** Out: the r part of the pre-activations' gradient. */
  dz: number;
  lddz?: number;
  /** In and out: drh · r is added. */
  dhPrev: number;
  lddhPrev?: number;
}

/** Options of rnnCellBackward(). */
export interface RnnCellBackwardOptions {
  act: number;
  n: number;
  u: number;
  /** h = act(z). */
  h: number;
  ldh?: number;
  dh: number;
  lddh?: number;
  /** Out (may alias dh with the same stride). */
  dz: number;
  lddz?: number;
  alpha?: number;
}

/** One LSTM step: gates, c_t = f·c_{t-1} + i·g, h_t = o·act(c_t). */
export function lstmCell(be: Backend, o: LstmCellOptions): void {
  be.abi.f32_lstm_cell(o.act, o.recurrentAct, o.n, o.u, o.cPrev, o.ldcPrev ?? o.u, o.z, o.ldz ?? 4 * o.u, o.c, o.ldc ?? o.u,
    o.h, o.ldh ?? o.u, o.alpha ?? 0);
}

/** The LSTM step's backward pass. */
export function lstmCellBackward(be: Backend, o: LstmCellBackwardOptions): void {
  be.abi.f32_lstm_cell_backward(o.act, o.recurrentAct, o.n, o.u, o.gates, o.ldg ?? 4 * o.u, o.cPrev, o.ldcPrev ?? o.u,
    o.c, o.ldc ?? o.u, o.dh, o.lddh ?? o.u, o.dc, o.lddc ?? o.u, o.dz, o.lddz ?? 4 * o.u, o.alpha ?? 0);
}

/** One GRU step, reset gate after the recurrent product. */
export function gruCell(be: Backend, o: GruCellOptions): void {
  be.abi.f32_gru_cell(o.act, o.recurrentAct, o.n, o.u, o.hPrev, o.ldhPrev ?? o.u, o.rec, o.ldrec ?? 3 * o.u, o.z,
    o.ldz ?? 3 * o.u, o.h, o.ldh ?? o.u, o.alpha ?? 0);
}

/** The backward pass of gruCell(). */
export function gruCellBackward(be: Backend, o: GruCellBackwardOptions): void {
  be.abi.f32_gru_cell_backward(o.act, o.recurrentAct, o.n, o.u, o.gates, o.ldg ?? 3 * o.u, o.hPrev, o.ldhPrev ?? o.u,
    o.rec, o.ldrec ?? 3 * o.u, o.dh, o.lddh ?? o.u, o.dz, o.lddz ?? 3 * o.u, o.drec, o.lddrec ?? 3 * o.u, o.dhPrev,
    o.lddhPrev ?? o.u, o.alpha ?? 0);
}

/** First half of a GRU step with the reset gate before the recurrent product. */
export function gruGates(be: Backend, o: GruGatesOptions): void {
  be.abi.f32_gru_gates(o.recurrentAct, o.n, o.u, o.hPrev, o.ldhPrev ?? o.u, o.z, o.ldz ?? 3 * o.u, o.rh, o.ldrh ?? o.u);
}

/** Second half of a GRU step with the reset gate before the recurrent product. */
export function gruOutput(be: Backend, o: GruOutputOptions): void {
  be.abi.f32_gru_output(o.act, o.n, o.u, o.hPrev, o.ldhPrev ?? o.u, o.z, o.ldz ?? 3 * o.u, o.h, o.ldh ?? o.u, o.alpha ?? 0);
}

/** The backward pass of gruOutput(). */
export function gruOutputBackward(be: Backend, o: GruOutputBackwardOptions): void {
  be.abi.f32_gru_output_backward(o.act, o.recurrentAct, o.n, o.u, o.gates, o.ldg ?? 3 * o.u, o.hPrev, o.ldhPrev ?? o.u,
    o.dh, o.lddh ?? o.u, o.dz, o.lddz ?? 3 * o.u, o.dhPrev, o.lddhPrev ?? o.u, o.alpha ?? 0);
}

/** The backward pass of gruGates(). */
export function gruGatesBackward(be: Backend, o: GruGatesBackwardOptions): void {
  be.abi.f32_gru_gates_backward(o.recurrentAct, o.n, o.u, o.gates, o.ldg ?? 3 * o.u, o.hPrev, o.ldhPrev ?? o.u, o.drh,
    o.lddrh ?? o.u, o.dz, o.lddz ?? 3 * o.u, o.dhPrev, o.lddhPrev ?? o.u);
}

/** dz = act'(z) · dh from h = act(z), for a simple RNN step. */
export function rnnCellBackward(be: Backend, o: RnnCellBackwardOptions): void {
  be.abi.f32_rnn_cell_backward(o.act, o.n, o.u, o.h, o.ldh ?? o.u, o.dh, o.lddh ?? o.u, o.dz, o.lddz ?? o.u, o.alpha ?? 0);
}

/** Options of gatherRows(). */
export interface GatherRowsOptions {
  /** Ids. */
  n: number;
  /** Row width. */
  d: number;
  /** Rows of the table. */
  vocab: number;
  /** n ids as f32. */
  ids: number;
  table: number;
  ldt?: number;
  y: number;
  ldy?: number;
}

/** Options of scatterAddRows(). */
export interface ScatterAddRowsOptions {
  n: number;
  d: number;
  vocab: number;
  ids: number;
  dy: number;
  lddy?: number;
  dtable: number;
  ldt?: number;
}

/** y[i] = table[ids[i]]; returns the position of the first invalid id (its row zeroed), or -1. */
export function gatherRows(be: Backend, o: GatherRowsOptions): number {
  return be.abi.f32_gather_rows(o.n, o.d, o.vocab, o.ids, o.table, o.ldt ?? o.d, o.y, o.ldy ?? o.d);
}

/** dtable[ids[i]] += dy[i] in order; returns the position of the first invalid id (skipped), or -1. */
export function scatterAddRows(be: Backend, o: ScatterAddRowsOptions): number {
  return be.abi.f32_scatter_add_rows(o.n, o.d, o.vocab, o.ids, o.dy, o.lddy ?? o.d, o.dtable, o.ldt ?? o.d);
}

/** Options of maskRows(). */
export interface MaskRowsOptions {
  /** 'set': y = x on masked rows (x = 0: zeros); 'add': y += x. */
  mode: 'set' | 'add';
  n: number;
  /** Floats per row. */
  w: number;
  /** Mask values, mask[b * ldm] for row b; 0 marks a masked row. */
  mask: number;
  ldm?: number;
  x: number;
  ldx?: number;
  y: number;
  ldy?: number;
}

/** Options of stepMask(). */
export interface StepMaskOptions {
  /** Steps. */
  n: number;
  /** Features per step. */
  w: number;
  x: number;
  /** n values: 0 where every feature equals value, else 1. */
  out: number;
  value: number;
}

/** Sets or adds x's rows into y's where the mask is 0 (padded steps). */
export function maskRows(be: Backend, o: MaskRowsOptions): void {
  be.abi.f32_mask_rows(o.mode === 'add' ? 1 : 0, o.n, o.w, o.mask, o.ldm ?? 1, o.x, o.ldx ?? o.w, o.y, o.ldy ?? o.w);
}

/** The per-step mask of padded steps (Keras Masking: a step is padding when every feature equals value). */
export function stepMask(be: Backend, o: StepMaskOptions): void {
  be.abi.f32_step_mask(o.n, o.w, o.x, o.out, o.value);
}
