// The sensor node's command-line options (parsed here, so that cli.ts stays
// small and a plain line loads none of the sensor code).

export interface SensorOptions {
  /** Any sensor option given: the node reads sensors (JML builtins, /sensors). */
  wanted: boolean;
  /** Where sysfs is found (default /). */
  sysRoot: string;
  /** Add the simulated sensors (seeded): machines without sensors, the board. */
  simulate: boolean;
  seed: number;
  /** GPIO lines by name: NAME=LINE, LINE a line name (GPIO17) or CHIP:OFFSET (gpiochip0:17). */
  gpioIn: [string, string][];
  gpioOut: [string, string][];
  /** mqtt://HOST:PORT or mqtts://HOST:PORT; absent: no broker. */
  mqtt?: string;
  topic?: string;
  teleperiodMs: number;
  user?: string;
  passwordFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** What cmnd-<Command> and on-mqtt evaluations may do (default nothing). */
  allow: string[];
  /** Readings kept while the broker is away, in KiB (default 1024). */
  bufferKiB: number;
  /** The longest wait between reconnect attempts, in seconds (default 60). */
  backoffMaxS: number;
  discovery: boolean;
}

export const defaultSensorOptions = (): SensorOptions => ({
  wanted: false, sysRoot: '/', simulate: false, seed: 1, gpioIn: [], gpioOut: [], teleperiodMs: 300_000, allow: [], bufferKiB: 1024, backoffMaxS: 60,
  discovery: true,
});

export const SENSOR_USAGE = `sensor node options (any of them makes the node read its sensors):
  --sys-root DIR          where sysfs is (default /): thermal zones, DS18B20 (1-Wire), IIO
  --simulate              add simulated sensors (SIM.Temperature, SIM.Humidity, output Relay1)
  --sim-seed N            their seed (default 1)
  --gpio-in NAME=LINE     a GPIO input (LINE: a line name such as GPIO17, or gpiochip0:17)
  --gpio-out NAME=LINE    a GPIO output (driven low at start)
  --sensors               read sensors without a broker (JML builtins, /sensors with -w)
  --mqtt URL              publish to a broker: mqtt://HOST:PORT or mqtts://HOST:PORT
  --mqtt-topic NAME       the node's topic (default magni_ and the node's ID)
  --teleperiod S          seconds between readings, 10 to 3600 (default 300)
  --teleperiod-ms MS      the same in milliseconds, 1000 or more (tests and benchmarks)
  --mqtt-user USER        user name for the broker
  --mqtt-password-file F  the broker password, in file F (never on the command line)
  --mqtt-ca F             CA certificate(s) to trust for mqtts:// (PEM)
  --mqtt-cert F, --mqtt-key F   a client certificate and its key (PEM)
  --mqtt-allow CAPS       what cmnd-<Command> and on-mqtt may do: a comma list of
                          define,state,network,code,outputs (default: nothing)
  --mqtt-buffer KIB       readings kept while the broker is away, 4 to 65536 (default 1024 KiB)
  --mqtt-backoff-max S    the longest wait between reconnects, 1 to 60 (default 60)
  --no-discovery          no Home Assistant discovery`;

const CAPS = ['define', 'state', 'network', 'code', 'outputs'];

/** A number in [min, max] or an error naming the flag. */
function within(flag: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined || !/^\d+$/.test(v) || +v < min || +v > max) throw new Error(`${flag} takes a whole number from ${min} to ${max}`);
  return +v;
}

function value(flag: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new Error(flag + ' needs a value');
  return v;
}

function gpio(flag: string, v: string | undefined): [string, string] {
  const m = /^([A-Za-z][A-Za-z0-9_.-]{0,31})=([A-Za-z0-9_.:-]{1,64})$/.exec(v || '');
  if (!m) throw new Error(`${flag} takes NAME=LINE, such as Door=GPIO17 or Door=gpiochip0:17`);
  return [m[1], m[2]];
}

/**
 * Parse the sensor option at argv[i] into o; returns the index of its last
 * word, or -1 when argv[i] is not a sensor option.
 */
export function sensorOption(argv: string[], i: number, o: SensorOptions): number {
  const a = argv[i];
  const next = () => argv[++i];
  switch (a) {
    case '--sys-root': o.sysRoot = value(a, next()); break;
    case '--simulate': o.simulate = true; break;
    case '--sim-seed': o.seed = within(a, next(), 0, 2 ** 31); break;
    case '--gpio-in': o.gpioIn.push(gpio(a, next())); break;
    case '--gpio-out': o.gpioOut.push(gpio(a, next())); break;
    case '--sensors': break;
    case '--mqtt': {
      const url = value(a, next());
      if (!/^mqtts?:\/\/[^\s/]+/.test(url)) throw new Error('--mqtt takes mqtt://HOST:PORT or mqtts://HOST:PORT');
      o.mqtt = url;
      break;
    }
    case '--mqtt-topic': {
      const t = value(a, next());
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(t)) throw new Error('--mqtt-topic takes letters, digits, _ and - (1 to 64)');
      o.topic = t;
      break;
    }
    case '--teleperiod': o.teleperiodMs = 1000 * within(a, next(), 10, 3600); break;
    case '--teleperiod-ms': o.teleperiodMs = within(a, next(), 1000, 3_600_000); break;
    case '--mqtt-user': o.user = value(a, next()); break;
    case '--mqtt-password-file': o.passwordFile = value(a, next()); break;
    case '--mqtt-ca': o.ca = value(a, next()); break;
    case '--mqtt-cert': o.cert = value(a, next()); break;
    case '--mqtt-key': o.key = value(a, next()); break;
    case '--mqtt-allow': {
      const caps = value(a, next()).split(',').filter(Boolean);
      const bad = caps.filter((c) => !CAPS.includes(c));
      if (bad.length) throw new Error(`--mqtt-allow: unknown capability ${bad.join(', ')} (${CAPS.join(', ')})`);
      o.allow = caps;
      break;
    }
    case '--mqtt-buffer': o.bufferKiB = within(a, next(), 4, 65536); break;
    case '--mqtt-backoff-max': o.backoffMaxS = within(a, next(), 1, 60); break;
    case '--no-discovery': o.discovery = false; break;
    default: return -1;
  }
  o.wanted = true;
  return i;
}
