// The elementwise part of one time step of a recurrent cell, forward and
// backward, for n sequences of u units. The matrix products around them
// (all input projections at once, one recurrent GEMM per step, the weight
// gradients over all steps) run in f32_gemm; these kernels fuse everything
// between two GEMMs into one pass over the step's rows: the gate
// nonlinearities, the cell update, and their derivatives.
//
// Gate order and formulas are Keras': LSTM i, f, c, o (Hochreiter &
// Schmidhuber 1997, with the forget gate of Gers et al. 2000); GRU z, r, h
// (Cho et al. 2014), with the reset gate applied after the recurrent product
// (reset_after, Keras' default) or before it (TensorFlow.js's only form).
// `act` is the cell activation (tanh by default), `ract` the gates'
// (sigmoid). Backward passes take the derivative of an activation from its
// output only, which every activation allowed in a recurrent cell permits.
//
// Every pointer is a row-major matrix with its own row stride (in floats), so
// a step can read and write one time step of batch-major [n, T, ...] buffers
// in place. Each row has a v128 body and a scalar tail doing the same
// operations, so the SIMD and scalar builds agree bit for bit.
import {
  ACT_HARD_SIGMOID, ACT_SIGMOID, ACT_TANH, act_f32, act_f32_any, act_grad_f32, act_grad_f32_any, act_grad_v128, act_grad_v128_any, act_v128,
  act_v128_any,
} from "./activation";
import { tanh_f32, tanh_v128 } from "./math";

// A gate's activation. The logistic sigmoid is computed as 0.5 + 0.5 tanh(x / 2),
// one rational function instead of an exponential and a division: about a
// third cheaper, within 1.2e-7 of 1 / (1 + e^-x) everywhere (a gate's error
// is absolute: it scales a state).
// @ts-ignore: decorator
@inline function gate_f32(dyn: bool, x: f32, ract: i32): f32 {
  if (ract == ACT_SIGMOID) return dyn ? sigmoid_gate_f32(x) : <f32>0.5 + <f32>0.5 * tanh_f32(<f32>0.5 * x);
  return cell_f32(dyn, x, ract, 0);
}

// @ts-ignore: decorator
@inline function gate_v128(dyn: bool, x: v128, ract: i32): v128 {
  if (ract == ACT_SIGMOID) {
    if (dyn) return sigmoid_gate_v128(x);
    const h = f32x4.splat(0.5);
    return f32x4.add(h, f32x4.mul(h, tanh_v128(f32x4.mul(h, x))));
  }
  return cell_v128(dyn, x, ract, 0);
}

// The gate sigmoid as one shared function, for the kernels that take their
// activations at run time.
function sigmoid_gate_f32(x: f32): f32 {
  return <f32>0.5 + <f32>0.5 * tanh_f32(<f32>0.5 * x);
}

function sigmoid_gate_v128(x: v128): v128 {
  const h = f32x4.splat(0.5);
  return f32x4.add(h, f32x4.mul(h, tanh_v128(f32x4.mul(h, x))));
}

// A cell's or gate's activation (`dyn`: the kernel takes them at run time): the default ones (tanh, sigmoid, hard
// sigmoid) inlined when the kernel is specialised on them, any other through
// one shared dispatch instead of a copy of every activation at each use.
// @ts-ignore: decorator
@inline function cell_f32(dyn: bool, x: f32, act: i32, alpha: f32): f32 {
  if (!dyn && act == ACT_TANH) return act_f32(x, ACT_TANH, alpha);
  if (!dyn && act == ACT_HARD_SIGMOID) return act_f32(x, ACT_HARD_SIGMOID, alpha);
  return act_f32_any(x, act, alpha);
}

// @ts-ignore: decorator
@inline function cell_v128(dyn: bool, x: v128, act: i32, alpha: f32): v128 {
  if (!dyn && act == ACT_TANH) return act_v128(x, ACT_TANH, alpha);
  if (!dyn && act == ACT_HARD_SIGMOID) return act_v128(x, ACT_HARD_SIGMOID, alpha);
  return act_v128_any(x, act, alpha);
}

