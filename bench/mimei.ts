// `npm run bench:mimei`: the Mimei's throughput between real processes on
// loopback (add a 10 MB file, one node syncs it from another), and CID
// (sha2-256) speed on Node and on the virtual board (targets/quickjs/board.ts,
// the host ABI's sha256, which takes and gives hex). Markdown tables.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePorts, ROOT } from '../test/node/util.ts';
import { Board, runScript } from '../targets/quickjs/board.ts';

const RUN = join(ROOT, 'run');
const SIZE = 10_000_000;
const run = (dir: string, args: string[]) => {
  const r = spawnSync(RUN, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(args.join(' ') + ': ' + r.stderr);
  return r.stdout;
};
const mbs = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);

const dir = mkdtempSync(join(tmpdir(), 'magni-bench-mimei-'));
const port = await freePorts(2);
const rows: string[][] = [];
try {
  const s0 = join('servers', `node-${port}`, 'jml.state');
  mkdirSync(join(dir, 'servers', `node-${port}`), { recursive: true });
  const mid = run(dir, ['mimei', 'create', '--state', s0]).replace('mid= ', '').trim();
  writeFileSync(join(dir, 'big'), randomBytes(SIZE));
  let t = performance.now();
  run(dir, ['mimei', 'add', mid, 'big', '--state', s0]);
  rows.push(['add (CLI process, 40 chunks written durably)', String(SIZE), (performance.now() - t).toFixed(0), mbs(SIZE, performance.now() - t)]);
  run(dir, ['servers', 'start', '2', '--port', String(port)]);
  const url = (i: number) => `http://127.0.0.1:${port + i}`;
  const key = readFileSync(join(dir, s0 + '.key'), 'utf8').trim();
  const login = await fetch(url(0) + '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=' + key, redirect: 'manual' });
  const cookie = (login.headers.get('set-cookie') as string).split(';')[0];
  for (let i = 0; i < 60; i++) {
    const r = await (await fetch(url(0) + '/run', { method: 'POST', headers: { cookie, origin: url(0), 'content-type': 'text/plain' }, body: `[mm-publish ${mid}]` })).text();
    if (/stored= [12]/.test(r)) break;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  mkdirSync(join(dir, 'client'));
  t = performance.now();
  run(dir, ['mimei', 'sync', mid, '--state', join('client', 'jml.state'), '--bootstrap', url(1)]);
  rows.push(['sync (CLI client, DHT lookup + 41 blocks over HTTP, verified, written durably)', String(SIZE), (performance.now() - t).toFixed(0), mbs(SIZE, performance.now() - t)]);
} finally {
  spawnSync(RUN, ['servers', 'stop', 'all'], { cwd: dir });
  rmSync(dir, { recursive: true, force: true });
}

console.log('| Mimei, 10 MB on loopback | bytes | ms | MB/s |\n|---|---:|---:|---:|');
for (const r of rows) console.log('| ' + r.join(' | ') + ' |');

// CID speed: sha2-256 of 256 KiB chunks
const CHUNK = 256 * 1024;
const chunk = randomBytes(CHUNK);
let t = performance.now();
const N = 200;
for (let i = 0; i < N; i++) createHash('sha256').update(chunk).digest();
const nodeMs = performance.now() - t;
const keyDir = mkdtempSync(join(tmpdir(), 'magni-bench-key-'));
const B = 20;
const board = await runScript(
  `const h = globalThis.__magni_host; const hex = ${JSON.stringify(chunk.toString('hex'))};
   const t0 = Date.now(); for (let i = 0; i < ${B}; i++) h.sha256(hex); globalThis.ms = Date.now() - t0;`,
  { keyFile: join(keyDir, 'key'), result: 'ms' },
);
rmSync(keyDir, { recursive: true, force: true });
const boardMs = Math.max(1, Number(board.value));
console.log('\n| CID (sha2-256), 256 KiB chunks | chunks | ms | MB/s |\n|---|---:|---:|---:|');
console.log(`| Node (node:crypto) | ${N} | ${nodeMs.toFixed(0)} | ${mbs(N * CHUNK, nodeMs)} |`);
console.log(`| board (host ABI sha256, hex in and out) | ${B} | ${boardMs} | ${mbs(B * CHUNK, boardMs)} |`);

// The store on the board: add and get of 100 KB files through magni.mimei (16 KiB chunks, bytes as hex through the host ABI)
{
  const dir = mkdtempSync(join(tmpdir(), 'magni-bench-board-'));
  const board = await Board.create({ stateFiles: [join(dir, 'b.state')], keyFile: join(dir, 'b.state.identity'), bundlePath: join(ROOT, 'dist', 'board.js'), quiet: true, log: () => {}, sampleEvery: 0 });
  try {
    const FILES = 10;
    const file = randomBytes(100_000).toString('hex');
    const mid = board.call('magni.mimei.create', false) as string;
    let t0 = performance.now();
    for (let i = 0; i < FILES; i++) board.call('magni.mimei.add', mid, file);
    const addMs = performance.now() - t0;
    t0 = performance.now();
    for (let i = 1; i <= FILES; i++) board.call('magni.mimei.get', mid, i);
    const getMs = performance.now() - t0;
    console.log('\n| the board\'s store, 10 files of 100 KB | ms | MB/s | QuickJS heap peak |\n|---|---:|---:|---:|');
    console.log(`| add (magni.mimei.add) | ${addMs.toFixed(0)} | ${mbs(FILES * 100_000, addMs)} | ${board.heap().peak} bytes |`);
    console.log(`| get (magni.mimei.get) | ${getMs.toFixed(0)} | ${mbs(FILES * 100_000, getMs)} | |`);
  } finally {
    board.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
