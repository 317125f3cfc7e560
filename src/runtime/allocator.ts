import { OutOfMemoryError, ValueError, describe } from '../errors.js';

/** Allocation granule: every region starts and ends on a 16-byte boundary (v128 alignment). */
export const ALIGN = 16;
const PAGE = 65536;
// The live-region table is paged: one Uint32Array per 2^12 granules (64 KiB of
// heap), made when a region first starts in that range, holding each live region's size in
// granules at the granule where it starts (0: no region starts there). Lookups
// and updates cost the same however many regions are live, unlike a hash map
// keyed by offset, whose insert / delete cycles rehash in proportion to its size.
const GRANULE_SHIFT = 4;
const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;

/** Counters describing one allocator's use of linear memory. */
export interface MemoryStats {
  /** Bytes in live (allocated, not yet freed) regions. */
  liveBytes: number;
  /** Number of live regions. */
  liveAllocations: number;
  /** Size of the wasm linear memory in bytes (it never shrinks). */
  heapBytes: number;
  /** Bytes between the heap base and the highest byte ever handed out. */
  reservedBytes: number;
  /** Largest liveBytes seen. */
  peakBytes: number;
}

/**
 * A first-fit free-list allocator over a WebAssembly.Memory. Regions are
 * 16-byte aligned and sized in multiples of 16. Freed regions are coalesced
 * with their neighbours; a free region touching the top of the heap lowers the
 * top, so a sequence of allocations followed by their frees leaves the
 * allocator exactly as it was. When nothing fits, memory grows by whole pages;
 * if growth fails, OutOfMemoryError is thrown and no state changes.
 */
export class Allocator {
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  /** Free regions below top, sorted by offset, never adjacent to each other. */
  private readonly freeOffsets: number[] = [];
  private readonly freeSizes: number[] = [];
  /** At least the largest free region below top (exact after a scan that found nothing). */
  private freeBound = 0;
  private readonly pages: (Uint32Array | undefined)[] = [];
  private liveCount = 0;
  private liveBytes = 0;
  private peakBytes = 0;
  private maxTop: number;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.base = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.top = this.base;
    this.maxTop = this.base;
  }

  /** Allocates `bytes` (rounded up to 16) and returns the region's byte offset. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new ValueError(`alloc: bytes must be a non-negative integer, got ${describe(bytes)}`);
    }
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    // Holes known to be too small are not scanned again.
    for (let i = 0; size <= this.freeBound && i < this.freeOffsets.length; i++) {
      const fsize = this.freeSizes[i];
      if (fsize >= size) {
        const off = this.freeOffsets[i];
        if (fsize === size) {
          this.freeOffsets.splice(i, 1);
          this.freeSizes.splice(i, 1);
        } else {
          this.freeOffsets[i] = off + size;
          this.freeSizes[i] = fsize - size;
        }
        return this.track(off, size);
      }
      if (i === this.freeOffsets.length - 1) this.freeBound = maxOf(this.freeSizes);
    }
    const off = this.top;
    this.ensure(off + size, bytes);
    this.top = off + size;
    this.maxTop = Math.max(this.maxTop, this.top);
    return this.track(off, size);
  }

  /** Returns a region to the allocator. Freeing an unknown offset throws. */
  free(offset: number): void {
    const size = this.lookup(offset);
    if (size === 0) throw new ValueError(`free: no live allocation at offset ${describe(offset)}`);
    this.untrack(offset);
    this.liveBytes -= size;
    let start = offset;
    let end = offset + size;
    // Binary search for the first free region after this one.
    let lo = 0;
    let hi = this.freeOffsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeOffsets[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    let idx = lo;
    if (idx > 0 && this.freeOffsets[idx - 1] + this.freeSizes[idx - 1] === start) {
      idx--;
      start = this.freeOffsets[idx];
      this.freeOffsets.splice(idx, 1);
      this.freeSizes.splice(idx, 1);
    }
    if (idx < this.freeOffsets.length && this.freeOffsets[idx] === end) {
      end += this.freeSizes[idx];
      this.freeOffsets.splice(idx, 1);
      this.freeSizes.splice(idx, 1);
    }
    if (end === this.top) {
      this.top = start;
    } else {
      this.freeOffsets.splice(idx, 0, start);
      this.freeSizes.splice(idx, 0, end - start);
      if (end - start > this.freeBound) this.freeBound = end - start;
    }
  }

  /** Size in bytes of the live region at `offset` (as rounded at allocation). */
  sizeOf(offset: number): number {
    const size = this.lookup(offset);
    if (size === 0) throw new ValueError(`sizeOf: no live allocation at offset ${describe(offset)}`);
    return size;
  }

  /** True when `offset` is the start of a live region. */
  isLive(offset: number): boolean {
    return this.lookup(offset) !== 0;
  }

  /** Current counters. */
  stats(): MemoryStats {
    return {
      liveBytes: this.liveBytes,
      liveAllocations: this.liveCount,
      heapBytes: this.memory.buffer.byteLength,
      reservedBytes: this.maxTop - this.base,
      peakBytes: this.peakBytes,
    };
  }

  /** Size in bytes of the live region starting at `offset`, or 0. */
  private lookup(offset: number): number {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < this.base || (offset - this.base) % ALIGN !== 0) return 0;
    const g = (offset - this.base) >>> GRANULE_SHIFT;
    const page = this.pages[g >>> SLOT_BITS];
    return page === undefined ? 0 : page[g & (SLOTS - 1)] * ALIGN;
  }

  private untrack(offset: number): void {
    const g = (offset - this.base) >>> GRANULE_SHIFT;
    (this.pages[g >>> SLOT_BITS] as Uint32Array)[g & (SLOTS - 1)] = 0;
    this.liveCount--;
  }

  private track(off: number, size: number): number {
    const g = (off - this.base) >>> GRANULE_SHIFT;
    const p = g >>> SLOT_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      page = new Uint32Array(SLOTS);
      this.pages[p] = page;
    }
    page[g & (SLOTS - 1)] = size / ALIGN;
    this.liveCount++;
    this.liveBytes += size;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return off;
  }

  private ensure(end: number, requested: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      const err = new OutOfMemoryError(
        `out of wasm memory: cannot grow by ${pages} pages (${pages * PAGE} bytes) to allocate ${requested} bytes; ` +
          `heap is ${have} bytes with ${this.liveBytes} bytes live. Dispose tensors or models, or raise maxMemoryBytes`,
        requested,
      );
      (err as Error & { cause?: unknown }).cause = cause;
      throw err;
    }
  }
}

function maxOf(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}
