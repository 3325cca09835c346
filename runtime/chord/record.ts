// A DHT record as this node signs it: JSON {k: the signer's peer ID, s: its
// sequence (the time it was made), v: the value, sig}, the signature over
// the ring point, the sequence and the value. Its slot is the signer's: one
// value per node and key, a newer one replacing an older one, and a node
// holding a copy can neither forge nor change it.
import { utf8Encode } from '../../jml/utf8.ts';
import { fromHex, toHex } from '../../jml/xxtea.ts';
import type { Host } from '../host.ts';
import { peerIdOf, publicKeyOfPeerId, shortIdOf } from '../identity/index.ts';

type Signer = Required<Pick<Host, 'nodeKey' | 'now'>>;
type Verifier = Required<Pick<Host, 'sha256' | 'verify'>>;

const signed = (point: string, seq: number, value: string) => utf8Encode('magni-dht-1\n' + point + '\n' + seq + '\n' + value);

export function signedRecord(host: Signer, point: string, value: string): string {
  const k = host.nodeKey();
  const seq = Math.floor(host.now()); // a whole number, whatever the clock gives
  return JSON.stringify({ k: peerIdOf(k.type, k.publicKey), s: seq, v: value, sig: toHex(k.sign(signed(point, seq, value))) });
}

interface Record {
  k: string;
  s: number;
  v: string;
  sig: string;
}

function parse(value: string): Record | null {
  try {
    const r = JSON.parse(value);
    return r && typeof r.k === 'string' && Number.isSafeInteger(r.s) && typeof r.v === 'string' && typeof r.sig === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** The record's slot (its signer's short ID) and sequence, or null when it is not a record signed for this point. */
export function checkRecord(host: Verifier, point: string, value: string): { slot: string; seq: number } | null {
  const r = parse(value);
  if (!r) return null;
  try {
    const key = publicKeyOfPeerId(r.k);
    const sig = fromHex(r.sig);
    if (!sig || !host.verify(key.type, key.raw, signed(point, r.s, r.v), sig)) return null;
    return { slot: shortIdOf(host.sha256, key.type, key.raw), seq: r.s };
  } catch {
    return null;
  }
}

/** What [dht-get] shows of a record: its signer's short ID and the value ('' when it does not check). */
export function recordText(host: Verifier, point: string, value: string): string {
  const slot = checkRecord(host, point, value);
  return slot ? slot.slot + ' ' + (parse(value) as Record).v : '';
}
