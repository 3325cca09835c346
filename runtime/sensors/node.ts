// The sensor node: readings every teleperiod to tele/NAME/SENSOR through the
// reading buffer (so they go out in order, with their own times, after an
// outage and a restart), the LWT, commands on cmnd/NAME/#, Home Assistant
// discovery, and the JML builtins that reach the sensors and the broker.
// Pure: the world comes in as SensorIO; the same code runs on Node, on Bun
// and on the board.
import type { Capabilities, Capability, LineResult, MagniNode } from '../index.ts';
import { quote } from '../../jml/text.ts';
import type { SensorIO } from './io.ts';
import type { SensorInfo } from './model.ts';
import { onOff, powerKey, powerValue, result, sensorPayload, type Measured } from './tasmota.ts';
import { defaultTopic, topicMatches, topicsOf, type Topics } from './topics.ts';
import { discoveryPayload, discoveryTopic, HA_STATUS } from './discovery.ts';
import { sensorBuiltins } from './builtins.ts';

export interface SensorNodeOptions {
  /** The node's ID: the default topic and the Home Assistant device. */
  nodeId: string;
  /** NAME in tele/NAME/SENSOR (default magni_<nodeId>). */
  topic?: string;
  /** Default 300 s. */
  teleperiodMs?: number;
  /** Home Assistant discovery (default on). */
  discovery?: boolean;
  /** What cmnd-<Command> and on-mqtt evaluations may do (default: nothing, as a visitor). */
  mqttCaps?: Capabilities;
  version?: string;
  /** A reading this young answers /sensors and [sensor NAME] (default 2 s): requests never make a sensor busier than that. */
  freshMs?: number;
}

/** All readings taken at one time, and the sensors that gave none (with why). */
export interface Snapshot {
  time: number;
  readings: Measured[];
  errors: { name: string; error: string }[];
}

/** TelePeriod by command: Tasmota's range, in seconds. */
export const TELEPERIOD = { MIN: 10, MAX: 3600, DEFAULT: 300 };
/** Readings in flight at once while the buffer drains (and acknowledged ones dropped together). */
const WINDOW = 16;
/** Messages from the broker: larger ones are ignored; at most this many handled or waiting. */
export const MQTT_LIMITS = { PAYLOAD: 16 * 1024, BUSY: 8 };
/** What an evaluation that a message starts may spend. */
const MESSAGE_BUDGET = { maxSteps: 200_000, maxTime: 2_000 };
const NO_CAPS: Capabilities = new Set<Capability>();
const SUBSCRIPTIONS = 'data-mqtt-subscriptions';

export class SensorNode {
  readonly topics: Topics;
  readonly nodeId: string;
  teleperiodMs: number;
  /** Messages dropped because the node was busy (Status reports it). */
  dropped = 0;
  private readonly opts: SensorNodeOptions;
  private readonly info: SensorInfo[];
  private connected = false;
  private running = false;
  /** Bumped when the schedule changes: a timer of an older schedule does nothing. */
  private schedule = 0;
  private flushing = false;
  private flushAgain = false;
  private last: Snapshot | null = null;
  private sampling: Promise<Snapshot> | null = null;
  private busy = 0;
  /** Sensors whose last reading failed, and why. */
  private readonly failing = new Map<string, string>();
  /** The message being handled (the next one waits for it). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly started: number;
  /** The owner's subscriptions ([subscribe TOPIC]), kept in the state as data-mqtt-subscriptions. */
  readonly subscriptions = new Set<string>();

  constructor(readonly node: MagniNode, readonly io: SensorIO, opts: SensorNodeOptions) {
    this.opts = opts;
    this.nodeId = opts.nodeId;
    this.topics = topicsOf(opts.topic || defaultTopic(opts.nodeId));
    this.teleperiodMs = opts.teleperiodMs || TELEPERIOD.DEFAULT * 1000;
    this.info = io.sensors.list();
    this.started = io.now();
    for (const [name, f] of sensorBuiltins(this)) node.interp.hostBuiltins.set(name, f);
    const kept = node.interp.macros.get(SUBSCRIPTIONS);
    if (kept) for (const f of kept.body.split(' ')) if (f) this.subscriptions.add(f);
  }

