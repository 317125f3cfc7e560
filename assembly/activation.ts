// Activations, forward and derivative-times-upstream-gradient, elementwise
// over contiguous f32 arrays. Each kernel has a v128 body for four lanes and a
// scalar body for the tail (and for the scalar build); both compute the same
// operations, so builds agree bit for bit.
import { exp_f32, exp_v128, log_f32, tanh_f32, tanh_v128, sigmoid_f32, sigmoid_v128 } from "./math";

/** Activation identifiers shared with the TypeScript side (src/runtime/abi.ts). */
export const ACT_IDENTITY: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;
export const ACT_LEAKY_RELU: i32 = 4;
export const ACT_ELU: i32 = 5;
export const ACT_GELU: i32 = 6;
export const ACT_STEP: i32 = 7;
export const ACT_SIGN: i32 = 8;
export const ACT_HARD_SIGMOID: i32 = 9;
export const ACT_SOFTPLUS: i32 = 10;
export const ACT_SOFTSIGN: i32 = 11;
export const ACT_SELU: i32 = 12;
export const ACT_SWISH: i32 = 13;
export const ACT_MISH: i32 = 14;

// @ts-ignore: decorator
@inline const GELU_C: f32 = 0.7978845608028654; // sqrt(2 / pi)
// @ts-ignore: decorator
@inline const GELU_A: f32 = 0.044715;
// The fixed point of self-normalising networks (Klambauer et al., 2017).
// @ts-ignore: decorator
@inline const SELU_ALPHA: f32 = 1.6732632423543772;
// @ts-ignore: decorator
@inline const SELU_SCALE: f32 = 1.0507009873554805;

/**
 * log(1 + u) for u >= 0, accurate for small u: w = 1 + u rounded, then
 * log(w) * u / (w - 1) cancels w's rounding error (Goldberg, 1991, Theorem 4).
 */
function log1p_f32(u: f32): f32 {
  const w = <f32>1.0 + u;
  return w == <f32>1.0 ? u : log_f32(w) * (u / (w - <f32>1.0));
}

/** softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|), without overflow. */
function softplus_f32(x: f32): f32 {
  return max<f32>(x, 0) + log1p_f32(exp_f32(-abs<f32>(x)));
}

/** mish(x) = x tanh(softplus(x)) (Misra, 2019). */
function mish_f32(x: f32): f32 {
  return x * tanh_f32(softplus_f32(x));
}

/** d mish / dx = tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x), sp = softplus(x). */
function mish_grad_f32(x: f32): f32 {
  const t = tanh_f32(softplus_f32(x));
  return t + x * ((<f32>1.0 - t * t) * sigmoid_f32(x));
}

/** Applies a scalar function to each lane: the SIMD paths of softplus and mish agree with the scalar ones bit for bit. */
// @ts-ignore: decorator
@inline function lanes(x: v128, act: i32, grad: bool): v128 {
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, lane_f32(f32x4.extract_lane(x, 0), act, grad));
  r = f32x4.replace_lane(r, 1, lane_f32(f32x4.extract_lane(x, 1), act, grad));
  r = f32x4.replace_lane(r, 2, lane_f32(f32x4.extract_lane(x, 2), act, grad));
  r = f32x4.replace_lane(r, 3, lane_f32(f32x4.extract_lane(x, 3), act, grad));
  return r;
}

function lane_f32(x: f32, act: i32, grad: bool): f32 {
  if (act == ACT_SOFTPLUS) return grad ? sigmoid_f32(x) : softplus_f32(x);
  return grad ? mish_grad_f32(x) : mish_f32(x);
}

