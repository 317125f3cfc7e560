/**
 * ONNX export (opset 13): a built simdnn model as an ONNX ModelProto for
 * inference, encoded by the small protobuf writer beside this file.
 *
 * The graph takes and returns simdnn's layouts (images NHWC, sequences
 * [batch, steps, features]) with a symbolic batch dimension 'N'. Each value
 * carries its layout: convolutions and poolings need NCHW (ONNX's only
 * layout) and get a Transpose in front when their input is NHWC; Flatten,
 * Reshape, Dense, softmax and concatenation need simdnn's NHWC order back
 * (flattening NCHW data would order the features differently), so they get
 * the inverse Transpose; elementwise layers take either. Weights are
 * rearranged into ONNX's layouts: Dense [in, units] for Gemm/MatMul as it is,
 * convolution kernels [kh, kw, in, out] to [out, in, kh, kw], recurrent
 * kernels transposed to [gates · units, features] with the LSTM's gate blocks
 * reordered from Keras's i, f, c, o to ONNX's i, o, f, c (the GRU's z, r, h is
 * the same in both; linear_before_reset is Keras's reset_after).
 * Training-only layers (dropout, noise) are the identity at inference.
 */
import { DisposedError, ValueError, describe } from '../../errors.js';
import { Model } from '../../models/model.js';
import type { Layer } from '../../layers/layer.js';
import type { Node } from '../../graph/symbolic.js';
import type { SymbolicTensor } from '../../graph/symbolic.js';
import type { Variable } from '../../params/variable.js';
import { ProtoWriter } from './protobuf.js';

/** The opset exported models import. */
export const ONNX_OPSET = 13;
/** The IR version of opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;

const FLOAT = 1;
const INT64 = 7;

type Layout = 'nhwc' | 'nchw';

/** A value of the graph: its name, layout and per-sample shape in simdnn's order. */
interface Val {
  name: string;
  layout: Layout;
  shape: number[];
}

type AttrValue = number | string | number[] | { floats: number[] } | { strings: string[] } | { float: number };

interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

interface Initializer {
  name: string;
  dims: number[];
  type: number;
  data: Uint8Array;
}

/** The graph being built: nodes, initializers and fresh names. */
class Graph {
  readonly nodes: OnnxNode[] = [];
  readonly inits: Initializer[] = [];
  private readonly used = new Set<string>();

  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  floats(base: string, values: Float32Array | number[], dims: number[]): string {
    const name = this.fresh(base);
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    const data = new Uint8Array(f.length * 4);
    const view = new DataView(data.buffer);
    f.forEach((v, i) => view.setFloat32(i * 4, v, true));
    this.inits.push({ name, dims, type: FLOAT, data });
    return name;
  }

  ints(base: string, values: number[]): string {
    const name = this.fresh(base);
    const data = new Uint8Array(values.length * 8);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.inits.push({ name, dims: [values.length], type: INT64, data });
    return name;
  }

  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, base = op.toLowerCase(), outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(outputs > 1 ? `${base}_out${i}` : base));
    this.nodes.push({ op, inputs, outputs: outs, attrs });
    return outs;
  }

  op1(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, base?: string): string {
    return this.op(op, inputs, attrs, base)[0];
  }
}

function fail(op: string, layer: Layer, what: string): ValueError {
  return new ValueError(`${op}: layer ${JSON.stringify(layer.name)} (${layer.className}): ${what}`);
}

/** Keras i, f, c, o gate blocks to ONNX's i, o, f, c. */
const LSTM_ORDER = [0, 3, 1, 2];

/**
 * Converts a recurrent kernel [k, gates · u] (Keras) to ONNX's [gates · u, k],
 * taking the gate blocks in `order`.
 */
function gateMatrix(kernel: Float32Array, k: number, u: number, order: number[]): Float32Array {
  const G = order.length;
  const out = new Float32Array(G * u * k);
  for (let g = 0; g < G; g++) {
    const src = order[g];
    for (let j = 0; j < u; j++) for (let i = 0; i < k; i++) out[(g * u + j) * k + i] = kernel[i * G * u + src * u + j];
  }
  return out;
}

function gateVector(bias: Float32Array, u: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * u);
  order.forEach((src, g) => out.set(bias.subarray(src * u, (src + 1) * u), g * u));
  return out;
}

