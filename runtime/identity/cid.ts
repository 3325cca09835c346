// CIDs (multiformats/cid): CIDv1 = <version 1><codec varint><multihash>,
// written as multibase; CIDv0 = a bare sha2-256 multihash of dag-pb data,
// written in base58btc without prefix ('Qm...').
import { concatBytes } from './bytes.ts';
import { toBase58btc, fromBase58btc } from './base58.ts';
import { fromMultibase, toMultibase } from './multibase.ts';
import { decodeMultihash, type Multihash, SHA2_256 } from './multihash.ts';
import { decodeVarint, encodeVarint } from './varint.ts';

export const RAW = 0x55;
export const DAG_PB = 0x70;
export const DAG_CBOR = 0x71;
export const LIBP2P_KEY = 0x72;

/** Longer text is refused before decoding: base58 is quadratic, and real IDs are far shorter. */
export const MAX_ID_TEXT = 256;

/** Refuses ID text (`what`: a CID, a peer ID) longer than MAX_ID_TEXT. */
export function refuseLongId(text: string, what: string): void {
  if (text.length > MAX_ID_TEXT) throw new Error(`${what}: longer than ${MAX_ID_TEXT} characters`);
}

export interface Cid {
  version: 0 | 1;
  codec: number;
  multihash: Multihash;
  bytes: Uint8Array;
}

export function cidV1(codec: number, multihash: Uint8Array): Uint8Array {
  decodeMultihash(multihash); // refuse a malformed one now, not when someone reads the CID
  return concatBytes(encodeVarint(1), encodeVarint(codec), multihash);
}

/** A binary CID (v0 or v1), as found in CAR files and dag-cbor links. */
export function decodeCid(bytes: Uint8Array): Cid {
  if (bytes.length === 34 && bytes[0] === SHA2_256 && bytes[1] === 32) return { version: 0, codec: DAG_PB, multihash: decodeMultihash(bytes), bytes };
  const [version, n] = decodeVarint(bytes);
  if (version !== 1) throw new Error(version === SHA2_256 ? 'CID: not a CIDv0 (34 bytes, sha2-256)' : `CID: unsupported version ${version}`);
  const [codec, m] = decodeVarint(bytes, n);
  return { version: 1, codec, multihash: decodeMultihash(bytes.subarray(n + m)), bytes };
}

/** The canonical text: CIDv1 in base32 ('b...'), CIDv0 in bare base58btc ('Qm...'). */
export function cidToString(bytes: Uint8Array): string {
  return decodeCid(bytes).version ? toMultibase(bytes, 'base32') : toBase58btc(bytes);
}

/** CIDv0 ('Qm...', 46 characters) or CIDv1 in base32 or base58btc multibase. */
export function parseCid(text: string): Cid {
  refuseLongId(text, 'CID');
  if (text.length === 46 && text.startsWith('Qm')) return decodeCid(fromBase58btc(text));
  const bytes = fromMultibase(text);
  // The CID spec: a multibase CIDv0 is an error (there will be no CIDv18).
  if (bytes[0] === SHA2_256) throw new Error('CID: a CIDv0 is written in base58btc without a multibase prefix');
  return decodeCid(bytes);
}
