// The `run` command: JML line by line from stdin (batch) or a prompt (a
// terminal), on Node, on Bun (--bun) or inside the QuickJS board (--board).
// Only what a plain line needs is imported here; readline, child processes,
// the web server and the board are loaded when a command asks for them.
import { appendFileSync, existsSync, fstatSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { MagniNode, type LineResult } from '../../runtime/index.ts';
import type { KeyType } from '../../runtime/host.ts';
import { baseUrl, Messenger } from '../../runtime/messages/index.ts';
import { registerReports } from '../../runtime/messages/reports.ts';
import { registerRemoteRoute } from '../../runtime/chord/remote.ts';
import { MimeiStore, registerMimei } from '../../runtime/mimei/index.ts';
import { nodeHost } from './host.ts';
import { stdinLines } from './lines.ts';
import { lockStateFile } from './lock.ts';
import { defaultSensorOptions, SENSOR_USAGE, sensorOption, type SensorOptions } from './sensor-options.ts';

export const USAGE = `usage: run [options] [STATE_FILE...]

Evaluates JML, one line at a time: from stdin when it is not a terminal,
otherwise at an interactive prompt. Definitions ([macro ...], [data ...])
persist in the state files: each is loaded in order at start and the last
one (default ./jml.state) receives new definitions.

options:
  -t              trace: print >>>TEXT<<< on stderr before every pass
  -q              quiet: only errors on stderr
  -v              timing and reduction counts on stderr (with --board, the QuickJS heap)
  -h, --help      this help
  --max-steps N   substitutions allowed per line (default 1000000)
  --max-output N  characters of text allowed per line (default 16777216)
  --max-time MS   milliseconds allowed per line, state replay included (default 10000)
  --bun           run the same command on Bun
  --board         run inside the QuickJS virtual board
  -w [PORT]       serve the web node and its mini-wiki (default port 1111)
  --listen ADDR   with -w: the address to serve on (default 127.0.0.1; 0.0.0.0 or :: for the network)
  --public-wiki   with -w: anyone may edit wiki pages (never code), within limits
  --bootstrap URL start from this node: with -w, join its ring and learn the nodes it knows;
                  reading lines, ask it for [route KEY] and [route-data KEY]
  --key-type T    the kind of node key to make on first use: ed25519 (default) or secp256k1

commands:
  run id [STATE_FILE...]        print this node's short ID, peer ID and ring position (the key pair is made on first use)
  run key [STATE_FILE...]       print this node's web key (created on first use, beside the state file)
  run upgrade [STATE_FILE...]   seal the program on stdin for POST /upgrade with the node's key
  run servers start N [--port P] | list | stop [ID|PORT|all]
                                a group of N nodes on this machine (./servers/), one process each
  run sensors [options]         print the sensors' readings once (JSON)
  run mimei COMMAND ...         the Mimei store: create, add, setcid, get, show, database commands (run mimei --help)

${SENSOR_USAGE}

exit status: 0, or 1 if any line had an error, 2 for bad usage.`;

export interface CliOptions {
  trace: boolean;
  quiet: boolean;
  verbose: boolean;
  help: boolean;
  bun: boolean;
  board: boolean;
  web: number | null;
  listen: string;
  publicWiki: boolean;
  maxSteps?: number;
  maxOutput?: number;
  maxTime?: number;
  stateFiles: string[];
  command?: string;
  keyType?: KeyType;
  bootstrap?: string;
  /** The sensor node's options (sensor-options.ts). */
  sensors: SensorOptions;
}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { trace: false, quiet: false, verbose: false, help: false, bun: false, board: false, web: null, listen: '127.0.0.1', publicWiki: false, stateFiles: [], sensors: defaultSensorOptions() };
  const count = (flag: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v) || +v < 1) throw new Error(flag + ' needs a positive whole number');
    return +v;
  };
  /** The word after -w as a port; 0 when it is a state file (a path: it has a . or a /). */
  const port = (v: string | undefined): number => {
    if (v === undefined || v.startsWith('-') || /[./]/.test(v)) return 0;
    if (!/^\d+$/.test(v) || +v < 1 || +v > 65535) throw new Error(`-w takes a port from 1 to 65535, not ${v} (a state file goes after it: -w 1111 ${v})`);
    return +v;
  };
  let last: number;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-t') o.trace = true;
    else if (a === '-q') o.quiet = true;
    else if (a === '-v') o.verbose = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a === '--bun') o.bun = true;
    else if (a === '--board') o.board = true;
    else if (a === '--public-wiki') o.publicWiki = true;
    else if (a === '--max-steps') o.maxSteps = count(a, argv[++i]);
    else if (a === '--max-output') o.maxOutput = count(a, argv[++i]);
    else if (a === '--max-time') o.maxTime = count(a, argv[++i]);
    else if (a === '--key-type') {
      const t = argv[++i];
      if (t !== 'ed25519' && t !== 'secp256k1') throw new Error('--key-type is ed25519 or secp256k1');
      o.keyType = t;
    } else if (a === '--bootstrap') {
      o.bootstrap = argv[++i] || '';
      if (!/^https?:\/\/[^\s/]+/.test(o.bootstrap)) throw new Error('--bootstrap needs a node URL, such as http://127.0.0.1:8001');
    }
    else if (a === '-w') o.web = port(argv[i + 1]) ? port(argv[++i]) : 1111;
    else if (a === '--listen') {
      o.listen = argv[++i] || '';
      if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(o.listen)) throw new Error('--listen needs an address, such as 127.0.0.1, 0.0.0.0 or ::');
    }
    else if (/^-[tqvh]{2,}$/.test(a)) argv.splice(i + 1, 0, ...a.slice(1).split('').map((c) => '-' + c));
    else if (a.startsWith('--') && (last = sensorOption(argv, i, o.sensors)) >= 0) i = last;
    else if (a.startsWith('-')) throw new Error('unknown option ' + a);
    else if ((a === 'servers' || a === 'mimei') && o.stateFiles.length === 0 && !o.command) {
      o.command = a; // the rest are its own words
      o.stateFiles = argv.slice(i + 1);
      if (o.bun && a === 'servers') o.stateFiles.push('--bun');
      break;
    } else if ((a === 'key' || a === 'upgrade' || a === 'id' || a === 'sensors') && o.stateFiles.length === 0 && !o.command) o.command = a;
    else o.stateFiles.push(a);
  }
  return o;
}

