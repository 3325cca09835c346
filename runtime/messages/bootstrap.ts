// Start from another node (--bootstrap URL): learn it and the nodes it lists
// at GET /peers. Not in the core: a serving node (the web node) does it.
import type { Host } from '../host.ts';
import { isShortId } from '../identity/index.ts';
import type { Messenger } from './messenger.ts';
import { ASK_TIMEOUT, baseUrl, MAX_PEERS, whoIs } from './peers.ts';

/** The nodes another node lists at URL/peers (`ID URL` lines), the malformed ones left out. */
export async function peersOf(host: Host, url: string): Promise<[string, string][]> {
  if (!host.wget) return [];
  const text = await host.wget(url + '/peers', { timeoutMs: ASK_TIMEOUT, maxBytes: 128 * 1024 });
  const out: [string, string][] = [];
  for (const line of text.split('\n').slice(0, MAX_PEERS)) {
    const [id, u] = line.split(' ');
    try {
      if (isShortId(id)) out.push([id, baseUrl(u || '')]);
    } catch {}
  }
  return out;
}

/** Learn the node at url (checked against its key) and the nodes it knows. */
export async function bootstrapFrom(m: Messenger, url: string): Promise<void> {
  const u = baseUrl(url);
  m.learn(await whoIs(m.node.host, u), u);
  for (const [id, at] of await peersOf(m.node.host, u)) if (id !== m.identity().shortId) m.learn(id, at);
}
