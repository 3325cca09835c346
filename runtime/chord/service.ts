// The ring as a node runs it: its ChordNode reached over HTTP (POST
// BASE/chord with {from, req}, the answer as JSON), the Host's clock and
// timers, and what JML and the web ask of it:
//   [route KEY]       the short ID of the node responsible for KEY (hex digits)
//   [route-data KEY]  its base URL (so [wget [route-data [content-hash X]]/id] works)
//   [route-list]      this node's table: predecessor, successors, fingers
//   [dht-put KEY VALUE] [dht-get KEY]   small signed records on KEY's node and its next 2 successors
import type { Ctx } from '../../jml/evaluation.ts';
import { JmlError } from '../../jml/errors.ts';
import { headRest, inertArg, unescapeOutput } from '../../jml/text.ts';
import type { Host } from '../host.ts';
import type { MagniNode } from '../magni.ts';
import { publicKeyOfPeerId, ringPositionOf, shortIdOfRing } from '../identity/index.ts';
import { nodeIdentity } from '../node-identity.ts';
import { keyToPoint } from './id.ts';
import { ChordNode } from './ring.ts';
import { Dht } from './dht.ts';
import { signedRecord, checkRecord, recordText } from './record.ts';
import { asNodeRef, type NodeRef } from './wire.ts';

export interface RingOptions {
  /** The base URL other nodes reach this one at. */
  url: string;
  /** A request to another node gives up after this long (default 2,000 ms). */
  timeoutMs?: number;
  stabilizeMs?: number;
  expectedSize?: number;
}

/** A ring request's body, at most (a successor list and fingers of 40-digit ids and URLs). */
export const MAX_RING_BODY = 64 * 1024;

/** The node at a base URL, as the ring knows it: its ring position (checked against its key) and the URL. */
export async function ringNodeAt(host: Host, url: string): Promise<NodeRef> {
  if (!host.wget || !host.sha256) throw new Error('this host cannot reach other nodes');
  const [, peer, ring] = (await host.wget(url + '/id', { timeoutMs: 5000, maxBytes: 1024 })).split('\n');
  const key = publicKeyOfPeerId(peer || '');
  if (ringPositionOf(host.sha256, key.type, key.raw) !== ring) throw new Error(url + '/id: its ring position is not its key\'s');
  return { id: ring, addr: url };
}

/** How long a [dht-put] record lives (it is published again every half of it while this node runs). */
export const DHT_TTL_MS = 3_600_000;

export class RingService {
  readonly chord: ChordNode;
  readonly dht: Dht;
  private joining = false;

  constructor(readonly node: MagniNode, readonly opts: RingOptions) {
    const host = node.host;
    if (!host.post || !host.setTimer) throw new Error('this host cannot take part in a ring');
    const post = host.post.bind(host);
    const setTimer = host.setTimer.bind(host);
    const self: NodeRef = { id: nodeIdentity(host).ring, addr: opts.url };
    const timeoutMs = opts.timeoutMs || 2000;
    this.chord = new ChordNode({
      self,
      expectedSize: opts.expectedSize,
      stabilizeMs: opts.stabilizeMs,
      fixFingersMs: opts.stabilizeMs,
      clock: { now: () => host.now(), later: (ms, fn) => void setTimer(ms, fn) },
      transport: {
        request(to, req, done) {
          post(to.addr + '/chord', JSON.stringify({ from: self, req }), { timeoutMs, maxBytes: MAX_RING_BODY }).then(
            (a) => {
              let reply: unknown = null;
              try {
                if (a.status === 200) reply = JSON.parse(a.body);
              } catch {}
              done(reply);
            },
            () => done(null),
          );
        },
      },
    });
    const crypto = host as Required<Host>;
    this.dht = new Dht(this.chord, { check: (point, value) => checkRecord(crypto, point, value) });
    this.registerBuiltins();
  }

  /** Start a ring alone, or join the one the node at bootstrap belongs to (tried again while it does not answer). */
  start(bootstrap?: string, log: (line: string) => void = () => {}): void {
    this.dht.start();
    if (!bootstrap) {
      this.chord.create();
      this.chord.start();
      return;
    }
    let wait = 1000;
    const attempt = () => {
      ringNodeAt(this.node.host, bootstrap).then(
        (via) => this.chord.join(via, (e) => (e ? retry(e) : (this.chord.start(), log(`ring: joined through ${bootstrap}`)))),
        (e: Error) => retry(e.message),
      );
    };
    const retry = (why: string) => {
      log(`ring: cannot join through ${bootstrap} (${why}); trying again in ${wait / 1000} s`);
      (this.node.host.setTimer as Required<Host>['setTimer'])(wait, attempt);
      wait = Math.min(60_000, wait * 2);
    };
    this.joining = true;
    attempt();
  }