// @ts-ignore: decorator
@inline function cell_grad_f32(dyn: bool, x: f32, y: f32, g: f32, act: i32, alpha: f32): f32 {
  if (!dyn && act == ACT_TANH) return act_grad_f32(x, y, g, ACT_TANH, alpha);
  if (!dyn && act == ACT_SIGMOID) return act_grad_f32(x, y, g, ACT_SIGMOID, alpha);
  if (!dyn && act == ACT_HARD_SIGMOID) return act_grad_f32(x, y, g, ACT_HARD_SIGMOID, alpha);
  return act_grad_f32_any(x, y, g, act, alpha);
}

// @ts-ignore: decorator
@inline function cell_grad_v128(dyn: bool, x: v128, y: v128, g: v128, act: i32, alpha: f32): v128 {
  if (!dyn && act == ACT_TANH) return act_grad_v128(x, y, g, ACT_TANH, alpha);
  if (!dyn && act == ACT_SIGMOID) return act_grad_v128(x, y, g, ACT_SIGMOID, alpha);
  if (!dyn && act == ACT_HARD_SIGMOID) return act_grad_v128(x, y, g, ACT_HARD_SIGMOID, alpha);
  return act_grad_v128_any(x, y, g, act, alpha);
}

// @ts-ignore: decorator
@inline function row(p: usize, b: i32, ld: i32): usize {
  return p + ((<usize>b * <usize>ld) << 2);
}

// @ts-ignore: decorator
@inline function lstm_cell(
  dyn: bool, act: i32, ract: i32, n: i32, u: i32, cp: usize, ldcp: i32, z: usize, ldz: i32, c: usize, ldc: i32, h: usize, ldh: i32, alpha: f32,
): void {
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const zr = row(z, b, ldz);
    const cpr = row(cp, b, ldcp);
    const cr = row(c, b, ldc);
    const hr = row(h, b, ldh);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const ig = gate_v128(dyn, v128.load(zr + o), ract);
        const fg = gate_v128(dyn, v128.load(zr + gu + o), ract);
        const gg = cell_v128(dyn, v128.load(zr + 2 * gu + o), act, alpha);
        const og = gate_v128(dyn, v128.load(zr + 3 * gu + o), ract);
        const cv = f32x4.add(f32x4.mul(fg, v128.load(cpr + o)), f32x4.mul(ig, gg));
        v128.store(zr + o, ig);
        v128.store(zr + gu + o, fg);
        v128.store(zr + 2 * gu + o, gg);
        v128.store(zr + 3 * gu + o, og);
        v128.store(cr + o, cv);
        v128.store(hr + o, f32x4.mul(og, cell_v128(dyn, cv, act, alpha)));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const ig = gate_f32(dyn, load<f32>(zr + o), ract);
      const fg = gate_f32(dyn, load<f32>(zr + gu + o), ract);
      const gg = cell_f32(dyn, load<f32>(zr + 2 * gu + o), act, alpha);
      const og = gate_f32(dyn, load<f32>(zr + 3 * gu + o), ract);
      const cv = fg * load<f32>(cpr + o) + ig * gg;
      store<f32>(zr + o, ig);
      store<f32>(zr + gu + o, fg);
      store<f32>(zr + 2 * gu + o, gg);
      store<f32>(zr + 3 * gu + o, og);
      store<f32>(cr + o, cv);
      store<f32>(hr + o, og * cell_f32(dyn, cv, act, alpha));
    }
  }
}

/**
 * One LSTM step: z (n x 4u, pre-activations x W + h U + b in gate order
 * i, f, c, o) is overwritten with the activated gates i, f, g, o (what the
 * backward step reads); c = f * cp + i * g; h = o * act(c).
 */