/** What evaluates lines: the in-process node, or the QuickJS board. */
interface Engine {
  evalLine(line: string, trace: ((line: string) => void) | undefined): Promise<LineResult>;
  report(): string | null;
  close(): void | Promise<void>;
}

/** The node's key file, beside its state file. */
export const identityFile = (stateFile: string): string => stateFile + '.identity';

/** Wait for p, at most ms. */
async function settle(p: Promise<void>, ms: number): Promise<void> {
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((ok) => (t = setTimeout(ok, ms)))]);
  clearTimeout(t);
}

const err = (line: string) => writeSync(2, line + '\n');

/** Whether stdin is a terminal. Pipes and files are settled by one fstat: touching process.stdin costs Bun ~10 ms of start-up. */
async function stdinIsTerminal(): Promise<boolean> {
  if (!fstatSync(0).isCharacterDevice()) return false;
  const { isatty } = await import('node:tty'); // /dev/null is a character device too
  return isatty(0);
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** Output in order with the diagnostics, whole, before the next line is read. */
function out(text: string): void {
  const b = Buffer.from(text);
  for (let at = 0; at < b.length; ) {
    try {
      at += writeSync(1, b, at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(PAUSE, 0, 0, 1); // a full non-blocking pipe: wait a millisecond for the reader
    }
  }
}

/** A path below the repository root, whether this runs from source or from dist/cli.mjs. */
async function fromRoot(...parts: string[]): Promise<string> {
  const [{ dirname, join }, { fileURLToPath }] = await Promise.all([import('node:path'), import('node:url')]);
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return join(d, ...parts);
}

/** The interactive prompt: line editing, history kept between runs in historyFile, Ctrl-C clears the line, Ctrl-D quits. */
async function prompt(historyFile: string, one: (line: string) => Promise<void>): Promise<void> {
  const { createInterface } = await import('node:readline');
  const history = readHistory(historyFile);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true, crlfDelay: Infinity, history, historySize: HISTORY });
  rl.on('SIGINT', () => {
    rl.write(null, { ctrl: true, name: 'e' }); // to the end of the line,
    rl.write(null, { ctrl: true, name: 'u' }); // then delete it all
    process.stdout.write('^C\n');
    rl.prompt();
  });
  process.stdout.write('Magni JML. [help] lists the builtins; Ctrl-C clears the line, Ctrl-D quits.\n');
  rl.setPrompt('> ');
  rl.prompt();
  for await (const line of rl) {
    if (line.trim()) {
      try {
        appendFileSync(historyFile, line + '\n', { mode: 0o600 });
      } catch {} // history is a convenience: never an error
    }
    await one(line);
    rl.prompt();
  }
}

