// The message log: one append-only file of JSON records beside the state
// log (STATE.messages), holding the outbox, the inbox and known peers. Every
// change is one appended line, all or nothing and on disk before it counts,
// so a node killed at any moment comes back with exactly what it acknowledged.
import type { Host } from '../host.ts';
import { logError } from '../diagnostics.ts';

/** One record, as a line of the file. */
export type LogRecord =
  /** queued by [send]: the message number, where to (a URL, or a receiver and its sequence number), when, what (o: the handling it came from) */
  | { q: { n: number; url?: string; to?: string; seq?: number; time: number; body: string; o?: string } }
  /** messages given a receiver and a sequence number: [n, to, seq] */
  | { a: [number, string, number][] }
  /** the receiver `to` has stored every message up to seq */
  | { ok: [string, number] }
  /** message n given up: why */
  | { x: [number, string] }
  /** received and stored: the envelopes of one delivery */
  | { in: unknown[] }
  /** handled: from, seq, what the handling gave */
  | { done: [string, number, string] }
  /** a node learned: its short ID and base URL */
  | { peer: [string, string] };

export class MessageLog {
  constructor(readonly host: Host, readonly file: string) {}

  /** Every whole record in the file, in order; a damaged line is reported and skipped. */
  *records(): Generator<LogRecord> {
    let n = 0;
    for (const l of this.host.readLines(this.file)) {
      n++;
      if (!l.text.trim()) continue;
      let r: unknown;
      try {
        if (!l.complete) throw new Error('cut short (no newline)');
        r = JSON.parse(l.text);
        if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('not a record');
      } catch (e) {
        logError(this.host, `${this.file}:${n}: ${(e as Error).message}, skipped`);
        continue;
      }
      yield r as LogRecord;
    }
  }

  /** Keep a record: on disk when this returns, or it throws and nothing changed (lazy: see note). */
  append(r: LogRecord, lazy?: boolean): void {
    this.host.appendLine(this.file, JSON.stringify(r), lazy);
  }

  /**
   * Keep a record whose loss in a crash is harmless, without waiting for the
   * disk: an acknowledgement (the message is sent again and acknowledged
   * again), a handling that changed nothing kept (handled again, it gives
   * the same), a peer (asked for again).
   */
  note(r: LogRecord): void {
    this.append(r, true);
  }
}
