// The block store: one file per block, named by its CID, in a directory
// beside the state file (STATE.blocks/). Writes are atomic (the Host's
// writeBytes); every read is checked against the CID, and a block that fails
// is removed and refused, so a bad byte on disk is never handed on.
import type { Host } from '../host.ts';
import { cidToString, RAW } from '../identity/cid.ts';
import { checkBlock, cidOf } from './block.ts';
import { MAX_BLOCK } from './dag-cbor.ts';

export type BlockHost = Required<Pick<Host, 'sha256' | 'readBytes' | 'writeBytes' | 'listFiles'>> & Host;

export class BlockStore {
  readonly host: BlockHost;
  constructor(host: Host, private readonly blockDir: string) {
    if (!host.sha256 || !host.readBytes || !host.writeBytes || !host.listFiles) throw new Error('this host has no binary files: no Mimei store');
    this.host = host as BlockHost;
  }

  private fileOf = (cid: Uint8Array) => this.blockDir + '/' + cidToString(cid);

  /** Store bytes as a block of codec (raw by default): its CID. */
  put(bytes: Uint8Array, codec = RAW): Uint8Array {
    const cid = cidOf(this.host.sha256, codec, bytes);
    this.writeBlock(cid, bytes);
    return cid;
  }

  /** Store a block received from elsewhere: refused (throws) unless bytes match cid. */
  putBlock(cid: Uint8Array, bytes: Uint8Array): void {
    checkBlock(this.host.sha256, cid, bytes);
    this.writeBlock(cid, bytes);
  }

  private writeBlock(cid: Uint8Array, bytes: Uint8Array): void {
    if (bytes.length > MAX_BLOCK) throw new Error(`block: more than ${MAX_BLOCK} bytes`);
    let held = false;
    try {
      held = this.hasBlock(cid);
    } catch {} // a corrupted copy was removed: write the good one
    if (!held) this.host.writeBytes(this.fileOf(cid), bytes);
  }

  hasBlock(cid: Uint8Array): boolean {
    return this.getBlock(cid) !== null;
  }

  /** The block, checked; null when absent. A block that fails its check is removed, and this throws. */
  getBlock(cid: Uint8Array): Uint8Array | null {
    const p = this.fileOf(cid);
    const bytes = this.host.readBytes(p, MAX_BLOCK);
    if (!bytes) return null;
    try {
      checkBlock(this.host.sha256, cid, bytes);
    } catch (e) {
      this.host.removeFile?.(p);
      throw new Error((e as Error).message + ' (corrupted on disk: removed)');
    }
    return bytes;
  }

  /** The block, or a clear error when it is missing. */
  need(cid: Uint8Array): Uint8Array {
    const b = this.getBlock(cid);
    if (!b) throw new Error('block not in the store: ' + cidToString(cid));
    return b;
  }
}
