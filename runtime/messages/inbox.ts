// The receiver's side. A delivery is checked envelope by envelope (shape,
// receiver, sender's key, signature), the new ones are stored in one
// appended record, and only then acknowledged: `ack N`, the highest sequence
// number from that sender this node holds. A sequence number at or below it
// is a duplicate (a retry, or a replay): acknowledged again, never handled
// again. Stored messages are handled one at a time, in order, and each
// handling is recorded, so after a crash the unhandled ones are handled and
// no other.
import type { Host } from '../host.ts';
import type { MessageLog } from './log.ts';
import { keepRecent } from './recent.ts';
import { logError, logWarning } from '../diagnostics.ts';
import { nodeIdentity } from '../node-identity.ts';
import { type Envelope, malformed, parseEnvelope, Refusal, verifyEnvelope } from './envelope.ts';

export interface Handled {
  from: string;
  seq: number;
  time: number;
  body: string;
  result: string;
}

/** Messages stored and not yet handled, at most: past it a delivery is asked to come back later. */
export const MAX_PENDING = 1000;
/** Envelopes in one delivery, at most. */
export const MAX_BATCH = 64;

export class Inbox {
  /** The highest sequence number stored, by sender. */
  private lastSeq = new Map<string, number>();
  private pendingMessages: Envelope[] = [];
  private dispatching = false;
  readonly recent: Handled[] = [];
  /** While replaying: stored messages not yet known to be handled, by `FROM:SEQ` (a handled one leaves at once, so this holds only what waits). */
  private storedMessages = new Map<string, Envelope>();

  constructor(
    private host: Host,
    private messageLog: MessageLog,
    /** Handle one message (evaluate it): what it gave. Rejects only when the node cannot keep what it did. */
    private handleMessage: (e: Envelope) => Promise<string>,
    /** Milliseconds a sender must wait before this node takes another delivery from it (0: now). */
    private admit: (from: string) => number,
  ) {}

  /** Rebuild from the log's records, in order. */
  replay(r: Record<string, any>): void {
    if (Array.isArray(r.in)) {
      for (const v of r.in) {
        let e: Envelope;
        try {
          e = parseEnvelope(v); // the log is a file: checked like anything else read
        } catch (x) {
          logError(this.host, this.messageLog.file + ': a stored message is damaged (' + (x as Error).message + '), skipped');
          continue;
        }
        this.lastSeq.set(e.from, Math.max(this.lastSeq.get(e.from) || 0, e.seq));
        this.storedMessages.set(e.from + ':' + e.seq, e);
      }
    } else if (Array.isArray(r.done)) this.finished(String(r.done[0]) + ':' + Number(r.done[1]));
  }

  /** A handling that was done (its record, or its definitions in the state log), by `FROM:SEQ`. */
  finished(key: string): void {
    this.storedMessages.delete(key);
  }

  /** After replay: drop what was handled, handle the rest. */
  start(): void {
    this.pendingMessages = [...this.storedMessages.values()];
    this.storedMessages.clear(); // from here on a message is pending once and handled once
    void this.handleNext();
  }

  /** Messages stored and not yet handled, in order (the first may be being handled). */
  waiting(): readonly Envelope[] {
    return this.pendingMessages;
  }

  /** A delivery (envelopes as JSON lines): what to answer. */
  receive(text: string): { status: number; body: string; retryAfterMs?: number } {
    const lines = text.split('\n').filter((l) => l.trim());
    if (!lines.length) return { status: 400, body: 'no messages: the body is envelopes, one JSON object per line' };
    if (lines.length > MAX_BATCH) return { status: 413, body: `at most ${MAX_BATCH} messages in one delivery` };
    if (this.pendingMessages.length >= MAX_PENDING) return { status: 503, body: 'busy: too many messages wait to be handled; try again later' };
    const fresh: Envelope[] = [];
    let from = '';
    let refused = '';
    let top = 0; // the highest sequence number held from the sender, this delivery's included
    for (const line of lines) {
      let v: any = null;
      let e: Envelope;
      try {
        try {
          v = JSON.parse(line);
        } catch {
          throw malformed('not JSON');
        }
        e = parseEnvelope(v);
        if (from && e.from !== from) throw new Refusal("one delivery carries one sender's messages");
        verifyEnvelope(this.host as Required<Host>, e, nodeIdentity(this.host).shortId);
        if (!from) {
          const wait = this.admit(e.from);
          if (wait) return { status: 429, body: 'too many deliveries from ' + e.from + '; try again later', retryAfterMs: wait };
          top = this.lastSeq.get(e.from) || 0;
        }
      } catch (x) {
        if (!(x instanceof Refusal)) throw x;
        // the sender's log shows which message; the first refused one ends the delivery
        refused = `refused ${Number.isSafeInteger(v?.seq) ? v.seq : 0} ${x.message}`;
        logWarning(this.host, 'message refused: ' + x.message);
        break;
      }
      from = e.from;
      if (e.seq > top) {
        fresh.push(e);
        top = e.seq;
      }
    }
    if (fresh.length) {
      this.messageLog.append({ in: fresh }); // on disk before it is acknowledged
      this.pendingMessages.push(...fresh);
      this.lastSeq.set(from, top);
      void this.handleNext();
    }
    if (!from) return { status: 400, body: refused };
    return { status: 200, body: `ack ${top}` + (refused ? '\n' + refused : '') };
  }

  private async handleNext(): Promise<void> {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.pendingMessages.length) {
        const e = this.pendingMessages[0];
        const result = await this.handleMessage(e);
        this.messageLog.note({ done: [e.from, e.seq, result.slice(0, 1000)] });
        this.pendingMessages.shift();
        keepRecent(this.recent, { from: e.from, seq: e.seq, time: e.time, body: e.body.slice(0, 200), result: result.slice(0, 200) });
      }
    } catch (x) {
      // the log could not be written (a full disk): stop here; the rest is handled after a restart
      logError(this.host, 'messages: ' + (x as Error).message + '; handling stopped');
    } finally {
      this.dispatching = false;
    }
  }
}
