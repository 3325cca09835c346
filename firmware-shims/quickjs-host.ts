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
import type { FileLine } from '../runtime/host.ts';
import type { MqttEvents, SensorIO } from '../runtime/sensors/io.ts';
import type { SensorInfo } from '../runtime/sensors/model.ts';
import { linesOfText, textAt } from '../runtime/lines.ts';
import { utf8Length } from '../jml/utf8.ts';
import { fromHex, toHex } from '../jml/xxtea.ts';

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
  /**
   * Optional (a state file too large to read whole needs it): the line of a
   * file that starts at byte offset, reading at most maxBytes: its length in
   * bytes (newline excluded), a space, 1 if a newline ended it (else 0), a
   * space, and its text (UTF-8). null at the end of the file, or when there is
   * no file. E.g. `5 1 hello`.
   */
  readLineAt?(path: string, offset: number, maxBytes: number): string | null;
  /** Optional, with readLineAt: a file's size in bytes, or -1 when there is none. */
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
  // ---- the node's identity (optional, all four together; bytes travel as lowercase hex) ----
  /** SHA-256 of the bytes: 64 hex digits (mbedtls_sha256, a crypto accelerator). */
  sha256?(hex: string): string;
  /** This node's public key, made on first use and kept (secure element, NVS): its type, a space, its hex (`ed25519 <64 hex>`). */
  nodePublicKey?(): string;
  /** The node key's signature of the bytes (Ed25519: 64 bytes; secp256k1: ECDSA of their sha256, 64 bytes compact), in hex. */
  sign?(hex: string): string;
  /** Whether sigHex is pubHex's signature of dataHex (type: ed25519 or secp256k1). */
  verify?(type: string, pubHex: string, dataHex: string, sigHex: string): boolean;

  // ---- binary files: the Mimei block store (optional, all four together) ----
  /** The whole file as lowercase hex, or null when it does not exist; throws when it is over maxBytes. */
  readHex?(path: string, maxBytes: number): string | null;
  /** Replace the file with these bytes (hex) atomically and durably (write a temporary file, fsync, rename): after a power cut the path holds the old bytes or all of the new. */
  writeHex?(path: string, hex: string): void;
  /** The names of the files in a directory, joined by \n ('' when none or no directory). */
  listFiles?(dir: string): string;
  /** Remove a file if it exists. */
  removeFile?(path: string): void;

  // ---- the sensor node (dist/board-sensors.js) --------------------------------
  // Sensors, outputs, a timer, the broker and the reading buffer. The broker's
  // address, credentials and TLS are the firmware's settings: the script only
  // names its will. The firmware reports the broker's events by calling
  // `magni.mqttEvent(kind, topic, payload)`: kind 'connected', 'disconnected'
  // (payload: why) or 'message' (a message on a subscribed topic).

  /** The sensors, as JSON: [{"name","device","quantity","kind","unit","id"?}] (kind: temperature, humidity, switch, output). */
  sensorList?(): string;
  /** Asynchronous. Read a sensor: settle(id, '', VALUE as decimal text), or settle(id, why, '') when there is no valid reading. */
  sensorReadStart?(name: string, id: number): void;
  /** Asynchronous. Drive an output to value (0 or 1): settle(id, '', '') when done. */
  sensorWriteStart?(name: string, value: number, id: number): void;
  /** Asynchronous. settle(id, '', '') after ms milliseconds. */
  timerStart?(ms: number, id: number): void;
  /** Connect to the broker (and reconnect, with backoff 1 s to 60 s, until mqttStopStart) with this will, QoS 1, retained. */
  mqttConnect?(willTopic: string, willPayload: string): void;
  /** Asynchronous. Publish with QoS 1: settle(id, '', '') on PUBACK; settle(id, why, '') when not connected or the connection is lost first. retain: 0 or 1. */
  mqttPublishStart?(topic: string, payload: string, retain: number, id: number): void;
  /** Subscribe (QoS 1) to a filter on the current connection; the script subscribes again after each 'connected'. */
  mqttSubscribe?(filter: string): void;
  mqttUnsubscribe?(filter: string): void;
  /** Asynchronous. Publish last (retained) if connected, disconnect cleanly (no will), stay disconnected: settle(id, '', ''). */
  mqttStopStart?(topic: string, payload: string, id: number): void;
  /** The reading buffer, kept where a restart finds it (flash), bounded (drop the oldest when full): append one line. */
  bufferPush?(line: string): void;
  /** The first n lines, oldest first, joined by \n ('' when empty); nothing is removed. */
  bufferPeek?(n: number): string;
  /** Remove the first n lines (the broker has them). */
  bufferDrop?(n: number): void;
  bufferCount?(): number;
}

