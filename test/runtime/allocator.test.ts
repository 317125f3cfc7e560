import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Allocator, ALIGN } from '../../src/runtime/allocator.js';
import { OutOfMemoryError, ValueError } from '../../src/index.js';

const PAGE = 65536;

describe('Allocator', () => {
  it('hands out 16-byte aligned, non-overlapping regions and reuses freed ones', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const a = new Allocator(mem, 1000);
    const p1 = a.alloc(1);
    const p2 = a.alloc(17);
    const p3 = a.alloc(64);
    for (const p of [p1, p2, p3]) expect(p % ALIGN).toBe(0);
    expect(p1).toBeGreaterThanOrEqual(1000);
    expect(p2).toBeGreaterThanOrEqual(p1 + 16);
    expect(p3).toBeGreaterThanOrEqual(p2 + 32);
    a.free(p2);
    expect(a.alloc(20)).toBe(p2); // first fit takes the hole
    expect(a.stats().liveAllocations).toBe(3);
  });

  it('coalesces neighbours and lowers the top, so stats return to zero', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const a = new Allocator(mem, 0);
    const ps = Array.from({ length: 10 }, (_, i) => a.alloc(16 * (i + 1)));
    for (const i of [1, 3, 2, 9, 0, 5, 4, 8, 6, 7]) a.free(ps[i]);
    expect(a.stats()).toMatchObject({ liveBytes: 0, liveAllocations: 0 });
    // Everything coalesced: one allocation of the whole former span fits at the base.
    expect(a.alloc(16 * 55)).toBe(0);
  });

  it('grows memory by pages; views taken before growth are detached, views re-derived after work', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const a = new Allocator(mem, 0);
    const before = new Float32Array(mem.buffer);
    const p = a.alloc(3 * PAGE);
    expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(p + 3 * PAGE);
    expect(before.length).toBe(0); // detached by memory.grow
    const after = new Float32Array(mem.buffer);
    after[(p >>> 2) + 3 * PAGE / 4 - 1] = 5;
    expect(after[(p >>> 2) + 3 * PAGE / 4 - 1]).toBe(5);
  });

  it('throws OutOfMemoryError past the maximum and stays usable', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const a = new Allocator(mem, 0);
    const p = a.alloc(PAGE);
    const stats = a.stats();
    expect(() => a.alloc(10 * PAGE)).toThrow(OutOfMemoryError);
    expect(() => a.alloc(10 * PAGE)).toThrow(/cannot grow by \d+ pages .* to allocate 655360 bytes/);
    expect(a.stats()).toEqual(stats);
    const q = a.alloc(PAGE);
    expect(q).toBe(p + PAGE);
    a.free(p);
    a.free(q);
    expect(a.stats().liveBytes).toBe(0);
  });

  it('rejects bad sizes and unknown frees with a ValueError naming the value', () => {
    const a = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
    expect(() => a.alloc(-1)).toThrow(ValueError);
    expect(() => a.alloc(1.5)).toThrow(/bytes must be a non-negative integer, got 1.5/);
    expect(() => a.free(12345)).toThrow(/no live allocation at offset 12345/);
    const p = a.alloc(16);
    a.free(p);
    expect(() => a.free(p)).toThrow(ValueError); // double free is caught
  });

  it('random alloc/free sequences keep regions disjoint and aligned, and end empty (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 }), fc.nat()), { minLength: 1, maxLength: 200 }),
        (ops) => {
          const mem = new WebAssembly.Memory({ initial: 1 });
          const a = new Allocator(mem, 48);
          const live: [number, number][] = [];
          for (const [isAlloc, size, pick] of ops) {
            if (isAlloc || live.length === 0) {
              const p = a.alloc(size);
              expect(p % ALIGN).toBe(0);
              expect(p).toBeGreaterThanOrEqual(48);
              for (const [q, s] of live) expect(p + Math.max(size, 1) <= q || q + s <= p).toBe(true);
              live.push([p, Math.max(size, 1)]);
            } else {
              const [p] = live.splice(pick % live.length, 1)[0];
              a.free(p);
            }
          }
          for (const [p] of live) a.free(p);
          expect(a.stats()).toMatchObject({ liveBytes: 0, liveAllocations: 0 });
          expect(a.alloc(16)).toBe(48);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('Allocator cost with many live regions', () => {
  // Median over rounds of alloc+free pairs, in microseconds.
  function pairCost(a: Allocator, bytes: number): number {
    const rounds: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 2000; i++) a.free(a.alloc(bytes));
      rounds.push(((performance.now() - t0) * 1000) / 2000);
    }
    return rounds.sort((x, y) => x - y)[3];
  }

  it('alloc+free costs about the same with 100,000 live regions as with none', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const a = new Allocator(mem, 1024);
    const empty = pairCost(a, 64);
    const held: number[] = [];
    for (let i = 0; i < 100_000; i++) held.push(a.alloc(16));
    const full = pairCost(a, 64);
    // A hash map keyed by offset made this 40-200x slower; the paged table keeps it flat.
    expect(full).toBeLessThan(Math.max(5 * empty, 2));
    // Half freed: 50,000 holes too small for the request are not rescanned on every call.
    for (let i = 0; i < held.length; i += 2) a.free(held[i]);
    expect(pairCost(a, 64)).toBeLessThan(Math.max(5 * empty, 2));
    for (let i = 1; i < held.length; i += 2) a.free(held[i]);
    expect(a.stats().liveAllocations).toBe(0);
    expect(a.stats().liveBytes).toBe(0);
  });
});
