// The sensor node's figures, against a real Mosquitto on loopback:
//  - readings published per second: the whole path of a reading (sample the
//    simulated sensors, append it to the buffer file with fsync, publish with
//    QoS 1, PUBACK, leave the buffer), with a teleperiod of 1 ms; and the
//    drain of a backlog (2,000 readings taken while the broker was away);
//    in-process on Node, on Bun and on the QuickJS board;
//  - idle: RSS and CPU of `./run --mqtt URL --teleperiod 10 --simulate` (and
//    --bun, --board) over 30 s, as real processes (target: near zero CPU
//    between readings).
// Prints a Markdown table.
//   node bench/sensors.mjs [--seconds S] [--idle S] [--backlog N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './ports.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN = join(ROOT, 'run');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const onBun = 'Bun' in globalThis;

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('--seconds', 5));
const IDLE = Number(arg('--idle', 30));
const BACKLOG = Number(arg('--backlog', 2000));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** TypeScript sources: Bun imports them; Node through tsx. */
async function load(path) {
  const url = pathToFileURL(join(ROOT, path)).href;
  if (onBun) return import(url);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url, import.meta.url);
}


async function startBroker(dir) {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nlog_type error\nmax_queued_messages 100000\n`);
  const proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (up) return { url: `mqtt://127.0.0.1:${port}`, stop: () => proc.kill('SIGTERM') };
    await sleep(50);
  }
  throw new Error('mosquitto did not start');
}

/** A subscriber counting the readings on topic. */
async function counter(url, topic) {
  const { default: mqtt } = await import('mqtt');
  const c = mqtt.connect(url, { reconnectPeriod: 0 });
  const seen = { n: 0, first: 0, last: 0 };
  c.on('message', () => {
    seen.n++;
    seen.last = performance.now();
    if (seen.n === 1) seen.first = seen.last;
  });
  await new Promise((r) => c.once('connect', () => c.subscribe(topic, { qos: 1 }, r)));
  return { seen, close: () => c.end(true) };
}

/** The world of one in-process sensor node: simulated sensors, the mqtt.js link, the buffer file. */
async function world(url, topic, dir) {
  const { simulatedSensors } = await load('firmware-shims/simulated-sensors.ts');
  const { mqttLink } = await load('firmware-shims/mqtt-client.ts');
  const { FileBuffer } = await load('firmware-shims/offline-buffer.ts');
  return {
    source: simulatedSensors(1, Date.now),
    mqtt: mqttLink({ url, clientId: topic, log: () => {}, backoffMaxMs: 1000 }),
    buffer: new FileBuffer(join(dir, topic + '.buffer'), 8 << 20, () => {}),
  };
}

