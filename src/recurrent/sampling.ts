import { ValueError, describe } from '../errors.js';
import { Mulberry32 } from '../data/random.js';

/** How a generator picks the next class from a softmax output. */
export interface SampleOptions {
  /** Sharpens (< 1) or flattens (> 1) the distribution: p_i ∝ p_i^(1 / temperature). 0 takes the most likely class. Default 1. */
  temperature?: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
}

/** Validates sampling options. */
export function checkSampleOptions(op: string, o: SampleOptions): { temperature: number; seed: number } {
  const temperature = o.temperature ?? 1;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new ValueError(`${op}: temperature must be a finite number >= 0, got ${describe(temperature)}`);
  }
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ValueError(`${op}: seed must be an integer in [0, 2^32), got ${describe(seed)}`);
  return { temperature, seed };
}

/**
 * Draws a class from probabilities p[offset .. offset + k) at a temperature
 * (0: the most likely, the first on ties). Deterministic for a generator state.
 */
export function drawClass(p: ArrayLike<number>, offset: number, k: number, temperature: number, rng: Mulberry32): number {
  let best = 0;
  for (let i = 1; i < k; i++) if (p[offset + i] > p[offset + best]) best = i;
  if (temperature === 0) return best;
  // Work in logs relative to the most likely class: exp((log p_i - log p_best) / T).
  const lb = Math.log(Math.max(p[offset + best], 1e-30));
  let total = 0;
  const w = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const v = p[offset + i];
    w[i] = v > 0 ? Math.exp((Math.log(v) - lb) / temperature) : 0;
    total += w[i];
  }
  let u = rng.next() * total;
  for (let i = 0; i < k; i++) {
    u -= w[i];
    if (u < 0) return i;
  }
  return best;
}
