// What the sensor node needs from the world, as parameters (DESIGN.md: the
// transport and the clock are parameters): firmware-shims/ gives Node and
// Bun these with sysfs, mqtt.js and a file; a board gives them with its host
// functions (firmware-shims/quickjs-host.ts).
import type { SensorSource } from './model.ts';

export interface SensorIO {
  now(): number;
  log(line: string): void;
  /** Call fn once, ms from now. */
  timer(ms: number, fn: () => void): void;
  sensors: SensorSource;
  /** Absent: no broker (the sensors are read for HTTP and JML only). */
  mqtt?: MqttLink;
  /** Where readings wait for the broker, in order, across restarts; with mqtt. */
  buffer?: ReadingBuffer;
}

export interface MqttEvents {
  connected(): void;
  disconnected(why: string): void;
  message(topic: string, payload: string): void;
}

/** A connection to one broker that comes back by itself (backoff) until stop(). */
export interface MqttLink {
  /** Connect with will (published retained by the broker when the node vanishes); events follow. */
  start(will: { topic: string; payload: string }, events: MqttEvents): void;
  /** QoS 1: resolves when the broker has it (PUBACK); rejects at once when not connected, or when the connection is lost first. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  /** QoS 1 subscriptions; the node subscribes again after every connect. */
  subscribe(filters: string[]): void;
  unsubscribe(filters: string[]): void;
  /** Publish last (retained) if connected, then disconnect cleanly (no will) and stay disconnected. */
  stop(last: { topic: string; payload: string }): Promise<void>;
}

/**
 * Readings not yet acknowledged by the broker, oldest first: bounded (the
 * oldest go when it is full), kept where a restart finds them.
 */
export interface ReadingBuffer {
  push(line: string): void;
  /** The first n lines, oldest first, without removing them. */
  peek(n: number): string[];
  /** Remove the first n lines (the broker has them). */
  drop(n: number): void;
  count(): number;
}
