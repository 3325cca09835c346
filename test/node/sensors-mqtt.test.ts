// The sensor node against a real broker (Mosquitto on a free loopback port),
// as a user runs it: `./run --mqtt URL ...` on Node, on Bun (--bun) and
// inside the QuickJS board (--board), with the simulated sensors and the
// fixture sysfs tree. What Home Assistant and Tasmota tools rely on: the
// LWT, discovery, commands; and the offline buffer: with the broker down for
// 30 s and the node restarted meanwhile, every reading of that time arrives
// after, in order, with its original time, none twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listener, retained, startBroker, type Broker, type Message } from './mosquitto.ts';
import { ROOT, RUN, runSync, sleep, tempDir } from './util.ts';

const PI = join(ROOT, 'test/fixtures/sys-pi');
const ENGINES: [string, string[]][] = [['node', []], ['bun', ['--bun']], ['board', ['--board']]];

let broker: Broker;
const running = new Set<SensorProcess>();
let topics = 0;

/** One `./run --mqtt ...` process (./run execs Node or Bun, so it is the node itself). */
class SensorProcess {
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private constructor(readonly proc: ChildProcess) {
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (t: string) => (this.stderr += t));
    running.add(this);
    this.exited.then(() => running.delete(this));
  }

  /** Start it in dir and wait until it says it runs. */
  static async start(engine: string[], dir: string, topic: string, extra: string[] = [], url = broker.url): Promise<SensorProcess> {
    const args = [...engine, '--mqtt', url, '--mqtt-topic', topic, '--teleperiod-ms', '1000', '--mqtt-backoff-max', '2', '--simulate', '--sys-root', PI, ...extra];
    const p = new SensorProcess(spawn(RUN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }));
    const deadline = Date.now() + 60_000;
    let done = false;
    p.exited.then(() => (done = true));
    while (!/Magni sensor node( \(board\))?: /.test(p.stderr)) {
      if (done || Date.now() > deadline) throw new Error(`./run ${args.join(' ')} did not start: ${p.stderr}`);
      await sleep(20);
    }
    return p;
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }> {
    this.proc.kill(signal);
    return this.exited;
  }
}

const newTopic = (engine: string) => `t${process.pid}_${engine}_${++topics}`;
const times = (ms: Message[]) => ms.map((m) => JSON.parse(m.payload).Time as string);

/** Wait until the retained message on topic is payload (the broker may take a moment). */
async function retainedBecomes(topic: string, payload: string): Promise<Message> {
  let last: Message | undefined;
  for (let i = 0; i < 40; i++) {
    last = await retained(broker.url, topic);
    if (last && last.payload === payload && last.retain) return last; // retained: what a subscriber that comes later sees
    await sleep(100);
  }
  throw new Error(`${topic} holds ${last ? JSON.stringify(last.payload) : 'nothing'}, not ${payload}`);
}

test.before(async () => {
  broker = await startBroker();
});

test.after(async () => {
  for (const p of running) await p.kill('SIGKILL');
  await broker.stop();
});

