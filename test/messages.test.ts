// Signed, reliable messages between nodes, in one process: routers joined by
// an in-memory network (test/nethost.ts) where nodes go down and restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netNode, settle, testNet } from './nethost.ts';
import { isShortId } from '../runtime/identity/index.ts';
import { parseEnvelope, seal } from '../runtime/messages/index.ts';
import { utf8Encode } from '../jml/utf8.ts';

const A = 'http://a.test';
const B = 'http://b.test';
const C = 'http://c.test';

function pair() {
  const net = testNet();
  const a = netNode(net, A, 1);
  const b = netNode(net, B, 2);
  return { net, a, b };
}

const line = async (n: { node: { evalLine(l: string): Promise<{ output: string; errors: string[] }> } }, l: string) => {
  const r = await n.node.evalLine(l);
  return r.errors.length ? '%(ERROR:' + r.errors.join('|') + ')' : r.output;
};

const post = (web: { handle: Function }, path: string, body: string) =>
  web.handle({ method: 'POST', url: path, headers: {}, body: utf8Encode(body), remote: '127.0.0.1' });

test('[id], GET /id: short ID, peer ID, ring position, all of one key', async () => {
  const { a } = pair();
  const id = await line(a, '[id]');
  assert.ok(isShortId(id), id);
  const r = await a.web.handle({ method: 'GET', url: '/id', headers: {}, body: new Uint8Array(0) });
  const [short, peer, ring, end] = r.body.split('\n');
  assert.is(short, id);
  assert.match(peer, /^12D3KooW/);
  assert.match(ring, /^[0-9a-f]{40}$/);
  assert.is(end, '');
});

test('a message to a URL is delivered, acknowledged and handled once by on-message', async () => {
  const { net, a, b } = pair();
  await line(b, '[macro on-message $from @text]got @text from $from[/macro]');
  const mid = await line(a, `[send ${B} hello there]`);
  const aid = await line(a, '[id]');
  assert.is(mid, aid + ':1');
  await net.advance(0);
  assert.is(a.messenger.outbox.pending().length, 0);
  const recent = b.messenger.inbox.recent;
  assert.is(recent.length, 1);
  assert.is(recent[0].from, aid);
  assert.is(recent[0].result, `got hello there from ${aid}`);
  assert.match(await line(a, '[outbox]'), 'delivered');
  assert.match(await line(b, '[inbox]'), 'hello there');
});

test('an active message calls a public macro with inert arguments, as a visitor', async () => {
  const { net, a, b } = pair();
  await line(b, '[macro /double $x][* $x 2][/macro]');
  await line(b, '[macro /keep $x][data kept $x][/macro]');
  await line(a, `[send ${B} {/double 21}]`);
  await line(a, `[send ${B} {/keep \\[macro evil\\]x\\[/macro\\]}]`);
  await line(a, `[send ${B} {/double [data pwned 1]}]`);
  await net.advance(0);
  const r = b.messenger.inbox.recent;
  assert.is(r.length, 3);
  assert.is(r[0].result, '42');
  assert.match(r[1].result, 'not allowed');
  assert.not.ok(b.node.interp.macros.has('data-kept'));
  assert.not.ok(b.node.interp.macros.has('evil'));
  assert.not.ok(b.node.interp.macros.has('data-pwned'));
});

test('a trusted sender runs as the owner: its definitions are kept in one state line', async () => {
  const { net, a, b } = pair();
  const aid = await line(a, '[id]');
  assert.is(await line(b, `[trust ${aid}]`), '');
  assert.is(await line(b, '[trust]'), aid);
  await line(a, `[send ${B} \\[data x 1\\]\\[data y 2\\]done]`);
  await net.advance(0);
  assert.match(b.messenger.inbox.recent[0].result, /done$/);
  assert.is(b.node.interp.macros.get('data-y')?.body, '2');
  const state = b.host.files.get('jml.state') as string;
  const lines = state.split('\n').filter((l) => l.includes('msg:' + aid));
  assert.is(lines.length, 1);
  assert.match(lines[0], /data-x.*data-y/);
  // untrusted again: the same program defines nothing
  await line(b, `[untrust ${aid}]`);
  await line(a, `[send ${B} \\[data z 3\\]]`);
  await net.advance(0);
  assert.not.ok(b.node.interp.macros.has('data-z'));
});

