// The sensor model, in the spirit of ECMA-419's Sensor pattern: a sensor is
// one quantity (a temperature, a switch, an output) with a name, a kind and
// a unit; sample() gives a new reading object with its time. Sensors that
// one device measures together (a DHT22's temperature and humidity) share a
// device name, which is how Tasmota's JSON groups them.

export type SensorKind = 'temperature' | 'humidity' | 'switch' | 'output';

export interface SensorInfo {
  /** Unique on the node: what `[sensor NAME]` and the web page use. */
  name: string;
  /** The group in Tasmota's JSON (`"DS18B20-1":{...}`); a switch or an output is its own device. */
  device: string;
  /** The field inside the group: Temperature, Humidity (a switch or output: Switch, Power). */
  quantity: string;
  kind: SensorKind;
  /** '°C', '%', or '' for switches and outputs (0 or 1). */
  unit: string;
  /** The hardware's own id, when it has one (a DS18B20's 48-bit serial, in hex). */
  id?: string;
}

/** One reading: the value in the sensor's unit, and when it was taken (ms since the epoch). */
export interface Reading {
  name: string;
  value: number;
  time: number;
}

/** Where sensors come from: the Linux sysfs, GPIO lines, a simulation, or a firmware's host functions. */
export interface SensorSource {
  list(): SensorInfo[];
  /** A new value; rejects with a clear reason (a CRC error, a missing file) when there is no valid one. */
  read(name: string): Promise<number>;
  /** Drive an output (0 or 1); rejects when name is not an output of this source. */
  write?(name: string, value: number): Promise<void>;
}

/** A sensor of the model: what it is, and sample() for a new reading. */
export interface Sensor extends SensorInfo {
  sample(): Promise<Reading>;
}

export const UNITS: Record<SensorKind, string> = { temperature: '°C', humidity: '%', switch: '', output: '' };
const QUANTITY: Record<SensorKind, string> = { temperature: 'Temperature', humidity: 'Humidity', switch: 'Switch', output: 'Power' };

/** A device, sensor or output name: a letter, then letters, digits, `_ . -` (at most 32): safe in JSON keys, topics and JML words. */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/**
 * The sensors of a device: named after the device when it measures one
 * quantity (`DS18B20-1`), else `DEVICE.Quantity` (`DHT22.Humidity`).
 */
export function deviceSensors(device: string, parts: { kind: SensorKind; quantity?: string; id?: string }[]): SensorInfo[] {
  return parts.map((p) => {
    const quantity = p.quantity || QUANTITY[p.kind];
    const info: SensorInfo = { name: parts.length > 1 ? device + '.' + quantity : device, device, quantity, kind: p.kind, unit: UNITS[p.kind] };
    if (p.id) info.id = p.id;
    return info;
  });
}

/** The sensors of a source, each with sample(); time from clock. */
export function sensorsOf(source: SensorSource, clock: () => number): Sensor[] {
  return source.list().map((info) => ({
    ...info,
    sample: () => {
      const time = clock();
      return source.read(info.name).then((value) => ({ name: info.name, value, time }));
    },
  }));
}

/** Several sources as one; a name found twice is an error (it would be ambiguous). */
export function combineSources(sources: SensorSource[]): SensorSource {
  const owner = new Map<string, SensorSource>();
  const all: SensorInfo[] = [];
  for (const s of sources) {
    for (const info of s.list()) {
      if (!NAME_RE.test(info.name)) throw new Error(`sensor name ${JSON.stringify(info.name)}: a letter, then letters, digits, _ . - (at most 32)`);
      if (owner.has(info.name)) throw new Error(`two sensors are named ${info.name}`);
      owner.set(info.name, s);
      all.push(info);
    }
  }
  const find = (name: string): SensorSource => {
    const s = owner.get(name);
    if (!s) throw new Error(`no sensor named ${name}`);
    return s;
  };
  return {
    list: () => all.slice(),
    read: (name) => {
      try {
        return find(name).read(name);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    write: (name, value) => {
      try {
        const s = find(name);
        if (!s.write || all.find((i) => i.name === name)?.kind !== 'output') throw new Error(`${name} is not an output`);
        return s.write(name, value);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}

/** Round half away from zero to `decimals` places (Tasmota's TempRes/HumRes of 1 by default): -1.25 gives -1.3. */
export function roundTo(v: number, decimals: number): number {
  const f = Math.pow(10, decimals);
  const r = Math.round(Math.abs(v) * f) / f;
  return v < 0 && r !== 0 ? -r : r;
}
