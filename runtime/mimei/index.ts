// The Mimei store: blocks, files, CAR, version records, databases.
export { encode, decode, Link, MAX_BLOCK, MAX_DEPTH, type Value } from './dag-cbor.ts';
export { cidOf, checkBlock } from './block.ts';
export { BlockStore } from './store.ts';
export { addFile, CHUNK, fileChunks, manifestOf, readFile, type Manifest } from './file.ts';
export { carParts, dagBlocks, readCar, type Block } from './car.ts';
export { checkVersion, type Genesis, genesisOf, midOf, signVersion, versionOf, type VersionRecord } from './records.ts';
export { MimeiStore, type MimeiOptions } from './mimei.ts';
export { dbCommand, dbOf, DB_COMMANDS, type Db } from './db.ts';
export { mimeiChanged, registerMimei } from './builtins.ts';
export { MimeiNet, type MimeiNetOptions, type Found, type Synced, NOTIFY, MAX_SYNCS } from './net.ts';
export { mimeiKey, providerOf, providerValue, type Provider } from './net-records.ts';
export { type DhtAccess, remoteDht, ringDht } from './net-dht.ts';
export { registerMimeiNet } from './net-builtins.ts';
