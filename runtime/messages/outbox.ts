// The sender's side: messages wait in the outbox (on disk, in the message
// log) until their receiver acknowledges them. One delivery at a time per
// receiver, in sequence order, many messages per delivery; on failure the
// receiver is retried with exponential backoff (1 s to 60 s, with jitter).
// A message addressed by URL learns its receiver's short ID (GET URL/id)
// before it gets a sequence number, so every receiver sees one sequence.
import type { Host } from '../host.ts';
import type { MessageLog } from './log.ts';
import { keepRecent } from './recent.ts';
import { logError, logWarning } from '../diagnostics.ts';
import { type Envelope, isCount, MAX_MESSAGE_BODY, seal } from './envelope.ts';
import { ASK_TIMEOUT, whoIs } from './peers.ts';
import { MAX_BATCH } from './inbox.ts';
import { nodeIdentity } from '../node-identity.ts';
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

/** Where messages wait: a receiver, or an address whose receiver is not known yet (which uses only the queue, busy and the backoff, and whose seq stays 0). */
export interface Receiver {
  /** The last sequence number given to a message for it. */
  seq: number;
  queue: Outgoing[];
  /** A delivery (an address: asking who answers there) is in flight (unset: none yet). */
  busy?: boolean;
  /** The delay before the next try after a failure, ms (0: none failed). */
  backoff: number;
  retryAt: number;
  /** Why the last try failed (unset until one does). */
  lastError?: string;
}

/** At most this many messages wait in the outbox: [send] refuses more. */
export const MAX_OUTBOX = 10_000;
/** At most this many bytes of envelopes go in one delivery (and as many messages as the receiver takes in one). */
const BATCH_BYTES = 192 * 1024;
const MIN_BACKOFF = 1000;
const MAX_BACKOFF = 60_000;

export class Outbox {
  /**
   * Receivers by short ID, and messages addressed by URL whose receiver is
   * not known yet by that URL (a short ID never holds "://"). A receiver's
   * messages all have their sequence numbers; an address's have none.
   */
  private queues = new Map<string, Receiver>();
  private cancels = new Set<() => void>();
  /** Messages waiting, all queues together. */
  private waitingCount = 0;
  private nextN = 1;
  /** Handlings that already sent: `FROM:SEQ#k`. */
  private sentOrigins = new Set<string>();
  readonly recent: Finished[] = [];
  private halted = false;
  /** Deliveries in flight (a flush waits for them). */
  private flights = new Set<Promise<void>>();

  constructor(
    private host: Host,
    private messageLog: MessageLog,
    /** Where a known node is: its base URL, or undefined. */
    private urlOf: (id: string) => string | undefined,
    /** A node was found at url (its /id answered). */
    private learned: (id: string, url: string) => void,
  ) {}

  /** Rebuild from the log's records, in order. */
  replay(r: Record<string, any>): void {
    if (r.q) {
      const m = r.q as Outgoing;
      if (!isOutgoing(m)) return logError(this.host, this.messageLog.file + ': a queued message is damaged, skipped');
      this.addToQueue(m);
    } else if (Array.isArray(r.a)) {
      for (const a of r.a) if (Array.isArray(a) && isCount(a[0]) && typeof a[1] === 'string' && isCount(a[2])) this.assignSeq(a[0], a[1], a[2]);
    } else if (Array.isArray(r.ok) && typeof r.ok[0] === 'string' && isCount(r.ok[1])) this.acked(r.ok[0], r.ok[1], false);
    else if (Array.isArray(r.x) && isCount(r.x[0])) this.giveUp(r.x[0], String(r.x[1]), false);
  }

