// Ported from the TensorFlow.js API docs for tf.sequential: model.add two
// dense layers, predict on ones, print. Changes: the import and init; a seed,
// and TensorFlow.js gets the same weights.
import { describe, it, expect } from 'vitest';
import { useBackends, tf, tfl, sd, copyWeights, close } from './harness.js';

useBackends();

describe('tf.sequential API example', () => {
  it('predict(ones([2, 50])) as TensorFlow.js', () => {
    const model = sd.sequential({ seed: 1 });
    model.add(sd.layers.dense({ units: 32, inputShape: [50] }));
    model.add(sd.layers.dense({ units: 4 }));
    model.build();
    const ref = tfl.sequential();
    ref.add(tfl.layers.dense({ units: 32, inputShape: [50] }));
    ref.add(tfl.layers.dense({ units: 4 }));
    copyWeights(model, ref);
    const out = model.predict(sd.ones([2, 50]));
    expect(out.shape).toEqual([2, 4]);
    close(out.dataSync(), (ref.predict(tf.ones([2, 50])) as tf.Tensor).dataSync(), 1e-5, 'predict');
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      out.print();
    } finally {
      console.log = log;
    }
    expect(lines[0].startsWith('Tensor\n')).toBe(true);
  });
});
