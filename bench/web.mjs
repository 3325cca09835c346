// Web node throughput: requests per second and p99 latency with autocannon
// (50 connections) for a wiki page and for a public macro call, against
// `./run -w PORT` (node:http) and `./run --bun -w PORT` (Bun.serve), each a
// real process on loopback. Prints a Markdown table.
//   node bench/web.mjs [--duration S] [--connections N] [--warmup S]
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN = join(ROOT, 'run');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DURATION = arg('--duration', 10);
const CONNECTIONS = arg('--connections', 50);
const WARMUP = arg('--warmup', 2);

const PAGE = [
  '=Bench=',
  'A wiki page of the usual kind: __bold__, //italic//, a {{Link}} and a list.',
  '',
  ...Array.from({ length: 10 }, (_, i) => `- item ${i + 1}: some text with __emphasis__ and a {{Page${i}}}`),
  '',
  '==Notes==',
  'A paragraph of plain text that goes on for a while, as pages do, so that the page is not trivially small.',
].join('\n');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


async function start(kind, dir) {
  const port = await freePort();
  const args = [...(kind === 'bun' ? ['--bun'] : []), '-q', '-w', String(port)];
  const proc = spawn(RUN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (t) => (stderr += t));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes(`http://127.0.0.1:${port}/`)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`./run ${args.join(' ')} did not start: ${stderr}`);
    await sleep(20);
  }
  const pid = proc.pid; // ./run execs Node or Bun: the spawned process serves
  const stop = async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
    await exited;
  };
  return { base: `http://127.0.0.1:${port}`, pid, stop };
}

/** Log in, save the page, define the macro (once per state dir; the second server finds them). */
async function setUp(base, key) {
  const form = (fields, cookie) => ({
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
  const login = await fetch(base + '/login', form({ key }));
  const cookie = (login.headers.get('set-cookie') || '').split(';')[0];
  if (login.status !== 303 || !cookie) throw new Error('login failed: ' + login.status);
  const save = await fetch(base + '/edit/Bench', form({ text: PAGE, action: 'save' }, cookie));
  if (save.status !== 303) throw new Error('saving the page failed: ' + save.status);
  const run = await fetch(base + '/run', {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'text/plain' },
    body: '[macro /greet $name]Hello, [upper $name]! 10! is [fac 10].[/macro]',
  });
  if (run.status !== 200) throw new Error('defining the macro failed: ' + run.status);
}

function cannon(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration }, (e, r) => (e ? reject(e) : resolve(r)));
  });
}

async function measure(base, path, expect) {
  const check = await fetch(base + path);
  const text = await check.text();
  if (check.status !== 200 || !expect.test(text)) throw new Error(`${path} gave ${check.status}: ${text.slice(0, 200)}`);
  if (WARMUP > 0) await cannon(base + path, WARMUP);
  const r = await cannon(base + path, DURATION);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    bytes: Math.round(r.throughput.average / Math.max(1, r.requests.average)),
    bad: r.non2xx + r.errors + r.timeouts,
    total: r.requests.total,
  };
}

const { tsImport } = await import('tsx/esm/api');
const { pipelinedBurst, uploads, underAttack, rssMB } = await tsImport(new URL('./attacks.ts', import.meta.url).href, import.meta.url);

/** Peak RSS and the slowest other client while an attack runs against a fresh server of kind. */
async function attacked(kind, attack) {
  const adir = mkdtempSync(join(tmpdir(), 'magni-bench-attack-'));
  const server = await start(kind, adir);
  try {
    const idle = rssMB(server.pid);
    const port = Number(new URL(server.base).port);
    const clients = attack === 'pipelined' ? pipelinedBurst(port, 3) : uploads(port, 1000, 1 << 20).sockets;
    const m = await underAttack(server.pid, server.base + '/help', 4000);
    for (const c of clients) c.destroy();
    return { idle, ...m };
  } finally {
    await server.stop();
    rmSync(adir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'magni-bench-web-'));
const rows = [];
const attacks = [];
try {
  const key = spawnSync(RUN, ['key'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  let ready = false;
  for (const kind of ['node', 'bun']) {
    const server = await start(kind, dir);
    try {
      if (!ready) await setUp(server.base, key);
      ready = true;
      rows.push([kind, 'wiki page `/wiki/Bench`', await measure(server.base, '/wiki/Bench', /<b>emphasis<\/b>/)]);
      rows.push([kind, 'public macro `/greet/World`', await measure(server.base, '/greet/World', /Hello, WORLD! 10! is 3628800\./)]);
    } finally {
      await server.stop();
    }
    attacks.push([kind, '3 connections pipelining 64 KB of `GET /iota/0/100000` each, reading nothing', await attacked(kind, 'pipelined')]);
    attacks.push([kind, '1,000 clients each uploading 1 MiB at once', await attacked(kind, 'uploads')]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
console.log(`autocannon, ${CONNECTIONS} connections, ${DURATION} s per row (after ${WARMUP} s warm-up), server and load generator on one ${cpus().length}-core machine (${cpus()[0]?.model.trim()}):\n`);
console.log('| server | request | req/s | p50 latency | p99 latency | bytes/response | errors |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const [kind, what, m] of rows)
  console.log(`| ${kind === 'node' ? 'Node (node:http)' : 'Bun (Bun.serve)'} | ${what} | ${fmt(m.rps)} | ${fmt(m.p50, 1)} ms | ${fmt(m.p99, 1)} ms | ${fmt(m.bytes)} | ${m.bad} of ${fmt(m.total)} |`);

console.log(`\nUnder attack: the server's resident memory at its peak, sampled every 250 ms for 4 s, and the slowest answer another client got meanwhile (a 503 is counted as answered: over the caps, clients are told to come back):\n`);
console.log('| server | attack | RSS idle | RSS peak | slowest other client | other client got |');
console.log('|---|---|---:|---:|---:|---|');
for (const [kind, what, m] of attacks)
  console.log(`| ${kind === 'node' ? 'Node (node:http)' : 'Bun (Bun.serve)'} | ${what} | ${m.idle} MB | ${m.peak} MB | ${fmt(m.slowest)} ms | ${[...m.statuses].join(', ')} |`);