/** The longest line a state file may hold (a page of 1 MiB, escaped, with its header). */
const MAX_LINE = 16 << 20;

/** Bytes as the host ABI takes them: lowercase hex. */
const hex = (b: Uint8Array): string => toHex(b).toLowerCase();

/** n bytes from what the firmware's function `what` answered: exactly 2n hex digits. */
function hexToBytes(hex: string, n: number, what = 'randomHex(' + n + ')'): Uint8Array {
  const b = typeof hex === 'string' && hex.length === 2 * n ? fromHex(hex) : null;
  if (!b) throw new Error('__magni_host.' + what + ' must return ' + 2 * n + ' hex digits');
  return b;
}

/**
 * Requests started on the firmware and not yet settled, by id: kept on
 * globalThis, so that every bundle the board loads (the core, the sensor
 * node) shares them and the one magni.settle.
 */
const shared = globalThis as { __magni_requests?: { waiting: Map<number, { resolve(v: string): void; reject(e: Error): void }>; lastId: number } };
const requests = (shared.__magni_requests ||= { waiting: new Map(), lastId: 0 });
const waiting = requests.waiting;

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
  const id = ++requests.lastId;
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
  /** The line at offset, or null past the end (readLineAt's answer, taken apart). */
  const lineAt = (path: string, offset: number, max: number): FileLine | null => {
    const r = h.readLineAt!(path, offset, max);
    if (r === null || r === undefined) return null;
    const m = /^(\d+) ([01]) /.exec(r);
    if (!m) throw new Error('__magni_host.readLineAt must answer "BYTES 0|1 TEXT"');
    return { text: r.slice(m[0].length), offset, bytes: +m[1], complete: m[2] === '1' };
  };
  function* lines(path: string): Generator<FileLine> {
    for (let at = 0; ; ) {
      const l = lineAt(path, at, MAX_LINE);
      if (!l) return;
      yield l;
      if (!l.complete) return;
      at += l.bytes + 1;
    }
  }
  const host: Host = {
    now: () => h.now(),
    randomBytes: (n) => hexToBytes(h.randomHex(n), n),
    log: (line) => h.log(line),
    readText: (path) => h.readText(path),
    // with readLineAt a file is read a line at a time; without (the first ABI), whole
    readLines: (path) => (h.readLineAt ? lines(path) : linesOfText(h.readText(path))),
    readAt: (path, offset, length) => (h.readLineAt ? lineAt(path, offset, length)?.text || '' : textAt(h.readText(path), offset, length)),
    appendLine(path, line) {
      let size: number;
      let fresh: boolean;
      if (h.fileSize && h.readLineAt) {
        size = Math.max(0, h.fileSize(path));
        fresh = size === 0 || lineAt(path, size - 1, 1)?.bytes === 0; // the last byte is a newline
      } else {
        const text = h.readText(path) || '';
        size = utf8Length(text);
        fresh = !text || text.endsWith('\n');
      }
      h.appendText(path, (fresh ? '' : '\n') + line + '\n');
      return size + (fresh ? 0 : 1);
    },
  };
  if (h.sha256 && h.nodePublicKey && h.sign && h.verify) {
    const { sha256, nodePublicKey, sign, verify } = h;
    host.sha256 = (b) => hexToBytes(sha256(hex(b)), 32, 'sha256()');
    host.verify = (type, pub, data, sig) => !!verify(type, hex(pub), hex(data), hex(sig));
    host.nodeKey = () => {
      const [type, pub] = nodePublicKey().split(' ');
      if (type !== 'ed25519' && type !== 'secp256k1') throw new Error('__magni_host.nodePublicKey() must answer "ed25519 HEX" or "secp256k1 HEX"');
      return { type, publicKey: hexToBytes(pub, type === 'ed25519' ? 32 : 33, 'nodePublicKey()'), sign: (b) => hexToBytes(sign(hex(b)), 64, 'sign()') };
    };
  }
  if (h.readHex && h.writeHex && h.listFiles && h.removeFile) {
    const { readHex, writeHex, listFiles, removeFile } = h;
    host.readBytes = (path, max) => {
      const x = readHex(path, max);
      return x === null || x === undefined ? null : hexToBytes(x, x.length >> 1, 'readHex()');
    };
    host.writeBytes = (path, b) => writeHex(path, hex(b));
    host.listFiles = (dir) => (listFiles(dir) || '').split('\n').filter((n) => n);
    host.removeFile = (path) => removeFile(path);
  }
  if (h.wgetStart) host.wget = (url, l) => request((id) => h.wgetStart!(url, l.timeoutMs, l.maxBytes, id));
  else if (h.wget) host.wget = (url, l) => h.wget!(url, l.timeoutMs, l.maxBytes);
  return host;
}