/** One activation on one value; `act` is a compile-time constant after inlining. */
// @ts-ignore: decorator
@inline export function act_f32(x: f32, act: i32, alpha: f32): f32 {
  if (act == ACT_RELU) return max<f32>(x, 0);
  if (act == ACT_SIGMOID) return sigmoid_f32(x);
  if (act == ACT_TANH) return tanh_f32(x);
  if (act == ACT_LEAKY_RELU) return x > 0 ? x : x * alpha;
  if (act == ACT_ELU) return x > 0 ? x : alpha * (exp_f32(x) - 1.0);
  if (act == ACT_GELU) {
    // 0.5 x (1 + tanh(u)) = x sigmoid(2u): the same function without the
    // cancellation of 1 + tanh(u) for large negative u.
    const u2 = <f32>2.0 * (GELU_C * (x + GELU_A * (x * x * x)));
    return x * sigmoid_f32(u2);
  }
  if (act == ACT_STEP) return x >= 0 ? <f32>1.0 : <f32>0.0;
  if (act == ACT_SIGN) return x >= 0 ? <f32>1.0 : <f32>-1.0;
  // The piecewise-linear sigmoid of Keras 2 and TensorFlow.js: clip(0.2 x + 0.5, 0, 1).
  if (act == ACT_HARD_SIGMOID) return min<f32>(max<f32>(x * <f32>0.2 + <f32>0.5, 0), 1);
  if (act == ACT_SOFTPLUS) return softplus_f32(x);
  if (act == ACT_SOFTSIGN) return x / (<f32>1.0 + abs<f32>(x));
  if (act == ACT_SELU) return x > 0 ? SELU_SCALE * x : SELU_SCALE * (SELU_ALPHA * (exp_f32(x) - <f32>1.0));
  if (act == ACT_SWISH) return x * sigmoid_f32(x);
  if (act == ACT_MISH) return mish_f32(x);
  return x;
}

/** One activation on four lanes; the same operations as act_f32. */
// @ts-ignore: decorator
@inline export function act_v128(x: v128, act: i32, alpha: f32): v128 {
  if (act == ACT_RELU) return f32x4.max(x, f32x4.splat(0));
  if (act == ACT_SIGMOID) return sigmoid_v128(x);
  if (act == ACT_TANH) return tanh_v128(x);
  if (act == ACT_LEAKY_RELU) {
    return v128.bitselect(x, f32x4.mul(x, f32x4.splat(alpha)), f32x4.gt(x, f32x4.splat(0)));
  }
  if (act == ACT_ELU) {
    const neg = f32x4.mul(f32x4.splat(alpha), f32x4.sub(exp_v128(x), f32x4.splat(1.0)));
    return v128.bitselect(x, neg, f32x4.gt(x, f32x4.splat(0)));
  }
  if (act == ACT_GELU) {
    const x3 = f32x4.mul(f32x4.mul(x, x), x);
    const u = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(x, f32x4.mul(f32x4.splat(GELU_A), x3)));
    return f32x4.mul(x, sigmoid_v128(f32x4.mul(f32x4.splat(2.0), u)));
  }
  if (act == ACT_STEP) {
    return v128.and(f32x4.ge(x, f32x4.splat(0)), f32x4.splat(1.0));
  }
  if (act == ACT_SIGN) {
    return v128.bitselect(f32x4.splat(1.0), f32x4.splat(-1.0), f32x4.ge(x, f32x4.splat(0)));
  }
  if (act == ACT_HARD_SIGMOID) {
    return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1.0));
  }
  if (act == ACT_SOFTPLUS || act == ACT_MISH) return lanes(x, act, false);
  if (act == ACT_SOFTSIGN) return f32x4.div(x, f32x4.add(f32x4.splat(1.0), f32x4.abs(x)));
  if (act == ACT_SELU) {
    const neg = f32x4.mul(f32x4.splat(SELU_SCALE), f32x4.mul(f32x4.splat(SELU_ALPHA), f32x4.sub(exp_v128(x), f32x4.splat(1.0))));
    return v128.bitselect(f32x4.mul(f32x4.splat(SELU_SCALE), x), neg, f32x4.gt(x, f32x4.splat(0)));
  }
  if (act == ACT_SWISH) return f32x4.mul(x, sigmoid_v128(x));
  return x;
}

/**
 * Derivative of the activation at (x, y = act(x)) times the upstream gradient g,
 * for one value. Step and sign have derivative zero almost everywhere.
 */
