// npm run bench: the evaluator against its reference (jml/ before the rebuild,
// from git history) on Node, Bun and QuickJS, side by side in one run; the
// start-up of `./run` against the bare runtimes; the core's size and the
// QuickJS heap. Prints Markdown tables (the README shows them).
//   BENCH_REPS=N (default 5; QuickJS at most 3)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { WORKLOADS, median } from './workloads.mjs';
import { REFERENCE, referenceBundles } from './reference.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN = join(ROOT, 'run');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const reps = Number(process.env.BENCH_REPS || 5);
const qjsReps = Math.min(reps, 3);

execFileSync(process.execPath, [join(ROOT, 'build.mjs'), '--quiet', '--no-heap'], { stdio: 'inherit' });
const ref = await referenceBundles();

// ---- in process ---------------------------------------------------------------

const inproc = (cmd) => JSON.parse(execFileSync(cmd, [join(ROOT, 'bench', 'inproc.mjs'), String(reps), ref.esm], { encoding: 'utf8', maxBuffer: 1 << 26 }));
const node = inproc(process.execPath);
const bun = inproc(BUN);

const { tsImport } = await import('tsx/esm/api');
const { runScript } = await tsImport(pathToFileURL(join(ROOT, 'targets/quickjs/board.ts')).href, import.meta.url);
const qjsBundle = await esbuild.build({
  entryPoints: [join(ROOT, 'bench', 'quickjs-inproc.ts')],
  bundle: true, write: false, format: 'iife', target: 'es2020', platform: 'neutral', logLevel: 'silent',
});
const qjsRun = await runScript(`globalThis.benchReps = ${qjsReps};\n` + readFileSync(ref.iife, 'utf8') + '\n' + qjsBundle.outputFiles[0].text, {
  result: 'globalThis.benchResult', timeoutMs: 1_800_000, memoryLimit: 1024 * 1024 * 1024, sampleEvery: 0,
});
if (qjsRun.error) throw new Error('QuickJS: ' + qjsRun.error);
const qjs = JSON.parse(qjsRun.value);

// ---- start-up -------------------------------------------------------------------

/** Median wall time of whole processes, the two commands alternating (the machine's noise hits both alike). */
function paired(a, b, n = 21) {
  const times = [[], []];
  const cwd = mkdtempSync(join(tmpdir(), 'magni-start-'));
  try {
    for (let i = -1; i < n; i++) {
      [a, b].forEach(([cmd, args, want], k) => {
        const t = performance.now();
        const r = spawnSync(cmd, args, { cwd, input: '[+ 1 2]\n', encoding: 'utf8' });
        if (i >= 0) times[k].push(performance.now() - t);
        if (r.stdout !== want) throw new Error(`${cmd} ${args.join(' ')}: ${r.stdout} ${r.stderr}`);
      });
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return times.map(median);
}

const [nodeBare, nodeRun] = paired([process.execPath, ['-e', '0'], ''], [RUN, ['-q'], '3\n']);
const [bunBare, bunRun] = paired([BUN, ['-e', '0'], ''], [RUN, ['--bun', '-q'], '3\n']);
const [, boardRun] = paired([process.execPath, ['-e', '0'], ''], [RUN, ['--board', '-q'], '3\n'], 7);

// ---- the tables -----------------------------------------------------------------

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + ' ms';
const x = (r) => (r.ref / r.new).toFixed(r.ref / r.new >= 10 ? 0 : 1) + 'x';
const date = new Date().toISOString().slice(0, 10);
const bunVersion = execFileSync(BUN, ['--version'], { encoding: 'utf8' }).trim();
console.log(`${date}, ${process.platform} ${process.arch}, Node ${process.version}, Bun ${bunVersion}, QuickJS: quickjs-emscripten (wasm, release-sync). ` +
  `Reference: the evaluator of commit ${REFERENCE}. Medians of ${reps} runs (QuickJS: ${qjsReps}), reference and today's alternating in one process.\n`);
console.log('| workload | Node: reference | Node: today | speed-up | Bun: reference | Bun: today | speed-up | QuickJS: reference | QuickJS: today | speed-up |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const w of WORKLOADS) {
  const [a, b, c] = [node[w.name], bun[w.name], qjs[w.name]];
  console.log(`| ${w.name} | ${ms(a.ref)} | ${ms(a.new)} | ${x(a)} | ${ms(b.ref)} | ${ms(b.new)} | ${x(b)} | ${ms(c.ref)} | ${ms(c.new)} | ${x(c)} |`);
}
console.log('\n| start-up to the first result, whole process | median | against the bare runtime |\n|---|---:|---:|');
console.log(`| \`node -e 0\` | ${ms(nodeBare)} | |`);
console.log(`| \`echo "[+ 1 2]" \\| ./run\` | ${ms(nodeRun)} | ${(nodeRun / nodeBare).toFixed(2)}x |`);
console.log(`| \`bun -e 0\` | ${ms(bunBare)} | |`);
console.log(`| \`echo "[+ 1 2]" \\| ./run --bun\` | ${ms(bunRun)} | ${(bunRun / bunBare).toFixed(2)}x |`);
console.log(`| \`echo "[+ 1 2]" \\| ./run --board\` | ${ms(boardRun)} | ${(boardRun / nodeBare).toFixed(2)}x (of Node) |`);

const { measureHeap, measureCoreHeap } = await import(pathToFileURL(join(ROOT, 'build.mjs')).href);
const heap = await measureHeap();
const coreHeap = await measureCoreHeap();
const core = readFileSync(join(ROOT, 'dist', 'core.js'));
console.log(`\n| core | value |\n|---|---:|\n| \`dist/core.js\` minified | ${core.length} bytes |\n| \`dist/core.js\` gzip | ${gzipSync(core, { level: 9 }).length} bytes |` +
  `\n| QuickJS heap after loading the whole core | ${coreHeap} bytes |\n| QuickJS heap after loading the board bundle | ${heap.load} bytes |\n| QuickJS heap peak, build.mjs standard workload | ${heap.peak} bytes |`);
