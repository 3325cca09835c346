// Leither's 27-character short ID and the ring position behind it.
//
// The rule is inferred: Leither publishes key/ID pairs, not the rule, and
// this one reproduces both published pairs exactly (test/identity.test.ts):
//   1. h = the first 20 bytes of sha256(the raw public key): the 32 key bytes
//      themselves, not the libp2p protobuf or the peer ID.
//   2. s = base64url of h without padding: 27 characters; the last carries
//      the final 4 bits of h followed by 2 spare bits, which are 0.
//   3. Set those 2 spare bits to the type tag 01 (a key): the last
//      character's alphabet index gets | 1.
//   4. Swap the first and last characters of s.
// For secp256k1 keys the same rule is applied to the 33-byte compressed key
// (no published pair to check it against). Strict base64 decoders refuse
// short IDs (the tag bits are not zero): treat them as opaque strings.
// sha256 comes from the Host (a device has it in hardware or its SDK).
import { fromHex, toHex } from '../../jml/xxtea.ts';
import { BASE64URL, fromBase64, toBase64url } from './base64url.ts';
import { peerIdOf } from './peerId.ts';
import { checkRawKey, type KeyType } from './publicKey.ts';

export type Sha256 = (data: Uint8Array) => Uint8Array;

const KEY_TAG = 1;

/** Step 1: the 20 bytes (160 bits) that name the key on the ring and in the short ID. */
function keyHash(sha256: Sha256, type: KeyType, raw: Uint8Array): Uint8Array {
  checkRawKey(type, raw);
  const h = sha256(raw);
  if (h.length !== 32) throw new Error(`sha256 gave ${h.length} bytes, not 32`);
  return h.subarray(0, 20);
}

/** The 27-character form of 20 bytes, with a type tag in the 2 spare bits (1: a key; Mimei IDs use 2). */
export function shortIdOfHash(h: Uint8Array, tag = KEY_TAG): string {
  const s = toBase64url(h);
  return BASE64URL[BASE64URL.indexOf(s[26]) | tag] + s.slice(1, 26) + s[0];
}

const ringOfHash = (h: Uint8Array): string => toHex(h).toLowerCase();

/** The ring position behind a short ID (its 20 bytes: the swap undone, the tag bits cleared). */
export function ringOfShortId(id: string): string {
  if (!isShortId(id)) throw new Error('not a short ID: ' + id.slice(0, 50));
  const plain = id[26] + id.slice(1, 26) + BASE64URL[BASE64URL.indexOf(id[0]) & ~3];
  return ringOfHash(fromBase64(plain));
}

/** The short ID of the node at a ring position (the same 20 bytes, written the other way). */
export function shortIdOfRing(ring: string): string {
  if (!/^[0-9a-f]{40}$/.test(ring)) throw new Error('not a ring position: ' + ring.slice(0, 50));
  return shortIdOfHash(fromHex(ring)!); // 40 hex digits: never null
}

export const shortIdOf = (sha256: Sha256, type: KeyType, raw: Uint8Array): string => shortIdOfHash(keyHash(sha256, type, raw));

/** The ring position (CHORD): the same 20 bytes as 40 lowercase hex digits. */
export const ringPositionOf = (sha256: Sha256, type: KeyType, raw: Uint8Array): string => ringOfHash(keyHash(sha256, type, raw));

export interface Identity {
  shortId: string;
  peerId: string;
  ring: string;
}

export function identityOf(sha256: Sha256, type: KeyType, raw: Uint8Array): Identity {
  const h = keyHash(sha256, type, raw);
  return { shortId: shortIdOfHash(h), peerId: peerIdOf(type, raw), ring: ringOfHash(h) };
}

/** Whether s has a short ID's shape: 27 characters of the base64url alphabet. */
export const isShortId = (s: string): boolean => /^[\w-]{27}$/.test(s);
