// A DHT on the ring: small records kept on a key's owner and its next k - 1
// successors (k = 3), each with a time to live. The publisher puts a record
// on those k nodes and puts it again every half TTL while it keeps it
// published. Every node, on a timer: drops what has expired; where it is
// the owner (the key lies between its predecessor and it), hands its
// records to its k - 1 successors whenever that set changes (a successor
// left or joined); where it is not (a node joined before it), hands them
// back to its predecessor. Records are opaque; `check` (the integrator's
// signature check) says whether a value may be stored and in which slot:
// one value per slot, a higher sequence number replaces a lower one.
import { isRingId, keyToPoint, upTo } from './id.ts';
import type { ChordNode } from './ring.ts';
import type { ChordRequest, DhtRecord, NodeRef } from './wire.ts';

export interface DhtOptions {
  /** Copies of each record: the key's owner and its next k - 1 successors (default 3). */
  replicas?: number;
  /**
   * Whether `value` may be stored under `point`, and the slot it takes (a
   * higher seq replaces a lower one in the same slot); null refuses it.
   * Default: every value is its own slot, seq 0.
   */
  check?: (point: string, value: string) => { slot: string; seq: number } | null;
  /** Records a node keeps (default 256). */
  maxRecords?: number;
  /** Longest value, in characters (default 1024). */
  maxValue?: number;
  /** Longest time to live, ms (default 24 h). */
  maxTtlMs?: number;
  /** Hand-over and re-publication period, ms, jittered to 50%..150% (default 10 s). */
  syncMs?: number;
}

interface Stored {
  key: string;
  value: string;
  slot: string;
  seq: number;
  expires: number;
  /** Who it was last handed to (ids), so that it goes again only when that changes. */
  sentTo: string;
}

/** Records per dht-store message, and values per dht-get answer. */
const BATCH = 32;
const noop = () => {};

export class Dht {
  /** Copies of each record. */
  readonly k: number;
  private readonly records = new Map<string, Stored>();
  private readonly published = new Map<string, { key: string; value: string; ttl: number; due: number }>();
  private readonly check: NonNullable<DhtOptions['check']>;
  private readonly maxRecords: number;
  private readonly maxValue: number;
  private readonly maxTtl: number;
  private readonly syncMs: number;
  private generation = 0;

  constructor(
    readonly ring: ChordNode,
    o: DhtOptions = {},
  ) {
    this.k = Math.max(1, o.replicas ?? 3);
    this.check = o.check ?? ((_, value) => ({ slot: value, seq: 0 }));
    this.maxRecords = o.maxRecords ?? 256;
    this.maxValue = o.maxValue ?? 1024;
    this.maxTtl = o.maxTtlMs ?? 86_400_000;
    this.syncMs = o.syncMs ?? 10_000;
  }

  /** Answer a request from another node: the DHT's own, the ring's otherwise. */
  handle(from: unknown, req: unknown): unknown {
    const r = (typeof req === 'object' && req) || {};
    const op = (r as { op?: unknown }).op;
    if (op !== 'dht-put' && op !== 'dht-get' && op !== 'dht-store') return this.ring.handle(from, req);
    if (!this.ring.member) return { error: 'not a member of a ring' };
    const q = r as Record<string, unknown>;
    if (op === 'dht-get') return isRingId(q.key) ? { values: this.values(q.key) } : { error: 'dht-get: the key is not a ring position' };
    if (op === 'dht-put') {
      const error = this.store(q.key, q.value, q.ttl);
      return error ? { error: 'dht-put: ' + error } : { ok: true };
    }
    if (!Array.isArray(q.records) || q.records.length > BATCH) return { error: `dht-store: at most ${BATCH} records` };
    let stored = 0;
    for (const x of q.records) if (x && typeof x === 'object' && !this.store(x.key, x.value, x.ttl)) stored++;
    return { stored };
  }

