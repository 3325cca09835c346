// Other nodes this node knows: short ID -> base URL. Until the CHORD ring
// finds nodes, this plain list (from --bootstrap and from the nodes it sent
// to) is how [send ID ...] finds an address. Every answer from another node
// is checked: an /id must match its key, a /peers list is bounded.
import type { Host } from '../host.ts';
import { isShortId, publicKeyOfPeerId, shortIdOf } from '../identity/index.ts';

/** Nodes remembered, at most. */
export const MAX_PEERS = 1000;
/** Milliseconds another node's answer may take. */
export const ASK_TIMEOUT = 10_000;

/** A base URL as this node keeps it: http(s), no trailing slash. */
export function baseUrl(url: string): string {
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url)) throw new Error('not a node URL (http://HOST:PORT): ' + url);
  return url.replace(/\/+$/, '');
}

/** The short ID a node answers with at URL/id (its first line), checked against its key (the second line, its peer ID). */
export async function whoIs(host: Host, url: string): Promise<string> {
  if (!host.wget || !host.sha256) throw new Error('this host cannot reach other nodes');
  const [id, peer] = (await host.wget(url + '/id', { timeoutMs: ASK_TIMEOUT, maxBytes: 1024 })).split('\n');
  let key;
  try {
    key = publicKeyOfPeerId(peer || '');
  } catch {
    throw new Error(url + '/id is not a Magni node ID');
  }
  if (!isShortId(id) || shortIdOf(host.sha256, key.type, key.raw) !== id) throw new Error(url + '/id does not match its key');
  return id;
}
