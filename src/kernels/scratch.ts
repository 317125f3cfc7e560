/**
 * Offsets of named parts inside one scratch region, each on a 16-byte
 * boundary (v128 loads), and the region's total size: how a kernel call that
 * needs several temporaries lays them out in the scratch it is given.
 */
export function scratchLayout<K extends string>(parts: Record<K, number>): Record<K, number> & { total: number } {
  const out = {} as Record<K, number> & { total: number };
  let at = 0;
  for (const k of Object.keys(parts) as K[]) {
    (out as Record<string, number>)[k] = at;
    at += Math.ceil(parts[k] / 16) * 16;
  }
  out.total = at;
  return out;
}
