// runtime/identity: the multiformats pieces and node identities, checked
// against published vectors (multiformats specs, RFC 4648, the base58 draft,
// the libp2p peer-ID spec, Leither's key/ID pairs) and against malformed input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { prng } from './prng.ts';
import { fromHex, toHex } from '../jml/xxtea.ts';
import { utf8Encode } from '../jml/utf8.ts';
import {
  cidToString, cidV1, DAG_CBOR, DAG_PB, decodeCid, decodeMultihash, decodePublicKey, decodeVarint, encodeMultihash,
  encodePublicKey, encodeVarint, fromBase32, fromBase58btc, fromBase64, fromMultibase, identityOf, IDENTITY, isShortId,
  LIBP2P_KEY, parseCid, peerIdOf, publicKeyOfPeerId, RAW, ringPositionOf, SHA2_256, shortIdOf, toBase32, toBase58btc,
  toBase64url, toMultibase,
  ringOfShortId,
  shortIdOfRing,
} from '../runtime/identity/index.ts';

const hex = (s: string) => {
  const b = fromHex(s);
  if (!b) throw new Error('bad hex in a test: ' + s);
  return b;
};
const lowHex = (b: Uint8Array) => toHex(b).toLowerCase();
const bytes = (...b: number[]) => new Uint8Array(b);
const text = (b: Uint8Array) => String.fromCharCode(...b); // the vectors here are ASCII
const randomBytes = (next: () => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));

/** f must throw an Error whose message matches re. */
function throwsWith(f: () => unknown, re: RegExp, what: string) {
  assert.throws(f, (e: unknown) => e instanceof Error && re.test(e.message), `${what}: expected an error matching ${re}`);
}

// ---- varint (multiformats/unsigned-varint README)

const VARINTS: [number, string][] = [
  [0, '00'], [1, '01'], [127, '7f'], [128, '8001'], [255, 'ff01'], [300, 'ac02'], [16384, '808001'],
  [2 ** 53 - 1, 'ffffffffffffff0f'],
];

test('varint: the spec vectors encode and decode', () => {
  for (const [n, h] of VARINTS) {
    assert.is(lowHex(encodeVarint(n)), h, `encode ${n}`);
    assert.equal(decodeVarint(hex(h)), [n, h.length / 2], `decode ${h}`);
  }
  assert.equal(decodeVarint(hex('ff00ac02ff'), 2), [300, 2], 'decodes at an offset and stops at the last byte');
});

test('varint: random values round trip', () => {
  const next = prng(8);
  for (let i = 0; i < 500; i++) {
    const n = Math.floor(next() * 2 ** Math.floor(next() * 54));
    const b = encodeVarint(n);
    assert.equal(decodeVarint(b), [n, b.length], String(n));
  }
});

test('varint: malformed input gets a clear error', () => {
  throwsWith(() => decodeVarint(bytes()), /truncated/, 'empty');
  throwsWith(() => decodeVarint(hex('8080')), /truncated/, 'continuation at the end');
  throwsWith(() => decodeVarint(hex('01'), 1), /truncated/, 'offset at the end');
  throwsWith(() => decodeVarint(hex('8000')), /not minimally encoded/, '0 in two bytes');
  throwsWith(() => decodeVarint(hex('ff8000')), /not minimally encoded/, '127 in three bytes');
  throwsWith(() => decodeVarint(hex('8080808080808010')), /over 2\^53 - 1/, '2^53');
  throwsWith(() => decodeVarint(hex('ffffffffffffffff01')), /over 2\^53 - 1/, 'nine bytes');
  for (const n of [-1, 1.5, 2 ** 53, NaN, Infinity]) throwsWith(() => encodeVarint(n), /not an integer from 0 to 2\^53 - 1/, String(n));
});

// ---- base32 (RFC 4648 section 10, lowercase without padding; multibase tests/*.csv)

const RFC4648: [string, string, string][] = [ // data, base32 (RFC's uppercase, padded), base64
  ['', '', ''],
  ['f', 'MY======', 'Zg=='],
  ['fo', 'MZXQ====', 'Zm8='],
  ['foo', 'MZXW6===', 'Zm9v'],
  ['foob', 'MZXW6YQ=', 'Zm9vYg=='],
  ['fooba', 'MZXW6YTB', 'Zm9vYmE='],
  ['foobar', 'MZXW6YTBOI======', 'Zm9vYmFy'],
];

