// Multihash: <hash code varint><digest length varint><digest>.
import { concatBytes } from './bytes.ts';
import { decodeVarint, encodeVarint } from './varint.ts';

export const IDENTITY = 0x00; // the "digest" is the data itself (small keys in peer IDs)
export const SHA2_256 = 0x12;

export interface Multihash {
  code: number;
  digest: Uint8Array;
}

export const encodeMultihash = (code: number, digest: Uint8Array): Uint8Array =>
  concatBytes(encodeVarint(code), encodeVarint(digest.length), digest);

/** The multihash that is exactly b: the stated length must match what follows. */
export function decodeMultihash(b: Uint8Array): Multihash {
  const [code, n] = decodeVarint(b);
  const [length, m] = decodeVarint(b, n);
  const digest = b.subarray(n + m);
  if (digest.length !== length) throw new Error(`multihash: digest length is ${length} but ${digest.length} bytes follow`);
  if (code === SHA2_256 && length !== 32) throw new Error(`multihash: a sha2-256 digest is 32 bytes, not ${length}`);
  return { code, digest };
}
