// CARv1 (IPLD content archives): a header, the DAG-CBOR {roots, version: 1},
// then sections of <varint length><CID><block>, each length-prefixed header
// first. The reader is bounded and checks every block against its CID.
import { concatBytes } from '../identity/bytes.ts';
import { DAG_CBOR, decodeCid } from '../identity/cid.ts';
import type { Sha256 } from '../identity/shortId.ts';
import { decodeVarint, encodeVarint } from '../identity/varint.ts';
import { checkBlock } from './block.ts';
import { decode, encode, Link, MAX_BLOCK, type Value } from './dag-cbor.ts';
import type { BlockStore } from './store.ts';

export interface Block {
  cid: Uint8Array;
  bytes: Uint8Array;
}

const section = (...parts: Uint8Array[]) => {
  const body = concatBytes(...parts);
  return concatBytes(encodeVarint(body.length), body);
};

/** The CAR's parts in order: the header, then a section per block. */
export function* carParts(roots: Uint8Array[], blocks: Iterable<Block>): Generator<Uint8Array> {
  yield section(encode({ roots: roots.map((r) => new Link(r)), version: 1 }));
  for (const b of blocks) yield section(b.cid, b.bytes);
}

/** The links inside a DAG-CBOR value, in order. */
export function linksOf(v: Value, out: Uint8Array[] = []): Uint8Array[] {
  if (v instanceof Link) out.push(v.bytes);
  else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) for (const x of Object.values(v)) linksOf(x, out);
  return out;
}

/** The blocks of the DAG under root, depth-first, each once (the trustless gateway's order); a missing one throws. */
export function* dagBlocks(store: BlockStore, root: Uint8Array): Generator<Block> {
  const seen = new Set<string>();
  const todo = [root];
  while (todo.length) {
    const cid = todo.pop() as Uint8Array;
    const key = cid.join();
    if (seen.has(key)) continue;
    seen.add(key);
    const bytes = store.need(cid);
    yield { cid, bytes };
    if (decodeCid(cid).codec === DAG_CBOR) todo.push(...linksOf(decode(bytes)).reverse());
  }
}

/** The length of the binary CID at b[at] (v1: version, codec, hash code, digest length, digest; v0: 34 bytes). */
function cidLength(b: Uint8Array, at: number): number {
  if (b[at] === 0x12 && b[at + 1] === 0x20) return 34;
  let n = at;
  for (let i = 0; i < 3; i++) n += decodeVarint(b, n)[1];
  const [len, k] = decodeVarint(b, n);
  return n + k + len - at;
}

/** Read a whole CAR (at most maxBytes): its roots and blocks, every block checked against its CID. */
export function readCar(sha256: Sha256, car: Uint8Array, maxBytes = 64 << 20): { roots: Uint8Array[]; blocks: Block[] } {
  if (car.length > maxBytes) throw new Error(`CAR: more than ${maxBytes} bytes`);
  let at = 0;
  const next = (): Uint8Array => {
    const [len, k] = decodeVarint(car, at);
    if (len > MAX_BLOCK + 1024 || at + k + len > car.length) throw new Error('CAR: a section runs past the end or is too large, at byte ' + at);
    return car.subarray(at + k, (at += k + len));
  };
  const h = decode(next()) as { roots?: Value; version?: Value };
  if (!h || typeof h !== 'object' || h.version !== 1 || !Array.isArray(h.roots) || !h.roots.every((r) => r instanceof Link) || Object.keys(h).length !== 2)
    throw new Error('CAR: the header is not {roots: [links], version: 1}');
  const blocks: Block[] = [];
  while (at < car.length) {
    const s = next();
    const n = cidLength(s, 0);
    if (n > s.length) throw new Error('CAR: a CID runs past its section');
    const b = { cid: s.slice(0, n), bytes: s.slice(n) };
    checkBlock(sha256, b.cid, b.bytes);
    blocks.push(b);
  }
  return { roots: (h.roots as Link[]).map((r) => r.bytes), blocks };
}
