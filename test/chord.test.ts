// The CHORD ring: ring arithmetic, what a node accepts from the network,
// lookups in a stabilized ring and after failures, and the simulator's
// property test: random joins, crashes and message loss, with the
// invariants checked after every simulated event.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  type ChordNode, addPowerOfTwo, asNodeRef, asStateReply, asFindReply, between, isRingId, keyToPoint, successorListLength, upTo,
  type NodeRef,
} from '../runtime/chord/index.ts';
import { ringProblems, type MemberView } from '../runtime/chord/invariants.ts';
import { Sim, randomId, wrongFingers } from './chord-sim.ts';
import { prng } from './prng.ts';

const id = (head: string) => (head + '0'.repeat(40)).slice(0, 40);
const Z = '0'.repeat(40);
const F = 'f'.repeat(40);

// ---- ring arithmetic ----------------------------------------------------------

test('a key is its hex digits, left-aligned and padded to 160 bits', () => {
  assert.is(keyToPoint('0123456789ABCDEF'), '0123456789abcdef' + '0'.repeat(24));
  assert.is(keyToPoint('f'), 'f' + '0'.repeat(39));
  assert.is(keyToPoint(F), F);
  assert.is(keyToPoint('ab'.repeat(32)), 'ab'.repeat(20), 'a longer key keeps its first 40 digits');
  for (const bad of ['', 'xyz', '12 34', '0x12', '-1', 'é']) assert.throws(() => keyToPoint(bad), /ring key is hex digits/, bad);
});

test('ring positions are exactly 40 lowercase hex digits', () => {
  assert.ok(isRingId(Z) && isRingId(F) && isRingId('0123456789abcdef'.repeat(3).slice(0, 40)));
  for (const bad of [F.toUpperCase(), F.slice(1), F + '0', ' ' + F.slice(1), 42, null, undefined, { id: F }]) assert.not.ok(isRingId(bad), String(bad));
});

test('intervals on the ring wrap around zero', () => {
  const [a, b, c] = [id('2'), id('8'), id('c')];
  // [a, x, b, open (a,b), half-open (a,b]]
  const cases: [string, string, string, boolean, boolean][] = [
    [a, b, c, true, true],
    [a, c, b, false, false],
    [a, b, b, false, true],
    [a, a, b, false, false],
    [c, id('e'), a, true, true], // wraps past zero
    [c, id('1'), a, true, true],
    [c, Z, a, true, true],
    [c, F, a, true, true],
    [c, a, a, false, true],
    [c, b, a, false, false],
    [c, c, a, false, false],
    [a, b, a, true, true], // a = b: the whole ring but a, or the whole ring
    [a, a, a, false, true],
  ];
  for (const [x, y, z, open, half] of cases) {
    assert.is(between(x, y, z), open, `${y.slice(0, 2)} in (${x.slice(0, 2)}, ${z.slice(0, 2)})`);
    assert.is(upTo(x, y, z), half, `${y.slice(0, 2)} in (${x.slice(0, 2)}, ${z.slice(0, 2)}]`);
  }
});

test('finger starts: id + 2^i mod 2^160, as BigInt computes it', () => {
  assert.is(addPowerOfTwo(Z, 0), Z.slice(1) + '1');
  assert.is(addPowerOfTwo(Z, 159), '8' + Z.slice(1));
  assert.is(addPowerOfTwo(F, 0), Z, 'wraps to zero');
  assert.is(addPowerOfTwo(Z.slice(2) + 'ff', 0), Z.slice(3) + '100', 'carries');
  assert.is(addPowerOfTwo('8' + Z.slice(1), 159), Z);
  const rand = prng(160);
  const mod = BigInt(1) << BigInt(160);
  for (let k = 0; k < 300; k++) {
    const x = randomId(rand);
    const bit = Math.floor(rand() * 160);
    const want = ((BigInt('0x' + x) + (BigInt(1) << BigInt(bit))) % mod).toString(16).padStart(40, '0');
    assert.is(addPowerOfTwo(x, bit), want, `${x} + 2^${bit}`);
  }
});

test('successor list length: 2 log2 of the expected size, at least 4, at most 32', () => {
  assert.equal([2, 4, 8, 16, 1000, 4096, 1e12].map(successorListLength), [4, 4, 6, 8, 20, 24, 32]);
});

