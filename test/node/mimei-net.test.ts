// The Mimei between real processes on loopback: `run servers start 8`; node 1
// holds a Mimei with a 10 MB file and publishes; nodes 2 and 3 sync (run mimei,
// forwarded to their servers) and hold
// identical bytes; the author's version 2 reaches both unasked within 2 s; a
// provider with a corrupted block is passed over; a client sync killed with
// SIGKILL mid-transfer completes when run again and every block file
// verifies against its name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cidToString, cidV1, encodeMultihash, parseCid, SHA2_256 } from '../../runtime/identity/index.ts';
import { freePorts, RUN, runSync, sleep, tempDir } from './util.ts';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** `run ARGS` in dir: its stdout as bytes. */
const runBytes = (dir: string, args: string[]) => {
  const r = spawnSync(RUN, args, { cwd: dir, timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(args.join(' ') + ': ' + r.stderr);
  return r.stdout;
};

/** Every file in a block directory holds the block its name says. */
function blocksVerify(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('b') || name.endsWith('.tmp')) continue;
    const c = parseCid(name);
    const again = cidToString(cidV1(c.codec, encodeMultihash(SHA2_256, createHash('sha256').update(readFileSync(join(dir, name))).digest())));
    assert.is(again, name, 'block file ' + name + ' holds its block');
    n++;
  }
  return n;
}