/** ONNX's name for a recurrent activation, and its alpha / beta if it takes them. */
function rnnActivation(op: string, layer: Layer, a: string, alpha: number): { name: string; alpha?: number; beta?: number } {
  switch (a) {
    case 'tanh': return { name: 'Tanh' };
    case 'sigmoid': return { name: 'Sigmoid' };
    case 'relu': return { name: 'Relu' };
    case 'linear': return { name: 'Affine', alpha: 1, beta: 0 };
    case 'hardSigmoid': return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    case 'elu': return { name: 'Elu', alpha };
    case 'leakyRelu': return { name: 'LeakyRelu', alpha };
    default: throw fail(op, layer, `activation ${JSON.stringify(a)} has no ONNX recurrent form`);
  }
}

interface Ctx {
  op: string;
  g: Graph;
  values: Map<Variable, Float32Array>;
}

function weightOf(c: Ctx, v: Variable | null): Float32Array {
  const w = v ? c.values.get(v) : undefined;
  if (!w) throw new ValueError(`${c.op}: a weight is missing from the model`);
  return w;
}

/** The permutation from simdnn's NHWC order to NCHW for a value of this per-sample rank. */
function toChannelsFirst(rank: number): number[] {
  return [0, rank, ...Array.from({ length: rank - 1 }, (_, i) => i + 1)];
}

function inverse(p: number[]): number[] {
  const out = new Array(p.length);
  p.forEach((v, i) => { out[v] = i; });
  return out;
}

function withLayout(c: Ctx, v: Val, layout: Layout): Val {
  if (v.layout === layout || v.shape.length < 2) return { ...v, layout };
  const perm = toChannelsFirst(v.shape.length);
  const name = c.g.op1('Transpose', [v.name], { perm: layout === 'nchw' ? perm : inverse(perm) }, `${v.name}_${layout}`);
  return { name, layout, shape: v.shape };
}

/** An elementwise activation on a value (softmax over the last axis, so in NHWC). */
function activate(c: Ctx, layer: Layer, v: Val, act: string, alpha: number): Val {
  const g = c.g;
  const un = (op: string, attrs: Record<string, AttrValue> = {}) => ({ ...v, name: g.op1(op, [v.name], attrs, `${layer.name}_${op.toLowerCase()}`) });
  const scalar = (x: number) => g.floats(`${layer.name}_const`, [x], []);
  switch (act) {
    case 'linear': return v;
    case 'relu': return un('Relu');
    case 'sigmoid': return un('Sigmoid');
    case 'tanh': return un('Tanh');
    case 'softplus': return un('Softplus');
    case 'softsign': return un('Softsign');
    case 'selu': return un('Selu');
    case 'elu': return un('Elu', { alpha: { float: alpha } });
    case 'leakyRelu': return un('LeakyRelu', { alpha: { float: alpha } });
    case 'hardSigmoid': return un('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'softmax': {
      const x = withLayout(c, v, 'nhwc');
      return { ...x, name: g.op1('Softmax', [x.name], { axis: -1 }, `${layer.name}_softmax`) };
    }
    case 'swish':
    case 'silu':
      return { ...v, name: g.op1('Mul', [v.name, g.op1('Sigmoid', [v.name])], {}, `${layer.name}_swish`) };
    case 'mish':
      return { ...v, name: g.op1('Mul', [v.name, g.op1('Tanh', [g.op1('Softplus', [v.name])])], {}, `${layer.name}_mish`) };
    case 'gelu': {
      // The tanh approximation (Hendrycks & Gimpel 2016) written as x · sigmoid(2 √(2/π) (x + 0.044715 x³)).
      const x3 = g.op1('Mul', [g.op1('Mul', [v.name, v.name]), v.name]);
      const inner = g.op1('Add', [v.name, g.op1('Mul', [x3, scalar(0.044715)])]);
      const s = g.op1('Sigmoid', [g.op1('Mul', [inner, scalar(2 * 0.7978845608028654)])]);
      return { ...v, name: g.op1('Mul', [v.name, s], {}, `${layer.name}_gelu`) };
    }
    case 'step':
    case 'sign': {
      const ge = g.op1('GreaterOrEqual', [v.name, scalar(0)]);
      return { ...v, name: g.op1('Where', [ge, scalar(1), scalar(act === 'step' ? 0 : -1)], {}, `${layer.name}_${act}`) };
    }
    default: throw fail(c.op, layer, `activation ${JSON.stringify(act)} has no ONNX form`);
  }
}

