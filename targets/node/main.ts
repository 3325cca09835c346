// Entry of dist/cli.mjs: the `run` command.
import { main } from './cli.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write('run: ' + ((e && e.stack) || e) + '\n');
    process.exitCode = 2;
  },
);
