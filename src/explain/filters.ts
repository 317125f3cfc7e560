import { ValueError, describe } from '../errors.js';
import { Layer } from '../layers/layer.js';
import { Conv } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { filtersToPng, type FilterGridOptions } from '../viz/png.js';

/** Options of layerFiltersToPng(): the grid options of filtersToPng, minus the tile size the layer fixes. */
export interface LayerFilterOptions extends Omit<FilterGridOptions, 'width' | 'height' | 'layout'> {
  /** For a dense layer: the image shape [height, width] its inputs came from (e.g. [28, 28]). */
  imageShape?: [number, number];
  /** For a convolution with several input channels: which channel's slice to draw. Default 0. */
  channel?: number;
}

/**
 * Draws a trained layer's filters as a PNG grid, one tile per output unit:
 * a convolution's kh x kw kernels (for one input channel), or a dense layer's
 * incoming weights reshaped to the image they read. The seeds ask to look at
 * a trained network's filters as images; first-layer filters of a network
 * trained on digits show strokes and edges.
 */
export function layerFiltersToPng(layer: Layer, options: LayerFilterOptions = {}): Uint8Array {
  const op = 'layerFiltersToPng';
  if (!(layer instanceof Layer)) throw new ValueError(`${op}: expected a layer, got ${describe(layer)}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ValueError(`${op}: options must be an object, got ${describe(options)}`);
  const weights = layer.getWeights();
  const [kernel] = weights;
  // Only the kernel is drawn; the other weights' copies are freed at once.
  for (const t of weights.slice(1)) t.dispose();
  if (!kernel) throw new ValueError(`${op}: layer ${layer.name} (${layer.className}) has no weights to draw`);
  const w = kernel.toFloat32Array();
  const shape = kernel.shape;
  kernel.dispose();
  const { imageShape, channel = 0, ...grid } = options;
  if (layer instanceof Conv) {
    // Kernel [kh, kw, inC, outC] (Conv1D: [kw, inC, outC]): the tile of filter f for one channel.
    const [kh, kw, inC, outC] = layer.rank === 2 ? shape : [1, shape[0], shape[1], shape[2]];
    if (!Number.isInteger(channel) || channel < 0 || channel >= inC) {
      throw new ValueError(`${op}: channel must be an integer in [0, ${inC - 1}], got ${describe(channel)}`);
    }
    const slice = new Float32Array(kh * kw * outC);
    for (let p = 0; p < kh * kw; p++) {
      for (let f = 0; f < outC; f++) slice[p * outC + f] = w[(p * inC + channel) * outC + f];
    }
    return filtersToPng(slice, { scale: 8, padding: 1, ...grid, width: kw, height: kh, layout: 'columns' });
  }
  if (layer instanceof Dense) {
    const [inputs] = shape;
    const [h, wd] = imageShape ?? [1, inputs];
    if (!Number.isInteger(h) || !Number.isInteger(wd) || h * wd !== inputs) {
      throw new ValueError(`${op}: imageShape must multiply to the layer's ${inputs} inputs, got ${describe(imageShape)}`);
    }
    return filtersToPng(w, { ...grid, width: wd, height: h, layout: 'columns' });
  }
  throw new ValueError(`${op}: layer ${layer.name} is a ${layer.className}; only Conv1D, Conv2D and Dense filters can be drawn`);
}
