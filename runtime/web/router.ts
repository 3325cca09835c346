// The web node: one plain request in, one response out (DESIGN.md: the
// router knows nothing of node:http or Bun.serve). Visitors read pages and
// call public macros (`/NAME`) and pure builtins; every evaluation they start
// has no capabilities. Only the owner (a session, or a sealed upgrade)
// changes anything. Requests may overlap: each carries its own visit.
import type { HttpRequest, HttpResponse } from '../http.ts';
import type { MagniNode } from '../magni.ts';
import type { MacroDef } from '../../jml/macro.ts';
import { BUILTINS, type Builtin, isoTime } from '../../jml/builtins.ts';
import { type Capabilities, OWNER, PREVIEW, VISITOR } from '../../jml/capabilities.ts';
import type { EvalOptions } from '../../jml/evaluation.ts';
import { JmlError } from '../../jml/errors.ts';
import { examples } from '../../jml/examples.ts';
import { unescapeOutput } from '../../jml/text.ts';
import { utf8Length } from '../../jml/utf8.ts';
import { esc, field, form, HttpError, link, page, pageLink, redirect, text } from './html.ts';
import { arg, bad, editable, inert, lines, pageSource, parseForm, pct, storable, utf8 } from './forms.ts';
import { sameKey, sameOrigin, Sessions } from './auth.ts';
import { ID, markup } from './wiki.ts';
import { readVersion, versions } from './history.ts';
import { RateLimit } from '../limits.ts';
import { openUpgrade, UPGRADE_MS } from './upgrade.ts';
import type { Messenger } from '../messages/messenger.ts';
import { inboxText, outboxText, peersText } from '../messages/reports.ts';
import { idText } from '../node-identity.ts';
import type { RingService } from '../chord/service.ts';
import type { SensorNode } from '../sensors/node.ts';
import type { MimeiStore } from '../mimei/mimei.ts';
import { REFRESH_S, sensorsBody } from './sensors.ts';
import { GATEWAY_LIMITS, type GatewayLimits, ipfsGateway, refusal } from './gateway.ts';
import { mimeiResource } from './mm.ts';

export const MAX_BODY = 1 << 20;
/** A visitor's body: a form, a login, a public page of 64 KiB percent-encoded. Bigger ones are refused before they are read. */
export const VISITOR_BODY = 256 * 1024;

export interface WebOptions {
  /** The node's XXTEA key: 16 letters or digits. */
  key: string;
  /** Where the key is kept (shown to whoever wants to log in). */
  keyFile?: string;
  /** The session cookie's name: one per node, so nodes on one host never share it (default magni_session). */
  cookie?: string;
  /** Anyone may save wiki pages (as inert text, never code), within the limits below. */
  publicWiki?: boolean;
  /** Largest request body in bytes (default MAX_BODY). */
  maxBody?: number;
  /** Substitutions per evaluated line of a request (default 200,000). */
  maxSteps?: number;
  /** Milliseconds per evaluated line of a request (default 1,000). */
  maxTime?: number;
  /** A page saved by a visitor: at most this many bytes (default 64 KiB). */
  publicPageBytes?: number;
  /** All versions saved by visitors together: at most this many bytes (default 4 MiB). */
  publicBytes?: number;
  /** Saves by visitors per minute: per client (default 5) and in all (default 30). */
  publicSavesPerClient?: number;
  publicSavesPerMinute?: number;
  /** The node's messaging: /id, /peers and /msg for other nodes, /messages for the owner. */
  messenger?: Messenger;
  /** The node's place on the CHORD ring: /chord for other nodes, /route/KEY for anyone, /ring for the owner. */
  ring?: RingService;
  /** A sensor node's readings and outputs: GET /sensors (JSON or a page), POST /sensors switches an output (owner). */
  sensors?: SensorNode;
  /** The node's Mimei store (its blocks and versions), with its builtins registered: /ipfs/CID (the trustless gateway) and /mm/MID for anyone. */
  mimei?: MimeiStore;
  /** What one /ipfs or /mm request may read of the store (default GATEWAY_LIMITS: 32 MiB, 65,536 blocks). */
  gatewayLimits?: GatewayLimits;
}

