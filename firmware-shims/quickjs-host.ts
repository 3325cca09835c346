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

export interface QuickJSHostABI {
  /** Milliseconds since the Unix epoch (a double; an RTC or SNTP-synced clock). */
  now(): number;
  /** 2n lowercase hex digits of n cryptographically random bytes (e.g. esp_fill_random). */
  randomHex(n: number): string;
  /** Write one line, no trailing newline, to the diagnostic console (UART / stderr). */
  log(line: string): void;
  /** The whole file as UTF-8 text, or null when it does not exist. Throws on an I/O error. */
  readText(path: string): string | null;
  /** Append UTF-8 text to a file, creating it; the bytes are flushed (fsync) before it returns. */
  appendText(path: string, text: string): void;
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

function hexToBytes(hex: string, n: number): Uint8Array {
  if (hex.length !== 2 * n || /[^0-9a-fA-F]/.test(hex)) throw new Error('__magni_host.randomHex(' + n + ') must return ' + 2 * n + ' hex digits');
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
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
  const host: Host = {
    now: () => h.now(),
    randomBytes: (n) => hexToBytes(h.randomHex(n), n),
    log: (line) => h.log(line),
    readText: (path) => h.readText(path),
    appendText: (path, text) => h.appendText(path, text),
  };
  if (h.wgetStart) host.wget = (url, l) => request((id) => h.wgetStart!(url, l.timeoutMs, l.maxBytes, id));
  else if (h.wget) host.wget = (url, l) => h.wget!(url, l.timeoutMs, l.maxBytes);
  return host;
}