// The multibase spec's vectors: "yes mani !" with 0, 1 and 2 leading zero bytes.
const MULTIBASE: [string, string, string, string][] = [ // data, base32, base58btc, base64
  ['yes mani !', 'bpfsxgidnmfxgsibb', 'z7paNL19xttacUY', 'meWVzIG1hbmkgIQ'],
  ['\0yes mani !', 'bab4wk4zanvqw42jaee', 'z17paNL19xttacUY', 'mAHllcyBtYW5pICE'],
  ['\0\0yes mani !', 'baaahszltebwwc3tjeaqq', 'z117paNL19xttacUY', 'mAAB5ZXMgbWFuaSAh'],
];

test('base32: RFC 4648 vectors, lowercase without padding', () => {
  for (const [data, b32] of RFC4648) {
    const canonical = b32.toLowerCase().replace(/=+$/, '');
    assert.is(toBase32(utf8Encode(data)), canonical, data);
    assert.is(text(fromBase32(canonical)), data, canonical);
  }
});

test('multibase: the spec vectors in base32 and base58btc, leading zeros included', () => {
  for (const [data, b32, b58, b64] of MULTIBASE) {
    const b = utf8Encode(data);
    assert.is(toMultibase(b, 'base32'), b32, JSON.stringify(data));
    assert.is(toMultibase(b, 'base58btc'), b58, JSON.stringify(data));
    assert.is(text(fromMultibase(b32)), data, b32);
    assert.is(text(fromMultibase(b58)), data, b58);
    assert.is(toBase64url(b), b64.slice(1), 'base64 of ' + JSON.stringify(data)); // no '+' or '/' in these
  }
  // The spec's case-insensitivity vector: base32 decodes in either case.
  assert.is(text(fromMultibase('bnbswy3dpeB3W64TMMQ')), 'hello world');
  assert.is(text(fromMultibase('Bnbswy3dpeB3W64TMMQ')), 'hello world', 'base32upper prefix');
});

test('base32 refuses invalid characters, impossible lengths and non-zero trailing bits', () => {
  for (const s of ['mz1a', 'my==', 'm y', 'mé', 'm\u212a']) throwsWith(() => fromBase32(s), /base32: invalid character/, s); // U+212A: toLowerCase would make it 'k'
  for (const s of ['m', 'mzx', 'mzxw6y']) throwsWith(() => fromBase32(s), /base32: \d+ characters is not a possible length/, s);
  throwsWith(() => fromBase32('mz'), /base32: non-zero bits after the last byte/, 'mz');
  throwsWith(() => fromBase32('mzxw7'), /base32: non-zero bits after the last byte/, 'mzxw7');
});

// ---- base64 (RFC 4648 section 10)

test('base64: RFC 4648 vectors; written url-safe without padding, read in either alphabet, padded or not', () => {
  for (const [data, , b64] of RFC4648) {
    const bare = b64.replace(/=+$/, '');
    assert.is(toBase64url(utf8Encode(data)), bare, data);
    assert.is(text(fromBase64(b64)), data, b64);
    assert.is(text(fromBase64(bare)), data, bare);
  }
  const b = bytes(0xfb, 0xef, 0xff);
  assert.is(toBase64url(b), '--__');
  assert.equal(fromBase64('++//'), b, 'standard alphabet');
  assert.equal(fromBase64('--__'), b, 'url alphabet');
});

test('base64 refuses bad padding, invalid characters, impossible lengths and non-zero trailing bits', () => {
  for (const s of ['Zg=', 'Zm9v==', 'Zg===', '=', 'Zm8==']) throwsWith(() => fromBase64(s), /base64: padding/, s);
  for (const s of ['Zm9v!', 'Zm 9v', 'Zg==Zg==', 'Zm9v====', 'Zé']) throwsWith(() => fromBase64(s), /base64: invalid character/, s);
  for (const s of ['Z', 'Zm9vY']) throwsWith(() => fromBase64(s), /base64: \d+ characters is not a possible length/, s);
  for (const s of ['Zh', 'Zh==', 'Zm9']) throwsWith(() => fromBase64(s), /base64: non-zero bits after the last byte/, s);
});

// ---- base58btc (draft-msporny-base58 vectors)

