// `run servers start N [--port P]`, `run servers list`, `run servers stop [ID|PORT|all]`:
// a group of nodes on this machine, each a real process serving on loopback
// port P, P+1, ... with its own directory under ./servers/ (state, keys, log).
// The first node is the others' bootstrap. A node's PID is the one in its
// state file's lock, so a node is "running" exactly when it holds its state.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { alive, lockHolder } from './lock.ts';
import { nodeHost } from './host.ts';
import { MagniNode } from '../../runtime/index.ts';
import { Messenger } from '../../runtime/messages/index.ts';
import { identityFile } from './cli.ts';

export const SERVERS_USAGE = `usage: run servers start N [--port P] [--bun]   start N nodes on ports P, P+1, ... (default 8001)
       run servers list                          each node's ID, URL, PID and state
       run servers stop [ID|PORT|all]            stop one node (by short ID or port) or all (default)`;

const DIR = 'servers';
const out = (s: string) => writeSync(1, s + '\n');
const err = (s: string) => writeSync(2, s + '\n');

interface Server {
  port: number;
  dir: string;
  state: string;
  url: string;
  pid: number;
  id: string;
}

/** The nodes ./servers holds, by port. */
function servers(): Server[] {
  if (!existsSync(DIR)) return [];
  const list: Server[] = [];
  for (const name of readdirSync(DIR)) {
    const m = /^node-(\d+)$/.exec(name);
    if (!m) continue;
    const dir = join(DIR, name);
    const state = join(dir, 'jml.state');
    list.push({ port: +m[1], dir, state, url: 'http://127.0.0.1:' + m[1], pid: lockHolder(state), id: idOf(state) });
  }
  return list.sort((a, b) => a.port - b.port);
}

/** A node's short ID from its key file ('-' before it has one). */
function idOf(state: string): string {
  if (!existsSync(identityFile(state))) return '-';
  try {
    return new Messenger(new MagniNode(nodeHost(() => {}, { keyFile: identityFile(state) }), { stateFiles: [state] })).identity().shortId;
  } catch {
    return '?';
  }
}

const delay = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Wait until url/id answers, at most ms. */
async function answers(url: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await delay(100)) {
    try {
      if ((await fetch(url + '/id', { signal: AbortSignal.timeout(1000) })).ok) return true;
    } catch {}
  }
  return false;
}

async function start(n: number, port: number, runScript: string, bun: boolean): Promise<number> {
  mkdirSync(DIR, { recursive: true });
  const first = 'http://127.0.0.1:' + port;
  const started: Server[] = [];
  for (let i = 0; i < n; i++) {
    const p = port + i;
    const dir = join(DIR, 'node-' + p);
    mkdirSync(dir, { recursive: true });
    const state = join(dir, 'jml.state');
    const pid = lockHolder(state);
    if (pid) {
      err(`run servers: the node on port ${p} is already running (pid ${pid})`);
      continue;
    }
    const log = openSync(join(dir, 'log'), 'a', 0o644);
    const args = [...(bun ? ['--bun'] : []), '-q', '-w', String(p), state, ...(i ? ['--bootstrap', first] : [])];
    const child = spawn(runScript, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    started.push({ port: p, dir, state, url: 'http://127.0.0.1:' + p, pid: child.pid || 0, id: '' });
    if (i === 0 && !(await answers(first, 15_000))) err(`run servers: the first node (${first}) does not answer; see ${join(dir, 'log')}`);
  }
  let failed = 0;
  for (const s of started) {
    if (!(await answers(s.url, 15_000))) {
      err(`run servers: the node on port ${s.port} does not answer; see ${join(s.dir, 'log')}`);
      failed++;
    }
  }
  list();
  return failed ? 1 : 0;
}

function list(): number {
  const rows = servers().map((s) => [s.id, s.url, s.pid ? String(s.pid) : '-', s.pid ? 'running' : 'stopped']);
  if (!rows.length) {
    out('no nodes (start some: run servers start 4)');
    return 0;
  }
  const head = ['ID', 'URL', 'PID', 'STATE'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) out(r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd());
  return 0;
}

async function stop(which: string): Promise<number> {
  const all = servers();
  const chosen = which === 'all' ? all.filter((s) => s.pid) : all.filter((s) => s.pid && (s.id === which || String(s.port) === which));
  if (!chosen.length) {
    err(which === 'all' ? 'run servers: no node is running' : `run servers: no running node is ${which} (run servers list)`);
    return which === 'all' ? 0 : 1;
  }
  for (const s of chosen) process.kill(s.pid, 'SIGTERM');
  for (const end = Date.now() + 8000; chosen.some((s) => alive(s.pid)) && Date.now() < end; ) await delay(50);
  for (const s of chosen) {
    if (alive(s.pid)) {
      process.kill(s.pid, 'SIGKILL');
      err(`run servers: the node on port ${s.port} did not stop in time: killed`);
    }
    out(`stopped ${s.id} (${s.url}, pid ${s.pid})`);
  }
  return 0;
}

/** `run servers ...` with the words after `servers`. */
export async function serversMain(args: string[], runScript: string): Promise<number> {
  const [cmd, ...rest] = args;
  const bad = (why: string) => (err('run servers: ' + why), err(SERVERS_USAGE), 2);
  if (cmd === 'start') {
    let n = 0;
    let port = 8001;
    let bun = false;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--port') port = Number(rest[++i]);
      else if (rest[i] === '--bun') bun = true;
      else if (!n && /^\d+$/.test(rest[i])) n = +rest[i];
      else return bad('unknown argument ' + rest[i]);
    }
    if (!(n >= 1 && n <= 256)) return bad('start needs a number of nodes from 1 to 256');
    if (!(Number.isInteger(port) && port >= 1 && port + n - 1 <= 65535)) return bad('--port needs a port such that P+N-1 <= 65535');
    return start(n, port, runScript, bun);
  }
  if (cmd === 'list' && !rest.length) return list();
  if (cmd === 'stop' && rest.length <= 1) return stop(rest[0] || 'all');
  return bad(cmd ? 'unknown command ' + cmd : 'a command is needed');
}
