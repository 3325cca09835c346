// Our DAG-CBOR and CAR against independent code: @ipld/dag-cbor (cborg) must
// give byte-identical encodings and accept whatever we accept, with the same
// meaning; @ipld/car must read our CARs, each block's hash checked with
// multiformats. And a 10 MB file through the store on the Node Host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dagCbor from '@ipld/dag-cbor';
import { CarReader } from '@ipld/car';
import { CID } from 'multiformats/cid';
import { sha256 as mfSha256 } from 'multiformats/hashes/sha2';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../runtime/identity/bytes.ts';
import { DAG_CBOR, RAW } from '../../runtime/identity/index.ts';
import { addFile, BlockStore, carParts, cidOf, dagBlocks, decode, encode, Link, readFile, type Value } from '../../runtime/mimei/index.ts';
import { nodeHost } from '../../targets/node/host.ts';
import { randomValue } from '../dag-cbor-values.ts';
import { prng } from '../prng.ts';
import { tempDir } from './util.ts';

/** Our value as @ipld/dag-cbor's (links as multiformats CIDs). */
function theirs(v: Value): unknown {
  if (v instanceof Link) return CID.decode(v.bytes);
  if (v instanceof Uint8Array || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(theirs);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, theirs(x)]));
}

/** Whether two values of @ipld/dag-cbor's model are equal (compared through its own encoder). */
const same = (a: unknown, b: unknown) => Buffer.from(dagCbor.encode(a)).equals(Buffer.from(dagCbor.encode(b)));


test('encode: byte-identical to @ipld/dag-cbor for random values; decode agrees', () => {
  const next = prng(2026);
  for (let i = 0; i < 2000; i++) {
    const v = randomValue(next, true);
    const ours = encode(v);
    const ref = dagCbor.encode(theirs(v));
    assert.is(Buffer.from(ours).toString('hex'), Buffer.from(ref).toString('hex'), 'encoding ' + i);
    assert.is(same(theirs(decode(ref)), dagCbor.decode(ref)), true, 'decoding ' + i);
  }
});

test('decode: mutated encodings: whatever we accept, @ipld/dag-cbor accepts with the same value', () => {
  const next = prng(7);
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const b = encode(randomValue(next, true));
    const m = b.slice();
    const at = Math.floor(next() * m.length);
    m[at] = next() < 0.5 ? m[at] ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256);
    let ours: Value;
    try {
      ours = decode(m);
    } catch {
      refused++;
      continue;
    }
    let ref: unknown;
    assert.not.throws(() => (ref = dagCbor.decode(m)), 'they refuse what we accepted: ' + Buffer.from(m).toString('hex'));
    assert.is(same(theirs(ours), ref), true, 'same value: ' + Buffer.from(m).toString('hex'));
  }
  assert.ok(refused > 100, 'mutations were refused too: ' + refused);
});

// (it takes map keys out of order; we do not: test/mimei.test.ts)
test('decode: what @ipld/dag-cbor refuses as non-canonical, we refuse', () => {
  const cases = ['1817', '190017', '1a0000ffff', '5f4101ff', '9f01ff', 'a2616101616101', 'c11a514b67b0', 'd82a4101', '0101', 'a10101'];
  for (const h of cases) {
    const b = Buffer.from(h, 'hex');
    assert.throws(() => dagCbor.decode(b), h + ': they refuse it');
    assert.throws(() => decode(b), h + ': we refuse it');
  }
});

test('CAR: @ipld/car reads ours; every block hashes to its CID (multiformats)', async () => {
  const store = new BlockStore(nodeHost(() => {}), tempDir() + '/s.state.blocks');
  const data = new Uint8Array(700_000).map((_, i) => (i * 7919) & 255);
  const root = addFile(store, [data], 100_000);
  const car = concatBytes(...carParts([root], dagBlocks(store, root)));
  const reader = await CarReader.fromBytes(car);
  assert.equal((await reader.getRoots()).map(String), [CID.decode(root).toString()]);
  let n = 0;
  for await (const { cid, bytes } of reader.blocks()) {
    assert.equal((await mfSha256.digest(bytes)).digest, cid.multihash.digest, cid.toString());
    n++;
  }
  assert.is(n, 1 + 7, 'the manifest and 7 chunks');
});

test('files: 10 MB round trip through the Node Host block store', () => {
  const dir = tempDir() + '/s.state.blocks';
  const store = new BlockStore(nodeHost(() => {}), dir);
  const next = prng(10);
  const data = new Uint8Array(10_000_000).map(() => Math.floor(next() * 256));
  const parts = [data.subarray(0, 3_333_333), data.subarray(3_333_333)];
  const cid = addFile(store, parts);
  assert.is(CID.decode(cid).code, 0x71);
  assert.is(store.host.listFiles(dir).length, 1 + Math.ceil(10_000_000 / 262_144));
  assert.ok(Buffer.from(readFile(store, cid)).equals(Buffer.from(data)));
});

test.run();
