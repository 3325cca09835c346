// esbuild: the dist/ bundles, their sizes, and the budgets of DESIGN.md.
//   node build.mjs [--quiet] [--no-heap]
// --quiet prints only failures; --no-heap skips the QuickJS heap measurement.
// Exits 1 when a bundle fails to build, a budget is exceeded or the standard
// workload gives a wrong answer (its heap numbers would then mean nothing).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { privateNames } from './private-names.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));
const KiB = 1024;

export const BUDGET = { coreBytes: 64 * KiB, heapLoad: 256 * KiB, heapPeak: 512 * KiB };

// Private members get short names in every bundle (private-names.mjs says which are safe).
const mangleProps = new RegExp('^(' + privateNames(ROOT).join('|') + ')$');
const neutral = { bundle: true, minify: true, target: 'es2020', platform: 'neutral', legalComments: 'none', mangleProps };

/** esbuild options per bundle; paths relative to the repo root (absWorkingDir). */
export const BUNDLES = {
  // the language and the node: what every device carries, within the budget
  'dist/core.js': { ...neutral, entryPoints: ['runtime/index.ts'], format: 'esm' },
  // the web node's router and pages, for a node that serves the web (with the core it uses)
  'dist/web.js': { ...neutral, entryPoints: ['runtime/web/index.ts'], format: 'esm' },
  'dist/board.js': { ...neutral, entryPoints: ['targets/quickjs/entry.ts'], format: 'iife' },
  // the sensor node for a board with sensors, loaded after board.js (its heap is not the core's)
  'dist/board-sensors.js': { ...neutral, entryPoints: ['targets/quickjs/sensors-entry.ts'], format: 'iife' },
  // Split: what only some commands need (the web server, the QuickJS board) is
  // a chunk of its own, loaded when asked for, so a plain line starts fast.
  'dist/cli.mjs': {
    entryPoints: { cli: 'targets/node/main.ts' }, bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', mangleProps,
    splitting: true, outdir: 'dist', chunkNames: 'cli-chunks/[name]-[hash]', outExtension: { '.js': '.mjs' },
  },
};

/**
 * Build one bundle (to dist/ or to outfile), from the repo root. The file is
 * replaced atomically (write, then rename), so a `./run` starting meanwhile
 * never imports half a bundle.
 */
export async function buildBundle(name, outfile = join(ROOT, name)) {
  const split = !!BUNDLES[name].splitting;
  const r = await esbuild.build({ ...BUNDLES[name], absWorkingDir: ROOT, ...(split ? {} : { outfile }), logLevel: 'silent', write: false });
  // chunks first, the entry last: an entry on disk never names a chunk that is not
  const files = [...r.outputFiles].sort((a, b) => Number(a.path.endsWith(name)) - Number(b.path.endsWith(name)));
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = f.path + '.' + process.pid + '.tmp';
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  if (split) removeStaleChunks(join(ROOT, 'dist', 'cli-chunks'), new Set(files.map((f) => f.path)));
  return r;
}

/** Chunks of earlier builds (their names hold a content hash) are dropped. */
function removeStaleChunks(dir, keep) {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (!keep.has(join(dir, f))) rmSync(join(dir, f), { force: true });
}

// The standard workload: after load on an empty state, these lines, each with the output it must give.
const TEXT_1K = Array.from({ length: 128 }, (_, i) => 'w' + String(i).padStart(6, '0')).join(' ');
export const WORKLOAD = [
  ['[fac 20]', '2432902008176640000'],
  ['[macro fib $n][[if [< $n 2] identity fib2] $n][/macro]', ''],
  ['[macro fib2 $n][+ [fib [- $n 1]] [fib [- $n 2]]][/macro]', ''],
  ['[fib 15]', '610'],
  ['[+ [iota 1 1000]]', '500500'],
  [`[decrypt [encrypt ${TEXT_1K}]]`, TEXT_1K],
];

/**
 * Heap after load and peak over the workload, on a fresh virtual board with
 * its state in a temp dir. The board compiles the bundle as a firmware's
 * qjsc -s does (no source text or line tables: targets/quickjs/strip.ts).
 */
