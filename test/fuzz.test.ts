// Fuzzing the evaluator: whatever the text, a line never throws, never runs
// past its budgets, and always comes back as text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { BUILTINS, Interpreter } from '../runtime/index.ts';
import { memHost } from './memhost.ts';

const MAX_STEPS = 3000;
const MAX_OUTPUT = 1 << 16;

const names = [...BUILTINS.keys(), 'eval/+/inc', 'encrypt/k', 'decrypt-eval/k', 'macro', '/macro', 'x', 'loop', 'FAIL', 'data-a'];
const token = fc.oneof(
  fc.constantFrom('[', ']', '[', ']', ' ', ' ', '\\', '{', '}', '$x', '@y', '\\n', '[macro ', '[/macro]', '0', '-1', '7'),
  fc.constantFrom(...names),
  fc.string({ maxLength: 4 }),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
  fc.bigInt({ min: -(BigInt(10) ** BigInt(40)), max: BigInt(10) ** BigInt(40) }).map(String),
  fc.integer({ min: 0, max: 300 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 0, max: 300 }).map((n) => ']'.repeat(n)),
);
const soup = fc.array(token, { maxLength: 40 }).map((t) => t.join(''));

function check(it: Interpreter, line: string): void {
  const r = it.run(line);
  assert.type(r.output, 'string');
  assert.ok(r.steps <= MAX_STEPS + 1, 'steps ' + r.steps);
  assert.ok(r.output.length <= MAX_OUTPUT * 2, 'output ' + r.output.length);
  assert.ok(Array.isArray(r.errors) && r.errors.every((e) => typeof e === 'string'));
}

test('random bracket soup, Unicode and huge numbers always give text within the budget', () => {
  const it = new Interpreter({ host: memHost(), maxSteps: MAX_STEPS, maxOutput: MAX_OUTPUT });
  fc.assert(fc.property(soup, (line) => check(it, line)), { numRuns: 400, seed: 20261121 });
});

test('definitions in the soup, including runaway recursion, stay within the budget', () => {
  const body = fc.array(token, { maxLength: 12 }).map((t) => t.join(''));
  const def = fc.tuple(fc.constantFrom('a', 'b', 'loop', 'FAIL', '+'), fc.constantFrom('', '$x', '@y', '$x @y'), body).map(
    ([n, f, b]) => '[macro ' + n + (f ? ' ' + f : '') + ']' + b.replace(/\[\/macro/g, '') + '[/macro]',
  );
  fc.assert(
    fc.property(fc.array(def, { maxLength: 3 }), soup, (defs, line) => {
      const it = new Interpreter({ host: memHost(), maxSteps: MAX_STEPS, maxOutput: MAX_OUTPUT });
      for (const d of defs) check(it, d);
      check(it, line);
      check(it, '[a 1 2] [b [a x]] [loop] [+ 1 2]');
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('deep nesting and recursion that grows without bound end cleanly', () => {
  const it = new Interpreter({ host: memHost(), maxSteps: MAX_STEPS, maxOutput: MAX_OUTPUT });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2000 }), fc.constantFrom('inc', 'upper', 'x', 'concat a'), (n, f) => {
      check(it, ('[' + f + ' ').repeat(n) + '1' + ']'.repeat(n));
    }),
    { numRuns: 30, seed: 3 },
  );
  it.run('[macro loop @x][loop @x @x][/macro][macro spin][spin][/macro]');
  assert.match(it.run('[loop a]').output, /^%\(ERROR:output budget/);
  assert.match(it.run('[spin]').output, /^%\(ERROR:step budget/);
});

test.run();
