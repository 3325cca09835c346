// Blocks: bytes named by their CIDv1 (sha2-256). A block from anywhere (a
// peer, a CAR, our own disk) is checked against its CID before it is used.
import { cidToString, cidV1, decodeCid } from '../identity/cid.ts';
import { encodeMultihash, SHA2_256 } from '../identity/multihash.ts';
import type { Sha256 } from '../identity/shortId.ts';
import { compareBytes } from './dag-cbor.ts';

export const cidOf = (sha256: Sha256, codec: number, bytes: Uint8Array): Uint8Array => cidV1(codec, encodeMultihash(SHA2_256, sha256(bytes)));

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => compareBytes(a, b) === 0;

/** Throws unless bytes are the block cid names (CIDv1, sha2-256). */
export function checkBlock(sha256: Sha256, cid: Uint8Array, bytes: Uint8Array): void {
  const c = decodeCid(cid);
  if (c.version !== 1 || c.multihash.code !== SHA2_256) throw new Error('block: only CIDv1 with sha2-256 is stored: ' + cidToString(cid));
  if (!sameBytes(sha256(bytes), c.multihash.digest)) throw new Error('block: the bytes do not match ' + cidToString(cid));
}
