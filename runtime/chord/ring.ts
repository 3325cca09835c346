// One node of a CHORD ring: its successor list, predecessor and finger
// table, the requests it answers, and the maintenance it runs on timers.
//
// Correct by construction, after Zave ("Reasoning about identifier spaces:
// how to make Chord correct", 2017):
// - a node adopts a successor only after that node has answered it (a
//   `state` request), and only with the answer's successor list behind it;
// - stabilize drops successors that do not answer, one after another, and
//   replaces the whole list with [successor, ...its list] (reconcile);
// - a successor list is kept in ring order and never wraps past its owner;
// - a node answers as a member only once it has joined (a restarted node
//   with the same position counts as dead until it joins again).
// The predecessor is only a hint (notify and check-predecessor keep it); the
// ring's correctness rests on the successor lists alone.
import { ID_BITS, addPowerOfTwo, between, isRingId, upTo } from './id.ts';
import { iterativeLookup, type LookupResult } from './lookup.ts';
import { MAX_LIST, asNodeRef, asStateReply, isObject, type ChordRequest, type ErrorReply, type FindReply, type NodeRef, type StateReply } from './wire.ts';

/**
 * How ring nodes reach each other. The integrator implements it over signed
 * messages; the simulator over its event queue.
 */
export interface ChordTransport {
  /**
   * Send `req` to the node `to`. Call `done` exactly once and never before
   * request returns: with the answer (what `to`'s handle() returned), or with
   * null when none came in time (dead, unreachable, lost, timed out).
   */
  request(to: NodeRef, req: ChordRequest, done: (reply: unknown) => void): void;
}

/** Time for the ring: the host's clock, or the simulator's. */
export interface ChordClock {
  /** Milliseconds (any origin). */
  now(): number;
  /** Run fn once, ms from now. */
  later(ms: number, fn: () => void): void;
}

export interface ChordOptions {
  self: NodeRef;
  transport: ChordTransport;
  clock: ChordClock;
  /** Successor list length r (default 2*log2(expectedSize), at least 4; at most 32). */
  successors?: number;
  /** The ring size to plan for (default 1000). */
  expectedSize?: number;
  /** Timer periods, each jittered to 50%..150% (defaults 1000, 1000, 2000 ms). */
  stabilizeMs?: number;
  fixFingersMs?: number;
  checkPredecessorMs?: number;
  /** Tries before a silent node counts as dead in maintenance (default 2; lookups try once and move on). */
  attempts?: number;
  /** Route by the whole successor list, not only fingers and the first successor (default true). */
  listRouting?: boolean;
  /** Randomness for timer jitter (default Math.random). */
  random?: () => number;
}

/** Longest successor list: with up to r - 1 suspects in front it stays within what a state answer may carry (MAX_LIST). */
const MAX_R = 32;
/** Default successor list length for an expected ring size: 2*log2(size), at least 4, at most 32. */
export const successorListLength = (expectedSize: number): number => Math.min(MAX_R, Math.max(4, Math.ceil(2 * Math.log2(Math.max(2, expectedSize)))));

/** Next-hop candidates a `find` step names: fallbacks when the closest one is dead. */
const CANDIDATES = 5;
/** As many candidates as a node knows. */
const ALL = 1 << 10;
/** Stabilize rounds in which no successor answers before a node gives its list up. */
const SILENT_ROUNDS = 3;
const NOT_MEMBER = 'not a member of a ring';
const ALREADY_MEMBER = 'already in a ring';
const STATE: ChordRequest = { op: 'state' };
const NOTIFY: ChordRequest = { op: 'notify' };
const noop = () => {};
const isError = (x: unknown): boolean => typeof x !== 'object' || x === null || 'error' in x;
/** The distinct nodes of a list other than me. */
const uniqueOthers = (list: (NodeRef | null | undefined)[], me: string): NodeRef[] =>
  list.filter((n, i, a): n is NodeRef => !!n && n.id !== me && a.findIndex((m) => m?.id === n.id) === i);
/** Whether n's first successor (in its list succs) lies in (n, to]. */
const leadsTo = (n: NodeRef, succs: NodeRef[], to: string): boolean => !!succs.length && upTo(n.id, succs[0].id, to);

