import type { Backend } from '../runtime/backend.js';
import { Tensor, sizeOf } from '../tensor.js';
import { ParamStore } from '../params/store.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { Executor } from './executor.js';
import { identity, type Engine } from './engine.js';
import type { Rows, Targets } from './inputs.js';

/** What gradients() returns. */
export interface Gradients {
  /** The mean loss (with y), else null. */
  loss: number | null;
  /** d/d input, shaped like x (one tensor per model input for several), when asked. */
  input: Tensor | Tensor[] | null;
  /** d/d weight for each of model.trainableWeights, in order, when asked. */
  params: Tensor[] | null;
}

/** Where backpropagation starts: the compiled loss on targets, or given gradients on the outputs. */
export type GradientSource = { targets: Targets[] } | { seeds: Rows[] };

/**
 * One backward pass per chunk of rows: of the compiled loss (mean over all
 * rows) or of sum(seed · output), with respect to the inputs and/or the
 * trainable weights (summed over the chunks). The weights do not change.
 */
export function backpropagate(
  engine: Engine, X: Rows[], source: GradientSource, opts: { batch: number; training: boolean; input: boolean; params: boolean },
): Gradients {
  const n = X[0].n;
  engine.ensurePlan(Math.min(n, opts.batch), true);
  const be = engine.backend;
  const exec = engine.exec;
  const topo = engine.topo;
  const chunk = Math.min(opts.batch, exec.capacity);
  const trainable = engine.weights.filter((v) => v.trainable);
  if (opts.params) engine.zeroGrads(ParamStore.segments(trainable));
  const Y = 'targets' in source ? source.targets : null;
  const inGrads: number[] = [];
  let lossSum = 0;
  try {
    if (opts.input) for (const t of topo.inputs) inGrads.push(be.alloc(Math.max(1, n * sizeOf(t.shape)) * 4));
    const order = identity(n);
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      engine.loadBatch(X, Y, order, start, rows);
      engine.forward(rows, opts.training, true);
      let fromLogits: boolean[] = topo.outputs.map(() => false);
      if (Y) {
        lossSum += engine.loss(rows, true, 1 / n);
        fromLogits = engine.fusedOutputs();
      } else {
        const seeds = (source as { seeds: Rows[] }).seeds;
        topo.outputs.forEach((t, k) => {
          const size = sizeOf(t.shape);
          be.f32().set(seeds[k].data.subarray(start * size, (start + rows) * size), exec.gradOf(t) >>> 2);
        });
      }
      exec.backwardPass(rows, { params: opts.params, inputs: opts.input, fromLogits });
      inGrads.forEach((p, i) => {
        const size = sizeOf(topo.inputs[i].shape) * 4;
        const g = exec.gradOf(topo.inputs[i]);
        be.u8().copyWithin(p + start * size, g, g + rows * size);
      });
    }
  } catch (err) {
    for (const p of inGrads) be.free(p);
    throw err;
  }
  const inputs = inGrads.map((p, i) => new Tensor(be, [n, ...topo.inputs[i].shape], p));
  const params = opts.params ? trainable.map((v) => new Tensor(be, v.shape, copyOut(be, v.grad, v.size))) : null;
  return {
    loss: Y ? lossSum / n : null,
    input: opts.input ? (inputs.length === 1 ? inputs[0] : inputs) : null,
    params,
  };
}

/**
 * Inner tensors' values for every row (one tensor each, [n, ...shape]), by an
 * executor of their own that keeps them (fusion would skip storing some).
 */
export function innerActivations(engine: Engine, X: Rows[], wanted: SymbolicTensor[], capacity: number): Tensor[] {
  const be = engine.backend;
  const n = X[0].n;
  const exec = new Executor(be, engine.topo, { capacity, backward: false, rng: engine.rng.ptr, keep: wanted });
  const ptrs: number[] = [];
  try {
    for (const t of wanted) ptrs.push(be.alloc(Math.max(1, n * sizeOf(t.shape)) * 4));
    engine.runChunks(exec, X, capacity, (start, rows) => {
      wanted.forEach((t, j) => {
        const size = sizeOf(t.shape) * 4;
        const a = exec.actOf(t);
        be.u8().copyWithin(ptrs[j] + start * size, a, a + rows * size);
      });
    });
  } catch (err) {
    for (const p of ptrs) be.free(p);
    throw err;
  } finally {
    exec.dispose();
  }
  return ptrs.map((p, j) => new Tensor(be, [n, ...wanted[j].shape], p));
}

/** Copies `size` floats at `ptr` into a new region of the backend. */
export function copyOut(be: Backend, ptr: number, size: number): number {
  const p = be.alloc(Math.max(1, size) * 4);
  be.u8().copyWithin(p, ptr, ptr + size * 4);
  return p;
}
