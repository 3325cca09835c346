// The CHORD ring in the simulator (test/chord-sim.ts: the same ChordNode
// code, a seeded network with delay, no loss): the tables of issue 9.
//   node --import tsx bench/chord.ts [--max-log N] [--seed S] [--only build|hops|fail|churn]
// 1. Path length: N = 2^3 .. 2^maxLog (default 12), a stabilized ring
//    (every successor list, predecessor and finger correct), 100 lookups of
//    random keys per node: mean hops against 1/2 log2 N (the Chord paper's
//    Fig. 10), routing by fingers and the first successor as in the paper,
//    and by the whole successor list (the default); owners checked against
//    the true successor of each key.
// 2. Simultaneous failures: N = 1000, r = 20, a fraction p of the nodes
//    fails at once, no stabilization afterwards, 10,000 lookups from live
//    nodes: wrong owners, failed lookups, path length and timeouts beside
//    the Chord paper's Table II.
// 3. Churn: N = 1000, one join and one crash per stabilization period for
//    100 periods, lookups all along (retried up to 3 times).
import { Sim, randomId, wrongFingers } from '../test/chord-sim.ts';
import type { ChordNode, LookupResult } from '../runtime/chord/index.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const MAX_LOG = Number(arg('--max-log', '12'));
const SEED = Number(arg('--seed', '9'));
const ONLY = arg('--only', '');
const STABILIZE_MS = 1000;

const fmt = (x: number, d = 2) => x.toFixed(d);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
function table(head: string[], rows: (string | number)[][]): void {
  console.log('| ' + head.join(' | ') + ' |');
  console.log('|' + head.map(() => '---').join('|') + '|');
  for (const r of rows) console.log('| ' + r.join(' | ') + ' |');
  console.log();
}

/**
 * A ring of n nodes, grown in waves (each wave as many new nodes as there
 * are members, joining through random members) until every successor list
 * and predecessor is right, then every finger.
 */
function buildRing(n: number, seed: number, expectedSize = n): { sim: Sim; ms: number } {
  const t0 = performance.now();
  const sim = new Sim({ seed, delay: [5, 50], timeout: 250, node: { expectedSize, stabilizeMs: STABILIZE_MS, fixFingersMs: 250, attempts: 1 } });
  const first = sim.addNode();
  first.create();
  first.start();
  sim.membershipChanged();
  while (sim.members().length < n) {
    const wave = Math.min(sim.members().length, n - sim.members().length);
    let joined = 0;
    for (let i = 0; i < wave; i++) {
      const node = sim.addNode();
      sim.join(node, () => sim.anyMember().self, 500, () => {
        node.start();
        joined++;
      });
    }
    while (joined < wave) sim.runFor(STABILIZE_MS);
    for (let k = 0; k < 1000 && sim.idealProblems().length; k++) sim.runFor(STABILIZE_MS);
  }
  for (let k = 0; k < 1000 && sim.members().some((m) => wrongFingers(sim, m)); k++) sim.runFor(2 * STABILIZE_MS);
  if (sim.idealProblems().length || sim.members().some((m) => wrongFingers(sim, m))) throw new Error(`ring of ${n} did not stabilize`);
  for (const m of sim.members()) m.stop();
  sim.runIdle();
  return { sim, ms: performance.now() - t0 };
}

interface Tally {
  hops: number[];
  timeouts: number[];
  wrong: number;
  failed: number;
}

/** Lookups of random points from the given askers, `perBatch` at a time, until count are done. */
function lookups(sim: Sim, askers: () => ChordNode, count: number, perBatch: number, retries = 0): Tally {
  const t: Tally = { hops: [], timeouts: [], wrong: 0, failed: 0 };
  let done = 0;
  while (done < count) {
    const batch = Math.min(perBatch, count - done);
    for (let i = 0; i < batch; i++) {
      const point = randomId(sim.random);
      const asker = askers();
      let tries = 0;
      const go = () =>
        asker.lookup(point, (r: LookupResult) => {
          if (!r.owner && tries++ < retries) return sim.at(STABILIZE_MS, go);
          t.hops.push(r.hops);
          t.timeouts.push(r.timeouts);
          if (!r.owner) t.failed++;
          else if (r.owner.id !== sim.ownerOf(point)) t.wrong++;
        });
      go();
    }
    sim.runIdle();
    done += batch;
  }
  return t;
}

function pathLength(): void {
  console.log('### Path length in a stabilized ring (100 lookups per node)\n');
  const rows: (string | number)[][] = [];
  for (let log = 3; log <= MAX_LOG; log++) {
    const n = 2 ** log;
    const { sim, ms } = buildRing(n, SEED + log);
    const members = sim.members();
    let next = 0;
    const row = [n, fmt(log / 2, 1)];
    for (const listRouting of [false, true]) {
      for (const m of members) m.listRouting = listRouting;
      const t0 = performance.now();
      next = 0;
      const t = lookups(sim, () => members[next++ % n], 100 * n, n);
      row.push(`${fmt(mean(t.hops))} (${pct(t.hops, 1)}, ${pct(t.hops, 99)})`, fmt(mean(t.hops) - log / 2), t.wrong + t.failed);
      if (listRouting) row.push(fmt(ms / 1000, 1) + ' / ' + fmt((performance.now() - t0) / 1000, 1));
    }
    rows.push(row);
  }
  table(
    ['N', '1/2 log2 N', 'hops, fingers (1st, 99th pct)', 'minus 1/2 log2 N', 'wrong or failed', 'hops, fingers + successor list', 'minus 1/2 log2 N', 'wrong or failed', 'build / lookups, s'],
    rows,
  );
}

