// The language beyond the conformance cases: documented examples, budgets,
// numbers, escapes, definitions and reflection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILTINS, groups as helpGroups, Interpreter, type LineResult, MagniNode } from '../runtime/index.ts';
import { examples } from '../jml/examples.ts';
import { memHost } from './memhost.ts';
import { norm } from '../jml/numbers.ts';

const run = (line: string, opts: { maxSteps?: number; maxOutput?: number } = {}) => {
  const it = new Interpreter({ host: memHost(), ...opts });
  return it.run(line);
};
const out = (line: string) => run(line).output;

test('every documented example gives its documented result', () => {
  let n = 0;
  for (const [, rows] of examples()) {
    for (const [name, input, result] of rows) {
      if (name === 'wget') continue; // needs a server: see the wget test
      const got = out(input);
      if (result.startsWith('~')) assert.ok(new RegExp(result.slice(1)).test(got), name + ': ' + JSON.stringify(got) + ' !~ ' + result);
      else assert.is(got, result, name + ': ' + input);
      n++;
    }
  }
  assert.ok(n > 80, 'examples checked: ' + n);
});

test('the help text is groups of name, input and result rows, one for every builtin', () => {
  const groups = examples();
  assert.ok(groups.length >= 8, 'groups: ' + groups.length);
  const names: string[] = [];
  for (const [group, rows] of groups) {
    assert.ok(group && rows.length, 'group ' + JSON.stringify(group) + ' has rows');
    for (const row of rows) {
      assert.is(row.length, 3, JSON.stringify(row));
      assert.ok(row[0] && row[1].startsWith('['), 'a name and a call: ' + JSON.stringify(row));
      names.push(row[0]);
    }
  }
  assert.is(new Set(names).size, names.length, 'each builtin once');
  for (const name of BUILTINS.keys()) assert.ok(names.includes(name), name + ' is documented');
  // [help] (in the core) lists the same names in the same groups as the examples (outside it)
  assert.equal(helpGroups(), groups.map(([g, rows]) => [g, rows.map((r) => r[0]).join(' ')]));
  assert.match(out('[help]'), /^math: \+ \* - \/ % inc dec .*\nlogic: and or xor not if\n/);
});

test('the seed trace of [fac 5] with the iota macro', () => {
  const it = new Interpreter({ host: memHost() });
  it.run('[macro fac $n][* [iota 1 $n]][/macro]');
  const trace: string[] = [];
  assert.is(it.run('[fac 5]', { trace: (t) => void trace.push(t) }).output, '120');
  assert.equal(trace, ['>>>[fac 5]<<<', '>>>[* [iota 1 5]]<<<', '>>>[* 1 2 3 4 5 ]<<<', '>>>120<<<']);
});

test('step budget: runaway recursion ends with an error, not a hang', () => {
  const it = new Interpreter({ host: memHost(), maxSteps: 5000 });
  it.run('[macro loop][loop][/macro]');
  const r = it.run('before [loop] after');
  assert.match(r.output, /^before %\(ERROR:step budget of 5000 substitutions exceeded\)$/);
  assert.is(r.errors.length, 1);
  assert.is(r.steps, 5001);
});

test('output budget: exponential growth ends with an error', () => {
  const it = new Interpreter({ host: memHost(), maxOutput: 100000 });
  it.run('[macro grow @x][grow @x @x][/macro]');
  const r = it.run('[grow a]');
  assert.match(r.output, /^%\(ERROR:output budget of 100000 characters exceeded\)$/);
  assert.match(run('[iota 1 100000000]').output, /^%\(ERROR:iota would exceed the output budget\)$/);
});

test('deep nesting is evaluated without recursion', () => {
  const depth = 5000;
  const line = '[inc '.repeat(depth) + '0' + ']'.repeat(depth);
  const r = run(line, { maxSteps: 10000 });
  assert.is(r.output, String(depth));
  assert.is(r.passes, depth + 0);
});

test("the seed's truth table of empty, has, is, not, number and alpha", () => {
  const table: [string, string][] = [
    ['', '1 0 0 1 0 0'],
    ['0', '0 1 0 1 1 0'],
    ['1', '0 1 1 0 1 0'],
    ['a', '0 1 1 0 0 1'],
  ];
  for (const [x, want] of table) assert.is(out(['empty', 'has', 'is', 'not', 'number', 'alpha'].map((f) => `[${f} ${x}]`).join(' ')), want, 'X = ' + x);
  assert.is(out('[number 1 2] [number  12 ] [not 00] [not 0 5]'), '0 1 0 1');
});

