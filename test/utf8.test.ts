import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from './prng.ts';
import { utf8Decode, utf8Encode, utf8Length } from '../jml/utf8.ts';


const bytes = (...b: number[]) => new Uint8Array(b);
const FFFD = '\ufffd';

const ENCODINGS: [string, number[]][] = [
  ['', []],
  ['\0', [0]],
  ['A', [0x41]],
  ['\x7f', [0x7f]],
  ['\x80', [0xc2, 0x80]],
  ['\u07ff', [0xdf, 0xbf]],
  ['\u0800', [0xe0, 0xa0, 0x80]],
  ['\uffff', [0xef, 0xbf, 0xbf]],
  ['\u{10000}', [0xf0, 0x90, 0x80, 0x80]],
  ['\u{10ffff}', [0xf4, 0x8f, 0xbf, 0xbf]],
  ['åäö', [0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6]],
  ['€', [0xe2, 0x82, 0xac]],
  ['😀', [0xf0, 0x9f, 0x98, 0x80]],
  ['a€😀', [0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]],
];

test('encode, decode and length of known strings', () => {
  for (const [s, b] of ENCODINGS) {
    assert.equal(Array.from(utf8Encode(s)), b, s);
    assert.is(utf8Length(s), b.length, s);
    assert.is(utf8Decode(bytes(...b)), s, s);
  }
});

test('lone surrogates encode as U+FFFD', () => {
  const fffd = [0xef, 0xbf, 0xbd];
  assert.equal(Array.from(utf8Encode('\ud800')), fffd);
  assert.equal(Array.from(utf8Encode('\udc00')), fffd);
  assert.equal(Array.from(utf8Encode('a\udc00b')), [0x61, ...fffd, 0x62]);
  assert.equal(Array.from(utf8Encode('\ud800\ud800')), [...fffd, ...fffd]);
  assert.equal(Array.from(utf8Encode('\udc00\ud83d\ude00')), [...fffd, 0xf0, 0x9f, 0x98, 0x80]);
  assert.equal(Array.from(utf8Encode('x\ud83d')), [0x78, ...fffd]);
  for (const s of ['\ud800', 'a\udc00b', '\ud800\ud800', 'x\ud83d']) assert.is(utf8Length(s), utf8Encode(s).length);
});

test('invalid sequences decode to U+FFFD per maximal subpart (Unicode ch. 3 example)', () => {
  // Unicode Standard, "U+FFFD Substitution of Maximal Subparts".
  const b = bytes(0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2, 0x62, 0x80, 0x63, 0x80, 0xbf, 0x64);
  assert.is(utf8Decode(b), `a${FFFD}${FFFD}${FFFD}b${FFFD}c${FFFD}${FFFD}d`);
});

test('overlongs, surrogates, out of range and truncation', () => {
  const cases: [number[], string][] = [
    [[0xc0, 0x80], FFFD + FFFD],
    [[0xc1, 0xbf], FFFD + FFFD],
    [[0xe0, 0x80, 0x80], FFFD + FFFD + FFFD],
    [[0xed, 0xa0, 0x80], FFFD + FFFD + FFFD],
    [[0xf0, 0x80, 0x80, 0x80], FFFD + FFFD + FFFD + FFFD],
    [[0xf4, 0x90, 0x80, 0x80], FFFD + FFFD + FFFD + FFFD],
    [[0xf5, 0x80], FFFD + FFFD],
    [[0xff], FFFD],
    [[0x80], FFFD],
    [[0xe2, 0x82], FFFD],
    [[0xe2, 0x82, 0x41], FFFD + 'A'],
    [[0xf0, 0x9f, 0x98], FFFD],
    [[0xf0, 0x9f, 0x98, 0x78], FFFD + 'x'],
    [[0x61, 0x80, 0x62], 'a' + FFFD + 'b'],
  ];
  for (const [b, s] of cases) assert.is(utf8Decode(bytes(...b)), s, b.join(','));
});

test('decode a sub-range', () => {
  const b = utf8Encode('xxåäöyy');
  assert.is(utf8Decode(b, 2, 8), 'åäö');
  assert.is(utf8Decode(b, 2, 3), FFFD); // cut inside 'å'
  assert.is(utf8Decode(b, 3, 3), '');
});

test('random strings round trip', () => {
  const rnd = prng(1);
  const pick = (): number => {
    const r = rnd();
    if (r < 0.4) return 0x20 + Math.floor(rnd() * 0x5f);
    if (r < 0.6) return 0x80 + Math.floor(rnd() * 0x780);
    if (r < 0.8) return 0x800 + Math.floor(rnd() * 0xd000); // up to 0xd7ff
    if (r < 0.9) return 0xe000 + Math.floor(rnd() * 0x2000);
    return 0x10000 + Math.floor(rnd() * 0x100000);
  };
  for (let n = 0; n < 300; n++) {
    let s = '';
    const len = Math.floor(rnd() * 40);
    for (let i = 0; i < len; i++) s += String.fromCodePoint(pick());
    const b = utf8Encode(s);
    assert.is(utf8Length(s), b.length);
    assert.is(utf8Decode(b), s);
  }
});

test('random bytes never throw and decode to well-formed text', () => {
  const rnd = prng(2);
  for (let n = 0; n < 300; n++) {
    const b = new Uint8Array(Math.floor(rnd() * 40));
    for (let i = 0; i < b.length; i++) b[i] = rnd() < 0.5 ? 0x80 + Math.floor(rnd() * 0x80) : Math.floor(rnd() * 256);
    const s = utf8Decode(b);
    // Well-formed: re-encoding loses nothing (no lone surrogates were produced).
    assert.is(utf8Decode(utf8Encode(s)), s);
  }
});

test('long strings (chunked output)', () => {
  let s = '';
  for (let i = 0; i < 2000; i++) s += 'ab€😀åäö ';
  s = s + s + s + s + s; // 100k UTF-16 units
  const b = utf8Encode(s);
  assert.is(b.length, utf8Length(s));
  assert.is(utf8Decode(b), s);
});

test.run();
