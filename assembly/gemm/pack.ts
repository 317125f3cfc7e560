// Packing for the GEMM (BLIS / GotoBLAS): a block of op(A) into MR-tall
// panels, a block of op(B) into NR-wide panels, each zero-padded to a full
// tile so the micro-kernel's k loop has no tail.
//
// Packed A panel layout: for p in [0, kc): MR consecutive values A(i0 + r, p0 + p), r < MR
// Packed B panel layout: for p in [0, kc): NR consecutive values B(p0 + p, j0 + c), c < NR
import { MR, NR } from "./params";

/** Packs an mc x kc block of op(A) (strides rsA, ksA in bytes) into MR-tall panels: for each p, MR consecutive values. */
export function f32_pack_a(mc: i32, kc: i32, a: usize, rsA: usize, ksA: usize, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const panel = dst + ((<usize>ir * <usize>kc) << 2);
    const mr = min(MR, mc - ir);
    for (let r = 0; r < MR; r++) {
      const d = panel + (<usize>r << 2);
      if (r < mr) {
        let src = a + <usize>(ir + r) * rsA;
        for (let p = 0; p < kc; p++) {
          store<f32>(d + ((<usize>p * <usize>MR) << 2), load<f32>(src));
          src += ksA;
        }
      } else {
        for (let p = 0; p < kc; p++) store<f32>(d + ((<usize>p * <usize>MR) << 2), 0);
      }
    }
  }
}

/** Packs a kc x nc block of op(B), starting at (p0, j0), into NR-wide panels. */
export function f32_pack_b(trans: i32, kc: i32, nc: i32, b: usize, ldb: i32, p0: i32, j0: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const panel = dst + ((<usize>jr * <usize>kc) << 2);
    const nr = min(NR, nc - jr);
    if (trans) {
      // B is stored N x K: each output column is a contiguous run of B's row.
      for (let c = 0; c < NR; c++) {
        const d = panel + (<usize>c << 2);
        if (c < nr) {
          const src = b + ((<usize>(j0 + jr + c) * <usize>ldb + <usize>p0) << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(d + ((<usize>p * <usize>NR) << 2), load<f32>(src + (<usize>p << 2)));
          }
        } else {
          for (let p = 0; p < kc; p++) store<f32>(d + ((<usize>p * <usize>NR) << 2), 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = b + ((<usize>(p0 + p) * <usize>ldb + <usize>(j0 + jr)) << 2);
        const d = panel + ((<usize>p * <usize>NR) << 2);
        if (ASC_FEATURE_SIMD) {
          if (nr == NR) {
            v128.store(d, v128.load(src));
            v128.store(d, v128.load(src, 16), 16);
            continue;
          }
        }
        let c = 0;
        for (; c < nr; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
        for (; c < NR; c++) store<f32>(d + (<usize>c << 2), 0);
      }
    }
  }
}
