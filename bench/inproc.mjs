// In one process (Node or Bun): each workload on the reference evaluator and
// on today's, alternating, after one warm-up each; prints
// {"workload name": {"ref": median ms, "new": median ms}, ...} as JSON.
// Short workloads run until they have run long enough for a steady median.
//   node bench/inproc.mjs REPS REFERENCE_BUNDLE
import { pathToFileURL } from 'node:url';
import { Interpreter } from '../dist/core.js';
import { SETUP, WORKLOADS, median } from './workloads.mjs';

const reps = Number(process.argv[2] || 5);
const { Interpreter: Reference } = await import(pathToFileURL(process.argv[3]).href);
const host = { now: () => Date.now(), randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)) };
const engines = { ref: new Reference({ host }), new: new Interpreter({ host }) };
for (const it of Object.values(engines)) for (const l of SETUP) it.run(l);

const result = {};
for (const w of WORKLOADS) {
  const times = { ref: [], new: [] };
  // at least reps runs each, and short workloads until each has run 300 ms (at most 500 runs)
  const spent = { ref: 0, new: 0 };
  for (let i = -1; i < reps || (i < 500 && Math.min(spent.ref, spent.new) < 300); i++) {
    for (const [name, it] of Object.entries(engines)) {
      const t = performance.now();
      const r = it.run(w.line);
      const ms = performance.now() - t;
      if (r.output !== w.expect) throw new Error(`${name} ${w.name}: got ${r.output.slice(0, 80)}, expected ${w.expect}`);
      if (i >= 0) times[name].push(ms), (spent[name] += ms);
    }
  }
  result[w.name] = { ref: median(times.ref), new: median(times.new) };
}
process.stdout.write(JSON.stringify(result));
