// All suites (test/*.test.ts and test/node/*.test.ts) on Node, TypeScript via tsx.
//   node test/run-node.mjs [filter...]   (filter: part of a suite's path)
import { finish, findSuites, runSuites } from './harness/runner.mjs';

const tsx = import.meta.resolve('tsx'); // an absolute URL: works from any cwd
finish(runSuites(findSuites(['test', 'test/node'], process.argv.slice(2)), process.execPath, ['--import', tsx]));
