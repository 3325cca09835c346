// Messages between real processes on loopback: node A sends 100 messages to
// node B while B is killed (SIGKILL) and restarted twice; envelopes made by
// this test (with its own key) that lie about their sender, were changed
// after signing, or are replays; `run servers start/list/stop`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, freePorts, type Kind, runSync, sleep, tempDir, WebServer } from './util.ts';
import { identityOf } from '../../runtime/identity/index.ts';
import { signedText, type Envelope } from '../../runtime/messages/index.ts';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());

/** Log in to a server as its owner: the session cookie. */
async function login(s: WebServer): Promise<string> {
  const key = readFileSync(join(s.dir, 'jml.state.key'), 'utf8').trim();
  const r = await s.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=' + key });
  assert.is(r.status, 303);
  return (r.headers.get('set-cookie') as string).split(';')[0];
}

/** Run JML lines on a server as its owner: the output. */
async function ownerRun(s: WebServer, cookie: string, program: string): Promise<string> {
  const r = await s.fetch('/run', { method: 'POST', headers: { cookie, 'content-type': 'text/plain', origin: s.url('') }, body: program });
  const text = await r.text();
  assert.is(r.status, 200, text);
  return text;
}

/** A sender this test plays, with its own Ed25519 key. */
function stranger() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'));
  const me = identityOf(sha256, 'ed25519', raw);
  const envelope = (to: string, seq: number, body: string, over: Partial<Envelope> = {}): Envelope => {
    const e = { from: me.shortId, key: me.peerId, to, seq, time: Date.now(), body, ...over };
    return { ...e, sig: Buffer.from(sign(null, signedText(e), privateKey)).toString('hex') };
  };
  return { me, envelope };
}

