// Node identity (short ID, peer ID, ring position) and the multiformats
// pieces it and the Mimei store use. Pure: sha256 is a parameter.
export { fromBase32, toBase32 } from './base32.ts';
export { fromBase58btc, toBase58btc } from './base58.ts';
export { fromBase64, toBase64url } from './base64url.ts';
export { type Cid, cidToString, cidV1, DAG_CBOR, DAG_PB, decodeCid, LIBP2P_KEY, MAX_ID_TEXT, parseCid, RAW } from './cid.ts';
export { fromMultibase, type Multibase, toMultibase } from './multibase.ts';
export { decodeMultihash, encodeMultihash, IDENTITY, type Multihash, SHA2_256 } from './multihash.ts';
export { peerIdOf, publicKeyOfPeerId } from './peerId.ts';
export { decodePublicKey, encodePublicKey, type KeyType, type PublicKey } from './publicKey.ts';
export { identityOf, type Identity, isShortId, ringPositionOf, type Sha256, shortIdOf, shortIdOfRing, ringOfShortId } from './shortId.ts';
export { decodeVarint, encodeVarint } from './varint.ts';
