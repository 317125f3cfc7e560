import { ValueError, describe } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { Node, SymbolicTensor } from './symbolic.js';

/** A model's graph: its input and output tensors and the nodes between them in an order that runs. */
export interface Topology {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Every non-input node that some output depends on, each after the nodes it reads. */
  nodes: Node[];
  /** The distinct layers of those nodes, in the order they first run. */
  layers: Layer[];
}

/**
 * Collects the nodes between `inputs` and `outputs` (walking back from the
 * outputs) in creation order, which is topological because a node can only
 * read tensors that existed before it. Every path back from an output must
 * end at one of `inputs`; layer names must be unique.
 */
export function topology(op: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Topology {
  const check = (what: string, list: readonly SymbolicTensor[]) => {
    if (!Array.isArray(list) || list.length === 0) throw new ValueError(`${op}: ${what} must be a symbolic tensor or a non-empty array of them, got ${describe(list)}`);
    list.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) throw new ValueError(`${op}: ${what}[${i}] must be a symbolic tensor (from input() or layer.apply()), got ${describe(t)}`);
    });
    if (new Set(list).size !== list.length) throw new ValueError(`${op}: ${what} lists the same tensor twice`);
  };
  check('inputs', inputs);
  check('outputs', outputs);
  inputs.forEach((t, i) => {
    if (!t.node.isInput) throw new ValueError(`${op}: inputs[${i}] (${t.name}) must come from input(), not from a layer`);
  });
  const inputSet = new Set(inputs);
  const seen = new Set<Node>();
  const stack: SymbolicTensor[] = [...outputs];
  while (stack.length) {
    const t = stack.pop() as SymbolicTensor;
    if (inputSet.has(t)) continue;
    if (t.node.isInput) {
      throw new ValueError(`${op}: the graph is disconnected: the outputs depend on input ${t.name}, which is not among the model's inputs`);
    }
    if (seen.has(t.node)) continue;
    seen.add(t.node);
    for (const x of t.node.inputs) stack.push(x);
  }
  const nodes = [...seen].sort((a, b) => a.id - b.id);
  const layers: Layer[] = [];
  const names = new Map<string, Layer>();
  for (const n of nodes) {
    const other = names.get(n.layer.name);
    if (other && other !== n.layer) throw new ValueError(`${op}: two different layers are named ${describe(n.layer.name)}; layer names must be unique in a model`);
    if (!other) {
      names.set(n.layer.name, n.layer);
      layers.push(n.layer);
    }
  }
  for (const t of inputs) {
    if (names.has(t.node.layer.name)) throw new ValueError(`${op}: input ${describe(t.node.layer.name)} has the name of a layer`);
  }
  return { inputs: inputs.slice(), outputs: outputs.slice(), nodes, layers };
}
