// Strict DAG-CBOR, the IPLD codec: every value has exactly one encoding, and
// decode accepts only that one (minimal lengths, map keys sorted shorter
// first then bytewise, no duplicates, no indefinite lengths, no floats, no tag
// but 42 for links, no trailing bytes). Our own small codec, not cborg: cborg
// costs 25 KB of bundle and ~111 KB of QuickJS heap; tests hold the two to
// the same bytes (test/node/mimei-oracle.test.ts).
import { decodeCid } from '../identity/cid.ts';
import { utf8Decode, utf8Encode } from '../../jml/utf8.ts';

/** A link to another block: CBOR tag 42 over the binary CID. */
export class Link {
  constructor(readonly bytes: Uint8Array) {}
}

export type Value = null | boolean | number | string | Uint8Array | Link | Value[] | { [key: string]: Value };

/** The largest block the store takes or makes (IPFS peers send up to 2 MiB; 1 MiB keeps a small device safe). */
export const MAX_BLOCK = 1 << 20;
/** Nesting allowed: decode is recursive. */
export const MAX_DEPTH = 64;

const err = (why: string) => new Error('dag-cbor: ' + why);
const tooBig = (max: number) => err(`more than ${max} bytes`);

/** Sets a plain data property: a key such as "__proto__" from anyone's data stays data, never the object's prototype. */
export const setOwn = (o: object, key: string, value: unknown): void => void Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

/** Whether v is a map (a plain object: not null, an array, bytes or a link). */
export const isMap = (v: Value): v is { [key: string]: Value } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Link);

/** Byte arrays in order: shorter first, then bytewise (RFC 7049 canonical map key order, as DAG-CBOR asks); 0 when equal. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function encode(value: Value, max = MAX_BLOCK): Uint8Array {
  const out: number[] = [];
  const head = (major: number, x: number) => {
    const m = major << 5;
    const k = x < 24 ? 0 : x < 256 ? 1 : x < 65536 ? 2 : x < 2 ** 32 ? 4 : 8;
    out.push(k ? m | (24 + Math.log2(k)) : m | x);
    for (let i = k - 1; i >= 0; i--) out.push(Math.floor(x / 2 ** (8 * i)) % 256);
  };
  const bytes = (major: number, b: Uint8Array) => {
    head(major, b.length);
    if (out.length + b.length > max) throw tooBig(max);
    for (let i = 0; i < b.length; i++) out.push(b[i]);
  };
  const item = (v: Value, depth: number): void => {
    if (depth > MAX_DEPTH) throw err('too deep');
    if (v === null) head(7, 22);
    else if (v === true || v === false) head(7, v ? 21 : 20);
    else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw err(v + ': no floats, integers within 2^53 only');
      v < 0 ? head(1, -1 - v) : head(0, v);
    } else if (typeof v === 'string') bytes(3, utf8Encode(v));
    else if (v instanceof Uint8Array) bytes(2, v);
    else if (v instanceof Link) {
      decodeCid(v.bytes);
      head(6, 42);
      // the 0x00 (multibase "identity") DAG-CBOR puts before a binary CID
      bytes(2, new Uint8Array([0, ...v.bytes]));
    } else if (Array.isArray(v)) {
      head(4, v.length);
      for (const x of v) item(x, depth + 1);
    } else if (typeof v === 'object') {
      const keys = Object.keys(v).map((k) => [utf8Encode(k), k] as const).sort((a, b) => compareBytes(a[0], b[0]));
      head(5, keys.length);
      for (const [kb, k] of keys) {
        if (v[k] === undefined) throw err(k + ' is undefined');
        bytes(3, kb);
        item(v[k], depth + 1);
      }
    } else throw err('cannot encode ' + typeof v);
  };
  item(value, 0);
  if (out.length > max) throw tooBig(max);
  return new Uint8Array(out);
}

export function decode(b: Uint8Array, max = MAX_BLOCK): Value {
  if (b.length > max) throw tooBig(max);
  let at = 0;
  const fail = (why: string): never => {
    throw err(why + ' at byte ' + at);
  };
  const need = (k: number) => void (at + k > b.length && fail('truncated'));
  const u32 = () => ((b[at++] << 24) >>> 0) + (b[at++] << 16) + (b[at++] << 8) + b[at++];
  /** The head's argument, which must be written in the fewest bytes. */
  const arg = (info: number): number => {
    if (info < 24) return info;
    const size = info - 24;
    if (size > 3) fail(info === 31 ? 'indefinite length' : 'reserved info');
    need(1 << size);
    const x = size === 0 ? b[at++] : size === 1 ? (b[at++] << 8) + b[at++] : size === 2 ? u32() : u32() * 2 ** 32 + u32();
    if (x > Number.MAX_SAFE_INTEGER) fail('beyond 2^53');
    if (x < (size ? 2 ** (4 << size) : 24)) fail('not minimal');
    return x;
  };
  const length = (info: number, unit: number) => {
    const len = arg(info);
    if (len * unit > b.length - at) fail('past the end');
    return len;
  };
  let textAt = 0;
  const text = (info: number) => {
    const len = length(info, 1);
    textAt = at;
    const s = utf8Decode(b, at, at + len);
    // utf8Decode writes U+FFFD for bad bytes: only then compare, to refuse invalid UTF-8
    if (s.indexOf('\ufffd') >= 0 && compareBytes(utf8Encode(s), b.subarray(at, at + len))) fail('invalid UTF-8');
    at += len;
    return s;
  };
  const item = (depth: number): Value => {
    if (depth > MAX_DEPTH) fail('too deep');
    need(1);
    const major = b[at] >> 5;
    const info = b[at++] & 31;
    switch (major) {
      case 0: return arg(info);
      case 1: {
        const x = arg(info);
        return x === Number.MAX_SAFE_INTEGER ? fail('beyond -2^53') : -1 - x;
      }
      case 2: {
        const len = length(info, 1);
        return b.slice(at, (at += len));
      }
      case 3: return text(info);
      case 4: {
        const out: Value[] = [];
        for (let i = length(info, 1); i > 0; i--) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        const out: { [key: string]: Value } = {};
        let last: Uint8Array | null = null;
        for (let i = length(info, 2); i > 0; i--) {
          need(1);
          if (b[at] >> 5 !== 3) fail('a key not a string');
          const k = text(b[at++] & 31);
          const kb = b.subarray(textAt, at);
          const order = last ? compareBytes(last, kb) : -1;
          if (order >= 0) fail(order ? 'keys out of order' : 'duplicate key');
          last = kb;
          setOwn(out, k, item(depth + 1));
        }
        return out;
      }
      case 6: {
        if (arg(info) !== 42) fail('a tag but 42');
        need(1);
        if (b[at] >> 5 !== 2) fail('a link not bytes');
        const len = length(b[at++] & 31, 1);
        if (!len || b[at] !== 0) fail('a link without 0x00');
        const cid = b.slice(at + 1, (at += len));
        try {
          decodeCid(cid);
        } catch (e) {
          fail((e as Error).message);
        }
        return new Link(cid);
      }
      default:
        if (info === 20 || info === 21) return info === 21;
        if (info === 22) return null;
        return fail(info >= 25 && info <= 27 ? 'a float' : 'simple value ' + info);
    }
  };
  const v = item(0);
  if (at !== b.length) fail('trailing bytes');
  return v;
}
