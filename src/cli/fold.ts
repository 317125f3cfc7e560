// The CLI trains on standardized columns but saves a model that takes the raw
// ones: the affine maps are folded into the first and last Dense layers, so
// the saved file needs no preprocessing step beside it and works the same for
// `simdnn predict` and for a program that calls loadModel().predict().
import { Dense, type Model } from '../node.js';

/**
 * Makes the model take raw x where it was trained on (x - mean) / std:
 * z = ((x - mean) / std) W + b = x W' + b' with W'[i, :] = W[i, :] / std[i]
 * and b' = b - sum_i mean[i] / std[i] * W[i, :] (summed in float64).
 */
export function foldInputScaling(model: Model, mean: Float32Array, std: Float32Array): void {
  const first = firstDense(model);
  const [kernel, bias] = readWeights(first);
  const units = first.units;
  const inSize = mean.length;
  const b = Float64Array.from(bias);
  const w = new Float32Array(kernel.length);
  for (let i = 0; i < inSize; i++) {
    const s = std[i];
    const m = mean[i] / s;
    for (let j = 0; j < units; j++) {
      const v = kernel[i * units + j];
      w[i * units + j] = v / s;
      b[j] -= m * v;
    }
  }
  first.setWeights([w, Float32Array.from(b)]);
}

/** Makes the model output y where it was trained on (y - mean) / std: W' = W std, b' = b std + mean. */
export function foldOutputScaling(model: Model, mean: number, std: number): void {
  const last = model.layers[model.layers.length - 1];
  if (!(last instanceof Dense) || !last.useBias) throw new Error('foldOutputScaling: the last layer must be a Dense layer with a bias');
  const [kernel, bias] = readWeights(last);
  last.setWeights([kernel.map((v) => v * std), bias.map((v) => v * std + mean)]);
}

function firstDense(model: Model): Dense {
  const first = model.layers[0];
  if (!(first instanceof Dense) || !first.useBias) throw new Error('foldInputScaling: the first layer must be a Dense layer with a bias');
  return first;
}

function readWeights(layer: Dense): [Float32Array, Float32Array] {
  const [k, b] = layer.getWeights();
  const out: [Float32Array, Float32Array] = [k.toFloat32Array(), b.toFloat32Array()];
  k.dispose();
  b.dispose();
  return out;
}
