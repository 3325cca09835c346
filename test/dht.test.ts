// The DHT on the ring, in the simulator: records on a key's owner and its
// next two successors, found from any node; handed over when nodes fail
// or join; gone after their time to live unless published again; checked
// and bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyToPoint, type ChordNode } from '../runtime/chord/index.ts';
import { Dht, type DhtOptions } from '../runtime/chord/dht.ts';
import { Sim, randomId } from './chord-sim.ts';

const SYNC = 2000;

interface Ring {
  sim: Sim;
  dhts: Map<ChordNode, Dht>;
}

/** A DHT for a node: it answers the node's requests from now on, and runs its timers. */
function attach(r: Ring, node: ChordNode, o: DhtOptions = {}): Dht {
  const dht = new Dht(node, { syncMs: SYNC, ...o });
  r.sim.entry(node).handle = (from, req) => dht.handle(from, req);
  r.dhts.set(node, dht);
  dht.start();
  return dht;
}

/** A stable ring of n nodes, each with a DHT, timers running. */
function dhtRing(n: number, seed: number, o: DhtOptions = {}): Ring {
  const sim = new Sim({ seed, node: { successors: 4, fixFingersMs: 250 } });
  const r: Ring = { sim, dhts: new Map() };
  const first = sim.addNode();
  first.create();
  first.start();
  attach(r, first, o);
  sim.membershipChanged();
  for (let i = 1; i < n; i++) {
    const node = sim.addNode();
    attach(r, node, o);
    sim.join(node, () => sim.anyMember().self, 500, () => node.start());
  }
  while (sim.joining || sim.idealProblems().length) sim.runFor(1000);
  return r;
}

const live = (r: Ring) => r.sim.members().map((m) => r.dhts.get(m)!);
const anyDht = (r: Ring) => r.dhts.get(r.sim.anyMember())!;

/** The nodes (positions) holding a key's value, sorted. */
function holders(r: Ring, key: string, value: string): string[] {
  const point = keyToPoint(key);
  return live(r).filter((d) => d.values(point).includes(value)).map((d) => d.ring.self.id).sort();
}

/** The key's owner and its next two successors among the live members. */
function responsible(r: Ring, key: string): string[] {
  const ids = r.sim.sortedIds();
  const i = ids.indexOf(r.sim.ownerOf(keyToPoint(key)));
  return [0, 1, 2].map((j) => ids[(i + j) % ids.length]).sort();
}

/** How many nodes stored the record (an error when none did). */
function put(r: Ring, dht: Dht, key: string, value: string, ttl: number): number | string {
  let stored: number | string = 'no answer';
  dht.put(key, value, ttl, (n, error) => (stored = error ?? n));
  r.sim.runFor(3000);
  return stored;
}

function get(r: Ring, dht: Dht, key: string): string[] | string {
  let got: string[] | string = 'no answer';
  dht.get(key, (values, error) => (got = error ?? values));
  r.sim.runFor(3000);
  return got;
}

const keys = (r: Ring, n: number) => Array.from({ length: n }, () => randomId(r.sim.random).slice(0, 16).toUpperCase());

test('a record is kept by its key\'s owner and the next two successors, and found from any node', () => {
  const r = dhtRing(16, 1);
  for (const key of keys(r, 12)) {
    assert.is(put(r, anyDht(r), key, 'v-' + key, 60000), 3);
    assert.equal(holders(r, key, 'v-' + key), responsible(r, key));
    assert.equal(get(r, anyDht(r), key), ['v-' + key]);
  }
  assert.equal(get(r, anyDht(r), 'ABCDEF'), [], 'nothing under a key never put');
});

test('when a key\'s owner fails, its successors hand the record on: three copies again', () => {
  const r = dhtRing(16, 2);
  const ks = keys(r, 8);
  for (const key of ks) assert.is(put(r, anyDht(r), key, 'v', 600000), 3);
  for (const key of ks.slice(0, 4)) {
    const owner = r.sim.members().find((m) => m.self.id === r.sim.ownerOf(keyToPoint(key)))!;
    r.sim.crash(owner);
    r.sim.runFor(5 * SYNC);
    assert.equal(holders(r, key, 'v'), responsible(r, key), key);
  }
  for (const key of ks) {
    assert.equal(holders(r, key, 'v'), responsible(r, key), key);
    assert.equal(get(r, anyDht(r), key), ['v']);
  }
});

test('when nodes join, the new owners receive their records', () => {
  const r = dhtRing(8, 3);
  const ks = keys(r, 10);
  for (const key of ks) assert.is(put(r, anyDht(r), key, 'v', 600000), 3);
  for (let i = 0; i < 8; i++) {
    const node = r.sim.addNode();
    attach(r, node);
    r.sim.join(node, () => r.sim.anyMember().self, 500, () => node.start());
  }
  while (r.sim.joining || r.sim.idealProblems().length) r.sim.runFor(1000);
  r.sim.runFor(10 * SYNC);
  for (const key of ks) {
    const has = holders(r, key, 'v');
    for (const id of responsible(r, key)) assert.ok(has.includes(id), `${key}: ${id.slice(0, 8)} of ${responsible(r, key).map((x) => x.slice(0, 8))} lacks it`);
    assert.equal(get(r, anyDht(r), key), ['v']);
  }
});

