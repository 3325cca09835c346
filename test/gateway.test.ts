// The web node's Mimei routes, driven through WebNode.handle() on the
// in-memory Host: the trustless gateway (/ipfs/CID raw and CAR, refusals,
// headers, limits) and /mm/MID. Runs on Node, Bun and QuickJS; the CAR is
// read back here with the core's checked reader, and independently with
// @ipld/car in test/node/gateway.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { MagniNode } from '../runtime/magni.ts';
import type { HttpResponse } from '../runtime/http.ts';
import { WebNode, type WebOptions } from '../runtime/web/index.ts';
import { cidToString, DAG_CBOR, parseCid, RAW } from '../runtime/identity/index.ts';
import { cidOf, MimeiStore, readCar, registerMimei } from '../runtime/mimei/index.ts';
import { utf8Decode, utf8Encode } from '../jml/utf8.ts';
import { inertArg } from '../jml/text.ts';
import { keyedHost } from './keyedhost.ts';
import type { MemHost } from './memhost.ts';

const KEY = 'Abcdefgh12345678';
const STATE = 'gw.state';
const CHUNK = 1024;

function setup(opts: Partial<WebOptions> = {}) {
  const host: MemHost = keyedHost(3);
  const node = new MagniNode(host, { stateFiles: [STATE], quiet: true });
  node.load();
  const store = new MimeiStore(host, STATE);
  registerMimei(node, store);
  const web = new WebNode(node, { key: KEY, mimei: store, ...opts });
  const get = (url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResponse> =>
    web.handle({ method, url, headers: { host: 'node.test', ...headers }, body: new Uint8Array(0) });
  return { host, node, store, web, get };
}

/** n bytes, deterministic, no two chunks alike unless repeat is set. */
function bytesOf(n: number, repeat = false): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = repeat ? i % CHUNK % 251 : (i * 7 + (i >> 10) * 13) % 256;
  return b;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const bodyOf = (r: HttpResponse) => r.bytes || utf8Encode(r.body);

function addFile(s: ReturnType<typeof setup>, data: Uint8Array): { mid: string; cid: string } {
  const mid = s.store.create();
  const v = s.store.addFile(mid, [data], CHUNK);
  return { mid, cid: cidToString(v.cid) };
}

function isImmutable(r: HttpResponse, type: string, etag: string) {
  assert.is(r.status, 200, r.body);
  assert.is(r.headers['Content-Type'], type);
  assert.is(r.headers['Cache-Control'], 'public, max-age=29030400, immutable');
  assert.is(r.headers['ETag'], etag);
  assert.is(r.headers['X-Content-Type-Options'], 'nosniff');
  assert.is(r.headers['Content-Length'], String(bodyOf(r).length));
}

test('/ipfs/CID?format=raw and Accept: application/vnd.ipld.raw: the block, checked, with immutable headers', async () => {
  const s = setup();
  const data = bytesOf(3 * CHUNK + 5);
  const { cid } = addFile(s, data);
  const first = cidToString(cidOf(sha256, RAW, data.subarray(0, CHUNK)));
  for (const [url, h] of [['/ipfs/' + first + '?format=raw', {}], ['/ipfs/' + first, { accept: 'application/vnd.ipld.raw' }]] as const) {
    const r = await s.get(url, h);
    isImmutable(r, 'application/vnd.ipld.raw', `"${first}.raw"`);
    assert.ok(same(r.bytes!, data.subarray(0, CHUNK)), 'the first chunk');
    assert.is(r.headers['Content-Disposition'], `attachment; filename="${first}.bin"`);
    assert.is(r.headers['X-Ipfs-Path'], '/ipfs/' + first);
  }
  // the manifest is a block too; any multibase spelling of the CID names it
  const m = await s.get('/ipfs/' + cid + '?format=raw');
  isImmutable(m, 'application/vnd.ipld.raw', `"${cid}.raw"`);
  assert.ok(same(cidOf(sha256, DAG_CBOR, m.bytes!), parseCid(cid).bytes), 'the manifest hashes to its CID');
  // HEAD: the same answer (the adapters drop the body)
  const h = await s.get('/ipfs/' + first + '?format=raw', {}, 'HEAD');
  assert.is(h.status, 200);
  assert.is(h.headers['Content-Length'], String(CHUNK));
  // If-None-Match: 304, nothing sent
  const again = await s.get('/ipfs/' + first + '?format=raw', { 'if-none-match': `"${first}.raw"` });
  assert.is(again.status, 304);
  assert.not.ok(again.bytes);
});

test('/ipfs/CID?format=car: CARv1, roots = [CID], blocks depth-first, each once, every one verifiable', async () => {
  const s = setup();
  const data = bytesOf(4 * CHUNK + 1);
  const { cid } = addFile(s, data);
  for (const [url, h] of [['/ipfs/' + cid + '?format=car', {}], ['/ipfs/' + cid, { accept: 'text/html;q=0.9, application/vnd.ipld.car;version=1' }]] as const) {
    const r = await s.get(url, h);
    isImmutable(r, 'application/vnd.ipld.car; version=1; order=dfs; dups=n', `"${cid}.car"`);
    assert.is(r.headers['Content-Disposition'], `attachment; filename="${cid}.car"`);
    const car = readCar(sha256, r.bytes!); // throws on any block that does not match its CID
    assert.equal(car.roots.map(cidToString), [cid]);
    assert.is(cidToString(car.blocks[0].cid), cid, 'the root first');
    const chunks = car.blocks.slice(1).map((b) => b.bytes);
    assert.is(chunks.length, 5);
    let at = 0;
    for (const c of chunks) assert.ok(same(c, data.subarray(at, (at += c.length))), 'the chunks in order');
    assert.is(at, data.length);
  }
  // a file whose chunks repeat: each block once
  const rep = addFile(s, bytesOf(3 * CHUNK, true));
  const car = readCar(sha256, (await s.get('/ipfs/' + rep.cid + '?format=car')).bytes!);
  assert.is(car.blocks.length, 2, 'the manifest and the one distinct chunk');
  // dag-scope=block: the root alone, under its own ETag
  const one = await s.get('/ipfs/' + cid + '?format=car&dag-scope=block');
  isImmutable(one, 'application/vnd.ipld.car; version=1; order=dfs; dups=n', `"${cid}.car.block"`);
  assert.is(readCar(sha256, one.bytes!).blocks.length, 1);
  // a one-chunk file's CAR: its raw block alone
  const small = addFile(s, utf8Encode('hello world'));
  assert.is(small.cid, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
  const sc = readCar(sha256, (await s.get('/ipfs/' + small.cid + '?format=car')).bytes!);
  assert.is(utf8Decode(sc.blocks[0].bytes), 'hello world');
  // ?format wins over Accept
  assert.is((await s.get('/ipfs/' + small.cid + '?format=raw', { accept: 'application/vnd.ipld.car' })).headers['Content-Type'], 'application/vnd.ipld.raw');
});

test('/ipfs refusals: 400 malformed CID, format or path; 400 without Accept; 406 for other types; 404 unknown; 405 POST', async () => {
  const s = setup();
  const { cid } = addFile(s, bytesOf(10));
  const plain = (r: HttpResponse, status: number, re: RegExp) => {
    assert.is(r.status, status, r.body);
    assert.is(r.headers['Content-Type'], 'text/plain; charset=utf-8');
    assert.is(r.headers['Cache-Control'], 'no-store', 'a refusal is never cached: the block may come later');
    assert.match(r.body, re);
  };
  plain(await s.get('/ipfs/not-a-cid?format=raw'), 400, /not a CID: not-a-cid/);
  plain(await s.get('/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5!?format=raw'), 400, /not a CID/);
  plain(await s.get('/ipfs/' + 'b'.repeat(300) + '?format=raw'), 400, /not a CID/);
  plain(await s.get('/ipfs/?format=raw'), 400, /format=raw/);
  plain(await s.get('/ipfs/' + cid + '?format=json'), 400, /format=json is not served/);
  plain(await s.get('/ipfs/' + cid + '/a/b?format=car'), 400, /paths under a CID/);
  plain(await s.get('/ipfs/' + cid + '?format=car&dag-scope=some'), 400, /dag-scope/);
  plain(await s.get('/ipfs/' + cid), 400, /no deserialized content/);
  plain(await s.get('/ipfs/' + cid, { accept: '*/*' }), 400, /format=raw/);
  plain(await s.get('/ipfs/' + cid, { accept: 'text/html, application/xhtml+xml' }), 406, /none of the types/);
  plain(await s.get('/ipfs/' + cid, { accept: 'application/vnd.ipld.car; version=2' }), 406, /none of the types/);
  plain(await s.get('/ipfs/' + cid, { accept: 'application/vnd.ipld.raw;q=0' }), 406, /none of the types/);
  const unknown = cidToString(cidOf(sha256, RAW, utf8Encode('not here')));
  plain(await s.get('/ipfs/' + unknown + '?format=raw'), 404, new RegExp('no block ' + unknown));
  plain(await s.get('/ipfs/' + unknown + '?format=car'), 404, new RegExp('no block ' + unknown));
  plain(await s.get('/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG?format=raw'), 404, /no block/);
  const post = await s.web.handle({ method: 'POST', url: '/ipfs/' + cid, headers: { host: 'node.test' }, body: new Uint8Array(0) });
  assert.is(post.status, 405);
  const none = setup({ mimei: undefined });
  plain(await none.get('/ipfs/' + cid + '?format=raw'), 404, /no Mimei store/);
});

test('/ipfs: a DAG missing a block is a 404 that names it; a block bad on disk is refused and removed; limits', async () => {
  const s = setup();
  const data = bytesOf(3 * CHUNK);
  const { cid } = addFile(s, data);
  const third = cidToString(cidOf(sha256, RAW, data.subarray(2 * CHUNK)));
  const second = cidToString(cidOf(sha256, RAW, data.subarray(CHUNK, 2 * CHUNK)));
  // within limits, then just past them
  const car = (await s.get('/ipfs/' + cid + '?format=car')).bytes!;
  const within = setup({ gatewayLimits: { maxBytes: 3 * CHUNK + 400, maxBlocks: 4 } });
  addFile(within, data);
  assert.is((await within.get('/ipfs/' + cid + '?format=car')).status, 200, 'exactly what the DAG needs');
  for (const limits of [{ maxBytes: 3 * CHUNK, maxBlocks: 100 }, { maxBytes: 1 << 20, maxBlocks: 3 }]) {
    const t = setup({ gatewayLimits: limits });
    addFile(t, data);
    const r = await t.get('/ipfs/' + cid + '?format=car');
    assert.is(r.status, 400, JSON.stringify(limits));
    assert.match(r.body, /larger than this node serves in one CAR/);
  }
  assert.ok(car.length > 3 * CHUNK);
  // a chunk gone: the CAR is refused, naming it; the raw root is still served
  s.host.bins.delete(STATE + '.blocks/' + third);
  const gone = await s.get('/ipfs/' + cid + '?format=car');
  assert.is(gone.status, 404);
  assert.match(gone.body, new RegExp(`the DAG under ${cid} is not whole here: block not in the store: ${third}`));
  assert.is((await s.get('/ipfs/' + cid + '?format=raw')).status, 200);
  // a byte flipped on disk: refused (never handed on) and removed
  const p = STATE + '.blocks/' + second;
  const bad = s.host.bins.get(p)!;
  bad[5] ^= 1;
  const r = await s.get('/ipfs/' + second + '?format=raw');
  assert.is(r.status, 404);
  assert.match(r.body, /do not match.*removed/);
  assert.not.ok(s.host.bins.has(p), 'the bad copy is gone');
});

test('/mm/MID: the latest version (revalidated), /mm/MID/VER a given one (immutable); a database as JSON; 404 and 400', async () => {
  const s = setup();
  const one = bytesOf(2 * CHUNK + 3);
  const two = bytesOf(7);
  const { mid, cid } = addFile(s, one);
  let r = await s.get('/mm/' + mid);
  assert.is(r.status, 200, r.body);
  assert.ok(same(r.bytes!, one), 'the file, reassembled');
  assert.is(r.headers['Content-Type'], 'application/octet-stream');
  assert.is(r.headers['Cache-Control'], 'no-cache', 'the latest may change');
  assert.is(r.headers['ETag'], `"${cid}"`);
  assert.is(r.headers['X-Mimei-Version'], '1');
  assert.is(r.headers['Content-Location'], `/mm/${mid}/1`);
  assert.is(r.headers['Content-Length'], String(one.length));
  assert.is(r.headers['X-Content-Type-Options'], 'nosniff');
  s.store.addFile(mid, [two], CHUNK);
  r = await s.get('/mm/' + mid);
  assert.ok(same(r.bytes!, two), 'the new latest');
  assert.is(r.headers['X-Mimei-Version'], '2');
  assert.is((await s.get('/mm/' + mid, { 'if-none-match': r.headers['ETag'] })).status, 304);
  assert.is((await s.get('/mm/' + mid, { 'if-none-match': `"${cid}"` })).status, 200, 'an old ETag: the new content');
  const v1 = await s.get('/mm/' + mid + '/1');
  assert.ok(same(v1.bytes!, one), 'version 1 as it was');
  assert.is(v1.headers['Cache-Control'], 'public, max-age=29030400, immutable');
  assert.is(v1.headers['Content-Location'], undefined);
  // a database: its JSON
  const db = s.store.create(true);
  assert.is((await s.get('/mm/' + db)).status, 404, 'no version yet');
  await s.node.evalLine(`[mm-set ${db} greeting ${inertArg('hello [world]', false)}]`);
  await s.node.evalLine(`[mm-lpush ${db} list a b]`);
  const j = await s.get('/mm/' + db);
  assert.is(j.headers['Content-Type'], 'application/json; charset=utf-8');
  assert.equal(JSON.parse(utf8Decode(j.bytes!)), { greeting: 'hello [world]', list: ['b', 'a'] });
  assert.equal(JSON.parse(utf8Decode((await s.get('/mm/' + db + '/1')).bytes!)), { greeting: 'hello [world]' });
  // refusals
  const status = async (url: string, n: number, re: RegExp) => {
    const x = await s.get(url);
    assert.is(x.status, n, url + ': ' + x.body);
    assert.match(x.body, re);
  };
  await status('/mm/' + mid + '/3', 404, /no version 3 here \(latest: 2\)/);
  await status('/mm/' + mid + '/0', 400, /a version is a number/);
  await status('/mm/' + mid + '/x1', 400, /a version is a number/);
  await status('/mm/' + 'A'.repeat(27), 404, /no Mimei A{27} here/);
  await status('/mm/short', 400, /not a Mimei ID/);
  await status('/mm/' + mid + '/1/more', 404, /GET \/mm\/MID/);
  // bigger than one answer may be
  const t = setup({ gatewayLimits: { maxBytes: 2 * CHUNK, maxBlocks: 100 } });
  const big = addFile(t, one);
  await (async () => {
    const x = await t.get('/mm/' + big.mid);
    assert.is(x.status, 400);
    assert.match(x.body, /more than 2048 bytes/);
  })();
  // a missing chunk: 404 that says so
  s.host.bins.delete(STATE + '.blocks/' + cidToString(cidOf(sha256, RAW, one.subarray(CHUNK, 2 * CHUNK))));
  await status('/mm/' + mid + '/1', 404, /is not whole here: block not in the store/);
});

test.run();
