import type { JmlHost } from '../jml/host.ts';
import type { KeyType } from './identity/index.ts';

// The Host: the only door from the pure core to the outside world. Node and
// Bun implement it with node:fs; the QuickJS board with functions the
// firmware (or the virtual board) registers.

/** One line of a file, as readLines gives it. */
export interface FileLine {
  text: string;
  /** Where the line starts, in bytes from the start of the file. */
  offset: number;
  /** Its length in bytes (UTF-8), newline excluded. */
  bytes: number;
  /** False for a last line without its newline (a write cut short). */
  complete: boolean;
}

export type { KeyType };

/**
 * This node's key pair. The private half never leaves the Host: a device
 * keeps it in its secure element or SDK, Node and Bun in a 0600 file.
 */
export interface NodeKey {
  type: KeyType;
  /** Ed25519: 32 bytes; secp256k1: 33 bytes, compressed. */
  publicKey: Uint8Array;
  /** A signature of data by this node's key (secp256k1: ECDSA of sha256(data), 64 bytes compact). */
  sign(data: Uint8Array): Uint8Array;
}

/** What an HTTP request answered. */
export interface HttpAnswer {
  status: number;
  body: string;
}

export interface Host extends JmlHost {
  /** Write one whole line (no trailing newline) to the diagnostic stream (stderr). */
  log(line: string): void;
  /** The whole text of a small file (a key), or null when it does not exist. */
  readText(path: string): string | null;
  /** The lines of a file, one at a time (never the whole file as one string); none when it does not exist. */
  readLines(path: string): Iterable<FileLine>;
  /** The text of length bytes of a file from offset (a line readLines found). */
  readAt(path: string, offset: number, length: number): string;
  /**
   * Append one line and its newline to a file (creating it), all or nothing,
   * durably: on disk when this returns (the file's directory too when it was
   * created). If the file does not end with a newline (a fragment a crash
   * left), one is written first, so the line starts on a fresh line. On any
   * failure the file is as it was and this throws with a clear message.
   * Returns the line's offset in the file, in bytes. lazy: the same, but
   * without waiting for the disk (a record whose loss in a crash is harmless,
   * such as a delivery acknowledged again on the next retry).
   */
  appendLine(path: string, line: string, lazy?: boolean): number;

  // ---- binary files (optional: the Mimei block store needs them) ----
  /** A whole binary file, or null when it does not exist; throws when it is larger than maxBytes. */
  readBytes?(path: string, maxBytes: number): Uint8Array | null;
  /**
   * Write a whole file atomically and durably (creating its directory): after
   * a crash at any moment the path holds either nothing (or what it held) or
   * all of bytes, never a part. Throws with a clear message on failure.
   */
  writeBytes?(path: string, bytes: Uint8Array): void;
  /** The names of the files in a directory (none when it does not exist). */
  listFiles?(dir: string): string[];
  /** Remove a file if it exists. */
  removeFile?(path: string): void;

  // ---- between nodes (optional: a host without them has no identity or messages) ----
  /** SHA-256 of data (a device has it in hardware). */
  sha256?(data: Uint8Array): Uint8Array;
  /** Whether signature is publicKey's signature of data (as NodeKey.sign makes them). */
  verify?(type: KeyType, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
  /** This node's key, made on first use. */
  nodeKey?(): NodeKey;
  /** POST body (text) to url: the answer, or a rejection with a clear message; gives up after timeoutMs, refuses an answer over maxBytes. */
  post?(url: string, body: string, limits: { timeoutMs: number; maxBytes: number }): Promise<HttpAnswer>;
  /**
   * GET url as bytes (a block from a trustless gateway): rejects with a clear
   * message, the status in it, unless the answer is 2xx; gives up after
   * timeoutMs, refuses an answer over maxBytes.
   */
  getBytes?(url: string, limits: { timeoutMs: number; maxBytes: number }): Promise<Uint8Array>;
  /** Call fn once after ms; the returned function cancels it. A pending timer never keeps a process alive on its own. */
  setTimer?(ms: number, fn: () => void): () => void;
}
