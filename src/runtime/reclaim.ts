// The safety net for objects that own wasm memory (models, energy-based nets)
// and were dropped without dispose(): when the object is collected, a release
// function that holds the object's buffers but not the object itself frees
// them. dispose() cancels the registration, so nothing is freed twice.
import type { Backend } from './backend.js';

/** What a collected owner leaves to free: regions of a backend, and objects with their own dispose(). */
export interface Holdings {
  backend: Backend;
  /** Regions to free; entries may be replaced while the owner lives (0 is skipped). */
  ptrs: number[];
  /** Parts with their own dispose(), run after the regions are freed. */
  parts: { dispose(): void }[];
}

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Holdings>((held) => {
        try {
          release(held);
        } catch {
          // A finalizer has nobody to report to; the backend may be gone.
        }
      })
    : null;

/** Frees what `held` lists (regions still live, then parts). */
export function release(held: Holdings): void {
  const be = held.backend;
  if (be.isDisposed) return;
  for (const p of held.ptrs) if (p && be.isLive(p)) be.free(p);
  for (const part of held.parts) part.dispose();
}

/** Frees `held` once `owner` is garbage collected, unless forget(owner) ran first. */
export function reclaimOnCollect(owner: object, held: Holdings): Holdings {
  registry?.register(owner, held, owner);
  return held;
}

/** Cancels reclaimOnCollect for `owner` (its dispose() is freeing the memory instead). */
export function forget(owner: object): void {
  registry?.unregister(owner);
}

const callbacks =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<() => void>((run) => {
        try {
          run();
        } catch {
          // As above: nobody to report to.
        }
      })
    : null;

/** Runs `run` (which must not reference `owner`) once `owner` is garbage collected, unless forgetCallback(owner) ran first. */
export function onCollect(owner: object, run: () => void): void {
  callbacks?.register(owner, run, owner);
}

/** Cancels onCollect for `owner`. */
export function forgetCallback(owner: object): void {
  callbacks?.unregister(owner);
}
