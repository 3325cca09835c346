// `run sensors` and the sensor builtins on the command line, over the
// fixture sysfs trees in test/fixtures (a Raspberry Pi's thermal zones, two
// DS18B20 of which one fails its CRC, IIO sensors with _input and with _raw,
// _offset and _scale, negative temperatures), and GPIO through stand-ins
// for Debian's gpiod tools (test/fixtures/gpiod-bin).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, ROOT, RUN, sleep, tempDir } from './util.ts';

const PI = join(ROOT, 'test/fixtures/sys-pi');

function run(args: string[], input = '', env: Record<string, string> = {}) {
  const r = spawnSync(RUN, args, { cwd: tempDir('magni-sensors-'), input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

test('run sensors --sys-root: every sensor of the fixture tree, parsed exactly; the CRC NO is refused with its reason', () => {
  const r = run(['sensors', '--sys-root', PI]);
  assert.is(r.code, 0, r.err);
  const rows = JSON.parse(r.out) as Record<string, unknown>[];
  const values = rows.map((x) => [x.name, x.kind, x.unit, 'value' in x ? x.value : x.error]);
  assert.equal(values, [
    ['Thermal0', 'temperature', '°C', 45.277],
    ['Thermal1', 'temperature', '°C', -5.125],
    ['DS18B20-1', 'temperature', '°C', 21.937],
    ['DS18B20-2', 'temperature', '°C', 'w1_slave: CRC check failed (NO): reading refused'],
    ['DHT11.Temperature', 'temperature', '°C', 23.4],
    ['DHT11.Humidity', 'humidity', '%', 41.5],
    ['SHT3X.Temperature', 'temperature', '°C', -1.25],
    ['SHT3X.Humidity', 'humidity', '%', 40],
  ]);
  assert.equal(rows.slice(2, 4).map((x) => x.id), ['0316A27977A1', '0416B1C2D3E4']);
  for (const x of rows) if ('value' in x) assert.match(String(x.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.is(r.out.split('\n').length, rows.length + 3, 'one sensor a line');
});

test('run sensors --simulate: the seeded simulation and its output; a --sys-root without sys/ is an error', () => {
  const a = JSON.parse(run(['sensors', '--simulate', '--sim-seed', '5', '--sys-root', join(ROOT, 'test/fixtures/empty-root')]).out);
  assert.equal(a.map((x: { name: string }) => x.name), ['SIM.Temperature', 'SIM.Humidity', 'Relay1']);
  const bad = run(['sensors', '--sys-root', join(ROOT, 'test')]);
  assert.is(bad.code, 1);
  assert.match(bad.err, /--sys-root .*test: there is no sys\/ in it/);
  const flag = run(['sensors', '--teleperiod', '5']);
  assert.is(flag.code, 2);
  assert.match(flag.err, /--teleperiod takes a whole number from 10 to 3600/);
});

test('the sensor builtins on the command line: [sensors], [sensor NAME] (a refused reading is an error)', () => {
  const r = run(['-q', '--sys-root', PI], '[sensors]\n[sensor Thermal1] [sensor DHT11.Humidity]\n[sensor DS18B20-2]\n');
  assert.equal(r.out.split('\n'), [
    'Thermal0 Thermal1 DS18B20-1 DS18B20-2 DHT11.Temperature DHT11.Humidity SHT3X.Temperature SHT3X.Humidity ',
    '-5.125 41.5',
    '%(ERROR:sensor: DS18B20-2 gave no reading: w1_slave: CRC check failed (NO): reading refused)',
    '',
  ]);
  assert.is(r.code, 1);
});

test('GPIO through the gpiod tools: an input read with gpioget, an output held by gpioset; lines by name or chip:offset', () => {
  const gpio = tempDir('magni-gpio-');
  const env = { PATH: join(ROOT, 'test/fixtures/gpiod-bin') + ':' + process.env.PATH, FAKE_GPIO_DIR: gpio };
  spawnSync('sh', ['-c', `echo 1 > ${gpio}/GPIO17; echo 0 > ${gpio}/gpiochip0-22`]);
  const r = run(['-q', '--sys-root', join(ROOT, 'test/fixtures/empty-root'), '--gpio-in', 'Door=GPIO17', '--gpio-in', 'Window=gpiochip0:22', '--gpio-out', 'Light=GPIO27'],
    '[sensors]\n[sensor Door] [sensor Window] [sensor Light]\n[gpio-set Light 1]\n[sensor Light]\n', env);
  assert.is(r.code, 0, r.err);
  assert.equal(r.out.split('\n'), ['Door Window Light ', '1 0 0', '1', '1', '']);
  assert.is(readFileSync(join(gpio, 'GPIO27'), 'utf8').trim(), '1', 'gpioset drove the line');
  const missing = run(['-q', '--sys-root', join(ROOT, 'test/fixtures/empty-root'), '--gpio-in', 'Door=GPIO17'], '[sensor Door]\n', { PATH: dirname(process.execPath) + ':/bin' });
  assert.match(missing.out, /gpioget is not installed \(the gpiod tools: apt-get install gpiod\)/);
});

for (const engine of [[], ['--bun']]) {
  test(`${engine[0] || 'node'}: the web node serves GET /sensors: the SENSOR JSON, and a page for a browser`, async () => {
    const port = await freePort();
    const p = spawn(RUN, [...engine, '-w', String(port), '--simulate', '--sys-root', PI], { cwd: tempDir('magni-sensors-web-'), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d));
    try {
      for (let i = 0; !err.includes('Magni web node on'); i++) {
        if (i > 600 || p.exitCode !== null) throw new Error('the web node did not start: ' + err);
        await sleep(50);
      }
      const r = await fetch(`http://127.0.0.1:${port}/sensors`);
      assert.is(r.headers.get('content-type'), 'application/json; charset=utf-8');
      const j = await r.json();
      assert.equal(Object.keys(j), ['Time', 'Thermal0', 'Thermal1', 'DS18B20-1', 'DHT11', 'SHT3X', 'SIM', 'TempUnit']);
      assert.equal([j.Thermal1.Temperature, j['DS18B20-1'], j.SHT3X], [-5.1, { Id: '0316A27977A1', Temperature: 21.9 }, { Temperature: -1.3, Humidity: 40 }]);
      const page = await fetch(`http://127.0.0.1:${port}/sensors`, { headers: { accept: 'text/html' } });
      assert.is(page.headers.get('refresh'), '10');
      const html = await page.text();
      assert.match(html, '<tr><th>DS18B20-2</th><td><em>no reading: w1_slave: CRC check failed (NO): reading refused</em></td>');
      assert.match(html, '<tr><th>SHT3X.Temperature</th><td>-1.25 °C</td>');
    } finally {
      p.kill('SIGTERM');
    }
  });
}

test.run();