export function f32_lstm_cell(
  act: i32, ract: i32, n: i32, u: i32, cp: usize, ldcp: i32, z: usize, ldz: i32, c: usize, ldc: i32, h: usize, ldh: i32, alpha: f32,
): void {
  if (act == ACT_TANH && ract == ACT_SIGMOID) lstm_cell(false, ACT_TANH, ACT_SIGMOID, n, u, cp, ldcp, z, ldz, c, ldc, h, ldh, alpha);
  else lstm_cell(true, act, ract, n, u, cp, ldcp, z, ldz, c, ldc, h, ldh, alpha);
}

// @ts-ignore: decorator
@inline function lstm_cell_backward(
  dyn: bool, act: i32, ract: i32, n: i32, u: i32, gates: usize, ldg: i32, cp: usize, ldcp: i32, c: usize, ldc: i32, dh: usize, lddh: i32,
  dc: usize, lddc: i32, dz: usize, lddz: i32, alpha: f32,
): void {
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const gr = row(gates, b, ldg);
    const cpr = row(cp, b, ldcp);
    const cr = row(c, b, ldc);
    const dhr = row(dh, b, lddh);
    const dcr = row(dc, b, lddc);
    const dzr = row(dz, b, lddz);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const ig = v128.load(gr + o);
        const fg = v128.load(gr + gu + o);
        const gg = v128.load(gr + 2 * gu + o);
        const og = v128.load(gr + 3 * gu + o);
        const cv = v128.load(cr + o);
        const tc = cell_v128(dyn, cv, act, alpha);
        const dhv = v128.load(dhr + o);
        const dcv = f32x4.add(v128.load(dcr + o), cell_grad_v128(dyn, cv, tc, f32x4.mul(dhv, og), act, alpha));
        v128.store(dzr + o, cell_grad_v128(dyn, ig, ig, f32x4.mul(dcv, gg), ract, 0));
        v128.store(dzr + gu + o, cell_grad_v128(dyn, fg, fg, f32x4.mul(dcv, v128.load(cpr + o)), ract, 0));
        v128.store(dzr + 2 * gu + o, cell_grad_v128(dyn, gg, gg, f32x4.mul(dcv, ig), act, alpha));
        v128.store(dzr + 3 * gu + o, cell_grad_v128(dyn, og, og, f32x4.mul(dhv, tc), ract, 0));
        v128.store(dcr + o, f32x4.mul(dcv, fg));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const ig = load<f32>(gr + o);
      const fg = load<f32>(gr + gu + o);
      const gg = load<f32>(gr + 2 * gu + o);
      const og = load<f32>(gr + 3 * gu + o);
      const cv = load<f32>(cr + o);
      const tc = cell_f32(dyn, cv, act, alpha);
      const dhv = load<f32>(dhr + o);
      const dcv = load<f32>(dcr + o) + cell_grad_f32(dyn, cv, tc, dhv * og, act, alpha);
      store<f32>(dzr + o, cell_grad_f32(dyn, ig, ig, dcv * gg, ract, 0));
      store<f32>(dzr + gu + o, cell_grad_f32(dyn, fg, fg, dcv * load<f32>(cpr + o), ract, 0));
      store<f32>(dzr + 2 * gu + o, cell_grad_f32(dyn, gg, gg, dcv * ig, act, alpha));
      store<f32>(dzr + 3 * gu + o, cell_grad_f32(dyn, og, og, dhv * tc, ract, 0));
      store<f32>(dcr + o, dcv * fg);
    }
  }
}

/**
 * The LSTM step's backward pass: from the gates of the forward step (i, f,
 * g, o), c_{t-1} (cp), c_t (c), dh_t and dc (in: the gradient of c_t that
 * step t+1 passed back; out: that of c_{t-1}), writes dz (n x 4u), the
 * gradient of the pre-activations in gate order.
 */
