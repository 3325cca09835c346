// `run mimei ...`: the Mimei store from the command line. Commands that
// write take the state file's lock (one writer per store); while a live
// server holds it they are forwarded to it (targets/node/forward.ts): `add`
// writes the file's blocks itself (content-addressed, each written
// atomically: harmless beside the server), and the server alone writes the
// index. Reading commands read the files directly: every write is atomic.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { cidToString, isShortId, parseCid } from '../../runtime/identity/index.ts';
import { addFile, CHUNK, dbCommand, DB_COMMANDS, dbOf, fileChunks, MimeiStore } from '../../runtime/mimei/index.ts';
import { inertArg, unescapeOutput } from '../../jml/text.ts';
import { forwardToServer, serverAnswers, serverOf } from './forward.ts';
import { identityFile } from './cli.ts';
import { nodeHost } from './host.ts';
import { lockStateFile } from './lock.ts';
import { mimeiNetMain, NET_COMMANDS, NET_USAGE } from './mimei-net.ts';

export const MIMEI_USAGE = `usage: run mimei COMMAND [--state FILE] ...

  create [--db]              a new Mimei owned by this node's key: prints mid= ID
  add MID FILE [--chunk N]   store FILE (chunks of N bytes, default ${CHUNK}) as the next version: cid= and ver=
  setcid MID CID             make CID (its blocks already here) the next version
  get MID [VER]              the content of the latest (or VER) version on stdout
                             (a database: its JSON; get MID KEY: one key)
  show MID                   author, created, kind and the versions held
  list                       the Mimei held
  DBCMD MID ARGS...          a database Mimei: ${Object.keys(DB_COMMANDS).join(' ')} (writes print ver=)

${NET_USAGE}

The store lives beside the state file (default ./jml.state): STATE.blocks/ and STATE.mimei.`;

const out = (s: string | Uint8Array) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  for (let at = 0; at < b.length; ) at += writeSync(1, b, at);
};

/** A file's bytes, 1 MiB at a time: a 10 MB file is never held whole. */
function* fileParts(path: string): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) yield buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const WRITES = new Set(['create', 'add', 'setcid', ...Object.keys(DB_COMMANDS).filter((c) => DB_COMMANDS[c][2])]);

export async function mimeiMain(argv: string[], localOnly = false): Promise<number> {
  const err = (line: string) => writeSync(2, line + '\n');
  const words: string[] = [];
  let state = 'jml.state';
  let db = false;
  let chunk: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--state') state = argv[++i] || '';
    else if (a === '--db') db = true;
    else if (a === '--chunk') chunk = +argv[++i];
    else if (a === '-h' || a === '--help') return out(MIMEI_USAGE + '\n'), 0;
    else words.push(a);
  }
  const [cmd, mid, ...rest] = words;
  // publish, provide, sync, findprovs and show's network part: targets/node/mimei-net.ts
  if (!localOnly && NET_COMMANDS.has(cmd)) return mimeiNetMain(argv);
  if (!cmd || !state) return err(MIMEI_USAGE), 2;
  const host = nodeHost(err, { keyFile: identityFile(state) });
  try {
    const need = (n: number) => {
      if (!mid || rest.length < n) throw new Error(`${cmd} needs ${n + 1} argument${n ? 's' : ''} (run mimei --help)`);
    };
    if (WRITES.has(cmd)) {
      const lock = lockStateFile(state);
      if (!lock.held) {
        if (!serverOf(state)) return err(`run mimei: ${state} is in use by another Magni process (pid ${lock.holder}) that serves no HTTP: stop it to change its Mimei from here`), 1;
        if (cmd !== 'create') need(cmd === 'add' || cmd === 'setcid' ? 1 : 0);
        return await forwarded(state, cmd, mid, rest, db, chunk);
      }
    }
    const store = new MimeiStore(host, state);
    if (cmd === 'create') out(`mid= ${store.create(db)}\n`);
    else if (cmd === 'list') out(store.list().map((m) => m + '\n').join(''));
    else if (cmd === 'add' || cmd === 'setcid') {
      need(1);
      const v = cmd === 'add' ? store.addFile(mid, fileParts(rest[0]), chunk) : store.commit(mid, parseCid(rest[0]).bytes);
      out(`cid= ${cidToString(v.cid)}\nver= ${v.seq}\n`);
    } else if (cmd === 'get' && (rest[0] === undefined || /^\d+$/.test(rest[0]))) {
      // get MID [VER]; on a database, get MID KEY (not all digits) is the database's get
      need(0);
      const seq = rest[0] === undefined ? undefined : +rest[0];
      const v = store.version(mid, seq);
      if (!v) throw new Error(`${mid} has no version ${seq ?? ''}`.trim());
      if (store.genesis(mid).db) out(JSON.stringify(dbOf(store, mid, v.seq)) + '\n');
      else for (const part of fileChunks(store.blocks, v.cid)) out(part);
    } else if (cmd === 'show') {
      need(0);
      const g = store.genesis(mid);
      out(`mid= ${mid}\nauthor= ${g.type}:${Buffer.from(g.key).toString('hex')}\ncreated= ${new Date(g.created).toISOString()}\nkind= ${g.db ? 'database' : 'files'}\n`);
      for (const seq of store.seqs(mid)) {
        const v = store.version(mid, seq) as { time: number; cid: Uint8Array };
        out(`ver= ${seq} ${new Date(v.time).toISOString()} ${cidToString(v.cid)}\n`);
      }
    } else if (DB_COMMANDS[cmd]) {
      need(0);
      const r = dbCommand(store, mid, cmd, rest);
      if (r.reply) out(r.reply + '\n');
      if (r.ver) out(`ver= ${r.ver}\n`);
    } else return err(`run mimei: unknown command ${cmd}\n` + MIMEI_USAGE), 2;
    return 0;
  } catch (e) {
    err('run mimei: ' + (e as Error).message);
    return 1;
  }
}


