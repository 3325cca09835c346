// The CHORD ring between real processes: `run servers start 16`, then every
// node answers GET /route/KEY the same for 200 random keys, and each answer
// is the key's successor among the nodes' ring positions; five of them
// killed, the rest agree again within a minute; [route],
// [route-data] and [route-list] from JML; a malformed ring request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, runSync, sleep, tempDir } from './util.ts';

const N = 16;
const KEYS = 200;

const get = async (url: string) => {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: await r.text() };
};

test(`${N} nodes agree on every key's owner, and it is the key's successor`, async () => {
  const dir = tempDir('magni-ring-');
  const port = await freePorts(N);
  try {
    const start = runSync(dir, ['servers', 'start', String(N), '--port', String(port)]);
    assert.is(start.code, 0, start.stderr);
    const nodes = await Promise.all(Array.from({ length: N }, async (_, i) => {
      const url = `http://127.0.0.1:${port + i}`;
      const [id, , ring] = (await get(url + '/id')).body.split('\n');
      return { url, id, ring };
    }));
    const sorted = [...nodes].sort((a, b) => (a.ring < b.ring ? -1 : 1));
    const successor = (point: string) => sorted.find((n) => n.ring >= point) || sorted[0];
    const keys = Array.from({ length: KEYS }, (_, i) => randomBytes(1 + (i % 20)).toString('hex'));
    // the ring settles: joins, then stabilize and fix-fingers on their timers
    let wrong = Infinity;
    for (const end = Date.now() + 60_000; wrong && Date.now() < end; await sleep(1000)) {
      wrong = 0;
      for (const k of keys.slice(0, 20)) {
        const want = successor(k.padEnd(40, '0')).id;
        const got = await Promise.all(nodes.map((n) => get(`${n.url}/route/${k}`).then((r) => r.body.split('\n')[0], () => '')));
        wrong += got.filter((g) => g !== want).length;
      }
    }
    assert.is(wrong, 0, 'the ring settled within a minute');
    for (const k of keys) {
      const want = successor(k.padEnd(40, '0'));
      for (const n of nodes) {
        const r = await get(`${n.url}/route/${k}`);
        assert.is(r.body, want.id + '\n' + want.url + '\n', `${n.url}/route/${k}`);
      }
    }
    // from JML, as the owner of one node
    const first = join(dir, 'servers', `node-${port}`);
    const key = readFileSync(join(first, 'jml.state.key'), 'utf8').trim();
    const login = await fetch(nodes[0].url + '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=' + key, redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') as string).split(';')[0];
    const run = async (program: string) =>
      (await fetch(nodes[0].url + '/run', { method: 'POST', headers: { cookie, origin: nodes[0].url, 'content-type': 'text/plain' }, body: program })).text();
    const k = keys[7];
    assert.is(await run(`[route ${k}]`), successor(k.padEnd(40, '0')).id);
    assert.is((await run(`[wget [route-data ${k}]/id]`)).trim(), (await get(successor(k.padEnd(40, '0')).url + '/id')).body.trim());
    assert.match(await run('[route-list]'), /^self [0-9a-f]{40} /);
    assert.match(await run('[route not-hex]'), 'hex');
    // the DHT: a signed record put through one node, found through another
    assert.is(await run('[dht-put 5eed a small record]'), '3');
    const other = await fetch(nodes[5].url + '/route/5eed');
    assert.is(other.status, 200);
    const page = await (await fetch(nodes[0].url + '/ring', { headers: { cookie, origin: nodes[0].url } })).text();
    assert.match(page, / alive/);
    const login5 = await fetch(nodes[5].url + '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=' + readFileSync(join(dir, 'servers', `node-${port + 5}`, 'jml.state.key'), 'utf8').trim(), redirect: 'manual' });
    const cookie5 = (login5.headers.get('set-cookie') as string).split(';')[0];
    const got = await (await fetch(nodes[5].url + '/run', { method: 'POST', headers: { cookie: cookie5, origin: nodes[5].url, 'content-type': 'text/plain' }, body: '[dht-get 5eed]' })).text();
    assert.is(got, nodes[0].id + ' a small record');
    // a record that is not signed is refused by the node that would keep it
    const owner = successor('5eed'.padEnd(40, '0'));
    const forged = await (await fetch(owner.url + '/chord', { method: 'POST', body: JSON.stringify({ from: null, req: { op: 'dht-put', key: '5eed'.padEnd(40, '0'), value: JSON.stringify({ k: 'x', s: 1, v: 'forged', sig: '00' }), ttl: 60000 } }) })).json();
    assert.ok(forged.error, JSON.stringify(forged));
    // [send ID ...] to a node never met: the ring finds it by its short ID
    assert.match(await run(`[send ${nodes[9].id} found you]`), new RegExp('^' + nodes[0].id + ':\\d+$'));
    for (const end = Date.now() + 20_000; Date.now() < end && !(await run('[outbox]')).includes('delivered'); ) await sleep(200);
    assert.match(await run('[outbox]'), `to ${nodes[9].id} seq 1 delivered`);
    // the seed's example, from a `run` that is not on the ring: it asks a node that is
    const seed = runSync(tempDir('magni-ring-client-'), ['-q', '--bootstrap', nodes[2].url], '[wget [route-data [content-hash Hello. This is a message!]]/id]\n');
    assert.is(seed.code, 0, seed.stderr);
    const hash = runSync(tempDir('magni-ring-client-'), ['-q'], '[content-hash Hello. This is a message!]\n').stdout.trim();
    assert.is(seed.stdout, (await get(successor(hash.toLowerCase().padEnd(40, '0')).url + '/id')).body + '\n');
    // five of the sixteen killed: within a minute the rest agree again, and every lookup succeeds
    const list = runSync(dir, ['servers', 'list']).stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    const victims = nodes.slice(10, 15);
    for (const v of victims) process.kill(+(list.find((r) => r[1] === v.url) as string[])[2], 'SIGKILL');
    const alive = nodes.filter((n) => !victims.includes(n));
    const liveSorted = [...alive].sort((a, b) => (a.ring < b.ring ? -1 : 1));
    const liveSuccessor = (point: string) => liveSorted.find((n) => n.ring >= point) || liveSorted[0];
    const t0 = Date.now();
    let disagreements = Infinity;
    while (disagreements && Date.now() - t0 < 60_000) {
      await sleep(1000);
      disagreements = 0;
      for (const k of keys.slice(0, 50)) {
        const want = liveSuccessor(k.padEnd(40, '0')).id;
        for (const n of alive) if ((await get(`${n.url}/route/${k}`).then((r) => r.body.split('\n')[0], () => '')) !== want) disagreements++;
      }
    }
    assert.is(disagreements, 0, 'the ring healed within a minute of losing five nodes');
    for (const k of keys) {
      const want = liveSuccessor(k.padEnd(40, '0')).id;
      for (const n of alive.slice(0, 4)) assert.is((await get(`${n.url}/route/${k}`)).body.split('\n')[0], want);
    }
    // anyone may ask for a route; only the owner sees the table; garbage is refused
    assert.is((await get(nodes[3].url + '/ring')).status, 403);
    const bad = await fetch(nodes[3].url + '/chord', { method: 'POST', body: 'not json' });
    assert.is(bad.status, 400);
    const odd = await (await fetch(nodes[3].url + '/chord', { method: 'POST', body: JSON.stringify({ from: 5, req: { op: 'find', key: 'zz' } }) })).json();
    assert.ok(odd.error, JSON.stringify(odd));
  } finally {
    runSync(dir, ['servers', 'stop']);
  }
});

test.run();
