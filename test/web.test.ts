// The web node's router, driven through WebNode.handle() with an in-memory
// Host: no sockets here (the adapters' tests speak real HTTP).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MagniNode } from '../runtime/magni.ts';
import type { Host } from '../runtime/host.ts';
import type { HttpRequest, HttpResponse } from '../runtime/http.ts';
import { WebNode, MAX_BODY, markup, type WebOptions } from '../runtime/web/index.ts';
import { encryptText } from '../jml/crypto.ts';
import { utf8Encode } from '../jml/utf8.ts';

const KEY = 'Abcdefgh12345678';
const STATE = 'web.state';

interface MemHost extends Host {
  files: Map<string, string>;
  logs: string[];
  tick(ms: number): void;
}

function memHost(files = new Map<string, string>()): MemHost {
  let t = Date.UTC(2024, 0, 2, 3, 4, 5);
  let seed = 7;
  const logs: string[] = [];
  return {
    files,
    logs,
    tick: (ms) => (t += ms),
    now: () => t,
    randomBytes: (n) => Uint8Array.from({ length: n }, () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24),
    log: (l) => logs.push(l),
    readText: (p) => (files.has(p) ? (files.get(p) as string) : null),
    appendText: (p, s) => void files.set(p, (files.get(p) || '') + s),
  };
}

function setup(opts: Partial<WebOptions> = {}, host = memHost()) {
  const node = new MagniNode(host, { stateFiles: [STATE], quiet: true });
  node.load();
  const web = new WebNode(node, { key: KEY, ...opts });
  return { host, node, web, ...client(web) };
}

function client(web: WebNode) {
  const req = (method: string, url: string, body: string | Uint8Array = '', headers: Record<string, string> = {}): Promise<HttpResponse> =>
    web.handle({ method, url, headers: { host: 'node.test', ...headers }, body: typeof body === 'string' ? utf8Encode(body) : body });
  const get = (url: string, headers?: Record<string, string>) => req('GET', url, '', headers);
  const post = (url: string, fields: Record<string, string> | string, headers: Record<string, string> = {}) =>
    req('POST', url, typeof fields === 'string' ? fields : formBody(fields), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  /** Log in; the Cookie header of the session. */
  const login = async () => {
    const r = await post('/login', { key: KEY });
    assert.is(r.status, 303);
    return { cookie: (r.headers['Set-Cookie'] as string).split(';')[0] };
  };
  return { req, get, post, login };
}

const formBody = (f: Record<string, string>) => Object.keys(f).map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(f[k])).join('&');
const HTML = 'text/html; charset=utf-8';
const isPage = (r: HttpResponse, status: number) => {
  assert.is(r.status, status, r.body.slice(0, 400));
  assert.is(r.headers['Content-Type'], HTML);
  assert.ok(r.body.startsWith('<!DOCTYPE html>'));
  assert.match(r.body, '<meta name="viewport" content="width=device-width,initial-scale=1">');
  assert.not.match(r.body, /<script|<link|src=/i, 'self-contained, no scripts');
};

const has = (r: HttpResponse, ...parts: string[]) => {
  for (const part of parts) assert.ok(r.body.includes(part), `expected ${JSON.stringify(part)} in:\n${r.body.slice(0, 1500)}`);
};
const lacks = (r: HttpResponse, ...parts: string[]) => {
  for (const part of parts) assert.not.ok(r.body.includes(part), `unexpected ${JSON.stringify(part)} in:\n${r.body.slice(0, 1500)}`);
};

test('every route answers with its status and an HTML page', async () => {
  const { get, post, req, login } = setup();
  const visitor: [string, number][] = [
    ['/', 404], ['/wiki/Home', 404], ['/edit/Home', 200], ['/list', 200], ['/history/Home', 404], ['/api', 200], ['/help', 200],
    ['/func/nope', 404], ['/login', 200], ['/nope', 404], ['/nope/a/b', 404], ['/wiki/a/b', 404], ['/wiki', 404], ['/run', 403],
    ['/+/1/2', 200], ['/wiki/bad.id', 400],
  ];
  for (const [url, status] of visitor) isPage(await get(url), status);
  assert.is((await get('/favicon.ico')).status, 204);
  const owner = await login();
  const saved = await post('/edit/Home', { text: 'hi', action: 'save' }, owner);
  assert.is(saved.status, 303);
  assert.is(saved.headers.Location, '/wiki/Home');
  for (const [url, status] of [['/', 200], ['/wiki/Home', 200], ['/history/Home', 200], ['/history/Home/1', 200], ['/history/Home/2', 404], ['/run', 200]] as const)
    isPage(await get(url, owner), status);
  const head = await req('HEAD', '/wiki/Home');
  assert.is(head.status, 200, 'HEAD is answered like GET (the adapter drops the body)');
  assert.is(head.headers['Content-Type'], HTML);
  const up = await req('POST', '/upgrade', '{' + encryptText('[+ 1 2]', KEY).slice(1));
  assert.is(up.status, 200);
  assert.is(up.headers['Content-Type'], 'text/plain; charset=utf-8');
  assert.is(up.body, '3');
});

