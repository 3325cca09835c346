// The sensor node's pure part (runtime/sensors, the sysfs parsers, the
// simulated source) on Node, Bun and QuickJS: what is parsed, what is
// published where and in what shape, and the node's behaviour against a
// broker the test drives. The real broker and processes: test/node/sensors-*.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MagniNode, VISITOR } from '../runtime/index.ts';
import {
  badFilter, badTopic, combineSources, discoveryPayload, discoveryTopic, payloadTime, powerValue, reconnectDelay, roundTo, sensorPayload,
  SensorNode, topicMatches, topicsOf, type SensorInfo, type SensorNodeOptions,
} from '../runtime/sensors/index.ts';
import { iioValue, parseDecimal, parseMilli, parseW1Slave } from '../firmware-shims/sysfs-parse.ts';
import { simulatedSensors, simulatedValues } from '../firmware-shims/simulated-sensors.ts';
import { memHost } from './memhost.ts';
import { WebNode } from '../runtime/web/index.ts';
import { utf8Encode } from '../jml/utf8.ts';
import { ManualClock, settled, testIO } from './sensorio.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

// ---- sysfs, parsed exactly ---------------------------------------------------

test('w1_slave: a YES reading in milli-degrees, negative ones too; a NO is refused, and so is the 85 °C power-on value', () => {
  assert.is(parseW1Slave('5f 01 4b 46 7f ff 01 10 5e : crc=5e YES\n5f 01 4b 46 7f ff 01 10 5e t=21937\n'), 21.937);
  assert.is(parseW1Slave('ec ff 4b 46 7f ff 0c 10 9b : crc=9b YES\nec ff 4b 46 7f ff 0c 10 9b t=-1250\n'), -1.25);
  assert.throws(() => parseW1Slave('50 05 4b 46 7f ff 0c 10 1c : crc=ff NO\n50 05 4b 46 7f ff 0c 10 1c t=21000\n'), /CRC check failed \(NO\)/);
  assert.throws(() => parseW1Slave('50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n'), /power-on value/);
  assert.throws(() => parseW1Slave(''), /no crc=/);
  assert.throws(() => parseW1Slave('.. : crc=5e YES\n.. t=\n'), /no t=/);
});

test('thermal and IIO _input: milli-units; IIO _raw: (raw + offset) * scale', () => {
  assert.is(parseMilli('45277\n', 'temp'), 45.277);
  assert.is(parseMilli('-5125\n', 'temp'), -5.125);
  assert.throws(() => parseMilli('45.2\n', 'thermal_zone0/temp'), /thermal_zone0\/temp: not a number of milli-units/);
  assert.throws(() => parseMilli('', 'temp'), /not a number/);
  assert.is(iioValue(1500, -2000, 2.5), -1.25);
  assert.is(iioValue(3200, 0, 12.5), 40);
  assert.is(iioValue(26214, 0, parseDecimal('1.525879\n', 'scale')), 39.999392);
  assert.throws(() => parseDecimal('1e3', 'in_temp_scale'), /in_temp_scale: not a decimal/);
});

// ---- what is published -------------------------------------------------------

const info = (name: string, kind: SensorInfo['kind'], device = name, quantity = 'Temperature', id?: string): SensorInfo => ({
  name, device, quantity, kind, unit: kind === 'temperature' ? '°C' : kind === 'humidity' ? '%' : '', ...(id ? { id } : {}),
});