// @ts-ignore: decorator
@inline export function act_grad_f32(x: f32, y: f32, g: f32, act: i32, alpha: f32): f32 {
  if (act == ACT_RELU) return x > 0 ? g : <f32>0.0;
  if (act == ACT_SIGMOID) return g * (y * (<f32>1.0 - y));
  if (act == ACT_TANH) return g * (<f32>1.0 - y * y);
  if (act == ACT_LEAKY_RELU) return x > 0 ? g : g * alpha;
  if (act == ACT_ELU) return x > 0 ? g : g * (y + alpha);
  if (act == ACT_GELU) {
    // d/dx [x s(2u)] = s + x s (1 - s) 2 u'
    const x2 = x * x;
    const s = sigmoid_f32(<f32>2.0 * (GELU_C * (x + GELU_A * (x2 * x))));
    const du2 = <f32>2.0 * (GELU_C * (<f32>1.0 + <f32>3.0 * GELU_A * x2));
    return g * (s + x * ((s * (<f32>1.0 - s)) * du2));
  }
  if (act == ACT_STEP || act == ACT_SIGN) return 0;
  // Slope 0.2 strictly inside the linear part (0 < y < 1), 0 on the clipped parts.
  if (act == ACT_HARD_SIGMOID) return y > 0 && y < <f32>1.0 ? g * <f32>0.2 : <f32>0.0;
  // softplus' = sigmoid(x), from x: 1 - e^-y loses every digit for very negative x.
  if (act == ACT_SOFTPLUS) return g * sigmoid_f32(x);
  // softsign' = 1 / (1 + |x|)^2 = (1 - |y|)^2.
  if (act == ACT_SOFTSIGN) {
    const d = <f32>1.0 - abs<f32>(y);
    return g * (d * d);
  }
  // selu' = scale for x > 0, else scale alpha e^x = y + scale alpha.
  if (act == ACT_SELU) return y > 0 ? g * SELU_SCALE : g * (y + SELU_SCALE * SELU_ALPHA);
  if (act == ACT_SWISH) {
    const s = sigmoid_f32(x);
    return g * (s + x * (s * (<f32>1.0 - s)));
  }
  if (act == ACT_MISH) return g * mish_grad_f32(x);
  return g;
}

/** Derivative times upstream gradient on four lanes; the same operations as act_grad_f32. */
// @ts-ignore: decorator
@inline export function act_grad_v128(x: v128, y: v128, g: v128, act: i32, alpha: f32): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1.0);
  if (act == ACT_RELU) return v128.and(g, f32x4.gt(x, zero));
  if (act == ACT_SIGMOID) return f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y)));
  if (act == ACT_TANH) return f32x4.mul(g, f32x4.sub(one, f32x4.mul(y, y)));
  if (act == ACT_LEAKY_RELU) {
    return v128.bitselect(g, f32x4.mul(g, f32x4.splat(alpha)), f32x4.gt(x, zero));
  }
  if (act == ACT_ELU) {
    return v128.bitselect(g, f32x4.mul(g, f32x4.add(y, f32x4.splat(alpha))), f32x4.gt(x, zero));
  }
  if (act == ACT_GELU) {
    const x2 = f32x4.mul(x, x);
    const two = f32x4.splat(2.0);
    const u = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(x, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(x2, x))));
    const s = sigmoid_v128(f32x4.mul(two, u));
    const du = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(one, f32x4.mul(f32x4.splat(<f32>3.0 * GELU_A), x2)));
    const d = f32x4.add(s, f32x4.mul(x, f32x4.mul(f32x4.mul(s, f32x4.sub(one, s)), f32x4.mul(two, du))));
    return f32x4.mul(g, d);
  }
  if (act == ACT_STEP || act == ACT_SIGN) return zero;
  if (act == ACT_HARD_SIGMOID) {
    const inside = v128.and(f32x4.gt(y, zero), f32x4.lt(y, one));
    return v128.and(f32x4.mul(g, f32x4.splat(0.2)), inside);
  }
  if (act == ACT_SOFTPLUS || act == ACT_MISH) return f32x4.mul(g, lanes(x, act, true));
  if (act == ACT_SOFTSIGN) {
    const d = f32x4.sub(one, f32x4.abs(y));
    return f32x4.mul(g, f32x4.mul(d, d));
  }
  if (act == ACT_SELU) {
    const neg = f32x4.mul(g, f32x4.add(y, f32x4.splat(SELU_SCALE * SELU_ALPHA)));
    return v128.bitselect(f32x4.mul(g, f32x4.splat(SELU_SCALE)), neg, f32x4.gt(y, zero));
  }
  if (act == ACT_SWISH) {
    const s = sigmoid_v128(x);
    return f32x4.mul(g, f32x4.add(s, f32x4.mul(x, f32x4.mul(s, f32x4.sub(one, s)))));
  }
  return g;
}

