// The web node: one plain request in, one response out (DESIGN.md: the
// router knows nothing of node:http or Bun.serve). Visitors read pages and
// call public macros (`/NAME`) and pure builtins with inert arguments; only
// the owner (session or encrypted upgrade) changes anything.
import type { HttpRequest, HttpResponse } from '../http.ts';
import type { MagniNode } from '../magni.ts';
import type { MacroDef } from '../../jml/macro.ts';
import { BUILTINS, type Builtin } from '../../jml/builtins.ts';
import { type Capabilities, OWNER, PREVIEW, VISITOR } from '../../jml/capabilities.ts';
import type { EvalOptions } from '../../jml/evaluation.ts';
import { EXAMPLES } from '../../jml/help.ts';
import { unescapeOutput } from '../../jml/text.ts';
import { esc, field, form, HttpError, link, page, redirect, text } from './html.ts';
import { arg, bad, editable, inert, lines, parseForm, pct, storable, utf8 } from './forms.ts';
import { COOKIE, decryptStrict, sameKey, sameOrigin, Sessions } from './auth.ts';
import { ID, markup } from './wiki.ts';
import { versions } from './history.ts';

export const MAX_BODY = 1 << 20;

export interface WebOptions {
  /** The node's XXTEA key: 16 letters or digits. */
  key: string;
  /** Anyone may save wiki pages (as inert text, never code). */
  publicWiki?: boolean;
  /** Largest request body in bytes (default MAX_BODY). */
  maxBody?: number;
  /** Substitutions per evaluated line of a request (default 200,000). */
  maxSteps?: number;
  /** Milliseconds per evaluated line of a request (default 1,000). */
  maxTime?: number;
}

/** Who is asking: the owner (a live session from this site) or a visitor, and what their evaluations may do. */
interface Visit {
  owner: boolean;
  caps: Capabilities;
  user: string;
}

// Builtins a visitor may call by path: no side effects, and none returns a
// call to a function named in its arguments (map, filter, reduce, ... do).
const PURE = new Set(('+ * - / % inc dec > < >= <= = != iota fac and or xor not if empty has is number alpha equal cmp gt lt gte lte ' +
  'big small biggest smallest max min lower upper length bytes ignore identity nth first second third rest after before prefix ' +
  'split substr concat join xml decode content-hash encrypt uuid time').split(' '));
const GET = 'GET, HEAD';
const BOTH = 'GET, HEAD, POST';
const TITLE: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 413: 'Payload too large' };
const funcHref = (name: string) => '/func/' + encodeURIComponent(name);
const names = (formals: string) => formals.split(' ').filter(Boolean);
const cookie = (v: string) => `${COOKIE}=${v}; HttpOnly; SameSite=Strict; Path=/`;

export class WebNode {
  private sessions: Sessions;

  constructor(readonly node: MagniNode, readonly opts: WebOptions) {
    if (!/^[A-Za-z0-9]{16}$/.test(opts.key)) throw new Error('web: the key must be 16 letters or digits');
    this.sessions = new Sessions(node.host);
  }

