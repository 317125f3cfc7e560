// Transcendental functions computed in wasm so that results are bit-identical
// across JavaScript engines. Each function has a scalar form and a v128 form
// that perform the same sequence of IEEE operations lane by lane, so the
// scalar and SIMD builds agree exactly as well.
//
// exp: Cephes expf (range reduction by ln2 split in two constants, degree-5
// minimax polynomial, scaling by 2^n through the exponent bits).
// tanh: the rational 13/6 approximation used by Eigen (x * P(x^2) / Q(x^2)).
// log: Cephes logf (frexp, sqrt(1/2) split, degree-8 polynomial).

// @ts-ignore: decorator
@inline export const EXP_HI: f32 = 88.3762626647949;
// @ts-ignore: decorator
@inline export const EXP_LO: f32 = -87.3365447504;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const EP0: f32 = 1.9875691500e-4;
// @ts-ignore: decorator
@inline const EP1: f32 = 1.3981999507e-3;
// @ts-ignore: decorator
@inline const EP2: f32 = 8.3334519073e-3;
// @ts-ignore: decorator
@inline const EP3: f32 = 4.1665795894e-2;
// @ts-ignore: decorator
@inline const EP4: f32 = 1.6666665459e-1;
// @ts-ignore: decorator
@inline const EP5: f32 = 5.0000001201e-1;

/** exp(x) for one f32: +inf above the f32 range, 0 below the normal range. */
// @ts-ignore: decorator
@inline export function exp_f32(x: f32): f32 {
  if (x != x) return x;
  if (x > EXP_HI) return Infinity;
  if (x < EXP_LO) return 0;
  const fx = floor<f32>(x * LOG2E + 0.5);
  let r = x - fx * LN2_HI;
  r = r - fx * LN2_LO;
  const z = r * r;
  let y = EP0 * r + EP1;
  y = y * r + EP2;
  y = y * r + EP3;
  y = y * r + EP4;
  y = y * r + EP5;
  y = y * z + r;
  y = y + 1.0;
  const pow2n = reinterpret<f32>((<i32>fx + 127) << 23);
  return y * pow2n;
}

