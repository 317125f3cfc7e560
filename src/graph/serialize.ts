// Graph models as JSON (the Keras functional config): each layer's config
// with the nodes that apply it, each node listing the tensors it reads as
// [layer name, node index within the model, output index].
import { ValueError, describe } from '../errors.js';
import { layerFromJSON, type Layer, type LayerJSON } from '../layers/layer.js';
import { input } from './input.js';
import type { SymbolicTensor } from './symbolic.js';
import type { Topology } from './topology.js';

/** A reference to one tensor of a graph: [layer name, node index (within the model), output index]. */
export type TensorRef = [string, number, number];

/** What Model.toJSON() writes (Sequential writes the same without nodes: `{ className: 'Sequential', config: { name, layers } }`). */
export interface ModelTopologyJSON {
  className: string;
  config: {
    name: string;
    layers: (LayerJSON & { inboundNodes?: TensorRef[][] })[];
    inputLayers?: TensorRef[];
    outputLayers?: TensorRef[];
  };
}

/** A graph's topology as Model.toJSON() writes it. */
export function graphToJSON(topo: Topology, name: string): ModelTopologyJSON {
  const nodeIndex = new Map(topo.nodes.map((n) => [n, topo.nodes.filter((m) => m.layer === n.layer).indexOf(n)]));
  const ref = (t: SymbolicTensor): TensorRef => [t.node.layer.name, t.node.isInput ? 0 : (nodeIndex.get(t.node) as number), t.index];
  const layers = [
    ...topo.inputs.map((t) => ({ className: 'InputLayer', config: t.node.layer.getConfig(), inboundNodes: [] as TensorRef[][] })),
    ...topo.layers.map((l) => ({
      ...l.toJSON(),
      inboundNodes: topo.nodes.filter((nd) => nd.layer === l).map((nd) => nd.inputs.map(ref)),
    })),
  ];
  return {
    className: 'Model',
    config: { name, layers, inputLayers: topo.inputs.map(ref), outputLayers: topo.outputs.map(ref) },
  };
}

/**
 * A graph from a Model toJSON() config: the layers (built, weights not
 * allocated) and the input / output tensors. `locate(i, err)` turns an error
 * of layer i (its constructor, or applying it) into the error thrown.
 */
export function graphFromJSON(json: unknown, locate: (layerIndex: number, err: unknown) => Error = (_i, e) => e as Error): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; name: string | undefined } {
  const j = json as { className?: unknown; config?: Record<string, unknown> };
  if (!j || typeof j !== 'object' || j.className !== 'Model' || !j.config || typeof j.config !== 'object') {
    throw new ValueError(`Model.fromJSON: expected { className: 'Model', config: { layers, inputLayers, outputLayers } }`);
  }
  const c = j.config;
  const specs = c.layers as (LayerJSON & { inboundNodes?: unknown })[];
  if (!Array.isArray(specs)) throw new ValueError(`Model.fromJSON: config.layers must be an array`);
  const byName = new Map<string, Layer>();
  const produced = new Map<string, SymbolicTensor[][]>();
  const pending: { layer: Layer; index: number; nodes: unknown[]; next: number }[] = [];
  specs.forEach((s, i) => {
    try {
      if (!s || typeof s !== 'object') throw new ValueError(`Model.fromJSON: config.layers[${i}] must be an object`);
      if (s.className === 'InputLayer') {
        const t = input(s.config as never);
        if (byName.has(t.node.layer.name)) throw new ValueError(`Model.fromJSON: two layers are named ${describe(t.node.layer.name)}`);
        byName.set(t.node.layer.name, t.node.layer);
        produced.set(t.node.layer.name, [[t]]);
        return;
      }
      const layer = layerFromJSON({ className: s.className, config: s.config }, (name) => byName.get(name));
      if (byName.has(layer.name)) throw new ValueError(`Model.fromJSON: two layers are named ${describe(layer.name)}`);
      byName.set(layer.name, layer);
      produced.set(layer.name, []);
      const nodes = s.inboundNodes;
      if (!Array.isArray(nodes) || nodes.length === 0) throw new ValueError(`Model.fromJSON: layer ${describe(layer.name)} must list its inbound nodes`);
      pending.push({ layer, index: i, nodes, next: 0 });
    } catch (err) {
      throw locate(i, err);
    }
  });
  const resolve = (r: unknown, where: string): SymbolicTensor | null => {
    if (!Array.isArray(r) || r.length !== 3 || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2])) {
      throw new ValueError(`Model.fromJSON: ${where} must be [layerName, nodeIndex, tensorIndex], got ${describe(r)}`);
    }
    const list = produced.get(r[0]);
    if (!list) throw new ValueError(`Model.fromJSON: ${where} names an unknown layer ${describe(r[0])}`);
    const node = list[r[1] as number];
    if (!node) return null;
    const t = node[r[2] as number];
    if (!t) throw new ValueError(`Model.fromJSON: ${where}: layer ${describe(r[0])} has no output ${r[2]}`);
    return t;
  };
  // Apply nodes as soon as the tensors they read exist (a shared layer's later node may wait for another layer).
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.next < p.nodes.length) {
        const refs = p.nodes[p.next];
        const where = `layer ${describe(p.layer.name)} node ${p.next}`;
        let ins: (SymbolicTensor | null)[];
        try {
          if (!Array.isArray(refs) || refs.length === 0) throw new ValueError(`Model.fromJSON: ${where} must list its inputs`);
          ins = refs.map((r, i) => resolve(r, `${where} input ${i}`));
          if (ins.some((t) => t === null)) break;
          const out = p.layer.apply(ins as SymbolicTensor[]);
          (produced.get(p.layer.name) as SymbolicTensor[][]).push(Array.isArray(out) ? out : [out]);
        } catch (err) {
          throw locate(p.index, err);
        }
        p.next++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.next < p.nodes.length);
  if (stuck) throw locate(stuck.index, new ValueError(`Model.fromJSON: node ${stuck.next} of layer ${describe(stuck.layer.name)} reads a tensor no node produces (a cycle or a missing node)`));
  const refs = (v: unknown, what: string) => {
    if (!Array.isArray(v) || v.length === 0) throw new ValueError(`Model.fromJSON: config.${what} must be a non-empty array`);
    return v.map((r, i) => {
      const t = resolve(r, `${what}[${i}]`);
      if (!t) throw new ValueError(`Model.fromJSON: ${what}[${i}] names a node that does not exist`);
      return t;
    });
  };
  return { inputs: refs(c.inputLayers, 'inputLayers'), outputs: refs(c.outputLayers, 'outputLayers'), name: typeof c.name === 'string' ? c.name : undefined };
}
