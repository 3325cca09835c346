// Capabilities keep visitors from effects, whatever an owner's macro does
// with their arguments; evaluations in flight never touch each other; every
// evaluation ends within its time budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encryptText } from '../jml/crypto.ts';
import { utf8Encode } from '../jml/utf8.ts';
import { Interpreter, MagniNode, OWNER, PREVIEW, VISITOR, type Capabilities, type Host } from '../runtime/index.ts';
import { WebNode } from '../runtime/web/index.ts';
import { memHost } from './memhost.ts';

const KEY = 'Abcdefgh12345678';

/** A host whose wget is recorded and answered by the test (resolve it when you like). */
function fetchingHost(base = memHost()) {
  const asked: { url: string; timeoutMs: number; answer(body: string): void; fail(why: string): void }[] = [];
  const host: Host = {
    ...base,
    wget: (url, limits) =>
      new Promise<string>((resolve, reject) => {
        asked.push({ url, timeoutMs: limits.timeoutMs, answer: resolve, fail: (why) => reject(new Error(why)) });
      }),
  };
  return { host, asked, files: base.files, logs: base.logs };
}

const visitorRun = (it: Interpreter, line: string, caps: Capabilities = VISITOR) => it.run(line, { caps, user: 'web' });

test('a visitor evaluation may compute, but never define, keep, fetch or load code', () => {
  const { host, asked } = fetchingHost();
  const it = new Interpreter({ host });
  it.run('[macro /m $f $x][map $f $x][/macro]');
  const before = [...it.macros.keys()];
  const cipher = encryptText('[macro evil]x[/macro][data pwned 1]');
  for (const [line, what] of [
    ['[data x y]', 'data'],
    ['[message a b c]', 'message'],
    ['[macro evil]x[/macro]', 'macro'],
    ['[wget http://127.0.0.1/]', 'wget'],
    ['[decrypt-eval ' + cipher + ']', 'decrypt-eval'],
    ['[encrypt-eval/K {data x y}]', 'encrypt-eval/K'],
    ['[/m data pwned]', 'data'],
    ['[/m decrypt-eval ' + cipher.slice(1, -1) + ']', 'decrypt-eval'],
    ['[[concat da ta] x y]', 'data'],
  ]) {
    const r = visitorRun(it, line);
    assert.ok(r.errors.includes('not allowed here: ' + what), line + ' gave ' + JSON.stringify(r));
    assert.match(r.output, '%(ERROR:not allowed here: ' + what + ')');
  }
  assert.equal([...it.macros.keys()], before);
  assert.is(asked.length, 0, 'no request reached the host');
  assert.is(visitorRun(it, '[+ 1 2] [upper x] [map inc 1 2] [decrypt [encrypt hi]]').output, '3 X 2 3  hi');
});

test('the owner may do everything; a preview may define for itself only', () => {
  const files = new Map<string, string>();
  const node = new MagniNode(memHost(files), { quiet: true });
  node.load();
  const p = node.interp.run('[data x 1][data-x] [macro sq $y][* $y $y][/macro][sq 5]', { caps: PREVIEW });
  assert.is(p.output, '11 25');
  assert.equal(p.errors, []);
  assert.is(node.interp.macros.size, 0, 'nothing defined for others');
  assert.is(files.get('jml.state'), undefined, 'nothing kept');
  const o = node.interp.run('[data x 1][data-x]', { caps: OWNER, user: 'owner' });
  assert.is(o.output, '11');
  assert.is(node.interp.macros.get('data-x')!.user, 'owner');
  assert.match(files.get('jml.state') as string, /^\[macro data-x\]1\[\/macro 1 \S+ owner\]\n$/);
});

