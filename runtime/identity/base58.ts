// Base58 with the bitcoin alphabet (multibase 'z', peer IDs, CIDv0): the
// bytes as one big-endian number in base 58, each leading zero byte as '1'.
// Quadratic in the length: meant for IDs, not bulk data.
import { digitValues } from './digits.ts';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * A big-endian number's digits in base `from` as its digits in base `to`,
 * big-endian too; each leading zero digit stays one zero digit.
 */
function convertDigits(digits: ArrayLike<number>, from: number, to: number): number[] {
  let zeros = 0;
  while (zeros < digits.length && digits[zeros] === 0) zeros++;
  const out: number[] = []; // least significant first
  for (let i = zeros; i < digits.length; i++) {
    let carry = digits[i];
    for (let j = 0; j < out.length; j++) {
      carry += out[j] * from;
      out[j] = carry % to;
      carry = Math.floor(carry / to);
    }
    for (; carry; carry = Math.floor(carry / to)) out.push(carry % to);
  }
  for (let i = 0; i < zeros; i++) out.push(0);
  return out.reverse();
}

export const toBase58btc = (b: Uint8Array): string => convertDigits(b, 256, 58).map((d) => BASE58[d]).join('');

export const fromBase58btc = (s: string): Uint8Array => new Uint8Array(convertDigits(digitValues(s, 'base58btc', BASE58), 58, 256));
