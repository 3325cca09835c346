// The virtual board runs the device bundle inside QuickJS and must answer as
// the core does in-process; a runaway line is an %(ERROR:...) result, never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidToString, MagniNode, nodeIdentity } from '../../runtime/index.ts';
import { addFile, BlockStore, MimeiStore, readFile } from '../../runtime/mimei/index.ts';
import { nodeHost } from '../../targets/node/host.ts';
import { freePort } from './util.ts';
import { Board, BoardError, QuickJSVm, type BoardOptions } from '../../targets/quickjs/board.ts';

// build.mjs (plain JS) holds the one definition of the dist/board.js bundle.
const { buildBundle } = (await import('../../build.mjs' as string)) as { buildBundle(name: string, outfile?: string): Promise<unknown> };

const dir = mkdtempSync(join(tmpdir(), 'magni-board-test-'));
// A fresh bundle of the current sources, so the test never runs a stale dist/.
const bundlePath = join(dir, 'board.js');
const built = buildBundle('dist/board.js', bundlePath);

let n = 0;
const stateFile = () => join(dir, `s${++n}.state`);
const logs: string[] = [];
const log = (line: string) => void logs.push(line);

async function board(opts: Partial<BoardOptions> = {}): Promise<Board> {
  await built;
  return Board.create({ stateFiles: [stateFile()], bundlePath, log, ...opts });
}

function inProcessNode(file: string): MagniNode {
  const node = new MagniNode(nodeHost(log), { stateFiles: [file] });
  node.load();
  return node;
}

const LINES = [
  '[+ 1 2]',
  '[fac 20]',
  '[macro twice $x][+ $x $x][/macro]',
  '[twice 21]',
  '[+ [iota 1 100]]',
  '[upper héllo wörld ✓]',
  '[decrypt [encrypt the quick brown fox]]',
  '[nosuchfunction 1 2]',
  '[+ 1',
];

test('the board answers as the core does in-process, traces included', async () => {
  const b = await board();
  const node = inProcessNode(stateFile());
  try {
    for (const line of LINES) {
      const trace: string[] = [];
      const want = { ...(await node.evalLine(line, { trace: (l) => void trace.push(l) })), trace };
      assert.equal(await b.evalLine(line, true), want, line);
    }
  } finally {
    b.dispose();
  }
});

test('a definition persists in the state file and a fresh board sees it', async () => {
  const file = stateFile();
  const first = await board({ stateFiles: [file] });
  assert.is((await first.evalLine('[macro greet $who]hello $who[/macro]', false)).errors.length, 0);
  first.dispose();
  assert.match(readFileSync(file, 'utf8'), '[macro greet $who]hello $who');
  const second = await board({ stateFiles: [file] });
  assert.is((await second.evalLine('[greet world]', false)).output, 'hello world');
  second.dispose();
});

test('heap numbers are measured', async () => {
  const b = await board();
  await b.evalLine('[+ [iota 1 1000]]', false);
  const h = b.heap();
  b.dispose();
  assert.ok(h.load > 0, 'heap after load ' + h.load);
  assert.ok(h.peak >= h.load, `peak ${h.peak} >= load ${h.load}`);
});

test('a runaway line hits the step budget, and the board goes on', async () => {
  const b = await board({ maxSteps: 20_000 });
  await b.evalLine('[macro loop][loop][/macro]', false);
  const r = await b.evalLine('[loop]', false);
  assert.ok(r.output.startsWith('%(ERROR:'), r.output);
  assert.ok(r.errors.length > 0);
  assert.is((await b.evalLine('[+ 1 1]', false)).output, '2');
  b.dispose();
});

