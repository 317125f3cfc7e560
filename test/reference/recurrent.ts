// Float64 recurrent cell steps, forward and backward, straight from the
// formulas (Keras gate orders: LSTM i, f, c, o; GRU z, r, h). Matrices are
// dense row-major; each function works row by row on n rows of u units.
import { actGradRef, actRef, type Act } from './activation.js';

export interface CellActs {
  act: Act;
  ract: Act;
  alpha: number;
}

const f = (a: CellActs, x: number) => actRef(a.act, x, a.alpha);
const df = (a: CellActs, x: number) => actGradRef(a.act, x, a.alpha);
const s = (a: CellActs, x: number) => actRef(a.ract, x);
const ds = (a: CellActs, x: number) => actGradRef(a.ract, x);

/** LSTM step from pre-activations z (n x 4u) and c_{t-1}: gates, c_t, h_t. */
export function lstmStepRef(a: CellActs, n: number, u: number, z: ArrayLike<number>, cp: ArrayLike<number>) {
  const gates = new Float64Array(n * 4 * u);
  const c = new Float64Array(n * u);
  const h = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const zi = z[b * 4 * u + j], zf = z[b * 4 * u + u + j], zg = z[b * 4 * u + 2 * u + j], zo = z[b * 4 * u + 3 * u + j];
      const i = s(a, zi), fg = s(a, zf), g = f(a, zg), o = s(a, zo);
      const cv = fg * cp[b * u + j] + i * g;
      gates[b * 4 * u + j] = i;
      gates[b * 4 * u + u + j] = fg;
      gates[b * 4 * u + 2 * u + j] = g;
      gates[b * 4 * u + 3 * u + j] = o;
      c[b * u + j] = cv;
      h[b * u + j] = o * f(a, cv);
    }
  }
  return { gates, c, h };
}

/** Backward of lstmStepRef: dz (n x 4u) and the gradient of c_{t-1}, given dh_t and dc_t from step t+1. */
export function lstmStepBackwardRef(
  a: CellActs, n: number, u: number, z: ArrayLike<number>, cp: ArrayLike<number>, dh: ArrayLike<number>, dcIn: ArrayLike<number>,
) {
  const dz = new Float64Array(n * 4 * u);
  const dcOut = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const zi = z[b * 4 * u + j], zf = z[b * 4 * u + u + j], zg = z[b * 4 * u + 2 * u + j], zo = z[b * 4 * u + 3 * u + j];
      const i = s(a, zi), fg = s(a, zf), g = f(a, zg), o = s(a, zo);
      const cv = fg * cp[b * u + j] + i * g;
      const d = dh[b * u + j];
      const dc = dcIn[b * u + j] + d * o * df(a, cv);
      dz[b * 4 * u + j] = dc * g * ds(a, zi);
      dz[b * 4 * u + u + j] = dc * cp[b * u + j] * ds(a, zf);
      dz[b * 4 * u + 2 * u + j] = dc * i * df(a, zg);
      dz[b * 4 * u + 3 * u + j] = d * f(a, cv) * ds(a, zo);
      dcOut[b * u + j] = dc * fg;
    }
  }
  return { dz, dcOut };
}

/**
 * GRU step with the reset gate after the recurrent product: zx = x W + b_x,
 * rec = h_{t-1} U + b_h (both n x 3u). Returns gates (z, r, hh) and h_t.
 */
export function gruAfterStepRef(a: CellActs, n: number, u: number, zx: ArrayLike<number>, rec: ArrayLike<number>, hp: ArrayLike<number>) {
  const gates = new Float64Array(n * 3 * u);
  const h = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const k = b * 3 * u + j;
      const zg = s(a, zx[k] + rec[k]);
      const rg = s(a, zx[k + u] + rec[k + u]);
      const hh = f(a, zx[k + 2 * u] + rg * rec[k + 2 * u]);
      gates[k] = zg;
      gates[k + u] = rg;
      gates[k + 2 * u] = hh;
      h[b * u + j] = zg * hp[b * u + j] + (1 - zg) * hh;
    }
  }
  return { gates, h };
}

