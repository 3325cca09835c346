// The Mimei on the web, as users meet it: `./run -w PORT` (node:http, then
// Bun.serve) in a temp dir, `./run mimei ...` beside it (its writes
// forwarded to the server), and what the server serves read back over real
// HTTP with independent code: @ipld/car, @ipld/dag-cbor and multiformats'
// sha256 verify the CAR (every block's hash, the root, the bytes).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CarReader } from '@ipld/car';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { freePort, type Kind, RUN, tempDir, WebServer } from './util.ts';

const STATE = 'jml.state';

function mimei(dir: string, ...args: string[]) {
  const r = spawnSync(RUN, ['mimei', ...args], { cwd: dir, timeout: 60_000 });
  return { code: r.status, out: r.stdout, text: r.stdout.toString(), err: r.stderr.toString() };
}

function randomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const blocksIn = (dir: string) => readdirSync(join(dir, STATE + '.blocks')).filter((f) => f.startsWith('b')).sort();
const indexOf = (dir: string) => readFileSync(join(dir, STATE + '.mimei'), 'utf8');
/** Sealed upgrades the server ran: each forwarded command is one. */
const upgradesRun = (dir: string) => ((existsSync(join(dir, STATE)) ? readFileSync(join(dir, STATE), 'utf8') : '').match(/data-upgrade-counter/g) || []).length;

async function verifiedCar(bytes: Uint8Array, root: string): Promise<Map<string, Uint8Array>> {
  const car = await CarReader.fromBytes(bytes);
  assert.equal((await car.getRoots()).map(String), [root], 'the root is the CID asked for');
  const blocks = new Map<string, Uint8Array>();
  for await (const { cid, bytes: b } of car.blocks()) {
    assert.is(cid.multihash.code, sha256.code);
    const digest = await sha256.digest(b);
    assert.ok(Buffer.from(digest.digest).equals(Buffer.from(cid.multihash.digest)), 'the block hashes to its CID: ' + cid);
    assert.not.ok(blocks.has(cid.toString()), 'no block twice');
    blocks.set(cid.toString(), b);
  }
  return blocks;
}

