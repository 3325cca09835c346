// How the Mimei's network side reaches the DHT: through this node's own
// ring (a server), or, for a command-line client that is not on the ring,
// through a ring member it is told of (--bootstrap URL): it asks that node
// who owns the key (GET /route/KEY), then asks the owner and its successors
// for the records (POST /chord dht-get), as any ring node would. Records
// come back unchecked: whoever reads them checks each one.
import type { Host } from '../host.ts';
import type { Dht } from '../chord/dht.ts';
import { keyToPoint } from '../chord/id.ts';
import { signedRecord } from '../chord/record.ts';
import { DHT_TTL_MS, MAX_RING_BODY } from '../chord/service.ts';

export interface DhtAccess {
  /** The records stored under a key (40 hex digits), unchecked. */
  get(key: string): Promise<string[]>;
  /**
   * Publish this node's record (its value signed here), replacing the one
   * published before under the key; kept published while the node runs.
   * How many of the key's nodes stored it. Absent: this is not a ring member.
   */
  put?(key: string, value: string): Promise<number>;
}

/** The DHT of this node's ring. */
export function ringDht(dht: Dht, host: Required<Pick<Host, 'nodeKey' | 'now'>>): DhtAccess {
  const mine = new Map<string, string>();
  return {
    // every replica's records: a provider's record may be on some of them only (a node restarted, or just joined)
    get: (key) => new Promise((ok, fail) => dht.get(key, (values, e) => (values.length || !e ? ok(values) : fail(new Error('dht: ' + e))), true)),
    put(key, value) {
      const record = signedRecord(host, keyToPoint(key), value);
      return new Promise((ok, fail) =>
        dht.put(key, record, DHT_TTL_MS, (stored, e) => {
          if (!stored) return fail(new Error('dht: ' + (e || 'no node stored the record')));
          const before = mine.get(key);
          if (before && before !== record) dht.unpublish(key, before);
          mine.set(key, record);
          ok(stored);
        }),
      );
    },
  };
}

const LIMITS = { timeoutMs: 5_000, maxBytes: MAX_RING_BODY };

/** The DHT as a client sees it through a ring member at bootstrap (a base URL). */
export function remoteDht(host: Host, bootstrap: string): DhtAccess {
  const ask = async (url: string, req: unknown): Promise<Record<string, unknown> | null> => {
    if (!host.post) throw new Error('this host cannot reach other nodes');
    const a = await host.post(url + '/chord', JSON.stringify({ from: null, req }), LIMITS);
    if (a.status !== 200) return null;
    try {
      const r = JSON.parse(a.body);
      return r && typeof r === 'object' ? r : null;
    } catch {
      return null;
    }
  };
  return {
    async get(key) {
      if (!host.wget) throw new Error('this host cannot reach other nodes');
      const point = keyToPoint(key);
      const [, owner] = (await host.wget(bootstrap + '/route/' + point, { timeoutMs: LIMITS.timeoutMs, maxBytes: 1024 })).split('\n');
      if (!/^https?:\/\/\S+$/.test(owner || '')) throw new Error(bootstrap + '/route: not a node URL');
      const targets = [owner];
      const state = await ask(owner, { op: 'state' }).catch(() => null);
      if (state && Array.isArray(state.succs))
        for (const s of state.succs.slice(0, 2)) if (s && typeof s.addr === 'string' && /^https?:\/\/\S+$/.test(s.addr) && !targets.includes(s.addr)) targets.push(s.addr);
      const out = new Set<string>();
      let answered = false;
      for (const t of targets) {
        const r = await ask(t, { op: 'dht-get', key: point }).catch(() => null);
        if (!r || !Array.isArray(r.values)) continue;
        answered = true;
        for (const v of r.values.slice(0, 32)) if (typeof v === 'string' && v.length <= 4096) out.add(v);
      }
      if (!answered) throw new Error('dht: no node holding the key answered (through ' + bootstrap + ')');
      return [...out];
    },
  };
}
