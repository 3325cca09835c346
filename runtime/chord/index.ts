// The CHORD table, in the core: ring arithmetic, the wire's shapes, the
// iterative lookup and the node that keeps its successors, fingers and
// predecessor. Outside the core: the DHT on top of it (./dht.ts, with its
// signed records), the HTTP service (./service.ts) and the invariant checker
// for tests (./invariants.ts).
export { ID_BITS, ID_DIGITS, addPowerOfTwo, between, isRingId, keyToPoint, upTo } from './id.ts';
export { asFindReply, asNodeList, asNodeRef, asStateReply, type ChordRequest, type DhtRecord, type ErrorReply, type FindReply, type NodeRef, type StateReply } from './wire.ts';
export { iterativeLookup, type LookupResult } from './lookup.ts';
export { ChordNode, successorListLength, type ChordClock, type ChordOptions, type ChordTransport } from './ring.ts';
