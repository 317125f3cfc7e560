import { ACT } from '../runtime/abi.js';
import { SCRATCH, type Backend } from '../runtime/backend.js';
import type { ConvWindow } from './geometry.js';
import { scratchLayout } from './scratch.js';
import { blockCuts, eachBlock, gemm, threadWorks } from './gemm.js';

// The convolution kernels read their input in place: a window that reaches
// past the image reads a zero-bordered copy instead. Each call's temporaries
// (the kernel workspace, a zero-bordered input or dy, the flipped kernel, the
// column gradient) live in the scratch region the caller passes (`scratch`,
// of the size the matching *ScratchBytes function gives: what a model's
// executor owns), or without one in the backend's shared slots (tensor ops):
// the workspace in the gemm slot, a bordered input or the flipped kernel in
// col, a bordered dy or the column gradient in dcol.

/** Options of conv2dIgemm() and conv2dIgemmMaxPool2(): y = act(conv(x, kernel) + bias) over NHWC images. */
export interface Conv2dIgemmOptions {
  /** Images in x. */
  batch: number;
  /** Input and output sizes, padding and the window (kernel, strides, dilation). */
  geometry: ConvWindow;
  /** Input, batch x h x w x c. */
  x: number;
  /** Kernel [kh, kw, c, filters] (Keras layout). */
  kernel: number;
  /** Output channels. */
  filters: number;
  /** Output, batch x oh x ow x filters (pooled: batch x (oh >> 1) x (ow >> 1) x filters). */
  y: number;
  /** A length-filters vector, or 0 (the default). */
  bias?: number;
  /** Activation id (ACT); default linear. conv2dIgemmMaxPool2 takes linear or relu. */
  act?: number;
  /** Slope of leakyRelu, scale of elu. Default 0. */
  actAlpha?: number;
  /** conv2dIgemmScratchBytes() bytes for this call's temporaries; default the backend's shared slots. */
  scratch?: number;
}

/** Options of conv2dFilterGrad(): dW += colsᵀ · dy. */
export interface Conv2dFilterGradOptions {
  /** Images in x. */
  batch: number;
  /** The forward pass's geometry. */
  geometry: ConvWindow;
  /** The forward pass's input, batch x h x w x c. */
  x: number;
  /** Gradient of the output, batch x oh x ow x filters. */
  dy: number;
  /** Output channels. */
  filters: number;
  /** Kernel gradient [kh, kw, c, filters], accumulated into. */
  dW: number;
  /** conv2dFilterGradScratchBytes() bytes; default the backend's shared slots. */
  scratch?: number;
}

/** Options of conv2dInputGradFlipped() and conv2dInputGradCol2im(): dx = the input gradient. */
export interface Conv2dInputGradOptions {
  /** Images. */
  batch: number;
  /** The forward pass's geometry. */
  geometry: ConvWindow;
  /** Gradient of the output, batch x oh x ow x filters. */
  dy: number;
  /** Kernel [kh, kw, c, filters]. */
  kernel: number;
  /** Output channels. */
  filters: number;
  /** Input gradient, batch x h x w x c (overwritten). */
  dx: number;
  /** conv2dInputGradScratchBytes() bytes; default the backend's shared slots. */
  scratch?: number;
}

