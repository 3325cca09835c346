// The Node and Bun test runners: every suite file in its own child process
// (a crash or a hang costs that file, not the run), one after another,
// output streamed as it comes; then the closing `N passed, M failed` line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

/** Suite files (absolute), sorted; folders relative to ROOT; only those whose path contains one of filters. */
export function findSuites(folders, filters = []) {
  const files = folders.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
      .map((e) => join(ROOT, dir, e.name))
      .sort(),
  );
  return filters.length ? files.filter((f) => filters.some((p) => relative(ROOT, f).includes(p))) : files;
}

/** Print the closing line; the exit code is 1 on any failure (or when nothing ran). */
export function finish({ passed, failed }) {
  if (!passed && !failed) console.log('no tests ran (no suite matched?)');
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exitCode = failed || !passed ? 1 : 0;
}

/**
 * Run each suite as `cmd ...args CHILD file resultFile` with a time limit
 * (MAGNI_TEST_TIMEOUT seconds, default 300).
 */
export function runSuites(files, cmd, args) {
  const timeout = 1000 * Number(process.env.MAGNI_TEST_TIMEOUT || 300);
  const dir = mkdtempSync(join(tmpdir(), 'magni-test-'));
  const total = { passed: 0, failed: 0 };
  try {
    files.forEach((file, i) => {
      const rel = relative(ROOT, file);
      const resultFile = join(dir, i + '.json');
      console.log((i ? '\n' : '') + rel);
      const r = spawnSync(cmd, [...args, CHILD, file, resultFile], { cwd: ROOT, stdio: 'inherit', timeout, killSignal: 'SIGKILL' });
      let counts = { passed: 0, failed: 0, done: false };
      try {
        counts = JSON.parse(readFileSync(resultFile, 'utf8'));
      } catch {}
      const died =
        r.error?.code === 'ETIMEDOUT' ? `timed out after ${timeout / 1000} s`
        : r.error ? r.error.message
        : counts.done ? ''
        : r.signal ? `killed by ${r.signal}`
        : `exited with code ${r.status} before finishing`;
      if (died) {
        console.log(`\n  FAIL  ${rel}: ${died}`);
        counts.failed += 1;
      }
      total.passed += counts.passed;
      total.failed += counts.failed;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return total;
}