test('exact integers, C-like division, errors for zero', () => {
  assert.is(out('[* 123456789012345678901234567890 10]'), '1234567890123456789012345678900');
  assert.is(out('[- 1 100000000000000000000]'), '-99999999999999999999');
  assert.is(out('[/ 7 -2] [% 7 -2] [/ -7 2]'), '-3 1 -3');
  assert.is(out('[/ 100000000000000000000 3]'), '33333333333333333333');
  assert.is(out('[> 100000000000000000000 99999999999999999999]'), '1');
  assert.is(out('[< -100000000000000000000 -5] [> -100000000000000000000 5] [= 5 00005]'), '1 0 1');
  assert.is(out('[min 3 -100000000000000000000 7] [max -1 100000000000000000000]'), '-100000000000000000000 100000000000000000000');
  assert.match(out('[/ 1 0]'), /^%\(ERROR:division by zero\)$/);
  assert.is(out('[+ 12abc -3x +4]'), '13');
  assert.match(out('[* [iota 1 20000]]'), /^%\(ERROR:number too large/);
  assert.match(out('[fac 100000]'), /^%\(ERROR:/);
});

test('numbers are exact up to 65536 bits, either sign, and refused from there', () => {
  const limit = BigInt(2) ** BigInt(65536);
  const one = BigInt(1);
  for (const fits of [limit - one, one - limit]) assert.is(norm(fits), fits);
  for (const over of [limit, -limit, limit * limit]) assert.throws(() => norm(over), /number too large \(over 65536 bits\)/);
  assert.is(norm(-BigInt(5)), -5, 'small results become plain numbers again');
});

test('substr counts code points, with or without characters outside the BMP', () => {
  // the definition: Array.from's code points, negative FIRST from the end, negative LEN leaves that many off
  const byCodePoints = (first: number, len: number, text: string) => {
    const c = Array.from(text);
    const f = first < 0 ? Math.max(0, c.length + first) : first;
    const l = len < 0 ? c.length + len : len;
    return c.slice(f, f + Math.max(0, l)).join('');
  };
  for (const text of ['abcXzy', 'åbçd€', 'a𝄞b𝄞c', '𝄞𝄞𝄞', 'x'])
    for (const first of [-7, -2, -1, 0, 1, 2, 5, 9])
      for (const len of [-9, -2, -1, 0, 1, 3, 20]) assert.is(out(`[substr ${first} ${len} ${text}]`), byCodePoints(first, len, text), `${first} ${len} ${text}`);
});

test('escapes and quoting (D6)', () => {
  assert.is(out('a\\nb\\tc\\\\d\\[e\\]'), 'a\nb\tc\\d[e]');
  assert.is(out('[concat a\\ b c]'), 'a bc');
  assert.is(out('\\[upper x\\] [upper x]'), '[upper x] X');
});

test('unclosed [ stays as text with a warning; stray ] is text (D5)', () => {
  const r = run('[upper a] [b');
  assert.is(r.output, 'A [b');
  assert.equal(r.warnings, ['unclosed [ kept as text']);
  assert.is(out('a]b [upper c]]'), 'a]b C]');
});

test('definitions: several per line, text around stays, newest wins (D13)', () => {
  const it = new Interpreter({ host: memHost() });
  assert.is(it.run('x[macro a]A[/macro]y[macro b $q]<$q>[/macro]z [b [a]]').output, 'xyz <A>');
  it.run('[macro a]AA[/macro]');
  assert.is(it.run('[a]').output, 'AA');
  assert.is(it.run('[funcs]').output, 'a b ');
  assert.match(it.run('[macro broken $x]body').output, /^%\(ERROR:macro broken is not terminated by \[\/macro\]\)$/);
});

test('formals: longest match, @rest, missing args empty (D4, D14)', () => {
  const it = new Interpreter({ host: memHost() });
  it.run('[macro f $a $ab @rest]<$ab|$a|@rest>[/macro]');
  assert.is(it.run('[f 1 2 3  4 ]').output, '<2|1|3  4 >');
  assert.is(it.run('[f]').output, '<||>');
});

test('reflection: funcs ranges, datas, fargs, fbody, ftime', () => {
  const it = new Interpreter({ host: memHost() });
  it.run('[macro b1]x[/macro][macro a1 $x @y]y[/macro][data color red][data size 3]');
  assert.is(it.run('[funcs]').output, 'b1 a1 data-color data-size ');
  assert.is(it.run('[funcs a]').output, 'a1 ');
  assert.is(it.run('[funcs a c]').output, 'b1 a1 ');
  assert.is(it.run('[datas]').output, 'color size ');
  assert.is(it.run('[fargs a1]').output, '$x @y');
  assert.is(it.run('[ftime b1]').output, '2026-11-21T12:00:00Z');
});

test('eval sandbox allows only listed names inside its own argument (D18)', () => {
  assert.is(out('[eval/+/inc {+ 1 {inc 2}}]'), '4');
  assert.is(out('[eval/+ {data x y}]'), '');
  assert.is(out('[eval/upper {upper {lower X}}]'), '');
  assert.is(out('[eval/+ {+ 1 2}]{+ 3 4}'), '3{+ 3 4}');
});

test('encryption round trips, malformed ciphertext is an error (D17)', () => {
  assert.is(out('[decrypt/SECRET [encrypt/SECRET hello world]]'), 'hello world');
  assert.is(out('[decrypt [encrypt-eval {upper x}]]'), '{upper x}');
  assert.match(out('[decrypt {zz}]'), /^%\(ERROR:/);
  assert.match(out('[decrypt {00112233445566}]'), /^%\(ERROR:/);
});

test('wget goes through the host and its body is quoted (D19)', () => {
  const host = { ...memHost(), wget: (url: string) => 'got ' + url + ' [data x y] \\[' };
  const it = new Interpreter({ host });
  assert.is(it.run('[wget http://example.test/a]').output, 'got http://example.test/a [data x y] \\[');
  assert.is(it.macros.size, 0);
  const failing = new Interpreter({ host: { ...memHost(), wget: () => { throw new Error('connection refused'); } } });
  assert.match(failing.run('[wget http://127.0.0.1:9/]').output, /^%\(ERROR:wget http:\/\/127\.0\.0\.1:9\/: connection refused\)$/);
  assert.match(out('[wget http://x/]'), /^%\(ERROR:wget is not available on this host\)$/);
});

/** A line that needs no I/O, evaluated at once (MagniNode.evaluate gives no promise then). */
const evalNow = (node: MagniNode, line: string) => node.evaluate(line) as LineResult;

test('state: definitions append one replayable line each and replay', () => {
  const files = new Map<string, string>();
  const a = new MagniNode(memHost(files), { quiet: true });
  a.load();
  evalNow(a, '[macro sq $x][* $x $x][/macro][data who me]');
  const log = files.get('jml.state') as string;
  assert.is(log.split('\n').length, 3);
  assert.match(log, /^\[macro sq \$x\]\[\* \$x \$x\]\[\/macro 1 2026-11-21T12:00:00Z local\]\n\[macro data-who\]me\[\/macro 2 /);
  const b = new MagniNode(memHost(files, Date.UTC(2030, 0, 1)), { quiet: true });
  b.load();
  assert.is(evalNow(b, '[sq 7] [data-who] [ftime sq]').output, '49 me 2026-11-21T12:00:00Z');
});

test('state: a line cut short by a crash is reported and skipped, the rest loads (D16)', () => {
  const files = new Map<string, string>();
  const a = new MagniNode(memHost(files), { quiet: true });
  a.load();
  evalNow(a, '[macro one]1[/macro]');
  evalNow(a, '[macro two]2[/macro]');
  evalNow(a, '[macro three]3[/macro]');
  const full = files.get('jml.state') as string;
  // a crash in the middle of writing the second line, then a restart that appends more
  const cut = full.indexOf('[macro two]') + 14;
  files.set('jml.state', full.slice(0, cut));
  const b = new MagniNode(memHost(files), { quiet: true });
  b.load();
  assert.ok(b.host === b.host);
  assert.equal((b.host as ReturnType<typeof memHost>).logs, ['%(ERROR:jml.state:2: line cut short (no newline), skipped)']);
  assert.is(evalNow(b, '[one]').output, '1');
  evalNow(b, '[macro four]4[/macro]');
  const c = new MagniNode(memHost(files), { quiet: true });
  c.load();
  assert.is(evalNow(c, '[one] [four] [funcs]').output, '1 4 one four ');
  assert.equal((c.host as ReturnType<typeof memHost>).logs.length, 1);
  assert.match((c.host as ReturnType<typeof memHost>).logs[0], /^%\(ERROR:jml\.state:2: macro two is not terminated/);
});

test('state: files load in order and the last one receives definitions', () => {
  const files = new Map([
    ['lib.state', '[macro greet $x]hello $x[/macro]\n'],
    ['mine.state', '[macro greet $x]hi $x[/macro]\n'],
  ]);
  const n = new MagniNode(memHost(files), { stateFiles: ['lib.state', 'mine.state'], quiet: true });
  n.load();
  assert.is(evalNow(n, '[greet bob]').output, 'hi bob');
  evalNow(n, '[data k v]');
  assert.is(files.get('lib.state'), '[macro greet $x]hello $x[/macro]\n');
  assert.match(files.get('mine.state') as string, /\[macro data-k\]v\[\/macro /);
});

test('an encrypted program defines code through decrypt-eval, and it persists', () => {
  const files = new Map<string, string>();
  const n = new MagniNode(memHost(files), { quiet: true });
  n.load();
  const cipher = evalNow(n, '[encrypt-eval/K3Y {macro up2 $x}{upper $x}{upper $x}{/macro}]').output;
  assert.is(n.interp.macros.size, 0);
  evalNow(n, '[decrypt-eval/K3Y ' + cipher + ']');
  const again = new MagniNode(memHost(files), { quiet: true });
  again.load();
  assert.is(evalNow(again, '[up2 ab]').output, 'ABAB');
});

test('help lists builtins by group and the user functions', () => {
  const it = new Interpreter({ host: memHost() });
  it.run('[macro mine]x[/macro]');
  const h = it.run('[help]').output;
  assert.match(h, /^math: \+ \* - \/ % inc dec/);
  assert.match(h, /\nstrings: after before/);
  assert.match(h, /\nuser: mine$/);
});

test.run();
