import type { Layer } from '../layers/layer.js';
import type { Variable } from '../params/variable.js';
import type { Topology } from '../graph/topology.js';

/**
 * A Keras-style table: one row per layer of a chain (name (class), output
 * shape, parameters it declared), or per node of a graph with the tensors it
 * reads ("Connected to"); then the parameter counts (a shared weight once).
 * `topo` is null for a chain not built yet (its shapes print as unknown).
 */
export function summaryLines(layers: readonly Layer[], topo: Topology | null, chain: boolean, weights: readonly Variable[]): string[] {
  const own = (l: Layer) => String(l.weights.filter((v) => v.owner === l).reduce((s, v) => s + v.size, 0));
  const shape = (s: readonly number[] | null) => (s ? `[null,${s.join(',')}]` : '?');
  const graph = topo !== null && !chain;
  let rows: string[][];
  if (!graph) {
    rows = layers.map((l) => [`${l.name} (${l.className})`, shape(l.outputShape), l.built ? own(l) : '?']);
  } else {
    rows = topo.inputs.map((t) => [`${t.name} (InputLayer)`, shape(t.shape), '0', '']);
    for (const n of topo.nodes) {
      rows.push([`${n.layer.name} (${n.layer.className})`, n.outputs.map((t) => shape(t.shape)).join(' '), own(n.layer), n.inputs.map((t) => t.name).join(', ')]);
    }
  }
  const head = ['Layer (type)', 'Output shape', 'Param #', ...(graph ? ['Connected to'] : [])];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('').trimEnd();
  const rule = '_'.repeat(w.reduce((a, b) => a + b, 0));
  const total = weights.reduce((s, v) => s + v.size, 0);
  const trainable = weights.filter((v) => v.trainable).reduce((s, v) => s + v.size, 0);
  const out = [rule, line(head), '='.repeat(rule.length), ...rows.map(line), '='.repeat(rule.length), `Total params: ${total}`];
  if (trainable !== total) out.push(`Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`);
  out.push(rule);
  return out;
}
