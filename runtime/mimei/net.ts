// A Mimei on the network: publish, provide, find providers, sync, and the
// notification a publisher sends to providers.
// - provide MID: this node's signed DHT record under the Mimei's key says
//   where it serves and which version it holds (net-records.ts).
// - publish MID: provide, then notify every other provider found: a message
//   `{/mm-version B64}` (the owner's version record, base64url) through the
//   durable outbox.
// - a notification is only ever a self-authenticating record handed over:
//   taken for a Mimei held here, newer than what is held, signed by the
//   owner the held genesis names; then a sync is queued (one per Mimei, the
//   newest record kept, MAX_SYNCS at once), so a flood of them costs a
//   queue slot per Mimei held, never more fetching.
// - sync MID: the version record (given, or the newest one the DHT's
//   providers hold), its genesis when new here (checked against the MID),
//   then every block of the DAG not held, from the providers over the
//   trustless gateway (GET URL/ipfs/CID?format=raw), each checked against
//   its CID before it is stored. A provider that fails or lies is passed
//   over for that block (and dropped after 3 failures); blocks held are
//   skipped, so a sync cut short resumes. The version is accepted last: it
//   becomes current only when all of its blocks are here.
import { mimeiError } from './mimei-error.ts';
import type { Host } from '../host.ts';
import { cidToString, DAG_CBOR, decodeCid, RAW } from '../identity/cid.ts';
import { fromBase64, toBase64url } from '../identity/index.ts';
import { checkBlock } from './block.ts';
import { linksOf } from './car.ts';
import { decode, MAX_BLOCK } from './dag-cbor.ts';
import type { MimeiStore } from './mimei.ts';
import { mimeiKey, providerOf, providerValue, type Provider } from './net-records.ts';
import type { DhtAccess } from './net-dht.ts';
import { checkVersion, genesisOf, MAX_VERSION, midOf, versionOf, type VersionRecord } from './records.ts';

/** The message a publisher sends providers: `{/mm-version B64}`; its name. */
export const NOTIFY = '/mm-version';
/** Syncs running at once (each fetches `concurrency` blocks at a time). */
export const MAX_SYNCS = 2;

export interface MimeiNetOptions {
  /** Where the DHT is. */
  dht: DhtAccess;
  /** This node's base URL when it serves (a provider); unset for a client. */
  url?: string;
  /** This node's short ID (so that it never notifies itself). */
  id?: string;
  /** Queue a message for a node (its short ID and base URL) in the durable outbox. */
  send?: (id: string, url: string, body: string) => void;
  /** Blocks fetched at once (default 4). */
  concurrency?: number;
  /** A sync fetches at most this many bytes (default 1 GiB) and blocks (default 100,000). */
  maxBytes?: number;
  maxBlocks?: number;
  /** One block's fetch gives up after this long (default 30 s). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface Found {
  /** Providers whose records check, newest version first. */
  providers: (Provider & { seq: number })[];
  /** The newest version record among them (its bytes), or null. */
  latest: Uint8Array | null;
  seq: number;
}

export interface Synced {
  seq: number;
  /** Blocks fetched from providers (held ones are not counted), and their bytes. */
  fetched: number;
  bytes: number;
  /** Nothing to do: the version held is as new. */
  current: boolean;
}

type Crypto = Required<Pick<Host, 'sha256' | 'verify'>> & Host;

/** Where a sync fetches blocks: the providers' URLs, the first `fresh` of them holding the version; failures so far by URL. */
interface Sources {
  urls: string[];
  fresh: number;
  failures: Map<string, number>;
}

export class MimeiNet {
  private chains = new Map<string, Promise<unknown>>();
  private pending = new Map<string, { bytes: Uint8Array; hints: string[] }>();
  private running = new Set<string>();
  private turn = 0;
  readonly host: Crypto;

  constructor(readonly store: MimeiStore, readonly o: MimeiNetOptions) {
    const h = store.host;
    if (!h.sha256 || !h.verify) throw mimeiError('this host cannot check signatures');
    this.host = h as Crypto;
  }

