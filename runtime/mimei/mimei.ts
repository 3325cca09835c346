// The Mimei store: this node's Mimei and the ones it holds for others. The
// genesis and every version record are blocks; STATE.mimei is the index, a
// line per record, appended durably: `MID 0 GENESIS-CID` then `MID SEQ
// VERSION-CID`. A line cut short or malformed is reported and skipped; a
// record is checked (hash, signature, owner) each time it is read.
import { mimeiError } from './mimei-error.ts';
import { logError } from '../diagnostics.ts';
import type { Host } from '../host.ts';
import { cidToString, DAG_CBOR, parseCid } from '../identity/cid.ts';
import { sameBytes } from './block.ts';
import { addFile } from './file.ts';
import { checkVersion, type Genesis, genesisOf, makeGenesis, midOf, signVersion, versionOf, type VersionRecord } from './records.ts';
import { BlockStore } from './store.ts';

interface Held {
  genesis: Uint8Array;
  /** Version record CIDs by rising seq. */
  versions: { seq: number; cid: Uint8Array }[];
}

export interface MimeiOptions {
  /** Why this store may not be written (another process holds it); unset: writable. */
  readOnly?: string;
}

export class MimeiStore {
  readonly blocks: BlockStore;
  private readonly indexFile: string;
  private heldByMid = new Map<string, Held>();
  /** Called after a version from elsewhere is accepted (the on-mimei hook). */
  onChange?: (mid: string, seq: number) => void;

  constructor(readonly host: Host, stateFile: string, private readonly storeOptions: MimeiOptions = {}) {
    this.blocks = new BlockStore(host, stateFile + '.blocks');
    this.indexFile = stateFile + '.mimei';
    for (const l of host.readLines(this.indexFile)) {
      const m = /^([\w-]{27}) (\d{1,15}) (b[a-z2-7]{1,200})$/.exec(l.text);
      const h = m && this.heldByMid.get(m[1]);
      let why = !l.complete ? 'cut short' : !m ? 'malformed' : '';
      if (m && !why) {
        try {
          const cid = parseCid(m[3]).bytes;
          if (m[2] === '0') h ? (why = 'a second genesis') : this.startHolding(m[1], cid);
          else if (!h || +m[2] <= this.last(m[1])) why = 'out of order';
          else h.versions.push({ seq: +m[2], cid });
        } catch (e) {
          why = (e as Error).message;
        }
      }
      if (why) logError(host, `${this.indexFile}: the line at byte ${l.offset} is ${why}: skipped`);
    }
  }

  /** The MIDs held. */
  list(): string[] {
    return [...this.heldByMid.keys()];
  }

  private heldOf(mid: string): Held {
    const h = this.heldByMid.get(mid);
    if (!h) throw mimeiError('no Mimei ' + mid.slice(0, 40) + ' here');
    return h;
  }

  private keyedHost(): Required<Host> {
    if (!this.host.nodeKey || !this.host.verify) throw mimeiError('this host has no node key');
    return this.host as Required<Host>;
  }

  private writableHost(): Required<Host> {
    if (this.storeOptions.readOnly) throw mimeiError(this.storeOptions.readOnly);
    return this.keyedHost();
  }

  private remember(mid: string, seq: number, cid: Uint8Array): void {
    this.host.appendLine(this.indexFile, `${mid} ${seq} ${cidToString(cid)}`);
  }

  /** Start holding mid, whose genesis block is genesis (no versions yet). */
  private startHolding(mid: string, genesis: Uint8Array): Held {
    const h = { genesis, versions: [] };
    this.heldByMid.set(mid, h);
    return h;
  }

  /** The genesis in bytes, checked against mid. */
  private genesisNaming(mid: string, bytes: Uint8Array): Genesis {
    if (midOf(this.blocks.host.sha256, bytes) !== mid) throw mimeiError('the genesis does not name ' + mid);
    return genesisOf(bytes);
  }

