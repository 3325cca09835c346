// The two signed-for records of a Mimei, both DAG-CBOR blocks.
// Genesis {created, db, key, nonce, type}: who owns it. The Mimei's ID (MID)
// is the 27-character short ID of sha256(genesis) (type tag 2, where a node
// key has 1), so anyone holding the genesis can check a MID.
// Version {cid, key, mid, seq, sig, time, type, genesis}: in the spirit of an
// IPNS record, the owner's signature over the DAG-CBOR of the other fields,
// after a domain prefix (a signature made for anything else never fits).
import { mimeiError } from './mimei-error.ts';
import type { Host, KeyType } from '../host.ts';
import { concatBytes } from '../identity/bytes.ts';
import { checkRawKey } from '../identity/publicKey.ts';
import { isShortId, type Sha256, shortIdOfHash } from '../identity/shortId.ts';
import { utf8Encode } from '../../jml/utf8.ts';
import { sameBytes } from './block.ts';
import { decode, encode, isMap, Link, type Value } from './dag-cbor.ts';

export interface Genesis {
  type: KeyType;
  key: Uint8Array;
  /** ms since the epoch */
  created: number;
  db: boolean;
  nonce: Uint8Array;
}

export interface VersionRecord {
  mid: string;
  seq: number;
  /** The content's CID. */
  cid: Uint8Array;
  time: number;
  /** The genesis block's CID: a node that meets the Mimei first through this record fetches it. */
  genesis: Uint8Array;
  type: KeyType;
  key: Uint8Array;
  sig: Uint8Array;
}

const MID_TAG = 2;
/** A version record's bytes, at most (one is about 300). */
export const MAX_VERSION = 512;
const DOMAIN = utf8Encode('magni-mimei-version\n');

export const midOf = (sha256: Sha256, genesis: Uint8Array): string => shortIdOfHash(sha256(genesis).subarray(0, 20), MID_TAG);

const isInt = (x: unknown, min: number): x is number => Number.isSafeInteger(x) && (x as number) >= min;

/** The value's fields, when it is a map with exactly these keys; else a clear error. */
function fields(v: Value, keys: string[], what: string): Record<string, Value> {
  if (!isMap(v) || Object.keys(v).sort().join() !== keys.join())
    throw mimeiError(`not a ${what} record {${keys.join(', ')}}`);
  return v;
}

/** Throws unless the record's type and key are a public key. */
function checkKey(f: Record<string, Value>): void {
  if (!(f.key instanceof Uint8Array)) throw mimeiError('not a key');
  checkRawKey(f.type as KeyType, f.key); // refuses a type it does not know
}

export function makeGenesis(host: Required<Pick<Host, 'nodeKey'>> & Host, db: boolean): Uint8Array {
  const k = host.nodeKey();
  return encode({ type: k.type, key: k.publicKey, created: host.now(), db, nonce: host.randomBytes(16) });
}

export function genesisOf(bytes: Uint8Array): Genesis {
  const f = fields(decode(bytes), ['created', 'db', 'key', 'nonce', 'type'], 'genesis');
  if (!isInt(f.created, 0) || typeof f.db !== 'boolean' || !(f.nonce instanceof Uint8Array) || f.nonce.length > 64) throw mimeiError('a malformed genesis record');
  checkKey(f);
  return f as unknown as Genesis; // exactly a genesis's fields, each checked
}

type Unsigned = Omit<VersionRecord, 'sig'>;

/** The fields a signature covers, as they are encoded (the CIDs as links). */
const unsignedValue = (r: Unsigned): { [key: string]: Value } =>
  ({ mid: r.mid, seq: r.seq, cid: new Link(r.cid), time: r.time, genesis: new Link(r.genesis), type: r.type, key: r.key });

const signedBytes = (r: Unsigned): Uint8Array => concatBytes(DOMAIN, encode(unsignedValue(r)));

/** A version record, signed by this node's key: its bytes. */
export function signVersion(host: Required<Pick<Host, 'nodeKey'>>, r: Omit<Unsigned, 'type' | 'key'>): Uint8Array {
  const k = host.nodeKey();
  const u = { ...r, type: k.type, key: k.publicKey };
  return encode({ ...unsignedValue(u), sig: k.sign(signedBytes(u)) });
}

/** A version record's fields, checked for shape (not yet for its signature: checkVersion). */
export function versionOf(bytes: Uint8Array): VersionRecord {
  if (bytes.length > MAX_VERSION) throw mimeiError(`a version record of more than ${MAX_VERSION} bytes`);
  const f = fields(decode(bytes), ['cid', 'genesis', 'key', 'mid', 'seq', 'sig', 'time', 'type'], 'version');
  if (typeof f.mid !== 'string' || !isShortId(f.mid) || !isInt(f.seq, 1) || !isInt(f.time, 0) || !(f.cid instanceof Link) || !(f.genesis instanceof Link) || !(f.sig instanceof Uint8Array) || f.sig.length > 128)
    throw mimeiError('a malformed version record');
  checkKey(f);
  // the other fields are as checked; the CIDs come out of their links
  return { ...(f as unknown as VersionRecord), cid: f.cid.bytes, genesis: f.genesis.bytes };
}

/** Throws unless r is signed by the owner that genesis names. */
export function checkVersion(host: Required<Pick<Host, 'verify'>>, r: VersionRecord, g: Genesis): void {
  if (r.type !== g.type || !sameBytes(r.key, g.key)) throw mimeiError(`version ${r.seq} of ${r.mid} is not signed by its owner`);
  if (!host.verify(r.type, r.key, signedBytes(r), r.sig)) throw mimeiError(`version ${r.seq} of ${r.mid} has a bad signature`);
}
