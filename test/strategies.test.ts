// The two ways to run a pass must be indistinguishable: random programs run
// with text passes only, with the term graph wherever it can, and with the
// automatic choice give the same output, errors, warnings, steps, passes,
// trace and definitions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { encryptText } from '../jml/crypto.ts';
import { Interpreter, type EvalOptions } from '../runtime/index.ts';
import { memHost } from './memhost.ts';

type Strategy = NonNullable<EvalOptions['strategy']>;

interface Outcome {
  results: { output: string; errors: string[]; warnings: string[]; steps: number; passes: number; trace: string[] }[];
  definitions: string[];
}

function runAll(strategy: Strategy, setup: string[], lines: string[], budgets: EvalOptions): Outcome {
  const it = new Interpreter({ host: memHost() });
  const results = [];
  for (const line of [...setup, ...lines]) {
    const trace: string[] = [];
    const r = it.run(line, { ...budgets, strategy, trace: (t) => void trace.push(t) });
    results.push({ ...r, trace });
  }
  const definitions = [...it.macros.values()].map((d) => `${d.name}|${d.formals}|${d.body}|${d.pos}|${d.user}`);
  return { results, definitions };
}

function same(setup: string[], lines: string[], budgets: EvalOptions = {}): void {
  const text = runAll('text', setup, lines, budgets);
  for (const s of ['graph', 'auto'] as Strategy[]) {
    const other = runAll(s, setup, lines, budgets);
    assert.equal(other, text, `${s} differs from text for ${JSON.stringify({ setup, lines, budgets })}`);
  }
}

// Programs: the seed's recursive macros, list builtins that build calls,
// escapes, unbalanced brackets, impure and failing calls, definitions made
// by results, budgets reached in the middle of a pass.
const MACROS = [
  '[macro fib $n][[if [< $n 2] identity fib2] $n][/macro]',
  '[macro fib2 $n][+ [fib [- $n 1]] [fib [- $n 2]]][/macro]',
  '[macro fac $n][* $n [[if [<= $n 1] ignore fac] [- $n 1]]][/macro]',
  '[macro twice @x][identity @x @x][/macro]',
  '[macro open $x]\\[$x[/macro]',
  '[macro close $x]$x\\][/macro]',
  '[macro bs $x]$x\\\\[/macro]',
  '[macro mk $n][data k$n v$n][/macro]',
  '[macro def $n]\\[macro m$n\\]M$n\\[/macro\\][/macro]',
  '[macro loop $n][[if [> $n 0] loop ignore] [dec $n]][/macro]',
];
const SECRET = encryptText('[macro dyn $x]<$x>[/macro]', 'K');

const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('[', ']', '[', ']', ' ', ' ', '\\', '\\[', '\\]', '{', '}', 'a', 'b', '7', '0', '-1', '\\n') },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '[fib 6]', '[fib 9]', '[fac 5]', '[twice [inc 1]]', '[open x]', '[close y]', '[bs z]', '[mk 1]', '[mk 2]', '[def 3]', '[m3]',
      '[loop 20]', '[data q [time]]', '[uuid]', '[/ 1 0]', '[iota 1 40]', '[map inc 1 2 3]', '[filter number 1 a 2]',
      '[split-do inc , 1,2,3]', '[xyz 1]', '[decrypt-eval/K ' + SECRET + ']', '[dyn 5]', '[data-k1]', '[funcs]', '[concat a\\ b c]',
      '[reduce + 1 2 3 4]', '[if 1 fib fac]', '[macro ', '[/macro]', '[macro inl $x]($x)[/macro]', '[inl [inc 2]]',
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom('inc ', 'upper ', 'identity ', 'fib ', 'ignore ', 'concat ', 'length ', '+ 1 ', 'first ') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => '[inc '.repeat(n) + '0' + ']'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => '['.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => ']'.repeat(n)) },
);
const line = fc.array(token, { maxLength: 24 }).map((t) => t.join(''));
const budgets = fc.record({
  maxSteps: fc.constantFrom(undefined, 7, 40, 300, 5000),
  maxOutput: fc.constantFrom(undefined, 60, 400, 5000),
});

test('fixed programs: recursion, deep nesting, sharing, escapes', () => {
  same(MACROS, ['[fib 12]', '[fac 20] and [fib 7]', 'x [twice [fib 5]] y', '[open [fib 3]] [fib 4]]', '[close [inc 1]] [inc 2]']);
  same(MACROS, ['[bs [inc 1]][inc 2]', '\\\\[inc 1]', '[bs a]]', '[mk [fib 4]] [data-k3]', '[def 1][m1] [m1]', '[loop 300]']);
  same([], ['[inc '.repeat(2000) + '0' + ']'.repeat(2000), 'a]b[ [upper c] [[+ 1 2]', '[[concat up per] fie]', '[', ']]][[[']);
  same(MACROS, ['[fib 15]'], { maxSteps: 5000 });
  same(MACROS, ['[twice [twice [twice [twice [fib 8]]]]]'], { maxOutput: 300 });
});

test('random programs give the same results whichever strategy runs a pass', () => {
  fc.assert(
    fc.property(fc.subarray(MACROS), fc.array(line, { minLength: 1, maxLength: 3 }), budgets, (setup, lines, b) => {
      same(setup, lines, b);
    }),
    { numRuns: 600, seed: 20261202 },
  );
});

test('[inc nested 100,000 deep ends within the default time budget (the graph makes each pass cost what changes)', () => {
  const depth = 100_000;
  const it = new Interpreter({ host: { ...memHost(), now: () => Date.now() } });
  const r = it.run('[inc '.repeat(depth) + '0' + ']'.repeat(depth));
  assert.equal(r.errors, []);
  assert.is(r.output, String(depth));
  assert.is(r.steps, depth);
  assert.is(r.passes, depth);
});

test.run();