export class ChordNode {
  readonly self: NodeRef;
  /** Successor list length. */
  readonly r: number;
  /**
   * Successors, closest first, in ring order; empty when the node is alone.
   * r of them, after up to r - 1 in front that have not answered lately.
   */
  succs: NodeRef[] = [];
  pred: NodeRef | null = null;
  /** fingers[i]: the first node at or after self + 2^i (undefined: none known, or self). */
  readonly fingers: (NodeRef | undefined)[] = [];
  /** Whether the node is in a ring (created one or joined). */
  member = false;

  private readonly transport: ChordTransport;
  readonly clock: ChordClock;
  private readonly timerPeriods: [number, number, number];
  /** Tries before a silent node counts as dead. */
  readonly attempts: number;
  /** Route by the whole successor list (see ChordOptions.listRouting). */
  listRouting: boolean;
  private readonly random: () => number;
  private nextFinger = 0;
  private silentRounds = 0;
  /** Successors passed over as silent: in how many rounds in a row. */
  private suspects: Record<string, number> = {};
  private generation = 0;
  /** Whether a stabilize, fix-fingers or check-predecessor round is running: one of each at a time. */
  private stabilizing = false;
  private fixingFingers = false;
  private checkingPredecessor = false;

  constructor(o: ChordOptions) {
    this.self = o.self;
    this.transport = o.transport;
    this.clock = o.clock;
    this.r = Math.min(MAX_R, Math.max(1, Math.floor(o.successors ?? successorListLength(o.expectedSize ?? 1000))));
    this.timerPeriods = [o.stabilizeMs ?? 1000, o.fixFingersMs ?? 1000, o.checkPredecessorMs ?? 2000];
    this.attempts = Math.max(1, o.attempts ?? 2);
    this.listRouting = o.listRouting ?? true;
    this.random = o.random ?? Math.random;
  }

  /** Start a new ring with this node alone in it. */
  create(): void {
    this.member = true;
    this.succs = [];
    this.pred = null;
  }

  /**
   * Join the ring `via` belongs to: look up this node's successor through
   * it, then take that successor and its list once it has answered.
   */
  join(via: NodeRef, done: (error: string | null) => void): void {
    if (this.member) return done(ALREADY_MEMBER);
    this.findSuccessor([via], (s, succs, error) => {
      if (this.member) return done(ALREADY_MEMBER);
      if (!s) return done('join: ' + error);
      this.member = true;
      this.pred = null;
      this.adoptSuccessors([], s, succs);
      this.ask(s, NOTIFY, noop);
      done(null);
    });
  }

  /**
   * This node's successor as the rest of the ring sees it: a lookup of our
   * own position that starts at the nodes `via` and never asks ourselves,
   * confirmed alive, and whose own successor does not pass over us.
   * error 'silent': none of `via` answered.
   */
  private findSuccessor(via: NodeRef[], done: (s: NodeRef | null, succs: NodeRef[], error?: string) => void): void {
    const me = this.self.id;
    iterativeLookup(this, me, { done: false, nodes: via }, null, false, (res) => {
      const s = res.owner;
      if (!s) return done(null, [], res.hops ? 'no successor found (' + res.error + ')' : 'silent');
      this.askState(s, (st) => {
        if (!st) return done(null, [], 'the successor did not answer');
        if (st.succs.length && !leadsTo(s, st.succs, me)) return done(null, [], 'the successor sees the ring otherwise');
        done(s, st.succs);
      });
    });
  }

  /** Run stabilize, fix-fingers and check-predecessor on timers until stop(). */
  start(): void {
    const gen = ++this.generation;
    const ops: ((done: () => void) => void)[] = [(d) => this.stabilize(d), (d) => this.fixFingers(d), (d) => this.checkPredecessor(d)];
    ops.forEach((op, i) => {
      const wait = () => this.jitter(this.timerPeriods[i]);
      const tick = () => {
        if (gen === this.generation) op(() => this.clock.later(wait(), tick));
      };
      this.clock.later(wait(), tick);
    });
  }

  /** A period jittered to 50%..150%, so that nodes do not move in step. */
  jitter(ms: number): number {
    return ms * (0.5 + this.random());
  }

  /** Stop the timers (the node still answers requests). */
  stop(): void {
    this.generation++;
  }

