import * as esbuild from 'esbuild';
const entry = process.argv[2] || 'runtime/index.ts';
const r = await esbuild.build({ bundle:true, minify:true, target:'es2020', platform:'neutral', format:'esm', entryPoints:[entry], write:false, metafile:true, legalComments:'none'});
const out = Object.values(r.metafile.outputs)[0];
console.log('total', out.bytes);
const rows = Object.entries(out.inputs).map(([k,v])=>[v.bytesInOutput,k]).sort((a,b)=>b[0]-a[0]);
for (const [b,k] of rows) console.log(String(b).padStart(7), k);
