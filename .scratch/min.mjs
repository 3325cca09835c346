import * as esbuild from 'esbuild';
const r = await esbuild.build({ bundle:true, minify:true, target:'es2020', platform:'neutral', format:'esm', entryPoints:[process.argv[2]], write:false, legalComments:'none'});
console.log(r.outputFiles[0].text);
