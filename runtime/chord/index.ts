// The CHORD ring: what the core carries (the invariant checker, for tests
// and the integrator's checks, is ./invariants.ts, outside the core).
export { ID_BITS, ID_DIGITS, addPowerOfTwo, between, isRingId, keyToPoint, upTo } from './id.ts';
export { asFindReply, asNodeList, asNodeRef, asStateReply, type ChordRequest, type DhtRecord, type ErrorReply, type FindReply, type NodeRef, type StateReply } from './wire.ts';
export { iterativeLookup, type LookupResult } from './lookup.ts';
export { ChordNode, successorListLength, type ChordClock, type ChordOptions, type ChordTransport } from './ring.ts';
export { Dht, type DhtOptions } from './dht.ts';
