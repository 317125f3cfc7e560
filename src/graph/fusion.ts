import type { Site } from '../layers/layer.js';
import type { Node, SymbolicTensor } from './symbolic.js';

/**
 * The fusion pass of inference planning: pairs each node with the node that
 * runs right after it when the second is the only reader of the first's one
 * output, nothing else needs that output (a model output, or an inner
 * activation asked for: `keep`), and the first layer can compute both in one
 * call (Layer.fusesWith, e.g. a convolution and the 2x2 max pooling after
 * it). Returns, per node of `nodes` (in run order), the node fused into it,
 * or null; a fused node runs as part of its partner only.
 */
export function fusePairs(nodes: readonly Node[], sites: ReadonlyMap<Node, Site>, keep: ReadonlySet<SymbolicTensor>): (Node | null)[] {
  const readers = new Map<SymbolicTensor, number>();
  for (const n of nodes) for (const t of n.inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  const out: (Node | null)[] = [];
  let skip = false;
  nodes.forEach((node, i) => {
    if (skip) {
      skip = false;
      out.push(null);
      return;
    }
    const next = nodes[i + 1];
    const t = node.outputs[0];
    const fuses = !!next && node.outputs.length === 1 && readers.get(t) === 1 && !keep.has(t) &&
      next.inputs.length === 1 && next.inputs[0] === t &&
      node.layer.fusesWith(sites.get(node) as Site, next.layer, sites.get(next) as Site);
    out.push(fuses ? next : null);
    skip = fuses;
  });
  return out;
}
