// The sensor node on Node and Bun: `run sensors` (the readings once, as
// JSON), the node beside the web server (`run --mqtt URL [-w PORT]`), and
// the same node inside the QuickJS board (`run --board --mqtt URL`).
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MagniNode, nodeIdentity } from '../../runtime/index.ts';
import { nodeHost } from './host.ts';
import { identityFile } from './cli.ts';
import { combineSources, defaultTopic, sensorsOf, SensorNode, type SensorIO, type SensorSource } from '../../runtime/sensors/index.ts';
import { linuxSensors } from '../../firmware-shims/linux-sensors.ts';
import { simulatedSensors } from '../../firmware-shims/simulated-sensors.ts';
import { gpiodSensors } from '../../firmware-shims/gpiod.ts';
import { mqttLink } from '../../firmware-shims/mqtt-client.ts';
import { FileBuffer } from '../../firmware-shims/offline-buffer.ts';
import type { Capability } from '../../jml/capabilities.ts';
import type { CliOptions } from './cli.ts';
import type { SensorOptions } from './sensor-options.ts';
import { untilStopped } from './web.ts';
import { lockStateFile } from './lock.ts';

const err = (line: string) => writeSync(2, line + '\n');

/** The node's short ID (its key pair beside the state, made on first use): its MQTT topic and Home Assistant device are named after it. */
export function nodeIdForTopic(stateFile: string): string {
  return nodeIdentity(nodeHost(() => {}, { keyFile: identityFile(stateFile) })).shortId;
}

/** The repository: the folder above this file (source or dist/) with the package.json. */
function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
}

/** Magni's version, from package.json. */
export function magniVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')).version || '0');
  } catch {
    return '0';
  }
}

/** The sensors the options ask for: sysfs under --sys-root, GPIO lines, the simulation. */
export function sensorSource(o: SensorOptions, log: (line: string) => void): SensorSource {
  if (o.sysRoot !== '/' && !existsSync(join(o.sysRoot, 'sys'))) throw new Error(`--sys-root ${o.sysRoot}: there is no sys/ in it`);
  const sources: SensorSource[] = [linuxSensors(o.sysRoot)];
  if (o.gpioIn.length || o.gpioOut.length) sources.push(gpiodSensors(o.gpioIn, o.gpioOut, log));
  if (o.simulate) sources.push(simulatedSensors(o.seed, Date.now));
  return combineSources(sources);
}