test('base58btc: the draft vectors and leading zeros', () => {
  const cases: [Uint8Array, string][] = [
    [utf8Encode('Hello World!'), '2NEpo7TZRRrLZSi2U'],
    [utf8Encode('The quick brown fox jumps over the lazy dog.'), 'USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z'],
    [hex('0000287fb4cd'), '11233QC4'],
    [bytes(), ''],
    [bytes(0), '1'],
    [bytes(0, 0, 0), '111'],
    [bytes(57), 'z'],
    [bytes(58), '21'],
  ];
  for (const [b, s] of cases) {
    assert.is(toBase58btc(b), s, s);
    assert.equal(fromBase58btc(s), b, s);
  }
});

test('base58btc refuses characters outside the bitcoin alphabet', () => {
  for (const s of ['0', 'O', 'I', 'l', '2NEpo7TZ+RRrLZSi2U', ' 1']) throwsWith(() => fromBase58btc(s), /base58btc: invalid character/, s);
});

test('random bytes round trip through every base', () => {
  const next = prng(58);
  for (let i = 0; i < 200; i++) {
    const b = randomBytes(next, Math.floor(next() * 40));
    if (next() < 0.3) b.fill(0, 0, Math.floor(next() * 4)); // leading zeros
    assert.equal(fromBase32(toBase32(b)), b);
    assert.equal(fromBase58btc(toBase58btc(b)), b);
    assert.equal(fromBase64(toBase64url(b)), b);
    assert.equal(fromMultibase(toMultibase(b, 'base32')), b);
    assert.equal(fromMultibase(toMultibase(b, 'base58btc')), b);
  }
});

