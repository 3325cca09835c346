// The broker link on mqtt.js (Node and Bun; the virtual board uses it for
// its host MQTT functions): QoS 1, a retained will, and reconnection with
// exponential backoff and jitter (runtime/sensors/backoff.ts). Each attempt
// is a fresh client, so mqtt.js never resends anything on its own: what was
// not acknowledged stays in the node's reading buffer and goes again from
// there, once, in order.
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttEvents, MqttLink } from '../runtime/sensors/io.ts';
import { reconnectDelay } from '../runtime/sensors/backoff.ts';

export interface MqttLinkOptions {
  /** mqtt://HOST:PORT or mqtts://HOST:PORT. */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM text (mqtts://): CAs to trust, a client certificate and its key. */
  ca?: string;
  cert?: string;
  key?: string;
  /** The longest wait between attempts (default 60 s). */
  backoffMaxMs?: number;
  log(line: string): void;
  random?: () => number;
}

/** The largest packet the broker may send us (MQTT 5 maximum packet size): messages are small; a flood is not read. */
export const MAX_PACKET = 256 * 1024;
/** How long a clean stop waits for the broker to take the last message. */
const STOP_MS = 2_000;

export function mqttLink(o: MqttLinkOptions): MqttLink {
  let client: MqttClient | null = null;
  let connected = false;
  let stopped = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let will = { topic: '', payload: '' };
  let events: MqttEvents;
  /** Publishes waiting for their PUBACK: failed at once when the connection goes. */
  const waiting = new Set<(e: Error) => void>();
  const where = o.url.replace(/\/\/[^@/]*@/, '//'); // never log a password given in the URL

  function connect(): void {
    let why = '';
    const c = mqtt.connect(o.url, {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      protocolVersion: 5,
      properties: { maximumPacketSize: MAX_PACKET },
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: 0, // we reconnect, with backoff
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    });
    client = c;
    c.on('connect', () => {
      if (client !== c) return;
      // small messages, sent as they come: Nagle's wait for the broker's delayed ACK would cost ~40 ms a burst
      (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      connected = true;
      if (attempt) o.log(`mqtt: connected to ${where}`);
      attempt = 0;
      events.connected();
    });
    c.on('message', (topic, payload) => {
      if (client === c) events.message(topic, payload.toString('utf8'));
    });
    c.on('error', (e) => (why = e.message || String(e)));
    c.on('close', () => {
      if (client !== c) return;
      const was = connected;
      connected = false;
      client = null;
      c.end(true); // its stores go with it: the node's buffer resends, mqtt.js never does
      const lost = new Error('the connection to the broker was lost');
      for (const fail of [...waiting]) fail(lost);
      if (stopped) return;
      events.disconnected(why || 'connection closed');
      const ms = reconnectDelay(attempt++, o.random || Math.random, o.backoffMaxMs);
      if (!was) o.log(`mqtt: cannot connect to ${where}: ${why || 'connection closed'}; next attempt in ${(ms / 1000).toFixed(1)} s`);
      retry = setTimeout(connect, ms);
    });
  }

  return {
    start(w, e) {
      will = w;
      events = e;
      connect();
    },
    publish(topic, payload, retain) {
      const c = client;
      if (!c || !connected) return Promise.reject(new Error('not connected to the broker'));
      return new Promise<void>((resolve, reject) => {
        const fail = (e: Error) => {
          waiting.delete(fail);
          reject(e);
        };
        waiting.add(fail);
        c.publish(topic, payload, { qos: 1, retain }, (err) => {
          if (!waiting.has(fail)) return;
          waiting.delete(fail);
          if (err) reject(err);
          else resolve();
        });
      });
    },
    subscribe(filters) {
      if (client && connected && filters.length) client.subscribe(filters, { qos: 1 }, (err) => err && o.log('mqtt: subscribe: ' + err.message));
    },
    unsubscribe(filters) {
      if (client && connected && filters.length) client.unsubscribe(filters);
    },
    async stop(last) {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      if (!c) return;
      if (connected) {
        await Promise.race([this.publish(last.topic, last.payload, true).catch(() => {}), new Promise((r) => setTimeout(r, STOP_MS))]);
        // a DISCONNECT: the broker drops the will (Offline is already there, retained)
        await Promise.race([new Promise<void>((done) => c.end(false, {}, () => done())), new Promise((r) => setTimeout(r, STOP_MS))]);
      } else c.end(true);
      client = null;
      connected = false;
    },
  };
}
