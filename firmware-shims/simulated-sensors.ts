// A simulated source, for machines without sensors and for the board:
// SIM.Temperature and SIM.Humidity, deterministic functions of the seed and
// the second they are read in (a slow daily-like swing plus seeded noise),
// and an output Relay1 kept in memory. Pure: the same on every engine.
import { deviceSensors, type SensorInfo, type SensorSource } from '../runtime/sensors/model.ts';

/** A 32-bit hash of two integers (a few rounds of xorshift-multiply): the seeded noise. */
function hash(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Noise in [-1, 1), fixed for a seed and a second. */
const noise = (seed: number, second: number): number => hash(seed, second) / 2 ** 31 - 1;

/** The simulated values at time ms (exported for tests: the same seed and time give the same values). */
export function simulatedValues(seed: number, ms: number): { temperature: number; humidity: number } {
  const s = Math.floor(ms / 1000);
  const phase = (2 * Math.PI * (s % 3600)) / 3600; // one swing an hour
  const t = 21 + 3 * Math.sin(phase + (seed % 7)) + 0.2 * noise(seed, s);
  const h = 45 + 10 * Math.cos(phase + (seed % 5)) + 0.5 * noise(seed + 1, s);
  return { temperature: Math.round(t * 100) / 100, humidity: Math.round(h * 100) / 100 };
}

export function simulatedSensors(seed: number, clock: () => number): SensorSource {
  const info: SensorInfo[] = [...deviceSensors('SIM', [{ kind: 'temperature' }, { kind: 'humidity' }]), ...deviceSensors('Relay1', [{ kind: 'output' }])];
  let relay = 0;
  return {
    list: () => info.slice(),
    read: async (name) => {
      if (name === 'Relay1') return relay;
      const v = simulatedValues(seed, clock());
      if (name === 'SIM.Temperature') return v.temperature;
      if (name === 'SIM.Humidity') return v.humidity;
      throw new Error(`no sensor named ${name}`);
    },
    write: async (name, value) => {
      if (name !== 'Relay1') throw new Error(`${name} is not an output`);
      relay = value ? 1 : 0;
    },
  };
}
