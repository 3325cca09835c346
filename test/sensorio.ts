// A SensorIO for portable tests: a clock the test moves (timers fire as it
// passes them), a broker link the test connects and cuts, a reading buffer
// in memory, and the simulated sensors. Nothing real: the process suites
// (test/node/sensors-*.test.ts) run the node against Mosquitto.
import type { MqttEvents, MqttLink, ReadingBuffer, SensorIO, SensorSource } from '../runtime/sensors/index.ts';

export interface Published {
  topic: string;
  payload: string;
  retain: boolean;
}

export class FakeBroker implements MqttLink {
  published: Published[] = [];
  subscribed: string[] = [];
  will: { topic: string; payload: string } | null = null;
  online = false;
  stopped = false;
  /** Leave PUBACKs to the test (ack()) instead of answering at once. */
  holdAcks = false;
  private events: MqttEvents | null = null;
  private held: { resolve(): void; reject(e: Error): void; msg: Published }[] = [];

  start(will: { topic: string; payload: string }, events: MqttEvents): void {
    this.will = will;
    this.events = events;
  }
  connect(): void {
    this.online = true;
    this.events!.connected();
  }
  cut(): void {
    this.online = false;
    for (const h of this.held.splice(0)) h.reject(new Error('the connection to the broker was lost'));
    this.events!.disconnected('cut by the test');
  }
  send(topic: string, payload: string): void {
    this.events!.message(topic, payload);
  }
  ack(n = Infinity): void {
    for (const h of this.held.splice(0, n)) {
      this.published.push(h.msg);
      h.resolve();
    }
  }
  publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (!this.online) return Promise.reject(new Error('not connected to the broker'));
    const msg = { topic, payload, retain };
    if (!this.holdAcks) {
      this.published.push(msg);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.held.push({ resolve, reject, msg }));
  }
  subscribe(filters: string[]): void {
    this.subscribed.push(...filters);
  }
  unsubscribe(filters: string[]): void {
    this.subscribed = this.subscribed.filter((f) => !filters.includes(f));
  }
  async stop(last: { topic: string; payload: string }): Promise<void> {
    if (this.online) this.published.push({ ...last, retain: true });
    this.online = false;
    this.stopped = true;
  }
  on(topic: string): string[] {
    return this.published.filter((p) => p.topic === topic).map((p) => p.payload);
  }
}

export class MemoryBuffer implements ReadingBuffer {
  lines: string[] = [];
  constructor(readonly max = 1000) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  peek(n: number): string[] {
    return this.lines.slice(0, n);
  }
  drop(n: number): void {
    this.lines.splice(0, n);
  }
  count(): number {
    return this.lines.length;
  }
}

/** A clock that moves only when the test says, firing the timers it passes, in time order. */
export class ManualClock {
  timers: { at: number; fn: () => void }[] = [];
  constructor(public t: number) {}
  now = (): number => this.t;
  timer = (ms: number, fn: () => void): void => void this.timers.push({ at: this.t + ms, fn });
  /** Move by ms; each timer due fires at its time, with the promises it starts settled before the next. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await settled();
    }
    this.t = end;
    await settled();
  }
}

/** Let pending promise callbacks run (several rounds: chains of then). */
export async function settled(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

export function testIO(sensors: SensorSource, clock: ManualClock, withBroker = true): SensorIO & { broker: FakeBroker; memory: MemoryBuffer; logs: string[] } {
  const logs: string[] = [];
  const broker = new FakeBroker();
  const memory = new MemoryBuffer();
  return {
    now: clock.now,
    timer: clock.timer,
    log: (l) => void logs.push(l),
    sensors,
    mqtt: withBroker ? broker : undefined,
    buffer: withBroker ? memory : undefined,
    broker,
    memory,
    logs,
  };
}
