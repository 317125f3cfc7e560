// Embedding lookups: rows of a table selected by integer ids stored as f32
// (the library's tensors are f32; an id is exact up to 2^24), and the
// gradient's scatter-add back into the table's rows.

// @ts-ignore: decorator
@inline function valid_id(x: f32, vocab: i32): bool {
  // NaN fails both comparisons; fractional ids fail the round trip.
  return x >= 0 && x < <f32>vocab && <f32>(<i32>x) == x;
}

/**
 * y[i, :] = table[ids[i], :] for n ids and rows of d floats. Returns the
 * position of the first id that is not an integer in [0, vocab) (its row of y
 * is zeroed), or -1 when every id is valid.
 */
export function f32_gather_rows(n: i32, d: i32, vocab: i32, ids: usize, table: usize, ldt: i32, y: usize, ldy: i32): i32 {
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const x = load<f32>(ids + (<usize>i << 2));
    const yr = y + ((<usize>i * <usize>ldy) << 2);
    if (!valid_id(x, vocab)) {
      if (bad < 0) bad = i;
      memory.fill(yr, 0, <usize>d << 2);
      continue;
    }
    memory.copy(yr, table + ((<usize><i32>x * <usize>ldt) << 2), <usize>d << 2);
  }
  return bad;
}

/**
 * dtable[ids[i], :] += dy[i, :] for n ids, in order i = 0, 1, ... (repeated
 * ids accumulate deterministically). Invalid ids are skipped; returns the
 * position of the first, or -1.
 */
export function f32_scatter_add_rows(n: i32, d: i32, vocab: i32, ids: usize, dy: usize, lddy: i32, dtable: usize, ldt: i32): i32 {
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const x = load<f32>(ids + (<usize>i << 2));
    if (!valid_id(x, vocab)) {
      if (bad < 0) bad = i;
      continue;
    }
    const src = dy + ((<usize>i * <usize>lddy) << 2);
    const dst = dtable + ((<usize><i32>x * <usize>ldt) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= d; j += 4) {
        const o = <usize>j << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
  return bad;
}