/** Someone's text as inert JML (never evaluated; newlines and tabs as escapes, so it stays on its line). */
const text = (s: string, oneWord = false) => inertArg(s, oneWord).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
/** A word of the command line as one inert JML word: never evaluated, never split. */
const word = (s: string) => text(s, true);

/** The server's answer to a forwarded program: its output, or an error with what it said. */
async function ask(state: string, program: string): Promise<string> {
  const r = await forwardToServer(state, program);
  const text = r.text.replace(/\n$/, '');
  if (!r.ok || /%\(ERROR:/.test(text)) throw new Error('the server refused: ' + unescapeOutput(text.replace(/^%\(ERROR:(.*)\)$/s, '$1')).slice(0, 500));
  return text;
}

/** A write while a live server holds the store: the server does it; the same lines are printed. */
async function forwarded(state: string, cmd: string, mid: string, rest: string[], db: boolean, chunk?: number): Promise<number> {
  const err = (line: string) => writeSync(2, line + '\n');
  try {
    if (cmd === 'create') {
      const m = await ask(state, db ? '[mm-create db]' : '[mm-create]');
      if (!isShortId(m)) throw new Error('the server answered no MID: ' + m.slice(0, 200));
      out(`mid= ${m}\n`);
    } else if (cmd === 'add' || cmd === 'setcid') {
      if (!isShortId(mid)) throw new Error('not a Mimei ID: ' + mid.slice(0, 40));
      let cid: string;
      if (cmd === 'add') {
        await serverAnswers(state); // nothing is written for a server that is not there
        // the blocks: written here, each atomically and named by its hash; the server writes the version
        const store = new MimeiStore(nodeHost(err, { keyFile: identityFile(state) }), state, { readOnly: 'the server writes the index' });
        if (!store.list().includes(mid)) throw new Error('mimei: no Mimei ' + mid + ' here');
        cid = cidToString(addFile(store.blocks, fileParts(rest[0]), chunk));
      } else cid = cidToString(parseCid(rest[0]).bytes);
      const ver = await ask(state, `[mm-setcid ${mid} ${cid}]`);
      if (!/^\d+$/.test(ver)) throw new Error('the server answered no version: ' + ver.slice(0, 200));
      out(`cid= ${cid}\nver= ${ver}\n`);
    } else {
      // a database write, then the version it made, on one line: the server runs it in one go
      const reply = await ask(state, `[mm-${cmd} ${word(mid)}${rest.map((a, i) => ' ' + (i === rest.length - 1 && DB_COMMANDS[cmd][1] >= 0 ? text(a) : word(a))).join('')}] [mm-ver ${word(mid)}]`);
      const m = /^([^]*) (\d+)$/.exec(reply);
      if (!m) throw new Error('the server answered: ' + reply.slice(0, 200));
      if (m[1]) out(unescapeOutput(m[1]) + '\n');
      out(`ver= ${m[2]}\n`);
    }
    return 0;
  } catch (e) {
    err('run mimei: ' + (e as Error).message);
    return 1;
  }
}
