// npm run bench:heap: where the QuickJS heap after load goes. Prints two
// Markdown tables: computeMemoryUsage() of an empty board and of the board
// after magni.load(), with the bundle compiled keeping all debug info, as
// qjsc does by default (no source) and as qjsc -s (what the board does); then
// the board bundle's modules one by one, each row what adding that module's
// exports costs (stripped as on the board).
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { BUNDLES, buildBundle } from '../build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { QuickJSVm } = await tsImport(pathToFileURL(join(ROOT, 'targets/quickjs/board.ts')).href, import.meta.url);

/** computeMemoryUsage() as a plain object. */
function usage(vm) {
  const h = vm.ctx.runtime.computeMemoryUsage();
  try {
    return vm.ctx.dump(h);
  } finally {
    h.dispose();
  }
}

/** A fresh VM (stripped as asked), the script evaluated, then `then(vm)`; its usage before and after. */
async function measure(code, strip, then = () => {}) {
  const vm = await QuickJSVm.create({ strip, sampleEvery: 0, log: () => {} });
  try {
    const empty = usage(vm);
    if (code) vm.evalScript(code, 'board.js');
    then(vm);
    return { empty, loaded: usage(vm) };
  } finally {
    vm.dispose();
  }
}

const FIELDS = ['memory_used_size', 'atom_count', 'atom_size', 'str_count', 'str_size', 'obj_count', 'obj_size', 'prop_size', 'shape_size',
  'js_func_count', 'js_func_size', 'js_func_code_size', 'js_func_pc2line_size'];
const row = (cells) => '| ' + cells.join(' | ') + ' |';
const num = (n) => Math.round(n).toLocaleString('en-US');

// ---- the board after load, per strip level -------------------------------------------

const { outputFiles } = await buildBundle('dist/board.js', join(tmpdir(), `magni-heap-${process.pid}.js`));
const board = outputFiles.find((f) => f.path.endsWith('.js')).text;
const dir = mkdtempSync(join(tmpdir(), 'magni-heap-'));
const load = (vm) => {
  vm.call('magni.load', JSON.stringify({ stateFiles: [join(dir, 'empty.state')], quiet: true }));
  vm.runJobs();
};
const levels = ['none', 'source', 'debug'];
const runs = [];
try {
  for (const strip of levels) runs.push(await measure(board, strip, load));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('QuickJS heap (computeMemoryUsage, bytes) of the virtual board: an empty context, then after loading dist/board.js on an empty state.\n');
console.log(row(['field', 'empty', 'loaded, all debug info', 'loaded, no source (qjsc)', 'loaded, no debug info (qjsc -s, the board)']));
console.log(row(['---', '---:', '---:', '---:', '---:']));
for (const f of FIELDS) console.log(row([f, num(runs[0].empty[f]), ...runs.map((r) => num(r.loaded[f]))]));

// ---- the bundle's modules, one at a time -----------------------------------------------

// The modules of the board bundle in dependency order (leaves first), from esbuild's metafile.
const meta = await esbuild.build({ ...BUNDLES['dist/board.js'], absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent' });
const order = [];
const visit = (path) => {
  if (order.includes(path)) return;
  order.push(null); // a placeholder against cycles
  for (const i of meta.metafile.inputs[path].imports) if (!i.external && meta.metafile.inputs[i.path]) visit(i.path);
  order[order.indexOf(null)] = path;
};
visit(BUNDLES['dist/board.js'].entryPoints[0]);

/** An entry that keeps every export of the first n modules alive, so none is tree-shaken or freed after load. */
async function entryOf(modules) {
  let src = 'globalThis.__kept = [];\n';
  for (const [i, path] of modules.entries()) {
    const names = Object.keys(await tsImport(pathToFileURL(join(ROOT, path)).href, import.meta.url)).filter((n) => n !== 'default');
    src += names.length
      ? `import { ${names.map((n) => `${n} as m${i}_${n}`).join(', ')} } from './${path}';\n__kept.push(${names.map((n) => `m${i}_${n}`).join(', ')});\n`
      : `import './${path}';\n`;
  }
  const r = await esbuild.build({ ...BUNDLES['dist/board.js'], entryPoints: undefined, stdin: { contents: src, resolveDir: ROOT, loader: 'ts' }, absWorkingDir: ROOT, write: false, logLevel: 'silent' });
  return r.outputFiles[0].text;
}

const COLUMNS = [['memory_used_size', 'total'], ['atom_size', 'atoms'], ['str_size', 'strings'], ['obj_size', 'objects'], ['prop_size', 'properties'],
  ['shape_size', 'shapes'], ['js_func_size', 'functions'], ['js_func_code_size', 'bytecode'], ['js_func_count', 'function count']];
console.log('\nEach module of the board bundle in dependency order, stripped as on the board: what keeping all its exports adds (bytes).');
console.log('Atoms include the growth of the atom table, which happens where the count crosses a power of two.\n');
console.log(row(['module', ...COLUMNS.map(([, title]) => title)]));
console.log(row(['---', ...COLUMNS.map(() => '---:')]));
let before = (await measure('', 'debug')).empty;
const first = before;
for (let n = 1; n <= order.length; n++) {
  const { loaded } = await measure(await entryOf(order.slice(0, n)), 'debug');
  console.log(row([order[n - 1], ...COLUMNS.map(([f]) => num(loaded[f] - before[f]))]));
  before = loaded;
}
console.log(row(['all', ...COLUMNS.map(([f]) => num(before[f] - first[f]))]));