/** Backward of gruAfterStepRef: dz (of zx), drec (of rec) and the direct part dh · z of dh_{t-1}. */
export function gruAfterStepBackwardRef(
  a: CellActs, n: number, u: number, zx: ArrayLike<number>, rec: ArrayLike<number>, hp: ArrayLike<number>, dh: ArrayLike<number>,
) {
  const dz = new Float64Array(n * 3 * u);
  const drec = new Float64Array(n * 3 * u);
  const dhp = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const k = b * 3 * u + j;
      const pz = zx[k] + rec[k], pr = zx[k + u] + rec[k + u];
      const zg = s(a, pz), rg = s(a, pr);
      const ph = zx[k + 2 * u] + rg * rec[k + 2 * u];
      const hh = f(a, ph);
      const d = dh[b * u + j];
      const dpz = d * (hp[b * u + j] - hh) * ds(a, pz);
      const dph = d * (1 - zg) * df(a, ph);
      const dpr = dph * rec[k + 2 * u] * ds(a, pr);
      dz[k] = dpz; dz[k + u] = dpr; dz[k + 2 * u] = dph;
      drec[k] = dpz; drec[k + u] = dpr; drec[k + 2 * u] = dph * rg;
      dhp[b * u + j] = d * zg;
    }
  }
  return { dz, drec, dhp };
}

/** First half of a reset-before GRU step: the z and r gates from their pre-activations, and r · h_{t-1}. */
export function gruGatesRef(a: CellActs, n: number, u: number, z: ArrayLike<number>, hp: ArrayLike<number>) {
  const gates = Float64Array.from(z);
  const rh = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const k = b * 3 * u + j;
      gates[k] = s(a, z[k]);
      gates[k + u] = s(a, z[k + u]);
      rh[b * u + j] = gates[k + u] * hp[b * u + j];
    }
  }
  return { gates, rh };
}

/** Second half: hh = act(h part), h = z hp + (1 - z) hh; z's z part holds the activated gate. */
export function gruOutputRef(a: CellActs, n: number, u: number, z: ArrayLike<number>, hp: ArrayLike<number>) {
  const gates = Float64Array.from(z);
  const h = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const k = b * 3 * u + j;
      const hh = f(a, z[k + 2 * u]);
      gates[k + 2 * u] = hh;
      h[b * u + j] = z[k] * hp[b * u + j] + (1 - z[k]) * hh;
    }
  }
  return { gates, h };
}

/** Backward of gruOutputRef given the pre-activations pz (z part) and ph (h part): dz's z and h parts, dh · z. */
export function gruOutputBackwardRef(
  a: CellActs, n: number, u: number, pre: ArrayLike<number>, hp: ArrayLike<number>, dh: ArrayLike<number>,
) {
  const dz = new Float64Array(n * 3 * u);
  const dhp = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const k = b * 3 * u + j;
      const zg = s(a, pre[k]);
      const hh = f(a, pre[k + 2 * u]);
      const d = dh[b * u + j];
      dz[k] = d * (hp[b * u + j] - hh) * ds(a, pre[k]);
      dz[k + 2 * u] = d * (1 - zg) * df(a, pre[k + 2 * u]);
      dhp[b * u + j] = d * zg;
    }
  }
  return { dz, dhp };
}

/** Backward of gruGatesRef given the r part's pre-activation: dz's r part and drh · r. */
export function gruGatesBackwardRef(a: CellActs, n: number, u: number, pre: ArrayLike<number>, hp: ArrayLike<number>, drh: ArrayLike<number>) {
  const dzr = new Float64Array(n * u);
  const dhp = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < u; j++) {
      const pr = pre[b * 3 * u + u + j];
      const d = drh[b * u + j];
      dzr[b * u + j] = d * hp[b * u + j] * ds(a, pr);
      dhp[b * u + j] = d * s(a, pr);
    }
  }
  return { dzr, dhp };
}
