// libp2p peer IDs (libp2p/specs peer-ids): the multihash of the PublicKey
// protobuf. Keys of 42 bytes or less (Ed25519, secp256k1) use the identity
// multihash, so the key can be read back from the ID. Written as bare
// base58btc ('12D3KooW...' Ed25519, '16Uiu2HA...' secp256k1); also read as
// a CIDv1 with the libp2p-key codec ('bafz...').
import { fromBase58btc, toBase58btc } from './base58.ts';
import { LIBP2P_KEY, parseCid, refuseLongId } from './cid.ts';
import { decodeMultihash, encodeMultihash, IDENTITY, type Multihash } from './multihash.ts';
import { decodePublicKey, encodePublicKey, type KeyType, type PublicKey } from './publicKey.ts';

export const peerIdOf = (type: KeyType, raw: Uint8Array): string =>
  toBase58btc(encodeMultihash(IDENTITY, encodePublicKey(type, raw)));

/** The public key inside a peer ID; an error if the ID holds only a hash of the key (RSA keys). */
export function publicKeyOfPeerId(text: string): PublicKey {
  refuseLongId(text, 'peer ID');
  let mh: Multihash;
  if (text[0] === '1' || text[0] === 'Q') mh = decodeMultihash(fromBase58btc(text)); // the spec's test: bare multihash
  else {
    const cid = parseCid(text);
    if (cid.codec !== LIBP2P_KEY) throw new Error(`peer ID: a CID with codec 0x${cid.codec.toString(16)}, not libp2p-key (0x72)`);
    mh = cid.multihash;
  }
  if (mh.code !== IDENTITY) throw new Error('peer ID: holds a hash of the key, not the key itself');
  return decodePublicKey(mh.digest);
}