test('wiki markup: headings, bold, italic, links, lists, paragraphs', async () => {
  assert.is(markup('=Title='), '<h1>Title</h1>');
  assert.is(markup('==Two==\n===Three===\n====Four===='), '<h2>Two</h2><h3>Three</h3><h4>Four</h4>');
  assert.is(markup('a __bold__ and //italic// {{Other_page-2}}'), '<p>a <b>bold</b> and <i>italic</i> <a href="/wiki/Other_page-2">Other_page-2</a></p>');
  assert.is(markup('one\ntwo\n\nthree'), '<p>one\ntwo</p><p>three</p>');
  assert.is(markup('intro\n- a\n-b\n\nend'), '<p>intro</p><ul><li>a</li><li>b</li></ul><p>end</p>');
  assert.is(markup('__//both//__'), '<p><b><i>both</i></b></p>');
  assert.is(markup('see http://example.org/x'), '<p>see http://example.org/x</p>', 'a URL is not italic');
  assert.is(markup('{{my__page__x}}'), '<p><a href="/wiki/my__page__x">my__page__x</a></p>', 'a link is not rewritten by bold');
  assert.is(markup('{{no spaces}}'), '<p>{{no spaces}}</p>');
  assert.is(markup('<b>&"\'</b>'), '<p>&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p>', 'HTML is escaped before markup');
  assert.is(markup('=<i>='), '<h1>&lt;i&gt;</h1>');
  assert.is(markup('x = y = z'), '<p>x = y = z</p>');
  assert.is(markup(''), '');
});

test('a page is computed by JML, then marked up', async () => {
  const { get, post, login } = setup();
  const owner = await login();
  const text = '=Sums=\r\nThe sum is __[+ 1 2 3]__.\r\n\r\n- [upper one]\r\n- two\r\nSee {{Other}} & <tags>';
  assert.is((await post('/edit/Sums', { text, action: 'save' }, owner)).status, 303);
  const r = await get('/wiki/Sums');
  isPage(r, 200);
  has(r, '<h1>Sums</h1>', '<p>The sum is <b>6</b>.</p>', '<ul><li>ONE</li><li>two</li></ul>', '<a href="/wiki/Other">Other</a> &amp; &lt;tags&gt;');
  has(await get('/edit/Sums'), '=Sums=\nThe sum is __[+ 1 2 3]__.\n\n- [upper one]'); // the source, with newlines, in the editor
});

test('a missing page is a 404 that offers to create it', async () => {
  const { get } = setup();
  const r = await get('/wiki/Nothing_here');
  isPage(r, 404);
  has(r, 'Nothing_here', '<a href="/edit/Nothing_here">');
  has(await get('/'), '<a href="/edit/Home">');
});

test('login: wrong key 403, right key a session cookie (HttpOnly, SameSite=Strict), logout and expiry end it', async () => {
  const { host, get, post, login } = setup();
  isPage(await post('/login', { key: 'wrong' }), 403);
  assert.is((await post('/login', { key: 'wrong' })).headers['Set-Cookie'], undefined);
  const r = await post('/login', { key: KEY });
  assert.is(r.status, 303);
  assert.is(r.headers.Location, '/');
  assert.match(r.headers['Set-Cookie'], /^magni_session=[0-9a-f]{32}; HttpOnly; SameSite=Strict; Path=\/$/);
  const owner = { cookie: r.headers['Set-Cookie'].split(';')[0] };
  has(await get('/help', owner), 'href="/logout"', 'Define a function');
  has(await get('/help'), 'href="/login"');
  lacks(await get('/help'), 'Define a function');
  const out = await get('/logout', owner);
  assert.is(out.status, 303);
  assert.match(out.headers['Set-Cookie'], /^magni_session=; Max-Age=0/);
  isPage(await get('/run', owner), 403);
  const again = await login();
  isPage(await get('/run', again), 200);
  host.tick(12 * 3600 * 1000 + 1);
  isPage(await get('/run', again), 403);
  isPage(await post('/login', { key: KEY }, { origin: 'http://evil.test' }), 403);
  assert.is((await post('/login', { key: KEY }, { origin: 'http://node.test' })).status, 303);
});

