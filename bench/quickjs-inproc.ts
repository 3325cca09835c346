// The same in-process comparison inside QuickJS (quickjs-emscripten, the
// board's engine), bundled by bench/run.mjs after the reference bundle (which
// sets globalThis.referenceJml). Leaves its JSON in globalThis.benchResult.
import { Interpreter } from '../jml/index.ts';
import { SETUP, WORKLOADS, median } from './workloads.mjs';

const g = globalThis as any;
const reps: number = g.benchReps || 3;
const host = { now: () => Date.now(), randomBytes: (n: number) => new Uint8Array(n) };
const engines: Record<string, { run(line: string): { output: string } }> = {
  ref: new g.referenceJml.Interpreter({ host }),
  new: new Interpreter({ host, maxTime: 600_000 }),
};
for (const it of Object.values(engines)) for (const l of SETUP) it.run(l);
const result: Record<string, { ref: number; new: number }> = {};
for (const w of WORKLOADS) {
  const times: Record<string, number[]> = { ref: [], new: [] };
  // a short workload is timed in batches (Date.now() counts whole milliseconds)
  const batch = w.line.length < 200 && !/fib|iota/.test(w.line) ? 20 : 1;
  for (let i = 0; i < reps; i++) {
    for (const [name, it] of Object.entries(engines)) {
      const t = Date.now();
      let r = it.run(w.line);
      for (let k = 1; k < batch; k++) r = it.run(w.line);
      times[name].push((Date.now() - t) / batch);
      if (r.output !== w.expect) throw new Error(`${name} ${w.name}: got ${r.output.slice(0, 80)}, expected ${w.expect}`);
    }
  }
  result[w.name] = { ref: median(times.ref), new: median(times.new) };
}
g.benchResult = JSON.stringify(result);
