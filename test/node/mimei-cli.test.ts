// `run mimei` as a user runs it: create, add a file and get it back
// identical, versions, a database; kill -9 during add leaves no partial block
// (every block file verifies) and a re-run succeeds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { parseCid } from '../../runtime/index.ts';
import { checkBlock } from '../../runtime/mimei/index.ts';
import { prng } from '../prng.ts';
import { RUN, sleep, tempDir } from './util.ts';
import { lockStateFile } from '../../targets/node/lock.ts';

const mimei = (dir: string, ...args: string[]) => {
  const r = spawnSync(RUN, ['mimei', ...args, '--state', join(dir, 's.state')], { cwd: dir, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, text: r.stdout.toString(), err: r.stderr.toString() };
};

function randomFile(dir: string, name: string, n: number, seed: number): Buffer {
  const next = prng(seed);
  const words = Buffer.alloc(Math.ceil(n / 4) * 4);
  for (let i = 0; i < n; i += 4) words.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  const b = words.subarray(0, n);
  writeFileSync(join(dir, name), b);
  return b;
}

/** Every block file in the store verifies against its name; temp files are not blocks. */
function checkStore(dir: string): number {
  const blocks = readdirSync(join(dir, 's.state.blocks')).filter((f) => !f.endsWith('.tmp'));
  for (const f of blocks) checkBlock(sha256, parseCid(f).bytes, readFileSync(join(dir, 's.state.blocks', f)));
  return blocks.length;
}

test('create, add, get back identical, versions, show; a database', () => {
  const dir = tempDir();
  const c = mimei(dir, 'create');
  assert.is(c.code, 0, c.err);
  const mid = /^mid= ([\w-]{27})\n$/.exec(c.text)?.[1] as string;
  assert.ok(mid, c.text);
  const one = randomFile(dir, 'one.bin', 600_000, 1);
  const a = mimei(dir, 'add', mid, join(dir, 'one.bin'));
  assert.match(a.text, /^cid= bafy\S+\nver= 1\n$/, a.err);
  writeFileSync(join(dir, 'two.txt'), 'second');
  assert.match(mimei(dir, 'add', mid, join(dir, 'two.txt')).text, /^cid= bafkrei\S+\nver= 2\n$/);
  assert.ok(mimei(dir, 'get', mid, '1').out.equals(one), 'version 1, binary-identical');
  assert.is(mimei(dir, 'get', mid).text, 'second');
  const show = mimei(dir, 'show', mid).text;
  assert.match(show, /author= ed25519:[0-9a-f]{64}/);
  assert.match(show, /ver= 1 .*\nver= 2 /);
  const cid1 = /cid= (\S+)/.exec(a.text)?.[1] as string;
  assert.match(mimei(dir, 'setcid', mid, cid1).text, /ver= 3/);
  assert.ok(mimei(dir, 'get', mid).out.equals(one));
  const bad = mimei(dir, 'get', mid, '9');
  assert.is(bad.code, 1);
  assert.match(bad.err, /has no version 9/);
  const db = /mid= (\S+)/.exec(mimei(dir, 'create', '--db').text)?.[1] as string;
  assert.is(mimei(dir, 'set', db, 'k', 'v w').text, 'OK\nver= 1\n');
  assert.is(mimei(dir, 'get', db, 'k').text, 'v w\n');
  assert.is(mimei(dir, 'get', db).text, '{"k":"v w"}\n');
  assert.is(checkStore(dir) > 3, true);
});

test('files of 0 B, 1 B, 256 KiB, 256 KiB + 1 and 10 MB round-trip on Node and on Bun, to the same CIDs', () => {
  const dir = tempDir();
  const sizes = [0, 1, 256 * 1024, 256 * 1024 + 1, 10_000_000];
  const files = sizes.map((n, i) => randomFile(dir, `f${i}.bin`, n, 100 + i));
  const cids: Record<string, string[]> = {};
  for (const engine of ['node', 'bun']) {
    const state = join(dir, engine + '.state');
    const run = (...args: string[]) => spawnSync(RUN, [...(engine === 'bun' ? ['--bun'] : []), 'mimei', ...args, '--state', state], { cwd: dir, maxBuffer: 64 << 20 });
    const mid = /mid= (\S+)/.exec(run('create').stdout.toString())?.[1] as string;
    assert.ok(mid, engine + ' made a Mimei');
    cids[engine] = files.map((f, i) => {
      const a = run('add', mid, join(dir, `f${i}.bin`));
      assert.is(a.status, 0, a.stderr.toString());
      assert.ok(run('get', mid, String(i + 1)).stdout.equals(f), `${engine}: ${f.length} bytes back identical`);
      return /cid= (\S+)/.exec(a.stdout.toString())?.[1] as string;
    });
  }
  assert.equal(cids.bun, cids.node);
  assert.is(cids.node[0], 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'the empty file is the raw empty block');
  assert.match(cids.node[2], /^bafkrei/, 'one chunk: just its raw block');
  assert.match(cids.node[3], /^bafyrei/, 'two chunks: a manifest');
});

test("a MID that starts with '-' (base64url) is a MID, not an option", () => {
  const dir = tempDir();
  const mid = '-' + 'a'.repeat(26);
  const r = mimei(dir, 'findprovs', mid);
  assert.is(r.code, 1);
  assert.not.match(r.err, /needs a MID/);
  assert.match(r.err, /no server runs on .*--bootstrap URL/);
});

test('kill -9 during add: no partial block under a real name; a re-run succeeds', async () => {
  const dir = tempDir();
  const mid = /mid= (\S+)/.exec(mimei(dir, 'create').text)?.[1] as string;
  const data = randomFile(dir, 'big.bin', 12_000_000, 9);
  let killed = 0;
  const next = prng(3);
  for (let round = 0; round < 5; round++) {
    const child = spawn(RUN, ['mimei', 'add', mid, join(dir, 'big.bin'), '--chunk', '65536', '--state', join(dir, 's.state')], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await sleep(40 + Math.floor(next() * 250));
    child.kill('SIGKILL'); // (a no-op if this round's add already finished)
    await exited;
    if (child.signalCode === 'SIGKILL') killed++;
    checkStore(dir);
  }
  assert.ok(killed >= 1, 'at least one add was killed before it finished');
  const a = mimei(dir, 'add', mid, join(dir, 'big.bin'), '--chunk', '65536');
  assert.is(a.code, 0, a.err);
  checkStore(dir);
  // the next writer removed what the killed ones left half-written
  assert.equal(readdirSync(join(dir, 's.state.blocks')).filter((f) => f.endsWith('.tmp')), []);
  const v = /ver= (\d+)/.exec(a.text)?.[1] as string;
  assert.ok(mimei(dir, 'get', mid, v).out.equals(data), 'the file reads back whole');
});

test("the state file's next writer sweeps dead writers' temporary files, never a live one's", () => {
  const dir = tempDir();
  const blocks = join(dir, 's.state.blocks');
  mkdirSync(blocks);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(); // a PID that has exited
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    const names = [`bafkreiaaaa.${dead}.tmp`, `bafkreibbbb.${live.pid}.tmp`, 'bafkreicccc'];
    for (const n of names) writeFileSync(join(blocks, n), 'x');
    const lock = lockStateFile(join(dir, 's.state'));
    assert.ok(lock.held);
    if (lock.held) lock.release();
    assert.equal(readdirSync(blocks).sort(), names.slice(1).sort());
  } finally {
    live.kill('SIGKILL');
  }
});

test('a writer while a server holds the state file: refused with a clear message', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.state.lock'), process.pid + '\n');
  const r = mimei(dir, 'create');
  assert.is(r.code, 1);
  assert.match(r.err, /in use by another Magni process/);
});

test.run();