test('a line that outruns the board time limit is an %(ERROR:...) result, and the board goes on', async () => {
  const b = await board({ maxSteps: 1e12, timeoutMs: 1000 });
  await b.evalLine('[macro loop][loop][/macro]', false);
  const r = await b.evalLine('[loop]', false);
  assert.match(r.output, /^%\(ERROR:timed out/);
  assert.is((await b.evalLine('[+ 2 2]', false)).output, '4');
  b.dispose();
});

test('a line on the board has its own time budget: the evaluation ends it before the board would', async () => {
  const b = await board({ maxSteps: 1e12, maxTime: 300, timeoutMs: 5000 });
  await b.evalLine('[macro loop][loop][/macro]', false);
  const r = await b.evalLine('[loop]', false);
  assert.is(r.output, '%(ERROR:time budget of 300 ms exceeded)');
  assert.is((await b.evalLine('[+ 2 2]', false)).output, '4');
  b.dispose();
});

test('[inc nested 100,000 deep ends well within the default time budget on the board', async () => {
  const b = await board({ sampleEvery: 0 }); // a device does not walk its heap every few thousand operations
  const depth = 100_000;
  const t0 = Date.now();
  const r = await b.evalLine('[inc '.repeat(depth) + '0' + ']'.repeat(depth), false);
  assert.equal(r.errors, []);
  assert.is(r.output, String(depth));
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  b.dispose();
});

test('wget on the board: asynchronous through the host ABI (wgetStart, magni.settle), fetches of a pass together', async () => {
  const server = createServer((req, res) => void setTimeout(() => res.end('got ' + req.url + ' [x]'), 400));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const b = await board();
  try {
    const t0 = Date.now();
    const r = await b.evalLine(`[wget http://127.0.0.1:${port}/a] [wget http://127.0.0.1:${port}/b]`, false);
    const took = Date.now() - t0;
    assert.is(r.output, 'got /a [x] got /b [x]');
    assert.ok(took < 750, `two 400 ms fetches of one pass took ${took} ms: they ran one after the other`);
    const closed = await freePort();
    const refused = await b.evalLine(`[wget http://127.0.0.1:${closed}/]`, false);
    assert.is(refused.output, `%(ERROR:wget http://127.0.0.1:${closed}/: ECONNREFUSED)`);
  } finally {
    b.dispose();
    server.close();
  }
});

/** What every firmware registers, with no files. */
const minimalABI = () => ({ now: () => Date.now(), randomHex: (k: number) => randomBytes(k).toString('hex'), log, readText: () => null, appendText: () => {} });

test('a firmware with the synchronous host ABI only (the first ABI) still works: lines finish at once', async () => {
  await built;
  const asked: string[] = [];
  const abi = {
    ...minimalABI(),
    wget: (url: string) => (asked.push(url), 'synchronous [body]'),
  };
  const vm = await QuickJSVm.create({ log }, abi);
  try {
    vm.evalScript(readFileSync(bundlePath, 'utf8'), 'board.js');
    vm.call('magni.load', JSON.stringify({ stateFiles: [stateFile()] }));
    const json = vm.call('magni.evalLine', '[upper a] [wget http://x.test/]', false);
    assert.type(json, 'string', 'a string at once, not a promise');
    assert.is(JSON.parse(json as string).output, 'A synchronous [body]');
    assert.equal(asked, ['http://x.test/']);
  } finally {
    vm.dispose();
  }
});

test('[id] on the board: sha256 and the key through the host ABI, the same ID as the run command', async () => {
  const state = stateFile();
  const keyFile = state + '.identity';
  const b = await board({ stateFiles: [state], keyFile });
  try {
    const id = (await b.evalLine('[id]', false)).output;
    const node = new MagniNode(nodeHost(log, { keyFile }), { stateFiles: [state] });
    assert.is(id, nodeIdentity(node.host).shortId);
    assert.match(id, /^[\w-]{27}$/);
  } finally {
    b.dispose();
  }
  // a firmware whose functions answer wrongly gets a clear error, not a wrong ID
  await built;
  const abi = {
    ...minimalABI(),
    sha256: () => 'abc',
    nodePublicKey: () => 'ed25519 ' + '11'.repeat(32),
    sign: () => '',
    verify: () => false,
  };
  const vm = await QuickJSVm.create({ log }, abi);
  try {
    vm.evalScript(readFileSync(bundlePath, 'utf8'), 'board.js');
    vm.call('magni.load', JSON.stringify({ stateFiles: [stateFile()] }));
    assert.match(JSON.parse(vm.call('magni.evalLine', '[id]', false) as string).output, 'sha256() must return 64 hex digits');
  } finally {
    vm.dispose();
  }
});

test('Mimei files on the board: 0 B to 100 KB round-trip through the host ABI, the same CIDs as on Node, a corrupted block refused', async () => {
  const state = stateFile();
  const keyFile = state + '.identity';
  const b = await board({ stateFiles: [state], keyFile });
  const files = [0, 1, 16384, 16385, 100_000].map((n) => new Uint8Array(randomBytes(n)));
  const made: string[] = [];
  let mid = '';
  try {
    mid = b.call('magni.mimei.create', false) as string;
    assert.match(mid, /^[\w-]{27}$/);
    for (const [i, f] of files.entries()) {
      const [cid, ver] = (b.call('magni.mimei.add', mid, Buffer.from(f).toString('hex')) as string).split(' ');
      assert.is(+ver, i + 1);
      assert.is(b.call('magni.mimei.get', mid, +ver), Buffer.from(f).toString('hex'), `${f.length} bytes back`);
      made.push(cid);
    }
    assert.is((await b.evalLine(`[mm-ver ${mid}]`, false)).output, String(files.length));
    assert.ok(b.heap().peak < 512 * 1024, 'heap peak ' + b.heap().peak);
  } finally {
    b.dispose();
  }
  // Node reads what the board wrote, and chunks the same bytes to the same CIDs
  const store = new MimeiStore(nodeHost(log, { keyFile }), state);
  const other = new BlockStore(nodeHost(log), join(dir, 'other.blocks'));
  for (const [i, f] of files.entries()) {
    const v = store.version(mid, i + 1);
    assert.ok(v);
    assert.is(cidToString(v.cid), made[i]);
    assert.equal(readFile(store.blocks, v.cid), f);
    assert.is(cidToString(addFile(other, [f], 16 * 1024)), made[i], 'Node chunks it to the same CID');
  }
  // a flipped byte in a stored block (version 3: a one-chunk file is its raw block): the board refuses to hand it back
  const path = join(state + '.blocks', made[2]);
  const bytes = readFileSync(path);
  bytes[100] ^= 1;
  writeFileSync(path, bytes);
  const again = await board({ stateFiles: [state], keyFile });
  try {
    assert.throws(() => again.call('magni.mimei.get', mid, 3), /bafkrei|does not match|corrupt/i);
  } finally {
    again.dispose();
  }
});

test('out of memory and stack overflow in QuickJS are clear errors, not crashes', async () => {
  const vm = await QuickJSVm.create({ memoryLimit: 16 << 20, log });
  try {
    assert.throws(() => vm.evalScript('const a = []; for (;;) a.push(new Uint8Array(65536))'), (e: Error) => e instanceof BoardError && /out of memory/.test(e.message));
    assert.throws(() => vm.evalScript('function f() { return f() + 1 } f()'), (e: Error) => e instanceof BoardError && /stack overflow/.test(e.message));
    assert.is(vm.evalScript('6 * 7'), 42);
  } finally {
    vm.dispose();
  }
});

test('the board compiles like qjsc -s (no source, no line tables) unless asked to keep them', async () => {
  const code = 'function where() { return new Error("x").stack }\n[where.toString(), where()]';
  const keep = { none: [true, true], source: [false, true], debug: [false, false] } as const;
  for (const strip of [undefined, 'none', 'source', 'debug'] as const) {
    const vm = await QuickJSVm.create({ log, strip });
    try {
      const [text, stack] = vm.evalScript(code, 'where.js') as [string, string];
      const [source, lines] = keep[strip ?? 'debug'];
      assert.is(text.includes('return new Error'), source, `${strip}: source kept`);
      assert.is(/where\.js:1:\d+/.test(stack), lines, `${strip}: line numbers kept`);
      assert.match(stack, /at where/, `${strip}: function names are not debug info`);
    } finally {
      vm.dispose();
    }
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