test("tele/NAME/SENSOR is Tasmota's shape: Time first, devices with Id and quantities, switches as ON/OFF, TempUnit last", () => {
  const p = sensorPayload(T0, [
    { info: info('DS18B20-1', 'temperature', 'DS18B20-1', 'Temperature', '0316A27977A1'), value: 21.937 },
    { info: info('DHT22.Temperature', 'temperature', 'DHT22'), value: -1.25 },
    { info: info('DHT22.Humidity', 'humidity', 'DHT22', 'Humidity'), value: 41.55 },
    { info: info('Door', 'switch', 'Door', 'Switch'), value: 1 },
    { info: info('Relay1', 'output', 'Relay1', 'Power'), value: 1 },
  ]);
  assert.is(p, '{"Time":"2026-11-21T12:00:00Z","DS18B20-1":{"Id":"0316A27977A1","Temperature":21.9},"DHT22":{"Temperature":-1.3,"Humidity":41.6},"Door":"ON","TempUnit":"C"}');
  assert.is(payloadTime(p), T0);
  assert.is(sensorPayload(T0, [{ info: info('H', 'humidity', 'H', 'Humidity'), value: 50 }]), '{"Time":"2026-11-21T12:00:00Z","H":{"Humidity":50}}');
});

test('rounding is half away from zero, as Tasmota shows it', () => {
  assert.equal([21.937, -1.25, 1.25, 0.05, -0.04, 23.125].map((v) => roundTo(v, 1)), [21.9, -1.3, 1.3, 0.1, 0, 23.1]);
  assert.ok(Object.is(roundTo(-0.04, 1), 0), 'no negative zero');
});