/** ONNX pads [begin..., end...] of a 'same' or 'valid' window along each spatial axis. */
function windowPads(ins: number[], outs: number[], k: number[], s: number[], d: number[], padding: string): number[] {
  const begin: number[] = [];
  const end: number[] = [];
  ins.forEach((n, i) => {
    const total = padding === 'same' ? Math.max((outs[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n, 0) : 0;
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}

/** Emits one layer applied to `xs`; returns its outputs. */
function emit(c: Ctx, layer: Layer, xs: Val[], outShapes: number[][]): Val[] {
  const g = c.g;
  const L = layer as unknown as Record<string, unknown>;
  const x0 = xs[0];
  const out = outShapes[0];
  const cls = layer.className;
  switch (cls) {
    case 'InputLayer': return xs;
    case 'Dropout':
    case 'GaussianNoise':
    case 'MaskingNoise':
    case 'SaltAndPepperNoise':
      return [x0];
    case 'Activation': return [activate(c, layer, x0, L.activation as string, L.alpha as number)];
    case 'Dense':
    case 'DenseTied': {
      const x = withLayout(c, x0, 'nhwc');
      const kernelVar = cls === 'Dense' ? (L.kernel as Variable) : ((L.tiedTo as Record<string, unknown>).kernel as Variable);
      let k = weightOf(c, kernelVar);
      let [inSize, units] = kernelVar.shape;
      if (cls === 'DenseTied') {
        const t = new Float32Array(k.length);
        for (let i = 0; i < inSize; i++) for (let j = 0; j < units; j++) t[j * inSize + i] = k[i * units + j];
        k = t;
        [inSize, units] = [units, inSize];
      }
      const w = g.floats(`${layer.name}_kernel`, k, [inSize, units]);
      const b = L.bias ? g.floats(`${layer.name}_bias`, weightOf(c, L.bias as Variable), [units]) : null;
      let y: string;
      if (x.shape.length === 1) y = g.op1('Gemm', b ? [x.name, w, b] : [x.name, w], {}, layer.name);
      else {
        y = g.op1('MatMul', [x.name, w], {}, `${layer.name}_matmul`);
        if (b) y = g.op1('Add', [y, b], {}, layer.name);
      }
      return [activate(c, layer, { name: y, layout: 'nhwc', shape: out }, L.activation as string, L.alpha as number)];
    }
    case 'Conv1D':
    case 'Conv2D': {
      const rank = L.rank as 1 | 2;
      const x = withLayout(c, x0, 'nchw');
      const kv = L.kernel as Variable;
      const k = weightOf(c, kv);
      const [kh, kw] = L.kernelSize as number[];
      const inC = kv.shape[kv.shape.length - 2];
      const F = L.filters as number;
      const taps = kh * kw;
      const wt = new Float32Array(k.length);
      // [kh, kw, in, out] (Conv1D: [kw, in, out]) to [out, in, kh, kw].
      for (let t = 0; t < taps; t++) for (let ci = 0; ci < inC; ci++) for (let f = 0; f < F; f++) wt[(f * inC + ci) * taps + t] = k[(t * inC + ci) * F + f];
      const kernelShape = rank === 1 ? [kw] : [kh, kw];
      const strides = rank === 1 ? [(L.strides as number[])[1]] : (L.strides as number[]).slice();
      const dil = rank === 1 ? [(L.dilationRate as number[])[1]] : (L.dilationRate as number[]).slice();
      const pads = windowPads(x0.shape.slice(0, rank), out.slice(0, rank), kernelShape, strides, dil, L.padding as string);
      const w = g.floats(`${layer.name}_kernel`, wt, [F, inC, ...kernelShape]);
      const ins = [x.name, w];
      if (L.bias) ins.push(g.floats(`${layer.name}_bias`, weightOf(c, L.bias as Variable), [F]));
      const y = g.op1('Conv', ins, { kernel_shape: kernelShape, strides, dilations: dil, pads }, layer.name);
      return [activate(c, layer, { name: y, layout: 'nchw', shape: out }, L.activation as string, L.alpha as number)];
    }
    case 'Conv2DTranspose': {
      const x = withLayout(c, x0, 'nchw');
      const kv = L.kernel as Variable;
      const k = weightOf(c, kv);
      const [kh, kw, F, inC] = kv.shape;
      const wt = new Float32Array(k.length);
      // [kh, kw, out, in] to [in, out, kh, kw].
      for (let t = 0; t < kh * kw; t++) for (let f = 0; f < F; f++) for (let ci = 0; ci < inC; ci++) wt[(ci * F + f) * kh * kw + t] = k[(t * F + f) * inC + ci];
      const s = L.strides as number[];
      const begin: number[] = [];
      const end: number[] = [];
      const extra: number[] = [];
      [kh, kw].forEach((kk, i) => {
        const total = s[i] * (x0.shape[i] - 1) + kk - out[i];
        if (total < 0) {
          begin.push(0);
          end.push(0);
          extra.push(-total);
        } else {
          begin.push(Math.floor(total / 2));
          end.push(total - Math.floor(total / 2));
          extra.push(0);
        }
      });
      const ins = [x.name, g.floats(`${layer.name}_kernel`, wt, [inC, F, kh, kw])];
      if (L.bias) ins.push(g.floats(`${layer.name}_bias`, weightOf(c, L.bias as Variable), [F]));
      const y = g.op1('ConvTranspose', ins, { kernel_shape: [kh, kw], strides: s.slice(), pads: [...begin, ...end], output_padding: extra }, layer.name);
      return [activate(c, layer, { name: y, layout: 'nchw', shape: out }, L.activation as string, L.alpha as number)];
    }
    case 'MaxPooling1D':
    case 'MaxPooling2D':
    case 'AveragePooling1D':
    case 'AveragePooling2D':
    case 'L2Pooling1D':
    case 'L2Pooling2D': {
      const rank = L.rank as 1 | 2;
      const x = withLayout(c, x0, 'nchw');
      const pool = rank === 1 ? [(L.poolSize as number[])[1]] : (L.poolSize as number[]).slice();
      const strides = rank === 1 ? [(L.strides as number[])[1]] : (L.strides as number[]).slice();
      const pads = windowPads(x0.shape.slice(0, rank), out.slice(0, rank), pool, strides, pool.map(() => 1), L.padding as string);
      const mode = L.mode as string;
      const opName = mode === 'max' ? 'MaxPool' : mode === 'avg' ? 'AveragePool' : 'LpPool';
      const attrs: Record<string, AttrValue> = { kernel_shape: pool, strides, pads };
      // L2 pooling is Lp pooling with p = 2: the square root of the window's sum of squares.
      if (mode === 'l2') attrs.p = 2;
      return [{ name: g.op1(opName, [x.name], attrs, layer.name), layout: 'nchw', shape: out }];
    }
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D': {
      const x = withLayout(c, x0, 'nhwc');
      const axes = cls.endsWith('1D') ? [1] : [1, 2];
      return [{ name: g.op1('ReduceMean', [x.name], { axes, keepdims: 0 }, layer.name), layout: 'nhwc', shape: out }];
    }
    case 'Flatten': {
      const x = withLayout(c, x0, 'nhwc');
      return [{ name: g.op1('Flatten', [x.name], { axis: 1 }, layer.name), layout: 'nhwc', shape: out }];
    }
    case 'Reshape': {
      const x = withLayout(c, x0, 'nhwc');
      return [{ name: g.op1('Reshape', [x.name, g.ints(`${layer.name}_shape`, [0, ...out])], {}, layer.name), layout: 'nhwc', shape: out }];
    }
    case 'BatchNormalization': {
      // Inference: y = x · scale + shift per channel, scale = gamma / sqrt(var + eps), shift = beta - mean · scale (in float64).
      const C = x0.shape[x0.shape.length - 1];
      const gamma = L.gamma ? weightOf(c, L.gamma as Variable) : new Float32Array(C).fill(1);
      const beta = L.beta ? weightOf(c, L.beta as Variable) : new Float32Array(C);
      const mean = weightOf(c, L.movingMean as Variable);
      const variance = weightOf(c, L.movingVariance as Variable);
      const scale = new Float32Array(C);
      const shift = new Float32Array(C);
      for (let i = 0; i < C; i++) {
        const s = gamma[i] / Math.sqrt(variance[i] + (L.epsilon as number));
        scale[i] = s;
        shift[i] = beta[i] - mean[i] * s;
      }
      const dims = x0.layout === 'nchw' && x0.shape.length >= 2 ? [C, ...x0.shape.slice(1).map(() => 1)] : [C];
      const y = g.op1('Add', [g.op1('Mul', [x0.name, g.floats(`${layer.name}_scale`, scale, dims)]), g.floats(`${layer.name}_shift`, shift, dims)], {}, layer.name);
      return [{ ...x0, name: y }];
    }
    case 'Add': {
      const ins = xs.map((v) => withLayout(c, v, 'nhwc'));
      let y = ins[0].name;
      for (let i = 1; i < ins.length; i++) y = g.op1('Add', [y, ins[i].name], {}, layer.name);
      return [{ name: y, layout: 'nhwc', shape: out }];
    }
    case 'Concatenate': {
      const ins = xs.map((v) => withLayout(c, v, 'nhwc'));
      return [{ name: g.op1('Concat', ins.map((v) => v.name), { axis: L.axis as number }, layer.name), layout: 'nhwc', shape: out }];
    }
    case 'Embedding': {
      const ids = g.op1('Cast', [x0.name], { to: INT64 }, `${layer.name}_ids`);
      const E = L.embeddings as Variable;
      const table = g.floats(`${layer.name}_embeddings`, weightOf(c, E), E.shape.slice());
      return [{ name: g.op1('Gather', [table, ids], { axis: 0 }, layer.name), layout: 'nhwc', shape: out }];
    }
    case 'UpSampling2D': {
      const x = withLayout(c, x0, 'nchw');
      const [sh, sw] = L.size as number[];
      const y = g.op1('Resize', [x.name, '', g.floats(`${layer.name}_scales`, [1, 1, sh, sw], [4])], {
        mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
      }, layer.name);
      return [{ name: y, layout: 'nchw', shape: out }];
    }
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return [recurrent(c, layer, withLayout(c, x0, 'nhwc'), out, xs.length)];
    case 'Bidirectional': {
      const b = layer as unknown as { forwardLayer: Layer; backwardLayer: Layer; mergeMode: string };
      if ((b.forwardLayer as unknown as { goBackwards: boolean }).goBackwards) throw fail(c.op, layer, 'a wrapped layer with goBackwards has no ONNX form here');
      const x = withLayout(c, x0, 'nhwc');
      const inner = b.mergeMode === 'concat' ? [...out.slice(0, -1), out[out.length - 1] / 2] : out;
      const f = recurrent(c, b.forwardLayer, x, inner, xs.length, 'forward');
      const r = recurrent(c, b.backwardLayer, x, inner, xs.length, 'reverse');
      let y: string;
      if (b.mergeMode === 'concat') y = g.op1('Concat', [f.name, r.name], { axis: -1 }, layer.name);
      else if (b.mergeMode === 'sum') y = g.op1('Add', [f.name, r.name], {}, layer.name);
      else if (b.mergeMode === 'mul') y = g.op1('Mul', [f.name, r.name], {}, layer.name);
      else y = g.op1('Mul', [g.op1('Add', [f.name, r.name]), g.floats(`${layer.name}_half`, [0.5], [])], {}, layer.name);
      return [{ name: y, layout: 'nhwc', shape: out }];
    }
    case 'TimeDistributed': {
      const inner = (layer as unknown as { layer: Layer }).layer;
      const x = withLayout(c, x0, 'nhwc');
      const steps = x0.shape[0];
      const rows = g.op1('Reshape', [x.name, g.ints(`${layer.name}_rows`, [-1, ...x0.shape.slice(1)])], {}, `${layer.name}_rows`);
      const [y] = emit(c, inner, [{ name: rows, layout: 'nhwc', shape: x0.shape.slice(1) }], [out.slice(1)]);
      const yy = withLayout(c, y, 'nhwc');
      return [{ name: g.op1('Reshape', [yy.name, g.ints(`${layer.name}_shape`, [-1, steps, ...out.slice(1)])], {}, layer.name), layout: 'nhwc', shape: out }];
    }
    case 'Masking':
      throw fail(c.op, layer, 'padding masks have no ONNX form here (the recurrent ops take sequence lengths, not masks); export a model without masking');
    default:
      throw fail(c.op, layer, 'this layer has no ONNX form here');
  }
}

/**
 * A SimpleRNN / LSTM / GRU layer as ONNX's RNN / LSTM / GRU op on [steps,
 * batch, features] (opset 13 is time-major). goBackwards reverses the input
 * steps (Keras reverses the sequence; a sequence output stays in that order),
 * so the op runs forward; `direction` 'reverse' is the backward half of a
 * Bidirectional layer, whose sequence output ONNX keeps in time order, as
 * Keras's Bidirectional does.
 */
function recurrent(c: Ctx, layer: Layer, x: Val, out: number[], inputCount: number, direction: 'forward' | 'reverse' = 'forward'): Val {
  const g = c.g;
  const L = layer as unknown as Record<string, unknown>;
  if (inputCount > 1) throw fail(c.op, layer, 'initial states or a padding mask as inputs have no ONNX form here');
  if (L.returnState) throw fail(c.op, layer, 'returnState has no ONNX form here');
  if (L.stateful) throw fail(c.op, layer, 'stateful layers carry state between calls, which an ONNX graph does not');
  const u = L.units as number;
  const [, F] = x.shape;
  const cls = layer.className;
  const order = cls === 'LSTM' ? LSTM_ORDER : cls === 'GRU' ? [0, 1, 2] : [0];
  const G = order.length;
  const kernel = weightOf(c, L.kernel as Variable);
  const rec = weightOf(c, L.recurrentKernel as Variable);
  const W = g.floats(`${layer.name}_W`, gateMatrix(kernel, F, u, order), [1, G * u, F]);
  const R = g.floats(`${layer.name}_R`, gateMatrix(rec, u, u, order), [1, G * u, u]);
  const B = new Float32Array(2 * G * u);
  if (L.bias) {
    const b = weightOf(c, L.bias as Variable);
    if (cls === 'GRU' && L.resetAfter) {
      B.set(b.subarray(0, G * u), 0);
      B.set(b.subarray(G * u), G * u);
    } else B.set(gateVector(b, u, order), 0);
  }
  const act = rnnActivation(c.op, layer, L.activation as string, L.alpha as number);
  const acts = cls === 'SimpleRNN' ? [act] : [rnnActivation(c.op, layer, L.recurrentActivation as string, 0), act, ...(cls === 'LSTM' ? [act] : [])];
  const attrs: Record<string, AttrValue> = { hidden_size: u, direction, activations: { strings: acts.map((a) => a.name) } };
  const alphas = acts.filter((a) => a.alpha !== undefined).map((a) => a.alpha as number);
  const betas = acts.filter((a) => a.beta !== undefined).map((a) => a.beta as number);
  if (alphas.length) attrs.activation_alpha = { floats: alphas };
  if (betas.length) attrs.activation_beta = { floats: betas };
  if (cls === 'GRU') attrs.linear_before_reset = L.resetAfter ? 1 : 0;
  let seq = g.op1('Transpose', [x.name], { perm: [1, 0, 2] }, `${layer.name}_time_major`);
  // The backward half of a Bidirectional layer is the 'reverse' op on the sequence as it is.
  if (L.goBackwards && direction === 'forward') {
    seq = g.op1('Slice', [seq, g.ints('start', [-1]), g.ints('end', [-(2 ** 62)]), g.ints('axis', [0]), g.ints('step', [-1])], {}, `${layer.name}_reversed`);
  }
  const opName = cls === 'SimpleRNN' ? 'RNN' : cls;
  const [Y, Yh] = g.op(opName, [seq, W, R, g.floats(`${layer.name}_B`, B, [1, 2 * G * u])], attrs, layer.name, 2);
  if (L.returnSequences) {
    // Y: [steps, 1, batch, units] -> [batch, steps, units].
    const squeezed = g.op1('Squeeze', [Y, g.ints(`${layer.name}_axis`, [1])], {}, `${layer.name}_sequence`);
    return { name: g.op1('Transpose', [squeezed], { perm: [1, 0, 2] }, `${layer.name}_output`), layout: 'nhwc', shape: out };
  }
  return { name: g.op1('Squeeze', [Yh, g.ints(`${layer.name}_axis`, [0])], {}, `${layer.name}_output`), layout: 'nhwc', shape: out };
}

function encodeAttr(w: ProtoWriter, name: string, v: AttrValue): void {
  // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8).
  w.string(1, name);
  if (typeof v === 'number') w.varint(3, v).varint(20, 2);
  else if (typeof v === 'string') w.string(4, v).varint(20, 3);
  else if (Array.isArray(v)) w.packedVarints(8, v).varint(20, 7);
  else if ('float' in v) w.float(2, v.float).varint(20, 1);
  else if ('floats' in v) w.packedFloats(7, v.floats).varint(20, 6);
  else {
    for (const s of v.strings) w.string(9, s);
    w.varint(20, 8);
  }
}

function encodeValueInfo(w: ProtoWriter, name: string, shape: number[]): void {
  // ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1 | dim_param 2.
  w.string(1, name).message(2, (t) => t.message(1, (tt) => {
    tt.varint(1, FLOAT).message(2, (s) => {
      s.message(1, (d) => d.string(2, 'N'));
      for (const n of shape) s.message(1, (d) => d.varint(1, n));
    });
  }));
}

/**
 * A built model as an ONNX file (opset 13) for inference, as bytes: inputs
 * and outputs in simdnn's layouts (NHWC images, [batch, steps, features]
 * sequences) with a symbolic batch size, named after the model's input and
 * output layers. A layer or option with no ONNX form here (masking, stateful
 * or returnState recurrent layers) is a ValueError naming the layer.
 */
export function toOnnx(model: Model): Uint8Array {
  return encodeOnnx(model, 'toOnnx');
}

/** toOnnx() with the operation name used in messages (saveOnnx passes its own). */
export function encodeOnnx(model: Model, op: string): Uint8Array {
  if (!(model instanceof Model)) throw new ValueError(`${op}: expected a Sequential model or a graph Model, got ${describe(model)}`);
  if (model.isDisposed) throw new DisposedError(`${op}: model ${model.name} was disposed`);
  if (!model.built) throw new ValueError(`${op}: the model is not built yet (give the first layer an inputShape, or fit / predict first)`);
  const g = new Graph();
  const vars = model.weights;
  const tensors = model.getWeights();
  const values = new Map<Variable, Float32Array>(vars.map((v, i) => [v, tensors[i].toFloat32Array()]));
  for (const t of tensors) t.dispose();
  const c: Ctx = { op, g, values };
  const topo = model.engineFor(op).topo;
  const vals = new Map<SymbolicTensor, Val>();
  const inputs = topo.inputs.map((t) => {
    const name = g.fresh(t.node.layer.name);
    const v: Val = { name, layout: 'nhwc', shape: t.shape.slice() };
    vals.set(t, v);
    return v;
  });
  for (const node of topo.nodes as Node[]) {
    const xs = node.inputs.map((t) => vals.get(t) as Val);
    const ys = emit(c, node.layer, xs, node.outputs.map((t) => t.shape.slice()));
    node.outputs.forEach((t, i) => vals.set(t, ys[i]));
  }
  const outputs = topo.outputs.map((t) => {
    const v = withLayout(c, vals.get(t) as Val, 'nhwc');
    const name = g.fresh(`${t.node.layer.name}_output`);
    g.nodes.push({ op: 'Identity', inputs: [v.name], outputs: [name], attrs: {} });
    return { name, shape: t.shape.slice() };
  });
  const w = new ProtoWriter();
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8 (domain 1, version 2).
  w.varint(1, ONNX_IR_VERSION).string(2, 'simdnn').string(3, '0.1.0');
  w.message(7, (gw) => {
    // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
    for (const n of g.nodes) {
      gw.message(1, (nw) => {
        // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.outputs[0]).string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs)) nw.message(5, (aw) => encodeAttr(aw, k, v));
      });
    }
    gw.string(2, model.name);
    for (const t of g.inits) {
      // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
      gw.message(5, (tw) => {
        if (t.dims.length) tw.packedVarints(1, t.dims);
        tw.varint(2, t.type).string(8, t.name).bytes(9, t.data);
      });
    }
    for (const v of inputs) gw.message(11, (iw) => encodeValueInfo(iw, v.name, v.shape));
    for (const v of outputs) gw.message(12, (ow) => encodeValueInfo(ow, v.name, v.shape));
  });
  w.message(8, (ow) => ow.varint(2, ONNX_OPSET));
  return w.finish();
}
