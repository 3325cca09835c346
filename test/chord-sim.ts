// A deterministic, seeded simulator for CHORD rings: simulated time (one
// event queue), a network with delay, loss and crashes, and the same
// ChordNode code that runs between real processes. Used by
// test/chord.test.ts (small rings, invariants after every event) and
// bench/chord.ts (thousands of nodes). Not part of the core.
import { prng } from './prng.ts';
import { ChordNode, ID_BITS, addPowerOfTwo, between, upTo, type ChordOptions, type ChordTransport, type NodeRef } from '../runtime/chord/index.ts';
import { idealProblems, ringProblems } from '../runtime/chord/invariants.ts';

export interface SimOptions {
  seed: number;
  /** Probability that one message (a request or its answer) is lost. */
  loss?: number;
  /** One-way delay, uniform in [min, max] ms. */
  delay?: [number, number];
  /** How long a request waits for its answer, ms (more than twice the longest delay). */
  timeout?: number;
  /** Ring options for every node (self, transport, clock and random are the simulator's). */
  node?: Partial<ChordOptions>;
}

interface Event {
  t: number;
  seq: number;
  fn: () => void;
}

export interface SimNode {
  node: ChordNode;
  alive: boolean;
  /** What answers its requests (the ring; a DHT on it once attached). */
  handle: (from: NodeRef, req: unknown) => unknown;
}

/** A random ring position (40 hex digits) from a PRNG. */
export function randomId(random: () => number): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return s;
}

export class Sim {
  now = 0;
  /** Events run so far. */
  events = 0;
  /** Requests sent so far. */
  messages = 0;
  readonly random: () => number;
  readonly nodes: SimNode[] = [];
  private readonly byAddr = new Map<string, SimNode>();
  private readonly heap: Event[] = [];
  private seq = 0;
  /** Probability that one message is lost (may be changed while running). */
  loss: number;
  private readonly delay: [number, number];
  private readonly timeout: number;
  private readonly nodeOptions: Partial<ChordOptions>;
  private sortedCache: string[] | null = null;
  /** Whether the run started without message loss (then OrderedAppendages is checked too). */
  private readonly lossless: boolean;
  private readonly inflight = new Set<NodeRef[]>();

  constructor(o: SimOptions) {
    this.random = prng(o.seed);
    this.loss = o.loss ?? 0;
    this.lossless = this.loss === 0;
    this.delay = o.delay ?? [5, 50];
    this.timeout = o.timeout ?? 250;
    this.nodeOptions = o.node ?? {};
  }

  /** Run fn ms from now (ties in the order they were scheduled). */
  at(ms: number, fn: () => void): void {
    const h = this.heap;
    const e = { t: this.now + Math.max(0, ms), seq: this.seq++, fn };
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  /** Run the next event; false when there is none. */
  step(): boolean {
    const h = this.heap;
    const top = h[0];
    if (!top) return false;
    const last = h.pop()!;
    if (h.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && before(h[l + 1], h[l]) ? l + 1 : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    this.now = top.t;
    this.events++;
    top.fn();
    return true;
  }

  /** Run events until simulated time t (or none are left), calling after() after each. */
  runUntil(t: number, after?: () => void): void {
    while (this.heap.length && this.heap[0].t <= t) {
      this.step();
      after?.();
    }
    if (this.now < t) this.now = t;
  }

  runFor(ms: number, after?: () => void): void {
    this.runUntil(this.now + ms, after);
  }

  /** Run until no event is left (only ends when no timers run). */
  runIdle(after?: () => void): void {
    while (this.step()) after?.();
  }

  /** A new node (not yet in a ring) at a ring position (random by default). */
  addNode(id = randomId(this.random), options: Partial<ChordOptions> = {}): ChordNode {
    const self: NodeRef = { id, addr: 'sim:' + this.nodes.length };
    const entry = { alive: true } as SimNode;
    entry.node = new ChordNode({
      ...this.nodeOptions,
      ...options,
      self,
      transport: this.transport(entry),
      clock: { now: () => this.now, later: (ms, fn) => this.at(ms, () => entry.alive && fn()) },
      random: this.random,
    });
    entry.handle = (from, req) => entry.node.handle(from, req);
    this.nodes.push(entry);
    this.byAddr.set(self.addr, entry);
    this.sortedCache = null;
    return entry.node;
  }

  private transport(from: SimNode): ChordTransport {
    return {
      request: (to, req, done) => {
        this.messages++;
        const sent = this.now;
        const answer = (reply: unknown) => from.alive && done(reply);
        const fail = () => this.at(sent + this.timeout - this.now, () => answer(null));
        if (this.random() < this.loss) return fail();
        this.at(this.oneWay(), () => {
          const target = this.byAddr.get(to.addr);
          if (!target || !target.alive || target.node.self.id !== to.id) return fail();
          const reply = target.handle(from.node.self, req) as Record<string, unknown>;
          if (this.random() < this.loss) return fail();
          // a list on its way may become the asker's successor list: crashes must leave it a live node
          const list = req.op === 'state' && Array.isArray(reply.succs) ? adoptable(from.node, [target.node.self, ...(reply.succs as NodeRef[])]) : null;
          if (list) this.inflight.add(list);
          this.at(this.oneWay(), () => {
            if (list) this.inflight.delete(list);
            answer(reply);
          });
        });
      },
    };
  }

  private oneWay(): number {
    const [a, b] = this.delay;
    return a + this.random() * (b - a);
  }

  /** The node stops: no more answers, timers or callbacks. */
  crash(node: ChordNode): void {
    const e = this.entry(node);
    e.alive = false;
    this.sortedCache = null;
  }

  entry(node: ChordNode): SimNode {
    return this.byAddr.get(node.self.addr)!;
  }

  /** Live ring members. */
  members(): ChordNode[] {
    return this.nodes.filter((e) => e.alive && e.node.member).map((e) => e.node);
  }

  /** The ring positions of the live members, sorted. */
  sortedIds(): string[] {
    return (this.sortedCache ??= this.members().map((n) => n.self.id).sort());
  }

  /** Call after a node becomes a member outside crash/addNode (a join completed). */
  membershipChanged(): void {
    this.sortedCache = null;
  }

  /** The true owner of a ring point: the first live member at or after it. */
  ownerOf(point: string): string {
    const s = this.sortedIds();
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < point) lo = mid + 1;
      else hi = mid;
    }
    return s[lo % s.length];
  }

