// runtime/mimei on the in-memory Host: the DAG-CBOR codec (published CID
// vectors, round trips, refusals), CAR, files in chunks, the block store's
// checks, version records (signature, owner, sequence, replay) and the
// database commands, with the JML builtins. Runs on Node, Bun and QuickJS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../jml/xxtea.ts';
import { utf8Encode } from '../jml/utf8.ts';
import { cidToString, DAG_CBOR, parseCid, RAW } from '../runtime/identity/index.ts';
import { MagniNode } from '../runtime/index.ts';
import {
  addFile, BlockStore, carParts, checkBlock, cidOf, dagBlocks, dbCommand, dbOf, decode, encode, fileChunks, Link, MimeiStore, readCar, readFile,
  registerMimei, signVersion, versionOf, type Value,
} from '../runtime/mimei/index.ts';
import { concatBytes } from '../runtime/identity/bytes.ts';
import { memHost, type MemHost } from './memhost.ts';
import { keyedHost } from './keyedhost.ts';
import { inertArg } from '../jml/text.ts';
import { randomValue } from './dag-cbor-values.ts';
import { prng } from './prng.ts';

const hex = (s: string) => fromHex(s) as Uint8Array;
const lowHex = (b: Uint8Array) => toHex(b).toLowerCase();

function throwsWith(f: () => unknown, re: RegExp, what: string) {
  assert.throws(f, (e: unknown) => e instanceof Error && re.test(e.message), `${what}: expected an error matching ${re}`);
}

// ---- vectors

