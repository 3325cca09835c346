// Base58 with the bitcoin alphabet (multibase 'z', peer IDs, CIDv0): the
// bytes as one big-endian number in base 58, each leading zero byte as '1'.
// Quadratic in the length: meant for IDs, not bulk data.

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function toBase58btc(b: Uint8Array): string {
  let zeros = 0;
  while (zeros < b.length && b[zeros] === 0) zeros++;
  const digits: number[] = []; // base-58 digits, least significant first
  for (let i = zeros; i < b.length; i++) {
    let carry = b[i];
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] * 256;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    for (; carry; carry = Math.floor(carry / 58)) digits.push(carry % 58);
  }
  const out: string[] = [];
  for (let i = 0; i < zeros; i++) out.push('1');
  for (let j = digits.length; j--; ) out.push(BASE58[digits[j]]);
  return out.join('');
}

export function fromBase58btc(s: string): Uint8Array {
  let zeros = 0;
  while (s[zeros] === '1') zeros++;
  const bytes: number[] = []; // least significant first
  for (let i = zeros; i < s.length; i++) {
    let carry = BASE58.indexOf(s[i]);
    if (carry < 0) throw new Error(`base58btc: invalid character ${JSON.stringify(s[i])} at ${i}`);
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j] * 58;
      bytes[j] = carry & 255;
      carry >>= 8;
    }
    for (; carry; carry >>= 8) bytes.push(carry & 255);
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let j = 0; j < bytes.length; j++) out[out.length - 1 - j] = bytes[j];
  return out;
}
