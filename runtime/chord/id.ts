// Ring arithmetic on 160-bit identifiers written as 40 lowercase hex digits.
// Fixed-width lowercase hex sorts as text the way the numbers sort, so every
// comparison here is a string comparison: no BigInt (QuickJS compares BigInt
// with Number wrongly, and strings cost less heap on a device).

/** Hex digits in a ring position (160 bits). */
export const ID_DIGITS = 40;
/** Bits in a ring position: the finger table has this many entries. */
export const ID_BITS = 160;

const RING_ID = /^[0-9a-f]{40}$/;
const HEX_KEY = /^[0-9a-fA-F]+$/;

/** Whether x is a ring position: exactly 40 lowercase hex digits. */
export const isRingId = (x: unknown): x is string => typeof x === 'string' && RING_ID.test(x);

/**
 * The point of the ring a key names: its hex digits left-aligned and padded
 * with zeros to 160 bits (a 16-digit content-hash is the top 64 bits); a key
 * of more than 40 digits keeps its first 40. Throws on anything but hex.
 */
export function keyToPoint(key: string): string {
  if (!HEX_KEY.test(key)) throw new Error('a ring key is hex digits, not ' + JSON.stringify(key.length > 50 ? key.slice(0, 47) + '...' : key));
  const k = key.slice(0, ID_DIGITS).toLowerCase();
  return k + '0'.repeat(ID_DIGITS - k.length);
}

/** x in the open interval (a, b) going clockwise; when a = b, every point but a. */
export const between = (a: string, x: string, b: string): boolean => (a < b ? a < x && x < b : a < x || x < b);

/** x in the half-open interval (a, b] going clockwise; when a = b, every point. */
export const upTo = (a: string, x: string, b: string): boolean => (a < b ? a < x && x <= b : a < x || x <= b);

/** (id + 2^bit) mod 2^160: where finger `bit` starts. */
export function addPowerOfTwo(id: string, bit: number): string {
  const d = id.split('');
  let i = ID_DIGITS - 1 - (bit >> 2);
  let carry = 1 << (bit & 3);
  while (carry && i >= 0) {
    const v = parseInt(d[i], 16) + carry;
    d[i--] = (v & 15).toString(16);
    carry = v >> 4;
  }
  return d.join('');
}