  stop(): void {
    this.chord.stop();
    this.dht.stop();
  }

  /** A ring request from another node (POST /chord): the answer, as JSON. */
  receive(text: string): { status: number; body: string } {
    let m: { from?: unknown; req?: unknown };
    try {
      m = JSON.parse(text);
    } catch {
      return { status: 400, body: '{"error":"the body is not JSON"}' };
    }
    if (!m || typeof m !== 'object') return { status: 400, body: '{"error":"the body is not a ring request"}' };
    return { status: 200, body: JSON.stringify(this.dht.handle(asNodeRef(m.from) || null, m.req)) };
  }

  /** The node responsible for a key (hex digits): its short ID and base URL. */
  route(key: string): Promise<{ id: string; url: string }> {
    let point: string;
    try {
      point = keyToPoint(key);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((ok, fail) =>
      this.chord.lookup(point, (r) => (r.owner ? ok({ id: shortIdOfRing(r.owner.id), url: r.owner.addr }) : fail(new Error('no node found for ' + key + (r.error ? ': ' + r.error : ''))))),
    );
  }

  /** The table with each node's liveness now (asked with a ring `state` request): the owner's /ring page. */
  async tableWithLiveness(): Promise<string> {
    const c = this.chord;
    const nodes = [c.pred, ...c.succs, ...c.fingers].filter((n): n is NodeRef => !!n && n.id !== c.self.id);
    const alive = new Map<string, boolean>();
    await Promise.all(nodes.map((n) => (alive.has(n.id) ? null : new Promise<void>((ok) => {
      alive.set(n.id, false);
      c.ask(n, { op: 'state' }, (r) => (alive.set(n.id, !!r && typeof r === 'object' && !('error' in r)), ok()));
    }))));
    return this.tableText((n) => (n.id === c.self.id ? '' : alive.get(n.id) ? ' alive' : ' silent'));
  }

  /** This node's view of the ring, a line each: itself, its predecessor, successors and distinct fingers. */
  tableText(note: (n: NodeRef) => string = () => ''): string {
    const c = this.chord;
    const row = (what: string, n: NodeRef | null | undefined) => `${what} ${n ? n.id + ' ' + shortIdOfRing(n.id) + ' ' + n.addr + note(n) : '-'}`;
    const rows = [row('self', c.self), row('pred', c.pred), ...c.succs.map((n, i) => row('succ' + (i + 1), n))];
    let last = '';
    c.fingers.forEach((f, i) => {
      if (f && f.id !== last) rows.push(row('finger' + i, f));
      if (f) last = f.id;
    });
    return rows.join('\n') + (c.member ? '' : '\n(not in a ring yet' + (this.joining ? ': joining' : '') + ')');
  }

  private registerBuiltins(): void {
    const b = this.node.interp.hostBuiltins;
    const routed = (pick: (r: { id: string; url: string }) => string) => (args: string, it: Ctx) => {
      it.need('network', 'route');
      return this.route(args.trim()).then(pick, (e: Error) => {
        throw new JmlError('route: ' + inertArg(e.message, false));
      });
    };
    b.set('route', routed((r) => r.id));
    b.set('route-data', routed((r) => r.url));
    b.set('dht-put', (args, it) => {
      it.need('network', 'dht-put');
      const [key, value] = headRest(args);
      const record = signedRecord(this.node.host as Required<Host>, keyToPoint(key), unescapeOutput(value));
      return new Promise<string>((ok, fail) =>
        this.dht.put(key, record, DHT_TTL_MS, (stored, e) => (stored ? ok(String(stored)) : fail(new JmlError('dht-put: ' + inertArg(e || 'no node stored it', false))))),
      );
    });
    b.set('dht-get', (args, it) => {
      it.need('network', 'dht-get');
      const key = args.trim();
      const show = (v: string) => inertArg(recordText(this.node.host as Required<Host>, keyToPoint(key), v), false);
      return new Promise<string>((ok, fail) =>
        this.dht.get(key, (values, e) => (values.length || !e ? ok(values.map(show).join('\\n')) : fail(new JmlError('dht-get: ' + inertArg(e, false))))),
      );
    });
    b.set('route-list', (_, it) => {
      it.need('network', 'route-list');
      return this.tableText().replace(/\n/g, '\\n');
    });
  }
}
