// What the process-level suites share: paths, temporary directories
// (removed at exit), free loopback ports, `./run` as a command and as a server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RUN = join(ROOT, 'run');

const dirs: string[] = [];
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'magni-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether port can be listened on at 127.0.0.1 now. */
const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.on('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** The first of n consecutive free loopback ports (for `run servers start N --port P`). */
export async function freePorts(n: number): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let p = base; p < base + n && ok; p++) ok = await canListen(p);
    if (ok) return base;
  }
}

const running = new Set<WebServer>();
process.on('exit', () => {
  for (const s of running) s.kill('SIGKILL');
});

/** `./run ARGS` in dir, to completion. */
export function runSync(dir: string, args: string[], input = '') {
  const r = spawnSync(RUN, args, { cwd: dir, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type Kind = 'node' | 'bun';

/** `./run -w PORT` (or `./run --bun -w PORT`) as a real process in dir, killed when the tests end. */
export class WebServer {
  stderr = '';
  /** The process that serves: ./run execs Node or Bun, so it is the one spawned. */
  pid = 0;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  private constructor(readonly proc: ChildProcess, readonly port: number, readonly dir: string) {
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (t: string) => (this.stderr += t));
    running.add(this);
    this.exited.then(() => running.delete(this));
  }

  static async start(kind: Kind, dir: string, extra: string[] = [], host = '127.0.0.1', fixedPort = 0): Promise<WebServer> {
    const port = fixedPort || (await freePort());
    const args = [...(kind === 'bun' ? ['--bun'] : []), '-w', String(port), ...extra];
    const s = new WebServer(spawn(RUN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }), port, dir);
    const ready = `Magni web node on http://${host}:${port}/ (key in jml.state.key)`;
    const deadline = Date.now() + 60_000;
    let done = false;
    s.exited.then(() => (done = true));
    while (!s.stderr.includes(ready)) {
      if (done) throw new Error(`./run ${args.join(' ')} exited before serving: ${s.stderr}`);
      if (Date.now() > deadline) throw new Error(`./run ${args.join(' ')} did not say it serves within 60 s: ${s.stderr}`);
      await sleep(20);
    }
    s.pid = s.proc.pid!;
    assert.ok(s.pid > 0, 'the server process');
    if (kind === 'bun') assert.match(readFileSync(`/proc/${s.pid}/comm`, 'utf8'), /^bun/, 'Bun itself serves, with no Node in front of it');
    return s;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.url(path), { redirect: 'manual', ...init });
  }

  async text(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: string }> {
    const r = await this.fetch(path, init);
    return { status: r.status, headers: r.headers, body: await r.text() };
  }

  /** A signal to the serving process. */
  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {}
  }

  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}

