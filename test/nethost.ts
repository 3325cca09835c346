// Nodes that talk to each other inside one test: each has an in-memory Host
// (memhost.ts) plus an Ed25519 key (@noble/curves), sha256 (@noble/hashes),
// timers the test fires, and HTTP that reaches the other nodes' routers
// through an in-memory network where a node can be down.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { MagniNode } from '../runtime/index.ts';
import { utf8Decode, utf8Encode } from '../jml/utf8.ts';
import { Messenger } from '../runtime/messages/index.ts';
import { registerReports } from '../runtime/messages/reports.ts';
import { WebNode } from '../runtime/web/index.ts';
import type { Host, KeyType } from '../runtime/host.ts';
import { memHost, type MemHost } from './memhost.ts';

export interface TestNet {
  /** Routers by base URL; a URL missing (or down) refuses connections. */
  nodes: Map<string, WebNode>;
  down: Set<string>;
  timers: { at: number; fn: () => void; cancelled: boolean }[];
  /** Fire the timers due within ms from now (moving every host's clock). */
  advance(ms: number): Promise<void>;
  hosts: MemHost[];
}

export function testNet(): TestNet {
  const net: TestNet = {
    nodes: new Map(),
    down: new Set(),
    timers: [],
    hosts: [],
    async advance(ms) {
      const h = net.hosts[0];
      const end = h.now() + ms;
      for (;;) {
        await settle();
        const due = net.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        const step = due.at - h.now();
        if (step > 0) for (const x of net.hosts) x.tick(step);
        due.cancelled = true;
        due.fn();
      }
      const rest = end - h.now();
      if (rest > 0) for (const x of net.hosts) x.tick(rest);
      await settle();
    },
  };
  return net;
}

/** Let every pending promise chain run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const verify = (type: KeyType, pub: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean => {
  try {
    return type === 'ed25519' && ed25519.verify(sig, data, pub);
  } catch {
    return false;
  }
};

/** A node at url on net, its key from seed (one byte, repeated), its files in files. */
export function netNode(net: TestNet, url: string, seed: number, files = new Map<string, string>()): { node: MagniNode; messenger: Messenger; web: WebNode; host: MemHost } {
  const host = memHost(files, net.hosts[0]?.now()) as MemHost & Host;
  const secret = new Uint8Array(32).fill(seed);
  const publicKey = ed25519.getPublicKey(secret);
  host.sha256 = (d) => sha256(d);
  host.verify = verify;
  host.nodeKey = () => ({ type: 'ed25519', publicKey, sign: (d) => ed25519.sign(d, secret) });
  host.setTimer = (ms, fn) => {
    const t = { at: host.now() + ms, fn, cancelled: false };
    net.timers.push(t);
    return () => void (t.cancelled = true);
  };
  const route = async (target: string, method: string, body: string) => {
    const base = [...net.nodes.keys()].find((u) => target.startsWith(u + '/'));
    if (!base || net.down.has(base)) throw new Error('ECONNREFUSED');
    const web = net.nodes.get(base) as WebNode;
    const r = await web.handle({ method, url: target.slice(base.length), headers: { accept: 'text/plain' }, body: utf8Encode(body), remote: '127.0.0.1' });
    return r;
  };
  const call = async (target: string, method: string, body: string) => {
    const r = await route(target, method, body);
    return { status: r.status, body: r.bytes ? utf8Decode(r.bytes) : r.body };
  };
  host.getBytes = async (u, { maxBytes }) => {
    const r = await route(u, 'GET', '');
    if (r.status !== 200) throw new Error(`HTTP ${r.status} from ${u}`);
    const bytes = r.bytes ?? utf8Encode(r.body);
    if (bytes.length > maxBytes) throw new Error(`the body is larger than ${maxBytes} bytes`);
    return bytes;
  };
  host.wget = async (u) => {
    const r = await call(u, 'GET', '');
    if (r.status !== 200) throw new Error('HTTP ' + r.status);
    return r.body;
  };
  host.post = (u, body) => call(u, 'POST', body);
  net.hosts.push(host);
  const node = new MagniNode(host, { quiet: true });
  node.load();
  const messenger = new Messenger(node);
  registerReports(messenger);
  messenger.start();
  const web = new WebNode(node, { key: 'K'.repeat(16), messenger });
  net.nodes.set(url, web);
  return { node, messenger, web, host };
}