  /**
   * Store a record here; the reason when it is refused. The expiry of a
   * record stored again with the same value only grows.
   */
  store(key: unknown, value: unknown, ttl: unknown): string | null {
    if (!isRingId(key)) return 'the key is not a ring position';
    const bad = this.badRecord(value, ttl);
    if (bad) return bad;
    const v = value as string;
    const slot = this.check(key, v);
    if (!slot) return 'the record was refused';
    const id = key + ' ' + slot.slot;
    const old = this.records.get(id);
    if (old && old.seq > slot.seq) return 'a newer record is stored';
    const now = this.ring.clock.now();
    if (!old && this.records.size >= this.maxRecords) {
      this.expire(now);
      if (this.records.size >= this.maxRecords) return 'the store is full';
    }
    const expires = now + (ttl as number);
    const same = old && old.seq === slot.seq && old.value === v ? old : null;
    this.records.set(id, { key, value: v, slot: slot.slot, seq: slot.seq, expires: same ? Math.max(same.expires, expires) : expires, sentTo: same ? same.sentTo : '' });
    return null;
  }

  /** The live values stored here under a ring point (at most 32). */
  values(point: string): string[] {
    const now = this.ring.clock.now();
    const out: string[] = [];
    for (const r of this.records.values()) if (r.key === point && r.expires > now && out.length < BATCH) out.push(r.value);
    return out;
  }

  /**
   * Publish a record under a hex key: stored on the key's owner and its next
   * k - 1 successors, and published again every ttlMs / 2 until unpublished.
   * done(stored, error): how many of the k nodes stored it.
   */
  put(key: string, value: string, ttlMs: number, done: (stored: number, error?: string) => void = noop): void {
    let point: string;
    try {
      point = keyToPoint(key);
    } catch (e) {
      return done(0, (e as Error).message);
    }
    const bad = this.badRecord(value, ttlMs) || (this.check(point, value) ? null : 'the record was refused');
    if (bad) return done(0, bad);
    this.published.set(point + ' ' + value, { key: point, value, ttl: ttlMs, due: this.ring.clock.now() + ttlMs / 2 });
    this.publish(point, value, ttlMs, done);
  }

  /** Stop publishing a record again (the copies out there live out their time). */
  unpublish(key: string, value: string): void {
    this.published.delete(keyToPoint(key) + ' ' + value);
  }

  /**
   * The values stored under a hex key, from the first of its k nodes that has
   * any; all: from every one of them, merged (a node that has just joined or
   * restarted holds only what was put since).
   */
  get(key: string, done: (values: string[], error?: string) => void, all = false): void {
    let point: string;
    try {
      point = keyToPoint(key);
    } catch (e) {
      return done([], (e as Error).message);
    }
    this.replicasOf(point, (targets, error) => {
      if (all) return this.getAll(point, targets, error, done);
      let i = 0;
      let answered = !!error;
      const next = (): void => {
        const t = targets[i++];
        if (!t) return done([], answered ? error : 'no node holding the key answered');
        this.ask(t, { op: 'dht-get', key: point }, (reply) => {
          const values = (reply as { values?: unknown } | null)?.values;
          if (!Array.isArray(values)) return next();
          answered = true;
          const ok = this.checked(point, values);
          if (ok.length) done(ok);
          else next();
        });
      };
      next();
    });
  }

  /** What a node answered for point, less what does not check: a node may lie. */
  private checked(point: string, values: unknown[]): string[] {
    return values.filter((v): v is string => typeof v === 'string' && v.length <= this.maxValue && !!this.check(point, v)).slice(0, BATCH);
  }

  private getAll(point: string, targets: NodeRef[], error: string | undefined, done: (values: string[], error?: string) => void): void {
    const out = new Set<string>();
    let left = targets.length;
    let answered = false;
    if (!left) return done([], error || 'no node holding the key answered');
    for (const t of targets)
      this.ask(t, { op: 'dht-get', key: point }, (reply) => {
        const values = (reply as { values?: unknown } | null)?.values;
        if (Array.isArray(values)) {
          answered = true;
          for (const v of this.checked(point, values)) out.add(v);
        }
        if (--left === 0) done([...out], answered ? undefined : 'no node holding the key answered');
      });
  }