test('multibase refuses prefixes it does not read', () => {
  throwsWith(() => fromMultibase(''), /multibase: empty text/, 'empty');
  for (const s of ['f68656c6c6f', 'meWVzIG1hbmkgIQ', 'Z7Pznk19XTTzBtx', 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'])
    throwsWith(() => fromMultibase(s), /multibase: unsupported prefix/, s);
  throwsWith(() => fromMultibase('z0'), /base58btc: invalid character/, 'z0');
});

// ---- multihash

const SHA256_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('multihash: sha2-256 and identity encode and decode', () => {
  assert.is(lowHex(encodeMultihash(SHA2_256, sha256(bytes()))), '1220' + SHA256_EMPTY);
  assert.equal(decodeMultihash(hex('1220' + SHA256_EMPTY)), { code: SHA2_256, digest: hex(SHA256_EMPTY) });
  assert.equal(decodeMultihash(hex('0003616263')), { code: IDENTITY, digest: utf8Encode('abc') });
  assert.equal(decodeMultihash(hex('0000')), { code: IDENTITY, digest: bytes() });
  const big = encodeMultihash(0xb220, new Uint8Array(200)); // blake2b-256 code, two-byte varints
  assert.is(lowHex(big.subarray(0, 5)), 'a0e402c801', 'code 0xb220 and length 200 as varints');
  assert.equal(decodeMultihash(big).code, 0xb220);
});

test('multihash refuses a length that does not match what follows', () => {
  throwsWith(() => decodeMultihash(hex('1220' + SHA256_EMPTY.slice(2))), /digest length is 32 but 31 bytes follow/, 'short');
  throwsWith(() => decodeMultihash(hex('1220' + SHA256_EMPTY + '00')), /digest length is 32 but 33 bytes follow/, 'trailing byte');
  throwsWith(() => decodeMultihash(hex('1210' + SHA256_EMPTY.slice(0, 32))), /sha2-256 digest is 32 bytes, not 16/, 'truncated sha2-256');
  throwsWith(() => decodeMultihash(hex('12')), /varint: truncated/, 'no length');
  throwsWith(() => decodeMultihash(bytes()), /varint: truncated/, 'empty');
});

// ---- CID

const sha256Cid = (codec: number, data: Uint8Array) => cidToString(cidV1(codec, encodeMultihash(SHA2_256, sha256(data))));

test('CID: raw and dag-cbor CIDv1 of known blocks', () => {
  assert.is(sha256Cid(RAW, utf8Encode('hello world')), 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
  assert.is(sha256Cid(RAW, bytes()), 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
  assert.is(sha256Cid(DAG_CBOR, bytes(0x81, 0x02)), 'bafyreihdb57fdysx5h35urvxz64ros7zvywshber7id6t6c6fek37jgyfe');
  const c = parseCid('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
  assert.is(c.version, 1);
  assert.is(c.codec, RAW);
  assert.equal(c.multihash, { code: SHA2_256, digest: hex(SHA256_EMPTY) });
  assert.is(lowHex(c.bytes), '01551220' + SHA256_EMPTY);
});

test('CID: the CID spec example in base58btc, and CIDv0 <-> CIDv1 (IPFS docs)', () => {
  const spec = parseCid('zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA'); // base58btc - cidv1 - raw - sha2-256-256-6e6f...
  assert.is(spec.version, 1);
  assert.is(spec.codec, RAW);
  assert.equal(spec.multihash, { code: SHA2_256, digest: hex('6e6ff7950a36187a801613426e858dce686cd7d7e3c0fc42ee0330072d245c95') });
  assert.is(toMultibase(spec.bytes, 'base58btc'), 'zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA');

  const v0 = parseCid('QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR');
  assert.is(v0.version, 0);
  assert.is(v0.codec, DAG_PB);
  assert.is(v0.multihash.code, SHA2_256);
  assert.is(cidToString(v0.bytes), 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR');
  const v1 = cidV1(DAG_PB, v0.bytes); // a CIDv0 is its multihash
  assert.is(cidToString(v1), 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi');
  const back = parseCid('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi');
  assert.is(back.codec, DAG_PB);
  assert.equal(back.multihash, v0.multihash);
  assert.equal(decodeCid(v1), back);
});

test('CID: malformed text and bytes get clear errors', () => {
  const v0 = fromBase58btc('QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR');
  throwsWith(() => parseCid(toMultibase(v0, 'base32')), /CIDv0 is written in base58btc without a multibase prefix/, 'multibase CIDv0');
  throwsWith(() => parseCid('Qm' + 'z'.repeat(44)), /not a CIDv0/, 'Qm text that is not 34 bytes');
  throwsWith(() => parseCid('QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMn0'), /base58btc: invalid character "0" at 45/, 'bad character');
  throwsWith(() => parseCid(toMultibase(hex('01551220' + SHA256_EMPTY.slice(2)), 'base32')), /digest length is 32 but 31 bytes follow/, 'truncated');
  throwsWith(() => parseCid('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk'), /base32: 57 characters is not a possible length/, 'a character short');
  throwsWith(() => parseCid(toMultibase(hex('02551220' + SHA256_EMPTY), 'base32')), /unsupported version 2/, 'version 2');
  throwsWith(() => parseCid(toMultibase(hex('00551220' + SHA256_EMPTY), 'base32')), /unsupported version 0/, 'explicit version 0');
  throwsWith(() => decodeCid(hex('01551220' + SHA256_EMPTY + '00')), /33 bytes follow/, 'trailing byte');
  throwsWith(() => decodeCid(hex('0155')), /varint: truncated/, 'no multihash');
  throwsWith(() => cidV1(RAW, hex('1220' + SHA256_EMPTY.slice(2))), /31 bytes follow/, 'cidV1 with a bad multihash');
  throwsWith(() => parseCid('b' + 'a'.repeat(300)), /longer than 256 characters/, 'too long');
  throwsWith(() => parseCid('mAXESIA'), /multibase: unsupported prefix "m"/, 'base64 multibase');
  throwsWith(() => parseCid(''), /multibase: empty text/, 'empty');
});

// ---- libp2p public keys and peer IDs (libp2p/specs peer-ids)

const ED25519_PROTO = '080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e';
const SECP256K1_PROTO = '08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99';

test('public key protobuf: the spec vectors decode and encode back', () => {
  const ed = decodePublicKey(hex(ED25519_PROTO));
  assert.is(ed.type, 'ed25519');
  assert.is(lowHex(ed.raw), ED25519_PROTO.slice(8));
  assert.is(lowHex(encodePublicKey(ed.type, ed.raw)), ED25519_PROTO);
  const k1 = decodePublicKey(hex(SECP256K1_PROTO));
  assert.is(k1.type, 'secp256k1');
  assert.is(lowHex(k1.raw), SECP256K1_PROTO.slice(8));
  assert.is(lowHex(encodePublicKey(k1.type, k1.raw)), SECP256K1_PROTO);
});

test('public key protobuf: strict about types, lengths, field order and trailing bytes', () => {
  const key = ED25519_PROTO.slice(8);
  throwsWith(() => decodePublicKey(hex(ED25519_PROTO + '00')), /1 bytes after the key/, 'trailing byte');
  throwsWith(() => decodePublicKey(hex(ED25519_PROTO.slice(0, -2))), /truncated/, 'one byte short');
  throwsWith(() => decodePublicKey(hex('0801')), /truncated/, 'no data');
  throwsWith(() => decodePublicKey(hex('12200801' + key)), /must start with field 1/, 'fields swapped');
  throwsWith(() => decodePublicKey(hex('08011820' + key)), /field 2 \(Data\) must follow/, 'wrong second field');
  throwsWith(() => decodePublicKey(hex('08001220' + key)), /unsupported key type 0/, 'RSA');
  throwsWith(() => decodePublicKey(hex('08031220' + key)), /unsupported key type 3/, 'ECDSA');
  throwsWith(() => decodePublicKey(hex('0801121f' + key.slice(2))), /Ed25519 key is 32 bytes, not 31/, 'short Ed25519 key');
  throwsWith(() => decodePublicKey(hex('08011221' + key + '00')), /Ed25519 key is 32 bytes, not 33/, 'long Ed25519 key');
  throwsWith(() => decodePublicKey(hex('08021220' + key)), /secp256k1 key is 33 bytes/, '32-byte secp256k1 key');
  throwsWith(() => decodePublicKey(hex('08021221' + '04' + key)), /secp256k1 key is 33 bytes, compressed/, 'bad prefix');
  throwsWith(() => encodePublicKey('ed25519', new Uint8Array(33)), /Ed25519 key is 32 bytes, not 33/, 'encode wrong length');
  throwsWith(() => encodePublicKey('secp256k1', new Uint8Array(65).fill(4, 0, 1)), /secp256k1 key is 33 bytes/, 'uncompressed');
  throwsWith(() => encodePublicKey('rsa' as 'ed25519', new Uint8Array(32)), /unknown key type "rsa"/, 'unknown type');
});

test('peer ID: the spec vectors, both ways', () => {
  const cases: [string, string][] = [
    [ED25519_PROTO, '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq'],
    [SECP256K1_PROTO, '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY'],
  ];
  for (const [proto, id] of cases) {
    const { type, raw } = decodePublicKey(hex(proto));
    assert.is(peerIdOf(type, raw), id);
    const back = publicKeyOfPeerId(id);
    assert.is(back.type, type);
    assert.equal(back.raw, raw);
  }
  // The spec's example Ed25519 peer ID reads back to a key that writes the same ID.
  const k = publicKeyOfPeerId('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA');
  assert.is(k.type, 'ed25519');
  assert.is(peerIdOf(k.type, k.raw), '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA');
});

test('peer ID: also read as a CIDv1 with the libp2p-key codec', () => {
  // The spec's pair: the same sha2-256 peer ID as a CID and as a bare multihash.
  const cid = parseCid('bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe');
  assert.is(cid.codec, LIBP2P_KEY);
  assert.equal(cid.multihash, decodeMultihash(fromBase58btc('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')));
  // An Ed25519 peer ID written as a CID gives the same key back.
  const { type, raw } = decodePublicKey(hex(ED25519_PROTO));
  const asCid = cidToString(cidV1(LIBP2P_KEY, fromBase58btc(peerIdOf(type, raw))));
  assert.ok(asCid.startsWith('bafzaa'), asCid);
  assert.equal(publicKeyOfPeerId(asCid), { type, raw });
  assert.equal(publicKeyOfPeerId(toMultibase(parseCid(asCid).bytes, 'base58btc')), { type, raw });
});

test('peer ID: IDs that hold no key, or are not peer IDs, get clear errors', () => {
  for (const s of ['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', 'bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe'])
    throwsWith(() => publicKeyOfPeerId(s), /holds a hash of the key, not the key itself/, s);
  throwsWith(() => publicKeyOfPeerId('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'), /codec 0x55, not libp2p-key/, 'raw CID');
  const short = toBase58btc(fromBase58btc('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq').subarray(0, -1));
  throwsWith(() => publicKeyOfPeerId(short), /digest length is 36 but 35 bytes follow/, 'a byte short');
  throwsWith(() => publicKeyOfPeerId('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pI'), /base58btc: invalid character "I"/, 'bad character');
  throwsWith(() => publicKeyOfPeerId('1'.repeat(300)), /longer than 256 characters/, 'too long');
  throwsWith(() => publicKeyOfPeerId(''), /multibase: empty text/, 'empty');
  // An identity multihash of a well-formed protobuf with an RSA type.
  const rsa = toBase58btc(encodeMultihash(IDENTITY, hex('08001220' + ED25519_PROTO.slice(8))));
  throwsWith(() => publicKeyOfPeerId(rsa), /unsupported key type 0/, 'RSA in an identity multihash');
});

// ---- Leither's short ID and the ring position

test('short ID: both of Leither published key/ID pairs', () => {
  const key = fromBase64('kVIfR1dAIypas6nPhDPwiKKY54Xco7NK80f9pUfePJY=');
  assert.is(shortIdOf(sha256, 'ed25519', key), 'xTTk7gZTywmHiR_y54TIpxQWRaa');
  const node = publicKeyOfPeerId('12D3KooWBiuFhtpQL2fs3CasdDZ2yZsHHGWdbGTEuVM3BHaj4AjH');
  assert.is(node.type, 'ed25519');
  assert.is(shortIdOf(sha256, node.type, node.raw), '9I6JPEqsxWHN7dr2WG9C0CJ-VnN');
});

test('short ID and ring position: the same 20 bytes of sha256(raw key), the short ID carrying tag 01', () => {
  const next = prng(27);
  for (let i = 0; i < 100; i++) {
    const type = next() < 0.5 ? 'ed25519' : 'secp256k1';
    const raw = randomBytes(next, type === 'ed25519' ? 32 : 33);
    if (type === 'secp256k1') raw[0] = next() < 0.5 ? 2 : 3;
    const { shortId, peerId, ring } = identityOf(sha256, type, raw);
    assert.is(ring, lowHex(sha256(raw).subarray(0, 20)));
    assert.is(ringPositionOf(sha256, type, raw), ring);
    assert.is(shortIdOf(sha256, type, raw), shortId);
    assert.is(peerId, peerIdOf(type, raw));
    assert.ok(isShortId(shortId), shortId);
    // Undo the swap: the first character then carries the tag in its low 2 bits; clear them and it is plain base64url.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const tagged = alphabet.indexOf(shortId[0]);
    assert.is(tagged & 3, 1, 'type tag 01');
    const plain = shortId[26] + shortId.slice(1, 26) + alphabet[tagged & ~3];
    assert.is(lowHex(fromBase64(plain)), ring);
    throwsWith(() => fromBase64(shortId[26] + shortId.slice(1, 26) + shortId[0]), /non-zero bits/, 'strict base64 refuses the tag');
  }
});

test('short ID: bad keys and a bad sha256 are refused; isShortId checks the shape', () => {
  throwsWith(() => shortIdOf(sha256, 'ed25519', new Uint8Array(31)), /Ed25519 key is 32 bytes, not 31/, 'short key');
  throwsWith(() => identityOf(sha256, 'secp256k1', new Uint8Array(33)), /secp256k1 key is 33 bytes, compressed/, 'no 02/03 prefix');
  throwsWith(() => ringPositionOf(() => new Uint8Array(20), 'ed25519', new Uint8Array(32)), /sha256 gave 20 bytes, not 32/, 'bad sha256');
  for (const s of ['xTTk7gZTywmHiR_y54TIpxQWRaa', '9I6JPEqsxWHN7dr2WG9C0CJ-VnN', 'A'.repeat(27)]) assert.ok(isShortId(s), s);
  for (const s of ['', 'xTTk7gZTywmHiR_y54TIpxQWRa', 'xTTk7gZTywmHiR_y54TIpxQWRaaa', 'xTTk7gZTywmHiR+y54TIpxQWRaa', 'xTTk7gZTywmHiR/y54TIpxQWRaa',
    'xTTk7gZTywmHiR_y54TIpxQWRa=', 'xTTk7gZTywmHiR_y54TIpxQWRaé', 'xTTk7gZTywmHiR_y54TIpxQWRa\n', ' TTk7gZTywmHiR_y54TIpxQWRaa'])
    assert.not.ok(isShortId(s), JSON.stringify(s));
});

test('a short ID gives back its ring position: ringOfShortId undoes shortIdOfRing', () => {
  for (const ring of ['0000000000000000000000000000000000000000', 'ffffffffffffffffffffffffffffffffffffffff', '5d8f2f34ebb26ac27ec3e2219b7ccc3a1e1220d5']) {
    assert.is(ringOfShortId(shortIdOfRing(ring)), ring);
  }
  assert.is(shortIdOfRing(ringOfShortId('xTTk7gZTywmHiR_y54TIpxQWRaa')), 'xTTk7gZTywmHiR_y54TIpxQWRaa');
  assert.throws(() => ringOfShortId('not an id'), /not a short ID/);
});

test.run();