/** Lines kept in the prompt's history file (the newest; the file is cut back when it grows to twice that). */
const HISTORY = 500;

function readHistory(file: string): string[] {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
  if (lines.length > 2 * HISTORY) {
    lines = lines.slice(-HISTORY);
    try {
      writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
    } catch {}
  }
  return lines.slice(-HISTORY).reverse(); // readline wants the newest first
}

/** Control characters shown as \xNN (a NUL or an escape sequence printed raw can garble a terminal); newline and tab stay. */
const visible = (s: string): string => s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));

async function engine(o: CliOptions, log: (line: string) => void): Promise<Engine> {
  // One writer per state file: while another process (a server) holds it, this one reads it only.
  const lock = lockStateFile(stateFilesOf(o).at(-1) as string);
  if (!lock.held && !o.quiet)
    log(`run: ${lock.file.replace(/\.lock$/, '')} is in use by another Magni process (pid ${lock.holder}): reading it; definitions last for their line and are not kept`);
  const opts = { stateFiles: o.stateFiles, maxSteps: o.maxSteps, maxOutput: o.maxOutput, maxTime: o.maxTime, quiet: o.quiet, readOnly: !lock.held };
  if (o.board) {
    const { Board } = await import('../quickjs/board.ts');
    // sampling the heap walks it: only when -v reports it
    const keyFile = identityFile(stateFilesOf(o).at(-1) as string);
    const board = await Board.create({ ...opts, log, keyFile, keyType: o.keyType, bundlePath: await fromRoot('dist', 'board.js'), sampleEvery: o.verbose ? 1 : 0 });
    return {
      async evalLine(line, trace) {
        const r = await board.evalLine(line, !!trace);
        if (trace) for (const t of r.trace) trace(t);
        return r;
      },
      report() {
        const h = board.heap();
        return `quickjs heap: load ${h.load} bytes, peak ${h.peak} bytes`;
      },
      close: () => board.dispose(),
    };
  }
  const stateFile = stateFilesOf(o).at(-1) as string;
  const node = new MagniNode(nodeHost(log, { keyFile: identityFile(stateFile), keyType: o.keyType }), opts);
  node.load();
  if (o.sensors.wanted) (await import('./sensors.ts')).attachSensors(node, o.sensors, log);
  // not on the ring itself: a node that is answers [route] (the seed's [wget [route-data KEY]/id])
  if (o.bootstrap) registerRemoteRoute(node.interp, node.host, baseUrl(o.bootstrap));
  const busy = lock.held ? undefined : `${stateFile} is in use by another Magni process (pid ${lock.holder}): use its /run page`;
  const messenger = new Messenger(node, { readOnly: busy });
  registerReports(messenger);
  registerMimei(node, new MimeiStore(node.host, stateFile, { readOnly: busy }));
  return {
    evalLine: (line, trace) => node.evalLine(line, { trace }),
    report: () => null,
    // a batch that sent messages: give their first delivery a few seconds; what is not delivered waits on disk
    close: () => settle(messenger.outbox.settled(), 5000),
  };
}

