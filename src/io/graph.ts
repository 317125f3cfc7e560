// Loading a graph model's topology (Model.toJSON(): layers with the nodes
// that connect them) from an untrusted file: the structure is checked first,
// then the layers are created and connected (which declares their weights
// but allocates nothing), then the sizes the model would allocate are
// bounded. Every failure is a ModelFormatError naming the field.
import { SimdnnError } from '../errors.js';
import { fmt, sizeOf } from '../tensor.js';
import { LAYER_REGISTRY } from '../layers/layer.js';
import { inWeightOrder, type Variable } from '../params/variable.js';
import { topology, type Topology } from '../graph/topology.js';
import { graphFromJSON } from '../graph/serialize.js';
import { formatError, isRecord, show } from './json.js';
import { MAX_DIM, MAX_LAYERS, MAX_PARAMS, MAX_RANK, MAX_SAMPLE_SIZE } from './limits.js';
import type { ExpectedWeight } from './weights.js';

/** Most inputs or outputs of a graph model, and most tensors one node reads. */
export const MAX_PORTS = 64;
/** Most nodes (applications) of one layer; all layers together have at most MAX_LAYERS. */
export const MAX_NODES_PER_LAYER = 4096;

/** A reference [layerName, nodeIndex, tensorIndex] with sane bounds. */
function checkRef(op: string, where: string, r: unknown): void {
  if (!Array.isArray(r) || r.length !== 3 || typeof r[0] !== 'string' ||
    !Number.isInteger(r[1]) || r[1] < 0 || r[1] >= MAX_NODES_PER_LAYER || !Number.isInteger(r[2]) || r[2] < 0 || r[2] >= MAX_PORTS) {
    throw formatError(op, where, `must be [layerName, nodeIndex, tensorIndex] (indices below ${MAX_NODES_PER_LAYER} and ${MAX_PORTS}), got ${show(r)}`);
  }
}

/** The part every topology shares: a config object with an optional non-empty name and 1 to MAX_LAYERS layers. */
export function checkTopologyConfig(op: string, topo: Record<string, unknown>): { config: Record<string, unknown>; layers: unknown[] } {
  const where = 'modelTopology';
  const config = topo.config;
  if (!isRecord(config)) throw formatError(op, `${where}.config`, `must be an object, got ${show(config)}`);
  if (config.name !== undefined && (typeof config.name !== 'string' || config.name === '')) {
    throw formatError(op, `${where}.config.name`, `must be a non-empty string, got ${show(config.name)}`);
  }
  const layers = config.layers;
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_LAYERS) {
    throw formatError(op, `${where}.config.layers`, `must be an array of 1 to ${MAX_LAYERS} layers, got ${show(layers)}`);
  }
  return { config, layers };
}

/** Checks the topology's structure: every field a graph needs, with bounded sizes, before any layer is created. */
export function checkGraphStructure(op: string, topo: Record<string, unknown>): void {
  const where = 'modelTopology';
  const { config, layers } = checkTopologyConfig(op, topo);
  const names = new Set<string>();
  let nodeCount = 0;
  layers.forEach((l: unknown, i) => {
    const at = `${where}.config.layers[${i}]`;
    if (!isRecord(l)) throw formatError(op, at, `must be an object { className, config, inboundNodes }, got ${show(l)}`);
    if (typeof l.className !== 'string' || !LAYER_REGISTRY.has(l.className)) {
      throw formatError(op, `${at}.className`, `unknown layer class ${show(l.className)}; known: ${[...LAYER_REGISTRY.keys()].join(', ')}`);
    }
    if (!isRecord(l.config)) throw formatError(op, `${at}.config`, `must be an object, got ${show(l.config)}`);
    const name = l.config.name;
    if (typeof name !== 'string' || name === '') throw formatError(op, `${at}.config.name`, `must be a non-empty string, got ${show(name)}`);
    if (names.has(name)) throw formatError(op, `${at}.config.name`, `a layer named ${show(name)} appears twice`);
    names.add(name);
    const nodes = l.inboundNodes;
    if (l.className === 'InputLayer') {
      if (nodes !== undefined && !(Array.isArray(nodes) && nodes.length === 0)) throw formatError(op, `${at}.inboundNodes`, `an InputLayer has no inbound nodes, got ${show(nodes)}`);
      const shape = l.config.shape;
      if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_RANK || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) {
        throw formatError(op, `${at}.config.shape`, `must be an array of 1 to ${MAX_RANK} positive integers of at most ${MAX_DIM}, got ${show(shape)}`);
      }
      if (sizeOf(shape) > MAX_SAMPLE_SIZE) throw formatError(op, `${at}.config.shape`, `refusing to allocate samples of ${fmt(shape)} (more than ${MAX_SAMPLE_SIZE} values)`);
      return;
    }
    if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_NODES_PER_LAYER) {
      throw formatError(op, `${at}.inboundNodes`, `must be an array of 1 to ${MAX_NODES_PER_LAYER} nodes, got ${show(nodes)}`);
    }
    nodeCount += nodes.length;
    if (nodeCount > MAX_LAYERS) throw formatError(op, `${at}.inboundNodes`, `the layers are applied more than ${MAX_LAYERS} times in all`);
    nodes.forEach((n: unknown, k) => {
      if (!Array.isArray(n) || n.length === 0 || n.length > MAX_PORTS) {
        throw formatError(op, `${at}.inboundNodes[${k}]`, `must be an array of 1 to ${MAX_PORTS} input references, got ${show(n)}`);
      }
      n.forEach((r, j) => checkRef(op, `${at}.inboundNodes[${k}][${j}]`, r));
    });
  });
  for (const key of ['inputLayers', 'outputLayers'] as const) {
    const list = config[key];
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PORTS) {
      throw formatError(op, `${where}.config.${key}`, `must be an array of 1 to ${MAX_PORTS} references, got ${show(list)}`);
    }
    list.forEach((r, j) => checkRef(op, `${where}.config.${key}[${j}]`, r));
  }
}

