// The owner: a session cookie after logging in with the node's key, or a
// sealed upgrade (upgrade.ts). Sessions live in memory only, expire, and end
// on the server at logout. The cookie is named per node: a browser shares
// cookies across the ports of one host name.
import type { Host } from '../host.ts';
import { toHex } from '../../jml/xxtea.ts';

/** A session lasts this long (the cookie and the server alike). */
export const SESSION_MS = 12 * 3600 * 1000;
const MAX_SESSIONS = 64;

export class Sessions {
  private expiry = new Map<string, number>();

  /** name: the cookie's name, one per node (e.g. magni_1111). */
  constructor(private host: Host, readonly name = 'magni_session') {}

  /** The Set-Cookie value for a token ('' ends the session in the browser). */
  cookie(token: string): string {
    return `${this.name}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${token ? SESSION_MS / 1000 : 0}`;
  }

  /** A new session token (32 hex digits); the oldest session goes when there are too many. */
  open(): string {
    const now = this.host.now();
    for (const [t, e] of this.expiry) if (e <= now) this.expiry.delete(t);
    if (this.expiry.size >= MAX_SESSIONS) this.expiry.delete(this.expiry.keys().next().value as string);
    const token = toHex(this.host.randomBytes(16)).toLowerCase();
    this.expiry.set(token, now + SESSION_MS);
    return token;
  }

  /** The live session token in a Cookie header, or ''. */
  find(cookie: string | undefined): string {
    const m = new RegExp('(?:^|;)\\s*' + this.name + '=([0-9a-f]{32})\\s*(?:;|$)').exec(cookie || '');
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
