// A message between nodes: a signed envelope. The signature covers every
// field but itself, `to` included, so a message for one node cannot be
// replayed at another, and `from` must be the short ID of the key that signed
// it, so no one can speak for another node.
import { fromHex, toHex } from '../../jml/xxtea.ts';
import { utf8Encode } from '../../jml/utf8.ts';
import { isShortId, publicKeyOfPeerId, shortIdOf } from '../identity/index.ts';
import type { Host } from '../host.ts';

export interface Envelope {
  /** The sender's short ID. */
  from: string;
  /** The sender's public key, as its libp2p peer ID. */
  key: string;
  /** The receiver's short ID. */
  to: string;
  /** The sender's sequence number for this receiver: 1, 2, 3, ... */
  seq: number;
  /** When it was sent, ms since the epoch. */
  time: number;
  body: string;
  /** The signature of signedText(), in hex. */
  sig: string;
}

/** The longest body a message may carry, in characters. */
export const MAX_MESSAGE_BODY = 64 * 1024;

/** A message refused: why, in words the sender's log can show. */
export class Refusal extends Error {}

/** The refusal of a message that is not a well-formed envelope. */
export const malformed = (why: string): Refusal => new Refusal('malformed message: ' + why);

/** The bytes a signature covers. */
export const signedText = (e: Omit<Envelope, 'sig'>): Uint8Array =>
  utf8Encode(['magni-message-1', e.from, e.key, e.to, e.seq, e.time, e.body].join('\n'));

type Crypto = Required<Pick<Host, 'sha256' | 'verify'>>;

/** Sign an envelope with this node's key. */
export function seal(host: Required<Pick<Host, 'nodeKey'>>, e: Omit<Envelope, 'sig'>): Envelope {
  return { ...e, sig: toHex(host.nodeKey().sign(signedText(e))) };
}

/** A whole number from 1 (a sequence number, a time, a message number). */
export const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;

/** An envelope from untrusted JSON, checked field by field; a Refusal says what is wrong. */
export function parseEnvelope(v: unknown): Envelope {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw malformed('not an object');
  const e = v as Record<string, unknown>;
  for (const f of ['from', 'key', 'to', 'body', 'sig']) if (typeof e[f] !== 'string') throw malformed(f + ' must be text');
  if (!isCount(e.seq)) throw malformed('seq must be a whole number from 1');
  // a Date can hold it (the inbox shows it as one)
  if (!isCount(e.time) || e.time > 8.64e15) throw malformed('time must be ms since the epoch');
  if (!isShortId(e.from as string) || !isShortId(e.to as string)) throw malformed('from and to must be short IDs');
  if ((e.body as string).length > MAX_MESSAGE_BODY) throw new Refusal(`message too large: the body is over ${MAX_MESSAGE_BODY} characters`);
  // the seven fields above and no other: the object is the envelope as it is
  if (Object.keys(e).length !== 7) throw malformed('unknown fields');
  return e as unknown as Envelope;
}

/** Refuse an envelope that is not for self, whose key is not its sender's, or whose signature is wrong. */
export function verifyEnvelope(host: Crypto, e: Envelope, self: string): void {
  if (e.to !== self) throw new Refusal(`not for this node (it is for ${e.to}, this is ${self})`);
  let key;
  try {
    key = publicKeyOfPeerId(e.key);
  } catch (x) {
    throw malformed('key: ' + (x as Error).message);
  }
  if (shortIdOf(host.sha256, key.type, key.raw) !== e.from) throw new Refusal(`forged sender: the key is not ${e.from}'s`);
  const sig = fromHex(e.sig);
  if (!sig || !host.verify(key.type, key.raw, signedText(e), sig)) throw new Refusal(`bad signature on ${e.from}'s message ${e.seq}`);
}
