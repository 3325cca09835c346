// The `run` command as a user runs it: a real process, stdin, stdout,
// stderr, exit status and state files in a temporary directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN, tempDir } from './util.ts';

const tmp = () => tempDir('magni-cli-');

function run(args: string[], input: string, cwd = tmp()) {
  // The same `./run` a user types, whatever runs the tests.
  const r = spawnSync(RUN, args, { cwd, input, encoding: 'utf8', timeout: 60000 });
  return { out: r.stdout, err: r.stderr, code: r.status, cwd };
}

test('echo "[fac 5]" | run -t prints 120 and traces every pass', () => {
  const r = run(['-t'], '[fac 5]\n');
  assert.is(r.out, '120\n');
  assert.equal(r.err.split('\n').filter((l) => l.startsWith('>>>')), ['>>>[fac 5]<<<', '>>>120<<<']);
  assert.is(r.code, 0);
});

test('batch: one output line per line that produced output', () => {
  const r = run(['-q'], '[+ 1 2]\n[macro sq $x][* $x $x][/macro]\n[sq 12]\n\nplain text\n');
  assert.is(r.out, '3\n144\nplain text\n');
  assert.is(r.err, '');
});

test('definitions persist in ./jml.state and are reported unless -q', () => {
  const d = tmp();
  const a = run([], '[macro sq $x][* $x $x][/macro]\n', d);
  assert.match(a.err, /\[appended sq to jml\.state\]/);
  assert.match(readFileSync(join(d, 'jml.state'), 'utf8'), /^\[macro sq \$x\]\[\* \$x \$x\]\[\/macro 1 \d{4}-\d\d-\d\dT[\d:]{8}Z local\]\n$/);
  const b = run(['-q'], '[sq 9]\n', d);
  assert.is(b.out, '81\n');
});

