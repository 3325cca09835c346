// Runs the suites uvu queued under UVU_DEFER and counts their tests. uvu's
// per-suite runner resolves to [errors | true, passed, skipped, total]; its
// own exec() prints totals in its own format and cannot count a crash, so
// the harness drives the queue itself. Runs on Node, Bun and QuickJS.

/** Before importing a suite: make uvu queue its suites instead of running them. */
export function deferUvu() {
  globalThis.UVU_DEFER = 1;
  globalThis.UVU_INDEX = 0;
  globalThis.UVU_QUEUE = [[null]]; // one group; its first slot is the file-name slot uvu's exec() would print
}

/**
 * Run every queued suite, writing uvu's per-suite lines and failure reports
 * with write(text). onProgress(counts) after each suite, so a crash later on
 * still leaves what was counted. Resolves to { passed, failed }.
 */
export async function runQueue(write, onProgress = () => {}) {
  const counts = { passed: 0, failed: 0 };
  for (const group of globalThis.UVU_QUEUE) {
    for (const run of group.slice(1)) {
      try {
        const [errors, passed, , total] = await run();
        counts.passed += passed;
        counts.failed += total - passed;
        if (errors !== true) write('\n' + errors + '\n');
        // uvu swallows an exception of a before hook and reports no error: say so.
        else if (passed < total) write(`\n  FAIL  a before hook threw: ${total - passed} test(s) did not run\n\n`);
      } catch (e) {
        // an after hook threw: uvu loses the suite's counts with it
        counts.failed += 1;
        write(`\n  FAIL  an after hook threw: ${(e && e.stack) || e}\n\n`);
      }
      onProgress(counts);
    }
  }
  return counts;
}