export async function measureHeap(bundlePath = join(ROOT, 'dist/board.js')) {
  const { tsImport } = await import('tsx/esm/api');
  const { Board } = await tsImport(pathToFileURL(join(ROOT, 'targets/quickjs/board.ts')).href, import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), 'magni-build-'));
  const wrong = [];
  try {
    const board = await Board.create({ stateFiles: [join(dir, 'workload.state')], bundlePath, quiet: true, log: () => {} });
    try {
      for (const [line, want] of WORKLOAD) {
        const r = await board.evalLine(line, false);
        if (r.output !== want || r.errors.length)
          wrong.push(`workload line ${short(line)} gave ${short(r.output)}${r.errors.length ? ' (' + r.errors.join('; ') + ')' : ''}, expected ${short(want)}`);
      }
      return { ...board.heap(), wrong };
    } finally {
      board.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Heap after loading the whole core on a fresh virtual board: every module of
 * runtime/index.ts (what dist/core.js holds: the language, identity,
 * messages, the CHORD table, the Mimei store), none dropped by tree
 * shaking, compiled as a classic script after the board's polyfills and
 * stripped as qjsc -s does.
 * The board bundle carries less (no messages, no ring), so its figure alone
 * would not show what the core costs a device. Four classes are handed to
 * the script, not the 80-odd exports: a namespace object of getters is a
 * bundling artefact (some 20 KB of closures), not code a device carries.
 */
export async function measureCoreHeap() {
  const { tsImport } = await import('tsx/esm/api');
  const { QuickJSVm } = await tsImport(pathToFileURL(join(ROOT, 'targets/quickjs/board.ts')).href, import.meta.url);
  const entry = "import './targets/quickjs/polyfills.ts'; import { MagniNode, Messenger, ChordNode, MimeiStore } from './runtime/index.ts'; (globalThis as any).magniCore = { MagniNode, Messenger, ChordNode, MimeiStore };";
  const r = await esbuild.build({ ...neutral, absWorkingDir: ROOT, format: 'iife', treeShaking: false, write: false, logLevel: 'silent', stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' } });
  const vm = await QuickJSVm.create({ log: () => {} });
  try {
    vm.evalScript(r.outputFiles[0].text, 'core.js');
    const used = vm.sample();
    const loaded = vm.evalScript('Object.values(magniCore).map((c) => typeof c).join()', 'check.js');
    if (loaded !== 'function,function,function,function') throw new Error('the core did not load on the board: ' + loaded);
    return used;
  } finally {
    vm.dispose();
  }
}

const short = (s) => JSON.stringify(s.length > 60 ? s.slice(0, 57) + '...' : s);
const num = (n) => n.toLocaleString('en-US');

async function main(argv) {
  const quiet = argv.includes('--quiet');
  const heap = !argv.includes('--no-heap');
  const failures = [];
  const rows = [];

  const built = await Promise.allSettled(Object.keys(BUNDLES).map((name) => buildBundle(name)));
  Object.keys(BUNDLES).forEach((name, i) => {
    const b = built[i];
    if (b.status === 'rejected') {
      const errs = b.reason?.errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ` : '') + e.text);
      failures.push(`${name}: build failed: ${errs?.join('; ') || b.reason?.message || b.reason}`);
      return;
    }
    const code = readFileSync(join(ROOT, name));
    const budget = name === 'dist/core.js' ? BUDGET.coreBytes : undefined;
    rows.push([name, num(code.length), num(gzipSync(code, { level: 9 }).length), budget ? num(budget) : '']);
    if (budget && code.length > budget) failures.push(`${name} is ${num(code.length)} bytes, over the ${budget / KiB} KiB budget`);
  });

  if (heap && built[Object.keys(BUNDLES).indexOf('dist/board.js')].status === 'fulfilled') {
    try {
      const h = await measureHeap();
      rows.push(['QuickJS heap after loading the board', num(h.load), '', num(BUDGET.heapLoad)]);
      rows.push(['QuickJS heap peak (workload)', num(h.peak), '', num(BUDGET.heapPeak)]);
      if (h.load > BUDGET.heapLoad) failures.push(`QuickJS heap after load is ${num(h.load)} bytes, over the ${BUDGET.heapLoad / KiB} KiB budget`);
      const core = await measureCoreHeap();
      rows.push(['QuickJS heap after loading the core', num(core), '', num(BUDGET.heapLoad)]);
      if (core > BUDGET.heapLoad) failures.push(`QuickJS heap after loading the core is ${num(core)} bytes, over the ${BUDGET.heapLoad / KiB} KiB budget`);
      if (h.peak > BUDGET.heapPeak) failures.push(`QuickJS heap peak is ${num(h.peak)} bytes, over the ${BUDGET.heapPeak / KiB} KiB budget`);
      failures.push(...h.wrong);
    } catch (e) {
      failures.push(`QuickJS heap measurement failed: ${e?.message ?? e}`);
    }
  }

  if (!quiet) {
    const table = [['', 'bytes', 'gzip', 'budget'], ...rows];
    const w = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
    for (const r of table) console.log(r.map((cell, c) => (c ? cell.padStart(w[c]) : cell.padEnd(w[c]))).join('  ').trimEnd());
  }
  for (const f of failures) console.error('build: ' + f);
  return failures.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main(process.argv.slice(2));
