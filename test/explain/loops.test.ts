// Every explain loop (PGD, SmoothGrad, integrated gradients, activation
// maximisation) runs on buffers planned before it starts: the number of
// allocations does not depend on the number of iterations, and nothing is
// left behind. And the checks every explain function makes of its arguments.
import { describe, it, expect, beforeAll } from 'vitest';
import {
  init, createBackend, sequential, input, model, layers, explain, tensor, DisposedError, ShapeError, ValueError,
  type Backend, type Sequential, type SymbolicTensor, type Tensor,
} from '../../src/index.js';
import { randArray } from '../helpers.js';

let be: Backend;

beforeAll(async () => {
  await init();
  be = await createBackend({ seed: 1 });
});

function lenet(): Sequential {
  const m = sequential({
    seed: 2,
    backend: be,
    layers: [
      layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1], name: 'conv' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 16, activation: 'relu', name: 'hidden' }),
      layers.dense({ units: 5, activation: 'softmax', name: 'out' }),
    ],
  });
  m.build();
  return m;
}

/** How many wasm allocations fn makes, and the memory statistics after it (results disposed). */
function allocations(fn: () => Tensor): { count: number; live: number; peak: number } {
  const real = be.alloc.bind(be);
  let count = 0;
  be.alloc = (bytes: number) => {
    count++;
    return real(bytes);
  };
  try {
    fn().dispose();
  } finally {
    be.alloc = real;
  }
  const s = be.memoryStats();
  return { count, live: s.liveBytes, peak: s.peakBytes };
}

describe('explain loops allocate nothing per iteration', () => {
  const n = 6;
  const x = randArray(n * 144, 1, 0, 1);
  const y = Int32Array.from({ length: n }, (_, i) => i % 5);
  const loops: [string, (iterations: number, m: Sequential) => Tensor][] = [
    ['pgd', (k, m) => explain.pgd(m, x, y, { epsilon: 0.1, steps: k, clipMin: 0, clipMax: 1 }).adversarial],
    ['smoothGrad', (k, m) => explain.saliency(m, x, { method: 'smoothGrad', samples: k }).map],
    ['integratedGradients', (k, m) => explain.saliency(m, x, { method: 'integratedGradients', steps: k, batchSize: 8 }).map],
    ['activationMaximization (class)', (k, m) => explain.activationMaximization(m, { classIndex: [0, 1, 2], steps: k }).input],
    ['activationMaximization (unit, before its ReLU)', (k, m) => explain.activationMaximization(m, { layer: 'hidden', unit: [1, 2], steps: k }).input],
  ];
  for (const [name, run] of loops) {
    it(`${name}: the same allocations for 3 and 30 iterations, none left behind`, () => {
      const m = lenet();
      run(3, m).dispose();
      const live = be.memoryStats().liveBytes;
      const few = allocations(() => run(3, m));
      const many = allocations(() => run(30, m));
      expect(many.count).toBe(few.count);
      expect([few.live, many.live]).toEqual([live, live]);
      // The larger run reaches no higher: every iteration reuses the same buffers.
      expect(many.peak).toBe(few.peak);
      m.dispose();
    });
  }

  it('activationStats holds one chunk at a time: 10,000 samples need no more memory than 100', async () => {
    const own = await createBackend({ seed: 1 });
    const m = sequential({ seed: 2, backend: own, layers: [layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1], name: 'conv' }), layers.flatten(), layers.dense({ units: 8, name: 'hidden' })] });
    m.build();
    const many = randArray(10_000 * 144, 2, 0, 1);
    const before = own.memoryStats();
    const stats = explain.activationStats(m, many, { layers: ['conv', 'hidden'], batchSize: 100 });
    const after = own.memoryStats();
    expect(stats[0].samples).toBe(10_000);
    expect(after.liveBytes).toBe(before.liveBytes);
    // 10,000 rows of the convolution's activations alone would be 10,000 x 10 x 10 x 4 floats = 16 MB;
    // a chunk of 100 rows of every tensor of the model is about 0.3 MB.
    expect(after.peakBytes - before.liveBytes).toBeLessThan(1 << 20);
    m.dispose();
    own.dispose();
  });
});