  private log(line: string): void {
    (this.o.log || ((l: string) => this.host.log(l)))(line);
  }

  /** The providers the DHT lists for mid, each record and version checked (a genesis not held is fetched, not stored). */
  async findprovs(mid: string): Promise<Found> {
    const key = mimeiKey(mid);
    const raw = await this.o.dht.get(key);
    const all = raw.map((r) => providerOf(this.host, mid, r)).filter((p): p is Provider => !!p);
    const recs = new Map<Provider, VersionRecord>();
    for (const p of all) {
      try {
        const r = versionOf(p.version);
        if (r.mid === mid) recs.set(p, r);
      } catch {}
    }
    if (!recs.size) return { providers: [], latest: null, seq: 0 };
    let genesis;
    try {
      genesis = this.store.list().includes(mid) ? this.store.genesis(mid) : null;
    } catch {
      genesis = null;
    }
    if (!genesis) {
      const first = [...recs.values()][0];
      const urls = [...recs.keys()].map((p) => p.url);
      const g = await this.fetchBlock(first.genesis, { urls, fresh: urls.length, failures: new Map() });
      if (midOf(this.host.sha256, g) !== mid) throw mimeiError('the providers\' genesis does not name ' + mid);
      genesis = genesisOf(g);
    }
    const providers: Found['providers'] = [];
    for (const [p, r] of recs) {
      try {
        checkVersion(this.host, r, genesis);
        providers.push({ ...p, seq: r.seq });
      } catch {}
    }
    providers.sort((a, b) => b.seq - a.seq);
    return { providers, latest: providers.length ? providers[0].version : null, seq: providers.length ? providers[0].seq : 0 };
  }

  /** Put this node's provider record for mid (its latest version, its URL) into the DHT: how many nodes stored it. */
  async provide(mid: string): Promise<number> {
    const { url, dht } = this.o;
    if (!url || !dht.put) throw mimeiError('only a node that serves can provide (start it with run -w PORT)');
    const v = this.store.versionBytes(mid);
    if (!v) throw mimeiError(mid + ' has no version here to provide');
    return dht.put(mimeiKey(mid), providerValue(url, v));
  }

  /**
   * Provide every Mimei held with a version (a node that starts again: its
   * records are not kept across restarts, and the DHT re-publishes only
   * what this process put): how many of them some node stored. Never throws.
   */
  async provideAll(): Promise<number> {
    let n = 0;
    for (const mid of this.store.list()) {
      if (!this.store.last(mid)) continue;
      try {
        if ((await this.provide(mid)) > 0) n++;
      } catch (e) {
        this.log(`%WARNING: mimei: provide ${mid}: ${(e as Error).message}`);
      }
    }
    return n;
  }

  /** Provide mid, then tell every other provider of its latest version: how many stored the record, how many were notified. */
  async publish(mid: string): Promise<{ stored: number; notified: number }> {
    const stored = await this.provide(mid);
    const v = this.store.versionBytes(mid) as Uint8Array;
    let notified = 0;
    const found = await this.findprovs(mid).catch((e: Error) => (this.log(`%WARNING: mimei: publish ${mid}: no providers found (${e.message})`), null));
    for (const p of found ? found.providers : []) {
      if (p.url === this.o.url || p.id === this.o.id || !this.o.send) continue;
      this.o.send(p.id, p.url, `{${NOTIFY} ${toBase64url(v)}}`);
      notified++;
    }
    return { stored, notified };
  }

  /**
   * A notification from node `from` (at fromUrl, if known): what it did, in
   * a few words (kept with the message in the inbox). Never throws.
   */
  notified(from: string, text: string, fromUrl?: string): string {
    let r: VersionRecord;
    let bytes: Uint8Array;
    try {
      if (text.length > Math.ceil((MAX_VERSION * 4) / 3) + 4) throw new Error('too long for a version record');
      bytes = fromBase64(text.trim());
      r = versionOf(bytes);
      if (!this.store.list().includes(r.mid)) return 'ignored: ' + r.mid + ' is not held here';
      if (r.seq <= this.store.last(r.mid)) return `ignored: version ${r.seq} of ${r.mid} is not newer than ours`;
      checkVersion(this.host, r, this.store.genesis(r.mid));
    } catch (e) {
      return 'refused: ' + (e as Error).message;
    }
    const p = this.pending.get(r.mid);
    if (!p || versionOf(p.bytes).seq < r.seq) this.pending.set(r.mid, { bytes, hints: fromUrl ? [fromUrl] : [] });
    this.pump();
    return `syncing version ${r.seq} of ${r.mid} (from ${from})`;
  }

