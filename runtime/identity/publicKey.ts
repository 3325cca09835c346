// libp2p's PublicKey protobuf, as peer IDs embed it:
//   message PublicKey { required KeyType Type = 1; required bytes Data = 2; }
//   enum KeyType { RSA = 0; Ed25519 = 1; Secp256k1 = 2; ECDSA = 3; }
// Only the two key types a node makes are read, in the deterministic form
// the spec requires (fields in order, minimal varints, nothing else), so one
// key has exactly one encoding and thus one peer ID.

export type KeyType = 'ed25519' | 'secp256k1';

export interface PublicKey {
  type: KeyType;
  raw: Uint8Array;
}

const KEY_TYPES: KeyType[] = ['ed25519', 'secp256k1']; // protobuf enum values 1 and 2

const keyError = (why: string) => new Error('public key: ' + why);

/** Refuses a raw key of the wrong size or, for secp256k1, not in compressed form (02/03 prefix). */
export function checkRawKey(type: KeyType, raw: Uint8Array): void {
  if (type === 'ed25519') {
    if (raw.length !== 32) throw keyError(`an Ed25519 key is 32 bytes, not ${raw.length}`);
  } else if (type === 'secp256k1') {
    if (raw.length !== 33 || (raw[0] !== 2 && raw[0] !== 3))
      throw keyError(`a secp256k1 key is 33 bytes, compressed (02 or 03 first); got ${raw.length} bytes`);
  } else throw keyError(`unknown key type ${JSON.stringify(type)}`);
}

export function encodePublicKey(type: KeyType, raw: Uint8Array): Uint8Array {
  checkRawKey(type, raw);
  const out = new Uint8Array(4 + raw.length);
  out.set([0x08, KEY_TYPES.indexOf(type) + 1, 0x12, raw.length]); // both lengths fit a 1-byte varint
  out.set(raw, 4);
  return out;
}

export function decodePublicKey(bytes: Uint8Array): PublicKey {
  if (bytes.length < 4) throw keyError('truncated');
  if (bytes[0] !== 0x08) throw keyError('must start with field 1 (Type)');
  const type = KEY_TYPES[bytes[1] - 1];
  if (!type) throw keyError(`unsupported key type ${bytes[1]} (only Ed25519 = 1, Secp256k1 = 2)`);
  if (bytes[2] !== 0x12) throw keyError('field 2 (Data) must follow field 1');
  const raw = bytes.subarray(4);
  if (raw.length > bytes[3]) throw keyError(`${raw.length - bytes[3]} bytes after the key`);
  if (raw.length < bytes[3]) throw keyError('truncated');
  checkRawKey(type, raw);
  return { type, raw };
}
