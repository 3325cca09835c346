// The sender's side: messages wait in the outbox (on disk, in the message
// log) until their receiver acknowledges them. One delivery at a time per
// receiver, in sequence order, many messages per delivery; on failure the
// receiver is retried with exponential backoff (1 s to 60 s, with jitter).
// A message addressed by URL learns its receiver's short ID (GET URL/id)
// before it gets a sequence number, so every receiver sees one sequence.
import type { Host } from '../host.ts';
import type { MessageLog } from './log.ts';
import { type Envelope, MAX_MESSAGE_BODY, seal } from './envelope.ts';
import { whoIs } from './peers.ts';
import { utf8Length } from '../../jml/utf8.ts';

export interface Outgoing {
  /** This node's number for the message: its ID is SENDER:n. */
  n: number;
  url?: string;
  to?: string;
  seq?: number;
  time: number;
  body: string;
  /** The handling that sent it (FROM:SEQ), so handling it again after a crash does not send it twice. */
  o?: string;
}

/** What the outbox shows of a message it no longer holds. */
export interface Finished {
  n: number;
  to: string;
  seq: number;
  state: string;
}

interface Receiver {
  /** The last sequence number given to a message for it. */
  seq: number;
  queue: Outgoing[];
  busy: boolean;
  /** The delay before the next try after a failure, ms (0: none failed). */
  backoff: number;
  retryAt: number;
  lastError: string;
}

/** At most this many messages wait in the outbox: [send] refuses more. */
export const MAX_OUTBOX = 10_000;
/** At most this many messages, and bytes of envelopes, go in one delivery. */
const BATCH = 64;
const BATCH_BYTES = 192 * 1024;
const MIN_BACKOFF = 1000;
const MAX_BACKOFF = 60_000;
const TIMEOUT = 10_000;
const RECENT = 50;

export class Outbox {
  /** Receivers by short ID. */
  private receivers = new Map<string, Receiver>();
  /** Messages addressed by URL whose receiver is not known yet, by URL. */
  private unresolved = new Map<string, Outgoing[]>();
  private resolving = new Set<string>();
  /** Addresses that did not answer: when to try again. */
  private retryUrl = new Map<string, { backoff: number; retryAt: number }>();
  private cancels = new Set<() => void>();
  private count = 0;
  private nextN = 1;
  /** Handlings that already sent: `FROM:SEQ#k`. */
  private origins = new Set<string>();
  readonly recent: Finished[] = [];
  private stopped = false;
  /** Deliveries in flight (a flush waits for them). */
  private flights = new Set<Promise<void>>();

  constructor(
    private host: Host,
    private log: MessageLog,
    private self: () => { shortId: string; peerId: string },
    /** Where a known node is: its base URL, or undefined. */
    private urlOf: (id: string) => string | undefined,
    /** A node was found at url (its /id answered). */
    private learned: (id: string, url: string) => void,
  ) {}

  /** Rebuild from the log's records, in order. */
  replay(r: Record<string, any>): void {
    if (r.q) {
      const m = r.q as Outgoing;
      if (!isOutgoing(m)) return this.host.log('%(ERROR:' + this.log.file + ': a queued message is damaged, skipped)');
      this.nextN = Math.max(this.nextN, m.n + 1);
      if (m.o) this.origins.add(m.o);
      this.place(m);
    } else if (Array.isArray(r.a)) {
      for (const a of r.a) if (Array.isArray(a) && isCount(a[0]) && typeof a[1] === 'string' && isCount(a[2])) this.assign(a[0], a[1], a[2], false);
    } else if (Array.isArray(r.ok) && typeof r.ok[0] === 'string' && isCount(r.ok[1])) this.acked(r.ok[0], r.ok[1], false);
    else if (Array.isArray(r.x) && isCount(r.x[0])) this.drop(r.x[0], String(r.x[1]), false);
  }