function gatewaySuite(kind: Kind) {
  const t = suite(`Mimei on the web (${kind})`);
  let dir = '';
  let server: WebServer;

  t.before(async () => {
    dir = tempDir();
    server = await WebServer.start(kind, dir);
  });
  t.after(async () => {
    await server?.stop();
  });

  t('the server says where it serves; run mimei create and add are forwarded to it; it alone writes the index', async () => {
    assert.is(readFileSync(join(dir, STATE + '.url'), 'utf8'), `http://127.0.0.1:${server.port}\n`);
    const before = upgradesRun(dir);
    const c = mimei(dir, 'create');
    assert.is(c.code, 0, c.err);
    const mid = /^mid= ([\w-]{27})\n$/.exec(c.text)?.[1] as string;
    assert.ok(mid, c.text);
    const data = randomBytes(1 << 20, 7);
    writeFileSync(join(dir, 'one.bin'), data);
    const a = mimei(dir, 'add', mid, 'one.bin');
    assert.is(a.code, 0, a.err);
    const m = /^cid= (b[a-z2-7]+)\nver= 1\n$/.exec(a.text);
    assert.ok(m, a.text);
    const cid = m![1];
    assert.is(upgradesRun(dir) - before, 2, 'create and the new version were run by the server');
    assert.is(indexOf(dir), `${mid} 0 ${indexOf(dir).split('\n')[0].split(' ')[2]}\n${mid} 1 ${indexOf(dir).split('\n')[1].split(' ')[2]}\n`, 'two records, once each');

    // the CAR, read and verified by @ipld/car and multiformats
    const r = await server.fetch(`/ipfs/${cid}?format=car`);
    assert.is(r.status, 200);
    assert.is(r.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n');
    assert.is(r.headers.get('cache-control'), 'public, max-age=29030400, immutable');
    assert.is(r.headers.get('etag'), `"${cid}.car"`);
    assert.is(r.headers.get('x-content-type-options'), 'nosniff');
    const car = new Uint8Array(await r.arrayBuffer());
    assert.is(r.headers.get('content-length'), String(car.length));
    const blocks = await verifiedCar(car, cid);
    const manifest = dagCbor.decode(blocks.get(cid)!) as { size: number; chunks: CID[] };
    assert.is(manifest.size, data.length);
    assert.is(manifest.chunks.length, 4, '1 MiB in chunks of 256 KiB');
    assert.is(blocks.size, 5);
    const file = Buffer.concat(manifest.chunks.map((l) => blocks.get(l.toString())!));
    assert.ok(file.equals(data), 'the chunks reassemble to the file');
    assert.equal([...blocks.keys()], [cid, ...manifest.chunks.map(String)], 'depth-first: the manifest, then its chunks in order');

    // raw blocks, each checked here
    for (const l of manifest.chunks) {
      const b = await server.fetch(`/ipfs/${l}`, { headers: { Accept: 'application/vnd.ipld.raw' } });
      assert.is(b.status, 200);
      assert.is(b.headers.get('content-type'), 'application/vnd.ipld.raw');
      assert.is(b.headers.get('etag'), `"${l}.raw"`);
      const bytes = new Uint8Array(await b.arrayBuffer());
      assert.ok(Buffer.from((await sha256.digest(bytes)).digest).equals(Buffer.from(l.multihash.digest)));
    }
    const head = await server.fetch(`/ipfs/${manifest.chunks[0]}?format=raw`, { method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.headers.get('content-length'), String(256 * 1024));
    assert.is((await head.arrayBuffer()).byteLength, 0);

    // refusals
    const unknown = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('nobody has this'))).toString();
    const nf = await server.fetch(`/ipfs/${unknown}?format=raw`);
    assert.is(nf.status, 404);
    assert.match(await nf.text(), 'no block ' + unknown);
    assert.is((await server.fetch('/ipfs/bafy-not-a-cid?format=raw')).status, 400);
    assert.is((await server.fetch(`/ipfs/${cid}`, { headers: { Accept: 'text/html' } })).status, 406);

    // /mm: the file, latest and version 1
    const latest = await server.fetch('/mm/' + mid);
    assert.is(latest.status, 200);
    assert.is(latest.headers.get('content-type'), 'application/octet-stream');
    assert.is(latest.headers.get('cache-control'), 'no-cache');
    assert.ok(Buffer.from(await latest.arrayBuffer()).equals(data));
    const v1 = await server.fetch(`/mm/${mid}/1`);
    assert.is(v1.headers.get('cache-control'), 'public, max-age=29030400, immutable');
    assert.is((await server.fetch(`/mm/${mid}/2`)).status, 404);
    // the CLI reads what the server wrote
    assert.ok(mimei(dir, 'get', mid).out.equals(data));
    const show = mimei(dir, 'show', mid);
    assert.match(show.text, new RegExp(`ver= 1 \\S+ ${cid}`), show.text + show.err);
  });

  t('database writes forwarded with inert arguments; the server serves each new version at /mm', async () => {
    const db = /mid= (\S+)/.exec(mimei(dir, 'create', '--db').text)?.[1] as string;
    assert.ok(db);
    const key = 'a key [fac 3]';
    const value = 'hello [fac 5] {x} \\n\nsecond line  ';
    const s = mimei(dir, 'set', db, key, value);
    assert.is(s.code, 0, s.err);
    assert.is(s.text, 'OK\nver= 1\n');
    const l = mimei(dir, 'lpush', db, 'list', 'a b', '[c]');
    assert.is(l.text, '2\nver= 2\n', l.err);
    const h = mimei(dir, 'hset', db, 'h', 'f', '');
    assert.is(h.text, '1\nver= 3\n', h.err);
    const j = await server.fetch('/mm/' + db);
    assert.is(j.headers.get('x-mimei-version'), '3');
    assert.equal(await j.json(), { [key]: value, list: ['[c]', 'a b'], h: { f: '' } });
    assert.equal(await (await server.fetch(`/mm/${db}/1`)).json(), { [key]: value }, 'stored exactly, never evaluated');
    assert.is(mimei(dir, 'get', db, key).text, value + '\n');
    const bad = mimei(dir, 'set', 'A'.repeat(27), 'k', 'v');
    assert.is(bad.code, 1);
    assert.match(bad.err, /run mimei: the server refused: .*no Mimei A{27}/);
    const lines = indexOf(dir).trim().split('\n');
    assert.is(new Set(lines).size, lines.length, 'no record twice');
    assert.is(lines.filter((x) => x.startsWith(db + ' ')).length, 4, 'genesis and three versions');
  });

  t('a stale or unreachable STATE.url: a clear error, nothing written', async () => {
    const urlFile = join(dir, STATE + '.url');
    const real = readFileSync(urlFile, 'utf8');
    const mid = /mid= (\S+)/.exec(mimei(dir, 'create').text)?.[1] as string;
    const index = indexOf(dir);
    const blocks = blocksIn(dir);
    writeFileSync(urlFile, `http://127.0.0.1:${await freePort()}\n`);
    try {
      writeFileSync(join(dir, 'two.bin'), randomBytes(300_000, 9));
      for (const args of [['create'], ['add', mid, 'two.bin'], ['setcid', mid, blocks[0]]]) {
        const r = mimei(dir, ...args);
        assert.is(r.code, 1, args.join(' '));
        assert.match(r.err, /^run mimei: cannot reach the server of jml.state at http:\/\/127.0.0.1:\d+ \(from jml.state.url\)/);
        assert.is(r.text, '');
      }
      assert.is(indexOf(dir), index, 'the index unchanged');
      assert.equal(blocksIn(dir), blocks, 'no block written');
      // no URL at all while the server holds the lock: refused as before
      writeFileSync(urlFile, 'garbage\n');
      const r = mimei(dir, 'create');
      assert.is(r.code, 1);
      assert.match(r.err, /in use by another Magni process \(pid \d+\) that serves no HTTP/);
    } finally {
      writeFileSync(urlFile, real);
    }
    // reading commands never need the server
    assert.match(mimei(dir, 'list').text, new RegExp(mid));
  });

  t('after the server is gone (kill -9: its STATE.url and lock stay), the CLI writes the store itself', async () => {
    await server.stop();
    const r = mimei(dir, 'create');
    assert.is(r.code, 0, r.err);
    assert.match(indexOf(dir), new RegExp(/mid= (\S+)/.exec(r.text)![1] + ' 0 '));
  });

  t.run();
}

for (const kind of ['node', 'bun'] as const) gatewaySuite(kind);
