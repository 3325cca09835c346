// Runs the workloads in this process (Node or Bun) on dist/core.js and prints
// {"workload name": median ms, ...} as JSON.
import { MagniNode } from '../dist/core.js';
import { SETUP, WORKLOADS, median } from './workloads.mjs';

const reps = Number(process.argv[2] || 5);
const files = new Map();
const host = {
  now: () => Date.now(),
  randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  log: () => {},
  readText: (p) => files.get(p) ?? null,
  appendText: (p, t) => files.set(p, (files.get(p) || '') + t),
};
const node = new MagniNode(host, { quiet: true });
node.load();
for (const l of SETUP) node.evalLine(l);
const result = {};
for (const w of WORKLOADS) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const r = node.evalLine(w.line);
    times.push(performance.now() - t);
    if (r.output !== w.expect) throw new Error(`${w.name}: got ${r.output.slice(0, 80)}, expected ${w.expect}`);
  }
  result[w.name] = median(times);
}
process.stdout.write(JSON.stringify(result));