/** Who is asking: the owner (a live session from this site) or a visitor, and what their evaluations may do. */
interface Visit {
  owner: boolean;
  caps: Capabilities;
  user: string;
  /** The client, for rate limits. */
  client: string;
  /** Plain text wanted (Accept: text/plain, or a .txt suffix) rather than a page. */
  plain: boolean;
}

// Builtins a visitor may call by path: no side effects, and none returns a
// call to a function named in its arguments (map, filter, reduce, ... do).
const PURE = new Set(('+ * - / % inc dec > < >= <= = != iota fac and or xor not if empty has is number alpha equal cmp gt lt gte lte ' +
  'big small biggest smallest max min lower upper length bytes ignore identity nth first second third rest after before prefix ' +
  'split substr concat join xml decode content-hash encrypt uuid time').split(' '));
const GET = 'GET, HEAD';
const BOTH = 'GET, HEAD, POST';
const TITLE: Record<number, string> = {
  400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 413: 'Payload too large', 429: 'Too many requests',
  507: 'Insufficient storage',
};
const funcHref = (name: string) => '/func/' + encodeURIComponent(name);
const names = (formals: string) => formals.split(' ').filter(Boolean);
/** A public macro whose name ends in .html gives HTML; every other one's output is shown as text. */
const givesHtml = (name: string) => name.endsWith('.html');
const retryAfter = (ms: number) => ({ 'Retry-After': String(Math.ceil(ms / 1000)) });
const when = (at: number) => (isNaN(at) ? '?' : isoTime(at));

export class WebNode {
  private sessions: Sessions;
  private loginFailures: RateLimit;
  private publicSaves: RateLimit;

  constructor(readonly node: MagniNode, readonly opts: WebOptions) {
    if (!/^[A-Za-z0-9]{16}$/.test(opts.key)) throw new Error('web: the key must be 16 letters or digits');
    const now = () => node.host.now();
    this.sessions = new Sessions(node.host, opts.cookie);
    this.loginFailures = new RateLimit(now, 5, 20);
    this.publicSaves = new RateLimit(now, opts.publicSavesPerClient || 5, opts.publicSavesPerMinute || 30);
  }

  /**
   * The largest body this request may send, known from its target and
   * headers before any of the body is read: the owner and sealed upgrades
   * may send MAX_BODY, visitors VISITOR_BODY.
   */
  maxBodyFor(url: string, headers: Record<string, string>): number {
    const max = this.opts.maxBody || MAX_BODY;
    const owner = /^\/upgrade(\?|$)/.test(url) || (!!this.sessions.find(headers.cookie) && sameOrigin(headers));
    return owner ? max : Math.min(max, VISITOR_BODY);
  }