test('a known node by its short ID, and by its URL again: numbered at once, delivered in order', async () => {
  const { net, a, b } = pair();
  await line(b, '[macro on-message $from @text]@text[/macro]');
  const bid = await line(b, '[id]');
  await line(a, `[send ${B} first]`);
  await net.advance(0);
  assert.is(await line(a, '[peers]'), bid + ' ' + B);
  await line(a, `[send ${bid} second]`);
  await line(a, `[send ${B} third]`);
  assert.match(await line(a, '[outbox]'), 'seq 3 waiting');
  await net.advance(0);
  assert.equal(b.messenger.inbox.recent.map((h) => h.result), ['first', 'second', 'third']);
});

test('a receiver that is down: retried with backoff until it is up, in order, each once', async () => {
  const { net, a, b } = pair();
  await line(b, '[macro on-message $from @text]@text[/macro]');
  net.down.add(B);
  for (let i = 1; i <= 5; i++) await line(a, `[send ${B} m${i}]`);
  await net.advance(0);
  assert.is(a.messenger.outbox.pending().length, 5);
  assert.match(await line(a, '[outbox]'), 'unnumbered'); // its receiver's ID is not known yet
  await net.advance(30_000);
  assert.is(b.messenger.inbox.recent.length, 0);
  net.down.delete(B);
  await net.advance(120_000);
  assert.equal(b.messenger.inbox.recent.map((h) => h.result), ['m1', 'm2', 'm3', 'm4', 'm5']);
  assert.is(a.messenger.outbox.pending().length, 0);
});

test('the outbox survives the sender\'s restart; the inbox, the receiver\'s', async () => {
  const net = testNet();
  const aFiles = new Map<string, string>();
  const bFiles = new Map<string, string>();
  let a = netNode(net, A, 1, aFiles);
  let b = netNode(net, B, 2, bFiles);
  await line(b, '[macro on-message $from @text]@text[/macro]');
  await net.advance(0);
  net.down.add(B);
  await line(a, `[send ${B} before restart]`);
  await net.advance(5000);
  a.messenger.stop();
  a = netNode(net, A, 1, aFiles); // the sender restarts, B still down
  assert.is(a.messenger.outbox.pending().length, 1);
  net.down.delete(B);
  await net.advance(120_000);
  assert.equal(b.messenger.inbox.recent.map((h) => h.result), ['before restart']);
  // B restarts: it handles nothing again
  b.messenger.stop();
  b = netNode(net, B, 2, bFiles);
  await net.advance(1000);
  assert.is(b.messenger.inbox.recent.length, 0);
  assert.is((bFiles.get('jml.state.messages') as string).split('\n').filter((l) => l.startsWith('{"done"')).length, 1);
});

/** A sends to B, which trusts A and keeps a counter data-n (0): B's files kept for its restarts. */
async function counterPair() {
  const net = testNet();
  const a = netNode(net, A, 1);
  const bFiles = new Map<string, string>();
  const b = netNode(net, B, 2, bFiles);
  await line(b, `[trust ${await line(a, '[id]')}]`);
  await line(b, '[data n 0]');
  return { net, a, b, bFiles };
}

