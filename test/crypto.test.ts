import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from './prng.ts';
import { contentHash, decryptText, DEFAULT_KEY, encryptText } from '../jml/crypto.ts';


// Output of the original C interpreter ([encrypt ...], [encrypt/KEY ...]).
const ENCRYPTED: [string, string, string?][] = [
  ['', '{B89193FC2ED2ED1A}'],
  ['FOOBAR', '{39CE0CD92EEBACC8}'],
  ['abcdefgh', '{35E6242D65058989}'],
  ['abcdefghi', '{785782950BB0AB241B49ED4A}'],
  ['  spaced   out  ', '{384DEAAE6F62F12423F15DCE}'],
  ['{x}', '{13B29ADDC7C121F8}'],
  ['[+ 3 4]', '{5A12D9A879F8A477}'],
  ['hi', '{5BB1979100637C6D}'],
  ['hi', '{480867EE36579704}', '0123456789ABCDEFGHIJ'],
  ['hi', '{4E0574FC9D9DCD68}', 'k/x'],
];

test('DEFAULT_KEY', () => {
  assert.is(DEFAULT_KEY, '1234123412341234');
});

test('encryptText matches the original', () => {
  for (const [text, cipher, key] of ENCRYPTED) assert.is(encryptText(text, key), cipher, `${key} ${text}`);
  assert.is(encryptText('hi', DEFAULT_KEY), '{5BB1979100637C6D}');
  assert.is(encryptText('hi', '0123456789ABCDEF'), '{480867EE36579704}'); // key truncated to 16
});

test('encryptText trims only spaces', () => {
  assert.is(encryptText('   FOOBAR '), encryptText('FOOBAR'));
  assert.is.not(encryptText('\tFOOBAR'), encryptText('FOOBAR'));
  assert.is.not(encryptText('FOOBAR\n'), encryptText('FOOBAR'));
  assert.is(encryptText('    '), encryptText(''));
});

test('decryptText inverts the vectors', () => {
  for (const [text, cipher, key] of ENCRYPTED) assert.is(decryptText(cipher, key), text.trim(), cipher);
});

test('decryptText accepts braces, case and spaces loosely', () => {
  for (const c of ['39CE0CD92EEBACC8', '{39ce0cd92eebacc8}', '{39CE0CD92EEBACC8', '  {39CE0CD92EEBACC8}  ', ' 39CE0CD92EEBACC8   ', '{39CE0CD92EEBACC8} trailing'])
    assert.is(decryptText(c), 'FOOBAR', c);
});

test('malformed ciphertext throws a clear error', () => {
  const notHex = /^decrypt: ciphertext is not hex/;
  const badLen = /^decrypt: ciphertext must be at least 8 bytes, a multiple of 4/;
  const cases: [string, RegExp][] = [
    ['', badLen],
    ['{}', badLen],
    ['   ', badLen],
    ['{39CE0CD9}', badLen],
    ['{39CE0CD92EEBACC800}', badLen],
    ['{39CE0CD92EEBAC}', badLen],
    ['{39CE0CD92EEBACC}', notHex],
    ['{39CE0CD92EEBACCX}', notHex],
    ['{39CE 0CD92EEBACC8}', notHex],
    ['FOOBAR', notHex],
  ];
  for (const [c, re] of cases)
    assert.throws(() => decryptText(c), (e: unknown) => e instanceof Error && re.test(e.message), c);
});

test('wrong key never throws', () => {
  const c = encryptText('Hello åäö world', 'right');
  assert.is.not(decryptText(c, 'wrong'), 'Hello åäö world');
  assert.is(decryptText(c, 'right'), 'Hello åäö world');
});

test('round trips, including UTF-8 and every length class', () => {
  const texts = ['a', 'ab', 'abc', 'abcd', 'abcde', 'åäö', 'ÅÄÖ åäö', '€', '😀', 'a😀b', '[+ 3 4] {x}', 'x'.repeat(1000)];
  for (const t of texts)
    for (const k of [undefined, '', 'k', 'ContentAddress', 'nyckel-åäö', '0123456789ABCDEFGHIJ'])
      assert.is(decryptText(encryptText(t, k), k), t, `${k} ${t}`);
});

test('random text round trips', () => {
  const rnd = prng(5);
  const alphabet = [...'abcXYZ019 []{}/\\-.,åäöÅÄÖ€😀中文\u00a0\t\n'];
  for (let n = 0; n < 300; n++) {
    let t = '';
    const len = Math.floor(rnd() * 50);
    for (let i = 0; i < len; i++) t += alphabet[Math.floor(rnd() * alphabet.length)];
    let key = '';
    for (let i = Math.floor(rnd() * 20); i > 0; i--) key += alphabet[Math.floor(rnd() * alphabet.length)];
    const c = encryptText(t, key);
    assert.ok(/^\{([0-9A-F]{8})+\}$/.test(c) && c.length >= 18, c);
    // encryptText trims leading and trailing spaces only.
    assert.is(decryptText(c, key), t.replace(/^ +| +$/g, ''), JSON.stringify([t, key]));
  }
});

// From the original README; its standard library defines
// [macro content-hash @content][substr -17 -16 [encrypt/ContentAddress @content]][/macro].
const HASHES: [string, string][] = [
  ['<data...tatatatatat>', '0A543F0365179C05'],
  ['<data...other>', 'C0458858B721576B'],
  ['StarWarsIV', 'A2065D7267A72D3D'],
  ['star', '015BA7A2250FA4D1'],
  ['wars', '6181303D2E3EEB6C'],
  ['iv', '63AB646145DFFEA9'],
  ['trek', 'EC8DA41B66A78863'],
  ['5aaf5bb2-aca3-11e6-b0d5-cb6044163794', 'DA623E175D65C3C0'],
  ['Hello. This is a message!', 'BA4255506DCA9199'],
];

test('contentHash matches the original', () => {
  for (const [text, hash] of HASHES) assert.is(contentHash(text), hash, text);
  assert.is(contentHash('  star  '), '015BA7A2250FA4D1');
  assert.ok(/^[0-9A-F]{16}$/.test(contentHash('')));
});

test.run();
