// The host ABI a QuickJS firmware registers: plain functions on
// `globalThis.__magni_host`, taking and returning only numbers, strings and
// null, so a C firmware binds each with one JS_NewCFunction and no marshalling
// of objects or typed arrays. The virtual board (targets/quickjs/board.ts)
// implements the same contract with node:fs, node:crypto and fetch.
//
// I/O that takes time is asynchronous: the firmware starts it (`...Start`
// with a request id), goes on with its event loop, and reports the outcome
// with `magni.settle(id, error, value)`. A firmware with only the
// synchronous forms still works: its lines then finish at once.
import type { Host } from '../runtime/host.ts';
import { linesOfChunks, linesOfText, textAt } from '../runtime/lines.ts';
import { utf8Decode, utf8Length } from '../jml/utf8.ts';

export interface QuickJSHostABI {
  /** Milliseconds since the Unix epoch (a double; an RTC or SNTP-synced clock). */
  now(): number;
  /** 2n lowercase hex digits of n cryptographically random bytes (e.g. esp_fill_random). */
  randomHex(n: number): string;
  /** Write one line, no trailing newline, to the diagnostic console (UART / stderr). */
  log(line: string): void;
  /** The whole file as UTF-8 text, or null when it does not exist. Throws on an I/O error. */
  readText(path: string): string | null;
  /**
   * Append UTF-8 text to a file, creating it, all or nothing: flushed (fsync)
   * before it returns; on failure (full flash, say) the file is cut back to
   * its size before and this throws an Error with a clear message.
   */
  appendText(path: string, text: string): void;
  /** Optional (large state files need it): up to length bytes of a file from offset, as hex digits; '' past its end, null when there is no file. */
  readHex?(path: string, offset: number, length: number): string | null;
  /** Optional, with readHex: a file's size in bytes, or -1 when there is none. */
  fileSize?(path: string): number;
  /**
   * Optional, asynchronous. Start an HTTP(S) GET of url; when it ends, call
   * `magni.settle(id, '', body)`, or `magni.settle(id, message, '')` on failure
   * (give up after timeoutMs; refuse a body over maxBytes).
   */
  wgetStart?(url: string, timeoutMs: number, maxBytes: number, id: number): void;
  /** Optional, synchronous (the first ABI): the body of an HTTP(S) GET, or throw an Error with a clear message. */
  wget?(url: string, timeoutMs: number, maxBytes: number): string;
  /** Optional. Raw text to the console, no newline added (test runners, REPL prompts). */
  write?(text: string): void;
}

/** Bytes from hex digits (what the ABI passes bytes as); what: which function gave them, for the error. */
function hexToBytes(hex: string, what: string): Uint8Array {
  if (hex.length & 1 || /[^0-9a-fA-F]/.test(hex)) throw new Error('__magni_host.' + what + ' must return hex digits');
  const b = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** Requests started on the firmware and not yet settled, by id. */
const waiting = new Map<number, { resolve(v: string): void; reject(e: Error): void }>();
let lastId = 0;

/** The firmware's answer to a request it was asked to start: error '' (or null) for success. */
export function settle(id: number, error: string | null, value: string): void {
  const w = waiting.get(id);
  if (!w) return; // unknown or already settled: a late or duplicate answer changes nothing
  waiting.delete(id);
  if (error) w.reject(new Error(error));
  else w.resolve(String(value));
}

/** Start a request on the firmware: a promise that magni.settle(id, ...) ends. */
function request(start: (id: number) => void): Promise<string> {
  const id = ++lastId;
  return new Promise<string>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    try {
      start(id);
    } catch (e) {
      waiting.delete(id);
      reject(e);
    }
  });
}

/** The Host built from the functions the firmware put on globalThis.__magni_host. */
export function hostFromGlobals(): Host {
  const h = (globalThis as { __magni_host?: QuickJSHostABI }).__magni_host;
  if (!h) throw new Error('globalThis.__magni_host is not registered by the firmware');
  const chunk = (path: string) => (offset: number, length: number) => hexToBytes(h.readHex!(path, offset, length) || '', 'readHex');
  const host: Host = {
    now: () => h.now(),
    randomBytes(n) {
      const b = hexToBytes(h.randomHex(n), 'randomHex');
      if (b.length !== n) throw new Error('__magni_host.randomHex(' + n + ') must return ' + 2 * n + ' hex digits');
      return b;
    },
    log: (line) => h.log(line),
    readText: (path) => h.readText(path),
    // with readHex a file is read in chunks; without (the first ABI), whole
    readLines: (path) => (h.readHex ? linesOfChunks(chunk(path)) : linesOfText(h.readText(path))),
    readAt: (path, offset, length) => (h.readHex ? utf8Decode(chunk(path)(offset, length)) : textAt(h.readText(path), offset, length)),
    appendLine(path, line) {
      let size: number;
      let fresh: boolean;
      if (h.fileSize && h.readHex) {
        size = Math.max(0, h.fileSize(path));
        fresh = size === 0 || h.readHex(path, size - 1, 1) === '0a';
      } else {
        const text = h.readText(path) || '';
        size = utf8Length(text);
        fresh = !text || text.endsWith('\n');
      }
      h.appendText(path, (fresh ? '' : '\n') + line + '\n');
      return size + (fresh ? 0 : 1);
    },
  };
  if (h.wgetStart) host.wget = (url, l) => request((id) => h.wgetStart!(url, l.timeoutMs, l.maxBytes, id));
  else if (h.wget) host.wget = (url, l) => h.wget!(url, l.timeoutMs, l.maxBytes);
  return host;
}