test('state files load in order; the last one receives new definitions', () => {
  const d = tmp();
  writeFileSync(join(d, 'lib.state'), '[macro hi $x]hello $x[/macro]\n');
  const r = run(['-q', 'lib.state', 'mine.state'], '[hi you]\n[data k v]\n', d);
  assert.is(r.out, 'hello you\nv\n');
  assert.is(readFileSync(join(d, 'lib.state'), 'utf8'), '[macro hi $x]hello $x[/macro]\n');
  assert.match(readFileSync(join(d, 'mine.state'), 'utf8'), /^\[macro data-k\]v\[\/macro /);
});

test('a state file cut mid-line: reported, skipped, everything else loads', () => {
  const d = tmp();
  run(['-q'], '[macro a]A[/macro]\n[macro b]B[/macro]\n', d);
  const full = readFileSync(join(d, 'jml.state'), 'utf8');
  writeFileSync(join(d, 'jml.state'), full.slice(0, full.length - 10));
  const r = run(['-q'], '[a][b]\n[macro c]C[/macro]\n', d);
  assert.match(r.err, /jml\.state:2: line cut short \(no newline\), skipped/);
  assert.is(r.out, 'A%(FAIL:b)\n');
  const again = run(['-q'], '[a][c]\n', d);
  assert.is(again.out, 'AC\n');
});

test('-v reports time and reductions per line', () => {
  const r = run(['-v', '-q'], '[+ [map inc 1 2 3]]\n');
  assert.match(r.err, /^% line 1: \d+\.\d\d ms, 5 reductions, 3 passes$/m);
});

test('exit status 1 when a line had an error, and the error is on stderr', () => {
  const r = run(['-q'], '[/ 1 0]\n[+ 1 1]\n');
  assert.is(r.out, '%(ERROR:division by zero)\n2\n');
  assert.match(r.err, /^%\(ERROR:division by zero\)$/m);
  assert.is(r.code, 1);
});

test('--max-steps bounds runaway recursion; the next line still runs', () => {
  const r = run(['-q', '--max-steps', '100'], '[macro loop][loop][/macro]\n[loop]\n[+ 2 2]\n');
  assert.is(r.out, '%(ERROR:step budget of 100 substitutions exceeded)\n4\n');
  assert.is(r.code, 1);
});

test('--max-time bounds a line in milliseconds; the next line still runs', () => {
  const r = run(['-q', '--max-steps', '1000000000', '--max-time', '300'], '[macro loop][loop][/macro]\n[loop]\n[+ 2 2]\n');
  assert.is(r.out, '%(ERROR:time budget of 300 ms exceeded)\n4\n');
  assert.is(r.code, 1);
  const bad = run(['--max-time', '0'], '');
  assert.match(bad.err, /--max-time needs a positive whole number/);
  assert.is(bad.code, 2);
});

for (const engine of [[], ['--bun'], ['--board']]) {
  test(`a state file holding [inc nested 100,000 deep replays within its budget${engine.length ? ' (' + engine[0] + ')' : ''}`, () => {
    const d = tmp();
    const depth = 100_000;
    writeFileSync(join(d, 'jml.state'), '[inc '.repeat(depth) + '0' + ']'.repeat(depth) + '\n[macro after]loaded[/macro]\n');
    const t0 = Date.now();
    const r = run([...engine, '-q'], '[after]\n', d);
    const took = Date.now() - t0;
    assert.is(r.out, 'loaded\n');
    assert.is(r.err, '');
    assert.ok(took < 10_000, `start-up took ${took} ms, over the 10 s replay budget`);
  });
}

test('-h prints help; a bad option is a usage error', () => {
  const h = run(['-h'], '');
  assert.match(h.out, /^usage: run \[options\]/);
  assert.match(h.out, /--board/);
  assert.is(h.code, 0);
  const bad = run(['--frobnicate'], '');
  assert.match(bad.err, /run: unknown option --frobnicate/);
  assert.is(bad.code, 2);
  const badNum = run(['--max-steps', 'many'], '');
  assert.match(badNum.err, /--max-steps needs a positive whole number/);
  assert.is(badNum.code, 2);
});

// The same lines through every engine must give the same bytes.
const SAME = [
  '[macro fib $n][[if [< $n 2] identity fib2] $n][/macro]',
  '[macro fib2 $n][+ [fib [- $n 1]] [fib [- $n 2]]][/macro]',
  '[fib 12] [fac 20] [upper åäö] [bytes åäö]',
  '[encrypt FOOBAR] [content-hash star] [decrypt-eval [encrypt-eval {+ 3 4}]]',
  '[match-do identity ((a)n) banana] [substr -2 -2 abcXzy]',
  '[xyz 1] [[+ 1 2]',
  '[% 7 0]',
];

for (const engine of ['--bun', '--board']) {
  test(`${engine} gives the same output, trace, state and exit status as Node`, () => {
    const input = SAME.join('\n') + '\n';
    const a = run(['-t', '-q'], input);
    const b = run([engine, '-t', '-q'], input);
    assert.is(b.out, a.out);
    assert.equal(b.err.split('\n').filter((l) => l.startsWith('>>>')), a.err.split('\n').filter((l) => l.startsWith('>>>')));
    assert.is(b.code, a.code);
    assert.is(b.code, 1);
    const strip = (s: string) => s.replace(/ \d{4}-\d\d-\d\dT[\d:]{8}Z /g, ' T ');
    assert.is(strip(readFileSync(join(b.cwd, 'jml.state'), 'utf8')), strip(readFileSync(join(a.cwd, 'jml.state'), 'utf8')));
    // and the state written by one engine loads in the other
    assert.is(run(['-q'], '[fib 10]\n', b.cwd).out, '55\n');
  });
}

test('--board -v reports the QuickJS heap', () => {
  const r = run(['--board', '-v', '-q'], '[fac 10]\n');
  assert.is(r.out, '3628800\n');
  assert.match(r.err, /^quickjs heap: load \d+ bytes, peak \d+ bytes$/m);
  const [, load, peak] = r.err.match(/load (\d+) bytes, peak (\d+)/) as RegExpMatchArray;
  assert.ok(+load > 0 && +peak >= +load, `load ${load}, peak ${peak}`);
});

test('control characters in the output are shown escaped (\\xNN); newline and tab are kept', () => {
  const r = run(['-q'], '[decode %00%1b%5B31mred%07]|[decode %09]|[decode %0A]\n');
  assert.is(r.out, '\\x00\\x1b{31mred\\x07|\t|\n\n');
});

test('a state path that is a directory, or -w with a bad port: a clear error, exit 2, no stack trace', () => {
  const d = tmp();
  mkdirSync(join(d, 'adir'));
  const dir = run(['-q', 'adir'], '[+ 1 1]\n', d);
  assert.is(dir.code, 2);
  assert.match(dir.err, /^run: adir is not a state file/);
  assert.not.match(dir.err, /    at /);
  for (const port of ['abc', '70000', '0']) {
    const bad = run(['-w', port], '', d);
    assert.is(bad.code, 2, port);
    assert.match(bad.err, new RegExp(`-w takes a port from 1 to 65535, not ${port}`));
  }
});

/** Type keys into `./run` on a real pseudo-terminal (`script`), as a person types; the transcript and exit code. */
async function typeAt(cwd: string, keys: string[]): Promise<{ shown: string; code: number | null }> {
  const child = spawn('script', ['-qec', RUN, '/dev/null'], { cwd });
  let shown = '';
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdout.on('data', (d) => (shown += String(d).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')));
  let at = 800; // let it start
  for (const k of keys.join('').match(/\x1b\[.|[^]/g) as string[]) {
    setTimeout(() => child.stdin.write(k), at);
    at += k === '\r' ? 500 : 30;
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), at + 20000);
  const code = await done;
  clearTimeout(timer);
  return { shown, code };
}

test('at the prompt: an error shows once, Ctrl-C clears the line (Ctrl-D quits), history lasts between runs', async () => {
  const d = tmp();
  const first = await typeAt(d, ['[/ 1 0]\r', '[+ 1 2', '\x03', '[+ 2 2]\r', '\x04']);
  assert.is((first.shown.match(/%\(ERROR:division by zero\)/g) || []).length, 1, first.shown);
  assert.match(first.shown, /\^C/);
  assert.match(first.shown, /^4\r?$/m, 'the cleared line was not run: ' + first.shown);
  assert.is(first.code, 1, 'Ctrl-D ends it normally (status 1: a line had an error), Ctrl-C did not');
  assert.is(readFileSync(join(d, 'jml.state.history'), 'utf8'), '[/ 1 0]\n[+ 2 2]\n');
  const second = await typeAt(d, ['\x1b[A\r', '\x04']);
  assert.match(second.shown, /^4\r?$/m, 'Up recalled the last line of the run before: ' + second.shown);
});

test('on a terminal: a prompt with line editing and history', async () => {
  // `script` gives the command a real pseudo-terminal. Keys are typed one at
  // a time, as a person types: a line; Up (history) and Enter; a line edited
  // with Left, Backspace and an insertion; Ctrl-D.
  const keys = ['[+ 1 2]\r', '\x1b[A\r', '[upper abcX]\x1b[D\x1b[D\x7fZ\r', '\x04'].join('').match(/\x1b\[.|[^]/g) as string[];
  const child = spawn('script', ['-qec', RUN, '/dev/null'], { cwd: tmp() });
  let shown = '';
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdout.on('data', (d) => (shown += String(d).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')));
  let at = 800; // let it start
  for (const k of keys) {
    setTimeout(() => child.stdin.write(k), at);
    at += k === '\r' ? 500 : 30;
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), at + 20000);
  const code = await done;
  clearTimeout(timer);
  assert.match(shown, /Magni JML\. \[help\] lists the builtins; Ctrl-C clears the line, Ctrl-D quits\./);
  assert.is((shown.match(/^3\r?$/gm) || []).length, 2, shown);
  assert.match(shown, /^ABZX\r?$/m, shown);
  assert.is(code, 0);
});

test.run();
