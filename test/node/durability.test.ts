// What the node keeps, as real processes keep it: a save that cannot be
// written whole is refused and leaves the state file as it was; every append
// starts on a fresh line; one writer per state file; a state log too large to
// be one string still loads, a line at a time (Node, Bun, the board).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, RUN, sleep, tempDir } from './util.ts';
import { Board } from '../../targets/quickjs/board.ts';

type Kind = 'node' | 'bun';

const procs = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of procs) p.kill('SIGKILL');
});

/** `./run [--bun] -w PORT` in dir, through sh so a ulimit can be set first; resolves once it serves. */
async function serve(kind: Kind, dir: string, ulimit = '') {
  const port = await freePort();
  const cmd = `${ulimit ? `ulimit -f ${ulimit}; ` : ''}exec "${RUN}" ${kind === 'bun' ? '--bun ' : ''}-w ${port}`;
  const proc = spawn('sh', ['-c', cmd], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  procs.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => (procs.delete(proc), r())));
  for (const deadline = Date.now() + 60_000; !stderr.includes(`:${port}/`); await sleep(20)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error('the server did not start: ' + stderr);
  }
  const base = `http://127.0.0.1:${port}`;
  const key = readFileSync(join(dir, 'jml.state.key'), 'utf8').trim();
  const login = await fetch(base + '/login', { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'key=' + key });
  const cookie = (login.headers.get('set-cookie') || '').split(';')[0];
  const save = (id: string, text: string) =>
    fetch(base + '/edit/' + id, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie }, body: new URLSearchParams({ text, action: 'save' }).toString() });
  const page = async (id: string) => (await fetch(base + '/wiki/' + id)).text();
  return { base, save, page, stderr: () => stderr, stop: async () => (proc.kill('SIGKILL'), await exited) };
}

const lines = (dir: string) => readFileSync(join(dir, 'jml.state'), 'utf8');

function durability(kind: Kind) {
  const t = suite(`what is kept, on ${kind}`);

  t('a save that cannot be written whole (a file-size limit) is a 507; the node serves what is on disk, before and after a restart', async () => {
    const dir = tempDir('magni-durable-');
    const s = await serve(kind, dir, '16'); // 16 blocks: 8 KiB (dash) or 16 KiB (bash)
    let saved = 0;
    let refused: Response | null = null;
    for (let i = 1; i <= 40 && !refused; i++) {
      const r = await s.save('Grow', `version ${i} ` + 'x'.repeat(1000));
      if (r.status === 303) saved = i;
      else refused = r;
    }
    assert.ok(saved > 0 && refused, `saved ${saved}, then ${refused?.status}`);
    assert.is(refused!.status, 507);
    assert.match(await refused!.text(), /the file has reached its size limit/);
    const text = lines(dir);
    assert.ok(text.endsWith('\n'), 'no line cut short on disk');
    assert.match(await s.page('Grow'), new RegExp(`version ${saved} `), 'memory holds what disk holds');
    await s.stop();
    const again = await serve(kind, dir);
    assert.match(await again.page('Grow'), new RegExp(`version ${saved} `));
    assert.not.match(again.stderr(), /ERROR/, again.stderr());
    await again.stop();
  });

  t('every append starts on a fresh line: a fragment left in the file never swallows the next save', async () => {
    const dir = tempDir('magni-durable-');
    const s = await serve(kind, dir);
    assert.is((await s.save('One', 'first')).status, 303);
    appendFileSync(join(dir, 'jml.state'), '[macro page-Broken]a fragment, no newline'); // as a crash mid-write would leave it
    assert.is((await s.save('Two', 'second')).status, 303);
    await s.stop();
    const again = await serve(kind, dir);
    assert.match(await again.page('One'), /first/);
    assert.match(await again.page('Two'), /second/, 'the save after the fragment is intact');
    assert.match(again.stderr(), /jml\.state:2: macro page-Broken is not terminated/, 'the fragment is reported');
    await again.stop();
  });

  t('one writer per state file: a second server is refused with a clear error; the CLI reads but keeps nothing', async () => {
    const dir = tempDir('magni-durable-');
    const s = await serve(kind, dir);
    await s.save('Shared', 'held by the server');
    const second = spawnSync(RUN, [...(kind === 'bun' ? ['--bun'] : []), '-w', String(await freePort())], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.is(second.status, 1);
    assert.match(second.stderr, /jml\.state is in use by another Magni process \(pid \d+\); one server per state file/);
    const before = lines(dir);
    const cli = spawnSync(RUN, kind === 'bun' ? ['--bun'] : [], { cwd: dir, encoding: 'utf8', input: '[page-Shared]\n[data mine 1][data-mine]\n', timeout: 30_000 });
    assert.is(cli.stdout, 'held by the server\n11\n');
    assert.match(cli.stderr, /jml\.state is in use by another Magni process \(pid \d+\): reading it; definitions last for their line and are not kept/);
    assert.is(lines(dir), before, 'nothing written while the server holds the file');
    await s.stop();
  });

  t.run();
}

/** A state log of n versions of a 1 MiB page (as a flood of public saves leaves it). */
function bigLog(dir: string, n: number): void {
  const fd = openSync(join(dir, 'jml.state'), 'w');
  const page = 'x'.repeat((1 << 20) - 10);
  for (let i = 1; i <= n; i++) writeSync(fd, `[macro page-Big]${page}${String(i).padStart(10, '0')}[/macro ${i} 2026-12-01T00:00:00Z public]\n`);
  closeSync(fd);
}

const big = suite('a state log too large to read as one string');

big('Node, with a 48 MB heap, starts on a 100 MB log', () => {
  const dir = tempDir('magni-biglog-');
  bigLog(dir, 100);
  const r = spawnSync(RUN, ['-q'], { cwd: dir, encoding: 'utf8', input: '[substr -10 10 [page-Big]]\n', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=48' }, timeout: 120_000 });
  assert.is(r.stderr, '');
  assert.is(r.stdout, '0000000100\n');
});

big('Bun starts on a 100 MB log', () => {
  const dir = tempDir('magni-biglog-');
  bigLog(dir, 100);
  const r = spawnSync(RUN, ['--bun', '-q'], { cwd: dir, encoding: 'utf8', input: '[substr -10 10 [page-Big]]\n', timeout: 120_000 });
  assert.is(r.stderr, '');
  assert.is(r.stdout, '0000000100\n');
});

big('the board, its memory capped at 16 MiB, starts on a 24 MB log', async () => {
  const dir = tempDir('magni-biglog-');
  bigLog(dir, 24);
  const logs: string[] = [];
  const b = await Board.create({ stateFiles: [join(dir, 'jml.state')], memoryLimit: 16 << 20, sampleEvery: 0, quiet: true, log: (l) => void logs.push(l) });
  try {
    assert.is((await b.evalLine('[substr -10 10 [page-Big]]', false)).output, '0000000024');
    assert.equal(logs, []);
  } finally {
    b.dispose();
  }
});

big.run();

durability('node');
durability('bun');