// The Chord paper (IEEE/ACM ToN 2003), Table II: N = 1000, r = 20, a fraction p fails
// at once, no stabilization, 10,000 lookups: mean path length and mean timeouts.
const TABLE_II: Record<string, [number, number]> = { '0': [3.84, 0], '0.1': [4.03, 0.6], '0.2': [4.22, 1.17], '0.3': [4.44, 2.02], '0.4': [4.69, 3.23], '0.5': [5.09, 5.1] };

function failures(): void {
  console.log('### Simultaneous failures: N = 1000, r = 20, no stabilization, 10,000 lookups\n');
  const rows: (string | number)[][] = [];
  for (const p of [0, 0.1, 0.2, 0.3, 0.4, 0.5]) {
    const { sim } = buildRing(1000, SEED, 1000);
    const members = sim.members();
    const r = members[0].r;
    // fail a fraction p at once, chosen by the seeded PRNG
    const order = members.map((m) => ({ m, k: sim.random() })).sort((a, b) => a.k - b.k);
    for (const { m } of order.slice(0, Math.round(p * members.length))) sim.crash(m);
    const live = sim.members();
    const t = lookups(sim, () => live[Math.floor(sim.random() * live.length)], 10000, 1000);
    // path length as the paper counts it (3.84 at p = 0 is our hops + 1): the live nodes a lookup
    // contacts, the owner included
    const pathLen = t.hops.map((h) => h + 1);
    const [paperLen, paperTimeouts] = TABLE_II[String(p)];
    rows.push([p, r, t.wrong, t.failed, `${fmt(mean(pathLen))} (${pct(pathLen, 1)}, ${pct(pathLen, 99)})`, fmt(paperLen), `${fmt(mean(t.timeouts))} (${pct(t.timeouts, 1)}, ${pct(t.timeouts, 99)})`, fmt(paperTimeouts)]);
  }
  table(['failed fraction p', 'r', 'wrong owners', 'failed lookups', 'path length: hops + 1 (1st, 99th)', 'Table II path length', 'timeouts per lookup (1st, 99th)', 'Table II timeouts'], rows);
}

/** N = 1000 nodes with their timers on; each stabilization period `rate` nodes join and `rate` crash, for 100 periods. */
function churnRow(rate: number): (string | number)[] {
  const { sim } = buildRing(1000, SEED + 100 + rate, 1000);
  for (const m of sim.members()) m.start();
  const t: Tally = { hops: [], timeouts: [], wrong: 0, failed: 0 };
  let retried = 0;
  let started = 0;
  const PER_ROUND = 100;
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < rate; i++) {
      const node = sim.addNode();
      sim.join(node, () => sim.anyMember().self, 500, () => node.start());
      sim.crash(sim.anyMember());
    }
    for (let i = 0; i < PER_ROUND; i++) {
      const point = randomId(sim.random);
      const asker = sim.anyMember();
      let tries = 0;
      started++;
      const go = () =>
        asker.lookup(point, (r) => {
          if (!r.owner && tries++ < 2) {
            retried++;
            return sim.at(STABILIZE_MS, go);
          }
          t.hops.push(r.hops);
          t.timeouts.push(r.timeouts);
          if (!r.owner) t.failed++;
          else if (r.owner.id !== sim.ownerOf(point)) t.wrong++;
        });
      sim.at(sim.random() * STABILIZE_MS, go);
    }
    sim.runFor(STABILIZE_MS);
  }
  for (const m of sim.members()) m.stop();
  sim.runUntil(sim.now + 10 * STABILIZE_MS);
  const n = t.hops.length;
  return [
    `${rate} + ${rate}`, n, started - n, t.failed, fmt((100 * t.failed) / n, 2), retried, t.wrong,
    `${fmt(mean(t.hops.map((h) => h + 1)))} (${pct(t.hops, 1) + 1}, ${pct(t.hops, 99) + 1})`, fmt(mean(t.timeouts)), sim.members().length,
  ];
}

function churn(): void {
  console.log('### Churn: N = 1000, joins + crashes per stabilization period (1 s), 100 periods, 100 lookups per period\n');
  table(
    ['joins + crashes per period', 'lookups', 'lost with their asker', 'failed after 3 tries', 'failed %', 'retried', 'wrong owner', 'path length: hops + 1 (1st, 99th)', 'timeouts per lookup', 'members at the end'],
    [churnRow(1), churnRow(10)],
  );
}

const t0 = performance.now();
if (!ONLY || ONLY === 'hops') pathLength();
if (!ONLY || ONLY === 'fail') failures();
if (!ONLY || ONLY === 'churn') churn();
console.log(`(${fmt((performance.now() - t0) / 1000, 1)} s, seed ${SEED})`);
