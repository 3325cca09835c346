// RFC 4648 base32, lowercase, no padding: multibase 'b', the CIDv1 text form.
import { decodeBits, encodeBits } from './rfc4648.ts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export const toBase32 = (b: Uint8Array): string => encodeBits(b, BASE32, 5);

/** Either case: multibase asks decoders to accept both. */
export const fromBase32 = (s: string): Uint8Array => decodeBits(s, BASE32, BASE32.toUpperCase(), 5, 'base32');