  /** Start queued syncs, MAX_SYNCS at a time. */
  private pump(): void {
    for (const [mid, p] of this.pending) {
      if (this.running.size >= MAX_SYNCS) return;
      if (this.running.has(mid)) continue;
      this.pending.delete(mid);
      this.running.add(mid);
      this.sync(mid, p.bytes, p.hints).then(
        (s) => this.log(`mimei: synced ${mid} to version ${s.seq} (${s.fetched} blocks, ${s.bytes} bytes fetched)`),
        (e: Error) => this.log(`%(ERROR:mimei: sync of ${mid} failed: ${e.message})`),
      ).finally(() => {
        this.running.delete(mid);
        this.pump();
      });
    }
  }

  /** Syncs queued or running (for tests and the owner's view). */
  get busy(): number {
    return this.pending.size + this.running.size;
  }

  /** Sync mid: to the version record given, or to the newest the providers hold. One sync per Mimei at a time. */
  sync(mid: string, given?: Uint8Array, hints: string[] = []): Promise<Synced> {
    const before = this.chains.get(mid) || Promise.resolve();
    const run = before.catch(() => {}).then(() => this.syncNow(mid, given, hints));
    this.chains.set(mid, run);
    const clear = () => void (this.chains.get(mid) === run && this.chains.delete(mid));
    run.then(clear, clear);
    return run;
  }

  private async syncNow(mid: string, given: Uint8Array | undefined, hints: string[]): Promise<Synced> {
    const held = () => this.store.list().includes(mid);
    let found: Found = { providers: [], latest: null, seq: 0 };
    try {
      found = await this.findprovs(mid);
    } catch (e) {
      if (!given) throw e;
      this.log(`%WARNING: mimei: sync ${mid}: the DHT did not answer (${(e as Error).message}); trying ${hints.join(' ') || 'no provider'}`);
    }
    const bytes = given || found.latest;
    if (!bytes) throw mimeiError('no provider of ' + mid + ' found in the DHT');
    const r = versionOf(bytes);
    if (r.mid !== mid) throw mimeiError('the version record is for ' + r.mid + ', not ' + mid);
    if (held() && r.seq <= this.store.last(mid)) return { seq: this.store.last(mid), fetched: 0, bytes: 0, current: true };
    // the providers that hold this version or newer first, then the others (they may share blocks)
    const urls: string[] = [];
    for (const u of [...hints, ...found.providers.filter((p) => p.seq >= r.seq).map((p) => p.url)]) if (u !== this.o.url && !urls.includes(u)) urls.push(u);
    const fresh = urls.length;
    for (const p of found.providers) if (p.url !== this.o.url && !urls.includes(p.url)) urls.push(p.url);
    if (!urls.length) throw mimeiError('no provider of ' + mid + ' to fetch from');
    const from: Sources = { urls, fresh, failures: new Map() };
    // the owner's signature first (the genesis fetched when new here): a forged record fetches nothing more
    let genesis;
    if (held()) genesis = this.store.genesis(mid);
    else {
      const g = (await this.getOrFetch(r.genesis, from)).bytes as Uint8Array;
      if (midOf(this.host.sha256, g) !== mid) throw mimeiError('the genesis fetched does not name ' + mid);
      genesis = genesisOf(g);
    }
    checkVersion(this.host, r, genesis);
    const got = await this.fetchDag(r.cid, from);
    if (held() && r.seq <= this.store.last(mid)) return { seq: this.store.last(mid), fetched: got.blocks, bytes: got.bytes, current: true };
    this.store.accept(bytes);
    // provided before the sync answers: whoever asked for it finds this node among the providers
    if (this.o.url && this.o.dht.put)
      await this.provide(mid).catch((e: Error) => this.log(`%WARNING: mimei: provide ${mid} after its sync: ${e.message}`));
    return { seq: r.seq, fetched: got.blocks, bytes: got.bytes, current: false };
  }