  /** Queue a message: kept on disk before this returns its number. */
  send(to: { url?: string; id?: string }, body: string, origin?: string): number {
    // the receiver takes at most MAX_MESSAGE_BODY characters, and a delivery of at most 256 KiB
    if (body.length > MAX_MESSAGE_BODY || utf8Length(JSON.stringify(body)) > BATCH_BYTES - 2048) throw new Error(`message too large: over ${MAX_MESSAGE_BODY} characters`);
    if (origin && this.origins.has(origin)) return -1; // sent before a crash, by this same handling
    if (this.count >= MAX_OUTBOX) throw new Error(`the outbox is full (${MAX_OUTBOX} messages wait for their receivers)`);
    const m: Outgoing = { n: this.nextN, time: this.host.now(), body };
    if (to.id) (m.to = to.id), (m.seq = this.receiver(to.id).seq + 1); // numbered at once: its receiver is known
    else m.url = to.url;
    if (origin) m.o = origin;
    this.log.append({ q: m });
    this.nextN++;
    if (origin) this.origins.add(origin);
    this.place(m);
    this.kick();
    return m.n;
  }

  /** Messages waiting, oldest first. */
  pending(): Outgoing[] {
    const all: Outgoing[] = [];
    for (const q of this.unresolved.values()) all.push(...q);
    for (const r of this.receivers.values()) all.push(...r.queue);
    return all.sort((a, b) => a.n - b.n);
  }

  /** Why the last delivery to a receiver failed, and when it is tried again. */
  status(id: string): string {
    const r = this.receivers.get(id);
    if (!r || !r.backoff) return '';
    return r.lastError + ', next try in ' + Math.max(0, Math.ceil((r.retryAt - this.host.now()) / 1000)) + ' s';
  }

  /** Start every delivery that can start. */
  kick(): void {
    if (this.stopped) return;
    const now = this.host.now();
    for (const url of this.unresolved.keys()) if (!this.resolving.has(url) && now >= (this.retryUrl.get(url)?.retryAt || 0)) this.track(this.resolve(url));
    for (const [id, r] of this.receivers) if (r.queue.length && !r.busy && now >= r.retryAt && r.queue[0].seq) this.track(this.deliver(id, r));
  }

