// A memhost that can keep a Mimei store: sha256 and an Ed25519 node key
// (seeded: each seed is another node), from @noble (portable).
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { KeyType } from '../runtime/host.ts';
import { memHost, type MemHost } from './memhost.ts';

export function keyedHost(seed = 1, h: MemHost = memHost()): MemHost {
  const secret = sha256(new Uint8Array([seed]));
  const publicKey = ed25519.getPublicKey(secret);
  h.sha256 = sha256;
  h.nodeKey = () => ({ type: 'ed25519', publicKey, sign: (d) => ed25519.sign(d, secret) });
  h.verify = (type: KeyType, pub, data, sig) => {
    try {
      return type === 'ed25519' && ed25519.verify(sig, data, pub);
    } catch {
      return false;
    }
  };
  return h;
}
