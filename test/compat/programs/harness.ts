// Shared by the ported TensorFlow.js programs: the TensorFlow.js side (tfjs-core,
// tfjs-layers 4.22, cpu backend), weight copying and comparisons.
import { beforeAll, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sd from '../../../src/index.js';

export { tf, tfl, sd };

export function useBackends(): void {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await sd.init({ deterministic: true });
  });
}

/** Gives TensorFlow.js's model simdnn's (seeded) initial weights. */
export function copyWeights(ours: sd.Model, theirs: tfl.LayersModel): void {
  const ws = ours.getWeights();
  theirs.setWeights(ws.map((t) => tf.tensor(t.toFloat32Array(), t.shape as number[])));
  for (const t of ws) t.dispose();
}

/** |a - b| <= tol max(1, |b|) everywhere, naming the worst entry. */
export function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, label: string): void {
  expect(a.length, `${label}: length`).toBe(b.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${label}: worst at ${at}: ${a[at]} vs ${b[at]}`).toBeLessThanOrEqual(tol);
}

/** Every weight of both models within tol (TensorFlow.js's order is the layers' when nothing is frozen). */
export function sameWeights(ours: sd.Model, theirs: tfl.LayersModel, tol: number, label: string): void {
  const a = ours.getWeights();
  const b = theirs.getWeights();
  expect(a.length).toBe(b.length);
  a.forEach((t, i) => close(t.toFloat32Array(), b[i].dataSync(), tol, `${label}: weight ${i}`));
  for (const t of a) t.dispose();
}

/** Deterministic values in [lo, hi). */
export function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}