test('a record lives its time to live, and longer only while its publisher publishes it again', () => {
  const r = dhtRing(12, 4);
  const [kept, orphan, dropped] = keys(r, 3);
  const publisher = anyDht(r);
  let other = anyDht(r);
  while (other === publisher) other = anyDht(r);
  assert.is(put(r, publisher, kept, 'k', 20000), 3);
  assert.is(put(r, publisher, dropped, 'd', 20000), 3);
  assert.is(put(r, other, orphan, 'o', 20000), 3);
  publisher.unpublish(dropped, 'd');
  r.sim.crash(other.ring);
  r.sim.runFor(12000);
  assert.equal(get(r, publisher, orphan), ['o'], 'within its time');
  r.sim.runFor(50000);
  assert.equal(get(r, publisher, kept), ['k'], 'published again every 10 s');
  assert.equal(get(r, publisher, orphan), [], 'its publisher is gone');
  assert.equal(get(r, publisher, dropped), [], 'unpublished');
  assert.equal(holders(r, orphan, 'o'), []);
});

test('the integrator\'s check: refused values, one value per slot, a newer one replaces an older', () => {
  // values "slot:seq:text"; a value without that form is refused
  const check = (_: string, v: string) => {
    const m = /^(\w+):(\d+):/.exec(v);
    return m ? { slot: m[1], seq: Number(m[2]) } : null;
  };
  const r = dhtRing(8, 5, { check });
  const d = anyDht(r);
  let error = '';
  d.put('AB', 'unsigned', 60000, (_, e) => (error = e!));
  assert.is(error, 'the record was refused');
  assert.is(put(r, d, 'AB', 'alice:2:new', 60000), 3);
  assert.is(put(r, d, 'AB', 'bob:1:hello', 60000), 3);
  assert.is(put(r, anyDht(r), 'AB', 'alice:1:old', 60000), 'no node stored it', 'an older sequence number is refused');
  assert.equal((get(r, anyDht(r), 'AB') as string[]).sort(), ['alice:2:new', 'bob:1:hello']);
  assert.is(put(r, anyDht(r), 'AB', 'alice:3:newer', 60000), 3);
  assert.equal((get(r, anyDht(r), 'AB') as string[]).sort(), ['alice:3:newer', 'bob:1:hello']);
  // a node that answers with values the check refuses is not believed
  const point = keyToPoint('CD');
  for (const m of r.sim.members()) r.sim.entry(m).handle = (from, req) => ((req as { op: string }).op === 'dht-get' ? { values: ['forged', 'x:1:ok'] } : r.dhts.get(m)!.handle(from, req));
  assert.equal(get(r, d, 'CD'), ['x:1:ok']);
  assert.ok(point);
});

test('bad records and requests get clear errors; the store is bounded', () => {
  const r = dhtRing(4, 6, { maxRecords: 3, maxValue: 10, maxTtlMs: 60000 });
  const d = anyDht(r);
  const from = r.sim.members()[0].self;
  const point = keyToPoint('AB');
  const errors: string[] = [];
  d.put('not hex', 'v', 1000, (_, e) => errors.push(e!));
  d.put('AB', 'x'.repeat(11), 1000, (_, e) => errors.push(e!));
  d.put('AB', 'v', 0, (_, e) => errors.push(e!));
  d.put('AB', 'v', 60001, (_, e) => errors.push(e!));
  assert.equal(errors, [
    'a ring key is hex digits, not "not hex"',
    'a value is a string of at most 10 characters',
    'a time to live is 1 to 60000 ms',
    'a time to live is 1 to 60000 ms',
  ]);
  assert.equal(d.handle(from, { op: 'dht-get', key: 'AB' }), { error: 'dht-get: the key is not a ring position' });
  assert.equal(d.handle(from, { op: 'dht-put', key: point, value: 7, ttl: 1000 }), { error: 'dht-put: a value is a string of at most 10 characters' });
  assert.equal(d.handle(from, { op: 'dht-store', records: Array(33).fill({ key: point, value: 'v', ttl: 1000 }) }), { error: 'dht-store: at most 32 records' });
  assert.equal(d.handle(from, { op: 'dht-store', records: [null, 5, { key: point, value: 'a', ttl: 1000 }, { key: point, value: 'b', ttl: -1 }] }), { stored: 1 });
  assert.equal(d.handle(from, { op: 'dht-put', key: point, value: 'b', ttl: 1000 }), { ok: true });
  assert.equal(d.handle(from, { op: 'dht-put', key: point, value: 'c', ttl: 1000 }), { ok: true });
  assert.equal(d.handle(from, { op: 'dht-put', key: point, value: 'd', ttl: 1000 }), { error: 'dht-put: the store is full' });
  assert.equal(d.values(point).sort(), ['a', 'b', 'c']);
  r.sim.runFor(2000);
  assert.equal(d.handle(from, { op: 'dht-put', key: point, value: 'd', ttl: 1000 }), { ok: true }, 'expired records make room');
  assert.ok('succs' in (d.handle(from, { op: 'state' }) as object), 'ring requests go to the ring');
  const outsider = new Dht(r.sim.addNode());
  assert.equal(outsider.handle(from, { op: 'dht-get', key: point }), { error: 'not a member of a ring' });
});

test.run();
