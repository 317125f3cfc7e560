// Ported from the TensorFlow.js guide "Save and load models": train a small
// model, save it, load it back, and predict with both. Changes: the import and
// init; `model.save('file://...')` / `tf.loadLayersModel` become saveModel /
// loadModel from simdnn/node (simdnn's own model.json + weights.bin format);
// TensorFlow.js's side saves through tf.io.withSaveHandler and loads with
// tf.io.fromMemory, and the two are compared on identical weights.
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackends, tf, tfl, sd, copyWeights, close, values } from './harness.js';
import { saveModel, loadModel } from '../../../src/node.js';

useBackends();

describe('save and load', () => {
  it('a loaded model predicts what the saved one did, as in TensorFlow.js', async () => {
    const model = sd.sequential({ seed: 5, layers: [sd.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), sd.layers.dense({ units: 3, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const ref = tfl.sequential({ layers: [tfl.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    ref.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    copyWeights(model, ref);
    const x = values(40, 1);
    const y = sd.oneHot(sd.tensor1d(Array.from({ length: 10 }, (_, i) => i % 3), 'int32'), 3);
    await model.fit(sd.tensor2d(x, [10, 4]), y, { epochs: 5, shuffle: false });
    await ref.fit(tf.tensor2d(x, [10, 4]), tf.oneHot(tf.tensor1d(Array.from({ length: 10 }, (_, i) => i % 3), 'int32'), 3), { epochs: 5, shuffle: false });
    const dir = mkdtempSync(join(tmpdir(), 'simdnn-compat-'));
    saveModel(model, join(dir, 'my-model'));
    const loaded = loadModel(join(dir, 'my-model'));
    let artifacts: tf.io.ModelArtifacts | null = null;
    await ref.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const refLoaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
    const probe = values(12, 9);
    const a = (loaded.predict(sd.tensor2d(probe, [3, 4])) as sd.Tensor).dataSync();
    const b = (refLoaded.predict(tf.tensor2d(probe, [3, 4])) as tf.Tensor).dataSync();
    close(a, b, 1e-5, 'loaded predictions');
    expect(Array.from(a)).toEqual(Array.from(model.predict(sd.tensor2d(probe, [3, 4])).dataSync()));
    expect(loaded.optimizer).not.toBeNull();
  });
});