  /** The sensors, outputs included. */
  list(): SensorInfo[] {
    return this.info.slice();
  }

  outputs(): SensorInfo[] {
    return this.info.filter((s) => s.kind === 'output');
  }

  /**
   * Connect to the broker (when there is one) and take a reading at every
   * multiple of the teleperiod. None at start: a node restarted within a
   * teleperiod would give a second reading of the same second.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { mqtt } = this.io;
    if (mqtt) {
      mqtt.start(
        { topic: this.topics.lwt, payload: 'Offline' },
        {
          connected: () => this.onConnected(),
          disconnected: (why) => this.onDisconnected(why),
          message: (topic, payload) => this.onMessage(topic, payload),
        },
      );
      this.scheduleNext();
    }
  }

  /** Say Offline (retained) and leave the broker cleanly; no more readings. */
  async stop(): Promise<void> {
    this.running = false;
    this.schedule++;
    if (this.io.mqtt) await this.io.mqtt.stop({ topic: this.topics.lwt, payload: 'Offline' });
  }

  /** Set the teleperiod (ms); the next reading is at the next multiple of it. */
  setTeleperiod(ms: number): void {
    this.teleperiodMs = ms;
    if (this.running && this.io.mqtt) this.scheduleNext();
  }

  // ---- readings ------------------------------------------------------------

  /** A reading of every sensor: one still fresh, the one being taken, or a new one. */
  current(): Promise<Snapshot> {
    const fresh = this.opts.freshMs ?? 2000;
    if (this.last && this.io.now() - this.last.time < fresh) return Promise.resolve(this.last);
    return this.sample();
  }

  /** The tele/NAME/SENSOR JSON of the current reading (what GET /sensors gives). */
  async payload(): Promise<string> {
    const s = await this.current();
    return sensorPayload(s.time, s.readings);
  }

  /** Read every sensor now, at once; one reading in flight at a time. */
  sample(): Promise<Snapshot> {
    if (this.sampling) return this.sampling;
    const time = this.io.now();
    const p = Promise.all(
      this.info.map((info) =>
        this.io.sensors.read(info.name).then(
          (value) => ({ info, value }),
          (e: unknown) => ({ name: info.name, error: e instanceof Error ? e.message : String(e) }),
        ),
      ),
    ).then((all) => {
      const snap: Snapshot = { time, readings: [], errors: [] };
      for (const r of all) {
        if ('error' in r) snap.errors.push(r);
        else snap.readings.push(r);
      }
      this.last = snap;
      this.sampling = null;
      return snap;
    });
    this.sampling = p;
    return p;
  }

  /** One sensor's value from the current reading (rejects with why it has none). */
  async value(name: string): Promise<number> {
    if (!this.info.some((s) => s.name === name)) throw new Error(`sensor: no sensor named ${name} ([sensors] lists them)`);
    const s = await this.current();
    const r = s.readings.find((m) => m.info.name === name);
    if (r) return r.value;
    const e = s.errors.find((x) => x.name === name);
    throw new Error(`sensor: ${name} gave no reading: ${e ? e.error : 'unknown'}`);
  }

