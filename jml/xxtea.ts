// Corrected Block TEA (XXTEA, Wheeler & Needham 1998) on 32-bit words, little-endian.
import { appendUnits, utf8Encode } from './utf8.ts';

const DELTA = 0x9e3779b9;

function mx(sum: number, y: number, z: number, p: number, e: number, k: Uint32Array): number {
  return ((((z >>> 5) ^ (y << 2)) + ((y >>> 3) ^ (z << 4))) ^ ((sum ^ y) + (k[(p & 3) ^ e] ^ z))) | 0;
}

/** Encrypt v in place with the 4-word key k (v.length >= 2). */
export function bteaEncrypt(v: Uint32Array, k: Uint32Array): void {
  const n = v.length;
  let rounds = 6 + ((52 / n) | 0);
  let sum = 0;
  let z = v[n - 1];
  let y: number;
  while (rounds--) {
    sum = (sum + DELTA) | 0;
    const e = (sum >>> 2) & 3;
    for (let p = 0; p < n; p++) {
      y = v[(p + 1) % n];
      z = v[p] += mx(sum, y, z, p, e, k);
    }
  }
}

/** Decrypt v in place with the 4-word key k (v.length >= 2). */
export function bteaDecrypt(v: Uint32Array, k: Uint32Array): void {
  const n = v.length;
  let rounds = 6 + ((52 / n) | 0);
  let sum = Math.imul(rounds, DELTA);
  let y = v[0];
  let z: number;
  while (rounds--) {
    const e = (sum >>> 2) & 3;
    for (let p = n - 1; p >= 0; p--) {
      z = v[p ? p - 1 : n - 1];
      y = v[p] -= mx(sum, y, z, p, e, k);
    }
    sum = (sum - DELTA) | 0;
  }
}

/** n little-endian words from b, zero padded (extra bytes beyond 4n are ignored). */
export function bytesToWords(b: Uint8Array, n: number): Uint32Array {
  const w = new Uint32Array(n);
  for (let i = 0; i < b.length && i < n * 4; i++) w[i >> 2] |= b[i] << ((i & 3) * 8);
  return w;
}

export function wordsToBytes(w: Uint32Array): Uint8Array {
  const b = new Uint8Array(w.length * 4);
  for (let i = 0; i < b.length; i++) b[i] = w[i >> 2] >>> ((i & 3) * 8);
  return b;
}

/** The key's UTF-8 bytes, truncated to 16 and zero padded, as 4 LE words. */
export function keyFromString(key: string): Uint32Array {
  return bytesToWords(utf8Encode(key), 4);
}

const hexCode = (n: number) => n + (n < 10 ? 48 : 55); // '0'-'9', 'A'-'F'

export function toHex(b: Uint8Array): string {
  let s = '';
  const u: number[] = []; // char codes, appended in chunks
  for (let i = 0; i < b.length; i++) {
    u.push(hexCode(b[i] >> 4), hexCode(b[i] & 15));
    if (u.length > 4096) s = appendUnits(s, u);
  }
  return appendUnits(s, u);
}

/** Bytes of a hex string (either case), or null if it has odd length or a non-hex char. */
export function fromHex(s: string): Uint8Array | null {
  if (s.length & 1) return null;
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const l = c | 32; // fold A-F to a-f (digits are tested unfolded)
    const d = c >= 48 && c <= 57 ? c - 48 : l >= 97 && l <= 102 ? l - 87 : -1;
    if (d < 0) return null;
    b[i >> 1] |= d << (i & 1 ? 0 : 4);
  }
  return b;
}
