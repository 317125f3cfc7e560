// Float64 recurrent layers over whole sequences, step by step from the cell
// formulas of test/reference/recurrent.ts: what SimpleRNN, LSTM and GRU
// compute for a batch of [steps, features] sequences.
import { actRef, type Act } from './activation.js';
import { gruAfterStepRef, lstmStepRef } from './recurrent.js';

export type CellKind = 'rnn' | 'lstm' | 'gru' | 'gruBefore';

export interface SequenceRefOptions {
  kind: CellKind;
  units: number;
  act: Act;
  ract: Act;
  alpha?: number;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** [n, steps] of 0 (padding) / 1; padded steps carry the state over. */
  mask?: Float64Array;
  /** [n, units] initial states. */
  h0?: Float64Array;
  c0?: Float64Array;
}

const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3, gruBefore: 3 };

/** The layer's outputs: [output, ...final states when returnState]. W [F, g u], U [u, g u], b [g u] or [2, 3u] (gru). */
export function sequenceRef(
  o: SequenceRefOptions, x: ArrayLike<number>, n: number, steps: number, f: number, W: ArrayLike<number>, U: ArrayLike<number>, b: ArrayLike<number> | null,
): Float64Array[] {
  const u = o.units;
  const G = GATES[o.kind] * u;
  const acts = { act: o.act, ract: o.ract, alpha: o.alpha ?? 0 };
  let h: Float64Array<ArrayBufferLike> = o.h0 ? Float64Array.from(o.h0) : new Float64Array(n * u);
  let c: Float64Array<ArrayBufferLike> = o.c0 ? Float64Array.from(o.c0) : new Float64Array(n * u);
  const seq = new Float64Array(n * steps * u);
  const mm = (a: ArrayLike<number>, rows: number, k: number, w: ArrayLike<number>, ldw: number, col0: number, cols: number) => {
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += a[r * k + i] * w[i * ldw + col0 + j];
      out[r * cols + j] = s;
    }
    return out;
  };
  for (let k = 0; k < steps; k++) {
    const t = o.goBackwards ? steps - 1 - k : k;
    const xt = new Float64Array(n * f);
    for (let r = 0; r < n; r++) for (let i = 0; i < f; i++) xt[r * f + i] = x[(r * steps + t) * f + i];
    const zx = mm(xt, n, f, W, G, 0, G);
    if (b) for (let r = 0; r < n; r++) for (let j = 0; j < G; j++) zx[r * G + j] += b[j];
    let hn: Float64Array<ArrayBufferLike>;
    let cn = c;
    if (o.kind === 'rnn') {
      const zh = mm(h, n, u, U, G, 0, G);
      hn = zx.map((v, i) => actRef(o.act, v + zh[i], o.alpha ?? 0));
    } else if (o.kind === 'lstm') {
      const zh = mm(h, n, u, U, G, 0, G);
      const r = lstmStepRef(acts, n, u, zx.map((v, i) => v + zh[i]), c);
      hn = r.h;
      cn = r.c;
    } else if (o.kind === 'gru') {
      const rec = mm(h, n, u, U, G, 0, G);
      if (b) for (let r = 0; r < n; r++) for (let j = 0; j < G; j++) rec[r * G + j] += b[G + j];
      hn = gruAfterStepRef(acts, n, u, zx, rec, h).h;
    } else {
      const zr = mm(h, n, u, U, G, 0, 2 * u);
      hn = new Float64Array(n * u);
      const rh = new Float64Array(n * u);
      const zg = new Float64Array(n * u);
      for (let r = 0; r < n; r++) for (let j = 0; j < u; j++) {
        zg[r * u + j] = actRef(o.ract, zx[r * G + j] + zr[r * 2 * u + j]);
        const rg = actRef(o.ract, zx[r * G + u + j] + zr[r * 2 * u + u + j]);
        rh[r * u + j] = rg * h[r * u + j];
      }
      const hp = mm(rh, n, u, U, G, 2 * u, u);
      for (let r = 0; r < n; r++) for (let j = 0; j < u; j++) {
        const hh = actRef(o.act, zx[r * G + 2 * u + j] + hp[r * u + j], o.alpha ?? 0);
        const z = zg[r * u + j];
        hn[r * u + j] = z * h[r * u + j] + (1 - z) * hh;
      }
    }
    if (o.mask) {
      for (let r = 0; r < n; r++) {
        if (o.mask[r * steps + t]) continue;
        for (let j = 0; j < u; j++) {
          hn[r * u + j] = h[r * u + j];
          if (cn !== c) cn[r * u + j] = c[r * u + j];
        }
      }
    }
    h = hn;
    c = cn;
    for (let r = 0; r < n; r++) for (let j = 0; j < u; j++) seq[(r * steps + k) * u + j] = h[r * u + j];
  }
  const out = [o.returnSequences ? seq : h];
  if (o.returnState) {
    out.push(h);
    if (o.kind === 'lstm') out.push(c);
  }
  return out;
}