  /** Every block of the DAG under root here: those missing fetched, `concurrency` at a time, level by level. */
  private async fetchDag(root: Uint8Array, from: Sources): Promise<{ blocks: number; bytes: number }> {
    const maxBytes = this.o.maxBytes ?? 1 << 30;
    const maxBlocks = this.o.maxBlocks ?? 100_000;
    const width = Math.max(1, this.o.concurrency ?? 4);
    const seen = new Set<string>();
    let level = [root];
    let blocks = 0;
    let bytes = 0;
    let count = 0;
    while (level.length) {
      const next: Uint8Array[] = [];
      let at = 0;
      const worker = async () => {
        while (at < level.length) {
          const cid = level[at++];
          const codec = decodeCid(cid).codec;
          if (codec !== RAW && codec !== DAG_CBOR) throw mimeiError('a link to a block that is neither raw nor DAG-CBOR: ' + cidToString(cid));
          const b = await this.getOrFetch(cid, from);
          if (b.fetched) {
            blocks++;
            if ((bytes += b.fetched) > maxBytes) throw mimeiError(`the content is larger than ${maxBytes} bytes`);
          }
          if (codec === DAG_CBOR) for (const l of linksOf(decode(b.bytes as Uint8Array))) {
            const k = cidToString(l);
            if (seen.has(k)) continue;
            seen.add(k);
            if (++count > maxBlocks) throw mimeiError(`the content has more than ${maxBlocks} blocks`);
            next.push(l);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(width, level.length) }, worker));
      level = next;
    }
    return { blocks, bytes };
  }

  /** A block held here (its bytes only when DAG-CBOR: raw ones are not needed again), or fetched and stored. */
  private async getOrFetch(cid: Uint8Array, from: Sources): Promise<{ bytes: Uint8Array | null; fetched: number }> {
    let b: Uint8Array | null = null;
    try {
      b = this.store.blocks.getBlock(cid);
    } catch {} // a corrupted copy was removed: fetch it again
    if (b) return { bytes: b, fetched: 0 };
    b = await this.fetchBlock(cid, from);
    this.store.blocks.putBlock(cid, b);
    return { bytes: b, fetched: b.length };
  }

  /** A block from the first provider (taken in turns) that gives the right bytes; a failing one is dropped after 3 failures. */
  private async fetchBlock(cid: Uint8Array, { urls, fresh: holding, failures }: Sources): Promise<Uint8Array> {
    if (!this.host.getBytes) throw new Error('this host cannot fetch blocks');
    const name = cidToString(cid);
    const why: string[] = [];
    // in turns among the providers that hold this version (load spread), then the others (they may share blocks)
    const fresh = Math.max(1, Math.min(urls.length, holding));
    const start = this.turn++;
    for (let i = 0; i < urls.length; i++) {
      const u = i < fresh ? urls[(start + i) % fresh] : urls[i];
      if ((failures.get(u) || 0) >= 3) continue;
      try {
        const b = await this.host.getBytes(u + '/ipfs/' + name + '?format=raw', { timeoutMs: this.o.timeoutMs ?? 30_000, maxBytes: MAX_BLOCK });
        try {
          checkBlock(this.host.sha256, cid, b); // what BlockStore.putBlock checks: a wrong byte is never stored
        } catch (e) {
          throw new Error('served a corrupted block: ' + (e as Error).message);
        }
        return b;
      } catch (e) {
        failures.set(u, (failures.get(u) || 0) + 1);
        why.push(u + ': ' + (e as Error).message);
        this.log(`%WARNING: mimei: block ${name} from ${u}: ${(e as Error).message}; trying another provider`);
      }
    }
    throw mimeiError(`no provider gave block ${name} (${why.join('; ') || 'every provider has failed'})`);
  }
}
