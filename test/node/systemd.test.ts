// The systemd unit in deploy/ (README: "On a Raspberry Pi"): systemd itself
// checks it (systemd-analyze verify, from Debian's systemd), and its
// command line is one the run command accepts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../targets/node/cli.ts';
import { ROOT, tempDir } from './util.ts';

const UNIT = readFileSync(join(ROOT, 'deploy/magni.service'), 'utf8');
const ANALYZE = '/usr/bin/systemd-analyze';

test('its ExecStart is a run command line that parses: a web node with a broker, restarted on failure', () => {
  const exec = /^ExecStart=(\S+) (.*)$/m.exec(UNIT)!;
  assert.is(exec[1], '/opt/magni/run');
  const o = parseArgs(exec[2].split(' '));
  assert.is(o.web, 1111);
  assert.ok(o.sensors.mqtt && o.sensors.passwordFile, 'a broker, with its password in a file');
  assert.match(UNIT, /^Restart=on-failure$/m);
  assert.match(UNIT, /^WantedBy=multi-user.target$/m);
});

test('systemd-analyze verify accepts it (with the repository where the unit expects it), and refuses a broken copy', () => {
  assert.ok(existsSync(ANALYZE), `${ANALYZE} is missing: as root, apt-get install -y systemd (.ci/run does it)`);
  const dir = tempDir('magni-unit-');
  const verify = (text: string, name: string) => {
    writeFileSync(join(dir, name), text);
    return spawnSync(ANALYZE, ['verify', join(dir, name)], { encoding: 'utf8', timeout: 30_000 });
  };
  const good = verify(UNIT.replace(/\/opt\/magni/g, ROOT), 'magni.service');
  assert.is(good.status, 0, good.stderr);
  assert.is(good.stderr.trim(), '', 'no warnings');
  const bad = verify(UNIT.replace(/\/opt\/magni/g, '/nonexistent'), 'broken.service');
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /\/nonexistent\/run is not executable/);
});

test.run();
