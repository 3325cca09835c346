// The host ABI a QuickJS firmware registers: plain functions on
// `globalThis.__magni_host`, taking and returning only numbers, strings and
// null, so a C firmware binds each with one JS_NewCFunction and no marshalling
// of objects or typed arrays. The virtual board (targets/quickjs/board.ts)
// implements the same contract with node:fs and node:crypto.
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
  /** Optional. HTTP(S) GET: the response body as text; throws an Error with a clear message on failure. */
  wget?(url: string): string;
  /** Optional. Raw text to the console, no newline added (test runners, REPL prompts). */
  write?(text: string): void;
}

function hexToBytes(hex: string, n: number): Uint8Array {
  if (hex.length !== 2 * n || /[^0-9a-fA-F]/.test(hex)) throw new Error('__magni_host.randomHex(' + n + ') must return ' + 2 * n + ' hex digits');
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b;
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
  if (h.wget) host.wget = (url) => h.wget!(url);
  return host;
}