  /** Answer a request from another node (`from`: the sender, as the transport authenticated it). */
  handle(from: unknown, req: unknown): StateReply | FindReply | ErrorReply | Record<string, never> {
    if (!this.member) return { error: NOT_MEMBER };
    const { op, key, skip } = isObject(req) ? req : {};
    if (op === 'state') return { pred: this.pred, succs: this.succs.slice() };
    if (op === 'find') {
      if (!isRingId(key)) return { error: 'find: the key is not a ring position' };
      if (skip !== undefined && !(Array.isArray(skip) && skip.length <= MAX_LIST && skip.every(isRingId))) return { error: 'find: skip is a list of ring positions' };
      return this.findStep(key, CANDIDATES, skip);
    }
    if (op === 'notify') {
      const n = asNodeRef(from);
      if (!n) return { error: 'notify: the sender is not a ring node' };
      // rectify: the closest node before us that has spoken is our predecessor
      if (n.id !== this.self.id && (!this.pred || this.pred.id === n.id || between(this.pred.id, n.id, this.self.id))) this.pred = n;
      return {};
    }
    return { error: 'unknown ring request' };
  }

  /**
   * One lookup step for a key's ring point, as this node sees the ring: at
   * most `max` next-hop candidates (a node's own lookup takes them all).
   */
  findStep(point: string, max = CANDIDATES, skip: string[] = []): FindReply {
    const me = this.self.id;
    const s = this.succs;
    if (!s.length) return { done: true, nodes: [this.self] };
    const routed = this.listRouting ? s.length : 1;
    for (let i = 0; i < routed; i++) if (upTo(me, point, s[i].id)) return i ? { done: true, nodes: s.slice(i), back: s.slice(0, i).reverse() } : { done: true, nodes: s };
    // the closest nodes before the key: fingers and successors from the far end
    const c: NodeRef[] = [];
    const take = (n: NodeRef | undefined, max: number) => {
      if (n && between(me, n.id, point) && !c.some((x) => x.id === n.id) && c.length < max && !skip.includes(n.id)) c.push(n);
    };
    for (let i = ID_BITS - 1; i >= 0 && c.length < max; i--) take(this.fingers[i], max);
    for (let i = routed - 1; i >= 0; i--) take(s[i], 2 * max);
    c.sort((x, y) => (between(y.id, x.id, point) ? -1 : 1));
    return { done: false, nodes: c.slice(0, max) };
  }

  /** Find the live owner of a ring point (keyToPoint turns a key into one). */
  lookup(point: string, done: (r: LookupResult) => void): void {
    if (!this.member) return done({ owner: null, succs: [], hops: 0, timeouts: 0, error: NOT_MEMBER });
    iterativeLookup(this, point, this.findStep(point, ALL), this.self.id, true, done);
  }

  /**
   * Ask the first successor that answers for its predecessor and list; take
   * a closer node instead (that predecessor, or what fix-fingers found for
   * finger 0) if it answers and sees the ring as we do; then notify the new
   * successor. The list is only ever rebuilt from what a live node gave.
   * Successors that do not answer are passed over but kept in front of the
   * list until they have been silent SILENT_ROUNDS rounds in a row: a live
   * node taken for dead (a lost message) then changes nothing. When no
   * successor answers for SILENT_ROUNDS rounds, the node looks its place up
   * again through the other nodes it knows.
   */
  stabilize(done: () => void = noop): void {
    if (!this.member || this.stabilizing) return done();
    this.stabilizing = true;
    const me = this.self.id;
    const list = this.succs;
    const end = (s?: NodeRef, succs?: NodeRef[], silent: NodeRef[] = []) => {
      if (s && succs && this.member) {
        this.silentRounds = 0;
        const suspects: Record<string, number> = {};
        const kept = silent.filter((n) => between(me, n.id, s.id) && (suspects[n.id] = (this.suspects[n.id] || 0) + 1) < SILENT_ROUNDS);
        this.suspects = suspects;
        this.adoptSuccessors(kept, s, succs);
        this.ask(s, NOTIFY, noop);
      }
      this.stabilizing = false;
      done();
    };
    if (!list.length) return this.stabilizeAlone(end);
    let i = 0;
    const tryNext = (): void => {
      const s = list[i++];
      if (!s) {
        if (++this.silentRounds < SILENT_ROUNDS) return end();
        // no successor answers: find our place again through anyone we know;
        // only when nobody has answered for twice as long, be a ring of one
        const known = uniqueOthers([...list, this.pred, ...this.fingers], me);
        return this.findSuccessor(known, (s2, succs, error) => {
          if (s2 || error !== 'silent' || this.silentRounds < 2 * SILENT_ROUNDS) return end(s2 || undefined, succs);
          this.succs = [];
          this.stabilizeAlone(end);
        });
      }
      this.askState(s, (st) => {
        if (!st) this.forgetFinger(s);
        // passing over silent successors: only to a node whose own successor does not pass over us
        if (!st || (i > 1 && !leadsTo(s, st.succs, me))) return tryNext();
        const silent = list.slice(0, i - 1);
        const closer = uniqueOthers([st.pred, this.fingers[0]], me).filter((c) => between(me, c.id, s.id));
        const tryCloser = (): void => {
          const c = closer.shift();
          if (!c) return end(s, st.succs, silent);
          // c must see the ring as we do: its successor no farther than s (a predecessor
          // left behind by a node that has moved on would otherwise loop the ring)
          this.askState(c, (cst) => {
            if (cst && leadsTo(c, cst.succs, s.id)) end(c, cst.succs, silent);
            else tryCloser();
          }, 1); // one try: a silent closer node leaves s the successor
        };
        tryCloser();
      });
    };
    tryNext();
  }

