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
const save = (counts) => writeFileSync(resultFile, JSON.stringify(counts));

// An error thrown outside any test (a timer, a socket event) fails the file
// the same way on Node (which would die) and Bun (which would go on).
let stray = 0;
const onStray = (e) => {
  stray++;
  write(`\n  FAIL  uncaught outside a test: ${(e && e.stack) || e}\n`);
};
process.on('uncaughtException', onStray);
process.on('unhandledRejection', onStray);

deferUvu();
let counts;
try {
  await import(pathToFileURL(file).href);
} catch (e) {
  write(`  FAIL  crashed on import: ${(e && e.stack) || e}\n`);
  counts = { passed: 0, failed: 1 };
}
counts ??= await runQueue(write, (c) => save({ passed: c.passed, failed: c.failed + stray }));
counts.failed += stray;
save({ ...counts, done: true });
// Like `mocha --exit`: a handle a suite left open must not hang the run.
process.exit(counts.failed ? 1 : 0);
