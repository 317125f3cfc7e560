// Hopfield capacity: stores P random patterns in N = 200 units and recalls
// each from a copy with 10% of its units flipped. Hebbian storage breaks down
// around P = 0.138 N (Amit, Gutfreund and Sompolinsky); the pseudo-inverse
// (projection) rule keeps every pattern a fixed point far beyond it.
// Also shows synchronous updates falling into a 2-cycle on the seeds' example.
//
// Run from the repository after `npm run build`: node examples/hopfield-capacity.mjs
import { init, Hopfield } from '../dist/index.js';

await init();
const N = 200;
let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const pattern = () => Array.from({ length: N }, () => (rand() < 0.5 ? -1 : 1));

console.log('alpha = P/N   hebbian: perfect  overlap   pseudoinverse: perfect  overlap');
for (const alpha of [0.05, 0.1, 0.12, 0.14, 0.16, 0.2, 0.3, 0.5]) {
  const P = Math.round(alpha * N);
  const patterns = Array.from({ length: P }, pattern);
  const cells = [];
  for (const rule of ['hebbian', 'pseudoinverse']) {
    const net = new Hopfield({ size: N, rule, seed: 1 });
    net.store(patterns);
    let perfect = 0;
    let overlap = 0;
    for (const x of patterns) {
      const probe = x.map((v) => (rand() < 0.1 ? -v : v));
      const { state } = net.recall(probe, { maxSweeps: 50 });
      const m = state.reduce((a, v, i) => a + v * x[i], 0) / N;
      overlap += m / P;
      if (m === 1) perfect++;
    }
    net.dispose();
    cells.push(`${String(Math.round((100 * perfect) / P)).padStart(7)}%  ${overlap.toFixed(3).padStart(7)}`);
  }
  console.log(`${alpha.toFixed(2).padStart(11)}   ${cells[0]}   ${' '.repeat(15)}${cells[1]}`);
}

// The lecture notes' 3-unit example: synchronous updates oscillate, asynchronous ones settle.
const net = new Hopfield({ size: 3 });
net.setWeights([[0, -1, 1], [-1, 0, -1], [1, -1, 0]]);
const sync = net.recall([1, 1, -1], { mode: 'sync' });
const async = net.recall([1, 1, -1], { mode: 'async', order: 'fixed' });
console.log(`\nseed example, sync:  period ${sync.period} after ${sync.sweeps} steps (cycle ${sync.cycle}), energy ${net.energy(sync.state)}`);
console.log(`seed example, async: fixed point [${Array.from(async.state)}] after ${async.sweeps} sweeps, energy ${net.energy(async.state)}`);
net.dispose();