test('red-team gadgets through public macros define nothing, and visitors see why', async () => {
  const files = new Map<string, string>();
  const node = new MagniNode(memHost(files), { quiet: true });
  node.load();
  const owner = { user: 'owner' };
  await node.evalLine('[macro /m $f $x][map $f $x][/macro]', owner);
  await node.evalLine('[macro /split $sep @text][split $sep @text][/macro]', owner);
  await node.evalLine('[macro /match $re @text][match $re @text][/macro]', owner);
  await node.evalLine('[macro /call $f @args][$f @args][/macro]', owner);
  const web = new WebNode(node, { key: KEY });
  const state = files.get('jml.state');
  const names = [...node.interp.macros.keys()];
  const cipher = encryptText('[macro evil]x[/macro][data pwned 1]').slice(1, -1);
  const get = (url: string) => web.handle({ method: 'GET', url, headers: { host: 'node.test' }, body: new Uint8Array() });
  const post = (url: string, form: string) =>
    web.handle({ method: 'POST', url, headers: { host: 'node.test', 'content-type': 'application/x-www-form-urlencoded' }, body: utf8Encode(form) });
  const pages = [
    await get('/m/data/pwned'),
    await get('/m/decrypt-eval/' + cipher),
    await get('/m/message/x'),
    await get('/call/data/pwned/1'),
    await get('/call/wget/http%3A%2F%2F127.0.0.1%3A1%2F'),
    await post('/split', 'sep=' + encodeURIComponent('Z Y') + '&text=' + encodeURIComponent('aZ Y[data pwned 1]Z Y[macro evil]x[/macro]')),
    await post('/split', 'sep=' + encodeURIComponent('Z\\') + '&text=' + encodeURIComponent('aZ\\[data pwned 1]')),
    await post('/match', 're=' + encodeURIComponent('.(.decrypt-eval)(.*)$') + '&text=' + encodeURIComponent('x[decrypt-eval ' + cipher + ']')),
  ];
  for (const r of pages) assert.ok(r.status < 500, r.body.slice(0, 300));
  assert.ok(pages[0].body.includes('not allowed here: data'), pages[0].body);
  assert.ok(pages[1].body.includes('not allowed here: decrypt-eval'), pages[1].body);
  assert.equal([...node.interp.macros.keys()], names, 'no definition was made');
  assert.is(files.get('jml.state'), state, 'the state file is unchanged');
});

test('evaluations in flight keep their own budgets and see definitions made meanwhile', async () => {
  const { host, asked } = fetchingHost();
  const it = new Interpreter({ host, maxSteps: 1000 });
  it.run('[macro f]old[/macro][macro g][f][/macro]');
  // A waits for its fetch with f already known as "old" (its memo holds it)
  const a = it.evaluate('[f]/[identity [wget http://a.test/]]/[g]', { maxSteps: 50 });
  await Promise.resolve();
  assert.is(asked.length, 1);
  // B runs to its end meanwhile: its own step budget, its own errors
  const b = it.run('[macro spin][spin][/macro][spin]', { maxSteps: 100 });
  assert.match(b.output, /step budget of 100 substitutions/);
  it.run('[macro f]new[/macro]');
  asked[0].answer('body');
  const r = await a;
  assert.is(r.output, 'old/body/new');
  assert.equal(r.errors, []);
  assert.is(r.steps, 5);
});

test('a failed or refused fetch is an error in place; other calls of the pass still count', async () => {
  const { host, asked } = fetchingHost();
  const it = new Interpreter({ host });
  const p = it.evaluate('[upper a] [wget http://x.test/] [wget http://y.test/] [upper b]');
  await Promise.resolve();
  assert.is(asked.length, 2, 'both fetches of the pass were started together');
  asked[1].answer('[data no]');
  asked[0].fail('connection refused');
  const r = await p;
  assert.is(r.output, 'A %(ERROR:wget http://x.test/: connection refused) [data no] B');
  assert.equal(r.errors, ['wget http://x.test/: connection refused']);
  assert.is(it.macros.size, 0, 'fetched text is quoted: never a call');
});

test('time budget: a runaway line ends with its error; the next line runs normally', () => {
  let t = Date.UTC(2026, 0, 1);
  const base = memHost();
  const it = new Interpreter({ host: { ...base, now: () => (t += 1) }, maxSteps: 1e9 });
  it.run('[macro spin][spin][/macro][macro grow $x][grow [inc $x]][/macro]');
  for (const line of ['[spin]', '[grow 0]', 'a [iota 1 100000] b [spin]']) {
    const r = it.run(line, { maxTime: 250 });
    assert.match(r.output, /%\(ERROR:time budget of 250 ms exceeded\)$/, line);
    assert.equal(r.errors, ['time budget of 250 ms exceeded']);
  }
  assert.is(it.run('[+ 1 2]', { maxTime: 250 }).output, '3');
});

test('a fetch may wait at most the time left, and waiting past the deadline ends the line', async () => {
  let t = 1_000_000;
  const { host, asked } = fetchingHost({ ...memHost(), now: () => t } as ReturnType<typeof memHost>);
  const it = new Interpreter({ host });
  const p = it.evaluate('[wget http://slow.test/] [+ 1 2]', { maxTime: 700 });
  await Promise.resolve();
  assert.is(asked[0].timeoutMs, 700);
  t += 800;
  asked[0].answer('late');
  const r = await p;
  assert.equal(r.errors, ['time budget of 700 ms exceeded']);
  assert.is(r.output, '%(ERROR:time budget of 700 ms exceeded)');
});

test('a synchronous evaluation refuses to wait for I/O, with a clear error', () => {
  const { host } = fetchingHost();
  const r = new Interpreter({ host }).run('[wget http://x.test/]');
  assert.match(r.output, /cannot wait for I\/O here/);
  assert.is(r.errors.length, 1);
});

test.run();
