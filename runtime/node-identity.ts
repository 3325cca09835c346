// This node's identity, from the key its Host holds, and `[id]`. A device
// with no messaging (no server) still has an identity: the board registers
// just this.
import type { Interpreter } from '../jml/interp.ts';
import { JmlError } from '../jml/errors.ts';
import type { Host } from './host.ts';
import { identityOf, type Identity } from './identity/index.ts';

const known = new WeakMap<Host, Identity>();

/** The identity of the node whose key host holds (the key is made on first use). */
export function nodeIdentity(host: Host): Identity {
  let me = known.get(host);
  if (!me) {
    if (!host.nodeKey || !host.sha256) throw new JmlError('this host has no node key');
    const k = host.nodeKey();
    known.set(host, (me = identityOf(host.sha256, k.type, k.publicKey)));
  }
  return me;
}

/** What GET /id and `run id` answer: short ID, peer ID, ring position, a line each (the web node's and the CLI's: not exported by the core). */
export const idText = (me: Identity): string => me.shortId + '\n' + me.peerId + '\n' + me.ring + '\n';

/** `[id]`: this node's short ID. */
export function registerIdentity(interp: Interpreter, host: Host): void {
  interp.hostBuiltins.set('id', () => nodeIdentity(host).shortId);
}