// ---- what a node accepts -----------------------------------------------------

test('answers from the network are checked before the ring believes them', () => {
  const n = { id: id('a'), addr: 'http://127.0.0.1:1111' };
  assert.equal(asNodeRef({ ...n, extra: 1 }), n);
  for (const bad of [null, [], { id: id('a') }, { ...n, id: id('A') }, { ...n, addr: '' }, { ...n, addr: 'x'.repeat(257) }, { ...n, addr: 7 }]) assert.is(asNodeRef(bad), null);
  assert.equal(asStateReply({ pred: null, succs: [n] }), { pred: null, succs: [n] });
  assert.is(asStateReply({ pred: { id: 'zz' }, succs: [] }), null, 'a bad predecessor');
  assert.is(asStateReply({ pred: null, succs: Array(65).fill(n) }), null, 'a list longer than 64');
  assert.is(asStateReply({ pred: null, succs: [n, { id: 1 }] }), null, 'one bad entry');
  assert.is(asFindReply({ done: 'yes', nodes: [] }), null);
  assert.equal(asFindReply({ done: false, nodes: [n] }), { done: false, nodes: [n] });
});

test('a node answers requests only as a member, and refuses malformed ones', () => {
  const sim = new Sim({ seed: 1 });
  const node = sim.addNode(id('5'));
  const from: NodeRef = { id: id('3'), addr: 'sim:x' };
  assert.equal(node.handle(from, { op: 'state' }), { error: 'not a member of a ring' });
  node.create();
  assert.equal(node.handle(from, { op: 'state' }), { pred: null, succs: [] });
  assert.equal(node.handle(from, { op: 'find', key: id('7') }), { done: true, nodes: [node.self] }, 'alone, it owns every key');
  for (const req of [null, 'state', {}, { op: 'nope' }, { op: 'find' }, { op: 'find', key: 'ABC' }, { op: 'find', key: id('a').toUpperCase() }])
    assert.ok('error' in node.handle(from, req), JSON.stringify(req));
  assert.ok('error' in node.handle({ id: 'bad' }, { op: 'notify' }), 'a notify from no ring node');
  assert.equal(node.handle(from, { op: 'notify' }), {});
  assert.equal(node.pred, from, 'the notifier is the predecessor');
  node.handle({ id: id('1'), addr: 'sim:y' }, { op: 'notify' });
  assert.equal(node.pred, from, 'a farther notifier is not');
});

// ---- the invariant checker ---------------------------------------------------

test('the invariant checker finds two rings, a loopy ring, disorder and dead ends', () => {
  const ref = (h: string): NodeRef => ({ id: id(h), addr: h });
  const view = (h: string, succs: string[], r = 3): MemberView => ({ self: ref(h), succs: succs.map(ref), pred: null, r });
  const good = [view('1', ['4', '8']), view('4', ['8', 'c']), view('8', ['c', '1']), view('c', ['1', '4'])];
  assert.equal(ringProblems(good), []);
  assert.equal(ringProblems([...good, view('6', ['8', 'c'])]), [], 'an appendage on its way in');
  assert.match(ringProblems([view('1', ['4']), view('4', ['1']), view('8', ['c']), view('c', ['8'])]).join(), /2 rings/);
  assert.match(ringProblems([view('1', ['8']), view('8', ['4']), view('4', ['c']), view('c', ['1'])]).join(), /goes around 2 times/);
  assert.match(ringProblems([view('1', ['8', '4']), view('4', ['8']), view('8', ['1'])]).join(), /not in ring order/);
  assert.match(ringProblems([view('1', ['4', '8', 'c', '1'])]).join(), /not in ring order/, 'a list that wraps past its owner');
  assert.match(ringProblems([view('1', ['4', '5', '6', '7', '8', '9'])]).join(), /more than 2r - 1/);
  assert.match(ringProblems([view('1', ['2']), view('4', ['8']), view('8', ['1'])]).join(), /no live successor/);
  const astray = [...good, view('6', ['e']), view('e', ['8'])];
  assert.match(ringProblems(astray).join(), /6.*path to the ring passes itself/);
  assert.equal(ringProblems(astray, false), [], 'appendages are not checked when messages may be lost');
});