test('stored but not handled when the receiver crashed: handled after its restart, once', async () => {
  const { net, a, b, bFiles } = await counterPair();
  // the crash: B's handling never gets to run (its dispatcher is held), then B is gone
  (b.messenger.inbox as any).dispatching = true;
  await line(a, `[send ${B} \\[data n \\[inc \\[data-n\\]\\]\\]]`);
  await net.advance(0);
  assert.is(a.messenger.outbox.pending().length, 0, 'acknowledged: it is on disk');
  assert.is(b.node.interp.macros.get('data-n')?.body, '0', 'not handled yet');
  b.messenger.stop();
  const b2 = netNode(net, B, 2, bFiles);
  await net.advance(0);
  assert.is(b2.node.interp.macros.get('data-n')?.body, '1');
  const b3 = netNode(net, B, 2, bFiles);
  await net.advance(0);
  assert.is(b3.node.interp.macros.get('data-n')?.body, '1', 'not handled again');
});

test('handled, definitions kept, but the done record lost in the crash: not handled again', async () => {
  const { net, a, b, bFiles } = await counterPair();
  await line(a, `[send ${B} \\[data n \\[inc \\[data-n\\]\\]\\]]`);
  await net.advance(0);
  assert.is(b.node.interp.macros.get('data-n')?.body, '1');
  const log = bFiles.get('jml.state.messages') as string;
  bFiles.set('jml.state.messages', log.split('\n').filter((l) => !l.startsWith('{"done"')).join('\n'));
  const b2 = netNode(net, B, 2, bFiles);
  await net.advance(0);
  assert.is(b2.node.interp.macros.get('data-n')?.body, '1');
});

test('refused: a forged sender, a bad signature, another receiver, a replay, garbage', async () => {
  const { net, a, b } = pair();
  const c = netNode(net, C, 3);
  await line(b, '[macro on-message $from @text]@text[/macro]');
  const [aid, bid, cid] = [await line(a, '[id]'), await line(b, '[id]'), await line(c, '[id]')];
  const me = c.messenger.identity();
  const env = (over: object) => seal(c.host as any, { from: cid, key: me.peerId, to: bid, seq: 1, time: 1, body: 'hi', ...over });
  // C signs, but says it is A
  let r = await post(b.web, '/msg', JSON.stringify(env({ from: aid })));
  assert.is(r.status, 400);
  assert.match(r.body, 'forged');
  // the body changed after signing
  r = await post(b.web, '/msg', JSON.stringify({ ...env({}), body: 'changed' }));
  assert.match(r.body, 'bad signature');
  // for C itself, sent to B
  r = await post(b.web, '/msg', JSON.stringify(env({ to: cid })));
  assert.match(r.body, 'not for this node');
  // a time no Date can hold (the inbox shows times as dates)
  r = await post(b.web, '/msg', JSON.stringify(env({ time: 9e15 })));
  assert.match(r.body, 'time must be');
  r = await post(b.web, '/msg', '{"from":1}');
  assert.match(r.body, 'malformed');
  r = await post(b.web, '/msg', 'not json');
  assert.match(r.body, 'malformed');
  // a good one, then the same again: acknowledged, handled once
  const good = JSON.stringify(env({ seq: 7 }));
  r = await post(b.web, '/msg', good);
  assert.is(r.body, 'ack 7\n');
  r = await post(b.web, '/msg', good);
  assert.is(r.body, 'ack 7\n');
  await net.advance(0);
  assert.equal(b.messenger.inbox.recent.map((h) => h.seq), [7]);
  assert.ok(b.host.logs.some((l) => l.includes('forged')), 'refusals are logged');
  assert.ok(parseEnvelope(JSON.parse(good)));
});

test('/messages is the owner\'s; /peers and /id are anyone\'s', async () => {
  const { net, a, b } = pair();
  await line(a, `[send ${B} hi]`);
  await net.advance(0);
  const get = (url: string, headers: Record<string, string> = {}) => a.web.handle({ method: 'GET', url, headers, body: new Uint8Array(0) });
  assert.is((await get('/messages')).status, 403);
  assert.is((await get('/peers')).body, (await line(b, '[id]')) + ' ' + B + '\n');
  const login = await a.web.handle({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: utf8Encode('key=' + 'K'.repeat(16)) });
  const cookie = (login.headers['Set-Cookie'] as string).split(';')[0];
  const page = await get('/messages', { cookie });
  assert.is(page.status, 200);
  assert.match(page.body, 'delivered');
  // a visitor's [inbox] through a public macro shows nothing
  await line(b, '[macro /peek][inbox][/macro]');
  const peek = await b.web.handle({ method: 'GET', url: '/peek.txt', headers: {}, body: new Uint8Array(0) });
  assert.match(peek.body, 'not allowed');
});

