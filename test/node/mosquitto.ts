// A real broker for the MQTT suites: Debian's Mosquitto on a free loopback
// port, with a generated config (persistence on, so that it may be stopped
// and started again with its retained messages and sessions, as a broker
// that goes down for a while), and a small subscriber on mqtt.js.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect as tcp } from 'node:net';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { freePort, sleep, tempDir } from './util.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Broker {
  port: number;
  url: string;
  dir: string;
  /** Stop it (SIGTERM: it saves its state), and wait until it is gone. */
  stop(): Promise<void>;
  /** Start it again on the same port with the same state. */
  start(): Promise<void>;
}

/** Whether something accepts connections on the port now. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tcp(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

const brokers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const b of brokers) b.kill('SIGKILL');
});

/** A broker; anonymous: false and extra lines for its listener (TLS, a password file). */
export async function startBroker(o: { anonymous?: boolean; extra?: string[]; scheme?: string } = {}): Promise<Broker> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} is missing: as root, apt-get install -y mosquitto (.ci/run does it)`);
  const dir = tempDir('magni-mosquitto-');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // run as root, Mosquitto would become the user mosquitto, who may not write its state into our temporary directory
  const user = process.getuid && process.getuid() === 0 ? 'user root' : '';
  const lines = [`listener ${port} 127.0.0.1`, ...(o.extra || []), `allow_anonymous ${o.anonymous === false ? 'false' : 'true'}`];
  writeFileSync(conf, [...lines, 'persistence true', `persistence_location ${dir}/`, user, 'log_type error', ''].join('\n'));
  let proc: ChildProcess | null = null;
  let log = '';
  const b: Broker = {
    port,
    url: `${o.scheme || 'mqtt'}://127.0.0.1:${port}`,
    dir,
    async start() {
      proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      brokers.add(proc);
      proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      for (let i = 0; i < 100; i++) {
        if (await listening(port)) return;
        if (proc.exitCode !== null) break;
        await sleep(50);
      }
      throw new Error('mosquitto did not start: ' + log);
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((done) => {
        p.once('exit', () => done());
        p.kill('SIGTERM');
      });
      brokers.delete(p);
      // it saves its state when it stops: what a test of its restart relies on
      // (TLS handshakes cut short, ours and the tests' on purpose, are not its errors)
      const errors = log.split('\n').filter((l) => /Error/.test(l) && !/OpenSSL Error/.test(l));
      if (errors.length) throw new Error('mosquitto: ' + errors.join('\n'));
    },
  };
  await b.start();
  return b;
}

export interface Message {
  topic: string;
  payload: string;
  retain: boolean;
  /** The broker sent it again (it had no acknowledgement from this subscriber). */
  dup?: boolean;
  at: number;
}

/** A subscriber that keeps what it hears; a fixed clientId with clean: false keeps its session (and QoS 1 messages) over a broker restart. */
export class Listener {
  readonly messages: Message[] = [];
  private constructor(readonly client: MqttClient) {}

  static async open(url: string, filters: string[], opts: IClientOptions = {}): Promise<Listener> {
    const client = mqtt.connect(url, { clean: true, reconnectPeriod: 200, connectTimeout: 5000, ...opts });
    const l = new Listener(client);
    client.on('message', (topic, payload, packet) => l.messages.push({ topic, payload: payload.toString(), retain: packet.retain, dup: packet.dup, at: Date.now() }));
    client.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(filters, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
      setTimeout(() => reject(new Error('cannot connect to ' + url)), 5000);
    });
    return l;
  }

  on(topic: string): Message[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /** Wait until test(messages) holds (or fail after ms, saying what was heard). */
  async until(what: string, test: (m: Message[]) => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!test(this.messages)) {
      if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}; heard:\n  ${this.messages.map((m) => `${m.topic} ${m.payload.slice(0, 100)}`).join('\n  ')}`);
      await sleep(50);
    }
  }

  publish(topic: string, payload: string, retain = false): Promise<void> {
    return new Promise((resolve, reject) => this.client.publish(topic, payload, { qos: 1, retain }, (e) => (e ? reject(e) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((done) => this.client.end(true, {}, () => done()));
  }
}

/** What a retained topic holds now: a fresh subscriber's first message on it. */
export async function retained(url: string, topic: string): Promise<Message | undefined> {
  const l = await Listener.open(url, [topic]);
  try {
    await l.until('the retained ' + topic, (m) => m.length > 0, 2000);
  } catch {
    // nothing retained
  }
  await l.close();
  return l.messages[0];
}
