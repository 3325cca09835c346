// The reading buffer file (firmware-shims/offline-buffer.ts): readings kept
// in order until the broker has them, across restarts (a new FileBuffer on
// the same file), crashes mid-write, a full buffer and compaction.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileBuffer } from '../../firmware-shims/offline-buffer.ts';
import { tempDir } from './util.ts';

const reading = (i: number) => JSON.stringify({ Time: `2026-11-21T12:00:${String(i % 60).padStart(2, '0')}Z`, n: i, pad: 'x'.repeat(40) });

function open(file: string, max = 64 * 1024) {
  const logs: string[] = [];
  return { b: new FileBuffer(file, max, (l) => void logs.push(l)), logs };
}

test('push, peek, drop: oldest first; what is dropped is gone, what is not stays after a restart', () => {
  const file = join(tempDir('magni-buffer-'), 'b');
  const { b } = open(file);
  for (let i = 0; i < 10; i++) b.push(reading(i));
  assert.equal(b.peek(3), [0, 1, 2].map(reading));
  b.drop(4);
  assert.is(b.count(), 6);
  b.close();
  const again = open(file).b;
  assert.is(again.count(), 6);
  assert.equal(again.peek(100), [4, 5, 6, 7, 8, 9].map(reading));
  again.drop(6);
  assert.is(statSync(file).size, 32, 'every reading sent: the file is its header again');
  again.push(reading(10));
  again.close();
  assert.equal(open(file).b.peek(5), [reading(10)]);
});

test('a reading cut short by a crash is dropped with a note; a header pointing past the end means all was sent', () => {
  const file = join(tempDir('magni-buffer-'), 'b');
  const { b } = open(file);
  b.push(reading(1));
  b.push(reading(2));
  b.close();
  appendFileSync(file, '{"Time":"2026-11-21T12:00:03Z","n":'); // the write a crash cut short
  const after = open(file);
  assert.equal(after.b.peek(5), [reading(1), reading(2)]);
  assert.match(after.logs.join('\n'), /a reading cut short by a crash \(\d+ bytes\) dropped/);
  after.b.drop(1);
  after.b.close();
  // cut back to its header, crashed before the header was rewritten
  const head = readFileSync(file, 'latin1').slice(0, 32);
  truncateSync(file, 32);
  writeFileSync(file, head.replace(/\d{16}/, '0000000000009999'));
  const empty = open(file).b;
  assert.is(empty.count(), 0);
});

test('bounded: a full buffer drops its oldest readings and says how many; compaction keeps the order', () => {
  const file = join(tempDir('magni-buffer-'), 'b');
  const { b, logs } = open(file, 4096);
  const size = reading(0).length + 1;
  const fits = Math.floor((4096 - 32) / size);
  for (let i = 0; i < fits + 5; i++) b.push(reading(i));
  assert.is(b.count(), fits);
  assert.equal(b.peek(1), [reading(5)]);
  assert.match(logs.join('\n'), /the reading buffer is full \(4096 bytes\): the 1 oldest reading\(s\) dropped/);
  b.drop(fits - 2);
  for (let i = 0; i < 20; i++) b.push(reading(1000 + i)); // past the end of the file: the unsent are copied to a fresh one
  assert.ok(statSync(file).size <= 4096, 'never larger than its bound');
  b.close();
  const again = open(file, 4096).b;
  const lines = again.peek(1000).map((l) => JSON.parse(l).n);
  assert.equal(lines.slice(0, 2), [fits + 3, fits + 4]);
  assert.equal(lines.slice(-3), [1017, 1018, 1019]);
  for (let k = 1; k < lines.length; k++) assert.ok(lines[k] > lines[k - 1], 'in order');
  assert.not.ok(readdirSync(join(file, '..')).some((f) => f.endsWith('.tmp')), 'no temporary file left');
});

test("a file that is not a reading buffer is kept aside, never overwritten", () => {
  const dir = tempDir('magni-buffer-');
  const file = join(dir, 'b');
  writeFileSync(file, 'my notes\n');
  const { b, logs } = open(file);
  assert.is(b.count(), 0);
  const aside = readdirSync(dir).find((f) => f.startsWith('b.bad-'))!;
  assert.is(readFileSync(join(dir, aside), 'utf8'), 'my notes\n');
  assert.match(logs[0], /is not a reading buffer; moved to .*b\.bad-\d+, starting an empty one/);
  assert.ok(existsSync(file));
  assert.throws(() => b.push('a\nb'), /one line/);
  assert.throws(() => b.push('x'.repeat(70_000)), /does not fit the buffer/);
});

test.run();