test('a message refused as a whole (another node now at the URL) is dropped, and the next ones go on', async () => {
  const { net, a, b } = pair();
  await line(b, '[macro on-message $from @text]@text[/macro]');
  await line(a, `[send ${B} one]`);
  await net.advance(0);
  b.messenger.stop();
  const b2 = netNode(net, B, 9); // a new key at B's URL
  await line(b2, '[macro on-message $from @text]@text[/macro]');
  await line(a, `[send ${B} two]`); // numbered for the old B: refused as not for this node
  await net.advance(0);
  assert.match(await line(a, '[outbox]'), 'refused: not for this node');
  assert.is(a.messenger.outbox.pending().length, 0);
  assert.ok(a.host.logs.some((l) => l.includes('refused message')));
});

test('a damaged message log: what is damaged is skipped and said, the rest loads', async () => {
  const { net, a, b, bFiles } = await counterPair();
  await line(a, `[send ${B} \\[data n 5\\]]`);
  await net.advance(0);
  bFiles.set('jml.state.messages', bFiles.get('jml.state.messages') + '{"in":[{"from":1}]}\n{"done":\n{"q":{"n":"x"}}\n{"a":[5]}\n{"ok":[]}\n{"in":[{"from":"x"\n');
  b.messenger.stop();
  const b2 = netNode(net, B, 2, bFiles);
  await net.advance(0);
  assert.ok(b2.host.logs.some((l) => l.includes('a stored message is damaged')), b2.host.logs.join('\n'));
  assert.ok(b2.host.logs.some((l) => l.includes('not JSON') || l.includes('JSON')), 'a line that is not JSON is said');
  assert.is(b2.node.interp.macros.get('data-n')?.body, '5');
  assert.is(b2.messenger.inbox.waiting().length, 0);
  assert.ok(b2.host.logs.some((l) => l.includes('a queued message is damaged')));
  // and it still sends
  assert.match(await line(b2, `[send ${A} still here]`), /:1$/);
});

test('[send] needs the network capability; the message log refuses what is too big', async () => {
  const { a } = pair();
  const r = await a.node.evalLine(`[send ${B} hi]`, { caps: new Set() });
  assert.match(r.errors.join(), 'not allowed');
  assert.match(await line(a, `[send ${B} ${'x'.repeat(70_000)}]`), 'too large');
  assert.match(await line(a, '[send AAAAAAAAAAAAAAAAAAAAAAAAAAA hi]'), 'not a node this one knows');
});

test('a handling that sends, run again after a crash, sends once', async () => {
  const net = testNet();
  const a = netNode(net, A, 1);
  const bFiles = new Map<string, string>();
  const b = netNode(net, B, 2, bFiles);
  const c = netNode(net, C, 3);
  await line(c, '[macro on-message $from @text]@text[/macro]');
  const aid = await line(a, '[id]');
  await line(b, `[trust ${aid}]`);
  net.down.add(C);
  await line(a, `[send ${B} \\[send ${C} relayed\\]]`);
  await net.advance(0);
  // B handled it (queued for C) but "crashes" before its done record
  const log = bFiles.get('jml.state.messages') as string;
  bFiles.set('jml.state.messages', log.split('\n').filter((l) => !l.startsWith('{"done"')).join('\n'));
  b.messenger.stop();
  const b2 = netNode(net, B, 2, bFiles);
  await net.advance(0);
  assert.is(b2.messenger.outbox.pending().length, 1);
  net.down.delete(C);
  await net.advance(120_000);
  assert.equal(c.messenger.inbox.recent.map((h) => h.result), ['relayed']);
});

test.run();
