// Exact integers (D7): small ones stay JS numbers (fast), larger ones become
// BigInt, and anything past MAX_BITS is an error rather than a slow hang.
import { JmlError } from './errors.ts';

export type Int = number | bigint;

// The limit as a shift, not as 2 ** 65536: that BigInt alone is 8 KB of heap.
const MAX_BITS = BigInt(65536);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SAFE = BigInt(MAX_SAFE);
const ZERO = BigInt(0);
const MAX_DIGITS = 20000;

/** Keep a BigInt result small when it fits, and refuse absurdly large ones. */
export function norm(b: bigint): Int {
  if ((b < ZERO ? -b : b) >> MAX_BITS) throw new JmlError('number too large (over 65536 bits)');
  // BigInt-to-BigInt comparisons only: QuickJS gets mixed ones wrong for negatives.
  return b <= SAFE && b >= -SAFE ? Number(b) : b;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** C atoi: optional sign, leading digits, otherwise 0 ("12a" is 12, "abc" is 0). */
export function atoi(w: string): Int {
  const start = w[0] === '-' || w[0] === '+' ? 1 : 0;
  let end = start;
  while (isDigit(w.charCodeAt(end))) end++; // NaN past the end
  if (end - start <= 15) return atoiAt(w, 0, end);
  if (end - start > MAX_DIGITS) throw new JmlError('number too large (over ' + MAX_DIGITS + ' digits)');
  return norm(BigInt(w.slice(0, end))); // BigInt reads the sign too
}

/** atoi of s[i..j) for a short word (under 16 characters), without slicing it out. */
export function atoiAt(s: string, i: number, j: number): number {
  const c = s.charCodeAt(i);
  const neg = c === 45;
  if (neg || c === 43) i++;
  let v = 0;
  for (; i < j && isDigit(s.charCodeAt(i)); i++) v = v * 10 + s.charCodeAt(i) - 48;
  return neg ? -v : v;
}

const big = (x: Int): bigint => (typeof x === 'bigint' ? x : BigInt(x));

export function add(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(big(a) + big(b));
}

export function sub(a: Int, b: Int): Int {
  return add(a, -b);
}

export function mul(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    // If the true product fits in 53 bits the double product is exact.
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return norm(big(a) * big(b));
}

/** Truncating division; the remainder takes the dividend's sign (C). */
export function div(a: Int, b: Int, rem: boolean): Int {
  if (b === 0 || b === ZERO) throw new JmlError((rem ? 'remainder' : 'division') + ' by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    const r = rem ? a % b : Math.trunc(a / b);
    return r === 0 ? 0 : r;
  }
  return norm(rem ? big(a) % big(b) : big(a) / big(b));
}

/** -1, 0 or 1. */
export function compare(a: Int, b: Int): number {
  if (typeof a !== typeof b) {
    a = big(a);
    b = big(b);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A number usable as an index or count (clamped into the safe range). */
export function toIndex(x: Int): number {
  if (typeof x === 'number') return x;
  return x > ZERO ? MAX_SAFE : -MAX_SAFE;
}