/**
 * Creates and connects the layers of a checked topology (no allocation) and
 * bounds what the model would allocate; returns the graph and the weights the
 * file must hold, in the order the model lists them.
 */
export function connectGraph(op: string, topo: Record<string, unknown>): { graph: Topology; name: string | undefined; expected: ExpectedWeight[] } {
  const layersJSON = (topo.config as Record<string, unknown>).layers as Record<string, unknown>[];
  let built: ReturnType<typeof graphFromJSON>;
  try {
    built = graphFromJSON(topo, (i, err) => {
      if (!(err instanceof SimdnnError)) return err as Error;
      const field = /^[\w.]+: ([A-Za-z_]\w*) must\b/.exec(err.message)?.[1];
      const at = `modelTopology.config.layers[${i}]${field !== undefined && field !== 'config' ? `.config.${field}` : ''}`;
      return formatError(op, at, `layer ${show(layersJSON[i]?.config && (layersJSON[i].config as Record<string, unknown>).name)}: ${err.message}`);
    });
  } catch (err) {
    if (err instanceof SimdnnError && err.name !== 'ModelFormatError') throw formatError(op, 'modelTopology', err.message);
    throw err;
  }
  let graph: Topology;
  try {
    graph = topology(op, built.inputs, built.outputs);
  } catch (err) {
    if (!(err instanceof SimdnnError)) throw err;
    throw formatError(op, 'modelTopology', err.message);
  }
  let activations = 0;
  for (const node of graph.nodes) {
    for (const t of node.outputs) {
      activations += sizeOf(t.shape);
      if (t.shape.some((d) => d > MAX_DIM) || activations > MAX_SAMPLE_SIZE) {
        throw formatError(op, 'modelTopology', `refusing to allocate the output of ${node.layer.name}, ${fmt(t.shape)} per sample ` +
          `(at most ${MAX_DIM} per axis, and ${MAX_SAMPLE_SIZE} values per sample for all layers' outputs together)`);
      }
    }
  }
  const seen = new Set<Variable>();
  let total = 0;
  for (const layer of graph.layers) {
    for (const w of layer.weights) {
      if (seen.has(w)) continue;
      seen.add(w);
      total += w.size;
      if (w.shape.some((d) => d > MAX_DIM) || total > MAX_PARAMS) {
        throw formatError(op, 'modelTopology', `refusing to allocate ${w.path} of shape ${fmt(w.shape)} (${w.size} parameters; at most ${MAX_DIM} per axis and ${MAX_PARAMS} in the whole model)`);
      }
    }
  }
  const expected: ExpectedWeight[] = inWeightOrder([...seen]).map((w) => ({ name: w.path, shape: w.shape.slice(), size: w.size }));
  return { graph, name: built.name, expected };
}