/** The input extent the windows reach, [rows, cols] (an even 'same' window pads only after the image, and a stride may leave the last rows or columns unread). */
function reach(g: ConvWindow): [number, number] {
  return [
    (g.oh - 1) * g.strides[0] + (g.kernel[0] - 1) * g.dilation[0] + 1,
    (g.ow - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilation[1] + 1,
  ];
}

/** True when some window reaches past the image, so the in-place kernels read a zero-bordered copy. */
function padded(g: ConvWindow): boolean {
  const [hp, wp] = reach(g);
  return g.ph > 0 || g.pw > 0 || hp > g.h || wp > g.w;
}

/** Bytes of the zero-bordered copy of `batch` images the in-place kernels read (0 when unpadded). */
function paddedBytes(batch: number, g: ConvWindow): number {
  if (!padded(g)) return 0;
  const [hp, wp] = reach(g);
  return batch * hp * wp * g.c * 4;
}

/** A temporary at `offset` in the caller's scratch, or else the backend's shared slot grown to `bytes`. */
function part(be: Backend, scratch: number | undefined, offset: number, bytes: number, slot: number): number {
  return scratch === undefined ? be.scratch(bytes, slot) : scratch + offset;
}

/** The input the in-place kernels read, with its height and width: x itself, or its zero-bordered copy written at `col`. */
function inPlaceSource(be: Backend, n: number, g: ConvWindow, x: number, col: () => number): [number, number, number] {
  if (!padded(g)) return [x, g.h, g.w];
  const [hp, wp] = reach(g);
  const src = col();
  be.abi.f32_pad_nhwc(n, g.h, g.w, g.c, g.ph, g.pw, hp, wp, x, src);
  return [src, hp, wp];
}

function igemmLayout(be: Backend, batch: number, g: ConvWindow, filters: number) {
  return scratchLayout({ work: be.abi.f32_conv2d_igemm_workspace(g.kernel[0] * g.kernel[1] * g.c, filters), col: paddedBytes(batch, g) });
}

/** Scratch bytes conv2dIgemm() and conv2dIgemmMaxPool2() take on `batch` images: the kernel workspace and a zero-bordered copy. */
export function conv2dIgemmScratchBytes(be: Backend, batch: number, g: ConvWindow, filters: number): number {
  return igemmLayout(be, batch, g, filters).total;
}

/** The implicit-GEMM convolution, plain or fused with a 2x2 max pooling. */
function igemm(be: Backend, o: Conv2dIgemmOptions, maxPool2: boolean): void {
  const g = o.geometry;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilation;
  const at = igemmLayout(be, o.batch, g, o.filters);
  const [src, hp, wp] = inPlaceSource(be, o.batch, g, o.x, () => part(be, o.scratch, at.col, paddedBytes(o.batch, g), SCRATCH.col));
  const work = part(be, o.scratch, at.work, be.abi.f32_conv2d_igemm_workspace(kh * kw * g.c, o.filters), SCRATCH.gemm);
  const act = o.act ?? ACT.linear;
  const outPixels = maxPool2 ? (g.oh >> 1) * (g.ow >> 1) : g.oh * g.ow;
  const macs = o.batch * g.oh * g.ow * o.filters * kh * kw * g.c;
  const cuts = blockCuts(o.batch, 1, be.threads?.size ?? 1, macs);
  const block = (lo: number, n: number) => {
    const x = src + 4 * lo * hp * wp * g.c;
    const y = o.y + 4 * lo * outPixels * o.filters;
    return maxPool2
      ? [act, n, hp, wp, g.c, kh, kw, sh, sw, dh, dw, g.oh, g.ow, o.filters, x, o.kernel, o.bias ?? 0, y, work]
      : [act, n, hp, wp, g.c, kh, kw, sh, sw, dh, dw, g.oh, g.ow, o.filters, x, o.kernel, o.bias ?? 0, y, o.actAlpha ?? 0, work];
  };
  const kernel = maxPool2 ? 'f32_conv2d_igemm_maxpool2_nhwc' : 'f32_conv2d_igemm_nhwc';
  const whole = () => {
    const call = block(0, o.batch);
    if (maxPool2) be.abi.f32_conv2d_igemm_maxpool2_nhwc(...(call as Parameters<Backend['abi']['f32_conv2d_igemm_maxpool2_nhwc']>));
    else be.abi.f32_conv2d_igemm_nhwc(...(call as Parameters<Backend['abi']['f32_conv2d_igemm_nhwc']>));
  };
  if (!cuts) {
    whole();
    return;
  }
  // Images are independent: every output is the same bits whichever thread computes it.
  be.threads!.run({
    kernel, macs, workArg: maxPool2 ? 18 : 19,
    alone: whole,
    blocks: () => eachBlock(cuts, block),
    works: () => threadWorks(be, work, be.abi.f32_conv2d_igemm_workspace(kh * kw * g.c, o.filters)),
  });
}

/** act(conv(x, kernel) + bias) by the implicit-GEMM kernel (no column matrix), through a zero-bordered copy when padded. */
export function conv2dIgemm(be: Backend, o: Conv2dIgemmOptions): void {
  igemm(be, o, false);
}

/** conv2dIgemm() fused with a 2x2, stride-2, 'valid' max pooling (act linear or relu): the same bits as the two apart. */
export function conv2dIgemmMaxPool2(be: Backend, o: Conv2dIgemmOptions): void {
  igemm(be, o, true);
}

function filterGradLayout(be: Backend, batch: number, g: ConvWindow, filters: number) {
  return scratchLayout({ work: be.abi.f32_conv2d_filter_grad_workspace(filters), col: paddedBytes(batch, g) });
}

/** Scratch bytes conv2dFilterGrad() takes on `batch` images. */
export function conv2dFilterGradScratchBytes(be: Backend, batch: number, g: ConvWindow, filters: number): number {
  return filterGradLayout(be, batch, g, filters).total;
}

/** dW += colsᵀ · dy with the input read in place (through a zero-bordered copy when padded): the kernel gradient without im2col. */
export function conv2dFilterGrad(be: Backend, o: Conv2dFilterGradOptions): void {
  const g = o.geometry;
  const [kh, kw] = g.kernel;
  const at = filterGradLayout(be, o.batch, g, o.filters);
  const [src, hp, wp] = inPlaceSource(be, o.batch, g, o.x, () => part(be, o.scratch, at.col, paddedBytes(o.batch, g), SCRATCH.col));
  const work = part(be, o.scratch, at.work, be.abi.f32_conv2d_filter_grad_workspace(o.filters), SCRATCH.gemm);
  const size = kh * kw * g.c * o.filters;
  const block = (lo: number, n: number, dW: number) => [
    n, hp, wp, g.c, kh, kw, g.strides[0], g.strides[1], g.dilation[0], g.dilation[1], g.oh, g.ow, o.filters,
    src + 4 * lo * hp * wp * g.c, o.dy + 4 * lo * g.oh * g.ow * o.filters, dW, work,
  ];
  const macs = o.batch * g.oh * g.ow * size;
  const cuts = blockCuts(o.batch, 1, be.threads?.size ?? 1, macs);
  if (!cuts) {
    be.abi.f32_conv2d_filter_grad_nhwc(...(block(0, o.batch, o.dW) as Parameters<Backend['abi']['f32_conv2d_filter_grad_nhwc']>));
    return;
  }
  // Block 0 adds into dW; every other block sums its images into a zeroed
  // partial of its own, added to dW afterwards in block order. The cuts
  // depend on the batch and the thread count only, so the result is the same
  // bits run to run whichever thread runs which block, alone or shared (but
  // not the same bits as one thread, which adds every image into dW in turn).
  const partials = be.scratch((cuts.length - 2) * size * 4, SCRATCH.partials);
  be.threads!.run({
    kernel: 'f32_conv2d_filter_grad_nhwc', macs, workArg: 16,
    blocks: () => {
      be.f32().fill(0, partials >>> 2, (partials >>> 2) + (cuts.length - 2) * size);
      return eachBlock(cuts, (lo, n, i) => block(lo, n, i === 0 ? o.dW : partials + 4 * (i - 1) * size));
    },
    works: () => threadWorks(be, work, be.abi.f32_conv2d_filter_grad_workspace(o.filters)),
  });
  for (let i = 1; i + 1 < cuts.length; i++) be.abi.f32_axpy(size, partials + 4 * (i - 1) * size, o.dW, 1);
}

/** The extent of dy zero-bordered by the window's reach, [rows, cols], for a stride-1 input gradient. */
function flippedReach(g: ConvWindow): [number, number] {
  return [g.h + (g.kernel[0] - 1) * g.dilation[0], g.w + (g.kernel[1] - 1) * g.dilation[1]];
}

/**
 * dx as a convolution of dy, zero-bordered by the window's reach, with the
 * kernel rotated by 180 degrees and its channels swapped. For stride-1 layers
 * whose output is as large as the input ('same').
 */
export function conv2dInputGradFlipped(be: Backend, o: Conv2dInputGradOptions): void {
  const g = o.geometry;
  const F = o.filters;
  const { h, w, c, ph, pw, oh, ow } = g;
  const [kh, kw] = g.kernel;
  const [dh, dw] = g.dilation;
  const [hq, wq] = flippedReach(g);
  const at = flippedLayout(be, o.batch, g, F);
  const dyPad = part(be, o.scratch, at.dyPad, o.batch * hq * wq * F * 4, SCRATCH.dcol);
  be.abi.f32_pad_nhwc(o.batch, oh, ow, F, (kh - 1) * dh - ph, (kw - 1) * dw - pw, hq, wq, o.dy, dyPad);
  const flipped = part(be, o.scratch, at.flipped, kh * kw * c * F * 4, SCRATCH.col);
  be.abi.f32_conv2d_kernel_flip(kh, kw, c, F, o.kernel, flipped);
  const work = part(be, o.scratch, at.work, be.abi.f32_conv2d_igemm_workspace(kh * kw * F, c), SCRATCH.gemm);
  be.abi.f32_conv2d_igemm_nhwc(ACT.linear, o.batch, hq, wq, F, kh, kw, 1, 1, dh, dw, h, w, c, dyPad, flipped, 0, o.dx, 0, work);
}

function flippedLayout(be: Backend, batch: number, g: ConvWindow, filters: number) {
  const [kh, kw] = g.kernel;
  const [hq, wq] = flippedReach(g);
  return scratchLayout({
    work: be.abi.f32_conv2d_igemm_workspace(kh * kw * filters, g.c),
    flipped: kh * kw * g.c * filters * 4,
    dyPad: batch * hq * wq * filters * 4,
  });
}

function col2imLayout(be: Backend, batch: number, g: ConvWindow, filters: number) {
  const rows = batch * g.oh * g.ow;
  const K = g.kernel[0] * g.kernel[1] * g.c;
  return scratchLayout({ work: be.abi.f32_gemm_workspace(rows, K, filters), dcol: rows * K * 4 });
}

/** Scratch bytes the input gradient takes on `batch` images: conv2dInputGradFlipped() with `flipped`, else conv2dInputGradCol2im(). */
export function conv2dInputGradScratchBytes(be: Backend, batch: number, g: ConvWindow, filters: number, flipped: boolean): number {
  return (flipped ? flippedLayout(be, batch, g, filters) : col2imLayout(be, batch, g, filters)).total;
}

/** dx = col2im(dy · kernelᵀ): the column gradient in scratch, then added back to the pixels it was read from. */
export function conv2dInputGradCol2im(be: Backend, o: Conv2dInputGradOptions): void {
  const g = o.geometry;
  const F = o.filters;
  const rows = o.batch * g.oh * g.ow;
  const K = g.kernel[0] * g.kernel[1] * g.c;
  const at = col2imLayout(be, o.batch, g, F);
  const work = part(be, o.scratch, at.work, be.abi.f32_gemm_workspace(rows, K, F), SCRATCH.gemm);
  const dcol = part(be, o.scratch, at.dcol, rows * K * 4, SCRATCH.dcol);
  gemm(be, { m: rows, n: K, k: F, a: o.dy, b: o.kernel, transB: true, c: dcol, work });
  const block = (lo: number, n: number) => [
    n, g.h, g.w, g.c, g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.ph, g.pw, g.dilation[0], g.dilation[1], g.oh, g.ow,
    dcol + 4 * lo * g.oh * g.ow * K, o.dx + 4 * lo * g.h * g.w * g.c,
  ] as Parameters<Backend['abi']['f32_col2im_nhwc']>;
  const whole = () => be.abi.f32_col2im_nhwc(...block(0, o.batch));
  // Each image's pixels gather from its own columns only: the same bits split over the batch.
  const cuts = blockCuts(o.batch, 1, be.threads?.size ?? 1, rows * K);
  if (!cuts) whole();
  else be.threads!.run({ kernel: 'f32_col2im_nhwc', macs: rows * K, workArg: -1, alone: whole, blocks: () => eachBlock(cuts, block), works: () => [0] });
}
