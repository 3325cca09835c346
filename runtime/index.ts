// The core: the language plus the node. Bundled as dist/core.js; the web
// router, which a device without a web server does not need, is
// runtime/web/index.ts (dist/web.js).
export * from '../jml/index.ts';
export type { Host, FileLine } from './host.ts';
export { MagniNode, type NodeOptions, type LineResult, type Version } from './magni.ts';
export { readStateLines, type StateLine } from './state.ts';
export { linesOfChunks, linesOfText, textAt, withLine } from './lines.ts';
export * from './identity/index.ts';
export { Messenger, type MessengerOptions, type Envelope, MAX_MESSAGE_BODY, parseEnvelope, Refusal, seal, signedText, verifyEnvelope, baseUrl } from './messages/index.ts';
export type { KeyType, NodeKey, HttpAnswer } from './host.ts';
export { idText, nodeIdentity, registerIdentity } from './node-identity.ts';
// The Mimei store's portable pieces (the core budget allows these; MimeiStore,
// databases, CAR and the JML builtins are in runtime/mimei/index.ts).
export { encode as encodeDagCbor, decode as decodeDagCbor, Link, MAX_BLOCK, type Value, cidOf, checkBlock, BlockStore, addFile, CHUNK, fileChunks, readFile } from './mimei/index.ts';
export { checkVersion, type Genesis, genesisOf, midOf, signVersion, versionOf, type VersionRecord } from './mimei/index.ts';
