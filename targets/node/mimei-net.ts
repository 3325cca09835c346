// `run mimei publish|provide|sync|findprovs MID` and the network part of
// `run mimei show MID`. With a server running on the state file, the command
// is forwarded to it (a sealed /upgrade running [mm-* MID] as the owner) and
// its answer printed: the server is the store's one writer and the ring
// member. Without one:
// - sync, findprovs and show work as a client of the ring through a member
//   given with --bootstrap URL (the DHT asked through it, blocks fetched
//   from the providers it lists); sync holds the state file's lock while it
//   writes;
// - publish and provide refuse: a provider record names a URL where the
//   blocks are served, so only a serving node may put one (start
//   `run -w PORT` with this state file, then run the command again).
import { writeSync } from 'node:fs';
import { MimeiNet, MimeiStore, remoteDht } from '../../runtime/mimei/index.ts';
import { baseUrl } from '../../runtime/messages/peers.ts';
import { identityFile } from './cli.ts';
import { isShortId } from '../../runtime/identity/index.ts';
import { forwardToServer, serverOf } from './forward.ts';
import { nodeHost } from './host.ts';
import { lockStateFile } from './lock.ts';
import { mimeiMain } from './mimei.ts';

/** The commands this file answers (show: its network part). */
export const NET_COMMANDS = new Set(['publish', 'provide', 'sync', 'findprovs', 'show']);

export const NET_USAGE = `
  publish MID                provide MID, then notify the other providers of its latest version (needs the server)
  provide MID                this node's provider record into the DHT (needs the server)
  findprovs MID              the providers the DHT lists (records and versions checked): URL SEQ
  sync MID                   fetch the newest version and every missing block from the providers, each verified
  (with a server running on the state file these are forwarded to it; without one, findprovs, sync and
   show ask the ring through --bootstrap URL, a ring member)`;

const out = (s: string) => {
  const b = Buffer.from(s);
  for (let at = 0; at < b.length; ) at += writeSync(1, b, at);
};
const err = (line: string) => writeSync(2, line + '\n');

export async function mimeiNetMain(argv: string[]): Promise<number> {
  let state = 'jml.state';
  let bootstrap: string | undefined;
  const words: string[] = [];
  const local: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--bootstrap') bootstrap = argv[++i] || '';
    else {
      if (a === '--state') (state = argv[i + 1] || ''), local.push(a, argv[++i] || '');
      else local.push(a);
      // a MID may start with '-' (base64url): a word of its shape is never an option
      if (!a.startsWith('-') || isShortId(a)) words.push(a);
    }
  }
  const [cmd, mid] = words;
  if (!mid || !isShortId(mid)) return err(`run mimei: ${cmd} needs a MID (run mimei --help)`), 2;
  try {
    if (bootstrap !== undefined) bootstrap = baseUrl(bootstrap);
  } catch (e) {
    return err('run mimei: --bootstrap: ' + (e as Error).message), 2;
  }
  if (cmd === 'show') {
    const rc = await mimeiMain(local, true);
    if (rc !== 0) return rc;
  }
  const server = serverOf(state);
  try {
    if (server) {
      const r = await forwardToServer(state, `[mm-${cmd === 'show' ? 'findprovs' : cmd} ${mid}]`);
      if (!r.ok) throw new Error(`the server at ${server} answered: ${r.text.trim()}`);
      const text = r.text.replace(/\\n/g, '\n').trim();
      out(cmd === 'show' ? network(state, mid, text) : text + '\n');
      return 0;
    }
    if (cmd === 'publish' || cmd === 'provide')
      throw new Error(`${cmd} needs this node's server: a provider record names the URL where the blocks are served. Start it (run -w PORT ${state}) and run this again: it is forwarded to the server.`);
    if (!bootstrap) {
      if (cmd === 'show') return out('network= not asked (no server runs on ' + state + ' and no --bootstrap URL)\n'), 0;
      throw new Error(`no server runs on ${state}: give --bootstrap URL (a ring member to ask), or start the server (run -w PORT ${state})`);
    }
    const host = nodeHost(err, { keyFile: identityFile(state) });
    let readOnly: string | undefined;
    if (cmd === 'sync') {
      const lock = lockStateFile(state);
      if (!lock.held) throw new Error(`${state} is in use by another Magni process (pid ${lock.holder})`);
    } else readOnly = 'a client that only asks';
    const store = new MimeiStore(host, state, { readOnly });
    const net = new MimeiNet(store, { dht: remoteDht(host, bootstrap), log: err });
    if (cmd === 'sync') {
      const s = await net.sync(mid);
      out(`ver= ${s.seq} fetched= ${s.fetched} bytes= ${s.bytes}\n`);
      return 0;
    }
    const found = await net.findprovs(mid);
    const text = found.providers.map((p) => p.url + ' ' + p.seq).join('\n');
    out(cmd === 'show' ? network(state, mid, text) : text + (text ? '\n' : ''));
    return 0;
  } catch (e) {
    err('run mimei: ' + (e as Error).message);
    return 1;
  }
}

/** What show says of the network (as Leither's `mimei show`): the newest version the DHT's providers hold, and whether ours differs. */
function network(state: string, mid: string, providers: string): string {
  const rows = providers.split('\n').filter((l) => /^\S+ \d+$/.test(l));
  const seq = Math.max(0, ...rows.map((l) => +l.split(' ')[1]));
  let ours = 0;
  try {
    const s = new MimeiStore(nodeHost(err, { keyFile: identityFile(state) }), state, { readOnly: 'show' });
    ours = s.list().includes(mid) ? s.last(mid) : 0;
  } catch {}
  const differs = seq === ours ? 'same' : seq > ours ? 'the network is newer' : 'ours is newer';
  return `network= ver ${seq} (${differs}; ours ${ours})\n` + rows.map((l) => `provider= ${l}\n`).join('');
}
