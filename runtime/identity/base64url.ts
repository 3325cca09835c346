// RFC 4648 base64. Written in the URL-safe alphabet without padding (short
// IDs, keys and signatures in URLs and JML text); read in either alphabet,
// with or without correct padding.
import { decodeBits, encodeBits } from './rfc4648.ts';

export const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export const toBase64url = (b: Uint8Array): string => encodeBits(b, BASE64URL, 6);

export function fromBase64(s: string): Uint8Array {
  let end = s.length;
  while (s[end - 1] === '=' && s.length - end < 2) end--;
  if (end < s.length && s.length % 4) throw new Error('base64: padding does not fill a group of 4');
  return decodeBits(s.slice(0, end), BASE64URL, BASE64URL.slice(0, 62) + '+/', 6, 'base64');
}
