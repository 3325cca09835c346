// Every case of the shared conformance file (copied to test/conformance.json),
// run through the evaluator with the runner's two-step semantics: setup lines
// in one node, then the input in a fresh node that replays the same state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import cases from './conformance.json' with { type: 'json' };
import { MagniNode } from '../runtime/index.ts';
import { memHost } from './memhost.ts';

interface Case {
  id: string;
  setup: string[];
  input: string;
  expect?: string;
  expect_regex?: string;
  flags?: string;
  trace?: string[];
}

test('the copy holds all the shared cases', () => {
  assert.ok((cases as Case[]).length >= 308, 'conformance.json has ' + cases.length + ' cases');
});

for (const c of cases as Case[]) {
  test(c.id, async () => {
    const files = new Map<string, string>();
    if (c.setup.length) {
      const setup = new MagniNode(memHost(files), { quiet: true });
      setup.load();
      for (const line of c.setup) await setup.evalLine(line);
    }
    const node = new MagniNode(memHost(files), { quiet: true });
    node.load();
    const trace: string[] = [];
    const r = await node.evalLine(c.input, { trace: (t) => void trace.push(t) });
    if (c.expect_regex !== undefined) assert.ok(new RegExp(c.expect_regex, 's').test(r.output), JSON.stringify(r.output) + ' !~ /' + c.expect_regex + '/');
    else assert.is(r.output, c.expect);
    if (c.trace) assert.equal(trace, c.trace);
  });
}

test.run();
