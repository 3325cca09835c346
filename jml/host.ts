// What the language needs from the world. Everything else (files, sockets)
// belongs to runtime/ and the targets; jml/ stays pure text in, text out.
export interface JmlHost {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** n cryptographically random bytes (uuid, keys). */
  randomBytes(n: number): Uint8Array;
  /** Fetch a URL and return its body; throws an Error with a clear message on failure. */
  wget?(url: string): string;
}