  /** Never rejects: a problem is an error page (500 for our own bugs). Requests may overlap: each carries its own visit. */
  async handle(req: HttpRequest): Promise<HttpResponse> {
    let v: Visit = { owner: false, caps: VISITOR, user: 'web' };
    try {
      if (this.sessions.find(req.headers.cookie) && sameOrigin(req.headers)) v = { owner: true, caps: OWNER, user: 'owner' };
      return await this.route(v, req);
    } catch (e) {
      const h = e instanceof HttpError ? e : new HttpError(500, 'internal error');
      return this.page(v, h.status, TITLE[h.status] || 'Internal error', `<p>${esc(h.message)}</p>` + (h.status === 403 ? `<p>${link('/login', 'Log in')}</p>` : ''),
        h.allow ? { Allow: h.allow } : undefined);
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

  private route(v: Visit, req: HttpRequest): Promise<HttpResponse> | HttpResponse {
    const m = req.method === 'HEAD' ? 'GET' : req.method;
    if (req.body.length > (this.opts.maxBody || MAX_BODY)) throw new HttpError(413, 'the body is too large');
    const url = req.url.replace(/^https?:\/\/[^/]*/i, '');
    if (!/^\/[\x21-\x7e]*$/.test(url)) throw bad('bad request target');
    const q = url.indexOf('?');
    const query = parseForm(q < 0 ? '' : url.slice(q + 1));
    const seg = (q < 0 ? url : url.slice(0, q)).slice(1).split('/').map(pct);
    const [top, a] = seg;
    const n = seg.length;
    const allow = (methods: string, ok = true) => {
      if (!ok) throw new HttpError(404, 'not found: ' + seg.join('/'));
      if (methods.split(', ').indexOf(m) < 0) throw new HttpError(405, req.method + ' is not allowed here', methods);
    };
    const id = (s: string) => {
      if (!ID.test(s)) throw bad('a page ID is 1 to 64 letters, digits, _ or -');
      return s;
    };
    const post = () => parseForm(utf8(req.body));
    switch (top) {
      case '':
        allow(GET, n === 1);
        return this.wiki(v, 'Home');
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
        return redirect('/', { 'Set-Cookie': cookie('; Max-Age=0') });
      case 'run':
        allow(BOTH, n === 1);
        return this.run(v, req, m === 'POST');
      case 'upgrade':
        allow('POST', n === 1);
        return this.upgrade(v, utf8(req.body));
      case 'favicon.ico': // browsers ask on every visit: nothing, rather than a 404 in their console
        return { status: 204, headers: {}, body: '' };
    }
    const d = this.node.interp.macros.get('/' + top);
    const f = !d && PURE.has(top) ? BUILTINS.get(top) : undefined;
    allow(BOTH, !!(d || f));
    const fields = m === 'POST' ? post() : query;
    return d ? this.call(v, d, seg.slice(1), fields) : this.builtin(v, top, f!, n > 1 ? seg.slice(1) : [...fields.values()]);
  }

  /** A page's output in the wiki markup, evaluated with what the visit may do (caps: less, for a preview). */
  private async render(v: Visit, line: string, caps?: Capabilities): Promise<string> {
    return '<article>' + markup(await this.eval(v, line, caps)) + '</article>';
  }

  private async wiki(v: Visit, id: string): Promise<HttpResponse> {
    if (!this.node.interp.macros.has('page-' + id))
      return this.page(v, 404, id, `<p>There is no page ${esc(id)} yet.</p><p>${link('/edit/' + id, 'Create it')}</p>`);
    return this.page(v, 200, id, (await this.render(v, '[page-' + id + ']')) + `<p>${link('/edit/' + id, 'Edit')} · ${link('/history/' + id, 'History')}</p>`);
  }

  private async edit(v: Visit, id: string, post: Map<string, string> | null): Promise<HttpResponse> {
    const it = this.node.interp;
    const name = 'page-' + id;
    const d = it.macros.get(name);
    const may = v.owner || !!this.opts.publicWiki;
    let src = d ? editable(d.body) : '';
    let preview = '';
    if (post) {
      // A visitor's page is inert text: its brackets never become calls.
      src = lines(post.get('text') || '');
      if (!v.owner) src = inert(src);
      if (!storable(name, '', src)) throw bad('a page cannot hold [macro or [/macro, nor end in a lone backslash');
      if (post.get('action') === 'save') {
        if (!may) throw new HttpError(403, 'only the owner can save pages');
        it.define(name, '', src, { user: v.owner ? 'owner' : 'public' });
        return redirect('/wiki/' + id);
      }
      // A preview shows the page without effects: its definitions last for the preview only.
      preview = '<h2>Preview</h2>' + (await this.render(v, src, v.owner ? PREVIEW : VISITOR));
    }
    return this.page(v, 200, 'Edit ' + id, preview +
      form('/edit/' + id, field('Text', 'text', src, true), [['preview', 'Preview'], ['save', 'Save']]) +
      (may ? '' : `<p>Saving needs the owner: ${link('/login', 'log in')}.</p>`));
  }

  private list(v: Visit): HttpResponse {
    const ids = [...this.node.interp.macros.keys()].filter((k) => k.startsWith('page-') && ID.test(k.slice(5))).map((k) => k.slice(5)).sort();
    return this.page(v, 200, 'Pages', ids.length ? '<ul>' + ids.map((i) => `<li>${link('/wiki/' + i, i)}</li>`).join('') + '</ul>' : '<p>No pages yet.</p>');
  }

  private async history(v: Visit, id: string, nth?: string): Promise<HttpResponse> {
    const all = versions(this.node, 'page-' + id);
    if (nth === undefined) {
      if (!all.length) throw new HttpError(404, 'page ' + id + ' has no saved versions');
      return this.page(v, 200, 'History of ' + id, '<ol reversed>' + all.map((d, i) =>
        `<li>${link(`/history/${id}/${i + 1}`, d.time || '?')} ${esc(d.user || '')}</li>`).reverse().join('') + '</ol>');
    }
    const d = /^\d{1,9}$/.test(nth) ? all[+nth - 1] : undefined;
    if (!d) throw new HttpError(404, 'page ' + id + ' has no version ' + nth);
    return this.page(v, 200, `${id}, version ${nth}`, `<p>Saved ${esc(d.time || '?')} by ${esc(d.user || '?')}.</p>` + (await this.render(v, d.body)) +
      '<h2>Source</h2><pre>' + esc(editable(d.body)) + '</pre>');
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
    const line = '[' + d.name + vals.map((x, i) => ' ' + arg(x, true, !(i === f.length - 1 && f[i][0] === '@'))).join('') + ']';
    return this.page(v, 200, d.name, '<div>' + (await this.eval(v, line)) + `</div><p>${link('/api', 'API')}</p>`);
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
    return this.page(v, 200, name, '<pre>' + esc(out) + '</pre>');
  }

  private help(v: Visit): HttpResponse {
    let out = '';
    for (const [group, rows] of EXAMPLES)
      out += `<h2>${esc(group)}</h2><table>` + rows.map(([n, i, r]) =>
        `<tr><th>${esc(n)}</th><td><code>${esc(i)}</code></td><td>→ <code>${r[0] === '~' ? '…' : esc(r)}</code></td></tr>`).join('') + '</table>';
    const fs = [...this.node.interp.macros.values()].filter((d) => !/^(page|data|message)-/.test(d.name));
    out += '<h2>Your functions</h2>' + (fs.length ? '<ul>' + fs.map((d) => `<li>${link(funcHref(d.name), d.name)} <code>${esc(d.formals)}</code></li>`).join('') + '</ul>' : '<p>None yet.</p>');
    if (v.owner) out += '<h2>Define a function</h2>' + form('/func', field('Name', 'name') + field('Formals', 'formals') + field('Body', 'body', '', true), [['', 'Define']]);
    return this.page(v, 200, 'Help', out);
  }

  private func(v: Visit, name: string, post: Map<string, string> | null): HttpResponse {
    const it = this.node.interp;
    if (post) {
      if (!v.owner) throw new HttpError(403, 'only the owner can define functions');
      name = name || post.get('name') || '';
      const formals = (post.get('formals') || '').trim();
      const body = lines(post.get('body') || '');
      if (!name || !storable(name, formals, body)) throw bad('not a storable definition: check the name (no spaces or brackets), formals and body');
      it.define(name, formals, body, { user: 'owner' });
      return redirect(funcHref(name));
    }
    const d = it.macros.get(name);
    const edit = v.owner ? '<h2>Edit</h2>' + form(funcHref(name), field('Formals', 'formals', d ? d.formals : '') + field('Body', 'body', d ? editable(d.body) : '', true), [['', 'Define']]) : '';
    if (!d) return this.page(v, 404, name, `<p>There is no function ${esc(name)}.</p>` + edit);
    return this.page(v, 200, name, `<p>Formals: <code>${esc(d.formals) || '(none)'}</code>; defined ${esc(d.time)} by ${esc(d.user)}.</p><pre>${esc(editable(d.body))}</pre>` + edit);
  }

  private login(v: Visit, req: HttpRequest, post: Map<string, string> | null): HttpResponse {
    if (post) {
      if (!sameOrigin(req.headers)) throw new HttpError(403, 'a login from another site');
      if (!sameKey(post.get('key') || '', this.opts.key)) throw new HttpError(403, 'wrong key');
      return redirect('/', { 'Set-Cookie': cookie(this.sessions.open()) });
    }
    return this.page(v, 200, 'Log in', form('/login', '<label>Key<input name="key" type="password" autocomplete="current-password"></label>', [['', 'Log in']]));
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

  /** The seed's program upgrade: `{HEX}` from encrypt/KEY, run with decrypt-eval/KEY; anything else is never evaluated. */
  private async upgrade(v: Visit, body: string): Promise<HttpResponse> {
    const m = /^\s*\{?([0-9A-Fa-f]+)\}?\s*$/.exec(body);
    if (!m) throw bad('the body must be an encrypt/KEY ciphertext: {HEX}');
    if (decryptStrict(m[1], this.opts.key) === null) throw new HttpError(403, "not encrypted with this node's key");
    const owner: Visit = { owner: v.owner, caps: OWNER, user: 'owner' };
    return text(200, await this.eval(owner, '[decrypt-eval/' + this.opts.key + ' {' + m[1] + '}]'));
  }
}