export function f32_lstm_cell_backward(
  act: i32, ract: i32, n: i32, u: i32, gates: usize, ldg: i32, cp: usize, ldcp: i32, c: usize, ldc: i32, dh: usize, lddh: i32,
  dc: usize, lddc: i32, dz: usize, lddz: i32, alpha: f32,
): void {
  if (act == ACT_TANH && ract == ACT_SIGMOID) {
    lstm_cell_backward(false, ACT_TANH, ACT_SIGMOID, n, u, gates, ldg, cp, ldcp, c, ldc, dh, lddh, dc, lddc, dz, lddz, alpha);
  } else {
    lstm_cell_backward(true, act, ract, n, u, gates, ldg, cp, ldcp, c, ldc, dh, lddh, dc, lddc, dz, lddz, alpha);
  }
}

// @ts-ignore: decorator
@inline function gru_cell(
  dyn: bool, act: i32, ract: i32, n: i32, u: i32, hp: usize, ldhp: i32, rec: usize, ldrec: i32, z: usize, ldz: i32, h: usize, ldh: i32, alpha: f32,
): void {
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const hpr = row(hp, b, ldhp);
    const rr = row(rec, b, ldrec);
    const zr = row(z, b, ldz);
    const hr = row(h, b, ldh);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const zg = gate_v128(dyn, f32x4.add(v128.load(zr + o), v128.load(rr + o)), ract);
        const rg = gate_v128(dyn, f32x4.add(v128.load(zr + gu + o), v128.load(rr + gu + o)), ract);
        const hh = cell_v128(dyn, f32x4.add(v128.load(zr + 2 * gu + o), f32x4.mul(rg, v128.load(rr + 2 * gu + o))), act, alpha);
        v128.store(zr + o, zg);
        v128.store(zr + gu + o, rg);
        v128.store(zr + 2 * gu + o, hh);
        v128.store(hr + o, f32x4.add(f32x4.mul(zg, v128.load(hpr + o)), f32x4.mul(f32x4.sub(one, zg), hh)));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const zg = gate_f32(dyn, load<f32>(zr + o) + load<f32>(rr + o), ract);
      const rg = gate_f32(dyn, load<f32>(zr + gu + o) + load<f32>(rr + gu + o), ract);
      const hh = cell_f32(dyn, load<f32>(zr + 2 * gu + o) + rg * load<f32>(rr + 2 * gu + o), act, alpha);
      store<f32>(zr + o, zg);
      store<f32>(zr + gu + o, rg);
      store<f32>(zr + 2 * gu + o, hh);
      store<f32>(hr + o, zg * load<f32>(hpr + o) + (<f32>1.0 - zg) * hh);
    }
  }
}

/**
 * One GRU step with the reset gate after the recurrent product (Keras
 * reset_after): z (n x 3u) holds x W + b_x, rec (n x 3u) holds hp U + b_h;
 * z = ract(z_z + rec_z), r = ract(z_r + rec_r), hh = act(z_h + r * rec_h),
 * h = z * hp + (1 - z) * hh. z is overwritten with z, r, hh; rec is read only.
 */
export function f32_gru_cell(
  act: i32, ract: i32, n: i32, u: i32, hp: usize, ldhp: i32, rec: usize, ldrec: i32, z: usize, ldz: i32, h: usize, ldh: i32, alpha: f32,
): void {
  if (act == ACT_TANH && ract == ACT_SIGMOID) gru_cell(false, ACT_TANH, ACT_SIGMOID, n, u, hp, ldhp, rec, ldrec, z, ldz, h, ldh, alpha);
  else gru_cell(true, act, ract, n, u, hp, ldhp, rec, ldrec, z, ldz, h, ldh, alpha);
}