/** Readings per second, live (teleperiod 1 ms) and draining a backlog, for engine 'node'/'bun' (in this process) or 'board'. */
async function throughput(engine, url) {
  const dir = mkdtempSync(join(tmpdir(), 'magni-bench-sensors-'));
  try {
    const result = {};
    for (const phase of ['live', 'drain']) {
      const topic = `bench_${engine}_${phase}_${process.pid}`;
      const sub = await counter(url, `tele/${topic}/SENSOR`);
      const w = await world(url, topic, dir);
      if (phase === 'drain') for (let i = 0; i < BACKLOG; i++) w.buffer.push(JSON.stringify({ Time: new Date(Date.now() - (BACKLOG - i) * 1000).toISOString().slice(0, 19) + 'Z', SIM: { Temperature: 21.5, Humidity: 45.1 }, TempUnit: 'C' }));
      // drain: a teleperiod that never comes; live: every millisecond
      const config = { nodeId: 'bench', topic, teleperiodMs: phase === 'live' ? 1 : 3_600_000, discovery: false };
      let stop;
      if (engine === 'board') {
        const { Board } = await load('targets/quickjs/board.ts');
        const board = await Board.create({ stateFiles: [join(dir, topic + '.state')], quiet: true, log: () => {}, sampleEvery: 0, sensors: w });
        board.startSensors(config);
        stop = async () => {
          await board.stopSensors();
          result.heap = board.heap().peak;
          board.dispose();
        };
      } else {
        const { MagniNode } = await load('runtime/index.ts');
        const { nodeHost } = await load('targets/node/host.ts');
        const { SensorNode } = await load('runtime/sensors/index.ts');
        const node = new MagniNode(nodeHost(() => {}), { stateFiles: [join(dir, topic + '.state')], quiet: true });
        node.load();
        const s = new SensorNode(node, { now: Date.now, log: () => {}, timer: (ms, fn) => void setTimeout(fn, ms), sensors: w.source, mqtt: w.mqtt, buffer: w.buffer }, config);
        s.start();
        stop = () => s.stop();
      }
      if (phase === 'live') {
        await sleep(1000); // connected and going
        const n0 = sub.seen.n;
        const t0 = performance.now();
        await sleep(SECONDS * 1000);
        result.live = ((sub.seen.n - n0) * 1000) / (performance.now() - t0);
      } else {
        const deadline = Date.now() + 120_000;
        while (sub.seen.n < BACKLOG && Date.now() < deadline) await sleep(20);
        result.drain = sub.seen.n >= BACKLOG ? ((BACKLOG - 1) * 1000) / (sub.seen.last - sub.seen.first) : NaN;
      }
      await stop();
      w.buffer.close();
      sub.close();
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU ticks (user + system) and RSS (KiB) of a process, from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return { ticks: Number(f[11]) + Number(f[12]), rss };
}
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** RSS and CPU of real `./run --mqtt` processes, idle between readings (teleperiod 10 s). */
async function idle(url) {
  const engines = { node: [], bun: ['--bun'], board: ['--board'] };
  const procs = {};
  for (const [name, flags] of Object.entries(engines)) {
    const dir = mkdtempSync(join(tmpdir(), 'magni-bench-idle-'));
    const args = [...flags, '-v', '--mqtt', url, '--mqtt-topic', `idle_${name}_${process.pid}`, '--teleperiod', '10', '--simulate'];
    const proc = spawn(RUN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    procs[name] = { proc, dir, err: () => err };
  }
  await sleep(5000); // started, connected, a reading or two
  const before = Object.fromEntries(Object.entries(procs).map(([n, p]) => [n, usage(p.proc.pid)]));
  await sleep(IDLE * 1000);
  const out = {};
  for (const [n, p] of Object.entries(procs)) {
    const after = usage(p.proc.pid);
    const heap = /quickjs heap: (\d+) bytes/.exec(p.err());
    out[n] = { cpu: ((after.ticks - before[n].ticks) / HZ / IDLE) * 100, rss: after.rss / 1024, heap: heap ? Number(heap[1]) : undefined };
    p.proc.kill('SIGTERM');
    await new Promise((r) => p.proc.once('exit', r));
    rmSync(p.dir, { recursive: true, force: true });
  }
  return out;
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '-');

if (process.argv.includes('--child')) {
  // one engine's throughput, in this process (Bun runs this part of the bench itself)
  const r = await throughput(arg('--engine'), arg('--broker'));
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}

if (!existsSync('/usr/sbin/mosquitto')) throw new Error('the bench needs Mosquitto: apt-get install -y mosquitto');
spawnSync('node', [join(ROOT, 'build.mjs'), '--quiet', '--no-heap'], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'magni-bench-broker-'));
const broker = await startBroker(dir);
try {
  const rows = {};
  rows.node = await throughput('node', broker.url);
  const bun = spawnSync(BUN, [fileURLToPath(import.meta.url), '--child', '--engine', 'bun', '--broker', broker.url], { encoding: 'utf8', timeout: 300_000 });
  rows.bun = bun.status === 0 ? JSON.parse(bun.stdout.trim().split('\n').at(-1)) : { live: NaN, drain: NaN };
  if (bun.status !== 0) console.error('bun: ' + bun.stderr);
  rows.board = await throughput('board', broker.url);
  const quiet = await idle(broker.url);
  console.log(`Readings published per second (whole path: sample, buffer file with fsync, QoS 1 publish, PUBACK), ${SECONDS} s live and a backlog of ${BACKLOG}; idle over ${IDLE} s with a 10 s teleperiod.\n`);
  console.log('| engine | readings/s, live (1 ms teleperiod) | readings/s, draining a backlog | idle CPU | idle RSS | QuickJS heap |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const n of ['node', 'bun', 'board']) {
    const r = rows[n];
    const q = quiet[n];
    const heap = q.heap ?? r.heap;
    console.log(`| ${n} | ${fmt(r.live)} | ${fmt(r.drain)} | ${fmt(q.cpu, 2)} % | ${fmt(q.rss, 1)} MB | ${heap ? fmt(heap / 1024, 0) + ' KiB' : ''} |`);
  }
} finally {
  broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
