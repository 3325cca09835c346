// What the language needs from the world. Everything else (files, sockets)
// belongs to runtime/ and the targets; jml/ stays pure text in, text out.
export interface JmlHost {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** n cryptographically random bytes (uuid, keys). */
  randomBytes(n: number): Uint8Array;
  /**
   * HTTP(S) GET of url: its body as text, now (a synchronous host) or later
   * (a promise). Fails (throws or rejects) with a clear message; gives up
   * after timeoutMs and refuses a body over maxBytes.
   */
  wget?(url: string, limits: { timeoutMs: number; maxBytes: number }): string | PromiseLike<string>;
}
