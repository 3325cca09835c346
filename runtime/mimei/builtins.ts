// The Mimei store from JML:
//   [mm-ver MID]            the latest version held (0: none)
//   [mm-get MID [KEY]]      a file Mimei's content as text; a database's KEY
//   [mm-set MID K V] [mm-del MID K...] [mm-hset MID H F V] [mm-hget MID H F]
//   [mm-hgetall MID H] [mm-lpush MID K V...] [mm-lrange MID K START STOP]
//   [mm-create [db]]        a new Mimei of this node's (its MID)
//   [mm-setcid MID CID]     CID (its root block here) as the next version (its number)
// Words are unescaped (`\ ` is a space inside one, as inertArg quotes them).
// Writes need the 'state' capability (a visitor or a preview never changes a
// store); what is read is shown inert. The macro on-mimei ($mid $ver) runs
// when a version from elsewhere is accepted.
import { OWNER } from '../../jml/capabilities.ts';
import type { Ctx } from '../../jml/evaluation.ts';
import { JmlError } from '../../jml/errors.ts';
import { headRest, indexUnescaped, inertArg, inertLine, unescapeOutput } from '../../jml/text.ts';
import { logError } from '../diagnostics.ts';
import { parseCid } from '../identity/cid.ts';
import { isShortId } from '../identity/shortId.ts';
import { utf8Decode } from '../../jml/utf8.ts';
import type { MagniNode } from '../magni.ts';
import { DB_COMMANDS, dbCommand } from './db.ts';
import { readFile } from './file.ts';
import type { MimeiStore } from './mimei.ts';

/** What [mm-get] reads of a file Mimei, at most. */
const MAX_TEXT = 1 << 20;

/**
 * The first n - 1 words, then the rest of the text (maybe empty after a
 * space) as the last; all words when n < 0. A space after a backslash is part
 * of a word (as inertArg makes it); every part is unescaped.
 */
function splitArgs(text: string, n: number): string[] {
  const out: string[] = [];
  let at = 0; // where the text not yet split starts
  while (n < 0 || out.length < n - 1) {
    if (!text.slice(at).trim()) return out;
    while (text.charCodeAt(at) === 32) at++;
    const space = indexUnescaped(text, ' ', at);
    out.push(unescapeOutput(text.slice(at, space < 0 ? text.length : space)));
    if (space < 0) return out;
    at = space + 1;
  }
  const rest = text.slice(at);
  // the last part may be empty only after a space (`[mm-set M k ]` sets k to "")
  if (out.length || rest.trim()) out.push(unescapeOutput(rest));
  return out;
}

/** A Mimei builtin's error: its name and the message, inert. */
export const failure = (name: string, e: unknown): JmlError => new JmlError(name + ': ' + inertArg((e as Error).message, false));

/** The on-mimei hook: run the owner's macro on-mimei, if there is one, for a changed Mimei. */
export async function mimeiChanged(node: MagniNode, mid: string, seq: number): Promise<void> {
  if (!node.interp.macros.has('on-mimei') || !isShortId(mid)) return;
  await node.evalAsOne(`[on-mimei ${mid} ${seq}]`, { caps: OWNER, user: 'mimei:' + mid });
}

export function registerMimei(node: MagniNode, store: MimeiStore): void {
  /** Defines the builtin name: a write needs the 'state' capability; the result is shown inert, an error named. */
  const define = (name: string, writes: boolean, f: (a: string) => string) =>
    node.interp.hostBuiltins.set(name, (a: string, it: Ctx) => {
      try {
        if (writes) it.need('state', name);
        return inertLine(f(a));
      } catch (e) {
        throw failure(name, e);
      }
    });
  define('mm-ver', false, (a) => String(store.last(a.trim())));
  define('mm-get', false, (a) => {
    const [mid, key] = headRest(a);
    if (store.genesis(mid).db) return dbCommand(store, mid, 'get', [unescapeOutput(key)]).reply;
    const v = store.version(mid);
    return v ? utf8Decode(readFile(store.blocks, v.cid, MAX_TEXT)) : '';
  });
  for (const cmd of ['set', 'del', 'hset', 'hget', 'hgetall', 'lpush', 'lrange']) {
    const [, max, writes] = DB_COMMANDS[cmd];
    define('mm-' + cmd, writes, (a) => {
      const [mid, rest] = headRest(a);
      return dbCommand(store, mid, cmd, splitArgs(rest, max)).reply;
    });
  }
  // the owner's writes that `run mimei` forwards to a running server (targets/node/forward.ts)
  define('mm-create', true, (a) => {
    const kind = a.trim();
    if (kind !== '' && kind !== 'db') throw new Error('[mm-create] makes a file Mimei, [mm-create db] a database');
    return store.create(kind === 'db');
  });
  define('mm-setcid', true, (a) => {
    const [mid, rest] = headRest(a.trim());
    const cid = rest.trim();
    const bytes = parseCid(cid).bytes;
    if (!store.blocks.hasBlock(bytes)) throw new Error('the block ' + cid.slice(0, 80) + ' is not here: store it first');
    return String(store.commit(mid, bytes).seq);
  });
  store.onChange = (mid, seq) => void mimeiChanged(node, mid, seq).catch((e) => logError(node.host, 'on-mimei: ' + (e as Error).message));
}