  /** Resolves when no delivery is in flight (each ends within its timeout). */
  async settled(): Promise<void> {
    while (this.flights.size) await Promise.all([...this.flights]);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.cancels) c();
  }

  private track(p: Promise<void>): void {
    this.flights.add(p);
    p.catch((e: Error) => this.host.log('%(ERROR:outbox: ' + e.message + ')')).finally(() => this.flights.delete(p));
  }

  private receiver(id: string): Receiver {
    let r = this.receivers.get(id);
    if (!r) this.receivers.set(id, (r = { seq: 0, queue: [], busy: false, backoff: 0, retryAt: 0, lastError: '' }));
    return r;
  }

  private place(m: Outgoing): void {
    this.count++;
    if (m.to) {
      const r = this.receiver(m.to);
      r.seq = Math.max(r.seq, m.seq || 0);
      r.queue.push(m);
    }
    else {
      const url = m.url as string;
      const q = this.unresolved.get(url);
      if (q) q.push(m);
      else this.unresolved.set(url, [m]);
    }
  }

  /** Give message n its receiver and sequence number (kept on disk first when live). */
  private assign(n: number, to: string, seq: number, live: boolean): void {
    const r = this.receiver(to);
    r.seq = Math.max(r.seq, seq);
    let m = r.queue.find((x) => x.n === n);
    for (const [url, q] of this.unresolved) {
      const i = q.findIndex((x) => x.n === n);
      if (i < 0) continue;
      m = q.splice(i, 1)[0];
      if (!q.length) this.unresolved.delete(url);
      r.queue.push(m);
    }
    if (m) (m.to = to), (m.seq = seq);
    if (live) this.kick();
  }

  private acked(to: string, seq: number, live: boolean): void {
    const r = this.receiver(to);
    while (r.queue.length && (r.queue[0].seq as number) <= seq) this.finish(r.queue.shift() as Outgoing, 'delivered', live);
  }

  private drop(n: number, why: string, live: boolean): void {
    for (const q of [...this.unresolved.values(), ...[...this.receivers.values()].map((r) => r.queue)]) {
      const i = q.findIndex((m) => m.n === n);
      if (i >= 0) this.finish(q.splice(i, 1)[0], 'refused: ' + why, live);
    }
  }

  private finish(m: Outgoing, state: string, live: boolean): void {
    this.count--;
    if (!live) return;
    this.recent.push({ n: m.n, to: m.to || m.url || '', seq: m.seq || 0, state });
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** Learn who answers at url, then number its messages. */
  private async resolve(url: string): Promise<void> {
    this.resolving.add(url);
    try {
      const id = await whoIs(this.host, url);
      this.learned(id, url);
      const r = this.receiver(id);
      const q = this.unresolved.get(url) || [];
      const a: [number, string, number][] = q.map((m, i) => [m.n, id, r.seq + 1 + i]);
      if (a.length) this.log.append({ a });
      for (const [n, , seq] of a) this.assign(n, id, seq, false);
      this.retryUrl.delete(url);
    } catch (e) {
      const b = this.retryUrl.get(url) || { backoff: 0, retryAt: 0 };
      b.backoff = nextBackoff(b.backoff);
      b.retryAt = this.host.now() + b.backoff;
      this.host.log(`%WARNING: cannot reach ${url} to send to it (${(e as Error).message}); trying again in ${Math.round(b.backoff / 1000)} s`);
      this.retryUrl.set(url, b);
      this.later(b.backoff);
    } finally {
      this.resolving.delete(url);
    }
    this.kick();
  }

  private async deliver(id: string, r: Receiver): Promise<void> {
    const url = this.urlOf(id) || r.queue[0].url;
    if (!url || !this.host.post) {
      r.lastError = url ? 'this host cannot send' : 'no address known for ' + id;
      return;
    }
    r.busy = true;
    const me = this.self();
    const lines: string[] = [];
    let bytes = 0;
    for (const m of r.queue) {
      if (lines.length >= BATCH) break;
      const e: Envelope = seal(this.host as Required<Host>, { from: me.shortId, key: me.peerId, to: id, seq: m.seq as number, time: m.time, body: m.body });
      const line = JSON.stringify(e);
      const size = utf8Length(line) + 1;
      if (lines.length && bytes + size > BATCH_BYTES) break;
      bytes += size;
      lines.push(line);
    }
    try {
      const a = await this.host.post(url + '/msg', lines.join('\n'), { timeoutMs: TIMEOUT, maxBytes: 64 * 1024 });
      const ack = /^ack (\d+)/.exec(a.body);
      const refused = [...a.body.matchAll(/^refused (\d+) (.*)$/gm)];
      // 200: an acknowledgement (and perhaps a refusal); 400 with a refusal: its first message was refused
      if (!(a.status === 200 && ack) && !(a.status === 400 && refused.length)) throw new Error(`HTTP ${a.status}: ${a.body.split('\n')[0].slice(0, 200)}`);
      const upTo = ack ? +ack[1] : 0;
      if (r.queue.length && (r.queue[0].seq as number) <= upTo) {
        this.log.note({ ok: [id, upTo] });
        this.acked(id, upTo, true);
      }
      for (const [, seq, why] of refused) {
        const m = r.queue.find((x) => x.seq === +seq);
        if (!m) continue;
        this.host.log(`%WARNING: ${id} refused message ${me.shortId}:${m.n}: ${why}`);
        this.log.note({ x: [m.n, why] });
        this.drop(m.n, why, true);
      }
      r.backoff = r.retryAt = 0;
      r.lastError = '';
    } catch (e) {
      r.backoff = nextBackoff(r.backoff);
      r.lastError = (e as Error).message;
      r.retryAt = this.host.now() + r.backoff;
      this.later(r.backoff);
    } finally {
      r.busy = false;
    }
    this.kick();
  }

  /** Look again in ms (a host without timers tries again at the next send). */
  private later(ms: number): void {
    if (!this.host.setTimer) return;
    // a little after retryAt: a timer may fire a millisecond early by the clock kick() reads
    const cancel = this.host.setTimer(ms + 10, () => {
      this.cancels.delete(cancel);
      this.kick();
    });
    this.cancels.add(cancel);
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;

/** A queued message as the log must hold it: numbered, timed, with text and somewhere to go. */
const isOutgoing = (m: any): m is Outgoing =>
  !!m && isCount(m.n) && typeof m.time === 'number' && typeof m.body === 'string' &&
  (typeof m.url === 'string' || (typeof m.to === 'string' && isCount(m.seq))) && (m.o === undefined || typeof m.o === 'string');

/** Doubling from 1 s to 60 s, each with up to a quarter more at random (so many senders do not retry in step). */
function nextBackoff(last: number): number {
  const base = last ? Math.min(MAX_BACKOFF, last * 2) : MIN_BACKOFF;
  return Math.round(base * (1 + Math.random() / 4));
}
