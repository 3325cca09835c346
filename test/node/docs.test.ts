// The README documents every builtin with the example the suite evaluates,
// and test/conformance.json is the shared conformance file, unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLES } from '../../runtime/index.ts';
import cases from '../conformance.json' with { type: 'json' };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('the README shows every builtin with its example', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const [, rows] of EXAMPLES) {
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

test.run();
