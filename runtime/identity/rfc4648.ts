// The RFC 4648 bases whose digits are whole bit groups (base32: 5 bits,
// base64: 6), without padding. Decoding is strict: a character outside the
// alphabet, a length no encoder makes, or set bits past the last byte are
// errors, so each byte string has exactly one accepted spelling.
import { digitValues } from './digits.ts';

export function encodeBits(b: Uint8Array, alphabet: string, bits: number): string {
  const mask = (1 << bits) - 1;
  const out: string[] = []; // joined once: += per character is quadratic on QuickJS
  let acc = 0; // only its low n bits are pending; higher ones may be stale
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    acc = (acc << 8) | b[i];
    for (n += 8; n >= bits; ) out.push(alphabet[(acc >> (n -= bits)) & mask]);
  }
  if (n) out.push(alphabet[(acc << (bits - n)) & mask]);
  return out.join('');
}

/** Reads either of two spellings of the alphabet (same digit values): uppercase base32, standard base64. */
export function decodeBits(s: string, alphabet: string, alternative: string, bits: number, name: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * bits) / 8));
  let acc = 0;
  let n = 0;
  let j = 0;
  for (const v of digitValues(s, name, alphabet, alternative)) {
    acc = (acc << bits) | v;
    n += bits;
    if (n >= 8) out[j++] = acc >> (n -= 8); // the store keeps the low 8 bits
  }
  if (n >= bits) throw new Error(`${name}: ${s.length} characters is not a possible length`);
  if (acc & ((1 << n) - 1)) throw new Error(`${name}: non-zero bits after the last byte`);
  return out;
}
