// Messages between nodes, and the signatures behind them. Prints Markdown tables.
//  - messages per second from a sender (this process: a MagniNode with the
//    Node Host, real fetch) to a receiver that is a real `./run -w` process
//    on loopback (Node, then Bun): sequential (each message acknowledged
//    before the next is sent) and 50 in flight (50 queued at once, delivered
//    together, until all are acknowledged);
//  - sign and verify per second with Ed25519 (node:crypto) and secp256k1
//    (tiny-secp256k1) on Node, and on the virtual board through the host ABI
//    (QuickJS calling the Host functions; a device's own crypto would sit there).
//   node --import tsx bench/messages.ts [--messages N]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MagniNode, Messenger } from '../runtime/index.ts';
import { nodeHost } from '../targets/node/host.ts';
import { readOrCreateNodeKey, verify } from '../targets/node/node-key.ts';
import { QuickJSVm, nodeHostABI } from '../targets/quickjs/board.ts';
import { freePort } from './ports.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN = join(ROOT, 'run');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MESSAGES = arg('--messages', 2000);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'magni-bench-msg-'));
  dirs.push(d);
  return d;
};
const procs: ChildProcess[] = [];
process.on('exit', () => {
  for (const p of procs) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


/** A receiver process that trusts the sender (untrusted senders are held to 60 deliveries a minute). */
async function receiver(bun: boolean, trust: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const cwd = tmp();
  spawnSync(RUN, ['-q'], { cwd, input: `[trust ${trust}]\n` });
  const proc = spawn(RUN, [...(bun ? ['--bun'] : []), '-q', '-w', String(port)], { cwd, stdio: 'ignore' });
  procs.push(proc);
  const url = 'http://127.0.0.1:' + port;
  for (;;) {
    try {
      if ((await fetch(url + '/id')).ok) return { url, proc };
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sender(): Messenger {
  const dir = tmp();
  const state = join(dir, 'jml.state');
  const node = new MagniNode(nodeHost((l) => console.error(l), { keyFile: state + '.identity' }), { stateFiles: [state], quiet: true });
  node.load();
  const m = new Messenger(node);
  m.start();
  return m;
}

async function delivered(m: Messenger): Promise<void> {
  while (m.outbox.pending().length) {
    await m.outbox.settled();
    if (m.outbox.pending().length) await new Promise((r) => setTimeout(r, 1));
  }
}

async function throughput(m: Messenger, url: string, inFlight: number): Promise<number> {
  m.outbox.send({ url }, 'warm up'); // learns the receiver's ID
  await delivered(m);
  const t0 = performance.now();
  for (let sent = 0; sent < MESSAGES; ) {
    for (let i = 0; i < inFlight && sent < MESSAGES; i++, sent++) m.outbox.send({ url }, 'message ' + sent);
    await delivered(m);
  }
  return (MESSAGES * 1000) / (performance.now() - t0);
}

const rate = (n: number) => Math.round(n).toLocaleString('en-US');

async function signatures(): Promise<string[][]> {
  const dir = tmp();
  const data = new Uint8Array(200).fill(7);
  const rows: string[][] = [];
  const time = (f: () => unknown, ms = 700) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      f();
      n++;
    }
    return (n * 1000) / (performance.now() - t0);
  };
  for (const type of ['ed25519', 'secp256k1'] as const) {
    const key = readOrCreateNodeKey(join(dir, type + '.identity'), type);
    const sig = key.sign(data);
    const node = [time(() => key.sign(data)), time(() => verify(type, key.publicKey, data, sig))];
    // the board: QuickJS calls __magni_host.sign / verify with hex, as a firmware's would be called
    const vm = await QuickJSVm.create({}, nodeHostABI({ keyFile: join(dir, type + '.identity'), keyType: type, log: () => {} }));
    const hex = Buffer.from(data).toString('hex');
    const pub = Buffer.from(key.publicKey).toString('hex');
    const sigHex = Buffer.from(sig).toString('hex');
    const loop = (body: string) =>
      vm.evalScript(`(() => { const h = globalThis.__magni_host; let n = 0; const t0 = Date.now(); while (Date.now() - t0 < 700) { ${body}; n++; } return n * 1000 / (Date.now() - t0); })()`) as number;
    const board = [loop(`h.sign('${hex}')`), loop(`h.verify('${type}', '${pub}', '${hex}', '${sigHex}')`)];
    vm.dispose();
    rows.push([type, rate(node[0]), rate(node[1]), rate(board[0]), rate(board[1])]);
  }
  return rows;
}

const table = (head: string[], rows: string[][]) =>
  [head, head.map(() => '---'), ...rows].map((r) => '| ' + r.join(' | ') + ' |').join('\n');

const msgRows: string[][] = [];
for (const bun of [false, true]) {
  const m = sender();
  const r = await receiver(bun, m.identity().shortId);
  msgRows.push([bun ? 'Bun' : 'Node', rate(await throughput(m, r.url, 1)), rate(await throughput(m, r.url, 50))]);
  m.stop();
  r.proc.kill('SIGTERM');
}
console.log(`Messages per second, sender in Node to a receiver process (${MESSAGES} messages, each stored and acknowledged):\n`);
console.log(table(['receiver', 'sequential', '50 in flight'], msgRows));
console.log('\nSignatures per second (200-byte messages):\n');
console.log(table(['key', 'sign (Node)', 'verify (Node)', 'sign (board)', 'verify (board)'], await signatures()));
process.exit(0);