for (const [name, engine] of ENGINES) {
  test(`${name}: LWT Online retained after connect; after SIGKILL a new subscriber sees Offline; a clean stop says Offline too`, async () => {
    const topic = newTopic(name);
    const dir = tempDir('magni-mqtt-');
    const p = await SensorProcess.start(engine, dir, topic);
    const online = await retainedBecomes(`tele/${topic}/LWT`, 'Online');
    assert.ok(online.retain, 'retained');
    const exit = await p.kill('SIGKILL');
    assert.is(exit.signal, 'SIGKILL');
    const offline = await retainedBecomes(`tele/${topic}/LWT`, 'Offline');
    assert.ok(offline.retain, 'the will, retained');
    const again = await SensorProcess.start(engine, dir, topic);
    await retainedBecomes(`tele/${topic}/LWT`, 'Online');
    const l = await Listener.open(broker.url, [`tele/${topic}/LWT`]);
    const clean = await again.kill('SIGTERM');
    assert.is(clean.code, 0, again.stderr);
    await l.until('Offline on a clean stop', (m) => m.some((x) => x.payload === 'Offline'));
    await l.close();
    assert.is((await retained(broker.url, `tele/${topic}/LWT`))!.payload, 'Offline');
  });

  test(`${name}: discovery config: retained, valid JSON with the required fields, templates that read the real readings`, async () => {
    const topic = newTopic(name);
    const l = await Listener.open(broker.url, [`tele/${topic}/SENSOR`, 'homeassistant/device/+/config']);
    const dir = tempDir('magni-mqtt-');
    const p = await SensorProcess.start(engine, dir, topic);
    await l.until('a reading and the config', (m) => m.some((x) => x.topic.endsWith('/SENSOR')) && m.some((x) => x.payload.includes(`"name":"${topic}"`)));
    const msg = l.messages.find((x) => x.payload.includes(`"name":"${topic}"`))!;
    const nodeId = msg.topic.split('/')[2];
    assert.is(msg.topic, `homeassistant/device/${nodeId}/config`);
    assert.is(nodeId, runSync(dir, ['id']).stdout.split('\n')[0], 'the device is named after the node\'s short ID');
    const kept = await retained(broker.url, msg.topic);
    assert.is(kept!.payload, msg.payload, 'retained');
    const d = JSON.parse(msg.payload);
    assert.equal(d.dev.ids, ['magni_' + nodeId]);
    assert.is(d.dev.name, topic);
    assert.is(d.o.name, 'Magni');
    assert.is(d.availability_topic, `tele/${topic}/LWT`);
    assert.equal([d.payload_available, d.payload_not_available], ['Online', 'Offline']);
    const reading = JSON.parse(l.on(`tele/${topic}/SENSOR`)[0].payload);
    const sensors = Object.values(d.cmps).filter((c: any) => c.p === 'sensor') as Record<string, string>[];
    assert.is(sensors.length, 10, 'eight in the fixture tree and two simulated (a DS18B20 that fails its CRC is still a sensor)');
    for (const c of sensors) {
      for (const k of ['unique_id', 'device_class', 'unit_of_measurement', 'state_topic', 'value_template']) assert.type(c[k], 'string', `${c.name}: ${k}`);
      assert.ok(c.unique_id.startsWith(nodeId + '_'), c.unique_id);
      assert.is(c.state_topic, `tele/${topic}/SENSOR`);
      // the template as Home Assistant reads it: value_json['DEVICE']['Quantity']
      const path = [...c.value_template.matchAll(/\['([^']+)'\]/g)].map((m) => m[1]);
      const v = path.reduce((o: any, k) => o?.[k], reading);
      if (c.name !== 'DS18B20-2') assert.type(v, 'number', `${c.name}: ${c.value_template} in ${JSON.stringify(reading)}`);
    }
    const relay = (Object.values(d.cmps) as Record<string, string>[]).find((c) => c.name === 'Relay1')!;
    assert.equal([relay.p, relay.command_topic, relay.state_topic], ['switch', `cmnd/${topic}/POWER`, `stat/${topic}/POWER`]);
    // Home Assistant comes online: the config again
    const before = l.messages.length;
    await l.publish('homeassistant/status', 'online');
    await l.until('the config again', (m) => m.slice(before).some((x) => x.topic === msg.topic));
    await l.close();
    await p.kill('SIGTERM');
  });

  test(`${name}: cmnd changes the teleperiod and answers on stat/NAME/RESULT; Power drives the output; an owner's cmnd- macro answers`, async () => {
    const topic = newTopic(name);
    const dir = tempDir('magni-mqtt-');
    writeFileSync(join(dir, 'jml.state'), '[macro cmnd-Hello @x]hello @x[/macro]\n');
    const l = await Listener.open(broker.url, [`tele/${topic}/SENSOR`, `stat/${topic}/#`]);
    const p = await SensorProcess.start(engine, dir, topic);
    await l.until('two readings, a second apart', (m) => m.filter((x) => x.topic.endsWith('SENSOR')).length >= 2);
    const sent = Date.now();
    await l.publish(`cmnd/${topic}/TelePeriod`, '10');
    await l.until('the answer', (m) => m.some((x) => x.payload === '{"TelePeriod":10}'));
    // readings taken after the command fall on multiples of 10 s; wait for the next one
    const after = () => l.on(`tele/${topic}/SENSOR`).filter((x) => Date.parse(JSON.parse(x.payload).Time) >= Math.floor(sent / 1000) * 1000 + 1000);
    await l.until('the next reading, on a multiple of 10 s', () => after().length >= 1, 15_000);
    assert.equal(after().map((x) => Date.parse(JSON.parse(x.payload).Time) % 10_000), [0], 'one reading since, at :X0');
    await l.publish(`cmnd/${topic}/Power`, 'ON');
    await l.publish(`cmnd/${topic}/Hello`, 'world [fac 3]');
    await l.publish(`cmnd/${topic}/Status`, '');
    await l.until('the answers', (m) => m.some((x) => x.payload.startsWith('{"Status"')));
    const results = l.on(`stat/${topic}/RESULT`).map((x) => x.payload);
    assert.ok(results.includes('{"POWER":"ON"}'), results.join('\n'));
    assert.ok(results.includes('{"Hello":"hello world [fac 3]"}'), results.join('\n'));
    const status = JSON.parse(results.find((x) => x.startsWith('{"Status"'))!).Status;
    assert.is(status.TelePeriod, 10);
    assert.equal(status.Outputs, { Relay1: 'ON' });
    assert.ok(l.on(`stat/${topic}/POWER`).some((x) => x.payload === 'ON'));
    await l.close();
    await p.kill('SIGTERM');
  });
}

test('node: a broker with TLS (mqtts://, --mqtt-ca) and a password (--mqtt-user, --mqtt-password-file); a wrong password, an unknown CA: refused, and said so', async () => {
  const dir = tempDir('magni-tls-');
  const ssl = (...args: string[]) => assert.is(spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' }).status, 0, 'openssl ' + args.join(' '));
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Magni test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext');
  assert.is(spawnSync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwords'), 'magni', 's3cret']).status, 0);
  writeFileSync(join(dir, 'good'), 's3cret\n');
  writeFileSync(join(dir, 'bad'), 'guess\n');
  const secure = await startBroker({
    scheme: 'mqtts', anonymous: false,
    extra: [`cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`, `password_file ${dir}/passwords`],
  });
  try {
    const topic = newTopic('tls');
    const creds = ['--mqtt-user', 'magni', '--mqtt-ca', join(dir, 'ca.crt')];
    const l = await Listener.open(secure.url, [`tele/${topic}/#`], { ca: readFileSync(join(dir, 'ca.crt')), username: 'magni', password: 's3cret' });
    const good = await SensorProcess.start([], tempDir('magni-mqtt-'), topic, [...creds, '--mqtt-password-file', join(dir, 'good')], secure.url);
    await l.until('Online and a reading over TLS', (m) => m.some((x) => x.payload === 'Online') && m.some((x) => x.topic.endsWith('/SENSOR')));
    await l.close();
    await good.kill('SIGTERM');
    const bad = await SensorProcess.start([], tempDir('magni-mqtt-'), newTopic('tls'), [...creds, '--mqtt-password-file', join(dir, 'bad')], secure.url);
    const untrusted = await SensorProcess.start([], tempDir('magni-mqtt-'), newTopic('tls'), ['--mqtt-user', 'magni', '--mqtt-password-file', join(dir, 'good')], secure.url);
    for (let i = 0; i < 100 && !(/cannot connect/.test(bad.stderr) && /cannot connect/.test(untrusted.stderr)); i++) await sleep(50);
    assert.match(bad.stderr, /mqtt: cannot connect to mqtts:\/\/127\.0\.0\.1:\d+: .*(Not authorized|Bad User Name or Password).*; next attempt in \d/);
    assert.match(untrusted.stderr, /mqtt: cannot connect to mqtts:\/\/127\.0\.0\.1:\d+: .*(self[- ]signed|unable to verify|certificate)/i);
    assert.not.match(bad.stderr + untrusted.stderr, /s3cret|guess/, 'no password in the log');
    await bad.kill('SIGTERM');
    await untrusted.kill('SIGTERM');
  } finally {
    await secure.stop();
  }
});

test('the broker stopped for 30 s and each node restarted meanwhile (Node, Bun, the board): every reading of that time arrives after, in order, with its original time, none twice', async () => {
  const nodes = ENGINES.map(([name, engine]) => ({ name, engine, topic: newTopic(name), dir: tempDir('magni-outage-') }));
  // one subscriber whose session (QoS 1) outlives the broker's restart: it misses nothing
  const l = await Listener.open(broker.url, nodes.map((n) => `tele/${n.topic}/SENSOR`), { clientId: `outage-${process.pid}`, clean: false });
  const procs = await Promise.all(nodes.map((n) => SensorProcess.start(n.engine, n.dir, n.topic)));
  await l.until('readings from every node', (m) => nodes.every((n) => m.filter((x) => x.topic === `tele/${n.topic}/SENSOR`).length >= 2));
  // readings are taken on the second: stopping the broker mid-second keeps out of the one window where a
  // reading could arrive twice (the broker has it, and dies before its acknowledgement reaches the node)
  await sleep(1500 - (Date.now() % 1000));
  const down = Date.now();
  await broker.stop();
  await sleep(12_000);
  // restarted while the broker is away: a clean stop cannot reach it, the buffer on disk keeps the readings
  for (const [i, p] of procs.entries()) {
    const exit = await p.kill('SIGTERM');
    assert.is(exit.code, 0, nodes[i].name + ': ' + p.stderr);
  }
  const again = await Promise.all(nodes.map((n) => SensorProcess.start(n.engine, n.dir, n.topic)));
  await sleep(Math.max(0, 30_000 - (Date.now() - down)));
  // what each node holds for the broker now: its buffer file, a reading per line after the header
  const waiting = nodes.map((n) => readFileSync(join(n.dir, 'jml.state.mqtt-buffer'), 'utf8').split('\n').slice(1).filter(Boolean));
  await broker.start();
  for (const [i, n] of nodes.entries()) {
    const last = JSON.parse(waiting[i].at(-1)!).Time;
    await l.until(`${n.name}: its buffered readings`, (m) => m.some((x) => x.topic === `tele/${n.topic}/SENSOR` && JSON.parse(x.payload).Time === last), 30_000);
  }
  await sleep(1500); // anything sent twice would come now
  for (const [i, n] of nodes.entries()) {
    const got = l.on(`tele/${n.topic}/SENSOR`);
    const t = times(got);
    const at = t.map((x) => Date.parse(x));
    const story = () => `broker down at ${new Date(down).toISOString()}; heard:\n` + got.map((m) => `${JSON.parse(m.payload).Time} at ${new Date(m.at).toISOString()}${m.dup ? ' dup' : ''}`).join('\n');
    for (let k = 1; k < at.length; k++) assert.ok(at[k] > at[k - 1], `${n.name}: in order, none twice: ${t[k - 1]} then ${t[k]}; ${story()}`);
    for (const line of waiting[i]) assert.ok(got.some((x) => x.payload === line), `${n.name}: the buffered reading ${line} arrived as it was taken`);
    const during = at.filter((x) => x > down && x < down + 30_000);
    assert.ok(waiting[i].length >= 20, `${n.name}: ${waiting[i].length} readings waited`);
    // every second of the outage has its reading, but for the seconds the node was restarting
    const gaps = during.slice(1).map((x, k) => x - during[k]).filter((g) => g > 1000);
    assert.ok(gaps.length <= 1 && (gaps[0] ?? 0) <= 8000, `${n.name}: one gap, the restart: ${gaps}`);
    assert.ok(during.length >= 20, `${n.name}: ${during.length} readings from the outage`);
  }
  await l.close();
  for (const p of again) await p.kill('SIGTERM');
});

test.run();