test('saving needs the owner; preview never saves; a saved page is visible', async () => {
  const { host, node, get, post, login } = setup();
  const denied = await post('/edit/Note', { text: 'hello', action: 'save' });
  isPage(denied, 403);
  has(denied, 'href="/login"');
  assert.not.ok(node.interp.macros.has('page-Note'));
  assert.is(host.files.get(STATE), undefined);
  const owner = await login();
  const pre = await post('/edit/Note', { text: '__[* 6 7]__', action: 'preview' }, owner);
  isPage(pre, 200);
  has(pre, '<b>42</b>', '__[* 6 7]__</textarea>');
  assert.not.ok(node.interp.macros.has('page-Note'));
  has(await post('/edit/Note', { text: 'x', action: 'preview' }), 'log in'); // a visitor may preview
  assert.is((await post('/edit/Note', { text: 'hello', action: 'save' }, { ...owner, origin: 'http://evil.test' })).status, 403, 'cross-site POST');
  assert.is((await post('/edit/Note', { text: 'hello', action: 'save' }, { ...owner, origin: 'http://node.test' })).status, 303);
  has(await get('/wiki/Note'), '<p>hello</p>');
  has(await get('/list'), '<a href="/wiki/Note">Note</a>');
  assert.match(host.files.get(STATE) as string, /^\[macro page-Note\]hello\[\/macro 1 2024-01-02T03:04:05Z owner\]\n$/);
  isPage(await post('/edit/Note', { text: 'a [macro x]y[/macro]', action: 'save' }, owner), 400);
  isPage(await post('/edit/Note', { text: 'a [/macro] b', action: 'save' }, owner), 400);
});

test('a saved page survives a fresh node over the same files, with its history', async () => {
  const first = setup();
  const owner = await first.login();
  await first.post('/edit/Diary', { text: 'version one', action: 'save' }, owner);
  first.host.tick(60_000);
  await first.post('/edit/Diary', { text: '=Two=\nversion [+ 1 1]', action: 'save' }, owner);
  // a new node replays the state log: nothing lives only in memory
  const host = memHost(first.host.files);
  host.tick(3_600_000);
  const { get } = setup({}, host);
  const page = await get('/wiki/Diary');
  isPage(page, 200);
  has(page, '<h1>Two</h1>', 'version 2');
  const h = await get('/history/Diary');
  isPage(h, 200);
  has(h, '2024-01-02T03:04:05Z', '2024-01-02T03:05:05Z', 'href="/history/Diary/1"', 'href="/history/Diary/2"');
  assert.ok(h.body.indexOf('/history/Diary/2') < h.body.indexOf('/history/Diary/1'), 'newest first');
  const v1 = await get('/history/Diary/1');
  has(v1, '<p>version one</p>', '<pre>version one</pre>');
  has(await get('/history/Diary/2'), '<pre>=Two=\nversion [+ 1 1]</pre>', 'version 2');
  isPage(await get('/history/Diary/3'), 404);
  isPage(await get('/history/Diary/x'), 404);
  isPage(await get('/history/No_such'), 404);
});

async function withApi() {
  const s = setup();
  const owner = { user: 'owner' };
  await s.node.evalLine('[macro /greet $name @msg]<b>Hello $name</b>: @msg![/macro]', owner);
  await s.node.evalLine('[macro /add $a $b][+ $a $b][/macro]', owner);
  await s.node.evalLine('[macro /calc @expr][eval/+/*/data @expr][/macro]', owner);
  await s.node.evalLine('[macro /pair $a $b]<$a|$b>[/macro]', owner);
  await s.node.evalLine('[macro secret]s3cr3t[/macro]', owner);
  return s;
}