// @ts-ignore: decorator
@inline function gru_cell_backward(
  dyn: bool, act: i32, ract: i32, n: i32, u: i32, gates: usize, ldg: i32, hp: usize, ldhp: i32, rec: usize, ldrec: i32, dh: usize, lddh: i32,
  dz: usize, lddz: i32, drec: usize, lddrec: i32, dhp: usize, lddhp: i32, alpha: f32,
): void {
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const gr = row(gates, b, ldg);
    const hpr = row(hp, b, ldhp);
    const rr = row(rec, b, ldrec);
    const dhr = row(dh, b, lddh);
    const dzr = row(dz, b, lddz);
    const drr = row(drec, b, lddrec);
    const dpr = row(dhp, b, lddhp);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const zg = v128.load(gr + o);
        const rg = v128.load(gr + gu + o);
        const hh = v128.load(gr + 2 * gu + o);
        const dhv = v128.load(dhr + o);
        const dzp = cell_grad_v128(dyn, zg, zg, f32x4.mul(dhv, f32x4.sub(v128.load(hpr + o), hh)), ract, 0);
        const dhp2 = cell_grad_v128(dyn, hh, hh, f32x4.mul(dhv, f32x4.sub(one, zg)), act, alpha);
        const drp = cell_grad_v128(dyn, rg, rg, f32x4.mul(dhp2, v128.load(rr + 2 * gu + o)), ract, 0);
        v128.store(dzr + o, dzp);
        v128.store(dzr + gu + o, drp);
        v128.store(dzr + 2 * gu + o, dhp2);
        v128.store(drr + o, dzp);
        v128.store(drr + gu + o, drp);
        v128.store(drr + 2 * gu + o, f32x4.mul(dhp2, rg));
        v128.store(dpr + o, f32x4.mul(dhv, zg));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const zg = load<f32>(gr + o);
      const rg = load<f32>(gr + gu + o);
      const hh = load<f32>(gr + 2 * gu + o);
      const dhv = load<f32>(dhr + o);
      const dzp = cell_grad_f32(dyn, zg, zg, dhv * (load<f32>(hpr + o) - hh), ract, 0);
      const dhp2 = cell_grad_f32(dyn, hh, hh, dhv * (<f32>1.0 - zg), act, alpha);
      const drp = cell_grad_f32(dyn, rg, rg, dhp2 * load<f32>(rr + 2 * gu + o), ract, 0);
      store<f32>(dzr + o, dzp);
      store<f32>(dzr + gu + o, drp);
      store<f32>(dzr + 2 * gu + o, dhp2);
      store<f32>(drr + o, dzp);
      store<f32>(drr + gu + o, drp);
      store<f32>(drr + 2 * gu + o, dhp2 * rg);
      store<f32>(dpr + o, dhv * zg);
    }
  }
}

/**
 * The reset_after GRU step's backward pass: from the gates (z, r, hh), hp,
 * rec and dh, writes dz (n x 3u, the gradient of x W + b_x), drec (n x 3u,
 * that of hp U + b_h: the same but for the h part, scaled by r) and dhp =
 * dh * z (the direct part of the gradient of hp; the caller adds drec U^T).
 */
export function f32_gru_cell_backward(
  act: i32, ract: i32, n: i32, u: i32, gates: usize, ldg: i32, hp: usize, ldhp: i32, rec: usize, ldrec: i32, dh: usize, lddh: i32,
  dz: usize, lddz: i32, drec: usize, lddrec: i32, dhp: usize, lddhp: i32, alpha: f32,
): void {
  if (act == ACT_TANH && ract == ACT_SIGMOID) {
    gru_cell_backward(false, ACT_TANH, ACT_SIGMOID, n, u, gates, ldg, hp, ldhp, rec, ldrec, dh, lddh, dz, lddz, drec, lddrec, dhp, lddhp, alpha);
  } else {
    gru_cell_backward(true, act, ract, n, u, gates, ldg, hp, ldhp, rec, ldrec, dh, lddh, dz, lddz, drec, lddrec, dhp, lddhp, alpha);
  }
}

/**
 * The first half of a reset_before GRU step: z (n x 3u) holds x W + hp U
 * + b in its z and r parts; they are overwritten with z = ract(.) and
 * r = ract(.), and rh = r * hp (n x u), the input of the second recurrent
 * product, is written.
 */