// One activation chosen at run time, for kernels that take `act` as an
// argument and would otherwise inline every activation at every call site.
// Each case is the inlined constant form, so results are bit-identical.

/** act_f32 with `act` known only at run time. */
export function act_f32_any(x: f32, act: i32, alpha: f32): f32 {
  switch (act) {
    case ACT_RELU: return act_f32(x, ACT_RELU, alpha);
    case ACT_SIGMOID: return act_f32(x, ACT_SIGMOID, alpha);
    case ACT_TANH: return act_f32(x, ACT_TANH, alpha);
    case ACT_LEAKY_RELU: return act_f32(x, ACT_LEAKY_RELU, alpha);
    case ACT_ELU: return act_f32(x, ACT_ELU, alpha);
    case ACT_GELU: return act_f32(x, ACT_GELU, alpha);
    case ACT_STEP: return act_f32(x, ACT_STEP, alpha);
    case ACT_SIGN: return act_f32(x, ACT_SIGN, alpha);
    case ACT_HARD_SIGMOID: return act_f32(x, ACT_HARD_SIGMOID, alpha);
    case ACT_SOFTPLUS: return act_f32(x, ACT_SOFTPLUS, alpha);
    case ACT_SOFTSIGN: return act_f32(x, ACT_SOFTSIGN, alpha);
    case ACT_SELU: return act_f32(x, ACT_SELU, alpha);
    case ACT_SWISH: return act_f32(x, ACT_SWISH, alpha);
    case ACT_MISH: return act_f32(x, ACT_MISH, alpha);
    default: return x;
  }
}

/**
 * act_v128 with `act` known only at run time, lane by lane through
 * act_f32_any: the v128 and scalar forms do the same operations, so the
 * result is the same bits at a fraction of the code.
 */
export function act_v128_any(x: v128, act: i32, alpha: f32): v128 {
  let r = f32x4.splat(act_f32_any(f32x4.extract_lane(x, 0), act, alpha));
  r = f32x4.replace_lane(r, 1, act_f32_any(f32x4.extract_lane(x, 1), act, alpha));
  r = f32x4.replace_lane(r, 2, act_f32_any(f32x4.extract_lane(x, 2), act, alpha));
  return f32x4.replace_lane(r, 3, act_f32_any(f32x4.extract_lane(x, 3), act, alpha));
}

/** act_grad_f32 with `act` known only at run time. */
export function act_grad_f32_any(x: f32, y: f32, g: f32, act: i32, alpha: f32): f32 {
  switch (act) {
    case ACT_RELU: return act_grad_f32(x, y, g, ACT_RELU, alpha);
    case ACT_SIGMOID: return act_grad_f32(x, y, g, ACT_SIGMOID, alpha);
    case ACT_TANH: return act_grad_f32(x, y, g, ACT_TANH, alpha);
    case ACT_LEAKY_RELU: return act_grad_f32(x, y, g, ACT_LEAKY_RELU, alpha);
    case ACT_ELU: return act_grad_f32(x, y, g, ACT_ELU, alpha);
    case ACT_GELU: return act_grad_f32(x, y, g, ACT_GELU, alpha);
    case ACT_STEP: return act_grad_f32(x, y, g, ACT_STEP, alpha);
    case ACT_SIGN: return act_grad_f32(x, y, g, ACT_SIGN, alpha);
    case ACT_HARD_SIGMOID: return act_grad_f32(x, y, g, ACT_HARD_SIGMOID, alpha);
    case ACT_SOFTPLUS: return act_grad_f32(x, y, g, ACT_SOFTPLUS, alpha);
    case ACT_SOFTSIGN: return act_grad_f32(x, y, g, ACT_SOFTSIGN, alpha);
    case ACT_SELU: return act_grad_f32(x, y, g, ACT_SELU, alpha);
    case ACT_SWISH: return act_grad_f32(x, y, g, ACT_SWISH, alpha);
    case ACT_MISH: return act_grad_f32(x, y, g, ACT_MISH, alpha);
    default: return g;
  }
}