test('/api: a form per public macro, $x a text input and @x a textarea', async () => {
  const { get } = await withApi();
  const r = await get('/api');
  isPage(r, 200);
  has(r, '<form method="post" action="/greet">', '<input name="name" value="">', '<textarea name="msg">', 'action="/add"', '<input name="a"', '<input name="b"');
  lacks(r, 'secret');
  has(await get('/func/%2Fgreet'), '&lt;b&gt;Hello $name&lt;/b&gt;: @msg!', '$name @msg');
});

test('a public macro is called by path, by query and by form; the result is shown in the layout', async () => {
  const { get, post } = await withApi();
  const byPath = await get('/greet/Ann%20Lee/nice%20day');
  isPage(byPath, 200);
  has(byPath, '<b>Hello Ann Lee</b>: nice day!');
  has(await get('/greet?msg=hi%20there&name=Bo'), '<b>Hello Bo</b>: hi there!');
  has(await get('/greet?name=Bo+Bo'), '<b>Hello Bo Bo</b>: !');
  has(await post('/greet', { name: 'Cy', msg: 'from a form' }), '<b>Hello Cy</b>: from a form!');
  has(await get('/add/2/40'), '<div>42</div>');
  has(await get('/add?b=1&a=2'), '<div>3</div>');
  has(await get('/pair/x%20y/z'), '<x y|z>'); // a $ value with a space stays one argument; the owner's HTML is HTML
  isPage(await get('/secret'), 404);
  isPage(await get('/nothing/1'), 404);
  isPage(await get('/greet?name=%ZZ'), 400);
  assert.is((await get('/greet', {})).status, 200);
});

test('pure builtins may be called by path; data, definitions, wget, eval and decrypt-eval may not', async () => {
  const { node, host, get } = setup();
  has(await get('/+/1/2/3'), '<pre>6</pre>');
  has(await get('/upper/%C3%A5bc'), '<pre>ÅBC</pre>');
  has(await get('/upper?x=%5Bdata%20x%20y%5D'), '<pre>[DATA X Y]</pre>');
  has(await get('/decode/%253Cscript%253E'), '<pre>&lt;script&gt;</pre>'); // output is escaped
  has(await get('/iota/1/1000000000'), '%(ERROR:');
  for (const url of ['/data/x/y', '/message/a/b/c', '/macro/x', '/wget/http%3A%2F%2Fx', '/eval%2Fdata/%7Bdata%20x%20y%7D', '/eval/data/x',
    '/decrypt-eval/%7B5A12D9A879F8A477%7D', '/decrypt/%7B39CE0CD92EEBACC8%7D', '/map/data/x', '/reduce/data/x/y', '/filter-do/data/data/x',
    '/split-do/data/,/x', '/match-do/data/(x)/x', '/subst-do/data/(x)/x', '/funcs', '/fbody/page-x', '/FAIL/x'])
    isPage(await get(url), 404);
  assert.is(node.interp.macros.size, 0);
  assert.is(host.files.get(STATE), undefined);
});

