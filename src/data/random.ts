/**
 * A small seeded generator for the TypeScript side (dataset shuffles, splits,
 * perceptron initialisation). It is mulberry32: 32 bits of state, one
 * multiply-xorshift round per draw. It is not the models' xoshiro stream in
 * wasm memory on purpose: data preparation must work before `init()` and in
 * code that never touches wasm, and these draws need reproducibility, not
 * statistical strength.
 */
export class Mulberry32 {
  private state: number;

  /** Starts a stream from a 32-bit unsigned seed. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform integer in [0, n) for 1 <= n <= 2^32, by rejection so there is no modulo bias. */
  int(n: number): number {
    const limit = Math.floor(4294967296 / n) * n;
    for (;;) {
      const v = this.nextU32();
      if (v < limit) return v % n;
    }
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
