// The owner: a session cookie after logging in with the node's key, or an
// upgrade program encrypted under that key. Sessions live in memory only.
import type { Host } from '../host.ts';
import { bteaDecrypt, bytesToWords, fromHex, keyFromString, toHex, wordsToBytes } from '../../jml/xxtea.ts';
import { utf8Decode } from '../../jml/utf8.ts';

export const COOKIE = 'magni_session';
const TTL = 12 * 3600 * 1000;
const MAX_SESSIONS = 64;

export class Sessions {
  private expiry = new Map<string, number>();

  constructor(private host: Host) {}

  /** A new session token (32 hex digits); the oldest session goes when there are too many. */
  open(): string {
    const now = this.host.now();
    for (const [t, e] of this.expiry) if (e <= now) this.expiry.delete(t);
    if (this.expiry.size >= MAX_SESSIONS) this.expiry.delete(this.expiry.keys().next().value as string);
    const token = toHex(this.host.randomBytes(16)).toLowerCase();
    this.expiry.set(token, now + TTL);
    return token;
  }

  /** The live session token in a Cookie header, or ''. */
  find(cookie: string | undefined): string {
    const m = new RegExp('(?:^|;)\\s*' + COOKIE + '=([0-9a-f]{32})\\s*(?:;|$)').exec(cookie || '');
    const e = m ? this.expiry.get(m[1]) : undefined;
    if (e === undefined) return '';
    if (e > this.host.now()) return m![1];
    this.expiry.delete(m![1]);
    return '';
  }

  close(token: string): void {
    this.expiry.delete(token);
  }
}

/** No Origin header (curl, same-origin GET), or one naming this Host: not a cross-site request. */
export const sameOrigin = (h: Record<string, string>): boolean => !h.origin || h.origin.replace(/^https?:\/\//, '') === h.host;

/** Compare without stopping at the first difference. */
export function sameKey(a: string, b: string): boolean {
  let d = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1));
  return d === 0;
}

/**
 * The plaintext of an encrypt/KEY ciphertext (hex), or null unless it is
 * what encryptText makes: valid UTF-8, not empty, then only its zero padding.
 * A wrong key gives random bytes, which this rejects (almost) always.
 */
export function decryptStrict(hex: string, key: string): string | null {
  const b = fromHex(hex);
  if (!b || b.length < 8 || b.length & 3) return null;
  const w = bytesToWords(b, b.length >> 2);
  bteaDecrypt(w, keyFromString(key));
  const p = wordsToBytes(w);
  let z = p.indexOf(0);
  if (z < 0) z = p.length;
  if (z === 0 || (p.length - z > 3 && p.length > 8) || p.subarray(z).some((x) => x !== 0)) return null;
  const s = utf8Decode(p, 0, z);
  return s.indexOf('\ufffd') < 0 && !/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s) ? s : null;
}
