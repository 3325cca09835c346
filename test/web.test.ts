// The web node's router, driven through WebNode.handle() with an in-memory
// Host: no sockets here (the adapters' tests speak real HTTP).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MagniNode } from '../runtime/magni.ts';
import { memHost as baseHost } from './memhost.ts';
import type { HttpRequest, HttpResponse } from '../runtime/http.ts';
import { WebNode, MAX_BODY, markup, type WebOptions } from '../runtime/web/index.ts';
import { encryptText } from '../jml/crypto.ts';
import { sealUpgrade } from '../runtime/web/upgrade.ts';
import { utf8Encode } from '../jml/utf8.ts';

const KEY = 'Abcdefgh12345678';
const STATE = 'web.state';

const memHost = (files = new Map<string, string>()) => baseHost(files, Date.UTC(2024, 0, 2, 3, 4, 5));

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
  assert.not.match(r.body, /<script|src=/i, 'self-contained, no scripts');
  assert.equal(r.body.match(/<link[^>]*>/g), ['<link rel="icon" href="' + r.body.match(/<link rel="icon" href="(data:[^"]*)">/)![1] + '">'], 'one link: the inline icon');
  assert.is((r.body.match(/<h1>/g) || []).length, 1, 'one H1');
};

const main = (r: HttpResponse) => (r.body.includes('<main>') ? r.body.slice(r.body.indexOf('<main>')) : r.body).slice(0, 1500);
const has = (r: HttpResponse, ...parts: string[]) => {
  for (const part of parts) assert.ok(r.body.includes(part), `expected ${JSON.stringify(part)} in:\n${main(r)}`);
};
const lacks = (r: HttpResponse, ...parts: string[]) => {
  for (const part of parts) assert.not.ok(r.body.includes(part), `unexpected ${JSON.stringify(part)} in:\n${main(r)}`);
};

