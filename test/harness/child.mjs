// One suite file in its own process (Node via tsx, or Bun):
//   child.mjs SUITE_FILE RESULT_FILE
// Writes {passed, failed} as JSON to RESULT_FILE after every uvu suite, so
// the parent still has the counts if the process dies later, and adds
// done: true at the end.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { deferUvu, runQueue } from './run-queue.mjs';

const [file, resultFile] = process.argv.slice(2);
const write = (text) => process.stdout.write(text);
let counts = { passed: 0, failed: 0 };
let stray = 0;
const save = (done) => writeFileSync(resultFile, JSON.stringify({ passed: counts.passed, failed: counts.failed + stray, done }));
const end = () => {
  save(true);
  // Like `mocha --exit`: a handle a suite left open must not hang the run.
  process.exit(counts.failed + stray ? 1 : 0);
};

// An error thrown outside any test (a timer, a socket event) fails the file
// the same way on Node (which would die) and Bun (which would go on).
const onStray = (e) => {
  stray++;
  write(`\n  FAIL  uncaught outside a test: ${(e && e.stack) || e}\n`);
};
process.on('uncaughtException', onStray);
process.on('unhandledRejection', onStray);
// Nothing left to run but the queue is not done: a test awaits a promise
// that never settles. (No top-level await here: Bun would wait forever.)
process.on('beforeExit', () => {
  write('\n  FAIL  did not finish: a test awaits a promise that never settles\n');
  counts.failed++;
  end();
});

deferUvu();
import(pathToFileURL(file).href).then(
  () => runQueue(write, (c) => ((counts = { ...c }), save(false))).then((c) => ((counts = c), end())),
  (e) => {
    write(`  FAIL  crashed on import: ${(e && e.stack) || e}\n`);
    counts = { passed: 0, failed: 1 };
    end();
  },
);