/** act_grad_v128 with `act` known only at run time, lane by lane (see act_v128_any). */
export function act_grad_v128_any(x: v128, y: v128, g: v128, act: i32, alpha: f32): v128 {
  let r = f32x4.splat(act_grad_f32_any(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0), f32x4.extract_lane(g, 0), act, alpha));
  r = f32x4.replace_lane(r, 1, act_grad_f32_any(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1), f32x4.extract_lane(g, 1), act, alpha));
  r = f32x4.replace_lane(r, 2, act_grad_f32_any(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2), f32x4.extract_lane(g, 2), act, alpha));
  return f32x4.replace_lane(r, 3, act_grad_f32_any(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3), f32x4.extract_lane(g, 3), act, alpha));
}

// @ts-ignore: decorator
@inline function act_forward_loop(n: i32, x: usize, y: usize, act: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, act_v128(v128.load(x + o), act, alpha));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, act_f32(load<f32>(x + o), act, alpha));
  }
}

/** y[i] = act(x[i]) for i < n; y may alias x. */
export function f32_act_forward(act: i32, n: i32, x: usize, y: usize, alpha: f32): void {
  switch (act) {
    case ACT_RELU: act_forward_loop(n, x, y, ACT_RELU, alpha); break;
    case ACT_SIGMOID: act_forward_loop(n, x, y, ACT_SIGMOID, alpha); break;
    case ACT_TANH: act_forward_loop(n, x, y, ACT_TANH, alpha); break;
    case ACT_LEAKY_RELU: act_forward_loop(n, x, y, ACT_LEAKY_RELU, alpha); break;
    case ACT_ELU: act_forward_loop(n, x, y, ACT_ELU, alpha); break;
    case ACT_GELU: act_forward_loop(n, x, y, ACT_GELU, alpha); break;
    case ACT_STEP: act_forward_loop(n, x, y, ACT_STEP, alpha); break;
    case ACT_SIGN: act_forward_loop(n, x, y, ACT_SIGN, alpha); break;
    case ACT_HARD_SIGMOID: act_forward_loop(n, x, y, ACT_HARD_SIGMOID, alpha); break;
    case ACT_SOFTPLUS: act_forward_loop(n, x, y, ACT_SOFTPLUS, alpha); break;
    case ACT_SOFTSIGN: act_forward_loop(n, x, y, ACT_SOFTSIGN, alpha); break;
    case ACT_SELU: act_forward_loop(n, x, y, ACT_SELU, alpha); break;
    case ACT_SWISH: act_forward_loop(n, x, y, ACT_SWISH, alpha); break;
    case ACT_MISH: act_forward_loop(n, x, y, ACT_MISH, alpha); break;
    default: if (x != y) memory.copy(y, x, <usize>n << 2);
  }
}

/** Applies an activation in place to an m x n block with row stride ld. */
export function f32_act_forward_2d(act: i32, m: i32, n: i32, y: usize, ld: i32, alpha: f32): void {
  if (act == ACT_IDENTITY) return;
  for (let r = 0; r < m; r++) {
    const row = y + ((<usize>r * <usize>ld) << 2);
    f32_act_forward(act, n, row, row, alpha);
  }
}

// @ts-ignore: decorator
@inline function act_backward_loop(n: i32, x: usize, y: usize, dy: usize, dx: usize, act: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, act_grad_v128(v128.load(x + o), v128.load(y + o), v128.load(dy + o), act, alpha));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, act_grad_f32(load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o), act, alpha));
  }
}

