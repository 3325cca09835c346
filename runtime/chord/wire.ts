// What ring nodes say to each other, and the checks every answer from the
// network passes before the ring believes it: another node may be broken
// or hostile, so every list is bounded and every id is a ring position.
import { isRingId } from './id.ts';

/** A node as the ring knows it: its ring position and where to reach it. */
export interface NodeRef {
  /** Ring position: 40 lowercase hex digits. */
  id: string;
  /** Where the transport reaches it (a base URL, a short ID...): opaque to the ring. */
  addr: string;
}

/**
 * A request from one ring node to another (a JSON-able object):
 * - `state`: the node's predecessor and successor list; also the liveness check.
 * - `notify`: "I think I am your predecessor" (the sender is the request's `from`).
 * - `find`: one step of an iterative lookup of `key` (a ring position);
 *   `skip`: nodes the asker found dead, not to be named again.
 * - `dht-put`, `dht-get`, `dht-store`: the DHT (dht.ts).
 */
export type ChordRequest =
  | { op: 'state' }
  | { op: 'notify' }
  | { op: 'find'; key: string; skip?: string[] }
  | { op: 'dht-put'; key: string; value: string; ttl: number }
  | { op: 'dht-get'; key: string }
  | { op: 'dht-store'; records: DhtRecord[] };

/** A DHT record on the wire: a ring point, an opaque value, and milliseconds left to live. */
export interface DhtRecord {
  key: string;
  value: string;
  ttl: number;
}

/** The answer to `state`. */
export interface StateReply {
  pred: NodeRef | null;
  succs: NodeRef[];
}

/**
 * The answer to `find`. done: the key's owner is the first live node of
 * `nodes` (the answering node's successors from the key on); `back`, its
 * successors before the key, closest first, know further should all of
 * `nodes` be dead. Not done: ask one of `nodes` next, closest to the key
 * first.
 */
export interface FindReply {
  done: boolean;
  nodes: NodeRef[];
  back?: NodeRef[];
}

/** Any answer may instead be an error (not a member, a malformed request). */
export interface ErrorReply {
  error: string;
}

/** Longest node address accepted from the network. */
export const MAX_ADDR = 256;
/** Longest node list accepted from the network (successor lists are shorter). */
export const MAX_LIST = 64;

/** A JSON object (not an array, not null). */
export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A clean NodeRef from untrusted input, or null. */
export function asNodeRef(x: unknown): NodeRef | null {
  if (!isObject(x) || !isRingId(x.id) || typeof x.addr !== 'string' || !x.addr || x.addr.length > MAX_ADDR) return null;
  return { id: x.id, addr: x.addr };
}

/** A clean, bounded list of NodeRefs from untrusted input, or null when any entry is bad. */
export function asNodeList(x: unknown): NodeRef[] | null {
  if (!Array.isArray(x) || x.length > MAX_LIST) return null;
  const list = Array.from(x, asNodeRef); // Array.from visits holes too: a sparse list is refused
  return list.includes(null) ? null : (list as NodeRef[]);
}

export function asStateReply(x: unknown): StateReply | null {
  if (!isObject(x)) return null;
  const pred = x.pred === null ? null : asNodeRef(x.pred);
  const succs = asNodeList(x.succs);
  return succs && (pred || x.pred === null) ? { pred, succs } : null;
}

export function asFindReply(x: unknown): FindReply | null {
  if (!isObject(x) || typeof x.done !== 'boolean') return null;
  const nodes = asNodeList(x.nodes);
  if (!nodes) return null;
  if (x.back === undefined) return { done: x.done, nodes };
  const back = asNodeList(x.back);
  return back ? { done: x.done, nodes, back } : null;
}