test('injection attempts through path, query, form fields, headers and cookies define nothing and come back escaped', async () => {
  const { node, host, get, post, req } = await withApi();
  const before = node.interp.macros.size;
  const state = host.files.get(STATE);
  const attacks = ['[data x y]', '{data x y}', '[macro evil]x[/macro]', '<script>alert(1)</script>', '\\[data x y\\]', '\\', '{eval/data {data x y}}', "'\"&"];
  for (const a of attacks) {
    const e = encodeURIComponent(a);
    const rs = [
      await get('/greet/' + e + '/' + e), await get('/greet?name=' + e + '&msg=' + e), await post('/greet', { name: a, msg: a }),
      await get('/calc/' + e), await post('/calc', { expr: a }), await get('/pair/' + e + '/' + e), await get('/upper/' + e), await get('/wiki/Home?x=' + e),
      await get('/' + e), await get('/wiki/' + e), await get('/func/' + e), await get('/history/' + e), await post('/edit/Home', { text: a, action: 'save' }),
      await post('/edit/Home', { text: a, action: 'preview' }), await post('/func/' + e, { formals: a, body: a }), await post('/run', { text: a }),
      await req('GET', '/greet/x', '', { cookie: 'magni_session=' + a, 'x-forwarded-for': a, referer: a, 'user-agent': a }),
    ];
    for (const r of rs) {
      assert.ok(r.status < 500, a);
      assert.not.ok(r.body.includes('<script>'), a);
    }
    has(await get('/greet/' + e + '/' + e), '<b>Hello ' + a.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;'));
  }
  has(await get('/calc/%7B%2B%201%202%7D'), '<div>{+ 1 2}</div>'); // braces stay text even inside eval
  has(await get('/greet/%3Cscript%3E'), '&lt;script&gt;');
  has(await get('/%3Cscript%3E'), '&lt;script&gt;');
  // raw (unencoded) characters in the request target
  has(await get('/greet/[data%20x%20y]/{data}'), 'Hello [data x y]</b>: {data}!');
  assert.is((await get('/<script>')).status, 404);
  lacks(await get('/<script>'), '<script>');
  assert.is(node.interp.macros.size, before);
  assert.not.ok(node.interp.macros.has('data-x'));
  assert.not.ok(node.interp.macros.has('evil'));
  assert.is(host.files.get(STATE), state);
});

test('a public wiki lets anyone save pages, as inert text (never code)', async () => {
  const { node, get, post } = setup({ publicWiki: true });
  assert.is((await post('/edit/Open', { text: 'sum [+ 1 2] [data x y] {eval/data {data x y}} \\[ok\\] end\\', action: 'save' })).status, 303);
  assert.not.ok(node.interp.macros.has('data-x'));
  assert.is(node.interp.macros.get('page-Open')!.user, 'public');
  has(await get('/wiki/Open'), 'sum [+ 1 2] [data x y] {eval/data {data x y}} [ok] end\\');
  assert.not.ok(node.interp.macros.has('data-x'));
  // saving the shown source again changes nothing
  const src = (await get('/edit/Open')).body.match(/<textarea name="text">\n([^<]*)<\/textarea>/)![1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  await post('/edit/Open', { text: src, action: 'save' });
  assert.is(node.interp.macros.get('page-Open')!.body, 'sum \\[+ 1 2\\] \\[data x y\\] \\{eval/data \\{data x y\\}\\} \\[ok\\] end\\\\');
  isPage(await post('/func/x', { formals: '', body: 'y' }), 403);
  assert.not.ok(node.interp.macros.has('x'));
});

test('/help: builtins by group with examples, and the user\'s functions with their source', async () => {
  const { get, post, login } = await withApi();
  const r = await get('/help');
  isPage(r, 200);
  has(r, '<h2>math</h2>', '<code>[+ 1 2 3 4]</code>', '<code>10</code>', '<h2>security and the world</h2>', 'href="/func/%2Fgreet"', 'href="/func/secret"');
  const f = await get('/func/%2Fgreet');
  isPage(f, 200);
  has(f, '$name @msg', '&lt;b&gt;Hello');
  lacks(f, '<b>Hello', 'Define');
  const owner = await login();
  has(await get('/func/%2Fgreet', owner), '<form method="post" action="/func/%2Fgreet">', 'value="$name @msg"');
  isPage(await post('/func/%2Fgreet', { formals: '$name', body: 'hi' }), 403);
  assert.is((await post('/func/%2Fgreet', { formals: '$n', body: 'Hi\n$n' }, owner)).status, 303);
  has(await get('/greet/Dee'), '<div>Hi\nDee</div>');
  assert.is((await post('/func', { name: 'sq', formals: '$x', body: '[* $x $x]' }, owner)).headers.Location, '/func/sq');
  isPage(await post('/func', { name: 'a b', formals: '', body: 'x' }, owner), 400);
  isPage(await post('/func', { name: 'ok', formals: '', body: 'x[/macro]' }, owner), 400);
  isPage(await get('/func/nope', owner), 404);
  has(await get('/func/nope', owner), 'action="/func/nope"'); // the owner may define it
});

test('/run: the owner runs a program, line by line', async () => {
  const { node, req, post, login } = setup();
  isPage(await req('POST', '/run', '[+ 1 2]', { 'content-type': 'text/plain' }), 403);
  const owner = await login();
  const r = await req('POST', '/run', '[+ 1 2]\n[macro sq $x][* $x $x][/macro]\n[sq 4]', { 'content-type': 'text/plain', ...owner });
  assert.is(r.status, 200);
  assert.is(r.headers['Content-Type'], 'text/plain; charset=utf-8');
  assert.is(r.body, '3\n\n16');
  assert.is(node.interp.macros.get('sq')!.user, 'owner');
  const f = await post('/run', { text: '[upper <b>]' }, owner);
  isPage(f, 200);
  has(f, '<pre>&lt;B&gt;</pre>');
  const loop = await req('POST', '/run', '[macro loop][loop][/macro]\n[loop]', { 'content-type': 'text/plain', ...owner });
  assert.match(loop.body, /step budget of 200000/);
});

test('/upgrade: a program encrypted with the node key runs; any other body is never evaluated', async () => {
  const { node, host, req } = setup();
  const program = encryptText('[macro up $x][upper $x][/macro]upgraded', KEY);
  const r = await req('POST', '/upgrade', program);
  assert.is(r.status, 200);
  assert.is(r.body, 'upgraded');
  assert.is(node.interp.macros.get('up')!.formals, '$x');
  assert.match(host.files.get(STATE) as string, /^\[macro up \$x\]\[upper \$x\]\[\/macro 1 \S+ owner\]\n$/);
  const state = host.files.get(STATE);
  for (const key of ['1234123412341234', 'Abcdefgh12345679', 'X'])
    isPage(await req('POST', '/upgrade', encryptText('[macro bad]x[/macro][data x y]', key)), 403);
  isPage(await req('POST', '/upgrade', '{00000000000000000000000000000000}'), 403);
  isPage(await req('POST', '/upgrade', '[macro bad]x[/macro]'), 400);
  isPage(await req('POST', '/upgrade', '{ABC}'), 403);
  isPage(await req('POST', '/upgrade', ''), 400);
  isPage(await req('GET', '/upgrade'), 405);
  assert.not.ok(node.interp.macros.has('bad'));
  assert.not.ok(node.interp.macros.has('data-x'));
  assert.is(host.files.get(STATE), state);
  // what [encrypt-eval/KEY ...] makes upgrades too
  node.interp.run('[macro x][/macro]');
  const made = node.interp.run(`[encrypt-eval/${KEY} {macro twice $x}{* 2 $x}{/macro}{twice 21}]`).output;
  assert.is((await req('POST', '/upgrade', made)).body, '42');
});

test('malformed requests: 400, 404, 405 (with Allow), 413', async () => {
  const { node, req, get, post, login } = setup({ maxBody: 100 });
  const owner = await login();
  for (const url of ['/wiki/%ZZ', '/wiki/%C3%28', '/wiki/%ED%A0%80', '/wiki/' + 'x'.repeat(65), '/wiki/a.b', '/edit/a%20b', '/history/%2e%2e', 'wiki/Home', '*', '/wiki/Home?x=%', '/a b', '/\u00e5'])
    isPage(await get(url), 400);
  isPage(await req('POST', '/edit/Home', new Uint8Array([0x74, 0x65, 0x78, 0x74, 0x3d, 0xff]), { 'content-type': 'application/x-www-form-urlencoded', ...owner }), 400);
  isPage(await post('/edit/Home', 'text=%E2%82&action=save', owner), 400);
  isPage(await post('/edit/Home', 'text=%G1&action=save', owner), 400);
  const big = await post('/edit/Home', { text: 'x'.repeat(200), action: 'save' }, owner);
  isPage(big, 413);
  assert.is(MAX_BODY, 1024 * 1024);
  for (const [method, url, allow] of [['PUT', '/', 'GET, HEAD'], ['POST', '/list', 'GET, HEAD'], ['DELETE', '/edit/Home', 'GET, HEAD, POST'], ['GET', '/upgrade', 'POST'], ['PATCH', '/+/1', 'GET, HEAD, POST']]) {
    const r = await req(method, url);
    isPage(r, 405);
    assert.is(r.headers.Allow, allow);
  }
  assert.is(node.interp.macros.size, 0);
  assert.ok((await get('http://node.test/list')).status === 200, 'absolute-form request target');
});

test('await handle() never throws: a broken request is an error page', async () => {
  const { web } = setup();
  for (const bad of [
    { method: 'GET', url: '/', headers: null, body: new Uint8Array() },
    { method: 'GET', url: null, headers: {}, body: new Uint8Array() },
    {},
  ]) {
    const r = await web.handle(bad as unknown as HttpRequest);
    assert.ok(r.status >= 400 && r.status < 600);
    assert.is(r.headers['Content-Type'], HTML);
  }
});

test('the key must be 16 letters or digits', async () => {
  const node = new MagniNode(memHost(), { stateFiles: [STATE] });
  assert.throws(() => new WebNode(node, { key: 'short' }));
  assert.throws(() => new WebNode(node, { key: 'with space 12345' }));
});

test.run();
