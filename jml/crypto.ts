// The JML encrypt/decrypt/hash builtins, byte-compatible with the original C interpreter.
import { JmlError } from './errors.ts';
import { utf8Decode, utf8Encode } from './utf8.ts';
import { bteaDecrypt, bteaEncrypt, bytesToWords, fromHex, keyFromString, toHex, wordsToBytes } from './xxtea.ts';

export const DEFAULT_KEY = '1234123412341234';

function trimSpaces(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && s[i] === ' ') i++;
  while (j > i && s[j - 1] === ' ') j--;
  return s.slice(i, j);
}

/** '{HEX}' of the XXTEA ciphertext of the space-trimmed text, zero padded to >= 2 words. */
export function encryptText(text: string, key: string = DEFAULT_KEY): string {
  const b = utf8Encode(trimSpaces(text));
  const w = bytesToWords(b, Math.max(2, (b.length + 3) >> 2));
  bteaEncrypt(w, keyFromString(key));
  return '{' + toHex(wordsToBytes(w)) + '}';
}

// a JmlError: the decrypt builtin's error text as it is
const malformed = (why: string): never => {
  throw new JmlError('decrypt: ciphertext ' + why);
};

/** Inverse of encryptText: the plaintext up to the first NUL; throws on malformed ciphertext. */
export function decryptText(cipher: string, key: string = DEFAULT_KEY): string {
  // the hex after an optional '{', up to a '}' or the end
  const text = trimSpaces(cipher);
  const start = text[0] === '{' ? 1 : 0;
  const end = text.indexOf('}', start);
  const b = fromHex(text.slice(start, end < 0 ? undefined : end));
  if (!b) return malformed('is not hex');
  if (b.length < 8 || b.length & 3) malformed('must be at least 8 bytes, a multiple of 4');
  const w = bytesToWords(b, b.length >> 2);
  bteaDecrypt(w, keyFromString(key));
  const p = wordsToBytes(w);
  const z = p.indexOf(0);
  return utf8Decode(p, 0, z < 0 ? p.length : z);
}

/**
 * 16 hex chars addressing text in the CHORD ring. The original defines it in its
 * standard library as [substr -17 -16 [encrypt/ContentAddress @content]]:
 * the last 8 ciphertext bytes under a fixed, public key.
 */
export function contentHash(text: string): string {
  return encryptText(text, 'ContentAddress').slice(-17, -1);
}
