// A node's messaging: its identity, the message log with the outbox and the
// inbox, known peers, and the builtins that reach them from JML:
//   [id]              this node's short ID
//   [send NODE TEXT]  queue TEXT for NODE (a URL, or a known node's short ID): its message ID, at once
//   [trust ID] [untrust ID] [trust]   senders whose messages run as the owner
// ([inbox] [outbox] [peers], the owner's views, are in reports.ts.)
import type { Ctx } from '../../jml/evaluation.ts';
import { JmlError } from '../../jml/errors.ts';
import { headRest, inertArg, unescapeOutput, words } from '../../jml/text.ts';
import type { MagniNode } from '../magni.ts';
import { isShortId, type Identity } from '../identity/index.ts';
import { nodeIdentity, registerIdentity } from '../node-identity.ts';
import { RateLimit } from '../limits.ts';
import { MessageLog } from './log.ts';
import { Inbox } from './inbox.ts';
import { Outbox } from './outbox.ts';
import { dispatch, isTrusted, type MessageHook, TRUSTED, trustedIds } from './dispatch.ts';
import { baseUrl, MAX_PEERS } from './peers.ts';

export interface MessengerOptions {
  /** The message log (default: the state file's name + '.messages'). */
  file?: string;
  /** Set when another process owns this node's files: why messages cannot be sent or received here. */
  readOnly?: string;
  /** Milliseconds a message's handling may take (default 10,000). */
  maxTime?: number;
}

export class Messenger {
  readonly log: MessageLog;
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  /** Known nodes: short ID -> base URL. */
  readonly peers = new Map<string, string>();
  private opened = false;
  /** Where a node that is not a known peer is (the ring finds it by its short ID), or undefined. */
  locate?: (id: string) => Promise<string | undefined>;
  /** Node-level handlers of active messages by name (`/mm-version`): they take such a message before any macro. */
  readonly hooks = new Map<string, MessageHook>();
  /** Sends made so far by each handling in flight (its k-th send is `FROM:SEQ#k`). */
  private sendsBy = new WeakMap<Ctx, number>();

  constructor(readonly node: MagniNode, readonly opts: MessengerOptions = {}) {
    const host = node.host;
    this.log = new MessageLog(host, opts.file || node.stateFile + '.messages');
    // senders the owner does not trust: a few deliveries a minute each, and a bound for all of them together
    const untrusted = new RateLimit(() => host.now(), 60, 600);
    const admit = (from: string) => (isTrusted(node, from) ? 0 : untrusted.take(from));
    this.inbox = new Inbox(host, this.log, (e) => dispatch(node, e, opts.maxTime || 10_000, this.hooks), admit);
    this.outbox = new Outbox(host, this.log, (id) => this.peers.get(id), (id, url) => this.learn(id, url));
    this.registerBuiltins();
  }

  /** This node's identity, from its key (made on first use). */
  identity(): Identity {
    return nodeIdentity(this.node.host);
  }

  /** Read the message log (once): the outbox, the inbox and the peers as they were. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    for (const r of this.log.records() as Iterable<Record<string, any>>) {
      if (r.peer) {
        const [id, url] = Array.isArray(r.peer) ? r.peer : [];
        if (typeof id === 'string' && isShortId(id) && typeof url === 'string' && /^https?:\/\/[^\s]+$/.test(url) && this.roomFor(id)) this.peers.set(id, url);
      }
      else {
        // each takes only its own records
        this.outbox.replay(r);
        this.inbox.replay(r);
      }
    }
    for (const key of this.node.handledInState) this.inbox.finished(key);
    this.node.handledInState.clear();
  }

  /** Serve: handle what was stored and not handled, deliver what waits. */
  start(): void {
    this.open();
    this.identity();
    this.inbox.start();
    this.outbox.kick();
  }

  /** Stop retrying (the process is ending); what waits stays on disk. */
  stop(): void {
    this.outbox.stop();
  }

  /** A delivery from another node (POST /msg). */
  receive(text: string): { status: number; body: string; retryAfterMs?: number } {
    if (this.opts.readOnly) return { status: 503, body: this.opts.readOnly };
    this.open();
    return this.inbox.receive(text);
  }

  /** Remember where a node is (kept in the log when new or moved). */
  learn(id: string, url: string): void {
    if (this.peers.get(id) === url || this.opts.readOnly || !this.roomFor(id)) return;
    this.log.note({ peer: [id, url] });
    this.peers.set(id, url);
  }

  /** Whether id is a known peer or there is room for one more. */
  private roomFor(id: string): boolean {
    return this.peers.has(id) || this.peers.size < MAX_PEERS;
  }

  private sendBuiltin(args: string, it: Ctx): string | Promise<string> {
    it.need('network', 'send');
    if (this.opts.readOnly) throw new JmlError('send: ' + this.opts.readOnly);
    this.open();
    const [to, text] = headRest(args);
    if (!to) throw new JmlError('send needs a node (its URL or short ID) and the text: [send http://127.0.0.1:8002 hello]');
    const body = unescapeOutput(text);
    // a message being handled that sends: its k-th send is sent once, even when the handling runs again after a crash
    let origin: string | undefined;
    if (it.user.startsWith('msg:')) {
      const k = (this.sendsBy.get(it) || 0) + 1;
      this.sendsBy.set(it, k);
      origin = it.user + '#' + k;
    }
    const queue = (dest: { url?: string; id?: string }) => {
      const n = this.outbox.send(dest, body, origin);
      return n < 0 ? '' : this.identity().shortId + ':' + n;
    };
    if (isShortId(to)) {
      if (this.peers.has(to)) return queue({ id: to });
      if (!this.locate) throw new JmlError(`send: ${to} is not a node this one knows (send to its URL once, or start with --bootstrap)`);
      return this.locate(to).then((url) => {
        if (!url) throw new JmlError(`send: the ring has no node ${to}`);
        this.learn(to, url);
        return queue({ id: to });
      });
    }
    const url = baseUrl(to);
    // a node already known at that address: no need to ask it who it is again
    let id: string | undefined;
    for (const [k, u] of this.peers) if (u === url) id = k;
    return queue(id ? { id } : { url });
  }

  private trustBuiltin(args: string, it: Ctx, add: boolean): string {
    const ids = words(args);
    const now = trustedIds(this.node);
    if (!ids.length) return now.join(' ');
    for (const id of ids) if (!isShortId(id)) throw new JmlError('trust: ' + inertArg(id, true) + ' is not a short ID');
    const next = add ? [...now, ...ids.filter((id) => !now.includes(id))] : now.filter((id) => !ids.includes(id));
    it.define(TRUSTED, '', next.join(' '), add ? 'trust' : 'untrust');
    return '';
  }

  private registerBuiltins(): void {
    const b = this.node.interp.hostBuiltins;
    registerIdentity(this.node.interp, this.node.host);
    b.set('send', (a, it) => this.sendBuiltin(a, it));
    b.set('trust', (a, it) => this.trustBuiltin(a, it, true));
    b.set('untrust', (a, it) => this.trustBuiltin(a, it, false));
    b.set('trusted', (a) => (isShortId(a.trim()) && isTrusted(this.node, a.trim()) ? '1' : '0'));
  }
}