test('topics: Tasmota prefixes; filters match as MQTT says; bad topics and filters are refused', () => {
  const t = topicsOf('pi1');
  assert.equal([t.sensor, t.lwt, t.cmnd, t.result, t.stat], ['tele/pi1/SENSOR', 'tele/pi1/LWT', 'cmnd/pi1/', 'stat/pi1/RESULT', 'stat/pi1/']);
  const cases: [string, string, boolean][] = [
    ['a/b', 'a/b', true], ['a/+', 'a/b', true], ['a/+', 'a/b/c', false], ['a/#', 'a', true], ['a/#', 'a/b/c', true], ['#', 'x/y', true],
    ['+/+', 'a/b', true], ['+', '/', false], ['+/+', '/', true], ['#', '$SYS/x', false], ['$SYS/#', '$SYS/x', true], ['a/b', 'a/c', false],
  ];
  for (const [f, topic, want] of cases) assert.is(topicMatches(f, topic), want, `${f} ~ ${topic}`);
  assert.is(badFilter('a/#'), '');
  assert.match(badFilter('a/#/b'), /#/);
  assert.match(badFilter('a/b+'), /\+/);
  assert.match(badFilter(''), /empty/);
  assert.match(badTopic('a/+'), /wildcard/);
  assert.match(badTopic('a\x00b'), /control/);
  assert.match(badTopic('x'.repeat(300)), /longer/);
  assert.is(badTopic('home/pi/out'), '');
});

test('Home Assistant device discovery: dev, o, cmps with platform, unique_id, class, unit, state topic and template, availability', () => {
  const sensors = [info('DS18B20-1', 'temperature', 'DS18B20-1', 'Temperature', '0316A27977A1'), info('DHT22.Humidity', 'humidity', 'DHT22', 'Humidity'),
    info('Door', 'switch', 'Door', 'Switch'), info('Relay1', 'output', 'Relay1', 'Power')];
  const o = { nodeId: 'abc123', topics: topicsOf('pi1'), version: '0.1.0' };
  assert.is(discoveryTopic(o), 'homeassistant/device/abc123/config');
  const d = JSON.parse(discoveryPayload(sensors, o));
  assert.equal(d.dev, { ids: ['magni_abc123'], name: 'pi1', mf: 'Magni', mdl: 'Magni sensor node', sw: '0.1.0' });
  assert.equal(d.o, { name: 'Magni', sw: '0.1.0' });
  assert.equal([d.availability_topic, d.payload_available, d.payload_not_available], ['tele/pi1/LWT', 'Online', 'Offline']);
  const t = d.cmps['abc123_DS18B20-1'];
  assert.equal(t, { p: 'sensor', name: 'DS18B20-1', unique_id: 'abc123_DS18B20-1', device_class: 'temperature', state_class: 'measurement',
    unit_of_measurement: '°C', state_topic: 'tele/pi1/SENSOR', value_template: "{{ value_json['DS18B20-1']['Temperature'] }}" });
  assert.is(d.cmps['abc123_DHT22_Humidity'].value_template, "{{ value_json['DHT22']['Humidity'] }}");
  assert.is(d.cmps['abc123_DHT22_Humidity'].unit_of_measurement, '%');
  assert.equal(d.cmps.abc123_Door.p, 'binary_sensor');
  assert.equal([d.cmps.abc123_Relay1.p, d.cmps.abc123_Relay1.command_topic, d.cmps.abc123_Relay1.state_topic], ['switch', 'cmnd/pi1/POWER', 'stat/pi1/POWER']);
});

test('reconnecting waits 1 s to 60 s, doubling, with jitter', () => {
  const low = (n: number) => reconnectDelay(n, () => 0);
  const high = (n: number) => reconnectDelay(n, () => 0.999999);
  assert.equal([0, 1, 2, 3, 4, 5, 6, 20].map(low), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal([0, 1, 2, 3, 4, 5, 6, 20].map(high), [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  assert.is(reconnectDelay(3, () => 0.999999, 5000), 5000, 'a smaller cap (tests) caps');
  assert.is(reconnectDelay(3, () => 0, 5000), 2500);
});

test('Power commands take ON, OFF, TOGGLE, 1, 0 or nothing', () => {
  assert.equal(['on', 'OFF', '1', '0', 'toggle', 'TOGGLE', '', 'maybe'].map((p) => powerValue(p, 1)), [1, 0, 1, 0, 0, 0, 'ask', null]);
});

test('the simulated sensors are deterministic per seed and second; Relay1 is an output', async () => {
  assert.equal(simulatedValues(7, T0), simulatedValues(7, T0 + 999));
  assert.not.equal(simulatedValues(7, T0), simulatedValues(8, T0));
  const clock = new ManualClock(T0);
  const s = simulatedSensors(7, clock.now);
  assert.equal(s.list().map((i) => i.name), ['SIM.Temperature', 'SIM.Humidity', 'Relay1']);
  assert.is(await s.read('SIM.Temperature'), simulatedValues(7, T0).temperature);
  await s.write!('Relay1', 1);
  assert.is(await s.read('Relay1'), 1);
  await s.write!('SIM.Temperature', 1).then(() => assert.unreachable('not an output'), (e: Error) => assert.match(e.message, /not an output/));
  assert.throws(() => combineSources([s, simulatedSensors(1, clock.now)]), /two sensors are named SIM.Temperature/);
});

// ---- the node against a broker the test drives ---------------------------------

function sensorNode(opts: Partial<SensorNodeOptions> = {}, withBroker = true) {
  const clock = new ManualClock(T0 + 400);
  const io = testIO(simulatedSensors(1, clock.now), clock, withBroker);
  const node = new MagniNode(memHost(), { quiet: true });
  node.load();
  const s = new SensorNode(node, io, { nodeId: 'abc123', topic: 'pi1', teleperiodMs: 10_000, version: '0.1.0', ...opts });
  return { s, io, clock, broker: io.broker, node };
}

test('on connect: Online retained, Offline as the will, commands and Home Assistant subscribed, discovery retained', async () => {
  const { s, broker } = sensorNode();
  s.start();
  assert.equal(broker.will, { topic: 'tele/pi1/LWT', payload: 'Offline' });
  broker.connect();
  await settled();
  assert.equal(broker.published[0], { topic: 'tele/pi1/LWT', payload: 'Online', retain: true });
  assert.equal(broker.subscribed, ['cmnd/pi1/#', 'homeassistant/status']);
  const disc = broker.published.find((p) => p.topic === 'homeassistant/device/abc123/config')!;
  assert.ok(disc.retain);
  assert.equal(Object.keys(JSON.parse(disc.payload).cmps), ['abc123_SIM_Temperature', 'abc123_SIM_Humidity', 'abc123_Relay1']);
  assert.equal(broker.on('stat/pi1/POWER'), ['OFF']);
  broker.published = [];
  broker.send('homeassistant/status', 'online');
  await settled();
  assert.equal(broker.published.map((p) => p.topic), ['homeassistant/device/abc123/config', 'stat/pi1/POWER', 'stat/pi1/RESULT'], 'announced again');
  await s.stop();
  assert.equal(broker.published.at(-1), { topic: 'tele/pi1/LWT', payload: 'Offline', retain: true });
});

test('a reading at every multiple of the teleperiod (none at start), to tele/NAME/SENSOR', async () => {
  const { s, broker, clock } = sensorNode();
  s.start();
  broker.connect();
  await clock.advance(35_000);
  const times = broker.on('tele/pi1/SENSOR').map(payloadTime);
  assert.equal(times, [T0 + 10_000, T0 + 20_000, T0 + 30_000]);
  const first = JSON.parse(broker.on('tele/pi1/SENSOR')[0]);
  assert.equal(Object.keys(first), ['Time', 'SIM', 'TempUnit']);
  assert.is(first.SIM.Temperature, roundTo(simulatedValues(1, T0 + 10_000).temperature, 1));
});

test('a timer that fires a moment early gives no second reading of one second', async () => {
  const { s, io, clock } = sensorNode();
  const timer = io.timer;
  io.timer = (ms, fn) => timer(ms > 100 ? ms - 3 : ms, fn); // 3 ms early, as a timer may be
  s.start();
  await clock.advance(30_000);
  assert.equal(io.memory.lines.map(payloadTime), [T0 + 10_000, T0 + 20_000, T0 + 30_000]);
});

test('a node restarted within a teleperiod gives no second reading of the same second', async () => {
  const first = sensorNode();
  first.s.start();
  await first.clock.advance(9_700); // one reading, at T0 + 10 s
  await first.s.stop();
  const second = sensorNode();
  second.clock.t = first.clock.t;
  second.io.memory.lines = first.io.memory.lines; // the same buffer file
  second.s.start();
  await second.clock.advance(20_000);
  assert.equal(second.io.memory.lines.map(payloadTime), [T0 + 10_000, T0 + 20_000, T0 + 30_000]);
});

test('readings taken while the broker is away wait in the buffer and go out in order, each once, when it is back', async () => {
  const { s, io, broker, clock } = sensorNode();
  s.start();
  broker.connect();
  await clock.advance(15_000);
  broker.cut();
  await clock.advance(40_000);
  assert.is(io.memory.count(), 4, 'four readings waiting');
  broker.connect();
  await settled();
  const times = broker.on('tele/pi1/SENSOR').map(payloadTime);
  assert.equal(times, [T0 + 10_000, T0 + 20_000, T0 + 30_000, T0 + 40_000, T0 + 50_000]);
  assert.is(io.memory.count(), 0);
  assert.match(io.logs.join('\n'), /disconnected \(cut by the test\); readings wait in the buffer/);
});

test('a connection lost in the middle of sending: what the broker acknowledged leaves the buffer, the rest goes again after', async () => {
  const { s, io, broker, clock } = sensorNode();
  s.start();
  await clock.advance(60_000); // six readings, no broker
  assert.is(io.memory.count(), 6);
  broker.holdAcks = true;
  broker.connect();
  await settled();
  broker.ack(2); // Online, discovery
  broker.ack(2); // two readings (the outputs' states come after: they wait for a read)
  await settled();
  broker.cut();
  await settled();
  assert.is(io.memory.count(), 4, 'the two acknowledged readings left');
  broker.holdAcks = false;
  broker.connect();
  await settled();
  assert.equal(broker.on('tele/pi1/SENSOR').map(payloadTime), [10, 20, 30, 40, 50, 60].map((k) => T0 + k * 1000));
});

test('cmnd/NAME/TelePeriod answers and sets the teleperiod (10 to 3600 s); a bad value is refused', async () => {
  const { s, broker, clock } = sensorNode();
  s.start();
  broker.connect();
  await settled();
  broker.published = [];
  broker.send('cmnd/pi1/TelePeriod', '');
  broker.send('cmnd/pi1/teleperiod', '60');
  broker.send('cmnd/pi1/TELEPERIOD', '5');
  broker.send('cmnd/pi1/TelePeriod', 'abc');
  await settled();
  assert.equal(broker.on('stat/pi1/RESULT'), [
    '{"TelePeriod":10}', '{"TelePeriod":60}',
    '{"Command":"Error","Error":"TelePeriod takes 10 to 3600 seconds, not 5"}', '{"Command":"Error","Error":"TelePeriod takes 10 to 3600 seconds, not abc"}',
  ]);
  assert.is(s.teleperiodMs, 60_000);
  await clock.advance(130_000);
  assert.equal(broker.on('tele/pi1/SENSOR').map(payloadTime), [T0 + 60_000, T0 + 120_000], 'every minute now, on the minute');
});

test('Status, Status 10, Power, an unknown command', async () => {
  const { s, broker } = sensorNode();
  s.start();
  broker.connect();
  await settled();
  broker.published = [];
  for (const [c, p] of [['Status', ''], ['Status', '10'], ['Power', 'ON'], ['POWER', ''], ['Power1', 'toggle'], ['Power2', 'ON'], ['Power', 'maybe'], ['Nope', 'x']])
    broker.send('cmnd/pi1/' + c, p);
  await settled(60);
  const rest = broker.on('stat/pi1/RESULT');
  const status = JSON.parse(rest.find((x) => x.startsWith('{"Status":'))!).Status;
  assert.is(status.Topic, 'pi1');
  assert.equal(status.Sensors, ['SIM.Temperature', 'SIM.Humidity']);
  assert.is(status.TelePeriod, 10);
  assert.ok(status.Connected);
  const sns = JSON.parse(rest.find((x) => x.startsWith('{"StatusSNS":'))!).StatusSNS;
  assert.equal(Object.keys(sns), ['Time', 'SIM', 'TempUnit']);
  assert.ok(rest.includes('{"POWER":"ON"}'));
  assert.ok(rest.includes('{"Command":"Unknown"}'), 'Power2: no second output; Nope: no such command');
  assert.ok(rest.includes('{"Command":"Error","Error":"Power takes ON, OFF, TOGGLE, 1, 0 or nothing"}'));
  assert.equal(broker.on('stat/pi1/POWER'), ['ON', 'OFF'], 'the state after ON, then after TOGGLE');
});

test("cmnd/NAME/<Command> calls the owner's cmnd-<Command> macro with the payload, as a visitor unless allowed more", async () => {
  const { s, broker, node } = sensorNode();
  await node.evalLine('[macro cmnd-Hello @x]hello @x[/macro][macro cmnd-Keep $x][data kept $x]ok[/macro][macro cmnd-Relay $v][gpio-set Relay1 $v][/macro]');
  s.start();
  broker.connect();
  await settled();
  broker.published = [];
  broker.send('cmnd/pi1/hello', 'world [fac 5]');
  broker.send('cmnd/pi1/Keep', '1');
  broker.send('cmnd/pi1/Relay', '1');
  await settled(60);
  assert.equal(broker.on('stat/pi1/RESULT'), [
    '{"hello":"hello world [fac 5]"}',
    '{"Keep":"%(ERROR:not allowed here: data)ok"}',
    '{"Relay":"%(ERROR:not allowed here: gpio-set)"}',
  ]);
  assert.not.ok(node.interp.macros.has('data-kept'));
  // the owner allows outputs
  const allowed = sensorNode({ mqttCaps: new Set(['outputs']) });
  await allowed.node.evalLine('[macro cmnd-Relay $v][gpio-set Relay1 $v][/macro]');
  allowed.s.start();
  allowed.broker.connect();
  await settled();
  allowed.broker.send('cmnd/pi1/Relay', '1');
  await settled(60);
  assert.ok(allowed.broker.on('stat/pi1/RESULT').includes('{"Relay":"1"}'));
  assert.equal(allowed.broker.on('stat/pi1/POWER'), ['OFF', 'ON']);
});

test('JML: [sensors], [sensor NAME], [gpio-set NAME 1] (outputs), [publish TOPIC TEXT] (outputs)', async () => {
  const { s, broker, node } = sensorNode();
  s.start();
  broker.connect();
  await settled();
  const run = async (line: string, caps?: typeof VISITOR) => (await node.evalLine(line, caps ? { caps } : {})).output;
  assert.is(await run('[sensors]'), 'SIM.Temperature SIM.Humidity Relay1 ');
  assert.is(await run('[sensor SIM.Temperature]'), String(simulatedValues(1, T0 + 400).temperature));
  assert.is(await run('[sensor Nope]'), '%(ERROR:sensor: no sensor named Nope ([sensors] lists them))');
  assert.is(await run('[gpio-set Relay1 1]'), '1');
  assert.is(await run('[sensor Relay1]'), '1');
  assert.is(await run('[gpio-set Relay1 1]', VISITOR), '%(ERROR:not allowed here: gpio-set)');
  assert.is(await run('[gpio-set Relay1 7]'), '%(ERROR:gpio-set: the value is 0 or 1, as in [gpio-set NAME 1])');
  assert.is(await run('[gpio-set SIM.Humidity 1]'), '%(ERROR:gpio-set: SIM.Humidity is not an output (outputs: Relay1))');
  assert.is(await run('[publish home/note hello \\[world\\]]'), '');
  assert.equal(broker.on('home/note'), ['hello [world]']);
  assert.is(await run('[publish home/+ x]'), '%(ERROR:publish: a topic with a wildcard (+ or #) to publish to)');
  assert.is(await run('[publish home/x y]', VISITOR), '%(ERROR:not allowed here: publish)');
  broker.cut();
  assert.is(await run('[publish home/x y]'), '%(ERROR:publish: not connected to the broker)');
  assert.match(node.interp.help(), /node: sensors sensor gpio-set publish subscribe unsubscribe/);
});

test('[subscribe TOPIC] is kept in the state and renewed on connect; on-mqtt gets the topic and the payload, inert', async () => {
  const { s, broker, node } = sensorNode();
  s.start();
  broker.connect();
  await settled();
  await node.evalLine('[macro on-mqtt $topic @payload][data last $topic=@payload][/macro]');
  assert.is((await node.evalLine('[subscribe home/+/temp]')).output, '');
  assert.is((await node.evalLine('[subscribe a/#/b]')).output, '%(ERROR:subscribe: a filter with # other than as its whole last level)');
  assert.is((await node.evalLine('[subscribe x/y]', { caps: VISITOR })).output, '%(ERROR:not allowed here: subscribe)');
  assert.is(node.interp.macros.get('data-mqtt-subscriptions')!.body, 'home/+/temp');
  assert.ok(broker.subscribed.includes('home/+/temp'));
  broker.send('home/kitchen/temp', '21 [fac 3]');
  broker.send('home/kitchen/hum', 'not subscribed');
  await settled(60);
  // the message's evaluation is a visitor's: on-mqtt's [data] is refused, so the owner allows define and state to keep it
  assert.not.ok(node.interp.macros.has('data-last'));
  const allowed = sensorNode({ mqttCaps: new Set(['define', 'state']) });
  await allowed.node.evalLine('[macro on-mqtt $topic @payload][data last $topic=@payload][/macro][subscribe home/+/temp]');
  allowed.s.start();
  allowed.broker.connect();
  await settled();
  assert.ok(allowed.broker.subscribed.includes('home/+/temp'), 'the kept subscription is made on connect');
  allowed.broker.send('home/kitchen/temp', '21 [fac 3]');
  await settled(60);
  assert.is(allowed.node.interp.macros.get('data-last')!.body, 'home/kitchen/temp=21 \\[fac 3\\]');
  assert.is((await allowed.node.evalLine('[data-last]')).output, 'home/kitchen/temp=21 [fac 3]');
});

test('messages: too large ones are ignored; they are handled one at a time, in order, and past 8 waiting the rest are dropped and counted', async () => {
  const { s, broker, node, io } = sensorNode();
  s.start();
  broker.connect();
  await settled();
  await node.evalLine('[macro cmnd-Count $x]$x[/macro]');
  broker.published = [];
  broker.send('cmnd/pi1/TelePeriod', 'x'.repeat(20_000));
  await settled();
  assert.equal(broker.on('stat/pi1/RESULT'), []);
  assert.match(io.logs.join('\n'), /a message of 20000 characters ignored/);
  for (let i = 0; i < 12; i++) broker.send('cmnd/pi1/Count', String(i)); // all at once: none handled yet
  assert.is(s.dropped, 4);
  await settled(100);
  assert.equal(broker.on('stat/pi1/RESULT'), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `{"Count":"${i}"}`), 'in order, each answered');
});

test('without a broker: no readings on a schedule; [publish] says there is none', async () => {
  const { s, node, clock } = sensorNode({}, false);
  s.start();
  await clock.advance(60_000);
  assert.is(clock.timers.length, 0);
  assert.is((await node.evalLine('[publish a/b c]')).output, '%(ERROR:publish: this node has no broker (start it with --mqtt))');
  assert.match(await s.payload(), /^\{"Time":"2026-11-21T12:01:00Z","SIM":\{"Temperature":/);
});

test('GET /sensors: the JSON of tele/NAME/SENSOR; a page for a browser; the owner switches an output, a visitor may not', async () => {
  const { s, node } = sensorNode({}, false);
  const web = new WebNode(node, { key: 'Abcdefgh12345678', sensors: s });
  const req = (method: string, url: string, headers: Record<string, string> = {}, body = '') =>
    web.handle({ method, url, headers: { host: 'node.test', ...headers }, body: utf8Encode(body) });
  const json = await req('GET', '/sensors');
  assert.is(json.status, 200);
  assert.is(json.headers['Content-Type'], 'application/json; charset=utf-8');
  assert.is(json.body, (await s.payload()) + '\n');
  assert.equal(Object.keys(JSON.parse(json.body)), ['Time', 'SIM', 'TempUnit']);
  const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
  const page = await req('GET', '/sensors', browser);
  assert.is(page.headers['Content-Type'], 'text/html; charset=utf-8');
  assert.is(page.headers.Refresh, '10');
  assert.match(page.body, `<tr><th>SIM.Temperature</th><td>${simulatedValues(1, T0 + 400).temperature} °C</td>`);
  assert.match(page.body, '<tr><th>Relay1</th><td>OFF</td><td>output</td><td></td></tr>');
  assert.is((await req('GET', '/sensors.json', browser)).headers['Content-Type'], 'application/json; charset=utf-8');
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  assert.is((await req('POST', '/sensors', form, 'output=Relay1&value=ON')).status, 403);
  const login = await req('POST', '/login', form, 'key=Abcdefgh12345678');
  const owner = { ...form, cookie: (login.headers['Set-Cookie'] as string).split(';')[0], ...browser };
  assert.match((await req('GET', '/sensors', owner)).body, '<button value="">Switch on</button>');
  const on = await req('POST', '/sensors', owner, 'output=Relay1&value=ON');
  assert.is(on.status, 303);
  assert.is(await s.io.sensors.read('Relay1'), 1);
  assert.match((await req('GET', '/sensors', owner)).body, '<tr><th>Relay1</th><td>ON</td>');
  assert.is((await req('POST', '/sensors', owner, 'output=SIM.Humidity&value=ON')).status, 400);
  const none = new WebNode(node, { key: 'Abcdefgh12345678' });
  assert.is((await none.handle({ method: 'GET', url: '/sensors', headers: {}, body: new Uint8Array() })).status, 404);
});

test.run();
