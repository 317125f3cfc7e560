// Float64 references for convolution and pooling over NHWC arrays, written as
// the direct sums of their definitions.

export interface Geo {
  n: number; h: number; w: number; c: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; oh: number; ow: number;
}

/** Direct convolution: y[b,oy,ox,f] = sum_{ky,kx,ci} x[b, oy*sh-ph+ky*dh, ox*sw-pw+kx*dw, ci] k[ky,kx,ci,f]. */
export function conv2dRef(g: Geo, x: ArrayLike<number>, k: ArrayLike<number>, f: number): Float64Array {
  const y = new Float64Array(g.n * g.oh * g.ow * f);
  for (let b = 0; b < g.n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++)
        for (let fo = 0; fo < f; fo++) {
          let s = 0;
          for (let ky = 0; ky < g.kh; ky++)
            for (let kx = 0; kx < g.kw; kx++) {
              const iy = oy * g.sh - g.ph + ky * g.dh;
              const ix = ox * g.sw - g.pw + kx * g.dw;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              for (let ci = 0; ci < g.c; ci++) s += x[((b * g.h + iy) * g.w + ix) * g.c + ci] * k[((ky * g.kw + kx) * g.c + ci) * f + fo];
            }
          y[((b * g.oh + oy) * g.ow + ox) * f + fo] = s;
        }
  return y;
}

/** Window bounds of output (oy, ox), clipped to the image. */
function window(g: Geo, oy: number, ox: number) {
  return {
    y0: Math.max(oy * g.sh - g.ph, 0), y1: Math.min(oy * g.sh - g.ph + g.kh, g.h),
    x0: Math.max(ox * g.sw - g.pw, 0), x1: Math.min(ox * g.sw - g.pw + g.kw, g.w),
  };
}

/** Max / average / L2 pooling forward. */
export function poolRef(mode: 'max' | 'avg' | 'l2', g: Geo, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(g.n * g.oh * g.ow * g.c);
  for (let b = 0; b < g.n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++) {
        const { y0, y1, x0, x1 } = window(g, oy, ox);
        for (let ch = 0; ch < g.c; ch++) {
          let acc = mode === 'max' ? -Infinity : 0;
          for (let iy = y0; iy < y1; iy++)
            for (let ix = x0; ix < x1; ix++) {
              const v = x[((b * g.h + iy) * g.w + ix) * g.c + ch];
              acc = mode === 'max' ? Math.max(acc, v) : mode === 'avg' ? acc + v : acc + v * v;
            }
          const count = (y1 - y0) * (x1 - x0);
          y[((b * g.oh + oy) * g.ow + ox) * g.c + ch] = mode === 'max' ? acc : mode === 'avg' ? acc / count : Math.sqrt(acc);
        }
      }
  return y;
}

/** Pooling backward: gradient of sum(dy * pool(x)) with respect to x (max: to the first maximum). */
export function poolBackwardRef(mode: 'max' | 'avg' | 'l2', g: Geo, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  const y = poolRef(mode, g, x);
  for (let b = 0; b < g.n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++) {
        const { y0, y1, x0, x1 } = window(g, oy, ox);
        for (let ch = 0; ch < g.c; ch++) {
          const o = ((b * g.oh + oy) * g.ow + ox) * g.c + ch;
          let done = false;
          for (let iy = y0; iy < y1; iy++)
            for (let ix = x0; ix < x1; ix++) {
              const i = ((b * g.h + iy) * g.w + ix) * g.c + ch;
              if (mode === 'max') {
                if (!done && x[i] === y[o]) { dx[i] += dy[o]; done = true; }
              } else if (mode === 'avg') {
                dx[i] += dy[o] / ((y1 - y0) * (x1 - x0));
              } else if (y[o] > 0) {
                dx[i] += (dy[o] * x[i]) / y[o];
              }
            }
        }
      }
  return dx;
}
