import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
const names = readFileSync('.scratch/private.txt','utf8').trim().split('\n').filter(n=>n.length>2);
const re = new RegExp('^(' + names.join('|') + ')$');
for (const mangle of [false, true]) {
  const r = await esbuild.build({ bundle:true, minify:true, target:'es2020', platform:'neutral', format:'esm', entryPoints:['runtime/index.ts'], write:false, legalComments:'none', ...(mangle?{mangleProps: re}:{}) });
  console.log(mangle, r.outputFiles[0].text.length);
}
