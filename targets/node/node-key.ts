// The node's key pair on Node and Bun, and the crypto the Host offers:
// Ed25519 through node:crypto, secp256k1 through tiny-secp256k1 (Bun's
// BoringSSL has no secp256k1). Both are loaded on first use, so a plain
// `run` line never pays for them. The key file (STATE.identity) is JSON,
// mode 0600, created atomically on first use and checked when read.
import { createRequire } from 'node:module';
import type { KeyType, NodeKey } from '../../runtime/host.ts';
import { readOrCreateSecret } from './secret-file.ts';

type NodeCrypto = typeof import('node:crypto');
type Secp = typeof import('tiny-secp256k1');

const load = createRequire(import.meta.url);
let nodeCrypto: NodeCrypto | undefined;
let secp: Secp | undefined;
const nc = (): NodeCrypto => (nodeCrypto ||= load('node:crypto') as NodeCrypto);
const tiny = (): Secp => (secp ||= load('tiny-secp256k1') as Secp);

export const KEY_TYPES: KeyType[] = ['ed25519', 'secp256k1'];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(nc().createHash('sha256').update(data).digest());
}

/** Ed25519's private key object from its 32-byte seed (PKCS#8 is the one form node:crypto takes without the public half). */
const ed25519Private = (seed: Uint8Array) =>
  nc().createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });

/** The public half of a secret, raw (Ed25519: 32 bytes; secp256k1: 33, compressed). */
function publicOf(type: KeyType, secret: Uint8Array): Uint8Array {
  if (type === 'ed25519') return new Uint8Array(Buffer.from(nc().createPublicKey(ed25519Private(secret)).export({ format: 'jwk' }).x as string, 'base64url'));
  const q = tiny().isPrivate(secret) ? tiny().pointFromScalar(secret, true) : null;
  if (!q) throw new Error('not a secp256k1 private key');
  return q;
}

function newSecret(type: KeyType): Uint8Array {
  for (;;) {
    const s = new Uint8Array(nc().randomBytes(32));
    if (type === 'ed25519' || tiny().isPrivate(s)) return s;
  }
}

/** What is wrong with a key file's text ('' when nothing). */
function checkKeyFile(text: string): string {
  try {
    const k = JSON.parse(text);
    if (!KEY_TYPES.includes(k.type) || !/^[0-9a-f]{64}$/.test(k.secret) || typeof k.public !== 'string') return 'is not a node key ({"type":..., "secret":..., "public":...})';
    if (hex(publicOf(k.type, unhex(k.secret))) !== k.public) return 'holds a public key that does not belong to its secret';
    return '';
  } catch (e) {
    return 'is not a node key (' + (e as Error).message + ')';
  }
}

/** This node's key from `file`, made (of `type`) when there is none. */
export function readOrCreateNodeKey(file: string, type: KeyType = 'ed25519'): NodeKey {
  const text = readOrCreateSecret(file, 'node key', () => {
    const secret = newSecret(type);
    return JSON.stringify({ type, secret: hex(secret), public: hex(publicOf(type, secret)) }) + '\n';
  }, checkKeyFile);
  const k = JSON.parse(text) as { type: KeyType; secret: string; public: string };
  const secret = unhex(k.secret);
  const publicKey = unhex(k.public);
  if (k.type === 'ed25519') {
    const priv = ed25519Private(secret);
    return { type: k.type, publicKey, sign: (data) => new Uint8Array(nc().sign(null, data, priv)) };
  }
  return { type: k.type, publicKey, sign: (data) => tiny().sign(sha256(data), secret) };
}

/** Public key objects by hex, so a busy sender's key is parsed once. */
const publics = new Map<string, import('node:crypto').KeyObject>();

export function verify(type: KeyType, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (type === 'secp256k1') return signature.length === 64 && tiny().verify(sha256(data), publicKey, signature);
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const id = hex(publicKey);
    let k = publics.get(id);
    if (!k) {
      if (publics.size >= 256) publics.clear();
      publics.set(id, (k = nc().createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey) }, format: 'jwk' })));
    }
    return nc().verify(null, data, k, signature);
  } catch {
    return false; // a key that is not a point, a malformed signature: not valid
  }
}