test('every route answers with its status and an HTML page', async () => {
  const { get, post, req, login } = setup();
  const visitor: [string, number][] = [
    ['/', 200], ['/wiki/Home', 404], ['/edit/Home', 200], ['/list', 200], ['/history/Home', 404], ['/api', 200], ['/help', 200],
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
  const up = await req('POST', '/upgrade', sealUpgrade('[+ 1 2]', KEY, 1));
  assert.is(up.status, 200);
  assert.is(up.headers['Content-Type'], 'text/plain; charset=utf-8');
  assert.is(up.body, '3\n');
});

test('wiki markup: headings, bold, italic, links, lists, paragraphs', async () => {
  assert.is(markup('=Title='), '<h2>Title</h2>', "the page's title is its one H1: headings start at H2");
  assert.is(markup('==Two==\n===Three===\n====Four===='), '<h3>Two</h3><h4>Three</h4><h5>Four</h5>');
  assert.is(markup('a __bold__ and //italic// {{Other_page-2}}'), '<p>a <b>bold</b> and <i>italic</i> <a href="/wiki/Other_page-2">Other_page-2</a></p>');
  assert.is(markup('{{Here}} {{Gone}}', (id) => id === 'Here'), '<p><a href="/wiki/Here">Here</a> <a class="missing" href="/wiki/Gone" title="no page yet">Gone</a></p>');
  assert.is(markup('one\ntwo\n\nthree'), '<p>one\ntwo</p><p>three</p>');
  assert.is(markup('intro\n- a\n-b\n\nend'), '<p>intro</p><ul><li>a</li><li>b</li></ul><p>end</p>');
  assert.is(markup('__//both//__'), '<p><b><i>both</i></b></p>');
  assert.is(markup('see http://example.org/x'), '<p>see http://example.org/x</p>', 'a URL is not italic');
  assert.is(markup('{{my__page__x}}'), '<p><a href="/wiki/my__page__x">my__page__x</a></p>', 'a link is not rewritten by bold');
  assert.is(markup('{{no spaces}}'), '<p>{{no spaces}}</p>');
  assert.is(markup('<b>&"\'</b>'), '<p>&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p>', 'HTML is escaped before markup');
  assert.is(markup('=<i>='), '<h2>&lt;i&gt;</h2>');
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
  has(r, '<h2>Sums</h2>', '<p>The sum is <b>6</b>.</p>', '<ul><li>ONE</li><li>two</li></ul>', '<a class="missing" href="/wiki/Other" title="no page yet">Other</a> &amp; &lt;tags&gt;');
  has(await get('/edit/Sums'), '=Sums=\nThe sum is __[+ 1 2 3]__.\n\n- [upper one]'); // the source, with newlines, in the editor
});

test('a missing page is a 404 that offers to create it to whoever may; a visitor sees no Edit link', async () => {
  const { get, post, login } = setup();
  const r = await get('/wiki/Nothing_here');
  isPage(r, 404);
  has(r, 'Nothing_here');
  lacks(r, '/edit/');
  const owner = await login();
  has(await get('/wiki/Nothing_here', owner), '<a href="/edit/Nothing_here">Create it</a>');
  await post('/edit/Page', { text: 'x', action: 'save' }, owner);
  lacks(await get('/wiki/Page'), 'href="/edit/Page"');
  has(await get('/wiki/Page', owner), '<a href="/edit/Page">Edit</a>');
  has(await setup({ publicWiki: true }).get('/wiki/Nothing_here'), '<a href="/edit/Nothing_here">Create it</a>');
});

test("a fresh node's / welcomes: what it is, how to log in and where the key is, Help and API", async () => {
  const { get, login } = setup({ keyFile: 'web.state.key' });
  const r = await get('/');
  isPage(r, 200);
  has(r, '<h1>Welcome</h1>', 'Magni node', '<code>web.state.key</code>', '<code>./run key</code>', 'href="/login"', 'href="/help"', 'href="/api"');
  has(await get('/login'), '<code>web.state.key</code>', '<code>./run key</code>');
  has(await get('/', await login()), 'href="/edit/Home"');
});

test('login: wrong key 403, right key a session cookie (HttpOnly, SameSite=Strict), logout and expiry end it', async () => {
  const { host, get, post, login } = setup();
  isPage(await post('/login', { key: 'wrong' }), 403);
  assert.is((await post('/login', { key: 'wrong' })).headers['Set-Cookie'], undefined);
  const r = await post('/login', { key: KEY });
  assert.is(r.status, 303);
  assert.is(r.headers.Location, '/');
  assert.match(r.headers['Set-Cookie'], /^magni_session=[0-9a-f]{32}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
  const owner = { cookie: r.headers['Set-Cookie'].split(';')[0] };
  has(await get('/help', owner), 'href="/logout"', 'Define a function');
  has(await get('/help'), 'href="/login"');
  lacks(await get('/help'), 'Define a function');
  const out = await get('/logout', owner);
  assert.is(out.status, 303);
  assert.match(out.headers['Set-Cookie'], /^magni_session=; .*Max-Age=0$/);
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
  has(page, '<h2>Two</h2>', 'version 2');
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
  await s.node.evalLine('[macro secret]s3cr3t[/macro][data k private value]', owner);
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

test('a public macro is called by path, by query and by form; its output is shown as text (HTML for a .html macro)', async () => {
  const { get, post, node } = await withApi();
  const byPath = await get('/greet/Ann%20Lee/nice%20day');
  isPage(byPath, 200);
  has(byPath, '&lt;b&gt;Hello Ann Lee&lt;/b&gt;: nice day!');
  has(await get('/greet?msg=hi%20there&name=Bo'), '&lt;b&gt;Hello Bo&lt;/b&gt;: hi there!');
  has(await get('/greet?name=Bo+Bo'), '&lt;b&gt;Hello Bo Bo&lt;/b&gt;: !');
  has(await post('/greet', { name: 'Cy', msg: 'from a form' }), '&lt;b&gt;Hello Cy&lt;/b&gt;: from a form!');
  has(await get('/add/2/40'), '<div>42</div>');
  has(await get('/add?b=1&a=2'), '<div>3</div>');
  has(await get('/pair/x%20y/z'), '&lt;x y|z&gt;'); // a $ value with a space stays one argument
  await node.evalLine('[macro /card.html $t]<b>$t</b>[/macro]', { user: 'owner' });
  // a .html macro's output is HTML; the visitor's part of it is still escaped
  has(await get('/card.html/%3Ci%3Ex'), '<div><b>&lt;i&gt;x</b></div>');
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
    // the output is escaped once: the visitor's text reads as typed, and is never markup
    const esc = (x: string) => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;');
    has(await get('/greet/' + e + '/' + e), esc('<b>Hello ' + a));
    assert.is((await get('/greet/' + e + '/x.txt')).body, '<b>Hello ' + a + '</b>: x!\n', 'plain text: as typed (text/plain is never markup)');
  }
  has(await get('/calc/%7B%2B%201%202%7D'), '<div>{+ 1 2}</div>'); // braces stay text even inside eval
  has(await get('/greet/%3Cscript%3E'), '&lt;script&gt;');
  has(await get('/%3Cscript%3E'), '&lt;script&gt;');
  // raw (unencoded) characters in the request target
  has(await get('/greet/[data%20x%20y]/{data}'), 'Hello [data x y]&lt;/b&gt;: {data}!');
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
  has(r, '<h2>math</h2>', '<code>[+ 1 2 3 4]</code>', '<code>10</code>', '<h2>security and the world</h2>', 'href="/func/%2Fgreet"');
  // visitors see public functions only: not the owner's private macros, data or messages
  lacks(r, 'href="/func/secret"');
  isPage(await get('/func/secret'), 404);
  isPage(await get('/func/data-k'), 404);
  const f = await get('/func/%2Fgreet');
  isPage(f, 200);
  has(f, '$name @msg', '&lt;b&gt;Hello');
  lacks(f, '<b>Hello', 'Define');
  const owner = await login();
  has(await get('/help', owner), 'href="/func/secret"');
  has(await get('/func/data-k', owner), 'private value');
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

test('/upgrade: a sealed program runs once and says what it did; replayed, forged, random or unsealed bodies are refused', async () => {
  const { node, host, req } = setup();
  const r = await req('POST', '/upgrade', sealUpgrade('[macro up $x][upper $x][/macro]upgraded\n[up done]', KEY, 1000));
  assert.is(r.status, 200);
  assert.is(r.body, 'defined up\nupgraded\nDONE\n');
  assert.is(node.interp.macros.get('up')!.formals, '$x');
  assert.match(host.files.get(STATE) as string, /^\[macro data-upgrade-counter\]1000\[\/macro 1 \S+ owner\]\n\[macro up \$x\]\[upper \$x\]\[\/macro 2 \S+ owner\]\n$/);
  const state = host.files.get(STATE);
  // the same upgrade again, and an older one: refused (a replay would roll back newer code)
  for (const counter of [1000, 999]) {
    const again = await req('POST', '/upgrade', sealUpgrade('[macro up $x]old[/macro]', KEY, counter));
    isPage(again, 403);
    has(again, 'an old upgrade');
  }
  // other keys, the seed's plain encrypt-eval format, random bodies: never run
  for (const key of ['1234123412341234', 'Abcdefgh12345679', 'X']) isPage(await req('POST', '/upgrade', sealUpgrade('[macro bad]x[/macro]', key, 2000)), 403);
  isPage(await req('POST', '/upgrade', encryptText('[macro bad]x[/macro][data x y]', KEY)), 403);
  let seed = 99;
  const hex = (n: number) => Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 28).toString(16)).join('');
  for (let i = 0; i < 2000; i++) assert.is((await req('POST', '/upgrade', '{' + hex(8 * (2 + (i % 6))) + '}')).status, 403, 'a random body');
  isPage(await req('POST', '/upgrade', '[macro bad]x[/macro]'), 400);
  isPage(await req('POST', '/upgrade', ''), 400);
  isPage(await req('GET', '/upgrade'), 405);
  assert.not.ok(node.interp.macros.has('bad'));
  assert.not.ok(node.interp.macros.has('data-x'));
  assert.is(host.files.get(STATE), state);
  // a newer one runs; an error is reported with status 422
  const bad = await req('POST', '/upgrade', sealUpgrade('[macro ok]1[/macro][/ 1 0]', KEY, 3000));
  assert.is(bad.status, 422);
  assert.is(bad.body, 'defined ok\n%(ERROR:division by zero)\n');
});

test('an upgrade line has the owner\'s 25 s budget, a page the visitor\'s 1 s (a forwarded sync takes longer than 1 s)', async () => {
  const { host, node, req, post, login } = setup();
  // a builtin that takes 3 s of the host's clock, as a slow transfer would
  node.interp.hostBuiltins.set('slow', () => (host.tick(3000), 'took 3 s'));
  const run = await post('/run', { text: '[slow] [+ [iota 1 20000]]' }, await login());
  has(run, 'time budget of 1000 ms exceeded');
  const up = await req('POST', '/upgrade', sealUpgrade('[slow] [+ [iota 1 20000]]', KEY, 5000));
  assert.is(up.status, 200, up.body);
  assert.is(up.body, 'took 3 s 200010000\n');
  node.interp.hostBuiltins.set('slow', () => (host.tick(30_000), 'took 30 s'));
  const tooSlow = await req('POST', '/upgrade', sealUpgrade('[slow] [+ [iota 1 20000]]', KEY, 6000));
  assert.is(tooSlow.status, 422);
  assert.match(tooSlow.body, 'time budget of 25000 ms exceeded');
});

test('login failures are limited per client and in all: 429 with Retry-After, even for the right key', async () => {
  const { host, web } = setup();
  const from = (remote: string, key: string) =>
    web.handle({ method: 'POST', url: '/login', headers: { host: 'node.test', 'content-type': 'application/x-www-form-urlencoded' }, body: utf8Encode('key=' + key), remote });
  for (let i = 0; i < 5; i++) assert.is((await from('10.0.0.1', 'wrong' + i)).status, 403);
  const blocked = await from('10.0.0.1', KEY);
  isPage(blocked, 429);
  assert.match(blocked.headers['Retry-After'], /^\d+$/);
  has(blocked, 'too many failed logins');
  assert.is((await from('10.0.0.2', KEY)).status, 303, 'another client is not held up by one guesser');
  for (let c = 3; c < 6; c++) for (let i = 0; i < 5; i++) await from('10.0.0.' + c, 'x');
  assert.is((await from('10.0.0.9', KEY)).status, 429, 'nor do guessers from many addresses get more than 20 a minute');
  host.tick(61_000);
  assert.is((await from('10.0.0.1', KEY)).status, 303, 'a minute later, the owner logs in');
});

test('one cookie name per node: a session of another node on the same host never logs in here', async () => {
  const a = setup({ cookie: 'magni_1111' });
  const b = setup({ cookie: 'magni_2222' }, a.host);
  const r = await a.post('/login', { key: KEY });
  assert.match(r.headers['Set-Cookie'], /^magni_1111=[0-9a-f]{32};/);
  const cookie = { cookie: r.headers['Set-Cookie'].split(';')[0] };
  isPage(await a.get('/run', cookie), 200);
  isPage(await b.get('/run', cookie), 403);
});

test('a preview has no effects: it may define for itself, nothing is kept or seen by others', async () => {
  const { node, host, post, get, login } = setup();
  const owner = await login();
  const pre = await post('/edit/P', { text: '[data x kept?] [data-x] [message a m1 hi][message-m1]', action: 'preview' }, owner);
  has(pre, 'kept? kept? hihi');
  assert.not.ok(node.interp.macros.has('data-x'));
  assert.not.ok(node.interp.macros.has('message-m1'));
  assert.is(host.files.get(STATE), undefined);
  // a visitor previews inert text
  has(await post('/edit/P', { text: '[+ 1 2]', action: 'preview' }), '<article><p>[+ 1 2]</p></article>');
  isPage(await get('/wiki/P'), 404);
});

test('a save that cannot be written answers 507, and the node serves what is on disk', async () => {
  const host = memHost();
  let full = false;
  const append = host.appendLine;
  host.appendLine = (path, line) => {
    if (full) throw new Error('cannot write web.state: the disk is full');
    return append(path, line);
  };
  const { node, post, get, login } = setup({}, host);
  const owner = await login();
  await post('/edit/Kept', { text: 'on disk', action: 'save' }, owner);
  full = true;
  const r = await post('/edit/Kept', { text: 'never written', action: 'save' }, owner);
  isPage(r, 507);
  has(r, 'the disk is full', 'nothing was changed');
  has(await get('/wiki/Kept'), '<p>on disk</p>');
  isPage(await post('/func', { name: 'f', formals: '', body: 'x' }, owner), 507);
  assert.not.ok(node.interp.macros.has('f'));
  const after = setup({}, memHost(host.files));
  has(await after.get('/wiki/Kept'), '<p>on disk</p>');
});

test('a public wiki has room for visitors, not for a flood: page size, saves per minute, bytes in all', async () => {
  // (the bytes counted are those of the state log's lines: a 90-byte page takes about 140)
  const { get, post, login, node } = setup({ publicWiki: true, publicPageBytes: 100, publicBytes: 450, publicSavesPerClient: 2, publicSavesPerMinute: 3 });
  isPage(await post('/edit/Big', { text: 'x'.repeat(101), action: 'save' }), 413);
  assert.is((await post('/edit/A', { text: 'a'.repeat(90), action: 'save' })).status, 303);
  assert.is((await post('/edit/B', { text: 'b'.repeat(90), action: 'save' })).status, 303);
  const tooMany = await post('/edit/C', { text: 'c', action: 'save' });
  isPage(tooMany, 429);
  assert.match(tooMany.headers['Retry-After'], /^\d+$/);
  (node.host as ReturnType<typeof memHost>).tick(61_000);
  assert.is((await post('/edit/C', { text: 'c'.repeat(90), action: 'save' })).status, 303);
  const full = await post('/edit/D', { text: 'd'.repeat(90), action: 'save' });
  isPage(full, 507);
  has(full, 'the public wiki is full');
  const owner = await login();
  assert.is((await post('/edit/D', { text: 'd'.repeat(1000), action: 'save' }, owner)).status, 303, 'the owner is not limited');
  has(await get('/wiki/D'), 'd'.repeat(1000));
});

test('/history comes from an index: no request reads the whole log; each version is one line read back', async () => {
  const { host, post, get, login } = setup();
  const owner = await login();
  for (let i = 1; i <= 3; i++) await post('/edit/Log', { text: 'version ' + i, action: 'save' }, owner);
  let wholeReads = 0;
  let lineReads = 0;
  const [readLines, readAt] = [host.readLines, host.readAt];
  host.readLines = (p) => (wholeReads++, readLines(p));
  host.readAt = (p, o, n) => (lineReads++, readAt(p, o, n));
  has(await get('/history/Log'), 'href="/history/Log/3"');
  has(await get('/history/Log/2'), '<pre>version 2</pre>');
  has(await get('/list'), 'Recent changes', 'href="/history/Log/3"');
  assert.is(wholeReads, 0);
  assert.is(lineReads, 1);
});

test('plain text when asked: Accept: text/plain or a .txt suffix', async () => {
  const { get } = await withApi();
  const r = await get('/greet/World/hi.txt');
  assert.is(r.status, 200);
  assert.is(r.headers['Content-Type'], 'text/plain; charset=utf-8');
  assert.is(r.body, '<b>Hello World</b>: hi!\n');
  assert.is((await get('/add/2/3', { accept: 'text/plain' })).body, '5\n');
  assert.is((await get('/upper/abc.txt')).body, 'ABC\n');
  const missing = await get('/nothing.txt');
  assert.is(missing.status, 404);
});

test('pages: a CSP that keeps forms home, a line ending in a backslash keeps it, recent changes on /list', async () => {
  const { get, post, login } = setup();
  const r = await get('/list');
  assert.match(r.headers['Content-Security-Policy'], /form-action 'self'; base-uri 'none'; frame-ancestors 'none'/);
  const owner = await login();
  await post('/edit/Paths', { text: 'ends in a backslash \\\nnext line', action: 'save' }, owner);
  has(await get('/wiki/Paths'), '<p>ends in a backslash \\\nnext line</p>');
  has(await get('/list'), '<h2>Recent changes</h2>', 'href="/wiki/Paths"');
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