// ---- rings in the simulator --------------------------------------------------

/** A ring of n nodes grown by joins through random members, run until ideal (successors, predecessors and fingers). */
function stableRing(n: number, seed: number, r?: number): Sim {
  const sim = new Sim({ seed, node: { successors: r, expectedSize: n, fixFingersMs: 250, attempts: 1 } });
  const first = sim.addNode();
  first.create();
  first.start();
  sim.membershipChanged();
  for (let i = 1; i < n; i++) {
    const node = sim.addNode();
    sim.join(node, () => sim.anyMember().self, 500, () => node.start());
  }
  for (let k = 0; k < 600 && (sim.members().length < n || sim.idealProblems().length || sim.members().some((m) => wrongFingers(sim, m))); k++)
    sim.runFor(1000, () => assert.equal(sim.problems(), []));
  assert.equal(sim.idealProblems(), [], 'converged');
  for (const m of sim.members()) assert.is(wrongFingers(sim, m), 0, 'fingers');
  for (const m of sim.members()) m.stop();
  sim.runIdle();
  return sim;
}

/** Lookups of random points from every member; what they found against the true live owners. */
function lookAll(sim: Sim, perNode: number): { wrong: number; failed: number; hops: number; count: number } {
  const t = { wrong: 0, failed: 0, hops: 0, count: 0 };
  for (const m of sim.members())
    for (let i = 0; i < perNode; i++) {
      const point = randomId(sim.random);
      m.lookup(point, (r) => {
        t.count++;
        t.hops += r.hops;
        if (!r.owner) t.failed++;
        else if (r.owner.id !== sim.ownerOf(point)) t.wrong++;
      });
    }
  sim.runIdle();
  return t;
}

test('in a stabilized ring every lookup finds the true owner, in about 1/2 log2 N hops', () => {
  const sim = stableRing(32, 5);
  const t = lookAll(sim, 10);
  assert.is(t.count, 320);
  assert.is(t.wrong + t.failed, 0);
  for (const m of sim.members()) m.listRouting = false;
  const f = lookAll(sim, 10);
  assert.is(f.wrong + f.failed, 0);
  assert.ok(Math.abs(f.hops / f.count - 2.5) < 0.5, `mean hops by fingers ${f.hops / f.count}`);
  assert.ok(t.hops < f.hops, 'the successor list shortens lookups');
  // keys exactly on a node, just after one, and the ends of the ring
  const ids = sim.sortedIds();
  for (const point of [ids[3], addPowerOfTwo(ids[3], 0), Z, F]) {
    let owner = '';
    sim.members()[7].lookup(point, (r) => (owner = r.owner!.id));
    sim.runIdle();
    assert.is(owner, sim.ownerOf(point), point);
  }
});

test('after 30% of the nodes fail at once, lookups without stabilization still find the live owner', () => {
  const sim = stableRing(48, 11, 8);
  const members = sim.members();
  for (let i = 0; i < members.length; i += 3) sim.crash(members[i]);
  const t = lookAll(sim, 5);
  assert.is(t.count, 5 * sim.members().length);
  assert.equal([t.wrong, t.failed], [0, 0]);
});

/** Run until the live members form the ideal ring, checking the invariants after every event. */
function heal(sim: Sim, maxMs = 120000): void {
  const until = sim.now + maxMs;
  while (sim.now < until && sim.idealProblems().length) sim.runFor(100, () => assert.equal(sim.problems(), [], 't=' + sim.now));
  assert.equal(sim.idealProblems(), [], 'the ring healed');
}

/** The ring of nodes at the given positions (hex heads), joined through the first, run until ideal. */
function ringOf(heads: string[], r: number, seed: number): { sim: Sim; nodes: ChordNode[] } {
  const sim = new Sim({ seed, node: { successors: r } });
  const nodes = heads.map((h) => sim.addNode(id(h)));
  nodes[0].create();
  nodes.forEach((n) => n.start());
  sim.membershipChanged();
  for (const n of nodes.slice(1)) sim.join(n, () => nodes[0].self);
  while (sim.members().length < nodes.length) sim.runFor(100);
  heal(sim);
  return { sim, nodes };
}