  /**
   * With no successor: the first node we know of (the predecessor that
   * notified us, then fingers) that answers becomes the successor;
   * stabilize then walks back to the right one.
   */
  private stabilizeAlone(end: (s?: NodeRef, succs?: NodeRef[]) => void): void {
    const known = uniqueOthers([this.pred, ...this.fingers], this.self.id);
    const tryNext = (i: number): void => {
      if (i >= known.length) return end();
      this.askState(known[i], (st) => {
        if (st) end(known[i], st.succs);
        else tryNext(i + 1);
      });
    };
    tryNext(0);
  }

  /** Refresh the next finger by a lookup; the fingers after it that the answer also covers take it too. */
  private fixFingers(done: () => void = noop): void {
    if (!this.member || this.fixingFingers) return done();
    this.fixingFingers = true;
    const me = this.self.id;
    const i = this.nextFinger;
    const start = addPowerOfTwo(me, i);
    this.lookup(start, (res) => {
      let j = i + 1;
      if (res.owner && this.member) {
        const o = res.owner.id === me ? undefined : res.owner;
        this.fingers[i] = o;
        for (; j < ID_BITS && start !== res.owner.id && upTo(start, addPowerOfTwo(me, j), res.owner.id); j++) this.fingers[j] = o;
      }
      this.nextFinger = j % ID_BITS;
      this.fixingFingers = false;
      done();
    });
  }

  /** Forget the predecessor when it no longer answers. */
  checkPredecessor(done: () => void = noop): void {
    const p = this.pred;
    if (!this.member || !p || this.checkingPredecessor) return done();
    this.checkingPredecessor = true;
    this.askState(p, (st) => {
      if (!st && this.pred === p) this.pred = null;
      this.checkingPredecessor = false;
      done();
    });
  }

  /** Send a request; reply is null when none came or it was an error. Tries `attempts` times when none came. */
  ask(to: NodeRef, req: ChordRequest, done: (reply: unknown) => void, attempts = 1): void {
    if (to.id === this.self.id && to.addr === this.self.addr) return this.clock.later(0, () => done(this.handle(this.self, req)));
    this.transport.request(to, req, (reply) => {
      if (reply == null && attempts > 1) return this.ask(to, req, done, attempts - 1);
      done(isError(reply) ? null : reply);
    });
  }

  /** Ask a node for its state; st is null when none came (after `attempts` tries) or it was no state. */
  askState(to: NodeRef, done: (st: StateReply | null) => void, attempts = this.attempts): void {
    this.ask(to, STATE, (reply) => done(asStateReply(reply)), attempts);
  }

  /**
   * Successor list := [...kept, s, ...list]: ring order after us, cut before
   * it would wrap past us, r long after the kept (suspected) ones.
   */
  private adoptSuccessors(kept: NodeRef[], s: NodeRef, list: NodeRef[]): void {
    const me = this.self.id;
    if (s.id === me) return;
    const out = [...kept.slice(0, this.r - 1), s];
    const max = out.length - 1 + this.r;
    for (const n of list) {
      if (out.length >= max || !between(out[out.length - 1].id, n.id, me)) break;
      out.push(n);
    }
    this.succs = out;
  }

  /** A node that did not answer leaves the fingers (the successor list changes only by adoptSuccessors). */
  private forgetFinger(n: NodeRef): void {
    for (let i = 0; i < this.fingers.length; i++) if (this.fingers[i]?.id === n.id) this.fingers[i] = undefined;
  }
}
