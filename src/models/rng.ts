import type { Backend } from '../runtime/backend.js';
import { seedState } from '../runtime/backend.js';
import { nextU32 } from '../kernels/random.js';

/** The one randomSeed (src/util/seed.ts), where the model code has always imported it from. */
export { randomSeed } from '../util/seed.js';

/**
 * A generator state owned by a model (initialisation, shuffling, dropout),
 * living in wasm memory so every draw comes from the same xoshiro128** stream
 * on every engine.
 */
export class ModelRng {
  readonly ptr: number;
  private readonly backend: Backend;

  constructor(backend: Backend, seed: number) {
    this.backend = backend;
    this.ptr = backend.alloc(16);
    seedState(backend, this.ptr, seed);
  }

  /** Restarts the stream from a seed. */
  reseed(seed: number): void {
    seedState(this.backend, this.ptr, seed);
  }

  /** A uniform integer in [0, n) (n <= 2^32), by rejection so there is no modulo bias. */
  int(n: number): number {
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const v = nextU32(this.backend, { state: this.ptr });
      if (v < limit) return v % n;
    }
  }

  /** Shuffles an index array in place (Fisher-Yates). */
  shuffle(a: Int32Array | Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Frees the state. */
  dispose(): void {
    if (this.backend.isLive(this.ptr)) this.backend.free(this.ptr);
  }
}