test('8 nodes: publish, sync, a new version pushed to the providers, a corrupted provider, a sync killed and resumed', async () => {
  const dir = tempDir('magni-mimei-net-');
  const port = await freePorts(8);
  const url = (i: number) => `http://127.0.0.1:${port + i}`;
  const state = (i: number) => join('servers', `node-${port + i}`, 'jml.state');
  const owner = async (i: number, program: string) => {
    const key = readFileSync(join(dir, state(i) + '.key'), 'utf8').trim();
    const login = await fetch(url(i) + '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=' + key, redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') as string).split(';')[0];
    const r = await fetch(url(i) + '/run', { method: 'POST', headers: { cookie, origin: url(i), 'content-type': 'text/plain' }, body: program, signal: AbortSignal.timeout(60_000) });
    return r.text();
  };
  // The DHT of a fresh ring is eventually consistent: until stabilization and the DHT's hand-over agree,
  // nodes' views of a key's replicas differ. Wait until node `asker` lists every node of `of` as a provider of version `seq`.
  const providersListed = async (asker: number, mid: string, of: number[], seq = 1) => {
    const listed = (provs: string) => of.every((i) => provs.includes(url(i) + ' ' + seq));
    let provs = '';
    for (const end = Date.now() + 30_000; !listed(provs) && Date.now() < end; await sleep(250)) provs = await owner(asker, `[mm-findprovs ${mid}]`);
    assert.ok(listed(provs), `node ${asker + 1} lists nodes ${of.map((i) => i + 1).join(', ')} as providers of version ${seq}: ` + provs);
  };
  try {
    // the author's Mimei, made before its server starts (the store has one writer)
    mkdirSync(join(dir, 'servers', `node-${port}`), { recursive: true });
    const made = runSync(dir, ['mimei', 'create', '--state', state(0)]);
    assert.is(made.code, 0, made.stderr);
    const mid = made.stdout.replace('mid= ', '').trim();
    assert.match(mid, /^[\w-]{27}$/, made.stdout + made.stderr);
    const big = randomBytes(10_000_000);
    writeFileSync(join(dir, 'big'), big);
    assert.match(runSync(dir, ['mimei', 'add', mid, 'big', '--state', state(0)]).stdout, /ver= 1/);
    const start = runSync(dir, ['servers', 'start', '8', '--port', String(port)]);
    assert.is(start.code, 0, start.stderr);
    // the ring settles enough for the DHT: the author's record stored on 3 nodes
    let published = '';
    for (const end = Date.now() + 30_000; !/stored= 3/.test(published) && Date.now() < end; await sleep(500)) published = await owner(0, `[mm-publish ${mid}]`);
    // only the author provides yet: nobody to notify (else: who the DHT lists, to tell why)
    if (!/^stored= 3 notified= 0$/.test(published)) assert.unreachable(published + '; providers listed: ' + (await owner(0, `[mm-findprovs ${mid}]`)));
    for (const i of [1, 2]) {
      await providersListed(i, mid, [0]);
      const sy = runSync(dir, ['mimei', 'sync', mid, '--state', state(i)]); // forwarded to the node's server
      assert.match(sy.stdout.trim(), /^ver= 1 fetched= 40 bytes= 100\d{5}$/, sy.stdout + sy.stderr);
      assert.is(sha(runBytes(dir, ['mimei', 'get', mid, '--state', state(i)])), sha(big), 'node ' + (i + 1) + ' holds identical bytes');
    }
    for (const asker of [5, 0]) await providersListed(asker, mid, [0, 1, 2]);
    // show, as a client of the ring
    const show = runSync(dir, ['mimei', 'show', mid, '--state', state(1), '--bootstrap', url(4)]);
    assert.match(show.stdout, /network= ver 1 \(same; ours 1\)/, show.stdout + show.stderr);

    // version 2: added through the author's server (forwarded), then published from the CLI (forwarded too)
    const v2 = randomBytes(600_000);
    writeFileSync(join(dir, 'v2'), v2);
    assert.match(runSync(dir, ['mimei', 'add', mid, 'v2', '--state', state(0)]).stdout, /ver= 2/);
    const p2 = runSync(dir, ['mimei', 'publish', mid, '--state', state(0)]);
    assert.match(p2.stdout, /^stored= \d notified= 2$/m, p2.stdout + p2.stderr);
    const t0 = Date.now();
    const held = async () => (await Promise.all([1, 2].map((i) => owner(i, `[mm-ver ${mid}]`)))).every((v) => v === '2');
    while (!(await held()) && Date.now() - t0 < 2000) await sleep(50);
    assert.ok(await held(), 'both providers hold version 2 within 2 s, unasked');
    for (const i of [1, 2]) assert.is(sha(runBytes(dir, ['mimei', 'get', mid, '--state', state(i)])), sha(v2));

    // a provider with a corrupted block on disk (it refuses to serve it): node 4 syncs from the others
    const blocks1 = join(dir, state(1) + '.blocks');
    const victim = readdirSync(blocks1).find((n) => n.startsWith('bafkrei')) as string;
    const bytes = readFileSync(join(blocks1, victim));
    bytes[100] ^= 0xff;
    writeFileSync(join(blocks1, victim), bytes);
    await providersListed(3, mid, [0], 2);
    assert.match(await owner(3, `[mm-sync ${mid}]`), /^ver= 2 fetched= \d+ /);
    assert.is(sha(runBytes(dir, ['mimei', 'get', mid, '--state', state(3)])), sha(v2));

    // a client's sync killed with SIGKILL mid-transfer, then run again: a second Mimei of 10 MB (40 chunks), so the kill lands mid-way
    const made2 = runSync(dir, ['mimei', 'create', '--state', state(0)]); // forwarded to the author's server
    const mid2 = made2.stdout.replace('mid= ', '').trim();
    assert.match(mid2, /^[\w-]{27}$/, made2.stdout + made2.stderr);
    assert.match(runSync(dir, ['mimei', 'add', mid2, 'big', '--state', state(0)]).stdout, /ver= 1/);
    assert.match(runSync(dir, ['mimei', 'publish', mid2, '--state', state(0)]).stdout, /^stored= [1-9] /m);
    await providersListed(6, mid2, [0]); // the client asks the ring through node 7
    mkdirSync(join(dir, 'client'));
    const cstate = join('client', 'jml.state');
    const cblocks = join(dir, cstate + '.blocks');
    const child = spawn(RUN, ['mimei', 'sync', mid2, '--state', cstate, '--bootstrap', url(6)], { cwd: dir, stdio: 'ignore' });
    const count = () => { try { return readdirSync(cblocks).length; } catch { return 0; } };
    while (count() < 8 && child.exitCode === null) await sleep(5);
    child.kill('SIGKILL');
    await new Promise((ok) => child.once('exit', ok));
    assert.is(child.signalCode, 'SIGKILL', 'the sync was killed before it finished');
    assert.ok(count() < 40, `killed mid-transfer (${count()} files of 42)`);
    const again = runSync(dir, ['mimei', 'sync', mid2, '--state', cstate, '--bootstrap', url(6)]);
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, /^ver= 1 fetched= \d+ /);
    assert.ok(+(/fetched= (\d+)/.exec(again.stdout) as RegExpExecArray)[1] < 42, 'the second run fetched only what was missing: ' + again.stdout);
    assert.is(sha(runBytes(dir, ['mimei', 'get', mid2, '--state', cstate])), sha(big));
    assert.ok(blocksVerify(cblocks) >= 41, 'the client holds every block, each verified');
    assert.equal(readdirSync(cblocks).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left by the killed sync');
    for (const i of [2, 3]) blocksVerify(join(dir, state(i) + '.blocks')); // (node 2 holds the block corrupted above, until it is read)
  } finally {
    runSync(dir, ['servers', 'stop', 'all']);
  }
});

test.run();