  /** A new Mimei owned by this node's key: its MID. */
  create(db = false): string {
    const g = makeGenesis(this.writableHost(), db);
    const cid = this.blocks.put(g, DAG_CBOR);
    const mid = midOf(this.blocks.host.sha256, g);
    this.remember(mid, 0, cid);
    this.startHolding(mid, cid);
    return mid;
  }

  /** The genesis of mid, checked against the MID. */
  genesis(mid: string): Genesis {
    return this.genesisNaming(mid, this.blocks.need(this.heldOf(mid).genesis));
  }

  /** The highest seq held (0: none). */
  last(mid: string): number {
    const v = this.heldOf(mid).versions;
    return v.length ? v[v.length - 1].seq : 0;
  }

  /** The seqs of the versions held, oldest first. */
  seqs(mid: string): number[] {
    return this.heldOf(mid).versions.map((v) => v.seq);
  }

  /** Version seq of mid (default the latest), checked; null when none is held. */
  version(mid: string, seq = this.last(mid)): VersionRecord | null {
    const bytes = this.versionBytes(mid, seq);
    if (!bytes) return null;
    const r = versionOf(bytes);
    if (r.mid !== mid || r.seq !== seq) throw mimeiError(`the record filed as version ${seq} of ${mid} is another`);
    checkVersion(this.keyedHost(), r, this.genesis(mid));
    return r;
  }

  /** The record's bytes, as they travel (phase 2: publish, sync). */
  versionBytes(mid: string, seq = this.last(mid)): Uint8Array | null {
    const v = this.heldOf(mid).versions.find((x) => x.seq === seq);
    return v ? this.blocks.need(v.cid) : null;
  }

  /** A new version of our own Mimei whose content is cid (its blocks should be in the store). */
  commit(mid: string, cid: Uint8Array): VersionRecord {
    const host = this.writableHost();
    const h = this.heldOf(mid);
    const g = this.genesis(mid);
    const me = host.nodeKey();
    if (me.type !== g.type || !sameBytes(me.publicKey, g.key)) throw mimeiError(mid + ' is not this node\'s (only its owner makes versions)');
    return this.keepVersion(signVersion(host, { mid, seq: this.last(mid) + 1, cid, time: host.now(), genesis: h.genesis }));
  }

  /**
   * A version record from elsewhere (its bytes): kept when signed by the
   * owner and newer than what we hold; else this throws and nothing changes.
   * The genesis block must be held (or put into the store first).
   */
  accept(bytes: Uint8Array): VersionRecord {
    const r = this.keepVersion(bytes);
    this.onChange?.(r.mid, r.seq);
    return r;
  }

  private keepVersion(bytes: Uint8Array): VersionRecord {
    const host = this.writableHost();
    const r = versionOf(bytes);
    let h = this.heldByMid.get(r.mid);
    const gBytes = this.blocks.getBlock(h ? h.genesis : r.genesis);
    if (!gBytes || (h && !sameBytes(h.genesis, r.genesis))) throw mimeiError('the genesis of ' + r.mid + ' is not here');
    checkVersion(host, r, this.genesisNaming(r.mid, gBytes));
    const last = h ? this.last(r.mid) : 0;
    if (r.seq <= last) throw mimeiError(`version ${r.seq} of ${r.mid} is not newer than version ${last} held (replayed?)`);
    const cid = this.blocks.put(bytes, DAG_CBOR);
    if (!h) {
      this.remember(r.mid, 0, r.genesis);
      h = this.startHolding(r.mid, r.genesis);
    }
    this.remember(r.mid, r.seq, cid);
    h.versions.push({ seq: r.seq, cid });
    return r;
  }

  /** Store a file (parts as they are read) and make it the next version. */
  addFile(mid: string, parts: Iterable<Uint8Array>, chunkSize?: number): VersionRecord {
    this.writableHost();
    this.heldOf(mid);
    return this.commit(mid, addFile(this.blocks, parts, chunkSize));
  }
}
