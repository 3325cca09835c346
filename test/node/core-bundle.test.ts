// dist/core.js as a device gets it: minified, private names shortened
// (private-names.mjs). The bundle, not the sources, must run the language,
// keep definitions across a restart and keep a Mimei store whose CIDs are
// the sources' own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeHost } from '../../targets/node/host.ts';
import { addFile, BlockStore } from '../../runtime/mimei/index.ts';
import { cidToString } from '../../runtime/index.ts';

type Build = { buildBundle(name: string, outfile?: string): Promise<unknown> };
const { buildBundle } = (await import('../../build.mjs' as string)) as Build;
const { privateNames } = (await import('../../private-names.mjs' as string)) as { privateNames(root: string): string[] };

const dir = mkdtempSync(join(tmpdir(), 'magni-core-bundle-'));
const corePath = join(dir, 'core.js');
await buildBundle('dist/core.js', corePath);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const core: any = await import(pathToFileURL(corePath).href);
const ROOT = join(import.meta.dirname, '../..');

test('the bundle shortens private names, and only those', () => {
  const code = readFileSync(corePath, 'utf8');
  const names = privateNames(ROOT);
  assert.ok(names.length > 20, 'private members are found: ' + names.length);
  for (const n of names) assert.not.ok(new RegExp('\\.' + n + '\\b').test(code), n + ' is still in the bundle');
  // public members keep their names: an embedder calls them
  assert.ok(/\.evalLine\b/.test(code) || /evalLine\(/.test(code));
});

test('the bundle runs the language and keeps definitions across a restart', async () => {
  const state = join(dir, 'node.state');
  const a = new core.MagniNode(nodeHost(() => {}), { stateFiles: [state] });
  a.load();
  assert.is((await a.evalLine('[macro twice $x]$x$x[/macro]')).output, '');
  assert.is((await a.evalLine('[fac 5] [twice ab]')).output, '120 abab');
  const b = new core.MagniNode(nodeHost(() => {}), { stateFiles: [state] });
  b.load();
  assert.is((await b.evalLine('[twice cd]')).output, 'cdcd');
});

test('the bundle carries the Mimei store: versions, files and databases, same CIDs as the sources', async () => {
  const host = nodeHost(() => {}, { keyFile: join(dir, 'node.key') });
  const store = new core.MimeiStore(host, join(dir, 'm.state'));
  const file = new Uint8Array(300 * 1024).map((_, i) => (i * 31) % 251);
  const mid = store.create();
  const v = store.addFile(mid, [file]);
  assert.is(v.seq, 1);
  assert.equal(core.readFile(store.blocks, v.cid), file);
  const fromSources = addFile(new BlockStore(nodeHost(() => {}), join(dir, 'sources.blocks')), [file]);
  assert.is(cidToString(v.cid), cidToString(fromSources));

  const db = store.create(true);
  assert.is(core.dbCommand(store, db, 'hset', ['h', 'f', 'v']).ver, 1);
  // a fresh store reads the index and the blocks back, checking every record
  const again = new core.MimeiStore(host, join(dir, 'm.state'));
  assert.equal(again.seqs(mid), [1]);
  assert.is(core.dbCommand(again, db, 'hget', ['h', 'f']).reply, 'v');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