/** `run sensors`: every sensor read once, as a JSON array (a sensor without a valid reading says why). */
export async function sensorsCommand(o: CliOptions): Promise<number> {
  let source: SensorSource;
  try {
    source = sensorSource(o.sensors, err);
  } catch (e) {
    err('run: ' + (e as Error).message);
    return 1;
  }
  const rows = await Promise.all(
    sensorsOf(source, Date.now).map((s) => {
      const { sample, ...info } = s;
      return sample().then(
        (r) => ({ ...info, value: r.value, time: new Date(r.time).toISOString() }),
        (e: Error) => ({ ...info, error: e.message }),
      );
    }),
  );
  process.stdout.write(rows.length ? '[\n' + rows.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n' : '[]\n');
  if (!rows.length && !o.quiet) err('run: no sensors found (try --sys-root DIR, --gpio-in, or --simulate)');
  return 0;
}

/** The password for the broker: from --mqtt-password-file (a trailing newline is not part of it). */
function password(o: SensorOptions): string | undefined {
  if (!o.passwordFile) return undefined;
  return readFileSync(o.passwordFile, 'utf8').replace(/\r?\n$/, '');
}

const pem = (file: string | undefined): string | undefined => (file ? readFileSync(file, 'utf8') : undefined);

/** The world of a sensor node on this machine: sensors, timers, the broker (mqtt.js) and the buffer file. */
export function sensorIO(o: SensorOptions, topic: string, bufferFile: string, log: (line: string) => void): SensorIO {
  const io: SensorIO = { now: () => Date.now(), log, timer: (ms, fn) => void setTimeout(fn, ms), sensors: sensorSource(o, log) };
  if (o.mqtt) {
    io.mqtt = mqttLink({
      url: o.mqtt,
      clientId: topic,
      username: o.user,
      password: password(o),
      ca: pem(o.ca),
      cert: pem(o.cert),
      key: pem(o.key),
      backoffMaxMs: o.backoffMaxS * 1000,
      log,
    });
    io.buffer = new FileBuffer(bufferFile, o.bufferKiB * 1024, log);
  }
  return io;
}

/** The sensor node's settings, the same on Node, Bun and the board. */
function nodeConfig(o: SensorOptions, stateFile: string) {
  const nodeId = nodeIdForTopic(stateFile);
  return { nodeId, topic: o.topic || defaultTopic(nodeId), teleperiodMs: o.teleperiodMs, discovery: o.discovery, mqttCaps: o.allow as Capability[], version: magniVersion() };
}

const started = (where: string, sensors: number, topic: string, o: SensorOptions) =>
  `Magni sensor node${where}: ${sensors} sensor(s), topic ${topic}, broker ${(o.mqtt || '').replace(/\/\/[^@/]*@/, '//')}`;

/** The sensor node of a loaded MagniNode (started: readings, broker); its ID from the key file. */
export function startSensorNode(node: MagniNode, o: SensorOptions, log: (line: string) => void): SensorNode {
  const c = nodeConfig(o, node.stateFile);
  const s = new SensorNode(node, sensorIO(o, c.topic, node.stateFile + '.mqtt-buffer', log), { ...c, mqttCaps: new Set(c.mqttCaps) });
  s.start();
  if (o.mqtt) log(started('', s.list().length, c.topic, o));
  return s;
}

/** A command line's node with the sensor builtins ([sensor NAME], ...), and no broker. */
export function attachSensors(node: MagniNode, o: SensorOptions, log: (line: string) => void): SensorNode {
  return new SensorNode(node, { now: () => Date.now(), log, timer: (ms, fn) => void setTimeout(fn, ms).unref(), sensors: sensorSource(o, log) }, { nodeId: 'local' });
}

/**
 * `run --board --mqtt URL`: the same sensor node inside the QuickJS board.
 * The board reads the sensors (the simulated ones, and whatever the options
 * add) and reaches the broker and the buffer file only through its host
 * functions, which this machine backs with the same sources, mqtt.js link
 * and file as the node's.
 */
export async function boardSensorMain(o: CliOptions): Promise<number> {
  if (o.web !== null) {
    err('run: the web node does not run on the board: --board --mqtt runs the sensor node alone (drop -w, or --board)');
    return 2;
  }
  const { Board } = await import('../quickjs/board.ts');
  const stateFiles = o.stateFiles.length ? o.stateFiles : ['jml.state'];
  const stateFile = stateFiles[stateFiles.length - 1];
  const lock = lockStateFile(stateFile);
  if (!lock.held) {
    err(`run: ${stateFile} is in use by another Magni process (pid ${lock.holder}); one node per state file (if none runs, remove ${lock.file})`);
    return 1;
  }
  const so = { ...o.sensors, simulate: true };
  let board: import('../quickjs/board.ts').Board;
  let c: ReturnType<typeof nodeConfig>;
  let count: number;
  try {
    c = nodeConfig(so, stateFile);
    const io = sensorIO(so, c.topic, stateFile + '.mqtt-buffer', err);
    count = io.sensors.list().length;
    board = await Board.create({
      stateFiles, maxSteps: o.maxSteps, maxOutput: o.maxOutput, maxTime: o.maxTime, quiet: o.quiet, log: err,
      bundlePath: join(repoRoot(), 'dist', 'board.js'), sampleEvery: o.verbose ? 1 : 0,
      sensors: { source: io.sensors, mqtt: io.mqtt, buffer: io.buffer },
    });
    board.startSensors(c, join(repoRoot(), 'dist', 'board-sensors.js'));
  } catch (e) {
    err('run: ' + (e as Error).message);
    return 1;
  }
  err(started(' (board)', count, c.topic, so));
  if (o.verbose) err(`quickjs heap: ${board.heap().peak} bytes with the sensor node`);
  return untilStopped(() => board.stopSensors().finally(() => board.dispose()));
}