  /** Run sync() on a timer until stop(). */
  start(): void {
    const gen = ++this.generation;
    const tick = () => {
      if (gen !== this.generation) return;
      this.sync();
      this.ring.clock.later(this.ring.jitter(this.syncMs), tick);
    };
    this.ring.clock.later(this.ring.jitter(this.syncMs), tick);
  }

  stop(): void {
    this.generation++;
  }

  /** Drop what has expired, publish again what is due, hand records over where the ring has changed. */
  sync(): void {
    const now = this.ring.clock.now();
    this.expire(now);
    for (const p of this.published.values())
      if (p.due <= now) {
        p.due = now + p.ttl / 2;
        this.publish(p.key, p.value, p.ttl, noop);
      }
    if (!this.ring.member) return;
    const me = this.ring.self.id;
    const pred = this.ring.pred;
    const successors = this.ring.succs.slice(0, this.k - 1);
    const successorIds = successors.map((n) => n.id).join();
    const out = new Map<string, { to: NodeRef; records: DhtRecord[] }>();
    const send = (to: NodeRef, r: Stored) => {
      const o = out.get(to.id) || { to, records: [] };
      o.records.push({ key: r.key, value: r.value, ttl: r.expires - now });
      out.set(to.id, o);
    };
    for (const r of this.records.values()) {
      if (!pred || upTo(pred.id, r.key, me)) {
        // ours: the next k - 1 successors keep copies
        if (r.sentTo !== successorIds) {
          r.sentTo = successorIds;
          for (const s of successors) send(s, r);
        }
      } else if (r.sentTo !== pred.id) {
        // a node joined between the key and us: it is the owner now
        r.sentTo = pred.id;
        send(pred, r);
      }
    }
    for (const { to, records } of out.values())
      for (let i = 0; i < records.length; i += BATCH) this.ask(to, { op: 'dht-store', records: records.slice(i, i + BATCH) }, noop);
  }

  /** How many records this node keeps. */
  get size(): number {
    return this.records.size;
  }

  private publish(point: string, value: string, ttl: number, done: (stored: number, error?: string) => void): void {
    this.replicasOf(point, (targets, error) => {
      let left = targets.length;
      let stored = 0;
      if (!left) return done(0, error);
      for (const t of targets)
        this.ask(t, { op: 'dht-put', key: point, value, ttl }, (reply) => {
          if ((reply as { ok?: unknown } | null)?.ok === true) stored++;
          if (--left === 0) done(stored, stored ? undefined : 'no node stored it');
        });
    });
  }

  /** The k nodes that keep a point's records: its owner and the owner's next successors. */
  private replicasOf(point: string, done: (targets: NodeRef[], error?: string) => void): void {
    this.ring.lookup(point, (r) => {
      if (!r.owner) return done([], 'no owner found: ' + r.error);
      const t = [r.owner];
      for (const s of r.succs) if (t.length < this.k && !t.some((x) => x.id === s.id)) t.push(s);
      done(t);
    });
  }

  /** A request to another node, or answered here when it is this node. */
  private ask(to: NodeRef, req: ChordRequest, done: (reply: unknown) => void): void {
    const self = this.ring.self;
    if (to.id === self.id && to.addr === self.addr) return this.ring.clock.later(0, () => done(this.handle(self, req)));
    this.ring.ask(to, req, done, this.ring.attempts);
  }

  private badRecord(value: unknown, ttl: unknown): string | null {
    if (typeof value !== 'string' || value.length > this.maxValue) return `a value is a string of at most ${this.maxValue} characters`;
    if (typeof ttl !== 'number' || !(ttl > 0 && ttl <= this.maxTtl)) return `a time to live is 1 to ${this.maxTtl} ms`;
    return null;
  }

  private expire(now: number): void {
    for (const [id, r] of this.records) if (r.expires <= now) this.records.delete(id);
  }
}
