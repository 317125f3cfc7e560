// The indirection state shared by the implicit-GEMM convolutions (XNNPACK's
// IGEMM): the row addresses of the current micro-tile, a cursor that walks
// the output pixels and yields each one's window corner in the input, and the
// per-call tables (the kernel packed into NR-wide panels, the byte offset of
// every tap from a window's corner).
import { NR, round_up } from "../gemm/params";
import { f32_pack_b } from "../gemm/pack";

// Row addresses (u32) of the current micro-tile: output pixels' window corners
// (convolution) or taps' addresses (filter gradient).
export let ROWS: usize = memory.data(8 * 4, 16);

// A cursor over output pixels (b, oy, ox) in NHWC order, with the address of
// the pixel's window corner in the input: cursorRow + cursorOx * colStep.
export let cursorOx: i32 = 0;
let cursorOy: i32 = 0;
export let cursorRow: usize = 0;
let cursorImage: usize = 0;

// @ts-ignore: decorator
@inline export function cursor_start(x: usize): void {
  cursorOx = 0;
  cursorOy = 0;
  cursorRow = x;
  cursorImage = x;
}

/** The current pixel's window corner; then moves to the next pixel. */
// @ts-ignore: decorator
@inline export function cursor_next(oh: i32, ow: i32, colStep: usize, rowStep: usize, imageStep: usize): usize {
  const corner = cursorRow + <usize>cursorOx * colStep;
  if (++cursorOx == ow) {
    cursorOx = 0;
    if (++cursorOy == oh) {
      cursorOy = 0;
      cursorImage += imageStep;
      cursorRow = cursorImage;
    } else {
      cursorRow += rowStep;
    }
  }
  return corner;
}

/**
 * Packs the kernel [kh*kw*c, f] into NR-wide panels at work and writes the
 * tap-offset table after them (byte offset of tap (ky, kx, ci) from a
 * window's corner in an image w pixels wide); returns the table's address.
 */
export function conv_tables(w: i32, c: i32, kh: i32, kw: i32, dh: i32, dw: i32, kernel: usize, f: i32, work: usize): usize {
  const K = kh * kw * c;
  const offs = work + ((<usize>round_up(f, NR) * <usize>K) << 2);
  f32_pack_b(0, K, f, kernel, f, 0, 0, work);
  let p = 0;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ci = 0; ci < c; ci++) {
        store<u32>(offs + (<usize>p << 2), <u32>(((ky * dh * w + kx * dw) * c + ci) << 2));
        p++;
      }
    }
  }
  return offs;
}