describe('explain checks its arguments', () => {
  it('unknown options are rejected with the closest name; bad values name the option and the value', () => {
    const m = lenet();
    const x = randArray(2 * 144, 3, 0, 1);
    const y = [0, 1];
    expect(() => explain.fgsm(m, x, y, { epsilon: 0.1, clipmax: 1 } as never)).toThrow(/explain\.fgsm: unknown option "clipmax" in options \(did you mean "clipMax"\?\)/);
    expect(() => explain.saliency(m, x, { methd: 'gradient' } as never)).toThrow(/unknown option "methd" in options \(did you mean "method"\?\)/);
    expect(() => explain.saliency(m, x, { method: 'deepLift' as never })).toThrow(/method must be one of gradient, gradientTimesInput, smoothGrad, integratedGradients, got "deepLift"/);
    expect(() => explain.saliency(m, x, { method: 'gradient', steps: 10 })).toThrow(/steps applies to 'integratedGradients' only, not to method "gradient"/);
    expect(() => explain.saliency(m, x, { classIndex: 5 })).toThrow(/classIndex must be an integer class in \[0, 4\], got 5/);
    expect(() => explain.saliency(m, x, { classIndex: [1, 2, 3] })).toThrow(ShapeError);
    expect(() => explain.saliency(m, x, { method: 'integratedGradients', rule: 'simpson' as never })).toThrow(/rule must be one of trapezoid, riemannRight, midpoint, gaussLegendre, got "simpson"/);
    expect(() => explain.fgsm(m, x, y, {} as never)).toThrow(/epsilon must be a finite number >= 0, got undefined/);
    expect(() => explain.fgsm(m, x, [0, 7], { epsilon: 0.1 })).toThrow(/labels\[1\] must be an integer class in \[0, 4\], got 7/);
    expect(() => explain.fgsm(m, x, [0], { epsilon: 0.1 })).toThrow(/labels must hold one integer class per sample \(2\) or one-hot rows \(2 x 5\), got 1 values/);
    expect(() => explain.pgd(m, x, y, { epsilon: 0.1, norm: 'l2' as never })).toThrow(/norm must be 'linf'/);
    expect(() => explain.pgd(m, x, y, { epsilon: 0.1, clipMin: 1, clipMax: 0 })).toThrow(/clipMin must be below clipMax, got 1 and 0/);
    expect(() => explain.inputGradients(m, randArray(143, 1))).toThrow(/x has 143 values, not a whole number of samples of shape \[12,12,1\]/);
    expect(() => explain.activationMaximization(m, { layer: 'conv', unit: 4 })).toThrow(/unit must be an integer in \[0, 3\], got 4/);
    expect(() => explain.activationMaximization(m, { layer: 'nope', unit: 0 })).toThrow(/no layer named "nope"/);
    expect(() => explain.activationMaximization(m, { unit: 0 })).toThrow(/unit and preActivation need layer/);
    expect(() => explain.activationStats(m, x, { layers: [] })).toThrow(/layers must be a non-empty array of layer names/);
    expect(() => explain.inputGradients({} as never, x)).toThrow(/model must be a Model \(from sequential\(\) or model\(\)\), got Object/);
    m.dispose();
    expect(() => explain.saliency(m, x)).toThrow(DisposedError);
  });

  it('models explain cannot take: several inputs, an unbuilt model, an attack on a tanh output, a logit that is not there', () => {
    const a = input({ shape: [2] });
    const b = input({ shape: [2] });
    const both = model({ inputs: [a, b], outputs: layers.dense({ units: 2 }).apply(layers.concatenate().apply([a, b])) as SymbolicTensor });
    expect(() => explain.inputGradients(both, [[1, 2], [3, 4]])).toThrow(/has 2 inputs; explain takes models with one input/);
    both.dispose();
    const unbuilt = sequential({ layers: [layers.dense({ units: 2 })] });
    expect(() => explain.saliency(unbuilt, [[1, 2]])).toThrow(/the first layer needs inputShape/);
    const tanh = sequential({ seed: 1, layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [2] })] });
    expect(() => explain.fgsm(tanh, [[1, 2]], [0], { epsilon: 0.1 })).toThrow(/output 0 must be a softmax or sigmoid layer .* its activation is "tanh"/);
    expect(() => explain.inputGradients(tanh, [[1, 2]], { score: 'logit' })).toThrow(/score 'logit' needs an output layer with a softmax, sigmoid or linear activation/);
    expect(() => explain.inputGradients(tanh, [[1, 2]], { score: 'logit' })).toThrow(ValueError);
    tanh.dispose();
  });
});
