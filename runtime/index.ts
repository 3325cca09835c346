// The core: the language plus the node (identity, messages, the CHORD
// table, the Mimei store). Bundled as dist/core.js; the web router, which a
// device without a web server does not need, is runtime/web/index.ts
// (dist/web.js), and the DHT on the ring rides with it (runtime/chord/dht.ts).
// Exported: what a firmware or an embedder calls. The codecs under the IDs
// (bases, varints, multihashes) and the ring's wire shapes are inside, not
// exported: every name exported costs bytes of dist/core.js (the modules'
// own index.ts files export everything, for the shells and the tests).
export * from '../jml/index.ts';
export type { Host, FileLine } from './host.ts';
export { MagniNode, type NodeOptions, type LineResult, type Version } from './magni.ts';
export { readStateLines, type StateLine } from './state.ts';
// (lines.ts, the lines of a file from its bytes or its text, is the hosts': they import it themselves)
export {
  identityOf, type Identity, isShortId, ringPositionOf, shortIdOf, peerIdOf, publicKeyOfPeerId,
  decodePublicKey, encodePublicKey, type PublicKey, parseCid, cidToString, decodeCid, type Cid, RAW, DAG_CBOR,
} from './identity/index.ts';
export { Messenger, type MessengerOptions, type Envelope, MAX_MESSAGE_BODY, parseEnvelope, Refusal, seal, signedText, verifyEnvelope, baseUrl } from './messages/index.ts';
export type { KeyType, NodeKey, HttpAnswer } from './host.ts';
export { nodeIdentity, registerIdentity } from './node-identity.ts';
export {
  ChordNode, type ChordClock, type ChordOptions, type ChordTransport, iterativeLookup, type LookupResult,
  type NodeRef, between, ID_BITS, isRingId, keyToPoint,
} from './chord/index.ts';
// The Mimei store: versioned files and databases in content-addressed
// blocks, and the [mm-*] builtins (registerMimei). Its network side (DHT
// provider records, publish, sync) and CAR ride with the web node; the
// codec, the blocks and the records are inside, not exported
// (runtime/mimei/index.ts exports all of it).
export { addFile, readFile } from './mimei/file.ts';
export { MimeiStore, type MimeiOptions } from './mimei/mimei.ts';
export { dbCommand, type Db } from './mimei/db.ts';
export { mimeiChanged, registerMimei } from './mimei/builtins.ts';
