// Files as blocks: the bytes cut into chunks (raw blocks) listed in a
// manifest, a DAG-CBOR block {size, chunks: [links]} whose CID is the file's
// CID. A file of one chunk is just that raw block. Reading checks every
// chunk and the total size, and holds one chunk at a time.
import { concatAll } from '../identity/bytes.ts';
import { decodeCid, DAG_CBOR, RAW } from '../identity/cid.ts';
import { decode, encode, isMap, Link, type Value } from './dag-cbor.ts';
import type { BlockStore } from './store.ts';

export const CHUNK = 256 * 1024;

const fileError = (why: string): Error => new Error('file: ' + why);

export interface Manifest {
  size: number;
  chunks: Link[];
}

/** Store a file given as parts of any size (read as they come): its CID. */
export function addFile(store: BlockStore, parts: Iterable<Uint8Array>, chunkSize = CHUNK): Uint8Array {
  if (!(chunkSize >= 1 && chunkSize <= CHUNK * 4)) throw fileError('a chunk size from 1 to ' + CHUNK * 4);
  const chunks: Link[] = [];
  const buf = new Uint8Array(chunkSize);
  let fill = 0;
  let size = 0;
  const flush = () => {
    chunks.push(new Link(store.put(buf.slice(0, fill))));
    size += fill;
    fill = 0;
  };
  for (const p of parts) {
    for (let i = 0; i < p.length; ) {
      const k = Math.min(chunkSize - fill, p.length - i);
      buf.set(p.subarray(i, i + k), fill);
      (fill += k), (i += k);
      if (fill === chunkSize) flush();
    }
  }
  if (fill || !chunks.length) flush();
  return chunks.length === 1 ? chunks[0].bytes : store.put(encode({ size, chunks } as unknown as Value), DAG_CBOR);
}

/** A manifest block's value, checked. */
export function manifestOf(v: Value): Manifest {
  const m = v as unknown as Manifest;
  const ok = isMap(v) && Object.keys(v).length === 2 && Number.isSafeInteger(m.size) && m.size >= 0 && Array.isArray(m.chunks);
  if (!ok || !m.chunks.every((c) => c instanceof Link && decodeCid(c.bytes).codec === RAW)) throw fileError('not a manifest {size, chunks: [raw links]}');
  return m;
}

/** The file's chunks in order, each checked (a raw CID: the one block). */
export function* fileChunks(store: BlockStore, cid: Uint8Array): Generator<Uint8Array> {
  const block = store.need(cid);
  const codec = decodeCid(cid).codec;
  if (codec === RAW) return yield block;
  if (codec !== DAG_CBOR) throw fileError('neither a raw block nor a manifest');
  const m = manifestOf(decode(block));
  let total = 0;
  for (const c of m.chunks) {
    const b = store.need(c.bytes);
    if ((total += b.length) > m.size) break;
    yield b;
  }
  if (total !== m.size) throw fileError(`the chunks hold ${total > m.size ? 'more' : total} bytes, the manifest says ${m.size}`);
}

/** The whole file, at most max bytes. */
export function readFile(store: BlockStore, cid: Uint8Array, max = 16 << 20): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const p of fileChunks(store, cid)) {
    if ((n += p.length) > max) throw fileError(`more than ${max} bytes`);
    parts.push(p);
  }
  return concatAll(parts);
}
