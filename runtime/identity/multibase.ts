// Multibase: one prefix character names the base of the rest. Only the two
// that CIDs and peer IDs use are here.
import { fromBase32, toBase32 } from './base32.ts';
import { fromBase58btc, toBase58btc } from './base58.ts';

export type Multibase = 'base32' | 'base58btc';

export const toMultibase = (b: Uint8Array, base: Multibase): string =>
  base === 'base32' ? 'b' + toBase32(b) : 'z' + toBase58btc(b);

export function fromMultibase(s: string): Uint8Array {
  const prefix = s[0];
  if (prefix === 'b' || prefix === 'B') return fromBase32(s.slice(1)); // 'B': base32upper, same decoder
  if (prefix === 'z') return fromBase58btc(s.slice(1));
  throw new Error(s ? `multibase: unsupported prefix ${JSON.stringify(prefix)} (only b: base32, z: base58btc)` : 'multibase: empty text');
}
