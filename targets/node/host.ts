// The Host on Node and Bun: files through node:fs, randomness from
// node:crypto, wget through a short-lived child process (the evaluator is
// synchronous, and so is the Host).
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { Host } from '../../runtime/host.ts';

const FETCH = `fetch(process.env.MAGNI_WGET_URL,{signal:AbortSignal.timeout(10000)}).then(async r=>{const t=await r.text();if(!r.ok){process.stderr.write('HTTP '+r.status);process.exit(2)}process.stdout.write(t)},e=>{process.stderr.write(String(e&&e.message||e));process.exit(1)})`;

export function wget(url: string): string {
  if (!/^https?:\/\//i.test(url)) throw new Error('only http and https URLs can be fetched');
  try {
    return execFileSync(process.execPath, ['-e', FETCH], {
      env: { ...process.env, MAGNI_WGET_URL: url },
      encoding: 'utf8',
      timeout: 15000,
      maxBuffer: 8 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error((err.stderr && String(err.stderr).trim()) || err.message);
  }
}

export function nodeHost(log: (line: string) => void = (line) => writeSync(2, line + '\n')): Host {
  return {
    now: () => Date.now(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    wget,
    log,
    readText(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    appendText(path, text) {
      const fd = openSync(path, 'a', 0o644);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}