  /**
   * Whether crashing a node keeps Zave's operating assumption: every other
   * member keeps a live successor, and so does every successor list on its
   * way to a node (a state answer sent before the crash, as the node would
   * adopt it).
   */
  canCrash(node: ChordNode): boolean {
    const live = this.members().filter((n) => n !== node);
    if (live.length < 2) return false;
    const ids = new Set(live.map((n) => n.self.id));
    const hasLive = (list: NodeRef[]) => !list.length || list.some((s) => ids.has(s.id));
    if (!live.every((n) => hasLive(n.succs))) return false;
    for (const list of this.inflight) if (!hasLive(list)) return false;
    return true;
  }

  /** Invariant problems over the live members. */
  problems(): string[] {
    return ringProblems(this.members(), this.lossless);
  }

  /** Where the live members differ from the ideal ring. */
  idealProblems(): string[] {
    return idealProblems(this.members());
  }

  /** Nodes whose join (sim.join) has not completed yet. */
  joining = 0;

  /** Join a node through a live member, retrying every `retryMs` until it is in (or crashed). */
  join(node: ChordNode, via: () => NodeRef, retryMs = 500, done?: () => void): void {
    this.joining++;
    const attempt = () =>
      node.join(via(), (err) => {
        if (!this.entry(node).alive) return void this.joining--;
        if (err) return this.at(retryMs, attempt);
        this.joining--;
        this.membershipChanged();
        done?.();
      });
    attempt();
  }

  /** A random live member. */
  anyMember(): ChordNode {
    const m = this.members();
    return m[Math.floor(this.random() * m.length)];
  }
}

/**
 * The successor list a node could make of [s, ...s's list] (ring order
 * after it, at most r), or null when it would not take s as successor: s
 * lies beyond its list (the answer is to a ping: check-predecessor, a
 * lookup).
 */
function adoptable(node: ChordNode, list: NodeRef[]): NodeRef[] | null {
  const last = node.succs[node.succs.length - 1];
  if (last && !upTo(node.self.id, list[0].id, last.id)) return null;
  const out: NodeRef[] = [];
  let prev = node.self.id;
  for (const n of list) {
    if (out.length >= node.r || !between(prev, n.id, node.self.id)) break;
    out.push(n);
    prev = n.id;
  }
  return out;
}

const before = (a: Event, b: Event) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

/** How many of a member's fingers differ from the true successor of their start. */
export function wrongFingers(sim: Sim, node: ChordNode): number {
  let wrong = 0;
  for (let i = 0; i < ID_BITS; i++) {
    const owner = sim.ownerOf(addPowerOfTwo(node.self.id, i));
    if (node.fingers[i]?.id !== (owner === node.self.id ? undefined : owner)) wrong++;
  }
  return wrong;
}
