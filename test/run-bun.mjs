// All suites (test/*.test.ts and test/node/*.test.ts) on Bun, under uvu, not
// `bun test` (which reports a false pass for uvu suites).
//   node test/run-bun.mjs [filter...]
import { join } from 'node:path';
import { finish, findSuites, ROOT, runSuites } from './harness/runner.mjs';

const bun = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'bun.exe' : 'bun');
finish(runSuites(findSuites(['test', 'test/node'], process.argv.slice(2)), bun, []));
