// The Mimei on the network, on the in-memory network of nethost.ts (Node,
// Bun and QuickJS): nodes on one CHORD ring, provider records in its DHT,
// blocks served by a trustless-gateway route (GET /ipfs/CID?format=raw, the
// store's blocks) that a test can make lie or fail, and notifications
// through the Messenger's outbox.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidToString, parseCid } from '../runtime/identity/index.ts';
import type { Host } from '../runtime/host.ts';
import type { MagniNode } from '../runtime/index.ts';
import type { HttpRequest, HttpResponse } from '../runtime/http.ts';
import { RingService } from '../runtime/chord/service.ts';
import { WebNode } from '../runtime/web/index.ts';
import { MimeiNet, MimeiStore, NOTIFY, readFile, registerMimei, registerMimeiNet, ringDht, signVersion } from '../runtime/mimei/index.ts';
import { toBase64url } from '../runtime/identity/index.ts';
import { netNode, testNet, type TestNet } from './nethost.ts';
import { prng } from './prng.ts';

interface MNode {
  url: string;
  store: MimeiStore;
  net: MimeiNet;
  ring: RingService;
  run(line: string): Promise<string>;
  /** How the gateway route behaves: serve, lie (flip a byte) or fail (500). */
  gateway: 'serve' | 'lie' | 'fail';
  served: number;
  host: Host;
  node: MagniNode;
}

/** The CIDs of the blocks n's store holds (its block files are named by them). */
const heldCids = (n: MNode): Uint8Array[] => n.store.blocks.host.listFiles(n.node.stateFile + '.blocks').map((name) => parseCid(name).bytes);

function mimeiNode(net: TestNet, url: string, seed: number): MNode {
  const n = netNode(net, url, seed);
  const ring = new RingService(n.node, { url, stabilizeMs: 500 });
  const store = new MimeiStore(n.host, n.node.stateFile);
  registerMimei(n.node, store);
  const mnet = new MimeiNet(store, {
    dht: ringDht(ring.dht, n.host as Required<Host>),
    url,
    id: n.messenger.identity().shortId,
    send: (id, to, body) => (n.messenger.learn(id, to), n.messenger.outbox.send({ id }, body)),
    concurrency: 3,
    log: () => {},
  });
  registerMimeiNet(n.node, mnet, n.messenger);
  const web = new WebNode(n.node, { key: 'K'.repeat(16), messenger: n.messenger, ring, mimei: store });
  const m: MNode = {
    url,
    store,
    net: mnet,
    ring,
    gateway: 'serve',
    served: 0,
    host: n.host,
    node: n.node,
    async run(line) {
      const r = await drive(net, n.node.evalAsOne(line, { user: 'owner' }));
      return r.output + r.errors.map((e) => '%(ERROR:' + e + ')').join('');
    },
  };
  // the node's own gateway route (runtime/web/gateway.ts), which a test can make lie or fail
  const router = {
    async handle(req: HttpRequest): Promise<HttpResponse> {
      if (!req.url.startsWith('/ipfs/')) return web.handle(req);
      if (m.gateway === 'fail') return { status: 500, headers: {}, body: 'down' };
      const r = await web.handle(req);
      if (r.status !== 200 || !r.bytes) return r;
      m.served++;
      if (m.gateway === 'lie') {
        const bad = r.bytes.slice();
        bad[bad.length >> 1] ^= 1;
        return { ...r, bytes: bad };
      }
      return r;
    },
  };
  net.nodes.set(url, router as unknown as WebNode);
  return m;
}

/** Await p while the network's clock runs (DHT requests to the node itself, retries and timeouts are timers). */
async function drive<T>(net: TestNet, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => void (done = true));
  for (let i = 0; i < 2000 && !done; i++) await net.advance(20);
  return q;
}

/** n nodes on one ring (the first starts it), stabilized. */
async function ringOf(n: number): Promise<{ net: TestNet; nodes: MNode[] }> {
  const net = testNet();
  const nodes: MNode[] = [];
  for (let i = 0; i < n; i++) {
    const m = mimeiNode(net, 'http://n' + (i + 1), i + 1);
    nodes.push(m);
    m.ring.start(i ? nodes[0].url : undefined);
    await net.advance(1000);
  }
  await net.advance(20_000);
  return { net, nodes };
}