/** exp(x) on four lanes, the same operations as exp_f32. */
// @ts-ignore: decorator
@inline export function exp_v128(x: v128): v128 {
  const nan = f32x4.ne(x, x);
  const over = f32x4.gt(x, f32x4.splat(EXP_HI));
  const under = f32x4.lt(x, f32x4.splat(EXP_LO));
  const c = f32x4.min(f32x4.max(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const fx = f32x4.floor(f32x4.add(f32x4.mul(c, f32x4.splat(LOG2E)), f32x4.splat(0.5)));
  let r = f32x4.sub(c, f32x4.mul(fx, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let y = f32x4.add(f32x4.mul(f32x4.splat(EP0), r), f32x4.splat(EP1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(EP2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(EP3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(EP4));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(EP5));
  y = f32x4.add(f32x4.mul(y, z), r);
  y = f32x4.add(y, f32x4.splat(1.0));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const pow2n = i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
  let e = v128.andnot(f32x4.mul(y, pow2n), under);
  e = v128.bitselect(f32x4.splat(Infinity), e, over);
  return v128.bitselect(x, e, nan);
}

// @ts-ignore: decorator
@inline const TANH_CLAMP: f32 = 7.90531110763549805;
// @ts-ignore: decorator
@inline const TANH_TINY: f32 = 0.0004;
// @ts-ignore: decorator
@inline const TA1: f32 = 4.89352455891786e-03;
// @ts-ignore: decorator
@inline const TA3: f32 = 6.37261928875436e-04;
// @ts-ignore: decorator
@inline const TA5: f32 = 1.48572235717979e-05;
// @ts-ignore: decorator
@inline const TA7: f32 = 5.12229709037114e-08;
// @ts-ignore: decorator
@inline const TA9: f32 = -8.60467152213735e-11;
// @ts-ignore: decorator
@inline const TA11: f32 = 2.00018790482477e-13;
// @ts-ignore: decorator
@inline const TA13: f32 = -2.76076847742355e-16;
// @ts-ignore: decorator
@inline const TB0: f32 = 4.89352518554385e-03;
// @ts-ignore: decorator
@inline const TB2: f32 = 2.26843463243900e-03;
// @ts-ignore: decorator
@inline const TB4: f32 = 1.18534705686654e-04;
// @ts-ignore: decorator
@inline const TB6: f32 = 1.19825839466702e-06;

/** tanh(x) for one f32. */
// @ts-ignore: decorator
@inline export function tanh_f32(x: f32): f32 {
  const tiny = abs<f32>(x) < TANH_TINY;
  const c = min<f32>(max<f32>(x, -TANH_CLAMP), TANH_CLAMP);
  const x2 = c * c;
  let p = x2 * TA13 + TA11;
  p = p * x2 + TA9;
  p = p * x2 + TA7;
  p = p * x2 + TA5;
  p = p * x2 + TA3;
  p = p * x2 + TA1;
  p = p * c;
  let q = x2 * TB6 + TB4;
  q = q * x2 + TB2;
  q = q * x2 + TB0;
  return tiny ? x : p / q;
}

/** tanh(x) on four lanes, the same operations as tanh_f32. */
// @ts-ignore: decorator
@inline export function tanh_v128(x: v128): v128 {
  const tiny = f32x4.lt(f32x4.abs(x), f32x4.splat(TANH_TINY));
  const c = f32x4.min(f32x4.max(x, f32x4.splat(-TANH_CLAMP)), f32x4.splat(TANH_CLAMP));
  const x2 = f32x4.mul(c, c);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(TA13)), f32x4.splat(TA11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(TA9));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(TA7));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(TA5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(TA3));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(TA1));
  p = f32x4.mul(p, c);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(TB6)), f32x4.splat(TB4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(TB2));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(TB0));
  return v128.bitselect(x, f32x4.div(p, q), tiny);
}

/** Logistic sigmoid 1 / (1 + exp(-x)) for one f32. */
// @ts-ignore: decorator
@inline export function sigmoid_f32(x: f32): f32 {
  return <f32>1.0 / (<f32>1.0 + exp_f32(-x));
}

/** Logistic sigmoid on four lanes. */
// @ts-ignore: decorator
@inline export function sigmoid_v128(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, exp_v128(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline const SQRTHF: f32 = 0.707106781186547524;

/** Natural logarithm for one f32 (Cephes logf); log(0) = -inf, log(x<0) = NaN. */
export function log_f32(x: f32): f32 {
  if (x != x || x == Infinity) return x;
  if (x <= 0) return x == 0 ? -Infinity : NaN;
  let bits = reinterpret<i32>(x);
  let e: i32;
  if (bits < 0x00800000) {
    // subnormal: scale into the normal range first
    x *= 16777216.0;
    bits = reinterpret<i32>(x);
    e = ((bits >>> 23) & 0xff) - 126 - 24;
  } else {
    e = ((bits >>> 23) & 0xff) - 126;
  }
  let m = reinterpret<f32>((bits & 0x007fffff) | 0x3f000000);
  let fe = <f32>e;
  if (m < SQRTHF) {
    fe -= 1.0;
    m = m + m - 1.0;
  } else {
    m = m - 1.0;
  }
  const z = m * m;
  let y: f32 = 7.0376836292e-2;
  y = y * m - 1.1514610310e-1;
  y = y * m + 1.1676998740e-1;
  y = y * m - 1.2420140846e-1;
  y = y * m + 1.4249322787e-1;
  y = y * m - 1.6668057665e-1;
  y = y * m + 2.0000714765e-1;
  y = y * m - 2.4999993993e-1;
  y = y * m + 3.3333331174e-1;
  y = y * m * z;
  y += fe * LN2_LO;
  y += -0.5 * z;
  let r = m + y;
  r += fe * LN2_HI;
  return r;
}