  /** Never rejects: a problem is an error page (500 for our own bugs). */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    let v: Visit = { owner: false, caps: VISITOR, user: 'web', client: 'unknown', plain: false };
    try {
      v.client = req.remote || 'unknown';
      v.plain = /(^|,)\s*text\/plain/i.test(req.headers.accept || '');
      if (this.sessions.find(req.headers.cookie) && sameOrigin(req.headers)) v = { ...v, owner: true, caps: OWNER, user: 'owner' };
      return await this.route(v, req);
    } catch (e) {
      const h = e instanceof HttpError ? e : new HttpError(500, 'internal error');
      if (v.plain) return { ...text(h.status, h.message + '\n'), headers: { ...text(h.status, '').headers, ...h.headers } };
      return this.page(v, h.status, TITLE[h.status] || 'Internal error', `<p>${esc(h.message)}</p>` + (h.status === 403 ? `<p>${link('/login', 'Log in')}</p>` : ''),
        h.headers);
    }
  }

  private page(v: Visit, status: number, title: string, body: string, headers?: Record<string, string>): HttpResponse {
    return page(status, title, body, v.owner, headers);
  }

  /** The budgets and capabilities of an evaluation this visit starts. */
  private limits(v: Visit, caps = v.caps): EvalOptions {
    return { caps, user: v.user, maxSteps: this.opts.maxSteps || 200000, maxTime: this.opts.maxTime || 1000 };
  }

  private async eval(v: Visit, line: string, caps?: Capabilities): Promise<string> {
    return (await this.node.evalLine(line, this.limits(v, caps))).output;
  }

  /** Keep a definition the web made: on disk before it takes effect; a failed write is a 507 and changes nothing. */
  private keep(name: string, formals: string, body: string, user: string): void {
    try {
      this.node.interp.define(name, formals, body, { user });
    } catch (e) {
      throw new HttpError(507, (e instanceof JmlError ? e.message : 'cannot save ' + name) + '; nothing was changed');
    }
  }

  private route(v: Visit, req: HttpRequest): Promise<HttpResponse> | HttpResponse {
    const m = req.method === 'HEAD' ? 'GET' : req.method;
    if (req.body.length > this.maxBodyFor(req.url, req.headers)) throw new HttpError(413, 'the body is too large' + (v.owner ? '' : ` (a visitor may send at most ${VISITOR_BODY} bytes)`));
    const url = req.url.replace(/^https?:\/\/[^/]*/i, '');
    if (!/^\/[\x21-\x7e]*$/.test(url)) throw bad('bad request target');
    const q = url.indexOf('?');
    const query = parseForm(q < 0 ? '' : url.slice(q + 1));
    const seg = (q < 0 ? url : url.slice(0, q)).slice(1).split('/').map(pct);
    const [top, a] = seg;
    const n = seg.length;
    const allow = (methods: string, ok = true) => {
      if (!ok) throw new HttpError(404, 'not found: ' + seg.join('/'));
      if (methods.split(', ').indexOf(m) < 0) throw new HttpError(405, req.method + ' is not allowed here', { Allow: methods });
    };
    const id = (s: string) => {
      if (!ID.test(s)) throw bad('a page ID is 1 to 64 letters, digits, _ or -');
      return s;
    };
    const post = () => parseForm(utf8(req.body));
    switch (top) {
      case '':
        allow(GET, n === 1);
        return this.node.interp.macros.has('page-Home') ? this.wiki(v, 'Home') : this.welcome(v);
      case 'wiki':
        allow(GET, n === 2);
        return this.wiki(v, id(a));
      case 'edit':
        allow(BOTH, n === 2);
        return this.edit(v, id(a), m === 'POST' ? post() : null);
      case 'history':
        allow(GET, n === 2 || n === 3);
        return this.history(v, id(a), seg[2]);
      case 'list':
        allow(GET, n === 1);
        return this.list(v);
      case 'api':
        allow(GET, n === 1);
        return this.api(v);
      case 'help':
        allow(GET, n === 1);
        return this.help(v);
      case 'func':
        allow(BOTH, n > 1 || m === 'POST');
        return this.func(v, seg.slice(1).join('/'), m === 'POST' ? post() : null);
      case 'login':
        allow(BOTH, n === 1);
        return this.login(v, req, m === 'POST' ? post() : null);
      case 'logout':
        allow(BOTH, n === 1);
        this.sessions.close(this.sessions.find(req.headers.cookie));
        return redirect('/', { 'Set-Cookie': this.sessions.cookie('') });
      case 'run':
        allow(BOTH, n === 1);
        return this.run(v, req, m === 'POST');
      case 'upgrade':
        allow('POST', n === 1);
        return this.upgrade(utf8(req.body));
      case 'id':
        allow(GET, n === 1);
        return text(200, idText(this.messenger().identity()));
      case 'peers':
        allow(GET, n === 1);
        return text(200, peersText(this.messenger()));
      case 'msg': {
        allow('POST', n === 1);
        const r = this.messenger().receive(utf8(req.body));
        const res = text(r.status, r.body + '\n');
        if (r.retryAfterMs) Object.assign(res.headers, retryAfter(r.retryAfterMs));
        return res;
      }
      case 'messages':
        allow(GET, n === 1);
        return this.messages(v);
      case 'chord': {
        allow('POST', n === 1);
        const r = this.ring().receive(utf8(req.body));
        return { status: r.status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: r.body };
      }
      case 'route':
        allow(GET, n === 2);
        return this.ring().route(a).then(
          (r) => text(200, r.id + '\n' + r.url + '\n'),
          (e: Error) => text(/not hex|hex digits/.test(e.message) ? 400 : 503, e.message + '\n'),
        );
      case 'ring':
        allow(GET, n === 1);
        if (!v.owner) throw new HttpError(403, "only the owner can see the node's ring table");
        return this.ring().tableWithLiveness().then((t) => this.page(v, 200, 'Ring', '<pre>' + esc(t) + '</pre>'));
      case 'sensors':
      case 'sensors.json':
        allow(top === 'sensors' ? BOTH : GET, n === 1);
        return this.sensors(v, req, top === 'sensors.json', m === 'POST' ? post() : null);
      case 'ipfs':
        allow(GET);
        if (!this.opts.mimei) return refusal(404, 'this node keeps no blocks (no Mimei store)');
        return ipfsGateway(this.opts.mimei.blocks, seg, query, req.headers, this.opts.gatewayLimits || GATEWAY_LIMITS);
      case 'mm':
        allow(GET);
        if (!this.opts.mimei) return refusal(404, 'this node holds no Mimei (no Mimei store)');
        return mimeiResource(this.opts.mimei, seg, req.headers, this.opts.gatewayLimits || GATEWAY_LIMITS);
      case 'favicon.ico': // pages carry their icon inline; a browser that asks anyway gets nothing
        return { status: 204, headers: {}, body: '' };
    }
    // A public macro or a pure builtin; a .txt suffix on the last segment asks for plain text.
    const last = seg[n - 1];
    if (last.endsWith('.txt')) {
      seg[n - 1] = last.slice(0, -4);
      v.plain = true;
    }
    const d = this.node.interp.macros.get('/' + seg[0]);
    const f = !d && PURE.has(seg[0]) ? BUILTINS.get(seg[0]) : undefined;
    allow(BOTH, !!(d || f));
    const fields = m === 'POST' ? post() : query;
    return d ? this.call(v, d, seg.slice(1), fields) : this.builtin(v, seg[0], f!, n > 1 ? seg.slice(1) : [...fields.values()]);
  }

  private exists = (id: string) => this.node.interp.macros.has('page-' + id);

  /** A page's output in the wiki markup, evaluated with what the visit may do (caps: less, for a preview). */
  private async render(v: Visit, line: string, caps?: Capabilities): Promise<string> {
    return '<article>' + markup(await this.eval(v, line, caps), this.exists) + '</article>';
  }

  /** What a fresh node shows at / until the owner writes a home page. */
  private welcome(v: Visit): HttpResponse {
    const where = this.opts.keyFile ? `in <code>${esc(this.opts.keyFile)}</code> on the node's machine (<code>./run key</code> prints it)` : 'printed by <code>./run key</code>';
    return this.page(v, 200, 'Welcome',
      '<p>This is a Magni node: a small computer that keeps its pages and functions in JML, a language of text substitution.</p>' +
      (v.owner
        ? `<p>You are its owner. ${link('/edit/Home', 'Write the home page')}, define functions on ${link('/help', 'Help')}, or ${link('/run', 'run a program')}.</p>`
        : `<p>Anyone may read its pages and call its public functions (${link('/api', 'API')}). Its owner ${link('/login', 'logs in')} with the node's key, which is ${where}.</p>`) +
      `<p>${link('/help', 'Help')} lists the builtins with examples; ${link('/list', 'Pages')} lists the pages.</p>`);
  }

  private async wiki(v: Visit, id: string): Promise<HttpResponse> {
    const mayEdit = v.owner || !!this.opts.publicWiki;
    if (!this.exists(id))
      return this.page(v, 404, id, `<p>There is no page ${esc(id)} yet.</p>` + (mayEdit ? `<p>${link('/edit/' + id, 'Create it')}</p>` : ''));
    return this.page(v, 200, id, (await this.render(v, '[page-' + id + ']')) +
      `<p>${mayEdit ? link('/edit/' + id, 'Edit') + ' · ' : ''}${link('/history/' + id, 'History')}</p>`);
  }

  private async edit(v: Visit, id: string, post: Map<string, string> | null): Promise<HttpResponse> {
    const name = 'page-' + id;
    const d = this.node.interp.macros.get(name);
    const may = v.owner || !!this.opts.publicWiki;
    let src = d ? editable(d.body) : '';
    let preview = '';
    if (post) {
      src = lines(post.get('text') || '');
      // A visitor's page is inert text: its brackets never become calls.
      const body = v.owner ? pageSource(src) : inert(pageSource(src));
      if (!storable(name, '', body)) throw bad('a page cannot hold [macro or [/macro');
      if (post.get('action') === 'save') {
        if (!may) throw new HttpError(403, 'only the owner can save pages');
        if (!v.owner) this.checkPublicSave(v, body);
        this.keep(name, '', body, v.owner ? 'owner' : 'public');
        return redirect('/wiki/' + id);
      }
      // A preview shows the page without effects: its definitions last for the preview only.
      preview = '<h2>Preview</h2>' + (await this.render(v, body, v.owner ? PREVIEW : VISITOR));
    }
    return this.page(v, 200, 'Edit ' + id, preview +
      form('/edit/' + id, field('Text', 'text', src, true), may ? [['preview', 'Preview'], ['save', 'Save']] : [['preview', 'Preview']]) +
      (may ? '' : `<p>Saving needs the owner: ${link('/login', 'log in')}.</p>`));
  }

  /**
   * GET /sensors: the readings as tele/NAME/SENSOR's JSON, or a page when a
   * browser asks (Accept: text/html); /sensors.json is always JSON. POST
   * switches an output (the owner only: output=NAME, value=ON|OFF).
   */
  private async sensors(v: Visit, req: HttpRequest, json: boolean, post: Map<string, string> | null): Promise<HttpResponse> {
    const s = this.opts.sensors;
    if (!s) throw new HttpError(404, 'this node reads no sensors (start it with --sensors, --simulate or --mqtt)');
    if (post) {
      if (!v.owner) throw new HttpError(403, 'only the owner can switch outputs');
      const value = post.get('value');
      if (value !== 'ON' && value !== 'OFF') throw bad('value is ON or OFF');
      try {
        await s.setOutput(post.get('output') || '', value === 'ON' ? 1 : 0);
      } catch (e) {
        throw bad((e as Error).message);
      }
      return redirect('/sensors');
    }
    const html = !json && !v.plain && /text\/html/i.test(req.headers.accept || '');
    if (!html) return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body: (await s.payload()) + '\n' };
    return this.page(v, 200, 'Sensors', sensorsBody(s.list(), await s.current(), v.owner), { Refresh: String(REFRESH_S) });
  }

  /** A public wiki has room for visitors, not for a flood: page size, saves per minute, bytes in all. */
  private checkPublicSave(v: Visit, body: string): void {
    const size = utf8Length(body);
    const maxPage = this.opts.publicPageBytes || 64 * 1024;
    if (size > maxPage) throw new HttpError(413, `a page a visitor saves may hold at most ${maxPage} bytes (this one: ${size})`);
    let kept = 0;
    for (const vs of this.node.versions.values()) for (const x of vs) if (x.user === 'public') kept += x.bytes;
    const maxAll = this.opts.publicBytes || 4 << 20;
    if (kept + size > maxAll) throw new HttpError(507, `the public wiki is full (${kept} of ${maxAll} bytes); the owner may save pages`);
    const wait = this.publicSaves.take(v.client);
    if (wait) throw new HttpError(429, `too many saves; try again in ${Math.ceil(wait / 1000)} s`, retryAfter(wait));
  }

  private list(v: Visit): HttpResponse {
    const ids = [...this.node.interp.macros.keys()].filter((k) => k.startsWith('page-') && ID.test(k.slice(5))).map((k) => k.slice(5)).sort();
    const recent = [...this.node.versions.entries()]
      .flatMap(([name, vs]) => vs.map((x, i) => ({ id: name.slice(5), n: i + 1, ...x })))
      .sort((x, y) => y.pos - x.pos)
      .slice(0, 10);
    return this.page(v, 200, 'Pages', (ids.length ? '<ul>' + ids.map((i) => `<li>${link('/wiki/' + i, i)}</li>`).join('') + '</ul>' : '<p>No pages yet.</p>') +
      (recent.length ? '<h2>Recent changes</h2><ul>' + recent.map((r) =>
        `<li>${pageLink(r.id, this.exists(r.id))} ${link(`/history/${r.id}/${r.n}`, when(r.at))} ${esc(r.user)}</li>`).join('') + '</ul>' : ''));
  }

  private async history(v: Visit, id: string, nth?: string): Promise<HttpResponse> {
    const all = versions(this.node, 'page-' + id);
    if (nth === undefined) {
      if (!all.length) throw new HttpError(404, 'page ' + id + ' has no saved versions');
      return this.page(v, 200, 'History of ' + id, '<ol reversed>' + all.map((d, i) =>
        `<li>${link(`/history/${id}/${i + 1}`, when(d.at))} ${esc(d.user || '')}</li>`).reverse().join('') + '</ol>');
    }
    const version = /^\d{1,9}$/.test(nth) ? all[+nth - 1] : undefined;
    const d = version && readVersion(this.node, 'page-' + id, version);
    if (!d) throw new HttpError(404, 'page ' + id + ' has no version ' + nth);
    return this.page(v, 200, `${id}, version ${nth}`, `<p>Saved ${esc(d.time || '?')} by ${esc(d.user || '?')}.</p>` + (await this.render(v, d.body)) +
      '<h2>Source</h2><pre>' + esc(editable(d.body)) + '</pre>');
  }

  private ring(): RingService {
    if (!this.opts.ring) throw new HttpError(404, 'this node is not on a ring');
    return this.opts.ring;
  }

  private messenger(): Messenger {
    if (!this.opts.messenger) throw new HttpError(404, 'this node does not take part in messaging');
    return this.opts.messenger;
  }

  /** The owner's view of messages: what waits and what happened lately, in and out. */
  private messages(v: Visit): HttpResponse {
    if (!v.owner) throw new HttpError(403, "only the owner can see the node's messages");
    const m = this.messenger();
    const block = (title: string, rows: string) => `<h2>${title}</h2>` + (rows ? '<pre>' + esc(rows) + '</pre>' : '<p>None.</p>');
    return this.page(v, 200, 'Messages', `<p>This node is <code>${esc(m.identity().shortId)}</code>.</p>` +
      block('Inbox', inboxText(m)) + block('Outbox', outboxText(m)) + block('Peers', peersText(m)));
  }

  private api(v: Visit): HttpResponse {
    let out = '';
    for (const d of this.node.interp.macros.values()) {
      if (d.name[0] !== '/') continue;
      const inputs = names(d.formals).map((f) => (f.length > 1 && (f[0] === '$' || f[0] === '@') ? field(f, f.slice(1), '', f[0] === '@') : ''));
      out += `<section><h2>${link(funcHref(d.name), d.name)}</h2>` + form('/' + encodeURIComponent(d.name.slice(1)), inputs.join(''), [['', 'Call']]) + '</section>';
    }
    return this.page(v, 200, 'API', out || '<p>No public functions yet: a macro whose name starts with / is one.</p>');
  }

  /** Call a public macro: every value inert, each `$` value (and a path segment) one word. */
  private async call(v: Visit, d: MacroDef, path: string[], fields: Map<string, string>): Promise<HttpResponse> {
    const f = names(d.formals);
    const vals = path.length ? path : f.map((x) => fields.get(x.replace(/^[$@]/, '')) || '');
    // the output is escaped as a whole; only a .html macro's output is HTML, so only there are arguments escaped first
    const html = givesHtml(d.name) && !v.plain;
    const line = '[' + d.name + vals.map((x, i) => ' ' + arg(x, html, !(i === f.length - 1 && f[i][0] === '@'))).join('') + ']';
    const out = await this.eval(v, line);
    if (v.plain) return text(200, out + '\n');
    return this.page(v, 200, d.name, '<div>' + (givesHtml(d.name) ? out : esc(out)) + `</div><p>${link('/api', 'API')}</p>`);
  }

  /** A pure builtin, called directly: its result is shown, never evaluated further. */
  private builtin(v: Visit, name: string, f: Builtin, vals: string[]): HttpResponse {
    const ctx = this.node.interp.evaluation('', { ...this.limits(v, VISITOR), maxOutput: MAX_BODY });
    let out: string;
    try {
      const r = f(vals.map((x) => arg(x, false, true)).join(' '), ctx, name);
      out = typeof r === 'string' ? unescapeOutput(r) : '%(ERROR:' + name + ' waits for I/O: not callable from here)';
    } catch (e) {
      out = '%(ERROR:' + (e as Error).message + ')';
    }
    if (v.plain) return text(200, out + '\n');
    return this.page(v, 200, name, '<pre>' + esc(out) + '</pre>');
  }

  /** What a visit may see of the user's functions: all for the owner, public ones (/NAME) for visitors. */
  private visible(v: Visit, name: string): boolean {
    return v.owner || name[0] === '/';
  }

  private help(v: Visit): HttpResponse {
    let out = '';
    for (const [group, rows] of examples())
      out += `<h2>${esc(group)}</h2><table>` + rows.map(([n, i, r]) =>
        `<tr><th>${esc(n)}</th><td><code>${esc(i)}</code></td><td>→ <code>${r[0] === '~' ? '…' : esc(r)}</code></td></tr>`).join('') + '</table>';
    const fs = [...this.node.interp.macros.values()].filter((d) => !/^(page|data|message)-/.test(d.name) && this.visible(v, d.name));
    out += `<h2>${v.owner ? 'Your functions' : 'Public functions'}</h2>` +
      (fs.length ? '<ul>' + fs.map((d) => `<li>${link(funcHref(d.name), d.name)} <code>${esc(d.formals)}</code></li>`).join('') + '</ul>' : '<p>None yet.</p>');
    if (v.owner) out += '<h2>Define a function</h2>' + form('/func', field('Name', 'name') + field('Formals', 'formals') + field('Body', 'body', '', true), [['', 'Define']]);
    return this.page(v, 200, 'Help', out);
  }

  private func(v: Visit, name: string, post: Map<string, string> | null): HttpResponse {
    if (post) {
      if (!v.owner) throw new HttpError(403, 'only the owner can define functions');
      name = name || post.get('name') || '';
      const formals = (post.get('formals') || '').trim();
      const body = lines(post.get('body') || '');
      if (!name || !storable(name, formals, body)) throw bad('not a storable definition: check the name (no spaces or brackets), formals and body');
      this.keep(name, formals, body, 'owner');
      return redirect(funcHref(name));
    }
    const d = this.visible(v, name) ? this.node.interp.macros.get(name) : undefined;
    const edit = v.owner ? '<h2>Edit</h2>' + form(funcHref(name), field('Formals', 'formals', d ? d.formals : '') + field('Body', 'body', d ? editable(d.body) : '', true), [['', 'Define']]) : '';
    if (!d) return this.page(v, 404, name, `<p>There is no ${v.owner ? '' : 'public '}function ${esc(name)}.</p>` + edit);
    return this.page(v, 200, name, `<p>Formals: <code>${esc(d.formals) || '(none)'}</code>; defined ${esc(d.time)} by ${esc(d.user)}.</p><pre>${esc(editable(d.body))}</pre>` + edit);
  }

  private login(v: Visit, req: HttpRequest, post: Map<string, string> | null): HttpResponse {
    if (post) {
      if (!sameOrigin(req.headers)) throw new HttpError(403, 'a login from another site');
      // Failures are limited per client and in all: a key is not guessed at thousands a second.
      const blocked = this.loginFailures.waiting(v.client);
      if (blocked) throw new HttpError(429, `too many failed logins; try again in ${Math.ceil(blocked / 1000)} s`, retryAfter(blocked));
      if (!sameKey(post.get('key') || '', this.opts.key)) {
        this.loginFailures.take(v.client);
        throw new HttpError(403, 'wrong key');
      }
      return redirect('/', { 'Set-Cookie': this.sessions.cookie(this.sessions.open()) });
    }
    const where = this.opts.keyFile ? `The key is in <code>${esc(this.opts.keyFile)}</code> on the node's machine; <code>./run key</code> prints it.` : '<code>./run key</code> prints the key.';
    return this.page(v, 200, 'Log in', `<p>${where}</p>` +
      form('/login', '<label>Key<input name="key" type="password" autocomplete="current-password"></label>', [['', 'Log in']]));
  }

  /** Owner: evaluate a program line by line; a form gets a page, a raw body plain text. */
  private async run(v: Visit, req: HttpRequest, isPost: boolean): Promise<HttpResponse> {
    if (!v.owner) throw new HttpError(403, 'only the owner can run programs');
    const isForm = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] || '');
    const src = isPost ? (isForm ? parseForm(utf8(req.body)).get('text') || '' : utf8(req.body)) : '';
    const out: string[] = [];
    if (isPost) for (const l of lines(src).split('\n')) out.push(await this.eval(v, l));
    if (isPost && !isForm) return text(200, out.join('\n'));
    return this.page(v, 200, 'Run a program', (isPost ? '<h2>Output</h2><pre>' + esc(out.join('\n')) + '</pre>' : '') + form('/run', field('Program', 'text', src, true), [['', 'Run']]));
  }

  /**
   * A sealed upgrade (`./run upgrade`): refused unless sealed with this
   * node's key and newer than every upgrade it ran. Answers what it did:
   * the definitions made, the output, the errors.
   */
  private async upgrade(body: string): Promise<HttpResponse> {
    if (!/^\s*\{?[0-9A-Fa-f]+\}?\s*$/.test(body)) throw bad('the body must be a sealed upgrade, {HEX}: ./run upgrade < program.jml makes one');
    const sealed = openUpgrade(body, this.opts.key);
    if (!sealed) throw new HttpError(403, "not an upgrade sealed with this node's key (make one with: ./run upgrade < program.jml)");
    const last = Number(this.node.interp.macros.get('data-upgrade-counter')?.body || 0);
    if (sealed.counter <= last) throw new HttpError(403, `an old upgrade (sealed at ${sealed.counter}; this node has run one sealed at ${last}): refused`);
    this.keep('data-upgrade-counter', '', String(sealed.counter), 'owner');
    const owner: Visit = { owner: true, caps: OWNER, user: 'owner', client: 'upgrade', plain: true };
    const since = Math.max(0, ...[...this.node.interp.macros.values()].map((d) => d.pos));
    const report: string[] = [];
    let failed = false;
    for (const l of lines(sealed.program).split('\n')) {
      const r = await this.node.evalLine(l, { ...this.limits(owner), maxTime: UPGRADE_MS });
      if (r.output) report.push(r.output);
      if (r.errors.length) failed = true;
    }
    const made = [...this.node.interp.macros.values()].filter((d) => d.pos > since && d.name !== 'data-upgrade-counter').map((d) => 'defined ' + d.name);
    return text(failed ? 422 : 200, [...made, ...report].join('\n') + '\n');
  }
}