  /** Queue a message: kept on disk before this returns its number. */
  send(to: { url?: string; id?: string }, body: string, origin?: string): number {
    // the receiver takes at most MAX_MESSAGE_BODY characters, and a delivery of at most 256 KiB
    if (body.length > MAX_MESSAGE_BODY || utf8Length(JSON.stringify(body)) > BATCH_BYTES - 2048) throw new Error(`message too large: over ${MAX_MESSAGE_BODY} characters`);
    if (origin && this.sentOrigins.has(origin)) return -1; // sent before a crash, by this same handling
    if (this.waitingCount >= MAX_OUTBOX) throw new Error(`the outbox is full (${MAX_OUTBOX} messages wait to be delivered)`);
    const m: Outgoing = { n: this.nextN, time: this.host.now(), body };
    if (to.id) (m.to = to.id), (m.seq = this.queueOf(to.id).seq + 1); // numbered at once: its receiver is known
    else m.url = to.url;
    if (origin) m.o = origin;
    this.messageLog.append({ q: m });
    this.addToQueue(m);
    this.kick();
    return m.n;
  }

  /** Messages waiting, oldest first. */
  pending(): Outgoing[] {
    return [...this.queues.values()].flatMap((r) => r.queue).sort((a, b) => a.n - b.n);
  }

  /** How delivering to a receiver goes (its backoff and last error), for the owner's [outbox]. */
  receiverState(id: string): Readonly<Receiver> | undefined {
    return this.queues.get(id);
  }

  /** Start every delivery that can start. */
  kick(): void {
    if (this.halted) return;
    const now = this.host.now();
    for (const [key, r] of this.queues) {
      if (r.queue.length && !r.busy && now >= r.retryAt) this.trackFlight(r.queue[0].seq ? this.deliverTo(key, r) : this.resolveUrl(key, r));
    }
  }

  /** Resolves when no delivery is in flight (each ends within its timeout). */
  async settled(): Promise<void> {
    while (this.flights.size) await Promise.all([...this.flights]);
  }

  stop(): void {
    this.halted = true;
    for (const c of this.cancels) c();
  }

  private trackFlight(p: Promise<void>): void {
    this.flights.add(p);
    p.catch((e: Error) => logError(this.host, 'outbox: ' + e.message)).finally(() => this.flights.delete(p));
  }

  /** The queue for key (a short ID or a URL), made (empty) when new. */
  private queueOf(key: string): Receiver {
    let r = this.queues.get(key);
    if (!r) this.queues.set(key, (r = { seq: 0, queue: [], backoff: 0, retryAt: 0 }));
    return r;
  }

  /** A message joins the outbox (queued now, or replayed from the log). */
  private addToQueue(m: Outgoing): void {
    this.nextN = Math.max(this.nextN, m.n + 1);
    if (m.o) this.sentOrigins.add(m.o);
    this.waitingCount++;
    const r = this.queueOf((m.to || m.url) as string);
    r.seq = Math.max(r.seq, m.seq || 0);
    r.queue.push(m);
  }

  /** Give message n its receiver and sequence number. */
  private assignSeq(n: number, to: string, seq: number): void {
    const r = this.queueOf(to);
    r.seq = Math.max(r.seq, seq);
    let m = r.queue.find((x) => x.n === n);
    for (const [url, u] of this.queues) {
      const i = u.seq ? -1 : u.queue.findIndex((x) => x.n === n); // only an address's messages move
      if (i < 0) continue;
      m = u.queue.splice(i, 1)[0];
      if (!u.queue.length) this.queues.delete(url);
      r.queue.push(m);
    }
    if (m) (m.to = to), (m.seq = seq);
  }

  private acked(to: string, seq: number, live: boolean): void {
    const r = this.queueOf(to);
    // (a message's seq, once it is a receiver's, is set: undefined here is an empty queue)
    while ((r.queue[0]?.seq as number) <= seq) this.retire(r.queue.shift() as Outgoing, 'delivered', live);
  }

  private giveUp(n: number, why: string, live: boolean): void {
    for (const r of this.queues.values()) {
      const i = r.queue.findIndex((m) => m.n === n);
      if (i >= 0) this.retire(r.queue.splice(i, 1)[0], 'refused: ' + why, live);
    }
  }

  /** A message leaves the outbox (shown among the recent ones when live). */
  private retire(m: Outgoing, state: string, live: boolean): void {
    this.waitingCount--;
    if (!live) return;
    keepRecent(this.recent, { n: m.n, to: (m.to || m.url) as string, seq: m.seq || 0, state });
  }