/**
 * dx[i] = act'(x[i]) * dy[i], given the forward input x and output y.
 * dx may alias dy.
 */
export function f32_act_backward(act: i32, n: i32, x: usize, y: usize, dy: usize, dx: usize, alpha: f32): void {
  switch (act) {
    case ACT_RELU: act_backward_loop(n, x, y, dy, dx, ACT_RELU, alpha); break;
    case ACT_SIGMOID: act_backward_loop(n, x, y, dy, dx, ACT_SIGMOID, alpha); break;
    case ACT_TANH: act_backward_loop(n, x, y, dy, dx, ACT_TANH, alpha); break;
    case ACT_LEAKY_RELU: act_backward_loop(n, x, y, dy, dx, ACT_LEAKY_RELU, alpha); break;
    case ACT_ELU: act_backward_loop(n, x, y, dy, dx, ACT_ELU, alpha); break;
    case ACT_GELU: act_backward_loop(n, x, y, dy, dx, ACT_GELU, alpha); break;
    case ACT_STEP: act_backward_loop(n, x, y, dy, dx, ACT_STEP, alpha); break;
    case ACT_SIGN: act_backward_loop(n, x, y, dy, dx, ACT_SIGN, alpha); break;
    case ACT_HARD_SIGMOID: act_backward_loop(n, x, y, dy, dx, ACT_HARD_SIGMOID, alpha); break;
    case ACT_SOFTPLUS: act_backward_loop(n, x, y, dy, dx, ACT_SOFTPLUS, alpha); break;
    case ACT_SOFTSIGN: act_backward_loop(n, x, y, dy, dx, ACT_SOFTSIGN, alpha); break;
    case ACT_SELU: act_backward_loop(n, x, y, dy, dx, ACT_SELU, alpha); break;
    case ACT_SWISH: act_backward_loop(n, x, y, dy, dx, ACT_SWISH, alpha); break;
    case ACT_MISH: act_backward_loop(n, x, y, dy, dx, ACT_MISH, alpha); break;
    default: if (dx != dy) memory.copy(dx, dy, <usize>n << 2);
  }
}

/**
 * Row-wise numerically stable softmax of an m x n matrix (row stride n):
 * y = exp(x - max) / sum(exp(x - max)). y may alias x.
 */
export function f32_softmax(m: i32, n: i32, x: usize, y: usize): void {
  for (let r = 0; r < m; r++) {
    const xr = x + ((<usize>r * <usize>n) << 2);
    const yr = y + ((<usize>r * <usize>n) << 2);
    let mx: f32 = -Infinity;
    for (let j = 0; j < n; j++) mx = max<f32>(mx, load<f32>(xr + (<usize>j << 2)));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vmx = f32x4.splat(mx);
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, exp_v128(f32x4.sub(v128.load(xr + o), vmx)));
      }
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, exp_f32(load<f32>(xr + o) - mx));
    }
    // The sum runs in a fixed sequential order in every build.
    let s: f32 = 0;
    for (j = 0; j < n; j++) s += load<f32>(yr + (<usize>j << 2));
    const inv: f32 = <f32>1.0 / s;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const vinv = f32x4.splat(inv);
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, f32x4.mul(v128.load(yr + o), vinv));
      }
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, load<f32>(yr + o) * inv);
    }
  }
}

/**
 * Softmax backward, row-wise: dx = y * (dy - sum_j(dy_j * y_j)).
 * dx may alias dy.
 */
export function f32_softmax_backward(m: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  for (let r = 0; r < m; r++) {
    const off = (<usize>r * <usize>n) << 2;
    let dot: f32 = 0;
    for (let j = 0; j < n; j++) {
      const o = off + (<usize>j << 2);
      dot += load<f32>(dy + o) * load<f32>(y + o);
    }
    for (let j = 0; j < n; j++) {
      const o = off + (<usize>j << 2);
      store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - dot));
    }
  }
}

/** y[i] = exp(x[i]), computed in wasm for cross-engine reproducibility. */
export function f32_exp(n: i32, x: usize, y: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, exp_v128(v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, exp_f32(load<f32>(x + o)));
  }
}