export function f32_gru_gates(ract: i32, n: i32, u: i32, hp: usize, ldhp: i32, z: usize, ldz: i32, rh: usize, ldrh: i32): void {
  const dyn = false;
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const hpr = row(hp, b, ldhp);
    const zr = row(z, b, ldz);
    const rhr = row(rh, b, ldrh);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        v128.store(zr + o, gate_v128(dyn, v128.load(zr + o), ract));
        const rg = gate_v128(dyn, v128.load(zr + gu + o), ract);
        v128.store(zr + gu + o, rg);
        v128.store(rhr + o, f32x4.mul(rg, v128.load(hpr + o)));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      store<f32>(zr + o, gate_f32(dyn, load<f32>(zr + o), ract));
      const rg = gate_f32(dyn, load<f32>(zr + gu + o), ract);
      store<f32>(zr + gu + o, rg);
      store<f32>(rhr + o, rg * load<f32>(hpr + o));
    }
  }
}

/**
 * The second half of a reset_before GRU step: the h part of z holds
 * x W_h + rh U_h + b_h and is overwritten with hh = act(.); h = z * hp +
 * (1 - z) * hh, with z the (activated) z part.
 */
export function f32_gru_output(act: i32, n: i32, u: i32, hp: usize, ldhp: i32, z: usize, ldz: i32, h: usize, ldh: i32, alpha: f32): void {
  const dyn = false;
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const hpr = row(hp, b, ldhp);
    const zr = row(z, b, ldz);
    const hr = row(h, b, ldh);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const zg = v128.load(zr + o);
        const hh = cell_v128(dyn, v128.load(zr + 2 * gu + o), act, alpha);
        v128.store(zr + 2 * gu + o, hh);
        v128.store(hr + o, f32x4.add(f32x4.mul(zg, v128.load(hpr + o)), f32x4.mul(f32x4.sub(one, zg), hh)));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const zg = load<f32>(zr + o);
      const hh = cell_f32(dyn, load<f32>(zr + 2 * gu + o), act, alpha);
      store<f32>(zr + 2 * gu + o, hh);
      store<f32>(hr + o, zg * load<f32>(hpr + o) + (<f32>1.0 - zg) * hh);
    }
  }
}

/**
 * Backward of f32_gru_output: from the gates (z, r, hh), hp and dh, writes
 * the z and h parts of dz (the gradients of their pre-activations) and
 * dhp = dh * z (the direct part of the gradient of hp).
 */
export function f32_gru_output_backward(
  act: i32, ract: i32, n: i32, u: i32, gates: usize, ldg: i32, hp: usize, ldhp: i32, dh: usize, lddh: i32, dz: usize, lddz: i32,
  dhp: usize, lddhp: i32, alpha: f32,
): void {
  const dyn = false;
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const gr = row(gates, b, ldg);
    const hpr = row(hp, b, ldhp);
    const dhr = row(dh, b, lddh);
    const dzr = row(dz, b, lddz);
    const dpr = row(dhp, b, lddhp);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const zg = v128.load(gr + o);
        const hh = v128.load(gr + 2 * gu + o);
        const dhv = v128.load(dhr + o);
        v128.store(dzr + o, cell_grad_v128(dyn, zg, zg, f32x4.mul(dhv, f32x4.sub(v128.load(hpr + o), hh)), ract, 0));
        v128.store(dzr + 2 * gu + o, cell_grad_v128(dyn, hh, hh, f32x4.mul(dhv, f32x4.sub(one, zg)), act, alpha));
        v128.store(dpr + o, f32x4.mul(dhv, zg));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const zg = load<f32>(gr + o);
      const hh = load<f32>(gr + 2 * gu + o);
      const dhv = load<f32>(dhr + o);
      store<f32>(dzr + o, cell_grad_f32(dyn, zg, zg, dhv * (load<f32>(hpr + o) - hh), ract, 0));
      store<f32>(dzr + 2 * gu + o, cell_grad_f32(dyn, hh, hh, dhv * (<f32>1.0 - zg), act, alpha));
      store<f32>(dpr + o, dhv * zg);
    }
  }
}

/**
 * Backward of f32_gru_gates: from the r gate, hp and drh (the gradient of
 * rh = r * hp), writes the r part of dz and adds drh * r to dhp.
 */
