import * as esbuild from 'esbuild';
import { tsImport } from 'tsx/esm/api';
const ROOT = process.cwd();
const { QuickJSVm } = await tsImport(ROOT + '/targets/quickjs/board.ts', import.meta.url);
async function heap(contents, extra = {}) {
  const r = await esbuild.build({ bundle: true, minify: true, target: 'es2020', platform: 'neutral', legalComments: 'none', absWorkingDir: ROOT, format: 'iife', write: false, stdin: { contents, resolveDir: ROOT, loader: 'ts' }, ...extra });
  const vm = await QuickJSVm.create({ log: () => {} });
  const before = vm.sample();
  vm.evalScript(r.outputFiles[0].text, 'x.js');
  const after = vm.sample(); vm.dispose();
  return [r.outputFiles[0].text.length, before, after];
}
console.log('empty', await heap("import './targets/quickjs/polyfills.ts';"));
console.log('all exports', await heap("import './targets/quickjs/polyfills.ts'; import * as c from './runtime/index.ts'; (globalThis as any).c = c;"));
console.log('3 classes', await heap("import './targets/quickjs/polyfills.ts'; import {MagniNode, ChordNode, Messenger} from './runtime/index.ts'; (globalThis as any).c = {MagniNode, ChordNode, Messenger};"));
console.log('no ring', await heap("import './targets/quickjs/polyfills.ts'; import {MagniNode, Messenger} from './runtime/index.ts'; (globalThis as any).c = {MagniNode, Messenger};"));
console.log('all code, 1 export (treeShaking off)', await heap("import './targets/quickjs/polyfills.ts'; import {MagniNode} from './runtime/index.ts'; (globalThis as any).c = {MagniNode};", { treeShaking: false }));