  /** Learn who answers at url, then number its messages. */
  private async resolveUrl(url: string, u: Receiver): Promise<void> {
    u.busy = true;
    try {
      const id = await whoIs(this.host, url);
      this.learned(id, url);
      const r = this.queueOf(id);
      const a: [number, string, number][] = u.queue.map((m, i) => [m.n, id, r.seq + 1 + i]);
      if (a.length) this.messageLog.append({ a });
      for (const [n, , seq] of a) this.assignSeq(n, id, seq);
    } catch (e) {
      this.backOff(u);
      logWarning(this.host, `cannot reach ${url} to send to it (${(e as Error).message}); trying again in ${Math.round(u.backoff / 1000)} s`);
    } finally {
      u.busy = false;
    }
    this.kick();
  }

  private async deliverTo(id: string, r: Receiver): Promise<void> {
    const url = this.urlOf(id) || r.queue[0].url;
    if (!url || !this.host.post) {
      r.lastError = url ? 'this host cannot send' : 'no address known for ' + id;
      return;
    }
    r.busy = true;
    const me = nodeIdentity(this.host);
    const lines: string[] = [];
    let bytes = 0;
    for (const m of r.queue) {
      if (lines.length >= MAX_BATCH) break;
      const e: Envelope = seal(this.host as Required<Host>, { from: me.shortId, key: me.peerId, to: id, seq: m.seq as number, time: m.time, body: m.body });
      const line = JSON.stringify(e);
      const size = utf8Length(line) + 1;
      if (lines.length && bytes + size > BATCH_BYTES) break;
      bytes += size;
      lines.push(line);
    }
    try {
      const a = await this.host.post(url + '/msg', lines.join('\n'), { timeoutMs: ASK_TIMEOUT, maxBytes: 64 * 1024 });
      const ack = /^ack (\d+)/.exec(a.body);
      const refused = [...a.body.matchAll(/^refused (\d+) (.*)$/gm)];
      // 200: an acknowledgement (and perhaps a refusal); 400 with a refusal: its first message was refused
      if (!(a.status === 200 && ack) && !(a.status === 400 && refused.length)) throw new Error(`HTTP ${a.status}: ${a.body.split('\n')[0].slice(0, 200)}`);
      const upTo = ack ? +ack[1] : 0;
      if ((r.queue[0]?.seq as number) <= upTo) {
        this.messageLog.note({ ok: [id, upTo] });
        this.acked(id, upTo, true);
      }
      for (const [, seq, why] of refused) {
        const m = r.queue.find((x) => x.seq === +seq);
        if (!m) continue;
        logWarning(this.host, `${id} refused message ${me.shortId}:${m.n}: ${why}`);
        this.messageLog.note({ x: [m.n, why] });
        this.giveUp(m.n, why, true);
      }
      r.backoff = r.retryAt = 0;
      r.lastError = '';
    } catch (e) {
      r.lastError = (e as Error).message;
      this.backOff(r);
    } finally {
      r.busy = false;
    }
    this.kick();
  }

  /**
   * A try failed: wait longer, then look again (a host without timers tries
   * again at the next send). The wait doubles from 1 s to 60 s, each with up
   * to a quarter more at random (so many senders do not retry in step).
   */
  private backOff(r: Receiver): void {
    r.backoff = Math.round((r.backoff ? Math.min(MAX_BACKOFF, r.backoff * 2) : MIN_BACKOFF) * (1 + Math.random() / 4));
    r.retryAt = this.host.now() + r.backoff;
    if (!this.host.setTimer) return;
    // a little after retryAt: a timer may fire a millisecond early by the clock kick() reads
    const cancel = this.host.setTimer(r.backoff + 10, () => {
      this.cancels.delete(cancel);
      this.kick();
    });
    this.cancels.add(cancel);
  }
}

/** A queued message as the log must hold it: numbered, timed, with text and somewhere to go (a receiver and its sequence number, or an address and none). */
const isOutgoing = (m: any): m is Outgoing =>
  !!m && isCount(m.n) && typeof m.time === 'number' && typeof m.body === 'string' &&
  (typeof m.to === 'string' ? isCount(m.seq) : typeof m.url === 'string' && m.seq === undefined) && (m.o === undefined || typeof m.o === 'string');
