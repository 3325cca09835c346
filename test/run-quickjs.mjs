// The portable suites (test/*.test.ts) inside QuickJS: each bundled by
// esbuild with uvu and the harness, then run on a fresh virtual board
// (targets/quickjs/board.ts), one after another.
//   node test/run-quickjs.mjs [filter...]   (filter: part of a suite's path)
// Limits per suite: MAGNI_TEST_TIMEOUT seconds (default 300) and 256 MiB of wasm memory.
import * as esbuild from 'esbuild';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { finish, findSuites, ROOT } from './harness/runner.mjs';

const { runScript } = await tsImport(pathToFileURL(`${ROOT}/targets/quickjs/board.ts`).href, import.meta.url);

// The bundle's entry: the order of these imports is the order of evaluation.
const entry = (suite) => `
import './test/harness/quickjs-pre.mjs';
import { exec } from 'uvu';
import './test/harness/quickjs-post.mjs';
import ${JSON.stringify('./' + suite)};
import { runQueue } from './test/harness/run-queue.mjs';
void exec; // keeps uvu evaluated before quickjs-post.mjs
const g = globalThis;
const write = (text) => g.__magni_host.write(text);
const result = (c, done) => (g.__board_result = { passed: c.passed, failed: c.failed + g.__board_stray, done });
result({ passed: 0, failed: 0 }, false);
runQueue(write, (c) => result(c, false)).then(
  (c) => result(c, true),
  (e) => { write('\\n  FAIL  ' + ((e && e.stack) || e) + '\\n'); result({ passed: 0, failed: 1 }, true); },
);
`;

async function bundle(file) {
  const rel = relative(ROOT, file).split('\\').join('/');
  const r = await esbuild.build({
    stdin: { contents: entry(rel), resolveDir: ROOT, sourcefile: 'quickjs-entry.mjs', loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

const files = findSuites(['test'], process.argv.slice(2));
const timeoutMs = 1000 * Number(process.env.MAGNI_TEST_TIMEOUT || 300);
const color = !!process.stdout.isTTY && !('NO_COLOR' in process.env);
const total = { passed: 0, failed: 0 };
const codes = files.map((f) => bundle(f).then((code) => ({ code }), (error) => ({ error })));
for (const [i, file] of files.entries()) {
  const rel = relative(ROOT, file);
  console.log((i ? '\n' : '') + rel);
  const b = await codes[i];
  let counts = { passed: 0, failed: 0, done: false };
  let died = '';
  if (b.error) {
    died = 'does not bundle for QuickJS: ' + (b.error.errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ` : '') + e.text).join('; ') || b.error.message);
  } else {
    const r = await runScript(`globalThis.__board_color=${color};\n` + b.code, {
      filename: rel.replace(/\.ts$/, '.js'),
      result: 'globalThis.__board_result',
      memoryLimit: 256 * 1024 * 1024,
      timeoutMs,
      sampleEvery: 0,
      strip: 'none', // a failing test's stack keeps its line numbers
      write: (text) => process.stdout.write(text),
      log: (line) => process.stderr.write(line + '\n'),
    });
    counts = r.value ?? counts;
    died = r.error ?? (counts.done ? '' : 'did not finish: a test awaits a promise that never settles');
  }
  if (died) {
    console.log(`\n  FAIL  ${rel}: ${died}`);
    counts.failed += 1;
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
}
finish(total);