  /** Drive an output; its new state goes to stat/NAME/POWERn when connected. */
  async setOutput(name: string, value: number): Promise<void> {
    const outs = this.outputs();
    const i = outs.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`${name} is not an output` + (outs.length ? ` (outputs: ${outs.map((s) => s.name).join(' ')})` : ''));
    await this.io.sensors.write!(name, value ? 1 : 0);
    this.last = null; // the next reading shows it
    this.publishPower(i, value ? 1 : 0);
  }

  private publishPower(i: number, value: number): void {
    const key = powerKey(i, this.outputs().length);
    this.send(this.topics.stat + key, onOff(value), false);
    this.send(this.topics.result, result(key, onOff(value)), false);
  }

  /** The readings of one teleperiod: into the buffer (on disk), then out to the broker in order. */
  private tick(): void {
    if (!this.running) return;
    this.scheduleNext();
    const buffer = this.io.buffer;
    // its own reading, taken now: never one a request started before the tick
    (this.sampling ? this.sampling.then(() => this.sample()) : this.sample()).then((s) => {
      this.reportErrors(s);
      if (!buffer || !s.readings.length) return;
      try {
        buffer.push(sensorPayload(s.time, s.readings));
      } catch (e) {
        this.io.log('sensors: a reading is lost: ' + (e instanceof Error ? e.message : String(e)));
      }
      this.flush();
    });
  }

  /** A sensor's failure is logged when it starts or changes, and its recovery once: not every teleperiod. */
  private reportErrors(s: Snapshot): void {
    for (const e of s.errors) {
      if (this.failing.get(e.name) !== e.error) this.io.log(`sensors: ${e.name}: ${e.error}`);
      this.failing.set(e.name, e.error);
    }
    for (const r of s.readings) {
      if (!this.failing.has(r.info.name)) continue;
      this.failing.delete(r.info.name);
      this.io.log(`sensors: ${r.info.name} reads again`);
    }
  }

  /**
   * The next reading at the next multiple of the teleperiod (readings line
   * up with the clock, whatever the restarts). A timer may fire a moment
   * early (Node's can, by a millisecond): then it waits out the rest, or
   * the reading would carry the second before and come again.
   */
  private scheduleNext(): void {
    const gen = ++this.schedule;
    const now = this.io.now();
    const p = this.teleperiodMs;
    const at = (Math.floor(now / p) + 1) * p;
    const fire = (): void => {
      if (gen !== this.schedule) return;
      const early = at - this.io.now();
      if (early > 0) this.io.timer(early, fire);
      else this.tick();
    };
    this.io.timer(at - now, fire);
  }

  /**
   * Publish what the buffer holds, oldest first, up to WINDOW in flight: as
   * each acknowledgement comes the next reading goes (a sliding window: its
   * PUBLISH also carries the TCP ACK the broker's Nagle waits for, where a
   * batch would stall ~40 ms on a delayed ACK). Acknowledged readings leave
   * the buffer a batch at a time (one header write for many).
   */
  private async flush(): Promise<void> {
    const { mqtt, buffer } = this.io;
    if (!mqtt || !buffer || !this.connected) return;
    if (this.flushing) {
      this.flushAgain = true; // a new connection (or reading) while this one drains: go on after it
      return;
    }
    this.flushing = true;
    this.flushAgain = false;
    const inFlight: Promise<boolean>[] = [];
    let sent = 0; // readings from the head published and not yet dropped
    let acked = 0;
    try {
      for (;;) {
        if (this.connected && inFlight.length < WINDOW) {
          for (const line of buffer.peek(sent + WINDOW - inFlight.length).slice(sent)) {
            inFlight.push(mqtt.publish(this.topics.sensor, line, false).then(() => true, () => false));
            sent++;
          }
        }
        if (!inFlight.length) break;
        // the connection went: from the first not acknowledged, all go again after the next connect
        if (!(await inFlight.shift())) break;
        acked++;
        if (acked >= WINDOW || !inFlight.length) {
          sent -= acked;
          const n = acked;
          acked = 0;
          buffer.drop(n);
        }
      }
      if (acked) buffer.drop(acked);
    } catch (e) {
      this.io.log('mqtt: the buffer: ' + (e instanceof Error ? e.message : String(e)));
    }
    this.flushing = false;
    if (this.flushAgain) this.flush();
  }

  // ---- the broker -------------------------------------------------------------

  private onConnected(): void {
    this.connected = true;
    const mqtt = this.io.mqtt!;
    this.send(this.topics.lwt, 'Online', true);
    mqtt.subscribe([this.topics.cmnd + '#', HA_STATUS, ...this.subscriptions]);
    this.announce();
    this.flush();
  }

  private onDisconnected(why: string): void {
    if (this.connected) this.io.log(`mqtt: disconnected (${why}); readings wait in the buffer`);
    this.connected = false;
  }

  /** Discovery (retained) and the outputs' states: on connect, and when Home Assistant comes online. */
  private announce(): void {
    if (this.opts.discovery !== false) {
      const o = { nodeId: this.nodeId, topics: this.topics, version: this.opts.version || '0' };
      this.send(discoveryTopic(o), discoveryPayload(this.info, o), true);
    }
    this.outputs().forEach((s, i) =>
      this.io.sensors.read(s.name).then(
        (v) => this.publishPower(i, v),
        () => {},
      ),
    );
  }

  /** Publish, and log (never throw) when it fails: the broker may be gone. */
  private send(topic: string, payload: string, retain: boolean): void {
    if (!this.connected) return;
    this.io.mqtt!.publish(topic, payload, retain).catch((e: Error) => this.io.log(`mqtt: ${topic}: ${e.message}`));
  }

  /** Publish for JML ([publish TOPIC TEXT]): waits for the broker's acknowledgement. */
  publish(topic: string, payload: string): Promise<void> {
    if (!this.io.mqtt) return Promise.reject(new Error('this node has no broker (start it with --mqtt)'));
    if (!this.connected) return Promise.reject(new Error('not connected to the broker'));
    return this.io.mqtt.publish(topic, payload, false);
  }

  /** p, or a rejection saying what took longer than ms (an evaluation waits within its time budget). */
  within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      this.io.timer(Math.max(0, ms), () => {
        if (!done) reject(new Error(`${what}: no answer within ${Math.round(ms)} ms`));
        done = true;
      });
      p.then(
        (v) => {
          done = true;
          resolve(v);
        },
        (e) => {
          done = true;
          reject(e);
        },
      );
    });
  }

  /** The owner's subscription: kept (define: the state log when the evaluation may) and made now when connected. */
  subscribe(filter: string, keep: (list: string) => void, on: boolean): void {
    const next = new Set(this.subscriptions);
    if (on) next.add(filter);
    else next.delete(filter);
    keep([...next].join(' ')); // first: when it may not be kept, nothing changes
    if (on) this.subscriptions.add(filter);
    else this.subscriptions.delete(filter);
    if (this.connected && this.io.mqtt) (on ? this.io.mqtt.subscribe : this.io.mqtt.unsubscribe).call(this.io.mqtt, [filter]);
  }

  private onMessage(topic: string, payload: string): void {
    if (payload.length > MQTT_LIMITS.PAYLOAD) {
      this.io.log(`mqtt: ${topic}: a message of ${payload.length} characters ignored (at most ${MQTT_LIMITS.PAYLOAD})`);
      return;
    }
    if (topic === HA_STATUS) {
      if (payload.trim().toLowerCase() === 'online') this.announce();
    } else if (topic.startsWith(this.topics.cmnd) && topic.indexOf('/', this.topics.cmnd.length) < 0) {
      const cmd = topic.slice(this.topics.cmnd.length);
      this.inTurn(() => this.command(cmd, payload)).then((answer) => answer && this.send(this.topics.result, answer, false));
      return;
    }
    for (const f of this.subscriptions) {
      if (!topicMatches(f, topic)) continue;
      if (this.node.interp.macros.has('on-mqtt')) this.inTurn(() => this.run('[on-mqtt ' + word(topic) + ' ' + quote(payload) + ']').then(() => ''));
      break;
    }
  }

  /**
   * Messages are handled one at a time, in the order they came (as Tasmota
   * does: Power ON then Power TOGGLE means OFF). At most MQTT_LIMITS.BUSY
   * wait; past that a message is dropped and counted.
   */
  private inTurn(work: () => Promise<string>): Promise<string> {
    if (this.busy >= MQTT_LIMITS.BUSY) {
      if (this.dropped++ % 100 === 0) this.io.log(`mqtt: busy: ${this.dropped} message(s) dropped so far`);
      return Promise.resolve('');
    }
    this.busy++;
    const done = this.queue.then(work).then(
      (r) => (this.busy--, r),
      (e: unknown) => {
        this.busy--;
        this.io.log('mqtt: ' + (e instanceof Error ? e.message : String(e)));
        return '';
      },
    );
    this.queue = done;
    return done;
  }

  private run(line: string): Promise<LineResult> {
    return Promise.resolve(this.node.evaluate(line, { caps: this.opts.mqttCaps || NO_CAPS, user: 'mqtt', ...MESSAGE_BUDGET }));
  }

  /** A command on cmnd/NAME/<Command>: its answer for stat/NAME/RESULT (Tasmota's names, any case). */
  async command(cmd: string, payload: string): Promise<string> {
    const lc = cmd.toLowerCase();
    if (lc === 'teleperiod') {
      const p = payload.trim();
      if (p) {
        const s = /^\d{1,5}$/.test(p) ? +p : NaN;
        if (!(s >= TELEPERIOD.MIN && s <= TELEPERIOD.MAX)) return error(`TelePeriod takes ${TELEPERIOD.MIN} to ${TELEPERIOD.MAX} seconds, not ${p.slice(0, 20)}`);
        this.setTeleperiod(s * 1000);
      }
      return result('TelePeriod', Math.round(this.teleperiodMs / 1000));
    }
    if (lc === 'status') {
      if (payload.trim() === '10') return JSON.stringify({ StatusSNS: JSON.parse(await this.payload()) });
      return result('Status', await this.status());
    }
    const power = /^power(\d{0,2})$/.exec(lc);
    const outs = this.outputs();
    if (power && outs.length) {
      const i = (power[1] ? +power[1] : 1) - 1;
      const out = outs[i];
      if (!out) return result('Command', 'Unknown');
      const now = await this.io.sensors.read(out.name);
      const v = powerValue(payload, now);
      if (v === null) return error(`${cmd} takes ON, OFF, TOGGLE, 1, 0 or nothing`);
      if (v !== 'ask') await this.setOutput(out.name, v);
      return result(powerKey(i, outs.length), onOff(v === 'ask' ? now : v));
    }
    const macro = /^[A-Za-z0-9_-]{1,32}$/.test(cmd) ? this.findCommand(cmd) : undefined;
    if (!macro) return result('Command', 'Unknown');
    const r = await this.run('[' + macro + ' ' + quote(payload) + ']');
    return result(cmd, r.output);
  }

  /** The owner's macro cmnd-<Command>, found whatever the case (as Tasmota's commands are). */
  private findCommand(cmd: string): string | undefined {
    const want = 'cmnd-' + cmd;
    if (this.node.interp.macros.has(want)) return want;
    const lc = want.toLowerCase();
    for (const name of this.node.interp.macros.keys()) if (name.toLowerCase() === lc) return name;
    return undefined;
  }

  /** What Status answers: the node's topic, teleperiod, sensors, outputs, buffer and uptime. */
  async status(): Promise<Record<string, unknown>> {
    const outputs: Record<string, string> = {};
    for (const s of this.outputs()) outputs[s.name] = await this.io.sensors.read(s.name).then(onOff, () => '?');
    return {
      Topic: this.topics.name,
      TelePeriod: Math.round(this.teleperiodMs / 1000),
      Sensors: this.info.filter((s) => s.kind !== 'output').map((s) => s.name),
      Outputs: outputs,
      Buffered: this.io.buffer ? this.io.buffer.count() : 0,
      Connected: this.connected,
      Dropped: this.dropped,
      Uptime: Math.floor((this.io.now() - this.started) / 1000),
      Version: this.opts.version || '0',
    };
  }
}

const error = (why: string): string => JSON.stringify({ Command: 'Error', Error: why });

/** A topic as one JML word: brackets and backslashes quoted, spaces kept inside the word. */
const word = (topic: string): string => quote(topic).replace(/ /g, '\\ ');