export function f32_gru_gates_backward(
  ract: i32, n: i32, u: i32, gates: usize, ldg: i32, hp: usize, ldhp: i32, drh: usize, lddrh: i32, dz: usize, lddz: i32, dhp: usize, lddhp: i32,
): void {
  const dyn = false;
  const gu = <usize>u << 2;
  for (let b = 0; b < n; b++) {
    const gr = row(gates, b, ldg);
    const hpr = row(hp, b, ldhp);
    const drr = row(drh, b, lddrh);
    const dzr = row(dz, b, lddz);
    const dpr = row(dhp, b, lddhp);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const rg = v128.load(gr + gu + o);
        const d = v128.load(drr + o);
        v128.store(dzr + gu + o, cell_grad_v128(dyn, rg, rg, f32x4.mul(d, v128.load(hpr + o)), ract, 0));
        v128.store(dpr + o, f32x4.add(v128.load(dpr + o), f32x4.mul(d, rg)));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const rg = load<f32>(gr + gu + o);
      const d = load<f32>(drr + o);
      store<f32>(dzr + gu + o, cell_grad_f32(dyn, rg, rg, d * load<f32>(hpr + o), ract, 0));
      store<f32>(dpr + o, load<f32>(dpr + o) + d * rg);
    }
  }
}

/**
 * The simple RNN step's backward pass: dz = act'(h) * dh for an n x u block,
 * from the step's output h = act(z) (every activation allowed in a recurrent
 * cell has its derivative in terms of its output).
 */
export function f32_rnn_cell_backward(act: i32, n: i32, u: i32, h: usize, ldh: i32, dh: usize, lddh: i32, dz: usize, lddz: i32, alpha: f32): void {
  const dyn = false;
  for (let b = 0; b < n; b++) {
    const hr = row(h, b, ldh);
    const dhr = row(dh, b, lddh);
    const dzr = row(dz, b, lddz);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const one = f32x4.splat(1.0);
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        const hv = v128.load(hr + o);
        v128.store(dzr + o, cell_grad_v128(dyn, hv, hv, v128.load(dhr + o), act, alpha));
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      const hv = load<f32>(hr + o);
      store<f32>(dzr + o, cell_grad_f32(dyn, hv, hv, load<f32>(dhr + o), act, alpha));
    }
  }
}

/**
 * Rows of y at masked steps: for each of n rows whose mask value (mask[b *
 * ldm]) is 0, y's row of w floats becomes x's (mode 0; x = 0 writes zeros)
 * or gains x's (mode 1). Rows whose mask is not 0 are left alone. How a
 * recurrent layer carries its state over padded steps (Keras masking).
 */
export function f32_mask_rows(mode: i32, n: i32, w: i32, mask: usize, ldm: i32, x: usize, ldx: i32, y: usize, ldy: i32): void {
  for (let b = 0; b < n; b++) {
    if (load<f32>(row(mask, b, ldm)) != 0) continue;
    const yr = row(y, b, ldy);
    if (x == 0) {
      if (mode == 0) memory.fill(yr, 0, <usize>w << 2);
      continue;
    }
    const xr = row(x, b, ldx);
    if (mode == 0) {
      memory.copy(yr, xr, <usize>w << 2);
      continue;
    }
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= w; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, f32x4.add(v128.load(yr + o), v128.load(xr + o)));
      }
    }
    for (; j < w; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, load<f32>(yr + o) + load<f32>(xr + o));
    }
  }
}

/**
 * The mask of n steps of w features: out[i] = 0 when every feature of step i
 * equals value (a padded step), else 1 (a NaN feature counts as unequal, as
 * in Keras).
 */
export function f32_step_mask(n: i32, w: i32, x: usize, out: usize, value: f32): void {
  for (let i = 0; i < n; i++) {
    const xr = row(x, i, w);
    let keep: f32 = 0;
    for (let j = 0; j < w; j++) {
      if (load<f32>(xr + (<usize>j << 2)) != value) {
        keep = 1;
        break;
      }
    }
    store<f32>(out + (<usize>i << 2), keep);
  }
}
