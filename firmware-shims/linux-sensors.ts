// Sensors a Linux machine (a Raspberry Pi) exposes in sysfs, found under a
// root directory (`--sys-root`, default /; tests use fixture trees):
//   sys/class/thermal/thermal_zoneN/temp      -> ThermalN
//   sys/bus/w1/devices/28-XXXXXXXXXXXX/w1_slave -> DS18B20-1, DS18B20-2, ... (by serial)
//   sys/bus/iio/devices/iio:deviceN/in_temp_input, in_humidityrelative_input (or _raw, _offset, _scale)
//                                             -> the device's name (DHT11.Temperature, DHT11.Humidity)
// Found once, at start; read asynchronously (a DS18B20 takes 750 ms to
// convert, and the node never waits for it).
import { open, readdir } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceSensors, NAME_RE, type SensorInfo, type SensorKind, type SensorSource } from '../runtime/sensors/model.ts';
import { IIO_CHANNEL, iioValue, parseDecimal, parseMilli, parseW1Slave } from './sysfs-parse.ts';

/** sysfs files are at most a page; a longer one is not what we think it is. */
const MAX_FILE = 4096;

async function readSmall(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_FILE + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_FILE) throw new Error(`${path}: longer than ${MAX_FILE} bytes`);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await fh.close();
  }
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};
const textOf = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
};
/** Entries with a number after prefix, in numeric order (thermal_zone2 before thermal_zone10). */
const numbered = (entries: string[], prefix: string): [string, number][] =>
  entries
    .filter((e) => e.startsWith(prefix) && /^\d+$/.test(e.slice(prefix.length)))
    .map((e): [string, number] => [e, +e.slice(prefix.length)])
    .sort((a, b) => a[1] - b[1]);

interface Found {
  info: SensorInfo;
  read(): Promise<number>;
}

function thermal(root: string): Found[] {
  const dir = join(root, 'sys/class/thermal');
  return numbered(list(dir), 'thermal_zone').map(([e, n]) => {
    const file = join(dir, e, 'temp');
    return { info: deviceSensors('Thermal' + n, [{ kind: 'temperature' }])[0], read: async () => parseMilli(await readSmall(file), file) };
  });
}

function oneWire(root: string): Found[] {
  const dir = join(root, 'sys/bus/w1/devices');
  return list(dir)
    .filter((e) => /^28-[0-9a-fA-F]{12}$/.test(e))
    .sort()
    .map((e, i) => {
      const file = join(dir, e, 'w1_slave');
      return { info: deviceSensors('DS18B20-' + (i + 1), [{ kind: 'temperature', id: e.slice(3).toUpperCase() }])[0], read: async () => parseW1Slave(await readSmall(file)) };
    });
}

const IIO_KIND: Record<string, SensorKind> = { temp: 'temperature', humidityrelative: 'humidity' };
const QUANTITY: Record<string, string> = { temp: 'Temperature', humidityrelative: 'Humidity' };

function iio(root: string): Found[] {
  const dir = join(root, 'sys/bus/iio/devices');
  const out: Found[] = [];
  const used = new Set<string>();
  for (const [e, n] of numbered(list(dir), 'iio:device')) {
    const ddir = join(dir, e);
    const files = list(ddir);
    // one channel per type and index: _input when the driver gives it, else _raw
    const channels = new Map<string, { type: string; index: string; input: boolean }>();
    for (const f of files.sort()) {
      const m = IIO_CHANNEL.exec(f);
      if (!m) continue;
      const key = m[1] + m[2];
      if (!channels.has(key) || m[3] === 'input') channels.set(key, { type: m[1], index: m[2], input: m[3] === 'input' });
    }
    if (!channels.size) continue;
    const named = (textOf(join(ddir, 'name')) || '').toUpperCase().replace(/[^A-Z0-9_-]/g, '-');
    let device = NAME_RE.test(named) ? named : 'IIO' + n;
    if (used.has(device)) device += '-' + n;
    used.add(device);
    const chans = [...channels.values()].sort((x, y) => (x.type === y.type ? +x.index - +y.index : x.type === 'temp' ? -1 : 1)); // temperature first, as Tasmota
    const infos = deviceSensors(device, chans.map((c) => ({ kind: IIO_KIND[c.type], quantity: QUANTITY[c.type] + c.index })));
    chans.forEach((c, i) => {
      const base = join(ddir, `in_${c.type}${c.index}`);
      const shared = join(ddir, `in_${c.type}`); // in_temp_scale serves in_temp0_raw, in_temp1_raw
      const optional = async (suffix: string, dflt: number): Promise<number> => {
        for (const f of [base + suffix, shared + suffix]) {
          let text: string;
          try {
            text = await readSmall(f);
          } catch {
            continue;
          }
          return parseDecimal(text, f);
        }
        return dflt;
      };
      out.push({
        info: infos[i],
        read: c.input
          ? async () => parseMilli(await readSmall(base + '_input'), base + '_input')
          : async () => iioValue(parseDecimal(await readSmall(base + '_raw'), base + '_raw'), await optional('_offset', 0), await optional('_scale', 1)),
      });
    });
  }
  return out;
}

/** The sysfs sensors under root ('/' on the machine itself). */
export function linuxSensors(root = '/'): SensorSource {
  const found = [...thermal(root), ...oneWire(root), ...iio(root)];
  const byName = new Map(found.map((f) => [f.info.name, f]));
  return {
    list: () => found.map((f) => f.info),
    read: async (name) => {
      const f = byName.get(name);
      if (!f) throw new Error(`no sensor named ${name}`);
      return f.read();
    },
  };
}

/** Whether the sysfs under root is there at all (a wrong --sys-root is a clear error, not an empty node). */
export async function hasSysfs(root: string): Promise<boolean> {
  try {
    await readdir(join(root, 'sys'));
    return true;
  } catch {
    return false;
  }
}
