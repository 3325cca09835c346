// The README documents every builtin with the example the suite evaluates,
// and test/conformance.json is the shared conformance file, unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { freePort, RUN, tempDir } from './util.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { examples } from '../../jml/examples.ts';
import cases from '../conformance.json' with { type: 'json' };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('the README shows every builtin with its example', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const [, rows] of examples()) {
    for (const [name, input] of rows) {
      assert.ok(readme.includes('| `' + name.replace(/\|/g, '\\|') + '` | `' + input.replace(/\|/g, '\\|') + '` |'), 'README lacks ' + name);
    }
  }
});

test('test/conformance.json holds the shared cases (when ../shared is there)', () => {
  const shared = join(ROOT, '..', 'shared', 'jml', 'conformance.jsonl');
  if (!existsSync(shared)) return; // a clone without ../shared: the copy is what we have
  const want = readFileSync(shared, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  assert.equal(cases, want);
});

test("the README's web-node example is literally true: each command prints what its comment says", async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n(\.\/run -w 1111 &[^]*?)```/.exec(readme);
  assert.ok(block, 'the README shows the upgrade example');
  const port = String(await freePort());
  const steps = block![1].trim().split('\n').map((l) => {
    const [, cmd, want] = /^(.*?)(?:\s+# (.*))?$/.exec(l)!;
    return { cmd: cmd.replace(/\.\/run/g, RUN).replace(/1111/g, port), want };
  });
  // one shell, as a user pastes it; a marker after each command separates their outputs
  const script = 'trap "kill %1 2>/dev/null" EXIT\n' + steps.map((s) => s.cmd + "\nprintf '\\n@@@\\n'").join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd: tempDir('magni-docs-'), encoding: 'utf8', timeout: 60_000 });
  const outputs = r.stdout.split('\n@@@\n');
  steps.forEach((s, i) => {
    if (s.want !== undefined) assert.is(outputs[i].trim(), s.want, s.cmd + '\n' + r.stderr);
  });
});

test.run();
