// What the owner sees of messages: [inbox], [outbox] and [peers], and the
// same text on the web node's /messages page (and GET /peers). Not in the
// core (a device has no one to read them): the CLI and the web node register
// them (registerReports) next to their Messenger.
import type { Ctx } from '../../jml/evaluation.ts';
import { inertLine } from '../../jml/text.ts';
import { isoTime } from '../../jml/builtins.ts';
import type { Messenger } from './messenger.ts';

/** `ID URL` lines, a known node each (GET /peers). */
export function peersText(m: Messenger): string {
  let s = '';
  for (const [id, url] of m.peers) s += id + ' ' + url + '\n';
  return s;
}

/** What waits to be handled, then what was handled lately, newest first. */
export function inboxText(m: Messenger): string {
  const rows: string[] = [];
  for (const e of m.inbox.waiting()) rows.push(`${e.from}:${e.seq} ${isoTime(e.time)} waiting: ${e.body.slice(0, 200)}`);
  for (const h of m.inbox.recent.slice().reverse()) rows.push(`${h.from}:${h.seq} ${isoTime(h.time)} ${h.body} -> ${h.result}`);
  return rows.join('\n');
}

/** What waits to be delivered (and why it waits), then what was delivered or refused lately, newest first. */
export function outboxText(m: Messenger): string {
  const me = m.identity().shortId;
  const rows: string[] = [];
  for (const o of m.outbox.pending()) {
    // why the last delivery to its receiver failed, and when it is tried again
    const r = o.to ? m.outbox.receiverState(o.to) : undefined;
    const why = r && r.backoff ? ` (${r.lastError}, next try in ${Math.max(0, Math.ceil((r.retryAt - m.node.host.now()) / 1000))} s)` : '';
    rows.push(`${me}:${o.n} to ${o.to || o.url} ${o.seq ? 'seq ' + o.seq : 'unnumbered'} waiting${why}: ${o.body.slice(0, 200)}`);
  }
  for (const f of m.outbox.recent.slice().reverse()) rows.push(`${me}:${f.n} to ${f.to} seq ${f.seq} ${f.state}`);
  return rows.join('\n');
}

/** [inbox] [outbox] [peers]: the owner's (they need the network capability). */
export function registerReports(m: Messenger): void {
  const owner = (what: string, report: () => string) => (_: string, it: Ctx) => {
    it.need('network', what);
    m.open();
    return inertLine(report()); // others' text, shown: never a call
  };
  const b = m.node.interp.hostBuiltins;
  b.set('inbox', owner('inbox', () => inboxText(m)));
  b.set('outbox', owner('outbox', () => outboxText(m)));
  b.set('peers', owner('peers', () => peersText(m).trim()));
}