// ---- the sensor node ---------------------------------------------------------

let mqttEvents: MqttEvents | null = null;

/** What the firmware calls with the broker's events (magni.mqttEvent). */
export function mqttEvent(kind: string, topic: string, payload: string): void {
  if (!mqttEvents) return;
  if (kind === 'connected') mqttEvents.connected();
  else if (kind === 'disconnected') mqttEvents.disconnected(String(payload));
  else if (kind === 'message') mqttEvents.message(String(topic), String(payload));
}

/** The sensor node's world from the firmware's host functions: sensors and a timer; the broker and the buffer when it has them. */
export function sensorIOFromGlobals(): SensorIO {
  const h = (globalThis as { __magni_host?: QuickJSHostABI }).__magni_host;
  if (!h || !h.sensorList || !h.sensorReadStart || !h.timerStart) throw new Error('the firmware has no sensor host functions (sensorList, sensorReadStart, timerStart)');
  const info = JSON.parse(h.sensorList()) as SensorInfo[];
  const io: SensorIO = {
    now: () => h.now(),
    log: (line) => h.log(line),
    timer: (ms, fn) => void request((id) => h.timerStart!(Math.max(0, Math.round(ms)), id)).then(fn, () => {}),
    sensors: {
      list: () => info.slice(),
      read: (name) =>
        request((id) => h.sensorReadStart!(name, id)).then((v) => {
          const n = Number(v);
          if (v === '' || !isFinite(n)) throw new Error(`${name}: the firmware gave ${JSON.stringify(v)}, not a number`);
          return n;
        }),
      write: (name, value) => (h.sensorWriteStart ? request((id) => h.sensorWriteStart!(name, value, id)).then(() => {}) : Promise.reject(new Error(`${name} is not an output`))),
    },
  };
  if (h.mqttConnect && h.mqttPublishStart && h.mqttStopStart) {
    io.mqtt = {
      start(will, events) {
        mqttEvents = events;
        h.mqttConnect!(will.topic, will.payload);
      },
      publish: (topic, payload, retain) => request((id) => h.mqttPublishStart!(topic, payload, retain ? 1 : 0, id)).then(() => {}),
      subscribe: (filters) => filters.forEach((f) => h.mqttSubscribe && h.mqttSubscribe(f)),
      unsubscribe: (filters) => filters.forEach((f) => h.mqttUnsubscribe && h.mqttUnsubscribe(f)),
      stop: (last) => request((id) => h.mqttStopStart!(last.topic, last.payload, id)).then(() => {}),
    };
  }
  if (h.bufferPush && h.bufferPeek && h.bufferDrop && h.bufferCount) {
    io.buffer = {
      push: (line) => h.bufferPush!(line),
      peek: (n) => {
        const text = h.bufferPeek!(n);
        return text ? text.split('\n') : [];
      },
      drop: (n) => h.bufferDrop!(n),
      count: () => h.bufferCount!(),
    };
  }
  return io;
}