/** Wait (in simulated time) until f holds. */
async function until(net: TestNet, f: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !f(); i++) await net.advance(200);
  assert.ok(f(), what);
}

const content = (size: number, seed = 7) => {
  const r = prng(seed);
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (r() * 256) | 0;
  return b;
};

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Author creates a Mimei of `size` random bytes (chunks of 1 KiB: many blocks) and publishes it. */
async function authored(nodes: MNode[], size = 10_000) {
  const a = nodes[0];
  const mid = a.store.create();
  const bytes = content(size);
  a.store.addFile(mid, [bytes], 1024);
  const p = await a.run(`[mm-publish ${mid}]`);
  assert.match(p, /^stored= [1-3] notified= 0$/, 'published: ' + p);
  return { mid, bytes };
}

test('publish, then findprovs lists the author with its version; sync fetches identical bytes and the syncing node provides too', async () => {
  const { net, nodes } = await ringOf(4);
  const { mid, bytes } = await authored(nodes);
  assert.is(await nodes[2].run(`[mm-findprovs ${mid}]`), 'http://n1 1');
  const s = await nodes[2].run(`[mm-sync ${mid}]`);
  assert.match(s, /^ver= 1 fetched= 11 bytes= \d+$/, s); // the manifest and 10 chunks (and the genesis)
  assert.ok(same(readFile(nodes[2].store.blocks, (nodes[2].store.version(mid) as { cid: Uint8Array }).cid), bytes), 'identical bytes');
  await net.advance(100);
  assert.is(await nodes[3].run(`[mm-findprovs ${mid}]`), 'http://n1 1\nhttp://n3 1', 'n3 provides once it holds the Mimei');
  // a second sync has nothing to do
  assert.match(await nodes[2].run(`[mm-sync ${mid}]`), /^ver= 1 fetched= 0 bytes= 0$/);
});

test('provideAll (a node that starts again): every Mimei held with a version is provided, one without a version is not', async () => {
  const { net, nodes } = await ringOf(4);
  const a = nodes[1];
  const mid = a.store.create();
  a.store.addFile(mid, [content(3000)], 1024);
  const empty = a.store.create();
  assert.is(await nodes[3].run(`[mm-findprovs ${mid}]`), '', 'not provided yet');
  assert.is(await drive(net, a.net.provideAll()), 1, 'one Mimei provided');
  assert.is(await nodes[3].run(`[mm-findprovs ${mid}]`), 'http://n2 1');
  assert.is(await nodes[3].run(`[mm-findprovs ${empty}]`), '');
});

