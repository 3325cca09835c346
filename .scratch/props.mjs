import * as esbuild from 'esbuild';
const r = await esbuild.build({ bundle:true, minify:true, target:'es2020', platform:'neutral', format:'esm', entryPoints:['.scratch/core-ring.ts'], write:false, legalComments:'none'});
const t = r.outputFiles[0].text;
const m = {}; for (const x of t.matchAll(/\.([A-Za-z_$][\w$]{2,})/g)) m[x[1]] = (m[x[1]]||0)+1;
let tot=0; const rows = Object.entries(m).map(([k,c])=>[c*(k.length-1),k,c]).sort((a,b)=>b[0]-a[0]);
for (const r of rows) tot+=r[0];
console.log('len', t.length, 'saving if all props 1-2 chars', tot);
console.log(rows.slice(0,60).map(r=>r.join(':')).join('  '));
const s = {}; for (const x of t.matchAll(/"([^"\\]|\\.){20,}"|`[^`]{20,}`/g)) {} 
let strs=0; for (const x of t.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g)) strs+=x[0].length;
console.log('string literal bytes', strs);