/** Re-run this same command on Bun, from the bun npm package; signals are passed on. (./run starts Bun itself: this is for `node dist/cli.mjs --bun`.) */
async function onBun(argv: string[]): Promise<number> {
  const { spawn } = await import('node:child_process');
  const bun = await fromRoot('node_modules', '.bin', 'bun');
  const child = spawn(bun, [await fromRoot('dist', 'cli.mjs'), ...argv.filter((a) => a !== '--bun')], { stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.on(sig, forward);
  return new Promise((done) => {
    child.on('error', (e) => {
      err('run: cannot start Bun (' + bun + '): ' + e.message);
      done(2);
    });
    child.on('exit', (code, signal) => {
      for (const sig of signals) process.off(sig, forward);
      done(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}

/** The state files a command uses (the last one receives new definitions). */
export const stateFilesOf = (o: CliOptions): string[] => (o.stateFiles.length ? o.stateFiles : ['jml.state']);

export async function main(argv: string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parseArgs(argv);
  } catch (e) {
    err('run: ' + (e as Error).message);
    err(USAGE);
    return 2;
  }
  for (const f of o.command === 'servers' || o.command === 'mimei' ? [] : stateFilesOf(o)) {
    if (existsSync(f) && !statSync(f).isFile()) {
      err(`run: ${f} is not a state file (it is a directory or a device); give a file's path`);
      return 2;
    }
  }
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (o.bun && !('Bun' in globalThis) && o.command !== 'servers') return onBun(argv);
  if (o.command === 'mimei') return (await import('./mimei.ts')).mimeiMain(o.stateFiles);
  if (o.command === 'servers') {
    const { serversMain } = await import('./servers.ts');
    return serversMain(o.stateFiles, await fromRoot('run'));
  }
  if (o.command === 'sensors') return (await import('./sensors.ts')).sensorsCommand(o);
  if (o.board && o.sensors.mqtt) return (await import('./sensors.ts')).boardSensorMain(o);
  if (o.web !== null || o.command || o.sensors.mqtt) {
    const { webMain } = await import('./web.ts');
    return webMain(o);
  }
  const tty = await stdinIsTerminal();
  // At the prompt an error shows once, in the line's output, not again on stderr.
  let atPrompt = false;
  const diag = (line: string) => {
    if (!(atPrompt && line.startsWith('%(ERROR:'))) err(visible(line));
  };
  let e: Engine;
  try {
    e = await engine(o, diag);
  } catch (x) {
    err('run: ' + (x instanceof Error ? x.message : String(x)));
    return 1;
  }
  let failed = false;
  let n = 0;
  const trace = o.trace ? diag : undefined;
  const one = async (line: string): Promise<void> => {
    const t0 = performance.now();
    atPrompt = tty;
    const r = await e.evalLine(line.replace(/\r$/, ''), trace);
    atPrompt = false;
    n++;
    if (r.errors.length) failed = true;
    if (r.output) out(visible(r.output) + '\n');
    if (o.verbose) err(`% line ${n}: ${(performance.now() - t0).toFixed(2)} ms, ${r.steps} reductions, ${r.passes} passes`);
  };
  if (tty) await prompt(stateFilesOf(o).at(-1) + '.history', one);
  else for await (const line of stdinLines()) await one(line);
  const report = o.verbose ? e.report() : null;
  if (report) err(report);
  await e.close();
  return failed ? 1 : 0;
}