/**
 * Ring 1, 4, 8, c with r = 2 (simulator seed), and node 2 joining through
 * nodes[via], stopped k events in, the invariants checked after each; joined:
 * 2 is then 1's successor and 4's predecessor.
 */
function joinStopped(seed: number, via: number, k: number) {
  const { sim, nodes } = ringOf(['1', '4', '8', 'c'], 2, seed);
  const newcomer = sim.addNode(id('2'));
  sim.join(newcomer, () => nodes[via].self, 500, () => newcomer.start());
  for (let e = 0; e < k; e++) {
    sim.step();
    assert.equal(sim.problems(), [], `k=${k}, event ${e}`);
  }
  const joined = nodes[0].succs[0]?.id === newcomer.self.id && nodes[1].pred?.id === newcomer.self.id;
  return { sim, nodes, newcomer, joined };
}

test("Zave's counterexample: a node joins and then fails, at every point of its join; the ring heals", () => {
  // ring 1, 4, 8, c with r = 2; node 2 joins (through 8) between 1 and 4, and fails k events after it started
  let k = 0;
  for (let settled = false; !settled; k++) {
    const { sim, nodes, newcomer, joined } = joinStopped(3, 2, k);
    // from the point where the newcomer is 1's successor and 4's predecessor, a crash is the plain case
    settled = joined;
    sim.crash(newcomer);
    heal(sim);
    assert.equal(sim.sortedIds(), nodes.map((n) => n.self.id));
  }
  assert.ok(k > 20, 'crashed at ' + k + ' points');
});

test('a node joins and its successor fails, at every point of the join; the ring heals', () => {
  for (let k = 0, settled = false; !settled; k++) {
    const { sim, nodes, newcomer, joined } = joinStopped(4, 3, k);
    settled = joined;
    assert.ok(sim.canCrash(nodes[1]), 'r = 2 leaves every member a live successor');
    sim.crash(nodes[1]);
    heal(sim);
    assert.is(sim.members().length, newcomer.member ? 4 : 3);
  }
});

// Each of Zave's rules, on a ring set up by hand (1, 4, 8, c; r = 2), timers off.
function quietRing(): { sim: Sim; n: Record<string, ChordNode> } {
  const { sim, nodes } = ringOf(['1', '4', '8', 'c'], 2, 6);
  for (const m of nodes) m.stop();
  sim.runIdle();
  return { sim, n: { 1: nodes[0], 4: nodes[1], 8: nodes[2], c: nodes[3] } };
}
const ids = (list: NodeRef[]) => list.map((x) => x.id[0]).join('');

test('stabilize adopts a closer node only once it has answered', () => {
  const { sim, n } = quietRing();
  const six = sim.addNode(id('6'));
  six.create();
  six.succs = [n[8].self, n.c.self];
  n[8].pred = six.self;
  sim.crash(six);
  n[4].stabilize();
  sim.runIdle();
  assert.is(ids(n[4].succs), '8c', 'a dead predecessor of the successor is not adopted');
  const seven = sim.addNode(id('7'));
  seven.create();
  seven.succs = [n[8].self, n.c.self];
  n[8].pred = seven.self;
  n[4].stabilize();
  sim.runIdle();
  assert.is(ids(n[4].succs), '78', 'a live one is, with its list');
  assert.is(n[8].pred?.id, id('7'));
});

test('stabilize does not adopt a predecessor that has moved on past the successor', () => {
  const { sim, n } = quietRing();
  const six = sim.addNode(id('6'));
  six.create();
  six.succs = [n.c.self, n[1].self]; // 6 once notified 8, then took c as its successor
  n[8].pred = six.self;
  n[4].stabilize();
  sim.runIdle();
  assert.is(ids(n[4].succs), '8c', '4 -> 6 -> c would skip 8');
});

test('a successor that does not answer is passed over but kept in front until it has been silent 3 rounds', () => {
  const { sim, n } = quietRing();
  sim.crash(n[4]);
  const rounds: string[] = [];
  for (let i = 0; i < 4; i++) {
    n[1].stabilize();
    sim.runIdle();
    rounds.push(ids(n[1].succs));
  }
  assert.equal(rounds, ['48c', '48c', '8c', '8c'], 'kept in front, r more behind, then dropped');
  assert.is(n[8].pred?.id, id('4'), '8 keeps its predecessor until check-predecessor finds it dead');
  n[8].checkPredecessor();
  sim.runIdle();
  n[1].stabilize();
  sim.runIdle();
  assert.is(n[8].pred?.id, id('1'), 'then the notifier is its predecessor');
});