test('CID vectors: raw "hello world", raw empty, dag-cbor [2]', () => {
  assert.is(cidToString(cidOf(sha256, RAW, utf8Encode('hello world'))), 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
  assert.is(cidToString(cidOf(sha256, RAW, new Uint8Array(0))), 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
  assert.is(lowHex(encode([2])), '8102');
  assert.is(cidToString(cidOf(sha256, DAG_CBOR, encode([2]))), 'bafyreihdb57fdysx5h35urvxz64ros7zvywshber7id6t6c6fek37jgyfe');
});

// ---- the codec

const ENCODINGS: [Value, string][] = [
  [0, '00'], [23, '17'], [24, '1818'], [255, '18ff'], [256, '190100'], [65535, '19ffff'], [65536, '1a00010000'],
  [2 ** 32 - 1, '1affffffff'], [2 ** 32, '1b0000000100000000'], [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
  [-1, '20'], [-24, '37'], [-25, '3818'], [-(2 ** 53 - 1), '3b001ffffffffffffe'],
  ['', '60'], ['a', '6161'], ['ü', '62c3bc'], [new Uint8Array([1, 2]), '420102'], [true, 'f5'], [false, 'f4'], [null, 'f6'],
  [[], '80'], [{}, 'a0'], [{ b: 1, a: 2, aa: 3 }, 'a3616102616201626161' + '03'],
];

test('dag-cbor: known encodings (RFC 8949 appendix A), map keys shorter first then bytewise', () => {
  for (const [v, h] of ENCODINGS) {
    assert.is(lowHex(encode(v)), h, JSON.stringify(v));
    assert.equal(decode(hex(h)), v, h);
  }
  const cid = cidOf(sha256, RAW, new Uint8Array(0));
  const b = encode({ l: new Link(cid) });
  assert.is(lowHex(b), 'a1616cd82a5825' + '00' + lowHex(cid));
  assert.equal((decode(b) as { l: Link }).l.bytes, cid);
});


test('dag-cbor: random values round trip, and decode(encode(x)) re-encodes to the same bytes', () => {
  const next = prng(42);
  for (let i = 0; i < 300; i++) {
    const v = randomValue(next);
    const b = encode(v);
    const back = decode(b);
    assert.equal(back, v, 'value ' + i);
    assert.equal(encode(back), b, 'bytes ' + i);
  }
});

test('dag-cbor: non-canonical or unsupported input is refused with a clear error', () => {
  const bad: [string, RegExp][] = [
    ['1817', /not minimal/], ['190017', /not minimal/], ['1a0000ffff', /not minimal/], ['1b00000000ffffffff', /not minimal/],
    ['1b0020000000000000', /beyond 2\^53/], ['3b001fffffffffffff', /beyond -2\^53/],
    ['5f4101ff', /indefinite/], ['9f01ff', /indefinite/], ['bf6161 01ff', /indefinite/], ['1c', /reserved/],
    ['a2616201616101', /out of order/], ['a2616101616101', /duplicate/], ['a2626161016162 01', /out of order/], ['a10101', /not a string/],
    ['f93c00', /float/], ['fa3f800000', /float/], ['fb3ff0000000000000', /float/], ['f7', /simple value 23/],
    ['c11a514b67b0', /tag but 42/], ['d82a4101', /without 0x00/], ['d82a420001', /CID|varint/], ['d82a6100', /link not bytes/],
    ['0101', /trailing/], ['62c3', /past the end/], ['', /truncated/], ["8201", /truncated|past the end/], ['62c328', /invalid UTF-8/],
    ['9b00000000ffffffff', /past the end|not minimal/],
  ];
  for (const [h, re] of bad) throwsWith(() => decode(hex(h.replace(/ /g, ''))), re, h);
  throwsWith(() => decode(hex('81'.repeat(100) + '01')), /too deep/, 'deep');
  throwsWith(() => encode(1.5), /no floats/, 'float');
  throwsWith(() => encode(NaN), /no floats/, 'NaN');
  throwsWith(() => encode({ a: undefined as unknown as Value }), /undefined/, 'undefined');
  throwsWith(() => encode(new Uint8Array(100), 50), /more than 50 bytes/, 'bound');
  const proto = decode(hex('a1695f5f70726f746f5f5f01')) as Record<string, Value>; // {"__proto__": 1}
  assert.is(Object.getPrototypeOf(proto), Object.prototype, 'a __proto__ key does not change the prototype');
  assert.is(Object.keys(proto)[0], '__proto__');
});

// ---- blocks, files, CAR

test('block store: a block is stored under its CID; a corrupted one on disk is refused and removed', () => {
  const h = keyedHost();
  const s = new BlockStore(h, 'x.state.blocks');
  const cid = s.put(utf8Encode('hello world'));
  assert.is(cidToString(cid), 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
  assert.equal(s.getBlock(cid), utf8Encode('hello world'));
  assert.equal(s.host.listFiles('x.state.blocks'), [cidToString(cid)]);
  const path = 'x.state.blocks/' + cidToString(cid);
  h.bins.set(path, utf8Encode('hello worle'));
  throwsWith(() => s.getBlock(cid), /do not match.*removed/, 'corrupted');
  assert.not.ok(h.bins.has(path));
  assert.is(s.getBlock(cid), null);
  throwsWith(() => s.putBlock(cid, utf8Encode('hello')), /do not match/, 'a wrong block from a peer');
  assert.is(s.getBlock(cid), null, 'and it was not stored');
  s.putBlock(cid, utf8Encode('hello world'));
  assert.ok(s.hasBlock(cid));
  throwsWith(() => checkBlock(sha256, parseCid('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n').bytes, new Uint8Array(0)), /only CIDv1/, 'v0');
});

function sized(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 4096) b[i] = Math.floor(next() * 256);
  for (let i = 0; i < n; i++) b[i] ^= i & 255;
  return b;
}

test('files: 0 B, 1 B, 256 KiB, 256 KiB + 1 (and small chunks) round trip; one chunk is its raw block', () => {
  const s = new BlockStore(keyedHost(), 'f.blocks');
  for (const [n, chunk] of [[0, undefined], [1, undefined], [262144, undefined], [262145, undefined], [10000, 1000], [10001, 1000]] as const) {
    const data = sized(n, n);
    const parts = [data.subarray(0, n >> 1), data.subarray(n >> 1)];
    const cid = addFile(s, parts, chunk);
    const single = n <= (chunk ?? 262144);
    assert.is(parseCid(cidToString(cid)).codec, single ? RAW : DAG_CBOR, `${n}: codec`);
    if (single) assert.equal(cid, cidOf(sha256, RAW, data), `${n}: the raw block's CID`);
    assert.ok(readFile(s, cid).every((x, i) => x === data[i]) && readFile(s, cid).length === n, `${n}: same bytes`);
  }
  assert.is(cidToString(addFile(s, [])), 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'empty file');
});

test('files: a missing or corrupted chunk, or a manifest that lies about the size, is an error', () => {
  const h = keyedHost();
  const s = new BlockStore(h, 'f.blocks');
  const data = sized(3000, 7);
  const cid = addFile(s, [data], 1000);
  const chunk1 = cidOf(sha256, RAW, data.subarray(1000, 2000));
  h.bins.set('f.blocks/' + cidToString(chunk1), data.subarray(0, 1000));
  throwsWith(() => readFile(s, cid), /do not match/, 'corrupted chunk');
  throwsWith(() => readFile(s, cid), /not in the store/, 'then missing');
  const links = [0, 1000].map((a) => new Link(s.put(data.subarray(a, a + 1000))));
  const lying = s.put(encode({ size: 3000, chunks: links }), DAG_CBOR);
  throwsWith(() => readFile(s, lying), /hold 2000 bytes, the manifest says 3000/, 'short');
  const over = s.put(encode({ size: 10, chunks: links }), DAG_CBOR);
  throwsWith(() => [...fileChunks(s, over)], /hold more bytes/, 'long');
  throwsWith(() => readFile(s, s.put(encode({ size: 1, chunks: [1] }), DAG_CBOR)), /not a manifest/, 'shape');
});

test('CAR: written depth-first without duplicates, read back with every block checked', () => {
  const s = new BlockStore(keyedHost(), 'c.blocks');
  const data = sized(2500, 3);
  const root = addFile(s, [data.subarray(0, 1000), data.subarray(0, 1000), data.subarray(1000, 2000)], 1000); // chunks A A B
  const blocks = [...dagBlocks(s, root)];
  assert.is(blocks.length, 3, 'manifest + 2 distinct chunks');
  const car = concatBytes(...carParts([root], blocks));
  const r = readCar(sha256, car);
  assert.equal(r.roots, [root]);
  assert.equal(r.blocks.map((b) => cidToString(b.cid)), blocks.map((b) => cidToString(b.cid)));
  const bad = car.slice();
  bad[bad.length - 1] ^= 1;
  throwsWith(() => readCar(sha256, bad), /do not match/, 'a flipped byte');
  throwsWith(() => readCar(sha256, car.subarray(0, car.length - 1)), /past the end/, 'truncated');
  throwsWith(() => readCar(sha256, concatBytes(new Uint8Array([1]), encode(1))), /header/, 'header');
});

// ---- Mimei: versions

test('mimei: create, add files as versions; MID from the genesis; versions survive a restart', () => {
  const h = keyedHost();
  const m = new MimeiStore(h, 'n.state');
  const mid = m.create();
  assert.match(mid, /^[\w-]{27}$/);
  assert.is(m.last(mid), 0);
  const v1 = m.addFile(mid, [utf8Encode('one')]);
  const v2 = m.addFile(mid, [utf8Encode('two')]);
  assert.is(v1.seq, 1);
  assert.is(v2.seq, 2);
  const again = new MimeiStore(h, 'n.state');
  assert.equal(again.list(), [mid]);
  assert.equal(again.seqs(mid), [1, 2]);
  assert.equal(readFile(again.blocks, (again.version(mid, 1) as { cid: Uint8Array }).cid), utf8Encode('one'));
  assert.is(again.genesis(mid).db, false);
  assert.is(again.genesis(mid).created, h.now());
});

test('mimei: versions from elsewhere: owner signature, rising seq; a replay, a forgery, a stranger are refused', () => {
  const a = keyedHost(1);
  const ma = new MimeiStore(a, 'a.state');
  const mid = ma.create();
  ma.addFile(mid, [utf8Encode('v1')]);
  ma.addFile(mid, [utf8Encode('v2')]);
  const b = keyedHost(2);
  const mb = new MimeiStore(b, 'b.state');
  const seen: string[] = [];
  mb.onChange = (m, s) => seen.push(m + ':' + s);
  const rec1 = ma.versionBytes(mid, 1) as Uint8Array;
  throwsWith(() => mb.accept(rec1), /genesis .* is not here/, 'no genesis yet');
  const r = versionOf(rec1);
  mb.blocks.putBlock(r.genesis, ma.blocks.need(r.genesis));
  assert.is(mb.accept(rec1).seq, 1);
  throwsWith(() => mb.accept(rec1), /version 1 .* not newer than version 1 held/, 'replay');
  // b signs a version of a's Mimei: not the owner
  const forged = signVersion(b as Required<MemHost>, { mid, seq: 5, cid: r.cid, time: 1, genesis: r.genesis });
  throwsWith(() => mb.accept(forged), /not signed by its owner/, 'stranger');
  // a's record with the seq changed: the signature no longer fits
  const v = decode(ma.versionBytes(mid, 2) as Uint8Array) as Record<string, Value>;
  throwsWith(() => mb.accept(encode({ ...v, seq: 9 })), /bad signature/, 'tampered');
  assert.is(mb.accept(ma.versionBytes(mid, 2) as Uint8Array).seq, 2);
  throwsWith(() => mb.accept(rec1), /not newer than version 2/, 'old replayed');
  assert.equal(seen, [mid + ':1', mid + ':2']);
  assert.equal(mb.seqs(mid), [1, 2]);
  throwsWith(() => mb.commit(mid, r.cid), /not this node's/, 'b cannot make versions of a\'s Mimei');
  throwsWith(() => mb.accept(new Uint8Array([1, 2])), /dag-cbor|record/, 'garbage');
});

test('mimei: a truncated or corrupted index and a corrupted record are reported; nothing else is lost', () => {
  const h = keyedHost();
  const m = new MimeiStore(h, 's.state');
  const mid = m.create();
  m.addFile(mid, [utf8Encode('x')]);
  m.addFile(mid, [utf8Encode('y')]);
  h.files.set('s.state.mimei', (h.files.get('s.state.mimei') as string) + 'garbage line\n' + mid + ' 3 bafy');
  const again = new MimeiStore(h, 's.state');
  assert.equal(again.seqs(mid), [1, 2]);
  assert.is(h.logs.filter((l) => /malformed|cut short/.test(l)).length, 2, h.logs.join('\n'));
  assert.is(again.addFile(mid, [utf8Encode('z')]).seq, 3, 'a new version goes after what survived');
  const line = (h.files.get('s.state.mimei') as string).split('\n').find((l) => l.startsWith(mid + ' 2 ')) as string;
  h.bins.set('s.state.blocks/' + line.split(' ')[2], utf8Encode('not the record'));
  throwsWith(() => again.version(mid, 2), /do not match/, 'corrupted record');
  assert.is(again.version(mid, 3)?.seq, 3, 'the others still read');
});

// ---- databases and JML

test('db: set get del hset hget hgetall lpush lrange, each write a version', () => {
  const m = new MimeiStore(keyedHost(), 'd.state');
  const mid = m.create(true);
  const run = (cmd: string, ...args: string[]) => dbCommand(m, mid, cmd, args);
  assert.equal(run('set', 'k', 'v 1'), { reply: 'OK', ver: 1 });
  assert.equal(run('get', 'k'), { reply: 'v 1' });
  assert.is(run('get', 'none').reply, '');
  assert.equal(run('hset', 'h', 'f', 'x'), { reply: '1', ver: 2 });
  assert.is(run('hset', 'h', 'f', 'y').reply, '0');
  run('hset', 'h', 'g', 'z');
  assert.is(run('hget', 'h', 'f').reply, 'y');
  assert.is(run('hgetall', 'h').reply, 'f\ny\ng\nz');
  assert.is(run('lpush', 'l', 'a', 'b').reply, '2');
  assert.is(run('lpush', 'l', 'c').reply, '3');
  assert.is(run('lrange', 'l', '0', '-1').reply, 'c\nb\na');
  assert.is(run('lrange', 'l', '1', '1').reply, 'b');
  assert.is(run('lrange', 'l', '-2', '99').reply, 'b\na');
  throwsWith(() => run('get', 'h'), /WRONGTYPE/, 'get of a hash');
  throwsWith(() => run('lpush', 'k', 'x'), /WRONGTYPE/, 'lpush on a string');
  assert.is(run('del', 'k', 'nothing').reply, '1');
  assert.is(run('get', 'k').reply, '');
  assert.is(m.last(mid), 7);
  assert.is(dbCommand(m, mid, 'get', ['k']).reply, '');
  throwsWith(() => run('set', 'k'), /takes 2 arguments/, 'arity');
  throwsWith(() => run('flushall'), /unknown database command/, 'unknown');
  throwsWith(() => run('set', 'big', 'x'.repeat(1 << 20)), /more than/, 'a database over the block bound');
  assert.is(m.last(mid), 7, 'the refused write made no version');
  run('set', '__proto__', 'p');
  assert.is(run('get', '__proto__').reply, 'p');
  const file = m.create();
  throwsWith(() => dbCommand(m, file, 'get', ['k']), /not a database/, 'file Mimei');
});

test('JML: [mm-set] [mm-get] [mm-ver] ...; writes need the state capability; on-mimei runs on a received version', async () => {
  const h = keyedHost(1);
  const node = new MagniNode(h, { quiet: true });
  const store = new MimeiStore(h, 'jml.state');
  registerMimei(node, store);
  const db = store.create(true);
  const file = store.create();
  store.addFile(file, [utf8Encode('hi [there]')]);
  const line = async (l: string, opts = {}) => {
    const r = await node.evalLine(l, opts);
    return r.errors.length ? 'ERR ' + r.errors.join('|') : r.output;
  };
  assert.is(await line(`[mm-set ${db} greeting hello world]`), 'OK');
  assert.is(await line(`[mm-get ${db} greeting]`), 'hello world');
  assert.is(await line(`[mm-ver ${db}]`), '1');
  assert.is(await line(`[mm-get ${file}]`), 'hi [there]', 'shown, never evaluated');
  assert.is(await line(`[mm-lpush ${db} l a b]`), '2');
  assert.is(await line(`[mm-lrange ${db} l 0 -1]`), 'b\na');
  assert.is(await line(`[mm-hset ${db} h f v w]`), '1');
  assert.is(await line(`[mm-hget ${db} h f]`), 'v w');
  assert.match(await line(`[mm-set ${db} x y]`, { caps: new Set() }), /ERR .*mm-set/);
  assert.is(await line(`[mm-ver ${db}]`), '3', 'the visitor made no version');
  assert.match(await line(`[mm-get nope]`), /ERR mm-get: mimei: no Mimei/);
  assert.match(await line('[help]'), /mm-get/);
  // a version from another node's Mimei arrives: on-mimei runs
  const other = keyedHost(2);
  const ms = new MimeiStore(other, 'o.state');
  const mid = ms.create();
  const r = ms.addFile(mid, [utf8Encode('news')]);
  await line('[macro on-mimei $mid $ver][data got-$ver $mid][/macro]');
  store.blocks.putBlock(r.genesis, ms.blocks.need(r.genesis));
  store.accept(ms.versionBytes(mid) as Uint8Array);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.is(node.interp.macros.get('data-got-1')?.body, mid);
});

test('JML: [mm-create] [mm-setcid] (what run mimei forwards), owner only; inert words round-trip exactly', async () => {
  const h = keyedHost(1);
  const node = new MagniNode(h, { quiet: true });
  const store = new MimeiStore(h, 'jml.state');
  registerMimei(node, store);
  const line = async (l: string, opts = {}) => {
    const r = await node.evalLine(l, opts);
    return r.errors.length ? 'ERR ' + r.errors.join('|') : r.output;
  };
  const mid = await line('[mm-create]');
  assert.match(mid, /^[\w-]{27}$/);
  assert.is(store.genesis(mid).db, false);
  const db = await line('[mm-create db]');
  assert.is(store.genesis(db).db, true);
  assert.match(await line('[mm-create]', { caps: new Set() }), /ERR .*mm-create/);
  assert.match(await line('[mm-create files]'), /ERR .*mm-create/);
  assert.is(store.list().length, 2, 'the refused ones made nothing');
  const cid = cidToString(addFile(store.blocks, [utf8Encode('x')]));
  assert.match(await line(`[mm-setcid ${mid} ${cid}]`, { caps: new Set() }), /ERR .*mm-setcid/);
  assert.is(await line(`[mm-setcid ${mid} ${cid}]`), '1');
  assert.is(cidToString(store.version(mid)!.cid), cid);
  assert.match(await line(`[mm-setcid ${mid} bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku]`), /ERR .*is not here/);
  assert.match(await line(`[mm-setcid ${mid} nonsense]`), /ERR mm-setcid/);
  assert.is(store.last(mid), 1);
  // someone's key and value, quoted with inertArg: stored exactly, never evaluated
  const q = (s: string, one: boolean) => inertArg(s, one).replace(/\n/g, '\\n');
  const k = 'a key [fac 3] {x} \\n';
  const v = ' [fac 4]  \\ two\nlines ';
  assert.is(await line(`[mm-set ${db} ${q(k, true)} ${q(v, false)}] [mm-ver ${db}]`), 'OK 1');
  assert.is(await line(`[mm-set ${db} empty ]`), 'OK');
  assert.is(await line(`[mm-lpush ${db} ${q('l 1', true)} ${q('a b', true)} ${q('[c]', true)}]`), '2');
  assert.equal(dbOf(store, db), { [k]: v, empty: '', 'l 1': ['[c]', 'a b'] });
});

test.run();