test('a provider serving corrupted blocks is passed over, a dead one too: nothing wrong is stored', async () => {
  const { nodes } = await ringOf(5);
  const { mid, bytes } = await authored(nodes);
  for (const i of [1, 2]) assert.match(await nodes[i].run(`[mm-sync ${mid}]`), /^ver= 1 /);
  nodes[1].gateway = 'lie';
  nodes[0].gateway = 'fail';
  const s = await nodes[3].run(`[mm-sync ${mid}]`);
  assert.match(s, /^ver= 1 fetched= 11 /, s);
  assert.ok(nodes[1].served > 0, 'the lying provider was asked');
  assert.ok(same(readFile(nodes[3].store.blocks, (nodes[3].store.version(mid) as { cid: Uint8Array }).cid), bytes), 'identical bytes');
  for (const c of heldCids(nodes[3])) assert.ok(nodes[3].store.blocks.getBlock(c), 'every block stored checks: ' + cidToString(c));
  // every provider lies or is down: the sync fails clearly and accepts nothing
  nodes[2].gateway = nodes[3].gateway = 'lie'; // n4 provides too, once synced
  const e = await nodes[4].run(`[mm-sync ${mid}]`);
  assert.match(e, /mm-sync: mimei: no provider gave block b\w+ \(.*corrupted/, e);
  assert.equal(nodes[4].store.list().includes(mid) ? nodes[4].store.seqs(mid) : [], [], 'no version accepted');
  for (const c of heldCids(nodes[4])) assert.ok(nodes[4].store.blocks.getBlock(c), 'no wrong byte stored');
});

test('a provider that dies mid-sync is replaced; a sync cut short resumes with the blocks it has', async () => {
  const { net, nodes } = await ringOf(4);
  const { mid, bytes } = await authored(nodes);
  assert.match(await nodes[1].run(`[mm-sync ${mid}]`), /^ver= 1 /);
  // n3 syncs; n1 dies once it has served a few blocks
  const n3 = nodes[2];
  const before = nodes[0].served;
  const job = drive(net, n3.net.sync(mid));
  await until(net, () => nodes[0].served - before >= 2, 'n1 served some blocks');
  net.down.add(nodes[0].url);
  const s = await job;
  assert.ok(s.seq === 1 && s.fetched === 11, JSON.stringify(s));
  assert.ok(nodes[1].served > 0, 'n2 served the rest');
  assert.ok(same(readFile(n3.store.blocks, (n3.store.version(mid) as { cid: Uint8Array }).cid), bytes));
  // a sync cut short (the store holds some blocks, not the version) fetches only what is missing
  net.down.delete(nodes[0].url);
  const n4 = nodes[3];
  const v = nodes[0].store.versionBytes(mid) as Uint8Array;
  const cids = heldCids(nodes[0]).slice(0, 5);
  for (const c of cids) n4.store.blocks.putBlock(c, nodes[0].store.blocks.getBlock(c) as Uint8Array);
  const r = await drive(net, n4.net.sync(mid, v));
  assert.is(r.seq, 1);
  assert.ok(r.fetched < 11 && r.fetched >= 11 - 5, 'only the missing blocks: ' + r.fetched);
});

test('an old or forged version is refused, by sync and by notification', async () => {
  const { net, nodes } = await ringOf(3);
  const { mid } = await authored(nodes);
  const [a, b] = nodes;
  assert.match(await b.run(`[mm-sync ${mid}]`), /^ver= 1 /);
  // a forged version 2: signed by b's key, not the owner's
  const v1 = a.store.version(mid)!;
  const forged = signVersion(b.host as Required<Host>, { mid, seq: 2, cid: v1.cid, time: 1, genesis: v1.genesis });
  const e = await drive(net, b.net.sync(mid, forged)).then(() => 'synced', (x: Error) => x.message);
  assert.match(e, /not signed by its owner/);
  assert.match(b.net.notified('x', toBase64url(forged)), /^refused: .*not signed by its owner/);
  // replayed: version 1 again
  assert.match(b.net.notified('x', toBase64url(a.store.versionBytes(mid, 1)!)), /^ignored: version 1 .* not newer/);
  // garbage, and a Mimei not held here
  assert.match(b.net.notified('x', '!!!'), /^refused: /);
  assert.match(b.net.notified('x', 'A'.repeat(5000)), /^refused: too long/);
  const other = a.store.create();
  a.store.addFile(other, [content(10)]);
  assert.match(b.net.notified('x', toBase64url(a.store.versionBytes(other)!)), /^ignored: .* not held here/);
  assert.is(b.store.last(mid), 1);
  await net.advance(1000);
  assert.is(b.net.busy, 0, 'nothing queued');
});

test('a new version published reaches the providers unasked, and on-mimei runs there with $mid $ver', async () => {
  const { net, nodes } = await ringOf(4);
  const { mid } = await authored(nodes);
  const [a, b, c] = nodes;
  for (const p of [b, c]) {
    assert.match(await p.run(`[mm-sync ${mid}]`), /^ver= 1 /);
    await p.run('[macro on-mimei $mid $ver][data seen-$ver $mid][/macro]');
  }
  await net.advance(100);
  const v2 = content(5000, 9);
  a.store.addFile(mid, [v2], 1024);
  const p = await a.run(`[mm-publish ${mid}]`);
  assert.match(p, /^stored= [1-3] notified= 2$/, p);
  await until(net, () => b.store.last(mid) === 2 && c.store.last(mid) === 2, 'both providers hold version 2');
  for (const x of [b, c]) {
    assert.ok(same(readFile(x.store.blocks, x.store.version(mid)!.cid), v2), 'identical bytes');
  }
  await net.advance(100);
  for (const x of [b, c]) assert.is(x.node.interp.macros.get('data-seen-2')?.body, mid, 'on-mimei ran with $mid $ver');
  void NOTIFY;
});

test.run();
