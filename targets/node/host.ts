// The Host on Node and Bun: files through node:fs, randomness from
// Web Crypto (a global: cheaper to start than node:crypto), wget through
// fetch (asynchronous: the node never waits on it).
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileLine, Host, HttpAnswer, KeyType, NodeKey } from '../../runtime/host.ts';
import { readOrCreateNodeKey, sha256, verify } from './node-key.ts';
import { linesOfChunks } from '../../runtime/lines.ts';

/** Why a fetch failed, in a few words (fetch itself only says "fetch failed"). */
function reason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  // Node puts the system error in cause, Bun on the error itself: the same words on both
  return err?.cause?.code || err?.code || err?.cause?.message || err?.message || String(e);
}

/** An HTTP(S) request: the status and the body as UTF-8 text; refuses a body over maxBytes, gives up after timeoutMs. */
export async function request(url: string, init: { method?: string; body?: string }, limits: { timeoutMs: number; maxBytes: number }): Promise<HttpAnswer> {
  const r = await requestBytes(url, init, limits);
  return { status: r.status, body: new TextDecoder().decode(r.body) };
}

/** An HTTP(S) request: the status and the body's bytes; refuses a body over maxBytes, gives up after timeoutMs. */
export async function requestBytes(url: string, init: { method?: string; body?: string }, { timeoutMs, maxBytes }: { timeoutMs: number; maxBytes: number }): Promise<{ status: number; body: Uint8Array }> {
  if (!/^https?:\/\//i.test(url)) throw new Error('only http and https URLs can be fetched');
  const ms = Math.max(1, Math.floor(timeoutMs));
  try {
    const headers = init.body === undefined ? undefined : { 'content-type': 'text/plain; charset=utf-8' };
    const r = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(ms), redirect: init.method === 'POST' ? 'error' : 'follow' });
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
    const body = chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
    return { status: r.status, body };
  } catch (e) {
    throw new Error(reason(e, ms));
  }
}

/** HTTP(S) GET as bytes: rejects (with the status) unless 2xx; refuses a body over maxBytes, gives up after timeoutMs. */
export async function getBytes(url: string, limits: { timeoutMs: number; maxBytes: number }): Promise<Uint8Array> {
  const r = await requestBytes(url, {}, limits);
  if (r.status < 200 || r.status > 299) throw new Error(`HTTP ${r.status} from ${url.slice(0, 200)}`);
  return r.body;
}

/** HTTP(S) GET: the body as UTF-8 text; refuses a body over maxBytes, gives up after timeoutMs. */
export async function wget(url: string, limits: { timeoutMs: number; maxBytes: number }): Promise<string> {
  const r = await request(url, {}, limits);
  if (r.status < 200 || r.status > 299) throw new Error('HTTP ' + r.status);
  return r.body;
}

/** Make a new directory entry durable too (best effort: not every system can fsync a directory). */
export function syncDir(file: string): void {
  try {
    const fd = openSync(dirname(file) || '.', 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

/** A file's lines, read 64 KiB at a time. */
function* fileLines(path: string): Generator<FileLine> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    yield* linesOfChunks((offset, length) => {
      const n = readSync(fd, buf, 0, Math.min(length, buf.length), offset);
      return buf.subarray(0, n);
    }, buf.length);
  } finally {
    closeSync(fd);
  }
}

/** Why a write failed, for the person reading the error. */
function writeFailure(e: unknown, path: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EFBIG' ? 'the file has reached its size limit' : code === 'EDQUOT' ? 'the disk quota is used up' : (e as Error).message;
  return new Error(`cannot write ${path}: ${why}`);
}

/**
 * Append text to a file (creating it), all or nothing: the whole buffer
 * (short writes continue), fsync (and the directory's entry for a new file);
 * on any failure the file is truncated back to its size before, and this
 * throws. fresh: first end a fragment a crash left (a file not ending in a
 * newline) with one. Returns where the text starts.
 */
export function appendText(path: string, text: string, fresh = false, lazy = false): number {
  const existed = existsSync(path);
  const fd = openSync(path, 'a+', 0o644);
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const glue = fresh && size > 0 && !(readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 10);
    const data = Buffer.from((glue ? '\n' : '') + text);
    try {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
      if (!lazy) fsyncSync(fd);
    } catch (e) {
      try {
        ftruncateSync(fd, size);
        fsyncSync(fd);
      } catch {}
      throw writeFailure(e, path);
    }
    if (!existed && !lazy) syncDir(path);
    return size + (glue ? 1 : 0);
  } finally {
    closeSync(fd);
  }
}

/** A whole binary file (at most maxBytes), or null when it does not exist. */
export function readBytes(path: string, maxBytes: number): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
    const b = new Uint8Array(size);
    for (let at = 0, n; at < size; at += n) if (!(n = readSync(fd, b, at, size - at, at))) throw new Error(`${path} changed while being read`);
    return b;
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a whole file atomically and durably: a temp file beside it (written,
 * fsynced), renamed over the name, then the directory fsynced. A crash at
 * any moment leaves the old file or the new one, never a part; a temp file
 * (NAME.PID.tmp) may be left, which readers of the directory skip.
 */
export function writeBytes(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    syncDir(dir);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw writeFailure(e, path);
  }
  syncDir(path);
}

export function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export interface NodeHostOptions {
  /** The node's key file (made on first use): without it the host has no node key. */
  keyFile?: string;
  /** The kind of key to make when there is none. */
  keyType?: KeyType;
}

export function nodeHost(log: (line: string) => void = (line) => writeSync(2, line + '\n'), opts: NodeHostOptions = {}): Host {
  let key: NodeKey | undefined;
  const keyFile = opts.keyFile;
  return {
    sha256,
    verify,
    nodeKey: keyFile ? () => (key ||= readOrCreateNodeKey(keyFile, opts.keyType)) : undefined,
    post: (url, body, limits) => request(url, { method: 'POST', body }, limits),
    setTimer(ms, fn) {
      const t = setTimeout(fn, ms);
      t.unref();
      return () => clearTimeout(t);
    },
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    wget,
    getBytes,
    log,
    readText(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    readLines: fileLines,
    readAt(path, offset, length) {
      const fd = openSync(path, 'r');
      try {
        const b = Buffer.alloc(length);
        return b.toString('utf8', 0, readSync(fd, b, 0, length, offset));
      } finally {
        closeSync(fd);
      }
    },
    appendLine: (path, line, lazy) => appendText(path, line + '\n', true, lazy),
    readBytes,
    writeBytes,
    listFiles,
    removeFile,
  };
}