for (const kind of ['node', 'bun'] as Kind[]) {
  const t = suite(`messages between processes on ${kind}`);

  t('100 messages reach a receiver killed and restarted twice: each handled once, in order', async () => {
    const aDir = tempDir('magni-msg-a-');
    const bDir = tempDir('magni-msg-b-');
    const aId = runSync(aDir, ['id']).stdout.split('\n')[0];
    const bId = runSync(bDir, ['id']).stdout.split('\n')[0];
    assert.is(runSync(bDir, [], `[trust ${aId}]\n[data log start]\n`).code, 0);
    const bPort = await freePort();
    let b = await WebServer.start(kind, bDir, ['-q'], '127.0.0.1', bPort);
    const a = await WebServer.start(kind, aDir, ['-q']);
    const cookie = await login(a);
    const sends = (from: number, to: number) => {
      let p = '';
      for (let i = from; i <= to; i++) p += `[send http://127.0.0.1:${bPort} \\[data log \\[data-log\\] ${i}\\]]\n`;
      return ownerRun(a, cookie, p);
    };
    const ids = await sends(1, 30);
    assert.match(ids, new RegExp('^' + aId + ':1\n'));
    await sleep(50);
    await b.stop(); // SIGKILL, whatever it was doing
    await sends(31, 60);
    b = await WebServer.start(kind, bDir, ['-q'], '127.0.0.1', bPort);
    await sends(61, 80);
    await sleep(20);
    await b.stop();
    await sends(81, 100);
    await sleep(500);
    b = await WebServer.start(kind, bDir, ['-q'], '127.0.0.1', bPort);
    // A retries with backoff (at most a few seconds here): wait until its outbox is empty
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) if (!(await ownerRun(a, cookie, '[outbox]')).includes('waiting')) break;
    const left = await ownerRun(a, cookie, '[outbox]');
    assert.not.match(left, 'waiting', left.split('\n').filter((l) => l.includes('waiting')).slice(0, 3).join('\n') + '\n' + a.stderr.slice(-2000));
    const bCookie = await login(b);
    for (const end = Date.now() + 30_000; Date.now() < end; await sleep(100)) if (!(await ownerRun(b, bCookie, '[inbox]')).includes('waiting')) break;
    const expected = ['start', ...Array.from({ length: 100 }, (_, i) => String(i + 1))].join(' ');
    assert.is((await ownerRun(b, bCookie, "[data-log]")).trim(), expected);
    // the receiver's log: every message stored once and handled once
    const records = readFileSync(join(bDir, 'jml.state.messages'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const stored = records.filter((r) => r.in).flatMap((r) => r.in.map((e: Envelope) => e.seq));
    assert.equal(stored, Array.from({ length: 100 }, (_, i) => i + 1));
    const handledByLog = records.filter((r) => r.done).map((r) => r.done[1]);
    assert.is(new Set(handledByLog).size, handledByLog.length, 'no handling recorded twice');
    assert.is(bId.length, 27);
    await a.stop();
    await b.stop();
  });

  t('refused and logged: a forged sender, a changed body, a replay; a visitor cannot define', async () => {
    const bDir = tempDir('magni-msg-r-');
    assert.is(runSync(bDir, [], '[macro /keep $x][data kept $x][/macro]\n[macro on-message $from @text]@text[/macro]\n').code, 0);
    const b = await WebServer.start(kind, bDir, []);
    const bId = (await (await b.fetch('/id')).text()).split('\n')[0];
    const s = stranger();
    const other = stranger();
    const post = async (...envs: Envelope[]) => {
      const r = await b.fetch('/msg', { method: 'POST', body: envs.map((e) => JSON.stringify(e)).join('\n') });
      return { status: r.status, body: await r.text() };
    };
    let r = await post(s.envelope(bId, 1, 'hi', { from: other.me.shortId }));
    assert.is(r.status, 400);
    assert.match(r.body, 'forged');
    r = await post({ ...s.envelope(bId, 1, 'hi'), body: 'changed' });
    assert.match(r.body, 'bad signature');
    const good = s.envelope(bId, 1, 'hello');
    assert.is((await post(good)).body, 'ack 1\n');
    assert.is((await post(good)).body, 'ack 1\n', 'a replay is acknowledged, not handled');
    assert.is((await post(s.envelope(bId, 2, '{/keep pwned}'))).body, 'ack 2\n');
    await sleep(300);
    const cookie = await login(b);
    const inbox = await ownerRun(b, cookie, '[inbox]');
    assert.is(inbox.split('\n').filter((l) => l.startsWith(s.me.shortId + ':1 ')).length, 1);
    assert.match(inbox, 'not allowed');
    assert.is((await ownerRun(b, cookie, "[data-kept]")).trim().startsWith('%('), true, 'the visitor defined nothing');
    assert.match(b.stderr, 'forged');
    assert.match(b.stderr, 'bad signature');
    await b.stop();
  });

  t.run();
}

const servers = suite('run servers');

servers('start 3, list, stop one, stop all', async () => {
  const dir = tempDir('magni-servers-');
  const port = await freePorts(3);
  const start = runSync(dir, ['servers', 'start', '3', '--port', String(port)]);
  assert.is(start.code, 0, start.stderr);
  const list = runSync(dir, ['servers', 'list']).stdout.trim().split('\n');
  assert.is(list.length, 4);
  const rows = list.slice(1).map((l) => l.split(/\s+/));
  for (const [i, [id, url, pid, state]] of rows.entries()) {
    assert.is(url, `http://127.0.0.1:${port + i}`);
    assert.is(state, 'running');
    assert.ok(+pid > 0);
    assert.is((await (await fetch(url + '/id')).text()).split('\n')[0], id);
    assert.ok(existsSync(join(dir, 'servers', `node-${port + i}`, 'log')));
  }
  // the others started from the first: they know it
  assert.match(await (await fetch(rows[2][1] + '/peers')).text(), rows[0][0]);
  const one = runSync(dir, ['servers', 'stop', rows[1][0]]);
  assert.is(one.code, 0, one.stderr);
  assert.match(runSync(dir, ['servers', 'list']).stdout, new RegExp(rows[1][0] + '\\s+\\S+\\s+-\\s+stopped'));
  assert.is(runSync(dir, ['servers', 'stop']).code, 0);
  assert.not.match(runSync(dir, ['servers', 'list']).stdout, 'running');
  assert.is(runSync(dir, ['servers', 'bogus']).code, 2);
});

servers.run();
