// Database Mimei: a Redis-like key-value store (strings, hashes, lists). The
// whole database is one DAG-CBOR block (a string is text, a hash a map of
// text, a list an array of text); every change is a new version. Meant for
// small databases: the block is bounded (MAX_BLOCK).
import { mimeiError } from './mimei-error.ts';
import { DAG_CBOR } from '../identity/cid.ts';
import { decode, encode, isMap, setOwn, type Value } from './dag-cbor.ts';
import type { MimeiStore } from './mimei.ts';

type Hash = { [field: string]: string };
export type Db = { [key: string]: string | string[] | Hash };

/** The commands, with their argument counts (min, max; -1: any number more). */
export const DB_COMMANDS: Record<string, [number, number, boolean]> = {
  // name: [min args, max args (-1: more), writes]
  get: [1, 1, false], set: [2, 2, true], del: [1, -1, true], hget: [2, 2, false], hset: [3, 3, true],
  hgetall: [1, 1, false], lpush: [2, -1, true], lrange: [3, 3, false], keys: [0, 0, false],
};

/** The database of mid at a version (default the latest); {} before the first. */
export function dbOf(store: MimeiStore, mid: string, seq?: number): Db {
  if (!store.genesis(mid).db) throw mimeiError(mid + ' is not a database (made without --db)');
  const r = store.version(mid, seq);
  const v = r ? decode(store.blocks.need(r.cid)) : {};
  if (!isMap(v)) throw mimeiError('the database block is not a map');
  return v as Db;
}

// Keys are anyone's text: "__proto__" or "toString" must be plain keys, never the object's own machinery.
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The value at key, which check must accept; empty when there is none. */
function typed<T>(db: Db, key: string, check: (v: unknown) => boolean, empty: T): T {
  if (!own(db, key)) return empty;
  const v = db[key];
  if (!check(v)) throw mimeiError(`WRONGTYPE ${key} holds another kind of value`);
  return v as T;
}
const isList = (v: unknown) => Array.isArray(v);
const isHash = (v: unknown) => typeof v === 'object' && !isList(v);

/** Redis's LRANGE indexes: inclusive, negative from the end. */
function range(list: string[], start: number, stop: number): string[] {
  // slice counts a negative start from the end (down to 0) and stops at the end by itself
  return list.slice(start, (stop < 0 ? list.length + stop : stop) + 1);
}

const int = (s: string): number => {
  if (!/^-?\d{1,15}$/.test(s)) throw mimeiError('not an integer: ' + s.slice(0, 20));
  return +s;
};

/**
 * Run one command on mid's database: the reply as text (lists: a line each).
 * A write makes a new version (its seq in ver), all or nothing.
 */
export function dbCommand(store: MimeiStore, mid: string, cmd: string, args: string[]): { reply: string; ver?: number } {
  const spec = DB_COMMANDS[cmd];
  if (!spec) throw mimeiError('unknown database command ' + cmd.slice(0, 20) + ' (' + Object.keys(DB_COMMANDS).join(' ') + ')');
  if (args.length < spec[0] || (spec[1] >= 0 && args.length > spec[1])) throw mimeiError(`${cmd} takes ${spec[0]}${spec[1] < 0 ? ' or more' : ''} arguments`);
  const db = dbOf(store, mid);
  const [k, a, b] = args;
  let reply = '';
  if (cmd === 'get') reply = typed<string>(db, k, (v) => typeof v === 'string', '');
  else if (cmd === 'set') setOwn(db, k, a), (reply = 'OK');
  else if (cmd === 'del') reply = String(args.filter((x) => own(db, x) && delete db[x]).length);
  else if (cmd === 'keys') reply = Object.keys(db).join('\n');
  else if (cmd === 'hget' || cmd === 'hgetall' || cmd === 'hset') {
    const h = typed<Hash>(db, k, isHash, {});
    if (cmd === 'hget') reply = own(h, a) ? h[a] : '';
    else if (cmd === 'hgetall') reply = Object.keys(h).flatMap((f) => [f, h[f]]).join('\n');
    else (reply = own(h, a) ? '0' : '1'), setOwn(h, a, b), setOwn(db, k, h);
  } else {
    const l = typed<string[]>(db, k, isList, []);
    if (cmd === 'lrange') reply = range(l, int(a), int(b)).join('\n');
    else setOwn(db, k, [...args.slice(1).reverse(), ...l]), (reply = String(l.length + args.length - 1));
  }
  if (!spec[2]) return { reply };
  const cid = store.blocks.put(encode(db as Value), DAG_CBOR);
  return { reply, ver: store.commit(mid, cid).seq };
}