test('passing over silent successors stops at a node whose own successor passes over us', () => {
  const { sim, n } = quietRing();
  sim.crash(n[4]);
  n[8].succs = [n[1].self, n[4].self]; // 8 sees 1 as its successor: 1 -> 8 -> 1 would skip c
  n[1].succs = [n[4].self, n[8].self];
  n[1].stabilize();
  sim.runIdle();
  assert.is(ids(n[1].succs), '48', 'no live successor will do: the list stays');
});

test("a lookup's owner is confirmed by its predecessor: a newer node between the key and it owns the key", () => {
  const { sim, n } = quietRing();
  const six = sim.addNode(id('6'));
  sim.join(six, () => n.c.self);
  sim.runIdle();
  assert.ok(six.member);
  assert.is(ids(n[4].succs), '8c', "4 has not stabilized: it does not know 6 yet");
  assert.is(n[8].pred?.id, id('6'));
  let owner = '';
  n[1].lookup(id('5'), (r) => (owner = r.owner!.id));
  sim.runIdle();
  assert.is(owner, id('6'));
});

test('a node that restarts with the same ring position counts as dead until it joins again', () => {
  const sim = stableRing(12, 21, 4);
  const old = sim.members()[5];
  sim.crash(old);
  for (const m of sim.members()) m.start();
  const again = sim.addNode(old.self.id);
  assert.equal(again.handle(sim.members()[0].self, { op: 'state' }), { error: 'not a member of a ring' });
  sim.join(again, () => sim.members()[0].self, 500, () => again.start());
  heal(sim);
  assert.ok(sim.members().includes(again));
  assert.ok(sim.members().every((m) => m.succs.every((s) => s.addr !== old.self.addr)), 'the old address is gone from every list');
});

// The property: whatever the schedule of joins (several at once), crashes
// (those that keep Zave's operating assumption: every member keeps a live
// successor) and lost messages, the invariants hold after every event, and
// once the losses stop the ring converges to the ideal one, where every
// lookup finds the true owner.
const schedule = fc.record({
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  loss: fc.constantFrom(0, 0, 0.05, 0.1),
  r: fc.integer({ min: 2, max: 4 }),
  steps: fc.array(
    fc.record({ kind: fc.constantFrom('join', 'join', 'crash', 'wait'), count: fc.integer({ min: 1, max: 3 }), ms: fc.integer({ min: 0, max: 1500 }) }),
    { minLength: 5, maxLength: 25 },
  ),
});

test('property: random joins, crashes and message loss never break the invariants, and the ring converges', () => {
  fc.assert(
    fc.property(schedule, ({ seed, loss, r, steps }) => {
      const sim = new Sim({ seed, loss, node: { successors: r } });
      const check = () => {
        const p = sim.problems();
        if (p.length) throw new Error(`t=${sim.now.toFixed(0)}: ${p.join('; ')}`);
      };
      const first = sim.addNode();
      first.create();
      first.start();
      sim.membershipChanged();
      for (const s of steps) {
        if (s.kind === 'join')
          for (let i = 0; i < s.count; i++) {
            const node = sim.addNode();
            sim.join(node, () => sim.anyMember().self, 500, () => node.start());
          }
        else if (s.kind === 'crash') {
          const m = sim.anyMember();
          if (sim.canCrash(m)) sim.crash(m);
        }
        sim.runFor(s.ms, check);
      }
      sim.loss = 0;
      const until = sim.now + 180000;
      while (sim.now < until && (sim.joining || sim.idealProblems().length)) sim.runFor(250, check);
      if (sim.idealProblems().length) throw new Error('did not converge: ' + sim.idealProblems().slice(0, 3).join('; '));
      for (const m of sim.members()) m.stop();
      sim.runIdle(check);
      const t = lookAll(sim, 3);
      if (t.wrong + t.failed) throw new Error(`${t.wrong} wrong and ${t.failed} failed lookups`);
    }),
    { numRuns: 24, seed: 9 },
  );
});

test.run();
