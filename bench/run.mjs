// npm run bench: the interpreter on Node, Bun and QuickJS (the virtual
// board), start-up to first result, the core's size and the QuickJS heap.
// Prints Markdown tables (the README shows them).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SETUP, WORKLOADS, median } from './workloads.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const reps = Number(process.env.BENCH_REPS || 5);

execFileSync(process.execPath, [join(ROOT, 'build.mjs'), '--quiet', '--no-heap'], { stdio: 'inherit' });

const inproc = (cmd) => JSON.parse(execFileSync(cmd, [join(ROOT, 'bench', 'inproc.mjs'), String(reps)], { encoding: 'utf8', maxBuffer: 1 << 26 }));
const node = inproc(process.execPath);
const bun = inproc(BUN);

const { tsImport } = await import('tsx/esm/api');
const { Board } = await tsImport(pathToFileURL(join(ROOT, 'targets/quickjs/board.ts')).href, import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'magni-bench-'));
const board = await Board.create({ stateFiles: [join(dir, 'bench.state')], quiet: true, log: () => {}, timeoutMs: 600_000, memoryLimit: 512 * 1024 * 1024 });
const load = board.heap().load;
for (const l of SETUP) board.evalLine(l, false);
const qjs = {};
for (const w of WORKLOADS) {
  const times = [];
  for (let i = 0; i < Math.min(reps, 3); i++) {
    const t = performance.now();
    const r = board.evalLine(w.line, false);
    times.push(performance.now() - t);
    if (r.output !== w.expect) throw new Error(`QuickJS ${w.name}: got ${r.output.slice(0, 80)}, expected ${w.expect}`);
  }
  qjs[w.name] = median(times);
}
const peak = board.heap().peak;
board.dispose();
rmSync(dir, { recursive: true, force: true });

// Start-up: a fresh process, one line, until it exits.
function startup(args) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const cwd = mkdtempSync(join(tmpdir(), 'magni-start-'));
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'run'), '-q', ...args], { cwd, input: '[+ 1 2]\n', encoding: 'utf8' });
    times.push(performance.now() - t);
    rmSync(cwd, { recursive: true, force: true });
    if (r.stdout !== '3\n') throw new Error(`start-up ${args}: ${r.stdout} ${r.stderr}`);
  }
  return median(times);
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + ' ms';
const rows = WORKLOADS.map((w) => `| ${w.name} | ${ms(node[w.name])} | ${ms(bun[w.name])} | ${ms(qjs[w.name])} |`);
rows.push(`| start-up to first result (\`echo "[+ 1 2]" \\| ./run\`) | ${ms(startup([]))} | ${ms(startup(['--bun']))} | ${ms(startup(['--board']))} |`);
const core = readFileSync(join(ROOT, 'dist', 'core.js'));
console.log(`Median of ${reps} runs (QuickJS: ${Math.min(reps, 3)}), ${new Date().toISOString().slice(0, 10)}, ${process.platform} ${process.arch}, Node ${process.version}, Bun ${execFileSync(BUN, ['--version'], { encoding: 'utf8' }).trim()}, quickjs-emscripten (wasm, release-sync).\n`);
console.log('| workload | Node | Bun | QuickJS (virtual board) |\n|---|---:|---:|---:|\n' + rows.join('\n'));
console.log(`\n| core | value |\n|---|---:|\n| \`dist/core.js\` minified | ${core.length} bytes |\n| \`dist/core.js\` gzip | ${gzipSync(core, { level: 9 }).length} bytes |\n| QuickJS heap after loading the core | ${load} bytes |\n| QuickJS heap peak during these workloads | ${peak} bytes |`);
