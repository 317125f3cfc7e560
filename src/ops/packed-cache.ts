// Packed right-hand operands of matmul, kept with the tensor they come from.
// A GEMM copies op(B) into panels laid out for its micro-kernel before the
// multiply (Goto and van de Geijn, "Anatomy of high-performance matrix
// multiplication", ACM TOMS 34(3), 2008); a B multiplied again and again (a
// weight matrix) need only be packed once.
import { OutOfMemoryError } from '../errors.js';
import type { Backend } from '../runtime/backend.js';
import { derivedOf, setDerived, type Derived, type Tensor } from '../tensor.js';
import { gemmPackB, gemmPackedBBytes } from '../kernels/gemm.js';

/** Most bytes of packed operands one backend keeps; the least recently used go first. */
export const PACKED_CACHE_BYTES = 64 * 1024 * 1024;

interface CacheState {
  bytes: number;
  /** Entries holding memory. */
  live: Set<Entry>;
  /** Counts uses: an entry's stamp is the count at its last use. */
  clock: number;
}

const states = new WeakMap<Backend, CacheState>();

function stateOf(be: Backend): CacheState {
  let st = states.get(be);
  if (!st) {
    st = { bytes: 0, live: new Set(), clock: 0 };
    states.set(be, st);
  }
  return st;
}

/** A tensor's packing record: which op(B) it was used as, and its packed panels once it was used twice. */
class Entry implements Derived {
  ptr = 0;
  bytes = 0;
  stamp = 0;
  constructor(readonly be: Backend, readonly transB: boolean) {}

  /** Frees the panels (the record stays: the next call packs again). */
  evict(st: CacheState): void {
    if (this.ptr === 0) return;
    st.live.delete(this);
    st.bytes -= this.bytes;
    if (this.be.isLive(this.ptr)) this.be.free(this.ptr);
    this.ptr = 0;
    this.bytes = 0;
  }

  release(): void {
    const st = states.get(this.be);
    if (st) this.evict(st);
  }
}

/**
 * The packed panels of op(b) (k x n), or 0 when the caller should run the
 * plain GEMM: the first time b is the right operand (a tensor used once is
 * never copied), when b's values may change outside simdnn's ops (view()
 * was called, or b wraps a region its creator still knows), when the panels
 * would not fit the cache, or when memory cannot grow for them.
 */
export function packedRight(be: Backend, b: Tensor, transB: boolean, n: number, k: number): number {
  const seen = derivedOf(b);
  if (seen instanceof Entry && seen.transB === transB) {
    const st = stateOf(be);
    seen.stamp = ++st.clock;
    if (seen.ptr !== 0) return seen.ptr;
    const bytes = gemmPackedBBytes(be, n, k);
    if (bytes > PACKED_CACHE_BYTES) return 0;
    while (st.bytes + bytes > PACKED_CACHE_BYTES) leastRecent(st).evict(st);
    let ptr: number;
    try {
      ptr = be.alloc(bytes);
    } catch (err) {
      if (err instanceof OutOfMemoryError) return 0;
      throw err;
    }
    gemmPackB(be, { n, k, b: b.ptr, transB, packed: ptr });
    seen.ptr = ptr;
    seen.bytes = bytes;
    st.bytes += bytes;
    st.live.add(seen);
    return ptr;
  }
  setDerived(b, new Entry(be, transB));
  return 0;
}

function leastRecent(st: CacheState): Entry {
  let best: Entry | null = null;
  for (const e of st.live) if (best === null || e.stamp < best.stamp) best = e;
  return best as Entry;
}

/** Bytes of packed operands `be` holds now. */
export function packedCacheBytes(be: Backend): number {
  return states.get(be)?.bytes ?? 0;
}
