// The state log: every definition the node accepts reads back exactly as it
// was made (or is refused, with nothing written); state files are read a
// line at a time, never as one string.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { MagniNode } from '../runtime/index.ts';
import { linesOfChunks, linesOfText, textAt } from '../runtime/lines.ts';
import { utf8Encode } from '../jml/utf8.ts';
import { memHost } from './memhost.ts';

const piece = fc.constantFrom('a', 'b', ' ', '  ', '[', ']', '\\', '\\[', '\\]', '\\\\', '$x', '@y', '\n', '\r\n', '[macro ', '[/macro', ']x[', 'é', '{', '}', 'data-', '\t');
const text = (max: number) => fc.array(piece, { maxLength: max }).map((p) => p.join(''));
const word = fc.array(fc.constantFrom('a', 'b', '1', '-', '/', '\\]', '\\[', '\\', ']', '[', '$', '@', 'é', '.'), { minLength: 1, maxLength: 6 }).map((p) => p.join(''));

test('a definition the node accepts reads back exactly after a restart; one it cannot keep is refused', () => {
  fc.assert(
    fc.property(word, fc.array(word, { maxLength: 3 }), text(12), (name, formals, body) => {
      const files = new Map<string, string>();
      const a = new MagniNode(memHost(files), { quiet: true });
      a.load();
      let made;
      try {
        made = a.interp.define(name, formals.join(' '), body, { user: 'owner' });
      } catch (e) {
        assert.match((e as Error).message, /^cannot keep /);
        assert.is(files.get('jml.state'), undefined, 'a refused definition writes nothing');
        assert.not.ok(a.interp.macros.has(name), 'and changes nothing');
        return;
      }
      const b = new MagniNode(memHost(files), { quiet: true });
      b.load();
      assert.equal((b.host as ReturnType<typeof memHost>).logs, []);
      assert.equal([...b.interp.macros.values()].map(({ code, ...d }) => d), [made].map(({ code, ...d }) => d), JSON.stringify(files.get('jml.state')));
    }),
    { numRuns: 1500, seed: 7 },
  );
});

test('data names with quoted brackets survive a restart', async () => {
  const files = new Map<string, string>();
  const a = new MagniNode(memHost(files), { quiet: true });
  a.load();
  await a.evalLine('[data a\\]b one] [data c\\[d two]');
  const b = new MagniNode(memHost(files), { quiet: true });
  b.load();
  assert.equal([...b.interp.macros.keys()], ['data-a\\]b', 'data-c\\[d']);
  assert.is((await b.evalLine('[datas]')).output, 'a]b c[d ');
});

test('lines read in chunks: lines longer than a chunk, UTF-8 split between chunks, a reader that reuses its buffer', () => {
  const text = ['short', 'é'.repeat(50) + 'x'.repeat(100), '', 'ü€𝄞'.repeat(30), 'last line cut'].join('\n');
  const bytes = utf8Encode(text);
  for (const chunk of [1, 3, 7, 16, 64, 1000]) {
    const buf = new Uint8Array(chunk); // one buffer for every read, as the Node host does
    const read = (offset: number, length: number) => {
      const n = Math.max(0, Math.min(length, bytes.length - offset, buf.length));
      buf.set(bytes.subarray(offset, offset + n));
      const view = buf.subarray(0, n);
      // like a Node Buffer, whose slice() is a view of the same memory, not a copy
      (view as { slice: unknown }).slice = (from?: number, to?: number) => view.subarray(from, to);
      return view;
    };
    assert.equal([...linesOfChunks(read, chunk)], [...linesOfText(text)], 'chunks of ' + chunk);
  }
  const got = [...linesOfText(text)];
  assert.equal(got.map((l) => l.complete), [true, true, true, true, false]);
  assert.equal(got.map((l) => textAt(text, l.offset, l.bytes)), text.split('\n'));
});

test.run();
