// The Host on Node and Bun: files through node:fs, randomness from
// Web Crypto (a global: cheaper to start than node:crypto), wget through
// fetch (asynchronous: the node never waits on it).
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Host } from '../../runtime/host.ts';

/** Why a fetch failed, in a few words (fetch itself only says "fetch failed"). */
function reason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  // Node puts the system error in cause, Bun on the error itself: the same words on both
  return err?.cause?.code || err?.code || err?.cause?.message || err?.message || String(e);
}

/** HTTP(S) GET: the body as UTF-8 text; refuses a body over maxBytes, gives up after timeoutMs. */
export async function wget(url: string, { timeoutMs, maxBytes }: { timeoutMs: number; maxBytes: number }): Promise<string> {
  if (!/^https?:\/\//i.test(url)) throw new Error('only http and https URLs can be fetched');
  const ms = Math.max(1, Math.floor(timeoutMs));
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(ms), redirect: 'follow' });
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (r.body) {
      const reader = r.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) {
          await reader.cancel().catch(() => {});
          throw new Error(`the body is larger than ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
    }
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return new TextDecoder().decode(Buffer.concat(chunks));
  } catch (e) {
    throw new Error(reason(e, ms));
  }
}

export function nodeHost(log: (line: string) => void = (line) => writeSync(2, line + '\n')): Host {
  return {
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
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
