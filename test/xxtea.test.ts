import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from './prng.ts';
import { bteaDecrypt, bteaEncrypt, bytesToWords, fromHex, keyFromString, toHex, wordsToBytes } from '../jml/xxtea.ts';


const hex = (s: string) => fromHex(s)!;

// Published XXTEA vectors (key, plaintext, ciphertext as bytes; words little-endian),
// from crypt.co.za, as shipped in Perl Crypt::XXTEA's reference test-vector.t.
const VECTORS: [string, string, string][] = [
  ['00000000000000000000000000000000', '0000000000000000', 'ab043705808c5d57'],
  ['0102040810204080fffefcf8f0e0c080', '0000000000000000', 'd1e78be2c746728a'],
  ['9e3779b99b9773e9b979379e6b695156', 'ffffffffffffffff', '67ed0ea8e8973fc5'],
  ['0102040810204080fffefcf8f0e0c080', 'fffefcf8f0e0c080', '8c3707c01c7fccc4'],
  ['ffffffffffffffffffffffffffffffff', '157c13a850ba5e57306d7791', 'b2601cefb078b772abccba6a'],
  ['9e3779b99b9773e9b979379e6b695156', '157c13a850ba5e57306d7791', '579016d143ed6247ac6710dd'],
  ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '0102040810204080fffefcf8f0e0c080', 'c0a19f06ebb0d63925aa27f74cc6b2d0'],
  ['9e3779b99b9773e9b979379e6b695156', '0102040810204080fffefcf8f0e0c080', '01b815fd2e4894d13555da434c9d868a'],
  ['0102040810204080fffefcf8f0e0c080', '157c13a850ba5e57306d77916fa2c37be1949616', '51f0ffeb46012a245e0c6c4fa097db27caec698d'],
  ['9e3779b99b9773e9b979379e6b695156', '690342f45054a708c475c91db77761bc01b815fd2e4894d1', '759e5b212ee58be734d610248e1daa1c9d0647d428b4f95a'],
  ['9e3779b99b9773e9b979379e6b695156', '3555da434c9d868a1431e73e73372fc0688e09ce11d00b6fd936a764', '8e63ae7d8a119566990eb756f16abf94ff87359803ca12fbaa03fdfb'],
  ['0102040810204080fffefcf8f0e0c080', 'db9af3c96e36a30c643c6e97f4d75b7a4b51a40e9d8759e581e3c40b341b4436', '5ef1b6e010a2227ba337374b59beffc5263503054745fb513000641e2c7dd107'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4100000000000000', '014e7a34874eeb29'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142000000000000', 'e9d39f636e9ed090'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142430000000000', 'd20ec51c06feaf0e'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142434400000000', 'b1551d6ffcd4b61b'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142434445000000', '0ff91e518b9837e3'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142434445460000', '7003fc98b6788a77'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142434445464700', '93951ad360650022'],
  ['6a6f686e636b656e64616c6c6a6f686e', '4142434445464748', 'cdeb72b9c903ce52'],
];

test('published vectors encrypt and decrypt', () => {
  for (const [k, p, c] of VECTORS) {
    const key = bytesToWords(hex(k), 4);
    const v = bytesToWords(hex(p), p.length / 8);
    bteaEncrypt(v, key);
    assert.is(toHex(wordsToBytes(v)), c.toUpperCase(), `encrypt ${k} ${p}`);
    bteaDecrypt(v, key);
    assert.is(toHex(wordsToBytes(v)), p.toUpperCase(), `decrypt ${k} ${c}`);
  }
});

test('random blocks and keys round trip', () => {
  const rnd = prng(3);
  const word = () => (rnd() * 4294967296) >>> 0;
  for (let t = 0; t < 200; t++) {
    const k = Uint32Array.of(word(), word(), word(), word());
    const v = new Uint32Array(2 + Math.floor(rnd() * 30));
    for (let i = 0; i < v.length; i++) v[i] = word();
    const orig = v.slice();
    bteaEncrypt(v, k);
    assert.not.equal(Array.from(v), Array.from(orig));
    bteaDecrypt(v, k);
    assert.equal(Array.from(v), Array.from(orig));
  }
});

test('bytesToWords / wordsToBytes are little-endian and zero padded', () => {
  assert.equal(Array.from(bytesToWords(Uint8Array.of(1, 2, 3, 4, 5), 3)), [0x04030201, 5, 0]);
  assert.equal(Array.from(bytesToWords(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 9), 1)), [0xffffffff]);
  assert.equal(Array.from(wordsToBytes(Uint32Array.of(0x04030201, 0xdeadbeef))), [1, 2, 3, 4, 0xef, 0xbe, 0xad, 0xde]);
});

test('keyFromString: UTF-8 bytes, truncated to 16, zero padded', () => {
  assert.equal(Array.from(keyFromString('1234123412341234')), [0x34333231, 0x34333231, 0x34333231, 0x34333231]);
  assert.equal(Array.from(keyFromString('1234123412341234XYZ')), Array.from(keyFromString('1234123412341234')));
  assert.equal(Array.from(keyFromString('')), [0, 0, 0, 0]);
  assert.equal(Array.from(keyFromString('ab')), [0x6261, 0, 0, 0]);
  assert.equal(Array.from(keyFromString('å')), [0xa5c3, 0, 0, 0]);
});

test('toHex / fromHex', () => {
  assert.is(toHex(Uint8Array.of(0, 1, 0xab, 0xff, 0x10)), '0001ABFF10');
  assert.is(toHex(new Uint8Array(0)), '');
  assert.equal(Array.from(fromHex('0001abFF10')!), [0, 1, 0xab, 0xff, 0x10]);
  assert.equal(Array.from(fromHex('')!), []);
  for (const bad of ['0', 'abc', 'zz', '0g', 'ab ', ' ab', '0x', '{}', 'éé', 'ａｂ', '\x10\x19', 'GG', '@@', '``'])
    assert.is(fromHex(bad), null, bad);
  const rnd = prng(4);
  for (let t = 0; t < 50; t++) {
    const b = new Uint8Array(Math.floor(rnd() * 20));
    for (let i = 0; i < b.length; i++) b[i] = rnd() * 256;
    assert.equal(Array.from(fromHex(toHex(b))!), Array.from(b));
    assert.equal(Array.from(fromHex(toHex(b).toLowerCase())!), Array.from(b));
  }
});

test.run();
